#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""`./hearth image --board B`: the board's SD card (or QEMU disk) image, out/hearth-B.img and its .bmap.

Layout (MBR, disk identifier 0x48525448, so PARTUUIDs 48525448-01 and -02):
  0 .. 4 MiB     MBR, then zeros (the Cubietruck's U-Boot with SPL at 8 KiB)
  partition 1    FAT32 "HEARTHBOOT", bootable: boot.scr (+ boot.cmd), Xen, dom0 kernel + initramfs,
                 hearth.bin, the board's DTB and firmware files, dom0less.dts and VERSIONS.txt
  partition 2    type 0xda (raw data): the hub's disk (key slots, then the store), exported by dom0
                 to Hearth; its first 4 MiB are written as zeros, so the hub starts blank
Reproducible from the same inputs (see image/disk.py); the timestamp is SOURCE_DATE_EPOCH, else the
commit time of HEAD."""

import argparse
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import disk  # noqa: E402
import dom0less  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DISK_ID = 0x48525448
BOOT_START_MIB, BOOT_MIB, HEAD_ZERO_MIB = 4, 128, 4
STORE_PARTUUID = f"{DISK_ID:08x}-02"
FAT_EPOCH = 315532800   # 1980-01-01: FAT cannot date anything earlier
RPI_FIRMWARE = ("start4.elf", "fixup4.dat")
SUNXI_SPL_OFFSET = 8 << 10


def die(msg):
    print(f"hearth: error: {msg}", file=sys.stderr)
    sys.exit(1)


def git(*args):
    r = subprocess.run(["git", "-C", TOP, *args], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


def source_date_epoch():
    value = os.environ.get("SOURCE_DATE_EPOCH") or git("log", "-1", "--format=%ct", "HEAD")
    if not value.isdigit():
        die("no SOURCE_DATE_EPOCH and no git commit to take the image's timestamps from")
    return max(int(value), FAT_EPOCH)


def load_board(board):
    path = os.path.join(TOP, "build", board, "board.json")
    if not os.path.exists(path):
        die(f"no build for board {board}: run ./hearth build --board {board}")
    with open(path) as f:
        cfg = json.load(f)
    if cfg["hal"] != "xen-arm" or not cfg["uboot_package"]:
        die(f"board {board} has no flash image (boards with one: qemu-virt-arm64, qemu-virt-arm32, "
            f"rpi4, cubietruck)")
    return cfg


def build_dom0(board, cfg):
    """The board's dom0 kernel and initramfs (qemu/dom0/build.sh): QEMU boards share build/dom0-<arch>
    with the launcher; a board with extra modules gets build/dom0-<board>."""
    arch, modules = cfg["dom0_arch"], cfg["dom0_modules"]
    outdir = os.path.join(TOP, "build", f"dom0-{board}" if modules else f"dom0-{arch}")
    r = subprocess.run([os.path.join(TOP, "qemu", "dom0", "build.sh"), arch, outdir,
                        cfg["dom0_kernel_flavour"], modules],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        die(f"qemu/dom0/build.sh {arch} failed:\n{r.stdout}")
    with open(os.path.join(outdir, "dom0-versions.txt")) as f:
        versions = f.read()
    image = next(line.split("=")[0] for line in versions.splitlines() if line.startswith("linux-image-"))
    tree = os.path.join(TOP, "third_party", f"dom0-{cfg['dom0_kernel_flavour']}", "root")
    return {"kernel": os.path.join(outdir, "dom0-kernel"),
            "initramfs": os.path.join(outdir, "dom0-initramfs.cpio.gz"),
            "versions": versions, "dtbs": os.path.join(tree, "usr", "lib", image)}


def fetched(package):
    """Version of a pinned binary package `./hearth setup` unpacked into third_party/."""
    stamp = os.path.join(TOP, "third_party", package, ".fetched")
    if not os.path.exists(stamp):
        die(f"{package} is not fetched: run ./hearth setup")
    with open(stamp) as f:
        return f.read().strip()


def uboot(cfg):
    """(file in the image, version): none for QEMU, whose firmware (-bios) is the host's u-boot-qemu."""
    pkg, target = cfg["uboot_package"], cfg["uboot_target"]
    if pkg == "u-boot-qemu":
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        return None, r.stdout.strip() or "not installed"
    name = "u-boot-sunxi-with-spl.bin" if pkg == "u-boot-sunxi" else "u-boot.bin"
    path = os.path.join(TOP, "third_party", pkg, "usr", "lib", "u-boot", target, name)
    version = fetched(pkg)
    if not os.path.exists(path):
        die(f"{pkg} {version} has no {target}/{name}")
    return path, version


def rpi_firmware(folder, allow_missing):
    """The Pi 4 boot firmware files from folder: [(name, path)]; exits with instructions when one is
    missing, unless allow_missing (then [] and the image says so)."""
    missing = [n for n in RPI_FIRMWARE if not os.path.isfile(os.path.join(folder, n))]
    if missing and not allow_missing:
        rel = os.path.relpath(folder, TOP) if folder.startswith(TOP) else folder
        die(f"the Raspberry Pi 4 boot firmware is missing from {rel}/: {', '.join(missing)}.\n"
            f"  It is not in Debian main, so Hearth cannot fetch it. Copy start4.elf and fixup4.dat into "
            f"{rel}/ from\n"
            f"  - Debian's raspi-firmware package (component non-free-firmware): /usr/lib/raspi-firmware/, or\n"
            f"  - https://github.com/raspberrypi/firmware, folder boot/\n"
            f"  (see boards/rpi4/firmware/README.md), or pass --firmware DIR. --no-firmware builds an image\n"
            f"  named hearth-rpi4-no-firmware.img that cannot boot until you add them.")
    if missing:
        return []
    with open(os.path.join(folder, "start4.elf"), "rb") as f:
        if f.read(4) != b"\x7fELF":
            die(f"{folder}/start4.elf is not an ELF file: is it the Pi firmware's start4.elf?")
    return [(n, os.path.join(folder, n)) for n in RPI_FIRMWARE]


def boot_script(board, cfg, loads, commands, dtb_name):
    """boot.cmd from boards/<board>/boot.cmd.in: loads (file, address) in order, then the fragment."""
    with open(os.path.join(TOP, "boards", board, "boot.cmd.in")) as f:
        text = f.read()
    boot = f'{cfg["boot_command"]} {cfg["boot_xen_addr"]} - {cfg["boot_fdt_addr"]}'
    values = {
        "BOARD": board, "FDT_ADDR": cfg["boot_fdt_addr"], "FDT_SIZE": "0x200000", "DTB_FILE": dtb_name or "",
        "LOADS": "\n".join(f"load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {a:#x} {n}" for n, a in loads),
        "DOM0LESS": "\n".join(commands), "BOOT": boot, "BOOT_COMMAND": cfg["boot_command"]}
    # The template's comments are for people: U-Boot's shell has no comment syntax to rely on (an
    # apostrophe in one starts a quoted string), so the script U-Boot runs has none.
    text = "".join(line for line in text.splitlines(True) if not line.lstrip().startswith("#"))
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if "@" in text.replace("${", ""):
        leftover = [w for w in text.split() if w.startswith("@") and w.endswith("@")]
        if leftover:
            die(f"boards/{board}/boot.cmd.in: unknown {' '.join(leftover)}")
    return text


def chosen_cells(dtb):
    """#address-cells of the base tree's /chosen (kept, so that its other children still parse), else 2."""
    if not dtb:
        return 2
    r = subprocess.run(["fdtget", "-t", "u", dtb, "/chosen", "#address-cells"], capture_output=True, text=True)
    return int(r.stdout.strip()) if r.returncode == 0 else 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", required=True)
    ap.add_argument("--out", default=os.path.join(TOP, "out"), help="output folder (default out/)")
    ap.add_argument("--data-mib", type=int, default=64,
                    help="size of the hub's data partition in MiB (default 64; fixed once the hub has "
                         "formatted its store)")
    ap.add_argument("--args", default="", help="Hearth boot arguments (e.g. hostname=kitchen)")
    ap.add_argument("--firmware", default=os.path.join(TOP, "boards", "rpi4", "firmware"),
                    help="rpi4: folder with start4.elf and fixup4.dat")
    ap.add_argument("--no-firmware", action="store_true",
                    help="rpi4: build without the Pi firmware (hearth-rpi4-no-firmware.img, not bootable)")
    a = ap.parse_args()
    if a.data_mib < 8:
        die("--data-mib must be at least 8")
    cfg = load_board(a.board)
    epoch = source_date_epoch()
    hearth = os.path.join(TOP, "build", a.board, "hearth.bin")
    xen = os.path.join(TOP, "third_party", cfg["xen_package"], cfg["xen_image"])
    for path, what in ((hearth, f"./hearth build --board {a.board}"), (xen, "./hearth setup")):
        if not os.path.exists(path):
            die(f"{path} is missing: run {what}")
    uboot_file, uboot_version = uboot(cfg)
    firmware, name = [], f"hearth-{a.board}"
    if cfg["uboot_package"] == "u-boot-rpi":
        firmware = rpi_firmware(os.path.abspath(a.firmware), a.no_firmware)
        if not firmware:
            name += "-no-firmware"
    elif a.no_firmware:
        die("--no-firmware is for rpi4 only")
    d0 = build_dom0(a.board, cfg)
    dtb = os.path.join(d0["dtbs"], cfg["boot_dtb"]) if cfg["boot_dtb"] else None
    if dtb and not os.path.exists(dtb):
        die(f"{dtb} is missing from Debian's kernel package")
    dtb_name = os.path.basename(dtb) if dtb else None

    sizes = {"hearth": os.path.getsize(hearth), "dom0-kernel": os.path.getsize(d0["kernel"]),
             "dom0-initramfs": os.path.getsize(d0["initramfs"])}
    at = dom0less.layout(cfg, sizes)
    xen_addr, fdt_addr = int(cfg["boot_xen_addr"], 16), int(cfg["boot_fdt_addr"], 16)
    if not (xen_addr + os.path.getsize(xen) <= at["hearth"] and fdt_addr + 0x200000 <= at["hearth"]
            and (fdt_addr + 0x200000 <= xen_addr or xen_addr + os.path.getsize(xen) <= fdt_addr)):
        die(f"boards/{a.board}/board.cmake: Xen at {xen_addr:#x}, the device tree at {fdt_addr:#x} and the "
            f"modules from {at['hearth']:#x} overlap")
    dom0_args = f'{cfg["dom0_bootargs"]} hearth.store=PARTUUID={STORE_PARTUUID}'
    node = dom0less.chosen(cfg, sizes, a.args, dom0_args, chosen_cells(dtb))
    loads = [("xen", xen_addr), ("hearth.bin", at["hearth"]), ("dom0-kernel", at["dom0-kernel"]),
             ("dom0-initramfs.cpio.gz", at["dom0-initramfs"])]
    try:
        commands = dom0less.fdt_commands(node)
    except ValueError as e:
        die(str(e))
    script = boot_script(a.board, cfg, loads, commands, dtb_name)

    work = os.path.join(TOP, "build", f"image-{a.board}")
    os.makedirs(work, exist_ok=True)
    cmd_path, scr_path = os.path.join(work, "boot.cmd"), os.path.join(work, "boot.scr")
    with open(cmd_path, "w") as f:
        f.write(script)
    disk.run(["mkimage", "-A", "arm64" if cfg["arch"] == "arm64" else "arm", "-O", "linux", "-T", "script",
              "-C", "none", "-n", f"hearth {a.board}", "-d", cmd_path, scr_path],
             env=dict(os.environ, SOURCE_DATE_EPOCH=str(epoch)))

    rev = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        rev += "-dirty"
    versions = [f"Hearth {rev} for {a.board}, SOURCE_DATE_EPOCH={epoch}",
                f"{cfg['xen_package']}={fetched(cfg['xen_package'])}",
                f"{cfg['uboot_package']}={uboot_version} ({cfg['uboot_target']})",
                f"dom0 ({cfg['dom0_arch']}, modules +{cfg['dom0_modules'] or 'none'}):"] + \
        ["  " + line for line in d0["versions"].splitlines()]
    for n, path in firmware:
        with open(path, "rb") as f:
            versions.append(f"{n}: sha256 {hashlib.sha256(f.read()).hexdigest()} (your copy)")
    files = [("boot.scr", scr_path), ("boot.cmd", cmd_path), ("xen", xen), ("hearth.bin", hearth),
             ("dom0-kernel", d0["kernel"]), ("dom0-initramfs.cpio.gz", d0["initramfs"]),
             ("dom0less.dts", dom0less.dts(node).encode())]
    if dtb:
        files.append((dtb_name, dtb))
    if cfg["uboot_package"] == "u-boot-rpi":
        files += [("config.txt", os.path.join(TOP, "boards", a.board, "config.txt")), ("u-boot.bin", uboot_file)]
        files += firmware
        if not firmware:
            files.append(("FIRMWARE-MISSING.txt", (
                "This image has no Raspberry Pi boot firmware and cannot boot.\n"
                f"Copy {' and '.join(RPI_FIRMWARE)} onto this partition (see boards/rpi4/firmware/README.md\n"
                "in Hearth's sources), or rebuild with them in boards/rpi4/firmware/.\n").encode()))
    files.append(("VERSIONS.txt", ("\n".join(versions) + "\n").encode()))

    os.makedirs(a.out, exist_ok=True)
    img, bmap = os.path.join(a.out, name + ".img"), os.path.join(a.out, name + ".bmap")
    data_start = BOOT_START_MIB + BOOT_MIB
    tmp = img + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    with open(tmp, "wb") as f:
        f.truncate((data_start + a.data_mib) * disk.MIB)
    # Zeros where old boot loaders and their environments may sit on a used card, then the table.
    disk.zero(tmp, 0, BOOT_START_MIB * disk.MIB)
    disk.partition_table(tmp, DISK_ID, [(BOOT_START_MIB, BOOT_MIB, 0x0c, True), (data_start, a.data_mib, 0xda, False)])
    if cfg["uboot_package"] == "u-boot-sunxi":
        with open(uboot_file, "rb") as f:
            spl = f.read()
        if SUNXI_SPL_OFFSET + len(spl) > BOOT_START_MIB * disk.MIB:
            die("u-boot-sunxi-with-spl.bin does not fit before the boot partition")
        disk.write_at(tmp, SUNXI_SPL_OFFSET, spl)
    disk.fat_partition(tmp, BOOT_START_MIB, BOOT_MIB, "HEARTHBOOT", DISK_ID, files, epoch,
                       os.path.join(work, "staging"))
    disk.zero(tmp, data_start * disk.MIB, HEAD_ZERO_MIB * disk.MIB)
    os.replace(tmp, img)
    disk.bmap(img, bmap)
    with open(img, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    listing = disk.fat_listing(img, BOOT_START_MIB)
    def shown(path):   # relative to where the user is, unless that climbs out of it
        r = os.path.relpath(path, os.getcwd())
        return path if r.startswith("..") else r
    rel = shown(img)
    print(f"image: {img}\nbmap: {bmap}\nsha256: {digest}\nboot partition: {' '.join(listing)}")
    print(f"data partition: {a.data_mib} MiB, PARTUUID={STORE_PARTUUID} (the hub's store)")
    if cfg["uboot_package"] == "u-boot-qemu":
        print(f"boot it: ./hearth run --board {a.board} --image")
    elif name.endswith("-no-firmware"):
        print("WARNING: no Raspberry Pi firmware in this image: it cannot boot. Put start4.elf and "
              "fixup4.dat into boards/rpi4/firmware/ (boards/rpi4/firmware/README.md) and build again.")
    else:
        print(f"flash it (replace /dev/sdX with your SD card, see lsblk; everything on it is lost):\n"
              f"  bmaptool copy --bmap {shown(bmap)} {rel} /dev/sdX\n"
              f"  (or: dd if={rel} of=/dev/sdX bs=4M conv=fsync status=progress)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
