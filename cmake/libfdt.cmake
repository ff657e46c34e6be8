# SPDX-License-Identifier: ISC
# Builds libfdt from the pinned device-tree-compiler source fetched by `./hearth setup`.
file(GLOB HEARTH_DTC_DIR LIST_DIRECTORIES true ${HEARTH_THIRD_PARTY}/device-tree-compiler-*)
if(NOT HEARTH_DTC_DIR OR NOT EXISTS ${HEARTH_DTC_DIR}/libfdt/fdt.c)
  message(FATAL_ERROR "libfdt source missing: run ./hearth setup")
endif()
set(LIBFDT_DIR ${HEARTH_DTC_DIR}/libfdt)
add_library(fdt STATIC
  ${LIBFDT_DIR}/fdt.c ${LIBFDT_DIR}/fdt_ro.c ${LIBFDT_DIR}/fdt_wip.c ${LIBFDT_DIR}/fdt_sw.c
  ${LIBFDT_DIR}/fdt_rw.c ${LIBFDT_DIR}/fdt_strerror.c ${LIBFDT_DIR}/fdt_addresses.c
  ${LIBFDT_DIR}/fdt_check.c)
target_include_directories(fdt SYSTEM PUBLIC ${LIBFDT_DIR})
# Third-party code keeps its own warnings out of our -Werror.
target_compile_options(fdt PRIVATE -w)
