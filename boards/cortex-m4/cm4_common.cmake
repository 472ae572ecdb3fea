# What both Cortex-M4 projects (this folder and net/) set up the same way:
# the project's C settings and warnings, jsmn.h on an include path of its
# own, and banklink's core as a static library.

# C99, the project's warnings as errors, -Os; jsmn.h copied into the build
# folder (the host's /usr/include on the path would shadow newlib).
# A macro: the settings and BL_WARNINGS land in the caller's scope.
macro(bl_cm4_common)
  set(JSMN_HEADER /usr/include/jsmn.h CACHE FILEPATH "jsmn.h")
  if(NOT EXISTS ${JSMN_HEADER})
    message(FATAL_ERROR "jsmn.h not found (apt-get install libjsmn-dev or set JSMN_HEADER)")
  endif()
  configure_file(${JSMN_HEADER} ${CMAKE_CURRENT_BINARY_DIR}/jsmn/jsmn.h COPYONLY)
  set(BL_WARNINGS -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)
  set(CMAKE_C_STANDARD 99)
  set(CMAKE_C_STANDARD_REQUIRED ON)
  set(CMAKE_C_EXTENSIONS OFF)
  add_compile_options(-Os -g)
endmacro()

# The core, exactly the library's sources (src/*.c), as static library NAME.
function(bl_cm4_core_library name)
  file(GLOB sources CONFIGURE_DEPENDS ${BANKLINK_DIR}/src/*.c)
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${BANKLINK_DIR}/src)
  target_include_directories(${name} SYSTEM PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/jsmn)
  target_compile_options(${name} PRIVATE ${BL_WARNINGS} -fstack-usage)
endfunction()
