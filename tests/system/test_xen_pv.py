#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: Hearth's Xen PV frontends against a real Linux driver domain (dom0) in QEMU.

One board per run: boot Xen + dom0 + Hearth with a scratch disk and port forwards, then from the host:
TCP and UDP echo through dom0's bridge, a vif detach/re-attach (the domU keeps working), and blocks
written by the domU surviving a QEMU kill and a second boot. Prints PASS/FAIL lines and timings."""
import argparse
import os
import random
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "qemu"))
import hearth_qemu  # noqa: E402
from test_boot import Checks, artifact_path  # noqa: E402  (the same PASS/FAIL counter and log folder)

DOM0_TIMEOUT = 240     # dom0 on arm32 under a loaded 2-core TCG host is slow
NET_TIMEOUT = 120


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_echo(port, size, timeout=20):
    """Sends size random bytes to the echo service while reading the echo back (full duplex, so neither
    side's buffers can deadlock the exchange); returns how many came back identical."""
    data = random.randbytes(size)
    got = bytearray()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.setblocking(False)
        deadline = time.monotonic() + timeout
        while len(got) < size and time.monotonic() < deadline:
            want_write = [s] if sent < size else []
            readable, writable, _ = select.select([s], want_write, [], 1.0)
            if writable:
                sent += s.send(data[sent:sent + 16384])
                if sent == size:
                    s.shutdown(socket.SHUT_WR)
            if readable:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
                deadline = time.monotonic() + timeout  # progress: the timeout is for silence
    return size if bytes(got) == data else 0


def udp_echo(port, tries=5):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        for i in range(tries):
            msg = f"hearth-ping-{i}-{random.random()}".encode()
            s.sendto(msg, ("127.0.0.1", port))
            try:
                reply, _ = s.recvfrom(2048)
                if reply == msg:
                    return True
            except socket.timeout:
                continue
    return False


def wait_echo(port, deadline):
    """Retries the TCP echo until it works or the deadline passes (the path may still be settling)."""
    last = None
    while time.monotonic() < deadline:
        try:
            if tcp_echo(port, 64, timeout=5) == 64:
                return True, None
        except OSError as e:
            last = e
        time.sleep(1)
    return False, last


def console_pem(console):
    """The device certificate the console showed (hearth_qemu.Console.certificate_pem)."""
    return console.certificate_pem()


def curl_health(port, ca, tls_flags):
    """GET /api/health over HTTPS, verifying the device certificate for hearth.local."""
    cmd = ["curl", "-s", "--max-time", "30", "--cacert", ca, "--resolve", f"hearth.local:{port}:127.0.0.1",
           *tls_flags, "-w", "\n%{http_code} %{ssl_verify_result}", f"https://hearth.local:{port}/api/health"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout.strip()


def https_checks(board, checks, console, https_port, http_port, tmp):
    pem = console_pem(console)
    if not checks.ok("device certificate printed on the console", pem is not None):
        return
    ca = os.path.join(tmp, "device.pem")
    with open(ca, "w") as f:
        f.write(pem)
    for name, flags in (("TLS 1.3", ["--tlsv1.3"]), ("TLS 1.2", ["--tlsv1.2", "--tls-max", "1.2"])):
        rc, out = curl_health(https_port, ca, flags)
        checks.ok(f"curl --cacert <device cert> GET /api/health over {name}",
                  rc == 0 and '"status":"ok"' in out and out.endswith("200 0"), f"rc {rc}: {out[-120:]}")
    r = subprocess.run(["openssl", "s_client", "-tls1_3", "-connect", f"127.0.0.1:{https_port}",
                        "-servername", "hearth.local", "-verify_hostname", "hearth.local", "-CAfile", ca,
                        "-verify_return_error"], input="", capture_output=True, text=True, timeout=60)
    checks.ok("openssl s_client -tls1_3 completes and verifies", r.returncode == 0 and
              "Verify return code: 0 (ok)" in r.stdout, r.stdout[-200:].replace("\n", " "))
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--max-time", "30",
                        f"http://127.0.0.1:{http_port}/api/health"], capture_output=True, text=True, timeout=60)
    checks.ok("HTTP on port 80 redirects to HTTPS", r.stdout.startswith("301 https://"), r.stdout)
    crl = os.path.join(tmp, "crl.der")
    r = subprocess.run(["curl", "-s", "-o", crl, "-w", "%{http_code}", "--max-time", "30",
                        f"http://127.0.0.1:{http_port}/crl.der"], capture_output=True, text=True, timeout=60)
    v = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", ca, "-verify", "-noout"],
                       capture_output=True, text=True, timeout=60) if r.stdout == "200" else None
    checks.ok("GET /crl.der on port 80: a CRL signed by the device key (openssl crl -verify)",
              v is not None and v.returncode == 0 and "verify OK" in v.stdout + v.stderr,
              r.stdout if v is None else (v.stdout + v.stderr).strip()[-200:])


def forwards(ports):
    return [("tcp", ports["tcp"], 7), ("udp", ports["udp"], 7), ("tcp", ports["https"], 443),
            ("tcp", ports["http"], 80)]


def first_boot(board, checks, disk, seed, ports, tmp):
    console = hearth_qemu.Console(board, f"echo=1 tls.printcert=1 blktest=write blkseed={seed} blkcount=256",
                                  artifact_path(board.name, "pv-boot1"), dom0=True, disk=disk, hostfwd=forwards(ports))
    tcp_port, udp_port = ports["tcp"], ports["udp"]
    fingerprint = None
    try:
        _, t_ready, _ = console.wait_dom0_ready(DOM0_TIMEOUT)
        print(f"INFO {board.name}: QEMU start to dom0 ready: {t_ready:.1f} s", flush=True)
        _, _, m = console.wait_for(r"blktest: (wrote and flushed \d+ blocks|.*)", NET_TIMEOUT)
        checks.ok("domU writes and flushes blocks through blkfront", m.group(1).startswith("wrote"), m.group(0))
        i, t_net, m = console.wait_for(r"net: up (\S+) gw \S+ via (\w+)", NET_TIMEOUT)
        print(f"INFO {board.name}: QEMU start to network up: {t_net:.1f} s ({m.group(1)} via {m.group(2)})",
              flush=True)
        checks.ok("network up through netfront and dom0's bridge", True, m.group(0))
        checks.ok("DHCP lease from QEMU's user network through dom0's bridge", m.group(2) == "dhcp", m.group(0))
        text = "".join(re.sub(r"^\(XEN\) DOM1: ", "", line) for _, line in console.lines)
        fp = re.search(r"fingerprint ([0-9A-F:]{95})", text)
        pin = re.search(r"SPKI pin ([0-9A-F:]{95})", text)
        fingerprint = (fp.group(1), pin.group(1)) if fp and pin else None
        console.wait_for(r"web: HTTPS on port 443", 30)
        https_checks(board, checks, console, ports["https"], ports["http"], tmp)
        up, err = wait_echo(tcp_port, time.monotonic() + 60)
        checks.ok("TCP echo from the host reaches the domU", up, str(err) if err else "")
        for size in (1, 4096, 200000):
            try:
                got = tcp_echo(tcp_port, size)
            except OSError as e:
                got = 0
                print(f"  tcp echo {size}: {e}")
            checks.ok(f"TCP echo round trip, {size} bytes", got == size, f"{got}/{size}")
        checks.ok("UDP echo (ping-equivalent)", udp_echo(udp_port))

        # Backend disconnect and reconnect: same MAC, so the domU's address stays valid.
        rc, out = console.command("xl network-list 1 | tail -n 1", 30)
        mac = next((w for line in out for w in line.split() if re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", w)),
                   None)
        checks.ok("dom0 lists the domU's vif", rc == 0 and mac is not None, " ".join(out[-1:]))
        rc, out = console.command("hearth-vif-detach 1 0", 60)
        checks.ok("xl network-detach completes", rc == 0, " ".join(out[-1:]))
        rc, out = console.command(f"hearth-vif-attach 1 mac={mac}", 60)
        checks.ok("xl network-attach completes", rc == 0, " ".join(out[-1:]))
        up, err = wait_echo(tcp_port, time.monotonic() + 60)
        checks.ok("TCP echo works again after the backend reconnected", up, str(err) if err else "")
        checks.ok("UDP echo works again after the backend reconnected", udp_echo(udp_port))
        sanitizer = [line for _, line in console.lines if "EXCEPTION" in line or "PANIC" in line]
        checks.ok("no exception or panic on the console", not sanitizer, "; ".join(sanitizer[:2]))
    except TimeoutError as e:
        checks.ok("first boot completes", False, str(e))
    finally:
        console.stop()  # a hard stop, like pulling the plug
    return fingerprint


def second_boot(board, checks, disk, seed, ports, fingerprint):
    console = hearth_qemu.Console(board, f"blktest=verify blkseed={seed} blkcount=256",
                                  artifact_path(board.name, "pv-boot2"), dom0=True, disk=disk, hostfwd=forwards(ports))
    try:
        console.wait_dom0_ready(DOM0_TIMEOUT)
        _, _, m = console.wait_for(r"blktest: (verified \d+ blocks.*|MISMATCH.*|.*failed.*|no block device.*)",
                                   NET_TIMEOUT)
        checks.ok("blocks read back identical after QEMU was killed and booted again",
                  m.group(1).startswith("verified") and "all identical" in m.group(1), m.group(0))
        console.wait_for(r"web: HTTP", NET_TIMEOUT)  # lines after the (wrapped) fingerprint line
        text = "".join(re.sub(r"^\(XEN\) DOM1: ", "", line) for _, line in console.lines)
        again = re.search(r"fingerprint ([0-9A-F:]{95})", text)
        pin = re.search(r"SPKI pin ([0-9A-F:]{95})", text)
        checks.ok("device identity survives the reboot (same fingerprint)",
                  fingerprint is not None and again is not None and again.group(1) == fingerprint[0],
                  again.group(1)[:23] + "..." if again else "no fingerprint")
        checks.ok("device key survives the reboot (same SPKI pin)",
                  fingerprint is not None and pin is not None and pin.group(1) == fingerprint[1],
                  pin.group(1)[:23] + "..." if pin else "no SPKI pin")
    except TimeoutError as e:
        checks.ok("second boot verifies the disk", False, str(e))
    finally:
        console.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--board", required=True)
    args = ap.parse_args()
    board = hearth_qemu.Board(args.board)
    checks = Checks(args.board)
    seed = random.randint(1, 1 << 30)
    with tempfile.TemporaryDirectory(prefix="hearth-pv-") as tmp:
        disk = os.path.join(tmp, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(32 << 20)
        ports = {"tcp": free_port(), "udp": free_port(socket.SOCK_DGRAM), "https": free_port(),
                 "http": free_port()}
        fingerprint = first_boot(board, checks, disk, seed, ports, tmp)
        second_boot(board, checks, disk, seed, ports, fingerprint)
    print(f"{args.board}: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
