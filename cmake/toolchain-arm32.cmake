# SPDX-License-Identifier: ISC
# Freestanding arm32 toolchain: Debian's arm-none-eabi GCC with Debian's newlib (soft-float multilib).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# ARM (not Thumb) code keeps frame-pointer chains walkable for the exception report's backtrace.
# newlib's own stdint.h (ahead of GCC's) so that inttypes.h knows the 64-bit types.
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -marm -mfloat-abi=soft -isystem /usr/include/newlib")
set(CMAKE_ASM_FLAGS_INIT "-march=armv7-a -marm -mfloat-abi=soft")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-march=armv7-a -marm -mfloat-abi=soft -nostartfiles -static -Wl,--gc-sections -Wl,--build-id=none")
set(HEARTH_LIBC_LINK c gcc)
set(HEARTH_LIBC newlib)
