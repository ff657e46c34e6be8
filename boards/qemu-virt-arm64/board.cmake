# SPDX-License-Identifier: ISC
# QEMU virt, Cortex-A57, arm64, GICv2 (like the Raspberry Pi 4's GIC-400), Xen 4.17 from Debian.
set(HEARTH_ARCH arm64)
set(HEARTH_HAL xen-arm)
set(HEARTH_CPU_FLAGS -mcpu=cortex-a57)
set(HEARTH_XEN_PACKAGE xen-hypervisor-4.17-arm64)
set(HEARTH_XEN_IMAGE boot/xen-4.17-arm64)
set(HEARTH_XEN_BOOTARGS "console=dtuart dtuart=/pl011@9000000 bootscrub=0")
set(HEARTH_DOMU_MEMORY_KIB 16384)
set(HEARTH_QEMU_SYSTEM qemu-system-aarch64)
set(HEARTH_QEMU_MACHINE "virt,virtualization=on,gic-version=2")
set(HEARTH_QEMU_CPU cortex-a57)
set(HEARTH_QEMU_RAM_MIB 1024)
set(HEARTH_QEMU_SMP 2)
set(HEARTH_IMAGE_LOAD_ADDR 0x50000000)
# dom0 driver domain (qemu/dom0/build.sh, only with a dom0): Debian arch and kernel flavour, its memory,
# its kernel arguments, and the QEMU RAM that Xen + dom0 + Hearth need together.
set(HEARTH_DOM0_ARCH arm64)
set(HEARTH_DOM0_KERNEL_FLAVOUR arm64)
set(HEARTH_DOM0_MEMORY_MIB 512)
set(HEARTH_DOM0_BOOTARGS "console=hvc0 earlycon=xenboot rdinit=/init")
set(HEARTH_DOM0_QEMU_RAM_MIB 2048)
