# SPDX-License-Identifier: ISC
"""Boots a Hearth image on a QEMU virt board under Xen (dom0less) and watches its console.

Used by `./hearth run` and by the system tests. Everything about a board comes from the build's
board.json (generated from boards/<board>/board.cmake)."""

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

    def machine_args(self):
        c = self.cfg
        return ["-M", c["qemu_machine"], "-cpu", c["qemu_cpu"], "-m", f'{c["qemu_ram_mib"]}M',
                "-smp", c["qemu_smp"]]


def _run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _dts_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_dtb(board, cmdline, workdir):
    """QEMU's own DTB for the exact machine, plus the dom0less /chosen nodes for Xen and Hearth."""
    c = board.cfg
    base = os.path.join(workdir, "virt.dtb")
    subprocess.run([c["qemu_system"]] + ["-M", c["qemu_machine"] + ",dumpdtb=" + base] +
                   board.machine_args()[2:] + ["-nographic"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", base], check=True,
                         capture_output=True, text=True).stdout
    size = os.path.getsize(board.image)
    addr = int(c["image_load_addr"], 16)
    chosen = f"""
/ {{
    chosen {{
        #address-cells = <2>;
        #size-cells = <2>;
        xen,xen-bootargs = {_dts_string(c["xen_bootargs"])};
        domU1 {{
            compatible = "xen,domain";
            #address-cells = <2>;
            #size-cells = <2>;
            memory = <0x0 {int(c["domu_memory_kib"]):#x}>;
            cpus = <1>;
            vpl011;
            module@{addr:x} {{
                compatible = "multiboot,kernel", "multiboot,module";
                reg = <0x0 {addr:#x} 0x0 {size:#x}>;
                bootargs = {_dts_string(cmdline)};
            }};
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


def qemu_command(board, dtb):
    c = board.cfg
    return ([c["qemu_system"]] + board.machine_args() +
            ["-nographic", "-no-reboot", "-kernel", board.xen, "-dtb", dtb,
             "-device", f'loader,file={board.image},addr={c["image_load_addr"]},force-raw=on'])


class Console:
    """A running QEMU whose console lines are collected with host timestamps."""

    def __init__(self, board, cmdline="", log_path=None):
        self.board = board
        self.workdir = tempfile.mkdtemp(prefix=f"hearth-{board.name}-")
        self.dtb = make_dtb(board, cmdline, self.workdir)
        self.lines = []          # (host monotonic seconds since start, text)
        self.cond = threading.Condition()
        self.log = open(log_path, "w") if log_path else None
        self.echo = False
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(qemu_command(board, self.dtb), stdin=subprocess.DEVNULL,
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

    def tail(self, n=40):
        with self.cond:
            return "\n".join(f"  [{t:7.3f}] {s}" for t, s in self.lines[-n:])

    def stop(self):
        """Stops QEMU by its process group id and removes the scratch folder."""
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
