# SPDX-License-Identifier: ISC
# Cubietruck (Cubieboard 3): Allwinner A20, 2x Cortex-A7, arm32 with LPAE, GICv2, 2 GB; Xen 4.17 (armhf).
set(HEARTH_ARCH arm32)
set(HEARTH_HAL xen-arm)
set(HEARTH_CPU_FLAGS -mtune=cortex-a7)
set(HEARTH_XEN_PACKAGE xen-hypervisor-4.17-armhf)
set(HEARTH_XEN_IMAGE boot/xen-4.17-armhf)
# Console UART: UART0 (/soc/serial@1c28000, "snps,dw-apb-uart", Xen's ns16550 driver), the board's
# debug header, 115200 8N1; the device tree calls it serial0.
set(HEARTH_CONSOLE_UART serial0)
# RAM split (2 GB): dom0 512 MiB (HEARTH_DOM0_MEMORY_MIB, added as dom0_mem) with 1 vCPU, Hearth 64 MiB
# with the other; Xen and free memory the rest.
set(HEARTH_XEN_BOOTARGS "console=dtuart dtuart=${HEARTH_CONSOLE_UART} dom0_max_vcpus=1")
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
# dom0 driver domain (qemu/dom0/build.sh): Debian's armmp-lpae kernel (the armhf flavour Xen runs),
# plus the A20's SD controller and its GMAC (stmmac) with the RTL8211E PHY's driver, and the AXP209
# power controller's regulators on I2C.
set(HEARTH_DOM0_ARCH armhf)
set(HEARTH_DOM0_KERNEL_FLAVOUR armmp-lpae)
set(HEARTH_DOM0_MEMORY_MIB 512)
set(HEARTH_DOM0_BOOTARGS "console=hvc0 earlycon=xenboot rdinit=/init")
set(HEARTH_DOM0_MODULES "i2c-mv64xxx,axp20x-regulator,sunxi-mmc,realtek,dwmac-sunxi")
# Flash image (./hearth image, image/): the A20's boot ROM loads Debian's U-Boot (u-boot-sunxi,
# Cubietruck: u-boot-sunxi-with-spl.bin at 8 KiB), which runs boot.scr: it loads everything at these
# addresses (RAM starts at 0x40000000), adds the dom0less nodes to Debian's sun7i-a20-cubietruck.dtb
# (from the armmp-lpae kernel package, on the boot partition) and starts Xen in Hyp mode with bootz.
set(HEARTH_UBOOT_PACKAGE u-boot-sunxi)
set(HEARTH_UBOOT_TARGET Cubietruck)
set(HEARTH_BOOT_COMMAND bootz)
set(HEARTH_BOOT_FDT_ADDR 0x43000000)
set(HEARTH_BOOT_XEN_ADDR 0x42000000)
set(HEARTH_IMAGE_LOAD_ADDR 0x50000000)
set(HEARTH_BOOT_DTB sun7i-a20-cubietruck.dtb)
