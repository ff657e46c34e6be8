# SPDX-License-Identifier: ISC
"""The two domUs the QEMU benchmark compares, booted the same way: Xen + the same Linux dom0 driver
domain (qemu/dom0) + one domU with one vCPU, on the same QEMU arm64 virt machine under TCG, reached
through QEMU's user network (hostfwd to 127.0.0.1). The domU is either Hearth (its image, a scratch disk
for its identity and store) or the Linux peer (bench/peer: Debian's arm64 kernel and an initramfs with
busybox and nginx). Also the probes both sides get: polling for the first HTTPS 200 and the scripted
workload of the minimum-RAM search."""
import os
import random
import re
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "qemu"))
import hearth_qemu  # noqa: E402

BOARD = "qemu-virt-arm64"
# The peer's kernel arguments: its console is the domU's vpl011 (like Hearth's); `quiet` keeps the
# kernel's boot messages off that slow emulated UART (it favours the peer: Hearth logs every step).
PEER_CMDLINE = "console=ttyAMA0 quiet rdinit=/init"
POLL_S = 0.05
DOM0_TIMEOUT = 300          # a loaded 2-core TCG host is slow
READY_AFTER_DOM0 = 120      # the guest's network and server come up after dom0's vif: a bound per boot
# Console lines that end a boot early: Xen could not build the domU, the guest ran out of memory or
# failed a step. (The minimum-RAM search relies on them to keep failing boots short.)
FAILED = re.compile(r"Panic on CPU|Kernel panic|Out of memory|oom-kill|peer: FAILED|xen: boot failed|"
                    r"HTTPS not started|dom0: FAILED|Failed to allocate|Unable to allocate")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BootFailed(Exception):
    pass


class Side:
    """One domU kind: how to boot it and how it says it is ready on its own clock."""

    def __init__(self, name, board, tmp):
        self.name, self.board, self.tmp = name, board, tmp
        self.ca = None      # PEM file that verifies its certificate for hearth.local

    def boot(self, memory_mib, log_path):
        """Starts QEMU with the domU at memory_mib; returns a Run (the caller stops it)."""
        ports = {"https": free_port(), "http": free_port(), "mqtt": free_port()}
        fwd = [("tcp", ports["https"], 443), ("tcp", ports["http"], 80), ("tcp", ports["mqtt"], 1883)]
        return Run(self, self.console(memory_mib, log_path, fwd), ports)


class HearthSide(Side):
    READY = re.compile(r"DOM1: \[\s*([\d.]+)\] (?:net: up|web: HTTPS on port 443)")

    def __init__(self, board, tmp):
        super().__init__("hearth", board, tmp)
        self.disk = os.path.join(tmp, "hearth-disk.img")
        with open(self.disk, "wb") as f:
            f.truncate(16 << 20)
        self.cmdline = ""

    def console(self, memory_mib, log_path, fwd):
        guest = hearth_qemu.Guest(self.board, memory_mib=memory_mib)
        return hearth_qemu.Console(self.board, self.cmdline, log_path, dom0=True, disk=self.disk, hostfwd=fwd,
                                   guest=guest)

    def own_ready(self, console):
        """Seconds on Hearth's own clock (from its domain's start) until both its network is up and
        HTTPS listens: the later of the two console lines."""
        seen = {}
        with console.cond:
            for _, line in console.lines:
                m = self.READY.search(line)
                if m:
                    seen["net" if "net: up" in line else "web"] = float(m.group(1))
        return max(seen.values()) if len(seen) == 2 else None

    def image_bytes(self):
        return os.path.getsize(self.board.image)


class PeerSide(Side):
    READY = re.compile(r"peer: ready \(t=([\d.]+) s\)")

    def __init__(self, board, tmp, outdir):
        super().__init__("linux-peer", board, tmp)
        self.kernel = os.path.join(outdir, "peer-kernel")
        self.ramdisk = os.path.join(outdir, "peer-initramfs.cpio.gz")
        self.ca = os.path.join(outdir, "peer.crt")

    def console(self, memory_mib, log_path, fwd):
        guest = hearth_qemu.Guest(self.board, self.kernel, self.ramdisk, memory_mib)
        return hearth_qemu.Console(self.board, PEER_CMDLINE, log_path, dom0=True, hostfwd=fwd, guest=guest)

    def own_ready(self, console):
        """Seconds on the peer's own clock (Linux uptime) when nginx listened."""
        with console.cond:
            for _, line in console.lines:
                m = self.READY.search(line)
                if m:
                    return float(m.group(1))
        return None

    def image_bytes(self):
        return os.path.getsize(self.kernel) + os.path.getsize(self.ramdisk)


def https_get(port, path, ca=None, timeout=10, method="GET", body=None, cookie=None, headers_out=None):
    """(status, body) of one request (GET unless method says otherwise; body a JSON text) over a fresh
    TLS connection; verifies the certificate for hearth.local when ca is given. cookie is sent as the
    session; headers_out (a list) gets the response head's lines."""
    if ca:
        ctx = ssl.create_default_context(cafile=ca)
    else:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw, \
            ctx.wrap_socket(raw, server_hostname="hearth.local") as s:
        extra = f"Cookie: hearth_session={cookie}\r\n" if cookie else ""
        if body is not None:
            extra += f"Content-Type: application/json\r\nContent-Length: {len(body.encode())}\r\n"
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: hearth.local\r\n{extra}Connection: close\r\n\r\n".encode()
                  + (body.encode() if body is not None else b""))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    if headers_out is not None:
        headers_out.extend(head.decode("latin-1").split("\r\n"))
    return status, rest.decode("utf-8", "replace")


BENCH_PASSWORD = "bench owner password"


def owner_cookie(run):
    """The owner's session on a Hearth run: pairs with the console's setup code on a fresh disk (the
    provisioning boot), otherwise logs in with the bench's password. Returns the cookie or None."""
    state = https_get(run.ports["https"], "/api/auth/state", run.side.ca)[1]
    if '"paired":false' in state:
        m = None
        with run.console.cond:
            for _, line in run.console.lines:
                m = re.search(r"auth: setup code ([0-9A-Z]{5}-[0-9A-Z]{5})", line) or m
        if not m:
            return None
        path, body = "/api/auth/setup", f'{{"code":"{m.group(1)}","password":"{BENCH_PASSWORD}"}}'
    else:
        path, body = "/api/auth/login", f'{{"password":"{BENCH_PASSWORD}"}}'
    head = []
    status, _ = https_get(run.ports["https"], path, run.side.ca, timeout=60, method="POST", body=body,
                          headers_out=head)
    cookie = next((re.match(r"(?i)set-cookie: hearth_session=([^;]+)", h) for h in head
                   if re.match(r"(?i)set-cookie: hearth_session=", h)), None)
    return cookie.group(1) if status == 200 and cookie else None


class Run:
    """One boot of one side."""

    def __init__(self, side, console, ports):
        self.side, self.console, self.ports = side, console, ports

    def dom0_ready_at(self):
        """Host seconds from QEMU's start to dom0's `dom0: ready` (its vif for the domU attached)."""
        with self.console.cond:
            for t, line in self.console.lines:
                if "dom0: ready" in line:
                    return t
        return None

    def failure(self):
        with self.console.cond:
            for _, line in self.console.lines:
                if FAILED.search(line):
                    return line
        if self.console.proc.poll() is not None:
            return f"QEMU exited ({self.console.proc.returncode})"
        return None

    def first_200(self):
        """Polls GET /api/health over HTTPS every POLL_S through the port forward; returns the seconds
        from QEMU's start to the first 200. Raises BootFailed on a failure line or after the bounds."""
        t0 = self.console.t0
        deadline = time.monotonic() + DOM0_TIMEOUT
        dom0_seen = False
        while True:
            tick = time.monotonic()
            try:
                status, _ = https_get(self.ports["https"], "/api/health", timeout=2)
                if status == 200:
                    return time.monotonic() - t0
            except (OSError, ValueError, IndexError):
                pass
            bad = self.failure()
            if bad:
                raise BootFailed(bad)
            if not dom0_seen and any("dom0: ready" in text for _, text in list(self.console.lines)):
                dom0_seen = True
                deadline = time.monotonic() + READY_AFTER_DOM0
            if time.monotonic() > deadline:
                raise BootFailed("no HTTPS 200 " + ("after dom0 was ready" if dom0_seen else "and no dom0"))
            time.sleep(max(0.0, POLL_S - (time.monotonic() - tick)))

    def workload(self, gets=20):
        """The minimum-RAM workload after the first 200: gets HTTPS GET /api/health verifying the
        certificate; Hearth also takes one MQTT QoS 1 publish and returns it from /api/readings.
        Returns None when all of it worked, else what failed."""
        for i in range(gets):
            try:
                status, body = https_get(self.ports["https"], "/api/health", self.side.ca)
            except (OSError, ValueError, IndexError) as e:
                return f"GET {i + 1}/{gets}: {e}"
            if status != 200 or '"status":"ok"' not in body:
                return f"GET {i + 1}/{gets}: {status} {body[:80]}"
        if isinstance(self.side, HearthSide):
            value = f"{random.randint(100, 399) / 10:.1f}"
            r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.ports["mqtt"]), "-q", "1",
                                "-t", "hearth/bench/temperature", "-m", value], capture_output=True, text=True,
                               timeout=60)
            if r.returncode:
                return f"MQTT QoS 1 publish: rc {r.returncode} {r.stderr.strip()[:80]}"
            try:
                cookie = owner_cookie(self)  # the readings are the owner's: log in (pair on a fresh disk)
                if not cookie:
                    return "the owner could not log in"
                status, body = https_get(self.ports["https"], "/api/readings?sensor=bench&quantity=temperature",
                                         self.side.ca, cookie=cookie)
            except (OSError, ValueError, IndexError) as e:
                return f"GET /api/readings: {e}"
            last = re.findall(r'"value":([-\d.]+)', body)
            if status != 200 or not last or float(last[-1]) != float(value):
                return f"reading {value} not read back: {status} {body[-120:]}"
        bad = self.failure()
        return bad

    def stop(self):
        self.console.stop()
