#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Smoke test of the dom0 driver domain: Xen + Linux dom0 + the current Hearth image in QEMU.

Boots with a scratch disk and a port forward, waits for `dom0: ready`, then from dom0's console checks
that `xl list` shows the Hearth domain and that its vif and vbd backends exist and wait for a frontend
(state 1 or 2: Hearth has no netfront/blkfront yet). Prints PASS/FAIL lines and the boot timings."""
import argparse
import os
import re
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hearth_qemu  # noqa: E402

READY_TIMEOUT = 120
DOMU = 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def backend_states(lines, kind):
    """From `xenstore-ls -f /local/domain/0/backend/<kind>/1` output: {devid: state}."""
    states = {}
    for line in lines:
        m = re.search(rf"/backend/{kind}/{DOMU}/(\d+)/state = \"(\d+)\"", line)
        if m:
            states[m.group(1)] = int(m.group(2))
    return states


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--board", default="qemu-virt-arm64")
    ap.add_argument("--echo", action="store_true", help="stream the console")
    args = ap.parse_args()
    board = hearth_qemu.Board(args.board)
    failed = 0

    def check(name, cond, detail=""):
        nonlocal failed
        failed += 0 if cond else 1
        print(f"{'PASS' if cond else 'FAIL'} {args.board} dom0: {name}" + (f" ({detail})" if detail else ""),
              flush=True)
        return cond

    art = os.path.join(hearth_qemu.TOP, "build", "test-artifacts")
    os.makedirs(art, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hearth-dom0-smoke-") as tmp:
        disk = os.path.join(tmp, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(16 << 20)
        port = free_port()
        console = hearth_qemu.Console(board, "", os.path.join(art, f"{args.board}-dom0-smoke.console.log"),
                                      dom0=True, disk=disk, hostfwd=[("tcp", port, 80)])
        console.echo = args.echo
        try:
            _, t_ready, _ = console.wait_dom0_ready(READY_TIMEOUT)
            _, t_banner, _ = console.wait_for(r"Hearth \S+ \(\S+\) on Xen", 1)
            marks = {}
            for name in ("xenstored ready", "domU 1 introduced", "vif attached", "vbd attached"):
                _, marks[name], _ = console.wait_for(f"dom0: {name}", 1)
            check("dom0 ready", True, f"{t_ready:.1f} s from QEMU start")
            print(f"INFO {args.board}: QEMU start to Hearth banner {t_banner:.2f} s, " +
                  ", ".join(f"{k} {v:.1f} s" for k, v in marks.items()) + f", dom0 ready {t_ready:.1f} s",
                  flush=True)

            rc, out = console.command("xl list")
            listed = [l for l in out if re.match(rf"^\S+\s+{DOMU}\s+\d+\s+\d+\s", l)]
            check("xl list shows the Hearth domain (id 1)", rc == 0 and bool(listed),
                  listed[0].strip() if listed else "\n".join(out))

            rc, out = console.command(f"xenstore-ls /local/domain/{DOMU}/device")
            text = "\n".join(out)
            check("domU has vif and vbd frontend entries", rc == 0 and re.search(r"^ *vif = ", text, re.M)
                  and re.search(r"^ *vbd = ", text, re.M), text)
            for kind in ("vif", "vbd"):
                rc, out = console.command(f"xenstore-ls -f /local/domain/0/backend/{kind}/{DOMU}")
                states = backend_states(out, kind)
                check(f"{kind} backend waits for the frontend (state 1/2)",
                      rc == 0 and states and all(s in (1, 2) for s in states.values()),
                      f"states {states}" if states else "\n".join(out))
            rc, out = console.command("ls /sys/class/net/xenbr0/brif")
            check("vif1.0 is on xenbr0 with eth0", rc == 0 and "vif1.0" in "\n".join(out)
                  and "eth0" in "\n".join(out), " ".join(" ".join(out).split()))
        except TimeoutError as e:
            check("boot to dom0 ready and checks", False, str(e))
        finally:
            console.stop()
    print(f"{args.board} dom0 smoke: {'FAILED' if failed else 'passed'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
