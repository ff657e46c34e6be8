# SPDX-License-Identifier: ISC
"""Boots a Hearth image on a QEMU virt board under Xen (dom0less) and watches its console.

Used by `./hearth run` and by the system tests. Everything about a board comes from the build's
board.json (generated from boards/<board>/board.cmake).

Two topologies: Hearth alone (no dom0, the default), or beside a Linux dom0 driver domain
(`Console(..., dom0=True)`, built by qemu/dom0/build.sh) that owns QEMU's virtio NIC and disk and gives
Hearth a vif on a bridge and a vbd. Both load Xen with QEMU's -kernel; `Console(..., image=...)` boots a
flash image from `./hearth image` through U-Boot instead, the way the real boards boot. In dom0 mode QEMU's stdin is a pipe to Xen's serial input, which goes
to dom0's console shell: `Console.send()` / `Console.command()` type into it."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Board:
    def __init__(self, name):
        self.build_dir = os.path.join(TOP, "build", name)
        path = os.path.join(self.build_dir, "board.json")
        if not os.path.exists(path):
            raise SystemExit(f"no build for board {name}: run ./hearth build --board {name}")
        with open(path) as f:
            self.cfg = json.load(f)
        self.name = name
        self.image = os.path.join(self.build_dir, "hearth.bin")
        self.xen = os.path.join(TOP, "third_party", self.cfg["xen_package"], self.cfg["xen_image"])
        if not os.path.exists(self.xen):
            raise SystemExit(f"Xen binary missing at {self.xen}: run ./hearth setup")

    def machine_args(self, ram_mib=None):
        c = self.cfg
        return ["-M", c["qemu_machine"], "-cpu", c["qemu_cpu"], "-m", f'{ram_mib or c["qemu_ram_mib"]}M',
                "-smp", c["qemu_smp"]]

    def dom0_cfg(self, key):
        value = self.cfg.get(key, "")
        if not value:
            raise SystemExit(f"board {self.name} has no {key} in its board.json: it needs the dom0 "
                             f"fields of boards/{self.name}/board.cmake (rebuild: ./hearth build --board "
                             f"{self.name})")
        return value


class Guest:
    """What the domU boots and where QEMU loads it: by default the board's Hearth image; the benchmarks
    boot another kernel (with a ramdisk) in the same place. memory_mib overrides the board's
    domu_memory_kib (the domU's RAM in the DT)."""

    def __init__(self, board, kernel=None, ramdisk=None, memory_mib=None):
        self.kernel = kernel or board.image
        self.kernel_addr = int(board.cfg["image_load_addr"], 16)
        self.ramdisk = ramdisk
        self.memory_kib = memory_mib * 1024 if memory_mib else int(board.cfg["domu_memory_kib"])
        self.end = self.kernel_addr + os.path.getsize(self.kernel)
        if ramdisk:
            self.ramdisk_addr = _align(self.end, Dom0.ALIGN)
            self.end = self.ramdisk_addr + os.path.getsize(ramdisk)


class Dom0:
    """The dom0 driver domain's kernel and initramfs for a board, built (or found up to date) by
    qemu/dom0/build.sh under build/dom0-<arch>/, and where QEMU loads them (above the guest's end)."""

    ALIGN = 2 << 20

    def __init__(self, board, guest_end=None):
        arch = board.dom0_cfg("dom0_arch")
        self.outdir = os.path.join(TOP, "build", f"dom0-{arch}")
        r = subprocess.run([os.path.join(TOP, "qemu", "dom0", "build.sh"), arch, self.outdir,
                            board.dom0_cfg("dom0_kernel_flavour")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise SystemExit(f"qemu/dom0/build.sh {arch} failed:\n{r.stdout}")
        self.kernel = os.path.join(self.outdir, "dom0-kernel")
        self.ramdisk = os.path.join(self.outdir, "dom0-initramfs.cpio.gz")
        self.memory_mib = int(board.dom0_cfg("dom0_memory_mib"))
        self.bootargs = board.dom0_cfg("dom0_bootargs")
        self.qemu_ram_mib = int(board.dom0_cfg("dom0_qemu_ram_mib"))
        # Right above the domU's image (0x50000000), clear of QEMU's own DTB at RAM + 128 MiB below it.
        if guest_end is None:
            guest_end = int(board.cfg["image_load_addr"], 16) + os.path.getsize(board.image)
        self.kernel_addr = _align(guest_end, self.ALIGN)
        self.ramdisk_addr = _align(self.kernel_addr + os.path.getsize(self.kernel), self.ALIGN)
        ram_end = 0x40000000 + (self.qemu_ram_mib << 20)
        # Xen relocates itself to the top of RAM: keep the modules well below it.
        if self.ramdisk_addr + os.path.getsize(self.ramdisk) > ram_end - (256 << 20):
            raise SystemExit("dom0 modules do not fit below the top of RAM")


def _align(x, a):
    return (x + a - 1) // a * a


def _run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _dts_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_dtb(board, cmdline, workdir, dom0=None, guest=None):
    """QEMU's own DTB for the exact machine, plus the dom0less /chosen nodes for Xen and the domU
    (Hearth, or the given Guest), and, given a Dom0, its kernel and ramdisk modules, bootargs and memory."""
    c = board.cfg
    guest = guest or Guest(board)
    base = os.path.join(workdir, "virt.dtb")
    ram = dom0.qemu_ram_mib if dom0 else None
    subprocess.run([c["qemu_system"]] + ["-M", c["qemu_machine"] + ",dumpdtb=" + base] +
                   board.machine_args(ram)[2:] + ["-nographic"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", base], check=True,
                         capture_output=True, text=True).stdout
    size = os.path.getsize(guest.kernel)
    addr = guest.kernel_addr
    guest_ramdisk = ""
    if guest.ramdisk:
        guest_ramdisk = f"""
            module@{guest.ramdisk_addr:x} {{
                compatible = "multiboot,ramdisk", "multiboot,module";
                reg = <0x0 {guest.ramdisk_addr:#x} 0x0 {os.path.getsize(guest.ramdisk):#x}>;
            }};"""
    xen_bootargs = c["xen_bootargs"]
    dom0_nodes = enhanced = ""
    if dom0:
        # One dom0 vCPU: with two, dom0's cross-vCPU wake-ups get lost under QEMU TCG (netback and
        # blkback then sit on finished work for tens of seconds; measured, see qemu/dom0/README.md).
        xen_bootargs += f" dom0_mem={dom0.memory_mib}M dom0_max_vcpus=1"
        # dom0 needs only the virtio-mmio transports. Its PCIe host bridge would hand dom0 the ECAM
        # window above 4 GiB, where the arm32 (LPAE) dom0 hangs probing it; on arm64 it is just
        # boot time spent scanning an empty bus.
        for node in re.findall(r"^\t(pcie@[0-9a-f]+) \{", dts, re.M):
            dts += f"\n&{{/{node}}} {{\n    status = \"disabled\";\n}};\n"
        enhanced = 'xen,enhanced = "enabled";'
        ksize = os.path.getsize(dom0.kernel)
        rsize = os.path.getsize(dom0.ramdisk)
        dom0_nodes = f"""
        xen,dom0-bootargs = {_dts_string(dom0.bootargs)};
        module@{dom0.kernel_addr:x} {{
            compatible = "multiboot,kernel", "multiboot,module";
            reg = <0x0 {dom0.kernel_addr:#x} 0x0 {ksize:#x}>;
        }};
        module@{dom0.ramdisk_addr:x} {{
            compatible = "multiboot,ramdisk", "multiboot,module";
            reg = <0x0 {dom0.ramdisk_addr:#x} 0x0 {rsize:#x}>;
        }};"""
    chosen = f"""
/ {{
    chosen {{
        #address-cells = <2>;
        #size-cells = <2>;
        xen,xen-bootargs = {_dts_string(xen_bootargs)};{dom0_nodes}
        domU1 {{
            compatible = "xen,domain";
            #address-cells = <2>;
            #size-cells = <2>;
            memory = <0x0 {guest.memory_kib:#x}>;
            cpus = <1>;
            vpl011;{enhanced}
            module@{addr:x} {{
                compatible = "multiboot,kernel", "multiboot,module";
                reg = <0x0 {addr:#x} 0x0 {size:#x}>;
                bootargs = {_dts_string(cmdline)};
            }};{guest_ramdisk}
        }};
    }};
}};
"""
    src = os.path.join(workdir, "xen.dts")
    out = os.path.join(workdir, "xen.dtb")
    with open(src, "w") as f:
        f.write(dts + chosen)
    _run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, src])
    return out


def qemu_command(board, dtb, dom0=None, disk=None, hostfwd=(), guest=None):
    """The QEMU command line; with a Dom0 also its modules, a user-mode NIC with the given
    (proto, host_port, guest_port) forwards to 127.0.0.1, and optionally a raw disk file. guest: what
    the domU boots (default: the board's Hearth image)."""
    c = board.cfg
    guest = guest or Guest(board)
    cmd = ([c["qemu_system"]] + board.machine_args(dom0.qemu_ram_mib if dom0 else None) +
           ["-nographic", "-no-reboot", "-kernel", board.xen, "-dtb", dtb,
            "-device", f"loader,file={guest.kernel},addr={guest.kernel_addr:#x},force-raw=on"])
    if guest.ramdisk:
        cmd += ["-device", f"loader,file={guest.ramdisk},addr={guest.ramdisk_addr:#x},force-raw=on"]
    if dom0:
        fwd = "".join(f",hostfwd={proto}:127.0.0.1:{host}-:{guest}" for proto, host, guest in hostfwd)
        cmd += ["-device", f"loader,file={dom0.kernel},addr={dom0.kernel_addr:#x},force-raw=on",
                "-device", f"loader,file={dom0.ramdisk},addr={dom0.ramdisk_addr:#x},force-raw=on",
                "-netdev", f"user,id=n0{fwd}", "-device", "virtio-net-device,netdev=n0"]
        if disk:
            cmd += ["-drive", f"if=none,file={disk},format=raw,id=d0",
                    "-device", "virtio-blk-device,drive=d0"]
    elif disk or hostfwd:
        raise ValueError("a disk or port forwards need dom0=True (dom0 owns the NIC and the disk)")
    return cmd


# U-Boot's environment for booting a flash image (the board's firmware settings, in QEMU's second
# flash bank): no autoboot delay, and the variables U-Boot's distro boot sets on the real boards when it
# finds boot.scr, so that every board's boot.scr reads its files the same way.
UBOOT_ENV = {
    "bootdelay": "0",
    "devtype": "virtio", "devnum": "0", "distro_bootpart": "1",
    "scriptaddr": "0x40200000",
    "bootcmd": "virtio scan; load ${devtype} ${devnum}:${distro_bootpart} ${scriptaddr} boot.scr && "
               "source ${scriptaddr}; echo hearth: no boot.scr on ${devtype} ${devnum}:${distro_bootpart}",
}
UBOOT_ENV_SIZE = 0x40000     # CONFIG_ENV_SIZE of qemu_arm64 and qemu_arm, at the start of flash bank 1
PFLASH_BYTES = 64 << 20      # QEMU virt's flash banks are exactly 64 MiB


def uboot_env(workdir):
    """The pflash image with UBOOT_ENV (mkenvimage from u-boot-tools)."""
    src, env = os.path.join(workdir, "uboot-env.txt"), os.path.join(workdir, "uboot-env.bin")
    with open(src, "w") as f:
        f.write("".join(f"{k}={v}\n" for k, v in UBOOT_ENV.items()))
    _run(["mkenvimage", "-s", f"{UBOOT_ENV_SIZE:#x}", "-o", env, src])
    with open(env, "r+b") as f:
        f.truncate(PFLASH_BYTES)
    return env


def image_command(board, image, env, hostfwd=()):
    """QEMU booting a flash image (./hearth image) the way a real board does: U-Boot from Debian's
    u-boot-qemu as the firmware, the image as the only disk (virtio), no -kernel, no DTB of ours."""
    c = board.cfg
    bios = os.path.join("/usr/lib/u-boot", c["uboot_target"], "u-boot.bin")
    if not os.path.exists(bios):
        raise SystemExit(f"{bios} is missing: run ./hearth setup (package u-boot-qemu)")
    fwd = "".join(f",hostfwd={proto}:127.0.0.1:{host}-:{guest}" for proto, host, guest in hostfwd)
    return ([c["qemu_system"]] + board.machine_args(board.dom0_cfg("dom0_qemu_ram_mib")) +
            ["-nographic", "-no-reboot", "-bios", bios,
             "-drive", f"if=pflash,unit=1,format=raw,file={env}",
             "-drive", f"if=none,file={image},format=raw,id=d0", "-device", "virtio-blk-device,drive=d0",
             "-netdev", f"user,id=n0{fwd}", "-device", "virtio-net-device,netdev=n0"])


class Console:
    """A running QEMU whose console lines are collected with host timestamps."""

    DOM0_READY = r"dom0: ready"
    DOM0_FAILED = r"dom0: FAILED"

    def __init__(self, board, cmdline="", log_path=None, dom0=False, disk=None, hostfwd=(), image=None,
                 guest=None):
        """dom0=True boots the dom0 driver domain beside Hearth (building it first if needed);
        disk (a raw image file) and hostfwd ([(proto, host_port, guest_port)]) need it.
        image (a flash image from ./hearth image, which has its own dom0 and Hearth arguments) boots
        through U-Boot instead; QEMU writes to it, so pass a copy. guest (a Guest) replaces what the
        domU boots or its memory; cmdline is then that kernel's bootargs."""
        self.board = board
        self.guest = guest or Guest(board)
        self.dom0 = Dom0(board, self.guest.end) if dom0 and not image else None
        self.interactive = bool(dom0 or image)
        self.workdir = tempfile.mkdtemp(prefix=f"hearth-{board.name}-")
        self.lines = []          # (host monotonic seconds since start, text)
        self.cond = threading.Condition()
        self.log = open(log_path, "w") if log_path else None
        self.echo = False
        self._serial = 0
        if image:
            if cmdline or disk:
                raise ValueError("a flash image carries its own boot arguments and disk")
            self.dtb = None
            cmd = image_command(board, image, uboot_env(self.workdir), hostfwd)
        else:
            self.dtb = make_dtb(board, cmdline, self.workdir, self.dom0, self.guest)
            cmd = qemu_command(board, self.dtb, self.dom0, disk, hostfwd, self.guest)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if self.interactive else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            stamp = time.monotonic() - self.t0
            with self.cond:
                self.lines.append((stamp, text))
                self.cond.notify_all()
            if self.log:
                self.log.write(f"[{stamp:8.3f}] {text}\n")
                self.log.flush()
            if self.echo:
                print(text, flush=True)
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pattern, timeout, start=0):
        """Returns (index, host time, match) of the first line from index start matching pattern,
        or raises TimeoutError with the console tail."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i][1])
                    if m:
                        return i, self.lines[i][0], m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and i >= len(self.lines)):
                    raise TimeoutError(f"no console line matching /{pattern}/ within {timeout} s; "
                                       f"console so far:\n" + self.tail())
                self.cond.wait(min(left, 0.5))

    def wait_dom0_ready(self, timeout):
        """Waits for dom0's `dom0: ready`; returns its (index, host time, match). Raises TimeoutError
        with the console tail on timeout, on `dom0: FAILED ...` or when QEMU ends."""
        i, t, m = self.wait_for(f"{self.DOM0_READY}|{self.DOM0_FAILED}", timeout)
        if m.group(0).startswith("dom0: FAILED"):
            time.sleep(2)   # let the diagnostics arrive
            raise TimeoutError(f"dom0 failed: {self.lines[i][1]}; console so far:\n" + self.tail(80))
        return i, t, m

    def send(self, line):
        """Types one line into Xen's serial input (dom0's console shell). dom0 mode only."""
        if not self.interactive:
            raise RuntimeError("console input needs dom0=True or a flash image")
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def command(self, line, timeout=30):
        """Runs a shell command in dom0 and returns (exit status, output lines). The end marker is
        built by the shell, so the echo of the typed line itself cannot match it."""
        with self.cond:
            start = len(self.lines)
        self._serial += 1
        tag = f"@@hearth-{self._serial}"
        self.send(f"{line}; echo {tag}-$?-done")
        i, _, m = self.wait_for(rf"{re.escape(tag)}-(\d+)-done", timeout, start)
        with self.cond:
            out = [text for _, text in self.lines[start:i]]
        # Drop everything up to the echo of the typed line (a shell banner, the prompt).
        echoed = [k for k, text in enumerate(out) if "-$?-done" in text]
        if echoed:
            out = out[echoed[-1] + 1:]
        return int(m.group(1)), out

    def certificate_pem(self):
        """The device certificate that tls.printcert=1 put on the console, or None. With a dom0, Xen's
        serial line interleaves dom0's output with the hub's (a shell banner can run into a certificate
        line), so only the text after each "(XEN) DOM1: " mark is the hub's."""
        with self.cond:
            lines = [line for _, line in self.lines]
        marked = [line[line.index("(XEN) DOM1: ") + 12:] for line in lines if "(XEN) DOM1: " in line]
        text = "\n".join(marked if marked else lines)
        m = re.search(r"-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----\n", text + "\n", re.S)
        return m.group(0) if m else None

    def tail(self, n=40):
        with self.cond:
            return "\n".join(f"  [{t:7.3f}] {s}" for t, s in self.lines[-n:])

    def stop(self):
        """Stops QEMU by its process group id and removes the scratch folder."""
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.reader.join(timeout=2)
        if self.log:
            self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
