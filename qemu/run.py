#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""`./hearth run` for QEMU boards: boot Xen + Hearth, stream the console, stop when Hearth shuts down."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hearth_qemu  # noqa: E402

SHUTDOWN_MARKER = r"xen: SCHEDOP_shutdown\((\w+)\)"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--board", default="qemu-virt-arm64")
    ap.add_argument("cmdline", nargs="*", help="Hearth boot arguments, e.g. ticks=3")
    args = ap.parse_args()
    board = hearth_qemu.Board(args.board)
    console = hearth_qemu.Console(board, " ".join(args.cmdline))
    console.echo = True
    print(f"hearth: booting {board.name} under Xen in QEMU (Ctrl-C stops it)", flush=True)
    status = 1
    try:
        # There is no end to wait for when Hearth idles: wait in long slices until it shuts down.
        while True:
            try:
                _, _, m = console.wait_for(SHUTDOWN_MARKER, 3600)
                status = 0 if m.group(1) == "poweroff" else 1
                break
            except TimeoutError:
                if console.proc.poll() is not None:
                    break
    except KeyboardInterrupt:
        status = 130
    finally:
        console.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
