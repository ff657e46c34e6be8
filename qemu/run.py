#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""`./hearth run` for QEMU boards: boot Xen, the dom0 driver domain and Hearth, stream the console, and
stop when Hearth shuts down (or on Ctrl-C). The hub's disk is build/<board>/hub-disk.img (kept between
runs) and its ports are forwarded to localhost. --image boots the board's flash image through U-Boot."""
import argparse
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hearth_qemu  # noqa: E402

SHUTDOWN_MARKER = r"xen: SCHEDOP_shutdown\((\w+)\)"
DISK_BYTES = 64 << 20
# host port -> hub port: HTTPS, the HTTP redirect, MQTT and MQTT over TLS.
FORWARDS = [("tcp", 8443, 443), ("tcp", 8080, 80), ("tcp", 1883, 1883), ("tcp", 8883, 8883),
            ("udp", 5683, 5683)]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--board", default="qemu-virt-arm64")
    ap.add_argument("--no-dom0", action="store_true", help="Hearth alone: no network, no disk")
    ap.add_argument("--image", action="store_true",
                    help="boot out/hearth-<board>.img through U-Boot, like a flashed card (a working copy "
                         "build/<board>/hub-sd.img keeps the hub's data until the image is rebuilt)")
    ap.add_argument("cmdline", nargs="*", help="Hearth boot arguments, e.g. ticks=3")
    args = ap.parse_args()
    board = hearth_qemu.Board(args.board)
    if args.image:
        if args.cmdline or args.no_dom0:
            raise SystemExit("--image boots the image's own arguments (./hearth image --args ...) with its dom0")
        image = os.path.join(hearth_qemu.TOP, "out", f"hearth-{board.name}.img")
        if not os.path.exists(image):
            raise SystemExit(f"no {image}: run ./hearth image --board {board.name}")
        card = os.path.join(board.build_dir, "hub-sd.img")
        if not os.path.exists(card) or os.path.getmtime(card) < os.path.getmtime(image):
            subprocess.run(["cp", "--sparse=always", image, card], check=True)
        console = hearth_qemu.Console(board, image=card, hostfwd=FORWARDS)
        print(f"hearth: booting {board.name} from its flash image through U-Boot (Ctrl-C stops it); once "
              f"the hub says 'net: up', try https://localhost:8443/api/health", flush=True)
    elif args.no_dom0:
        console = hearth_qemu.Console(board, " ".join(args.cmdline))
        print(f"hearth: booting {board.name} under Xen in QEMU, without dom0 (Ctrl-C stops it)", flush=True)
    else:
        disk = os.path.join(board.build_dir, "hub-disk.img")
        if not os.path.exists(disk):
            with open(disk, "wb") as f:
                f.truncate(DISK_BYTES)
        console = hearth_qemu.Console(board, " ".join(args.cmdline), dom0=True, disk=disk, hostfwd=FORWARDS)
        print(f"hearth: booting {board.name}: Xen + dom0 + Hearth in QEMU (Ctrl-C stops it); once the hub "
              f"says 'net: up', try https://localhost:8443/api/health (the device certificate is "
              f"self-signed: compare its fingerprint with the console) and mosquitto_pub -p 1883", flush=True)
    console.echo = True
    # SIGTERM (a service manager, `kill`) stops QEMU the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    status = 1
    try:
        # There is no end to wait for while the hub serves: wait in long slices until it shuts down.
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
