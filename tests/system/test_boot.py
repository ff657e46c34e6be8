#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: Xen 4.17 boots Hearth as a dom0less domU on a QEMU board.

Two boots per board: one runs the timer self-check and powers off, one faults on purpose. Prints one
`PASS`/`FAIL` line per check; every failure carries the console tail."""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "qemu"))
import hearth_qemu  # noqa: E402

BOOT_TIMEOUT = 60      # QEMU start to Hearth banner, software emulation on a loaded 2-core machine
TICKS = 5


class Checks:
    def __init__(self, board):
        self.board = board
        self.passed = self.failed = 0

    def ok(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print(f"PASS {self.board}: {name}" + (f" ({detail})" if detail else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL {self.board}: {name}" + (f": {detail}" if detail else ""), flush=True)
        return cond


def artifact_path(board, run):
    folder = os.path.join(hearth_qemu.TOP, "build", "test-artifacts")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, f"{board}-{run}.console.log")


def check_self_test_boot(board, checks):
    console = hearth_qemu.Console(board, f"ticks={TICKS}", artifact_path(board.name, "boot"))
    try:
        _, _, xen = console.wait_for(r"Xen version (\d+\.\d+)\.(\d+)", BOOT_TIMEOUT)
        checks.ok("Xen 4.17 boots", xen.group(1) == "4.17", f"Xen {xen.group(1)}.{xen.group(2)}")
        i, t_banner, m = console.wait_for(r"Hearth \S+ \((\S+)\) on Xen (\d+\.\d+\.\d+) \((\w+)\)",
                                          BOOT_TIMEOUT)
        checks.ok("Hearth banner names the board", m.group(1) == board.name, m.group(0))
        checks.ok("banner shows the hypervisor's version", m.group(2) == f"{xen.group(1)}.{xen.group(2)}",
                  f"guest saw {m.group(2)}, Xen printed {xen.group(1)}.{xen.group(2)}")
        checks.ok("banner shows the arch", m.group(3) == board.cfg["arch"], m.group(3))
        print(f"INFO {board.name}: QEMU start to Hearth banner: {t_banner:.2f} s", flush=True)
        _, _, mem = console.wait_for(r"memory: (\d+) KiB RAM in (\d+) bank", 10, i)
        want = int(board.cfg["domu_memory_kib"])
        checks.ok("parsed memory size matches the domU's", int(mem.group(1)) == want,
                  f"{mem.group(1)} KiB, configured {want} KiB")
        _, _, cmd = console.wait_for(r'cmdline: "(.*)"', 10, i)
        checks.ok("boot arguments reach the guest", cmd.group(1) == f"ticks={TICKS}", cmd.group(1))

        first = console.wait_for(r"tick 1: ([\d.]+) ms", 15, i)
        last = console.wait_for(rf"tick {TICKS}: ([\d.]+) ms", TICKS * 3 + 15, first[0])
        guest_ms = float(last[2].group(1)) - float(first[2].group(1))
        host_ms = (last[1] - first[1]) * 1000
        ratio = guest_ms / host_ms if host_ms > 0 else 0
        checks.ok("timer ticks match the wall clock within 20 %", 0.8 <= ratio <= 1.2,
                  f"guest {guest_ms:.0f} ms vs host {host_ms:.0f} ms, ratio {ratio:.3f}")

        console.wait_for(r"shutdown: clean power-off", 10, last[0])
        _, _, sd = console.wait_for(r"xen: SCHEDOP_shutdown\((\w+)\)", 10, last[0])
        checks.ok("clean shutdown through SCHEDOP_shutdown", sd.group(1) == "poweroff", sd.group(0))
    except TimeoutError as e:
        checks.ok("boot self-check run completes", False, str(e))
    finally:
        console.stop()


def check_fault_boot(board, checks):
    console = hearth_qemu.Console(board, "fault=null", artifact_path(board.name, "fault"))
    try:
        i, _, _ = console.wait_for(r"fault: dereferencing NULL", BOOT_TIMEOUT)
        _, _, m = console.wait_for(r"\*\*\* EXCEPTION: (.*) \*\*\*", 15, i)
        checks.ok("NULL dereference is reported as a data abort", "data abort" in m.group(1)
                  and "translation fault" in m.group(1), m.group(1))
        j, _, far = console.wait_for(r"FAR=(0x[0-9a-f]+)", 5, i)
        checks.ok("fault address is NULL", int(far.group(1), 16) == 0, far.group(0))
        _, _, bt = console.wait_for(r"backtrace:((?: 0x[0-9a-f]+)+)", 5, j)
        checks.ok("report carries a backtrace", len(bt.group(1).split()) >= 2, bt.group(0).strip())
        _, _, sd = console.wait_for(r"xen: SCHEDOP_shutdown\((\w+)\)", 10, j)
        checks.ok("faulting guest stops with a crash shutdown", sd.group(1) == "crash", sd.group(0))
        survived = any("did not fault" in line for _, line in console.lines)
        checks.ok("execution does not continue past the fault", not survived)
    except TimeoutError as e:
        checks.ok("fault report appears", False, str(e))
    finally:
        console.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--board", required=True)
    args = ap.parse_args()
    board = hearth_qemu.Board(args.board)
    checks = Checks(args.board)
    check_self_test_boot(board, checks)
    check_fault_boot(board, checks)
    print(f"{args.board}: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
