# SPDX-License-Identifier: ISC
# Builds Mbed TLS (mbedcrypto, mbedx509, mbedtls) from the pinned source with tls/mbedtls_config.h.
#
# The sources are split the way upstream's library/CMakeLists.txt splits them, but globbed: with our
# configuration every module we leave off compiles to an empty object, so a new upstream file is harmless.
# Upstream's own CMake is not used: it generates files, finds Python and builds programs and tests.
file(GLOB HEARTH_MBEDTLS_DIR LIST_DIRECTORIES true ${HEARTH_THIRD_PARTY}/mbedtls-*)
if(NOT HEARTH_MBEDTLS_DIR OR NOT EXISTS ${HEARTH_MBEDTLS_DIR}/library/ssl_tls.c)
  message(FATAL_ERROR "Mbed TLS source missing: run ./hearth setup")
endif()
set(MBEDTLS_LIB ${HEARTH_MBEDTLS_DIR}/library)

file(GLOB HEARTH_MBEDTLS_ALL ${MBEDTLS_LIB}/*.c)
set(HEARTH_MBEDX509_SOURCES)
set(HEARTH_MBEDTLS_SOURCES)
set(HEARTH_MBEDCRYPTO_SOURCES)
foreach(src IN LISTS HEARTH_MBEDTLS_ALL)
  get_filename_component(name ${src} NAME)
  if(name MATCHES "^(x509|pkcs7)")
    list(APPEND HEARTH_MBEDX509_SOURCES ${src})
  elseif(name MATCHES "^(ssl_|debug|net_sockets|mps_)")
    list(APPEND HEARTH_MBEDTLS_SOURCES ${src})
  else()
    list(APPEND HEARTH_MBEDCRYPTO_SOURCES ${src})
  endif()
endforeach()

# Everything that includes an Mbed TLS header must see the same configuration, so it is PUBLIC.
add_library(mbedcrypto STATIC ${HEARTH_MBEDCRYPTO_SOURCES})
target_include_directories(mbedcrypto SYSTEM PUBLIC ${HEARTH_MBEDTLS_DIR}/include)
target_compile_definitions(mbedcrypto PUBLIC "MBEDTLS_CONFIG_FILE=\"${CMAKE_CURRENT_LIST_DIR}/../tls/mbedtls_config.h\"")
add_library(mbedx509 STATIC ${HEARTH_MBEDX509_SOURCES})
target_link_libraries(mbedx509 PUBLIC mbedcrypto)
add_library(mbedtls STATIC ${HEARTH_MBEDTLS_SOURCES})
target_link_libraries(mbedtls PUBLIC mbedx509)
# Third-party code keeps its own warnings out of our -Werror; our glue in tls/ gets full warnings.
foreach(lib mbedcrypto mbedx509 mbedtls)
  target_compile_options(${lib} PRIVATE -w)
  target_include_directories(${lib} PRIVATE ${MBEDTLS_LIB})
endforeach()
