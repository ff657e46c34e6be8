# SPDX-License-Identifier: ISC
# QEMU virt, Cortex-A57, arm64, GICv2 (like the Raspberry Pi 4's GIC-400), Xen 4.17 from Debian.
set(HEARTH_ARCH arm64)
set(HEARTH_HAL xen-arm)
set(HEARTH_CPU_FLAGS -mcpu=cortex-a57)
set(HEARTH_XEN_PACKAGE xen-hypervisor-4.17-arm64)
set(HEARTH_XEN_IMAGE boot/xen-4.17-arm64)
set(HEARTH_XEN_BOOTARGS "console=dtuart dtuart=/pl011@9000000 bootscrub=0")
set(HEARTH_DOMU_MEMORY_KIB 16384)
# Connection budgets, sized for the 16 MiB domU (netstack/lwipopts.h, tls/tls_priv.h,
# services/http_server.h say what each costs): lwIP's TCP PCBs (TIME_WAIT included), TCP segments,
# receive pool buffers (one frame each), heap for queued sends, listen backlog; TLS and HTTP connections.
set(HEARTH_NET_TCP_PCBS 16)
set(HEARTH_NET_TCP_SEGS 64)
set(HEARTH_NET_PBUF_POOL 48)
set(HEARTH_NET_MEM_KIB 96)
set(HEARTH_NET_LISTEN_BACKLOG 8)
set(HEARTH_TLS_MAX_CONNS 8)
set(HEARTH_HTTP_MAX_CONNS 12)
# Trace ring (services/trace.h): events kept for GET /api/trace, 24 bytes each (12 KiB); the export
# builds its JSON (~130 bytes an event) on the heap, twice, so the ring stays small on the 16 MiB domU.
set(HEARTH_TRACE_EVENTS 512)
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
# Flash image (./hearth image, image/): QEMU runs Debian's U-Boot (u-boot-qemu, qemu_arm64) as its firmware
# with a bootdelay=0 environment in pflash (qemu/hearth_qemu.py), which runs boot.scr from the image's
# boot partition: it loads everything at these addresses, adds the dom0less nodes to QEMU's own device
# tree, disables the PCIe host bridge for dom0 (as the -kernel path does) and starts Xen with booti.
# The extra dom0 modules are none: QEMU's virtio devices are the base list.
set(HEARTH_CONSOLE_UART /pl011@9000000)
set(HEARTH_DOM0_MODULES "")
set(HEARTH_UBOOT_PACKAGE u-boot-qemu)
set(HEARTH_UBOOT_TARGET qemu_arm64)
set(HEARTH_BOOT_COMMAND booti)
set(HEARTH_BOOT_FDT_ADDR 0x41000000)
set(HEARTH_BOOT_XEN_ADDR 0x42000000)
set(HEARTH_BOOT_DTB "")
