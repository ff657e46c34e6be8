#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: the hosted build's network stack on a TAP device, driven by real clients.

Everything happens inside a network namespace that this test creates and deletes: the TAP device
(hearthtap0, host side 10.77.0.1/24), Hearth, ping, dnsmasq and the Python clients. No packet leaves it.
Three boots: a static address (ping, TCP and UDP echo, mDNS, SNTP against a server in this script), DHCP
from dnsmasq, and DHCP with no server (the static fallback). Needs root (netns, TAP) and the Debian
packages iproute2, iputils-ping and dnsmasq-base (`./hearth setup`). Prints `PASS`/`FAIL` per check and
a closing `N passed, M failed`."""
import argparse
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETNS = f"hearth-net-{os.getpid()}"
TAP = "hearthtap0"
HOST_IP, HUB_IP, PREFIX = "10.77.0.1", "10.77.0.2", 24
DHCP_FIRST, DHCP_LAST = "10.77.0.50", "10.77.0.99"
UP_TIMEOUT = 20          # process start to "net: up", ASan build on a loaded 2-core machine
FALLBACK_TIMEOUT = 25    # the 10 s DHCP budget plus slack
NTP_FAKE_EPOCH = 1893456000  # 2030-01-01T00:00:00Z: a time only our SNTP server would claim
NTP_UNIX_DELTA = 2208988800
CLONE_NEWNET = 0x40000000

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
    return bool(ok)


def sh(*cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


class Hearth:
    """A hosted Hearth process whose console lines are collected for wait_for."""

    def __init__(self, binary, args, log_path):
        self.lines = []
        self.eof = False
        self.cond = threading.Condition()
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([binary] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self.log.write(text + "\n")
            self.log.flush()
            with self.cond:
                self.lines.append(text)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return None
                self.cond.wait(min(left, 0.2))

    def tail(self, n=15):
        with self.cond:
            return "\n    ".join([""] + self.lines[-n:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)  # the last lines reach the log before it closes
        self.log.close()


# ---- DNS wire format, just enough for mDNS answers. ----

def dns_name(labels):
    return b"".join(bytes([len(x)]) + x.encode() for x in labels) + b"\0"


def read_name(msg, off):
    labels, jumped, end = [], False, off
    for _ in range(64):
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off, jumped = ((n & 0x3F) << 8) | msg[off + 1], True
        elif n == 0:
            return ".".join(labels), (end if jumped else off + 1)
        else:
            labels.append(msg[off + 1:off + 1 + n].decode("utf-8", "replace"))
            off += 1 + n
    raise ValueError("name loop")


def dns_records(msg):
    """Returns (name, type, rdata offset, rdata) for every answer/authority/additional record."""
    qd, an, ns, ar = struct.unpack("!4H", msg[4:12])
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    out = []
    for _ in range(an + ns + ar):
        name, off = read_name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        out.append((name.lower(), rtype, off, msg[off:off + rdlen]))
        off += rdlen
    return out


def mdns_query(labels, qtype, timeout=8.0):
    """Sends a one-shot mDNS query on the TAP (from an ephemeral port, so the reply is unicast to us)
    until a response arrives; returns its records or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(HOST_IP))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    s.bind((HOST_IP, 0))
    s.settimeout(0.5)
    qid = random.randrange(1, 65536)
    query = struct.pack("!6H", qid, 0, 1, 0, 0, 0) + dns_name(labels) + struct.pack("!HH", qtype, 1)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            s.sendto(query, ("224.0.0.251", 5353))
            try:
                while True:
                    msg, _ = s.recvfrom(2048)
                    if len(msg) > 12 and msg[2] & 0x80:
                        return dns_records(msg)
            except socket.timeout:
                pass
    finally:
        s.close()
    return None


# ---- A minimal SNTP server on 10.77.0.1:123 that claims it is 2030. ----

def sntp_server(stop):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST_IP, 123))
    s.settimeout(0.2)
    start = time.monotonic()
    while not stop.is_set():
        try:
            req, peer = s.recvfrom(512)
        except socket.timeout:
            continue
        if len(req) < 48 or req[0] & 7 != 3:
            continue
        now = NTP_FAKE_EPOCH + NTP_UNIX_DELTA + (time.monotonic() - start)
        ts = struct.pack("!II", int(now) & 0xFFFFFFFF, int((now % 1) * 2**32))
        # LI 0, version 4, mode 4 (server); stratum 2; originate = the client's transmit timestamp.
        reply = bytes([0x24, 2, 6, 0xEC]) + bytes(8) + b"HRTH" + ts + req[40:48] + ts + ts
        s.sendto(reply, peer)
    s.close()


# ---- Network namespace plumbing. ----

def set_netns(path):
    """Moves this (single-threaded at that point) process, and so every child and socket it makes
    afterwards, into the network namespace at path."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    finally:
        os.close(fd)


def summary():
    """Prints the closing `N passed, M failed` line and returns the exit status."""
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


def hosted_ready(binary, tools):
    """The two preconditions of every hosted system test: the binary, and root with tools and a TUN."""
    missing = [t for t in tools if not shutil.which(t)]
    return (check("hosted binary is built", os.access(binary, os.X_OK), binary) and
            check("root, /dev/net/tun and tools", os.geteuid() == 0 and os.path.exists("/dev/net/tun")
                  and not missing, f"missing {missing}; run ./hearth setup as root" if missing else
                  ("" if os.geteuid() == 0 else "needs root for the network namespace")))


def hosted_main(doc, label, tmp_prefix, tools, run):
    """The main() of a hosted system test: --preset picks build/<preset>/hearth (default the ASan build),
    then the preconditions, run(binary, artifacts, tmp) in a fresh namespace, and the closing summary."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--preset", default="hosted-asan")
    args = ap.parse_args()
    binary = os.path.join(TOP, "build", args.preset, "hearth")
    artifacts = os.path.join(TOP, "build", "test-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    if hosted_ready(binary, tools):
        in_netns(label, tmp_prefix, lambda tmp: run(binary, artifacts, tmp))
    return summary()


def in_netns(label, tmp_prefix, scenario):
    """Runs scenario(tmp) inside a fresh namespace with the TAP, then leaves it and removes namespace,
    processes and the scratch folder, whatever happened."""
    tmp = tempfile.mkdtemp(prefix=tmp_prefix)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        make_netns()
        set_netns(f"/run/netns/{NETNS}")
        scenario(tmp)
    except Exception as e:  # noqa: BLE001 - any setup failure is a test failure, then clean up
        check(f"network namespace, TAP and {label}", False, repr(e))
    finally:
        set_netns(f"/proc/self/fd/{home}")
        os.close(home)
        delete_netns()
        shutil.rmtree(tmp, ignore_errors=True)


def certificate_pem(lines):
    """The device certificate that tls.printcert=1 put on the console, or None."""
    m = re.search(r"-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----\n", "\n".join(lines) + "\n", re.S)
    return m.group(0) if m else None


def write_certificate(hub, path, timeout=20):
    """Waits for the certificate tls.printcert=1 prints, writes it to path (the CA for curl and
    openssl); returns the PEM, or None when the console never showed one (then nothing is written)."""
    hub.wait_for(r"-----END CERTIFICATE-----", timeout)
    with hub.cond:
        pem = certificate_pem(hub.lines)
    if pem:
        with open(path, "w") as f:
            f.write(pem)
    return pem


SANITIZER_REPORT = r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:"


def sanitizer_verdict(hub, wait=0.5):
    """(ok, detail) for a "no sanitizer report" check: ok when no ASan, LSan or UBSan line appeared
    within wait seconds; detail is the console's tail otherwise."""
    found = hub.wait_for(SANITIZER_REPORT, wait)
    return found is None, hub.tail() if found else ""


# ---- HTTPS with curl, and owner login (the dashboard API needs a session). ----

OWNER_PASSWORD = "correct horse battery staple"


class Reply:
    """One HTTP answer: status, headers (lower-case names, list of values) and the body as text."""

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return {}

    def __repr__(self):
        return f"{self.status} {self.body.strip()[:160]}"


def curl(ca, method, path, body=None, cookie=None, csrf=None, headers=(), source=None, hub_ip=HUB_IP):
    """One request with curl to https://hearth.local<path> (resolved to the hub), verified against the
    device certificate in ca. body (a dict) is sent as JSON; cookie is the session id; source an address
    to send from. Returns a Reply (status 0 when curl failed)."""
    cmd = ["curl", "-s", "-i", "--http1.1", "--max-time", "30", "--cacert", ca, "--resolve",
           f"hearth.local:443:{hub_ip}", "-X", method]
    if source:
        cmd += ["--interface", source]
    if body is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    if cookie:
        cmd += ["-H", f"Cookie: hearth_session={cookie}"]
    if csrf:
        cmd += ["-H", f"X-CSRF-Token: {csrf}"]
    for h in headers:
        cmd += ["-H", h]
    r = subprocess.run(cmd + [f"https://hearth.local{path}"], capture_output=True, timeout=60)
    raw = r.stdout.decode("utf-8", "replace")
    head, _, text = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    m = re.match(r"HTTP/1\.1 (\d+)", lines[0]) if lines else None
    found = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        found.setdefault(name.strip().lower(), []).append(value.strip())
    return Reply(int(m.group(1)) if m else 0, found, text if m else r.stderr.decode("utf-8", "replace"))


def session_cookie(reply):
    """The hearth_session value a Set-Cookie header of reply carries, or None."""
    for value in reply.headers.get("set-cookie", []):
        m = re.match(r"hearth_session=([^;]*)", value)
        if m:
            return m.group(1)
    return None


def setup_code(hub, timeout=30):
    """The pairing code the hub printed on its console, or None."""
    m = hub.wait_for(r"auth: setup code ([0-9A-Z]{5}-[0-9A-Z]{5})", timeout)
    return m.group(1) if m else None


def owner_session(hub, ca, password=OWNER_PASSWORD):
    """Logs in as the owner, first pairing the hub with its console setup code if it is not paired.
    Returns (cookie, csrf token), or (None, what went wrong)."""
    state = curl(ca, "GET", "/api/auth/state").json()
    if state.get("paired") is False:
        code = setup_code(hub)
        if not code:
            return None, "no setup code on the console:" + hub.tail()
        r = curl(ca, "POST", "/api/auth/setup", {"code": code, "password": password})
    elif state.get("paired") is True:
        r = curl(ca, "POST", "/api/auth/login", {"password": password})
    else:
        return None, f"GET /api/auth/state: {state}"
    cookie = session_cookie(r)
    if r.status != 200 or not cookie:
        return None, repr(r)
    return cookie, r.json().get("csrf")


def make_netns():
    for cmd in (["ip", "netns", "add", NETNS],
                ["ip", "-n", NETNS, "link", "set", "lo", "up"],
                ["ip", "netns", "exec", NETNS, "ip", "tuntap", "add", "dev", TAP, "mode", "tap"],
                ["ip", "-n", NETNS, "addr", "add", f"{HOST_IP}/{PREFIX}", "dev", TAP],
                ["ip", "-n", NETNS, "link", "set", TAP, "up"]):
        p = sh(*cmd)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {p.stdout.strip()}")


def delete_netns():
    # Our own processes only: whatever is still running inside the namespace this test created.
    pids = sh("ip", "netns", "pids", NETNS).stdout.split()
    for pid in pids:
        try:
            if int(pid) != os.getpid():
                os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    sh("ip", "netns", "del", NETNS)


# ---- The scenarios. ----

def tcp_echo(size):
    data = os.urandom(size)
    got = bytearray()
    with socket.create_connection((HUB_IP, 7), timeout=5) as s:
        sender = threading.Thread(target=s.sendall, args=(data,))
        sender.start()
        while len(got) < size:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        sender.join()
    return bytes(got) == data, f"{len(got)}/{size} bytes back"


def udp_echo(sizes):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.bind((HOST_IP, 0))
        for n in sizes:
            payload = os.urandom(n)
            s.sendto(payload, (HUB_IP, 7))
            try:
                back, src = s.recvfrom(4096)
            except socket.timeout:
                return False, f"{n}-byte datagram: no reply"
            if back != payload or src != (HUB_IP, 7):
                return False, f"{n}-byte datagram: wrong reply from {src}"
    return True, f"sizes {sizes}"


def static_boot(binary, artifacts):
    stop = threading.Event()
    ntp = threading.Thread(target=sntp_server, args=(stop,), daemon=True)
    ntp.start()
    hub = Hearth(binary, [f"ip={HUB_IP}/{PREFIX}", f"gw={HOST_IP}", f"net={TAP}", "echo=1", f"ntp={HOST_IP}"],
                 os.path.join(artifacts, "hosted-net-static.console.log"))
    try:
        m = hub.wait_for(r"net: up (\S+) gw (\S+) via (\w+)", UP_TIMEOUT)
        if not check("static: 'net: up' marker", m and m.group(0) ==
                     f"net: up {HUB_IP}/{PREFIX} gw {HOST_IP} via static",
                     m.group(0) if m else "no marker:" + hub.tail()):
            return
        p = sh("ping", "-c", "3", "-W", "2", HUB_IP)
        loss = re.search(r"(\d+)% packet loss", p.stdout)
        check("static: ping -c 3 answers", p.returncode == 0, loss.group(0) if loss else p.stdout.strip())
        for size in (1, 4096, 65536):
            ok, detail = tcp_echo(size)
            check(f"static: TCP echo round trip, {size} bytes", ok, detail)
        ok, detail = udp_echo([1, 512, 1472])
        check("static: UDP echo", ok, detail)
        recs = mdns_query(["hearth", "local"], 1)
        addrs = [socket.inet_ntoa(r[3]) for r in recs or [] if r[0] == "hearth.local" and r[1] == 1]
        check("static: mDNS A query for hearth.local", HUB_IP in addrs,
              f"answers {addrs}" if recs is not None else "no response:" + hub.tail())
        recs = mdns_query(["_https", "_tcp", "local"], 12)
        srv = [struct.unpack("!HHH", r[3][:6])[2] for r in recs or [] if r[1] == 33]
        check("static: mDNS advertises _https._tcp on port 443", 443 in srv, f"SRV ports {srv}")
        m = hub.wait_for(r"ntp: wall clock set to (\S+)", 10)
        check("static: SNTP sets the wall clock from ntp=", m and m.group(1).startswith("2030-01-01T00:0"),
              m.group(0) if m else "no 'ntp: wall clock set' line:" + hub.tail())
        clean = hub.proc.poll() is None and not any("Sanitizer" in x or "runtime error" in x for x in hub.lines)
        check("static: hearth still running, no sanitizer report", clean, "" if clean else hub.tail(40))
    finally:
        stop.set()
        hub.stop()


def dhcp_boot(binary, artifacts, tmp):
    leases = os.path.join(tmp, "dnsmasq.leases")
    dnsmasq = subprocess.Popen(
        ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0", f"--interface={TAP}",
         "--bind-interfaces", "--except-interface=lo", f"--dhcp-range={DHCP_FIRST},{DHCP_LAST},255.255.255.0,1h",
         f"--dhcp-option=option:router,{HOST_IP}", f"--dhcp-option=option:ntp-server,{HOST_IP}",
         f"--dhcp-leasefile={leases}", f"--pid-file={os.path.join(tmp, 'dnsmasq.pid')}", "--user=root",
         "--log-dhcp", "--log-facility=-"],
        stdin=subprocess.DEVNULL, stdout=open(os.path.join(artifacts, "hosted-net-dnsmasq.log"), "w"),
        stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hearth(binary, [f"net={TAP}", "echo=1"], os.path.join(artifacts, "hosted-net-dhcp.console.log"))
    try:
        m = hub.wait_for(r"net: up (\S+)/(\d+) gw (\S+) via (\w+)", UP_TIMEOUT)
        if not check("dhcp: 'net: up ... via dhcp' marker", m and m.group(4) == "dhcp",
                     m.group(0) if m else "no marker:" + hub.tail()):
            return
        ip = m.group(1)
        first, last = (struct.unpack("!I", socket.inet_aton(a))[0] for a in (DHCP_FIRST, DHCP_LAST))
        check("dhcp: leased address is in dnsmasq's range", first <= struct.unpack(
            "!I", socket.inet_aton(ip))[0] <= last and m.group(2) == "24" and m.group(3) == HOST_IP, m.group(0))
        lease = open(leases).read() if os.path.exists(leases) else ""
        check("dhcp: dnsmasq's lease names the address and hostname 'hearth'",
              re.search(rf"\s{re.escape(ip)}\s+hearth\s", lease) is not None, lease.strip() or "no lease file")
        p = sh("ping", "-c", "2", "-W", "2", ip)
        check("dhcp: ping the leased address", p.returncode == 0)
        asked = hub.wait_for(rf"ntp: asking {re.escape(HOST_IP)}", 5) is not None
        check("dhcp: SNTP server taken from the lease (option 42)", asked, "" if asked else hub.tail())
    finally:
        hub.stop()
        dnsmasq.terminate()
        try:
            dnsmasq.wait(5)
        except subprocess.TimeoutExpired:
            dnsmasq.kill()


def fallback_boot(binary, artifacts):
    hub = Hearth(binary, [f"net={TAP}"], os.path.join(artifacts, "hosted-net-fallback.console.log"))
    try:
        m = hub.wait_for(r"net: up (\S+) gw (\S+) via (\w+)", FALLBACK_TIMEOUT)
        check("fallback: no DHCP server, static fallback after 10 s",
              m and m.group(0) == "net: up 10.0.2.15/24 gw 10.0.2.2 via static" and
              hub.wait_for(r"net: no DHCP lease after 10 s", 1) is not None,
              m.group(0) if m else "no marker:" + hub.tail())
    finally:
        hub.stop()


def main():
    def scenario(binary, artifacts, tmp):
        static_boot(binary, artifacts)
        dhcp_boot(binary, artifacts, tmp)
        fallback_boot(binary, artifacts)

    return hosted_main(__doc__, "the network scenarios", "hearth-net-", ("ip", "ping", "dnsmasq"), scenario)


if __name__ == "__main__":
    sys.exit(main())
