# SPDX-License-Identifier: ISC
# Hosted: the same hearth_main as a Linux process, for fast tests, fuzzing and benchmarks.
set(HEARTH_ARCH host)
set(HEARTH_HAL hosted)
set(HEARTH_CPU_FLAGS "")
