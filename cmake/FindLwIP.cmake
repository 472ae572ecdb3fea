# FindLwIP: an installed lwIP (e.g. Debian's liblwip-dev) found with
# pkg-config `lwip`, as the imported target LwIP::lwip (its include folders
# and library).
#
# Used by banklink's build (port/lwip, when BL_LWIP_INCLUDE_DIRS is not
# given) and, installed next to banklinkConfig.cmake, by
# find_dependency(LwIP) at the consumer's configure time, so the installed
# package names a target, never a library path. Sets LwIP_FOUND,
# LwIP_VERSION and LwIP_INCLUDE_DIRS.
if(TARGET LwIP::lwip)
  set(LwIP_FOUND TRUE)
  return()
endif()
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(BL_LWIP_PC QUIET lwip)
endif()
set(LwIP_VERSION "${BL_LWIP_PC_VERSION}")
set(LwIP_INCLUDE_DIRS "${BL_LWIP_PC_INCLUDE_DIRS}")
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LwIP REQUIRED_VARS BL_LWIP_PC_FOUND VERSION_VAR LwIP_VERSION)
if(LwIP_FOUND)
  add_library(LwIP::lwip INTERFACE IMPORTED)
  set_target_properties(LwIP::lwip PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${BL_LWIP_PC_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${BL_LWIP_PC_LINK_LIBRARIES}"
    INTERFACE_COMPILE_OPTIONS "${BL_LWIP_PC_CFLAGS_OTHER}")
endif()
