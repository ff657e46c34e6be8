#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Packs the dom0 initramfs (newc cpio, gzip) from a tree of extracted Debian .debs.

Nothing ARM runs on the host, so the closure is computed by reading the ELF files themselves: the
program interpreter and DT_NEEDED/DT_RUNPATH of every executable and library, and the `depends=` field
of each kernel module's .modinfo section (the Debian kernel .deb ships no modules.dep: depmod runs in
its postinst). Built-in modules (modules.builtin) are skipped. The archive is reproducible: mtime 0,
uid/gid 0, entries sorted."""

import argparse
import gzip
import io
import lzma
import os
import posixpath
import stat
import struct
import sys

# ---------------------------------------------------------------------------------------------
# ELF reading (little-endian ELF32/ELF64; that is all Debian arm64/armhf ships)

SHT_DYNAMIC = 6
DT_NEEDED, DT_RPATH, DT_RUNPATH = 1, 15, 29
PT_INTERP = 3


class Elf:
    def __init__(self, data):
        if data[:4] != b"\x7fELF":
            raise ValueError("not an ELF file")
        if data[5] != 1:
            raise ValueError("big-endian ELF")
        self.data = data
        self.is64 = data[4] == 2
        if self.is64:
            (self.phoff, self.shoff) = struct.unpack_from("<QQ", data, 0x20)
            (self.phentsize, self.phnum, self.shentsize, self.shnum,
             self.shstrndx) = struct.unpack_from("<HHHHH", data, 0x36)
        else:
            (self.phoff, self.shoff) = struct.unpack_from("<II", data, 0x1c)
            (self.phentsize, self.phnum, self.shentsize, self.shnum,
             self.shstrndx) = struct.unpack_from("<HHHHH", data, 0x2a)
        self.sections = [self._section(i) for i in range(self.shnum)]
        if self.sections and self.shstrndx < len(self.sections):
            names = self.sections[self.shstrndx]
            for s in self.sections:
                s["name"] = self._cstr(names["offset"] + s["name_off"])

    def _cstr(self, off):
        end = self.data.index(b"\0", off)
        return self.data[off:end].decode("utf-8", "replace")

    def _section(self, i):
        off = self.shoff + i * self.shentsize
        if self.is64:
            name, typ, _flags, _addr, offset, size, link = struct.unpack_from("<IIQQQQI", self.data, off)
        else:
            name, typ, _flags, _addr, offset, size, link = struct.unpack_from("<IIIIIII", self.data, off)
        return {"name_off": name, "type": typ, "offset": offset, "size": size, "link": link, "name": ""}

    def section(self, name):
        for s in self.sections:
            if s["name"] == name:
                return self.data[s["offset"]:s["offset"] + s["size"]]
        return None

    def interp(self):
        for i in range(self.phnum):
            off = self.phoff + i * self.phentsize
            if self.is64:
                typ, _flags, offset, _va, _pa, filesz = struct.unpack_from("<IIQQQQ", self.data, off)
            else:
                typ, offset, _va, _pa, filesz = struct.unpack_from("<IIIII", self.data, off)
            if typ == PT_INTERP:
                return self.data[offset:offset + filesz].rstrip(b"\0").decode()
        return None

    def dynamic(self):
        """(needed sonames, runpath directories)."""
        needed, runpath = [], []
        for s in self.sections:
            if s["type"] != SHT_DYNAMIC:
                continue
            strtab = self.sections[s["link"]]["offset"]
            fmt, step = ("<qQ", 16) if self.is64 else ("<iI", 8)
            for off in range(s["offset"], s["offset"] + s["size"], step):
                tag, val = struct.unpack_from(fmt, self.data, off)
                if tag == 0:
                    break
                if tag == DT_NEEDED:
                    needed.append(self._cstr(strtab + val))
                elif tag in (DT_RPATH, DT_RUNPATH):
                    runpath.extend(p for p in self._cstr(strtab + val).split(":") if p)
        return needed, runpath


# ---------------------------------------------------------------------------------------------
# The extracted tree: paths inside it are absolute "guest" paths; symlinks resolve inside it.

class Tree:
    def __init__(self, root):
        self.root = os.path.abspath(root)

    def host(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def resolve(self, path, depth=0):
        """The guest path after following every symlink (in any component) inside the tree."""
        if depth > 40:
            raise RuntimeError(f"symlink loop at {path}")
        parts = [p for p in path.split("/") if p]
        cur = "/"
        for i, part in enumerate(parts):
            nxt = posixpath.join(cur, part)
            h = self.host(nxt)
            if os.path.islink(h):
                target = os.readlink(h)
                base = target if target.startswith("/") else posixpath.join(cur, target)
                rest = "/".join(parts[i + 1:])
                return self.resolve(posixpath.normpath(posixpath.join(base, rest)), depth + 1)
            cur = nxt
        return cur

    def exists(self, path):
        return os.path.exists(self.host(self.resolve(path)))

    def read(self, path):
        with open(self.host(self.resolve(path)), "rb") as f:
            return f.read()


def _gpath(path):
    """Normalises a guest path to one leading slash (posixpath keeps a leading "//")."""
    return "/" + posixpath.normpath("/" + path).lstrip("/")


class Archive:
    """Guest path -> entry. Files are stored dereferenced (the initramfs has no need for links)."""

    def __init__(self):
        self.entries = {}

    def add_dir(self, path, mode=0o755):
        path = _gpath(path)
        while path != "/":
            self.entries.setdefault(path, ("dir", mode, None))
            path = posixpath.dirname(path)

    def add_file(self, path, data, mode=0o755):
        path = _gpath(path)
        self.add_dir(posixpath.dirname(path))
        self.entries[path] = ("file", mode, data)

    def add_link(self, path, target):
        path = _gpath(path)
        self.add_dir(posixpath.dirname(path))
        self.entries[path] = ("link", 0o777, target.encode())

    def add_chardev(self, path, major, minor, mode=0o600):
        path = _gpath(path)
        self.add_dir(posixpath.dirname(path))
        self.entries[path] = ("chr", mode, (major, minor))

    def cpio(self):
        out = io.BytesIO()
        ino = 1
        for path in sorted(self.entries):
            kind, mode, payload = self.entries[path]
            rdev = (0, 0)
            data = b""
            if kind == "dir":
                mode |= stat.S_IFDIR
            elif kind == "file":
                mode |= stat.S_IFREG
                data = payload
            elif kind == "link":
                mode |= stat.S_IFLNK
                data = payload
            else:
                mode |= stat.S_IFCHR
                rdev = payload
            _cpio_entry(out, path.lstrip("/"), ino, mode, data, rdev)
            ino += 1
        _cpio_entry(out, "TRAILER!!!", 0, 0, b"", (0, 0))
        return out.getvalue()


def _cpio_entry(out, name, ino, mode, data, rdev):
    nameb = name.encode() + b"\0"
    nlink = 2 if stat.S_ISDIR(mode) else 1
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(nameb), 0)
    out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
    out.write(nameb)
    out.write(b"\0" * (-(110 + len(nameb)) % 4))
    out.write(data)
    out.write(b"\0" * (-len(data) % 4))


# ---------------------------------------------------------------------------------------------

def add_elf_closure(tree, arc, paths, triplet):
    """Adds each guest path and every library it loads, resolving sonames like ld.so would without
    an ld.so.cache: RUNPATH first, then the multiarch and plain library directories."""
    default_dirs = [f"/lib/{triplet}", f"/usr/lib/{triplet}", "/lib", "/usr/lib"]
    todo = list(paths)
    seen = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        data = tree.read(path)
        arc.add_file(path, data, 0o755)
        elf = Elf(data)
        interp = elf.interp()
        if interp:
            todo.append(interp)
        needed, runpath = elf.dynamic()
        origin = posixpath.dirname(path)
        dirs = [d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for d in runpath] + default_dirs
        for so in needed:
            for d in dirs:
                cand = posixpath.join(d, so)
                if tree.exists(cand):
                    todo.append(cand)
                    break
            else:
                raise SystemExit(f"mkinitramfs: {path} needs {so}, which no extracted package provides "
                                 f"(searched {', '.join(dirs)}): add its package to the build script")
    return seen


def _norm(name):
    return name.replace("-", "_")


def _module_bytes(host_path):
    with open(host_path, "rb") as f:
        data = f.read()
    if host_path.endswith(".xz"):
        data = lzma.decompress(data)
    elif host_path.endswith(".zst"):
        import subprocess
        data = subprocess.run(["zstd", "-dc", host_path], check=True, capture_output=True).stdout
    return data


def add_modules(tree, arc, kver, wanted):
    """Adds the wanted modules and their dependencies in load order; returns (order, builtin)."""
    mdir = tree.host(f"/lib/modules/{kver}")
    builtin = set()
    with open(os.path.join(mdir, "modules.builtin")) as f:
        for line in f:
            base = os.path.basename(line.strip())
            builtin.add(_norm(base.split(".ko")[0]))
    index = {}
    for dirpath, _dirs, files in os.walk(os.path.join(mdir, "kernel")):
        for fn in files:
            if ".ko" in fn:
                index[_norm(fn.split(".ko")[0])] = os.path.join(dirpath, fn)
    order, builtins, loaded = [], [], set()

    def visit(name, chain):
        n = _norm(name)
        if n in loaded:
            return
        if n in builtin:
            if n not in builtins:
                builtins.append(n)
            return
        if n not in index:
            raise SystemExit(f"mkinitramfs: module {name} is neither built into {kver} nor shipped "
                             f"as a module (needed by {' -> '.join(chain) or 'the dom0 list'})")
        data = _module_bytes(index[n])
        info = Elf(data).section(".modinfo") or b""
        for field in info.split(b"\0"):
            if field.startswith(b"depends="):
                for dep in filter(None, field[8:].decode().split(",")):
                    visit(dep, chain + [n])
        loaded.add(n)
        rel = os.path.relpath(index[n], mdir)
        rel = rel[:rel.index(".ko") + 3]
        arc.add_file(f"/lib/modules/{kver}/{rel}", data, 0o644)
        order.append(f"/lib/modules/{kver}/{rel}")

    for name in wanted:
        visit(name, [])
    return order, builtins


def add_overlay(arc, overlay):
    """Adds every file under the host folder overlay at the same path in the guest."""
    for dirpath, _dirs, files in os.walk(overlay):
        for fn in files:
            host = os.path.join(dirpath, fn)
            guest = "/" + os.path.relpath(host, overlay)
            with open(host, "rb") as f:
                arc.add_file(guest, f.read(), 0o755 if os.access(host, os.X_OK) else 0o644)


def write_gzip(arc, out):
    """Writes the archive as a reproducible gzip'd newc cpio (atomically); returns the raw cpio."""
    raw = arc.cpio()
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=6, mtime=0, filename="") as g:
            g.write(raw)
    os.replace(tmp, out)
    return raw


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", required=True, help="tree the .debs were extracted into")
    ap.add_argument("--overlay", required=True, help="qemu/dom0/rootfs: /init and the scripts")
    ap.add_argument("--triplet", required=True, help="e.g. aarch64-linux-gnu")
    ap.add_argument("--kver", required=True, help="kernel version (the /lib/modules folder name)")
    ap.add_argument("--xen-bin", required=True, help="e.g. /usr/lib/xen-4.17/bin")
    ap.add_argument("--modules", required=True, help="comma-separated module names, in load order")
    ap.add_argument("--info", default="", help="text stored as /etc/hearth-dom0-release")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tree, arc = Tree(args.root), Archive()
    for d in ("/proc", "/sys", "/dev", "/tmp", "/run", "/root", "/etc", "/var/log/xen", "/var/lib/xen",
              "/var/lib/xenstored", "/usr/bin", "/usr/sbin", "/sbin", "/mnt"):
        arc.add_dir(d)
    arc.add_link("/var/run", "/run")
    arc.add_chardev("/dev/console", 5, 1)
    arc.add_chardev("/dev/null", 1, 3, 0o666)

    arc.add_file("/bin/busybox", tree.read("/bin/busybox"))
    xen_tools = ["xenstored", "xl", "init-dom0less", "xen-init-dom0", "xenstore-control"]
    store_tools = ["xenstore", "xenstore-chmod", "xenstore-exists", "xenstore-list", "xenstore-ls",
                   "xenstore-read", "xenstore-rm", "xenstore-watch", "xenstore-write"]
    # glibc dlopen()s libgcc_s for pthread_cancel and unwinding (xl aborts without it): no DT_NEEDED
    # names it, so it is a root of its own.
    add_elf_closure(tree, arc, [f"{args.xen_bin}/{t}" for t in xen_tools] +
                    [f"/usr/bin/{t}" for t in store_tools] + [f"/lib/{args.triplet}/libgcc_s.so.1"],
                    args.triplet)
    for t in xen_tools:
        # Debian's /usr/sbin entries are a wrapper script that needs the hypervisor version from
        # sysfs; the initramfs holds exactly one Xen version, so link straight to it.
        arc.add_link(f"/usr/sbin/{t}", f"{args.xen_bin}/{t}")
    if tree.exists("/etc/xen/xl.conf"):
        arc.add_file("/etc/xen/xl.conf", tree.read("/etc/xen/xl.conf"), 0o644)

    order, builtin = add_modules(tree, arc, args.kver, [m for m in args.modules.split(",") if m])
    arc.add_file("/etc/hearth-modules", ("".join(p + "\n" for p in order)).encode(), 0o644)

    add_overlay(arc, args.overlay)
    info = args.info + f"kernel {args.kver}\nmodules {' '.join(os.path.basename(p) for p in order)}\n" \
        f"built-in {' '.join(builtin)}\n"
    arc.add_file("/etc/hearth-dom0-release", info.encode(), 0o644)

    raw = write_gzip(arc, args.out)
    print(f"mkinitramfs: {len(arc.entries)} entries, {len(raw) // 1024} KiB raw, "
          f"{os.path.getsize(args.out) // 1024} KiB gzip; modules: "
          f"{' '.join(os.path.basename(p) for p in order)}; built in: {' '.join(builtin) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
