# FindMbedTLS: mbedTLS 2.28 or 3.x as the targets MbedTLS::mbedtls,
# MbedTLS::mbedx509 and MbedTLS::mbedcrypto.
#
# mbedTLS 3.x installs its own package (MbedTLSConfig.cmake) with those
# targets: it is used when found. Debian's 2.28 ships neither a CMake
# package nor pkg-config files, so then the headers and libraries are
# searched and wrapped in imported targets of the same names. Used by
# banklink's build (port/mbedtls) and, installed next to banklinkConfig.cmake,
# by find_dependency(MbedTLS) at the consumer's configure time: the
# installed package names targets, never library paths, so it can be moved
# or built against another mbedTLS. Sets MbedTLS_FOUND, MbedTLS_VERSION
# (3.x only) and MBEDTLS_INCLUDE_DIR (2.28 search only).
if(NOT TARGET MbedTLS::mbedtls)
  find_package(MbedTLS CONFIG QUIET)
endif()
if(TARGET MbedTLS::mbedtls AND TARGET MbedTLS::mbedx509 AND TARGET MbedTLS::mbedcrypto)
  set(MbedTLS_FOUND TRUE)
  return()
endif()

find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MBEDTLS_LIBRARY mbedtls)
find_library(MBEDX509_LIBRARY mbedx509)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
  REQUIRED_VARS MBEDTLS_LIBRARY MBEDX509_LIBRARY MBEDCRYPTO_LIBRARY MBEDTLS_INCLUDE_DIR)
if(NOT MbedTLS_FOUND)
  return()
endif()
# Not GLOBAL, like the targets of mbedTLS's own package: CMake resolves a
# target's link items in the folder that named them. Order matters for static linking: tls needs x509 needs crypto.
if(NOT TARGET MbedTLS::mbedcrypto)
  add_library(MbedTLS::mbedcrypto UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedcrypto PROPERTIES
    IMPORTED_LOCATION "${MBEDCRYPTO_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}")
endif()
if(NOT TARGET MbedTLS::mbedx509)
  add_library(MbedTLS::mbedx509 UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedx509 PROPERTIES
    IMPORTED_LOCATION "${MBEDX509_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
endif()
if(NOT TARGET MbedTLS::mbedtls)
  add_library(MbedTLS::mbedtls UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedtls PROPERTIES
    IMPORTED_LOCATION "${MBEDTLS_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES MbedTLS::mbedx509)
endif()
