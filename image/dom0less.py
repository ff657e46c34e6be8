# SPDX-License-Identifier: ISC
"""The dom0less device-tree fragment of a flash image: where U-Boot loads each boot module, and the
/chosen nodes that tell Xen about them (docs/misc/arm/device-tree/booting.txt in Xen's sources).

One description, two renderings: U-Boot `fdt` commands for boot.scr (applied at boot to the device tree
the platform provides: QEMU's, the Pi firmware's, or Debian's DTB for the Cubietruck) and DTS text for
people (`dom0less.dts` on the boot partition). qemu/hearth_qemu.py's make_dtb makes the same nodes for
the -kernel path."""

ALIGN = 2 << 20   # module placement: 2 MiB, which both booti and Xen's module parser are happy with


def align(x, a=ALIGN):
    return (x + a - 1) // a * a


class Prop:
    """A property: kind "cells" (list of ints), "strings" (list of str) or "empty"."""

    def __init__(self, name, kind, value=()):
        self.name, self.kind, self.value = name, kind, list(value)


class Node:
    def __init__(self, name, props=(), children=()):
        self.name, self.props, self.children = name, list(props), list(children)


def cells(name, *values):
    return Prop(name, "cells", values)


def strings(name, *values):
    for v in values:
        if any(c in v for c in '"$\\\n'):
            raise ValueError(f"{name}: {v!r} may not contain quotes, '$', backslashes or newlines "
                             f"(it goes into a U-Boot script)")
    return Prop(name, "strings", values)


def reg(addr_cells, size_cells, addr, size):
    """A reg value in the given cell counts (64-bit quantities split high word first)."""
    out = []
    for n, v in ((addr_cells, addr), (size_cells, size)):
        if n == 1 and v >> 32:
            raise ValueError(f"{v:#x} does not fit one cell")
        out += [v >> 32, v & 0xffffffff] if n == 2 else [v]
    return out


def layout(cfg, sizes):
    """Load addresses of the boot modules: Hearth at the board's image_load_addr, then the dom0 kernel
    and initramfs, each 2 MiB aligned. sizes maps "hearth", "dom0-kernel", "dom0-initramfs" to bytes."""
    hearth = int(cfg["image_load_addr"], 16)
    kernel = align(hearth + sizes["hearth"])
    ramdisk = align(kernel + sizes["dom0-kernel"])
    return {"hearth": hearth, "dom0-kernel": kernel, "dom0-initramfs": ramdisk,
            "end": ramdisk + sizes["dom0-initramfs"]}


def xen_bootargs(cfg):
    """The board's Xen arguments plus dom0's memory, and one dom0 vCPU unless the board says otherwise
    (under QEMU TCG a second dom0 vCPU stalls the backends: qemu/dom0/README.md)."""
    args = cfg["xen_bootargs"] + f' dom0_mem={cfg["dom0_memory_mib"]}M'
    if "dom0_max_vcpus=" not in args:
        args += " dom0_max_vcpus=1"
    return args


def chosen(cfg, sizes, hub_args, dom0_args, chosen_cells=2):
    """The /chosen node: Xen's and dom0's arguments, dom0's kernel and initramfs, and the Hearth domU.
    chosen_cells is the #address-cells/#size-cells the base device tree's /chosen already has (its
    other children keep working), or 2 where it has none."""
    at = layout(cfg, sizes)
    c = chosen_cells

    def module(kind, key):
        return Node(f"module@{at[key]:x}", [
            strings("compatible", f"multiboot,{kind}", "multiboot,module"),
            cells("reg", *reg(c, c, at[key], sizes[key]))])

    hub = Node(f"module@{at['hearth']:x}", [
        strings("compatible", "multiboot,kernel", "multiboot,module"),
        cells("reg", *reg(2, 2, at["hearth"], sizes["hearth"])),
        strings("bootargs", hub_args)])
    domu = Node("domU1", [
        strings("compatible", "xen,domain"),
        cells("#address-cells", 2), cells("#size-cells", 2),
        cells("memory", 0, int(cfg["domu_memory_kib"])),   # KiB, a 64-bit number
        cells("cpus", 1),
        Prop("vpl011", "empty"),
        strings("xen,enhanced", "enabled")], [hub])
    return Node("chosen", [
        cells("#address-cells", c), cells("#size-cells", c),
        strings("xen,xen-bootargs", xen_bootargs(cfg)),
        strings("xen,dom0-bootargs", dom0_args)],
        [module("kernel", "dom0-kernel"), module("ramdisk", "dom0-initramfs"), domu])


def _value_fdt(p):
    if p.kind == "cells":
        return " <" + " ".join(f"{v:#x}" for v in p.value) + ">"
    if p.kind == "strings":
        return "".join(f' "{v}"' for v in p.value)
    return ""


def fdt_commands(node, parent="/"):
    """U-Boot commands that create node (and its children) under parent in the working device tree.
    /chosen itself exists in every base tree, so it is not made; `#` is escaped for U-Boot's shell."""
    path = parent.rstrip("/") + "/" + node.name
    out = [] if path == "/chosen" else [f"fdt mknode {parent} {node.name}"]
    for p in node.props:
        out.append(f"fdt set {path} {p.name.replace('#', chr(92) + '#')}{_value_fdt(p)}")
    for child in node.children:
        out += fdt_commands(child, path)
    return out


def _value_dts(p):
    if p.kind == "cells":
        return " = <" + " ".join(f"{v:#x}" for v in p.value) + ">"
    if p.kind == "strings":
        return " = " + ", ".join(f'"{v}"' for v in p.value)
    return ""


def dts(node, indent=1):
    """DTS text of node (an overlay-style `/ { chosen { ... }; };` fragment when called on /chosen)."""
    pad = "    " * indent
    lines = [f"{pad}{node.name} {{"]
    lines += [f"{pad}    {p.name}{_value_dts(p)};" for p in node.props]
    for child in node.children:
        lines += dts(child, indent + 1).splitlines()
    lines.append(f"{pad}}};")
    text = "\n".join(lines)
    return f"/dts-v1/;\n\n/ {{\n{text}\n}};\n" if indent == 1 else text
