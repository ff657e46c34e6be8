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
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "qemu"))
import hearth_qemu  # noqa: E402

DOM0_TIMEOUT = 240     # dom0 on arm32 under a loaded 2-core TCG host is slow
NET_TIMEOUT = 120


class Checks:
    def __init__(self, board):
        self.board, self.passed, self.failed = board, 0, 0

    def ok(self, name, cond, detail=""):
        self.passed += bool(cond)
        self.failed += not cond
        print(f"{'PASS' if cond else 'FAIL'} {self.board}: {name}" + (f" ({detail})" if detail else ""), flush=True)
        return cond


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_echo(port, size, timeout=20):
    """Sends size random bytes to the echo service and returns how many came back identical."""
    data = random.randbytes(size)
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while len(got) < size:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    return size if got == data else 0


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


def artifact(board, name):
    folder = os.path.join(hearth_qemu.TOP, "build", "test-artifacts")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, f"{board}-{name}.console.log")


def first_boot(board, checks, disk, seed, tcp_port, udp_port):
    console = hearth_qemu.Console(board, f"echo=1 blktest=write blkseed={seed} blkcount=256",
                                  artifact(board.name, "pv-boot1"), dom0=True, disk=disk,
                                  hostfwd=[("tcp", tcp_port, 7), ("udp", udp_port, 7)])
    try:
        _, t_ready, _ = console.wait_dom0_ready(DOM0_TIMEOUT)
        print(f"INFO {board.name}: QEMU start to dom0 ready: {t_ready:.1f} s", flush=True)
        _, _, m = console.wait_for(r"blktest: (wrote and flushed \d+ blocks|.*)", NET_TIMEOUT)
        checks.ok("domU writes and flushes blocks through blkfront", m.group(1).startswith("wrote"), m.group(0))
        i, t_net, m = console.wait_for(r"net: up (\S+) gw \S+ via (\w+)", NET_TIMEOUT)
        print(f"INFO {board.name}: QEMU start to network up: {t_net:.1f} s ({m.group(1)} via {m.group(2)})",
              flush=True)
        checks.ok("network up through netfront and dom0's bridge", True, m.group(0))
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


def second_boot(board, checks, disk, seed, tcp_port, udp_port):
    console = hearth_qemu.Console(board, f"blktest=verify blkseed={seed} blkcount=256",
                                  artifact(board.name, "pv-boot2"), dom0=True, disk=disk,
                                  hostfwd=[("tcp", tcp_port, 7), ("udp", udp_port, 7)])
    try:
        console.wait_dom0_ready(DOM0_TIMEOUT)
        _, _, m = console.wait_for(r"blktest: (verified \d+ blocks.*|MISMATCH.*|.*failed.*|no block device.*)",
                                   NET_TIMEOUT)
        checks.ok("blocks read back identical after QEMU was killed and booted again",
                  m.group(1).startswith("verified") and "all identical" in m.group(1), m.group(0))
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
        tcp_port, udp_port = free_port(), free_port(socket.SOCK_DGRAM)
        first_boot(board, checks, disk, seed, tcp_port, udp_port)
        second_boot(board, checks, disk, seed, tcp_port, udp_port)
    print(f"{args.board}: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
