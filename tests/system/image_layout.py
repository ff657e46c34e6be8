# SPDX-License-Identifier: ISC
"""Offline checks of one flash image from `./hearth image` (used by test_images.py): its partition table
(sfdisk --json), boot-partition files (mtools), raw U-Boot, zeroed data-partition head, its .bmap, and
the /chosen nodes its boot.scr makes, applied with fdtput to the base device tree the board's U-Boot
edits (QEMU's own, dumped for the same machine; Debian's DTB for the real boards) and read back with
fdtget."""
import json
import os
import re
import shlex
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIB = 1 << 20
DISK_ID = "0x48525448"
BOOT_START, BOOT_SECTORS, DATA_START = 8192, 262144, 270336
COMMON_FILES = {"boot.scr", "boot.cmd", "xen", "hearth.bin", "dom0-kernel", "dom0-initramfs.cpio.gz",
                "dom0less.dts", "VERSIONS.txt"}
BOARD_FILES = {
    "qemu-virt-arm64": set(), "qemu-virt-arm32": set(),
    "cubietruck": {"sun7i-a20-cubietruck.dtb"},
    "rpi4": {"config.txt", "u-boot.bin", "bcm2711-rpi-4-b.dtb", "start4.elf", "fixup4.dat"},
    "rpi4-no-firmware": {"config.txt", "u-boot.bin", "bcm2711-rpi-4-b.dtb", "FIRMWARE-MISSING.txt"},
}
XEN_UARTS = {"arm,pl011", "brcm,bcm2835-aux-uart", "snps,dw-apb-uart"}   # drivers Debian's Xen has


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def mtools(cmd, img, *args):
    return run([cmd, "-i", f"{img}@@{BOOT_START * 512}", *args], env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))


def fat_files(img):
    out = mtools("mdir", img, "-/", "-b", "::").stdout
    return {line.strip()[3:] for line in out.splitlines() if line.strip().startswith("::/")}


def fat_get(img, name, dest):
    r = mtools("mcopy", img, "-n", "::" + name, dest)
    return r.returncode == 0


def base_dtb(board, cfg, img, tmp):
    """The device tree the board's boot.scr starts from."""
    out = os.path.join(tmp, f"{board}-base.dtb")
    if cfg["boot_dtb"]:
        return out if fat_get(img, os.path.basename(cfg["boot_dtb"]), out) else None
    machine = cfg["qemu_machine"] + ",dumpdtb=" + out
    run([cfg["qemu_system"], "-M", machine, "-cpu", cfg["qemu_cpu"], "-m", cfg["dom0_qemu_ram_mib"] + "M",
         "-smp", cfg["qemu_smp"], "-nographic"])
    return out if os.path.exists(out) else None


def apply_fdt_commands(script, dtb):
    """Runs boot.cmd's `fdt mknode` / `fdt set` lines against dtb with fdtput; returns the errors."""
    errors = []
    for line in script.splitlines():
        words = shlex.split(line.replace("\\#", "#"))
        if words[:2] == ["fdt", "mknode"]:
            cmd = ["fdtput", "-c", dtb, words[2].rstrip("/") + "/" + words[3]]
        elif words[:2] == ["fdt", "set"]:
            path, prop, values = words[2], words[3], words[4:]
            if values and values[0].startswith("<"):
                cells = " ".join(values).strip("<>").split()
                cmd = ["fdtput", "-t", "u", dtb, path, prop] + [str(int(c, 0)) for c in cells]
            else:
                cmd = ["fdtput", "-t", "s", dtb, path, prop] + values
        else:
            continue
        r = run(cmd)
        if r.returncode != 0:
            errors.append(f"{line}: {r.stderr.strip()}")
    return errors


def fdtget(dtb, node, prop, kind="s"):
    r = run(["fdtget", "-t", kind, dtb, node, prop])
    return r.stdout.strip() if r.returncode == 0 else None


def check_layout(ok, board, cfg, img, bmap, tmp):
    """Partition table, files, raw areas and bmap of one image; returns the boot partition's files."""
    r = run(["sfdisk", "--json", img])
    table = json.loads(r.stdout)["partitiontable"] if r.returncode == 0 else {}
    parts = table.get("partitions", [])
    ok("MBR partition table with the fixed disk identifier", table.get("label") == "dos" and
       table.get("id") == DISK_ID, f'{table.get("label")} {table.get("id")}')
    ok("partition 1: bootable FAT32 (0x0c) at 4 MiB, 128 MiB", len(parts) == 2 and
       parts[0]["start"] == BOOT_START and parts[0]["size"] == BOOT_SECTORS and parts[0]["type"] == "c" and
       parts[0].get("bootable") is True, json.dumps(parts[:1]))
    ok("partition 2: raw data (0xda) right after it, for the hub's store", len(parts) == 2 and
       parts[1]["start"] == DATA_START and parts[1]["type"] == "da", json.dumps(parts[1:]))
    files = fat_files(img)
    want = COMMON_FILES | BOARD_FILES[board]
    ok("boot partition holds exactly the expected files", files == want,
       f"missing {sorted(want - files)}, unexpected {sorted(files - want)}")
    label = mtools("minfo", img, "::").stdout
    ok("FAT volume label and id are fixed", "HEARTHBOOT" in label and "48525448" in label.lower().replace("-", ""))
    with open(img, "rb") as f:
        f.seek(DATA_START * 512)
        head = f.read(4 * MIB)
        f.seek(8192)
        spl = f.read(16)
    ok("data partition starts with 4 MiB of zeros (a fresh hub on a used card)", head == bytes(len(head)))
    if cfg["uboot_package"] == "u-boot-sunxi":
        ok("Cubietruck: U-Boot SPL (eGON.BT0) at 8 KiB", spl[4:12] == b"eGON.BT0", repr(spl[4:12]))
    dest = os.path.join(tmp, f"{board}-bmapcopy.img")
    r = run(["bmaptool", "copy", "--bmap", bmap, img, dest])
    ok(".bmap is valid: bmaptool copy verifies every mapped range", r.returncode == 0,
       "" if r.returncode == 0 else r.stderr[-300:].replace("\n", " "))
    if os.path.exists(dest):
        os.unlink(dest)
    return files


def check_chosen(ok, board, cfg, img, tmp):
    """The dom0less nodes boot.scr makes, against the files they describe; returns the /chosen text
    expected on U-Boot's console (xen,dom0-bootargs) for the boot test."""
    script_path = os.path.join(tmp, f"{board}-boot.cmd")
    if not ok("boot.cmd is on the boot partition", fat_get(img, "boot.cmd", script_path)):
        return None
    with open(script_path) as f:
        script = f.read()
    scr = os.path.join(tmp, f"{board}-boot.scr")
    fat_get(img, "boot.scr", scr)
    r = run(["dumpimage", "-l", scr])
    kind = re.search(r"Image Type:\s*(.*)", r.stdout)
    ok("boot.scr is a U-Boot script image", r.returncode == 0 and kind is not None and "Script" in kind.group(1),
       kind.group(1) if kind else r.stdout[:200].replace("\n", " "))
    dtb = base_dtb(board, cfg, img, tmp)
    if not ok("base device tree available (QEMU's own, or Debian's DTB on the boot partition)", dtb is not None):
        return None
    errors = apply_fdt_commands(script, dtb)
    ok("every fdt command of boot.scr applies to the base device tree", not errors, "; ".join(errors[:3]))
    xen_args = fdtget(dtb, "/chosen", "xen,xen-bootargs") or ""
    uart = re.search(r"dtuart=(\S+)", xen_args)
    node = uart and (uart.group(1) if uart.group(1).startswith("/") else fdtget(dtb, "/aliases", uart.group(1)))
    compat = set((fdtget(dtb, node, "compatible") or "").split()) if node else set()
    ok("/chosen xen,xen-bootargs: console on a UART the base tree has and Xen drives",
       uart is not None and uart.group(1) == cfg["console_uart"] and compat & XEN_UARTS,
       f"{xen_args!r}; {node}: {sorted(compat)}")
    ok("/chosen xen,xen-bootargs: dom0's memory", f'dom0_mem={cfg["dom0_memory_mib"]}M' in xen_args, xen_args)
    dom0_args = fdtget(dtb, "/chosen", "xen,dom0-bootargs") or ""
    ok("/chosen xen,dom0-bootargs: dom0 finds the store by the data partition's PARTUUID",
       f"hearth.store=PARTUUID={DISK_ID[2:]}-02" in dom0_args, dom0_args)
    loads = {m.group(2): int(m.group(1), 16) for m in re.finditer(r"^load \S+ \S+ (0x[0-9a-f]+) (\S+)$", script, re.M)}
    chosen_cells = int(fdtget(dtb, "/chosen", "#address-cells", "u") or 0)

    def reg(path):
        cells = 2 if path.startswith("/chosen/domU1") else chosen_cells   # each node's parent's cells
        v = [int(x) for x in (fdtget(dtb, path, "reg", "u") or "").split()]
        if cells == 2 and len(v) == 4:
            return (v[0] << 32 | v[1], v[2] << 32 | v[3])
        return tuple(v) if len(v) == 2 else (None, None)

    spans = []
    for fat_name, path, compat_want in (
            ("dom0-kernel", f'/chosen/module@{loads.get("dom0-kernel", 0):x}', "multiboot,kernel"),
            ("dom0-initramfs.cpio.gz", f'/chosen/module@{loads.get("dom0-initramfs.cpio.gz", 0):x}',
             "multiboot,ramdisk"),
            ("hearth.bin", f'/chosen/domU1/module@{loads.get("hearth.bin", 0):x}', "multiboot,kernel")):
        local = os.path.join(tmp, f"{board}-{fat_name}")
        size = os.path.getsize(local) if fat_get(img, fat_name, local) else -1
        addr, length = reg(path)
        ok(f"{path}: {compat_want}, reg = where boot.scr loads {fat_name} and its exact size",
           compat_want in (fdtget(dtb, path, "compatible") or "") and addr == loads.get(fat_name) and
           length == size, f"reg ({addr}, {length}), load {loads.get(fat_name)}, file {size} bytes")
        spans.append((loads.get(fat_name, 0), size, fat_name))
        if os.path.exists(local):
            os.unlink(local)
    mem = fdtget(dtb, "/chosen/domU1", "memory", "u")
    ok("/chosen/domU1: xen,domain with the board's memory, one vCPU, vpl011, xen,enhanced",
       fdtget(dtb, "/chosen/domU1", "compatible") == "xen,domain" and mem == f'0 {cfg["domu_memory_kib"]}' and
       fdtget(dtb, "/chosen/domU1", "cpus", "u") == "1" and fdtget(dtb, "/chosen/domU1", "vpl011", "bx") == "" and
       fdtget(dtb, "/chosen/domU1", "xen,enhanced") == "enabled", f"memory {mem}")
    xen_local = os.path.join(tmp, f"{board}-xen")
    fat_get(img, "xen", xen_local)
    spans += [(loads.get("xen", 0), os.path.getsize(xen_local), "xen"),
              (int(cfg["boot_fdt_addr"], 16), 0x200000, "device tree")]
    os.unlink(xen_local)
    spans.sort()
    overlaps = [f"{a[2]} and {b[2]}" for a, b in zip(spans, spans[1:]) if a[0] + a[1] > b[0]]
    ok("Xen, the device tree and the modules do not overlap in memory", not overlaps, ", ".join(overlaps))
    return dom0_args
