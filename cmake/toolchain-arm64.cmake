# SPDX-License-Identifier: ISC
# Freestanding arm64 toolchain: Debian's aarch64-linux-gnu GCC with Debian's picolibc, no Linux libc.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_OBJCOPY aarch64-linux-gnu-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE aarch64-linux-gnu-size CACHE FILEPATH "")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(PICOLIBC_DIR /usr/lib/picolibc/aarch64-linux-gnu)
execute_process(COMMAND aarch64-linux-gnu-gcc -print-file-name=include
                OUTPUT_VARIABLE HEARTH_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND aarch64-linux-gnu-gcc -print-libgcc-file-name
                OUTPUT_VARIABLE HEARTH_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)

# -nostdinc keeps the host's glibc headers out; picolibc and GCC's own headers replace them.
set(CMAKE_C_FLAGS_INIT "-ffreestanding -nostdinc -isystem ${PICOLIBC_DIR}/include -isystem ${HEARTH_GCC_INCLUDE}")
set(CMAKE_ASM_FLAGS_INIT "-nostdinc")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -Wl,--gc-sections -Wl,--build-id=none")
set(HEARTH_LIBC_LINK ${PICOLIBC_DIR}/lib/libc.a ${HEARTH_LIBGCC})
set(HEARTH_LIBC picolibc)
