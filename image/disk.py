# SPDX-License-Identifier: ISC
"""Assembles a flash image reproducibly with Debian's tools: sfdisk (MBR), mkfs.vfat and mtools (the
boot partition, made in place inside the image file), dd-style raw writes, and bmaptool.

Reproducible: a fixed disk identifier (so fixed PARTUUIDs), a fixed FAT volume id and `--invariant`,
every file's timestamps set to SOURCE_DATE_EPOCH, files copied in a fixed order, and the image's holes
exactly the bytes nothing wrote (the FAT's free clusters and the data partition past its zeroed
head), so the .bmap is the same too. Nothing a hole covers matters on the card: bmaptool skips holes,
so everything that must read as zeros is written as zeros."""

import os
import shutil
import subprocess

SECTOR = 512
MIB = 1 << 20


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"image: {' '.join(cmd)} failed:\n{r.stdout}")
    return r.stdout


def write_at(path, offset, data):
    """Writes data at offset (allocating those blocks, zeros included)."""
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def zero(path, offset, length):
    write_at(path, offset, bytes(length))


def partition_table(path, disk_id, parts):
    """An MBR with the given disk identifier; parts: (start MiB, size MiB, type byte, bootable)."""
    lines = ["label: dos", f"label-id: {disk_id:#010x}", "unit: sectors", f"sector-size: {SECTOR}", ""]
    for start, size, ptype, boot in parts:
        lines.append(f"start={start * MIB // SECTOR}, size={size * MIB // SECTOR}, type={ptype:x}"
                     + (", bootable" if boot else ""))
    run(["sfdisk", "--no-reread", "--no-tell-kernel", "--wipe", "never", "--quiet", path],
        input="\n".join(lines) + "\n")


def fat_partition(path, start_mib, size_mib, label, volume_id, files, epoch, staging):
    """Makes a FAT32 file system in place at start_mib and copies files into it: files is a list of
    (name on FAT, host path or bytes), copied in this order, every timestamp SOURCE_DATE_EPOCH."""
    # --invariant first: it also sets a volume id, which -i then overrides.
    run(["mkfs.vfat", "--invariant", "-F", "32", "-S", str(SECTOR), "-s", "1", "-n", label,
         "-i", f"{volume_id:08x}", f"--offset={start_mib * MIB // SECTOR}", path, str(size_mib * 1024)])
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1", SOURCE_DATE_EPOCH=str(epoch), TZ="UTC")
    target = f"{path}@@{start_mib * MIB}"
    made = set()
    for name, src in files:
        local = os.path.join(staging, name)
        os.makedirs(os.path.dirname(local), exist_ok=True)
        if isinstance(src, bytes):
            with open(local, "wb") as f:
                f.write(src)
        else:
            shutil.copyfile(src, local)
        os.utime(local, (epoch, epoch))
        parts = name.split("/")[:-1]
        for i in range(len(parts)):
            d = "/".join(parts[:i + 1])
            if d not in made:
                run(["mmd", "-i", target, "::" + d], env=env)
                made.add(d)
        run(["mcopy", "-i", target, "-m", "-o", local, "::" + name], env=env)
    shutil.rmtree(staging, ignore_errors=True)


def fat_listing(path, start_mib):
    """`mdir -/ -b` of the boot partition: every file's path, for checks and the build log."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    out = run(["mdir", "-i", f"{path}@@{start_mib * MIB}", "-/", "-b", "::"], env=env)
    return sorted(line.strip()[3:] if line.startswith("::/") else line.strip()
                  for line in out.splitlines() if line.strip())


def bmap(path, out):
    run(["bmaptool", "create", "-o", out, path])
