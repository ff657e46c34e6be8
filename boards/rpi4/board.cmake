# SPDX-License-Identifier: ISC
# Raspberry Pi 4 Model B: BCM2711, 4x Cortex-A72, arm64, GIC-400 (GICv2); Xen 4.17 (arm64) from Debian.
set(HEARTH_ARCH arm64)
set(HEARTH_HAL xen-arm)
set(HEARTH_CPU_FLAGS -mcpu=cortex-a72)
set(HEARTH_XEN_PACKAGE xen-hypervisor-4.17-arm64)
set(HEARTH_XEN_IMAGE boot/xen-4.17-arm64)
# Console UART: with enable_uart=1 the header's pins 8/10 (GPIO 14/15) carry the mini UART, which the
# upstream device tree calls serial1 (/soc/serial@7e215040, "brcm,bcm2835-aux-uart", Xen's ns16550
# driver); serial0 (the PL011) belongs to Bluetooth.
set(HEARTH_CONSOLE_UART serial1)
# RAM split (any Pi 4 from 1 GB up): dom0 512 MiB (HEARTH_DOM0_MEMORY_MIB, added as dom0_mem) with
# 2 vCPUs, Hearth 64 MiB with 1 vCPU; Xen and free memory take the rest.
set(HEARTH_XEN_BOOTARGS "console=dtuart dtuart=${HEARTH_CONSOLE_UART} dom0_max_vcpus=2")
set(HEARTH_DOMU_MEMORY_KIB 65536)
# Connection budgets: as on the QEMU boards (the 16 MiB sizing; the larger domU leaves headroom).
set(HEARTH_NET_TCP_PCBS 16)
set(HEARTH_NET_TCP_SEGS 64)
set(HEARTH_NET_PBUF_POOL 48)
set(HEARTH_NET_MEM_KIB 96)
set(HEARTH_NET_LISTEN_BACKLOG 8)
set(HEARTH_TLS_MAX_CONNS 8)
set(HEARTH_HTTP_MAX_CONNS 12)
# Trace ring (services/trace.h on main): events kept for GET /api/trace, as on the QEMU boards.
set(HEARTH_TRACE_EVENTS 512)
# dom0 driver domain (qemu/dom0/build.sh): Debian's arm64 kernel, plus the Pi's SD controller (emmc2:
# sdhci-iproc) and Ethernet (GENET with its MDIO bus and the BCM54213PE PHY's driver).
set(HEARTH_DOM0_ARCH arm64)
set(HEARTH_DOM0_KERNEL_FLAVOUR arm64)
set(HEARTH_DOM0_MEMORY_MIB 512)
set(HEARTH_DOM0_BOOTARGS "console=hvc0 earlycon=xenboot rdinit=/init")
set(HEARTH_DOM0_MODULES "sdhci-iproc,mdio-bcm-unimac,broadcom,genet")
# Flash image (./hearth image, image/): the Pi's boot firmware (start4.elf, fixup4.dat: not in Debian
# main, see boards/rpi4/firmware/README.md) reads config.txt and starts Debian's U-Boot (u-boot-rpi,
# rpi_4), which runs boot.scr: it loads everything at these addresses (RAM starts at 0; all below the
# 1 GB of the smallest Pi 4), adds the dom0less nodes to the device tree the firmware made from Debian's
# bcm2711-rpi-4-b.dtb and starts Xen with booti.
set(HEARTH_UBOOT_PACKAGE u-boot-rpi)
set(HEARTH_UBOOT_TARGET rpi_4)
set(HEARTH_BOOT_COMMAND booti)
set(HEARTH_BOOT_FDT_ADDR 0x02600000)
set(HEARTH_BOOT_XEN_ADDR 0x00200000)
set(HEARTH_IMAGE_LOAD_ADDR 0x10000000)
set(HEARTH_BOOT_DTB broadcom/bcm2711-rpi-4-b.dtb)
