#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: flash images for every board (`./hearth image`), and the QEMU boards booting from theirs.

1. `./hearth image` for qemu-virt-arm64, qemu-virt-arm32, cubietruck and rpi4, each built twice into
   two folders: the images and .bmap files must be byte-identical. rpi4 without its (non-Debian)
   firmware must stop with an error naming the files; with --no-firmware the image says so; with
   firmware files they are on the boot partition.
2. Each image offline (image_layout.py): partition table, boot-partition files, bmap, and the
   /chosen nodes its boot.scr makes (fdtput/fdtget on the base device tree).
3. The QEMU images booted as a card would be: QEMU's firmware is Debian's U-Boot, the image the only
   disk; U-Boot runs boot.scr (booti on arm64, bootz on arm32) -> Xen -> dom0 + Hearth; the host
   checks HTTPS /api/health with curl --cacert against the device certificate whose fingerprint the
   console printed, and that Hearth's key slots landed in the data partition only."""
import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "qemu"))
import hearth_qemu  # noqa: E402
import image_layout  # noqa: E402
from test_boot import Checks, artifact_path  # noqa: E402

TOP = hearth_qemu.TOP
BOARDS = ["qemu-virt-arm64", "qemu-virt-arm32", "cubietruck", "rpi4"]
QEMU_BOARDS = ["qemu-virt-arm64", "qemu-virt-arm32"]
BOOT_TIMEOUT = 360     # QEMU start to "net: up": dom0 and the store's first format, arm32 under TCG
PREFIX = re.compile(r"^\(XEN\) DOM1: ")


def hearth_image(*args):
    r = subprocess.run([os.path.join(TOP, "hearth"), "image", *args], cwd=TOP, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def one_line(text):
    return " ".join(text.split())


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def board_cfg(board):
    with open(os.path.join(TOP, "build", board, "board.json")) as f:
        return json.load(f)


def build_all(checks, tmp):
    """Builds every image twice; returns {name: (image, bmap)} of the first build."""
    fw_none, fw_fake = os.path.join(tmp, "fw-none"), os.path.join(tmp, "fw-fake")
    os.makedirs(fw_none)
    os.makedirs(fw_fake)
    with open(os.path.join(fw_fake, "start4.elf"), "wb") as f:
        f.write(b"\x7fELF" + b"stand-in for the Pi firmware (test only)")
    with open(os.path.join(fw_fake, "fixup4.dat"), "wb") as f:
        f.write(b"stand-in fixup4.dat (test only)")
    rc, out = hearth_image("--board", "rpi4", "--firmware", fw_none, "--out", os.path.join(tmp, "x"))
    checks.ok("rpi4 without its firmware: ./hearth image stops, naming start4.elf and fixup4.dat and "
              "where to get them", rc != 0 and "start4.elf" in out and "fixup4.dat" in out and
              "raspi-firmware" in out and "raspberrypi/firmware" in out, one_line(out[-300:]))
    runs = [(b, b, []) for b in BOARDS if b != "rpi4"]
    runs += [("rpi4-no-firmware", "rpi4", ["--firmware", fw_none, "--no-firmware"]),
             ("rpi4", "rpi4", ["--firmware", fw_fake])]
    images = {}
    for name, board, extra in runs:
        outs = []
        for n in ("a", "b"):
            rc, out = hearth_image("--board", board, "--out", os.path.join(tmp, n), *extra)
            outs.append(out)
            digest = re.search(r"^sha256: (\w{16})", out, re.M)
            if not checks.ok(f"./hearth image --board {board} {' '.join(extra)} (build {n})", rc == 0,
                             f"sha256 {digest.group(1)}..." if rc == 0 and digest else one_line(out[-400:])):
                break
        img = os.path.join(tmp, "a", f"hearth-{name}.img")
        bmap = os.path.join(tmp, "a", f"hearth-{name}.bmap")
        if len(outs) < 2 or not os.path.exists(img):
            continue
        same = all(sha256(os.path.join(tmp, "a", f)) == sha256(os.path.join(tmp, "b", f))
                   for f in (f"hearth-{name}.img", f"hearth-{name}.bmap"))
        checks.ok(f"{name}: rebuilding gives a byte-identical image and .bmap", same, sha256(img)[:16])
        if board != "rpi4" or name == "rpi4":
            checks.ok(f"{name}: ./hearth image prints the flash or boot command",
                      "bmaptool copy" in outs[0] or "--image" in outs[0], one_line(outs[0][-200:]))
        if name == "rpi4-no-firmware":
            checks.ok("rpi4 --no-firmware: says the image cannot boot", "cannot boot" in outs[0],
                      "" if "cannot boot" in outs[0] else one_line(outs[0][-200:]))
        images[name] = (img, bmap)
    return images


def check_offline(checks, images, tmp):
    expected = {}
    for name, (img, bmap) in images.items():
        board = "rpi4" if name.startswith("rpi4") else name
        sub = Checks(name)
        image_layout.check_layout(sub.ok, name, board_cfg(board), img, bmap, tmp)
        dom0_args = image_layout.check_chosen(sub.ok, name, board_cfg(board), img, tmp)
        checks.passed += sub.passed
        checks.failed += sub.failed
        expected[name] = dom0_args
        if name == "rpi4":
            got = os.path.join(tmp, "start4.elf")
            image_layout.fat_get(img, "start4.elf", got)
            with open(got, "rb") as f:
                checks.ok("rpi4: the given firmware files are on the boot partition", f.read(4) == b"\x7fELF")
    return expected


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def console_text(console):
    return "".join(PREFIX.sub("", line) for _, line in console.lines)


def server_cert(port, tmp):
    """The certificate the hub presents (what a browser would show), as PEM."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "hearth.local",
                        "-showcerts"], input="", capture_output=True, text=True, timeout=60)
    m = re.search(r"-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----\n", r.stdout, re.S)
    if not m:
        return None, None
    path = os.path.join(tmp, "hub.pem")
    with open(path, "w") as f:
        f.write(m.group(0))
    fp = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", path],
                        capture_output=True, text=True).stdout
    return path, fp.strip().split("=")[-1]


def boot_image(checks, board, img, dom0_args, tmp):
    card = os.path.join(tmp, f"{board}-card.img")
    subprocess.run(["cp", "--sparse=always", img, card], check=True)
    port = free_port()
    console = hearth_qemu.Console(hearth_qemu.Board(board), image=card, hostfwd=[("tcp", port, 443)],
                                  log_path=artifact_path(board, "image-boot"))
    cmd = "booti" if board.endswith("arm64") else "bootz"
    try:
        _, _, m = console.wait_for(r"^U-Boot (\S+)", 60)
        checks.ok("QEMU's firmware is Debian's U-Boot", "+dfsg" in m.group(1), m.group(0))
        console.wait_for(r"## Executing script at", 60)
        _, _, m = console.wait_for(r'xen,dom0-bootargs = "(.*)";', 60)
        checks.ok("U-Boot ran boot.scr from the image; its /chosen has the dom0less nodes",
                  m.group(1) == dom0_args, m.group(1))
        _, _, m = console.wait_for(r"hearth: starting Xen \((\w+) ", 60)
        checks.ok(f"boot.scr starts Xen with {cmd}", m.group(1) == cmd, m.group(0))
        _, _, m = console.wait_for(r"Xen version (\d+\.\d+)", 60)
        checks.ok("Xen 4.17 boots from the image", m.group(1) == "4.17", m.group(0))
        _, _, m = console.wait_for(r"dom0: (store partition .*|FAILED.*)", BOOT_TIMEOUT)
        checks.ok("dom0 finds the data partition by PARTUUID", "is /dev/vda2" in m.group(1), m.group(0))
        _, t_ready, _ = console.wait_dom0_ready(BOOT_TIMEOUT)
        vbd = [line for _, line in console.lines if "vbd attached" in line]
        checks.ok("dom0 exports the data partition to Hearth", any("xvda = /dev/vda2" in v for v in vbd),
                  " ".join(vbd))
        _, _, m = console.wait_for(r"Hearth \S+ \((\S+)\)", BOOT_TIMEOUT)
        checks.ok("Hearth boots and names the board", m.group(1) == board, m.group(0))
        _, t_net, m = console.wait_for(r"net: up (\S+)", BOOT_TIMEOUT)
        print(f"INFO {board}: QEMU start to dom0 ready {t_ready:.1f} s, to network up {t_net:.1f} s "
              f"(through U-Boot)", flush=True)
        console.wait_for(r"web: HTTPS on port 443", 60)
        pem, fp = server_cert(port, tmp)
        printed = re.search(r"fingerprint ([0-9A-F:]{95})", console_text(console))
        checks.ok("the hub's certificate matches the fingerprint on the console",
                  pem is not None and printed is not None and fp == printed.group(1), f"{fp} vs "
                  f"{printed.group(1) if printed else None}")
        if pem:
            r = subprocess.run(["curl", "-s", "--max-time", "30", "--cacert", pem, "--resolve",
                                f"hearth.local:{port}:127.0.0.1", "-w", "\n%{http_code}",
                                f"https://hearth.local:{port}/api/health"], capture_output=True, text=True, timeout=60)
            checks.ok("curl --cacert <device cert> https://hearth.local/api/health answers from the host",
                      r.returncode == 0 and '"status":"ok"' in r.stdout and r.stdout.endswith("200"),
                      f"rc {r.returncode}: {one_line(r.stdout[-150:])}")
        bad = [line for _, line in console.lines if "EXCEPTION" in line or "PANIC" in line or "dom0: FAILED" in line]
        checks.ok("no exception, panic or dom0 failure on the console", not bad, "; ".join(bad[:2]))
    except TimeoutError as e:
        checks.ok("boot from the image completes", False, str(e))
    finally:
        console.stop()
    with open(card, "rb") as c, open(img, "rb") as o:
        o.seek(image_layout.BOOT_START * 512)
        c.seek(image_layout.BOOT_START * 512)
        boot_same = o.read(image_layout.BOOT_SECTORS * 512) == c.read(image_layout.BOOT_SECTORS * 512)
        c.seek(image_layout.DATA_START * 512)
        slots = c.read(256 << 10)
    checks.ok("Hearth's key slots are in the data partition; the boot partition is untouched",
              boot_same and slots != bytes(len(slots)))
    os.unlink(card)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-boot", action="store_true", help="build and check the images only")
    args = ap.parse_args()
    checks = Checks("images")
    tmp = tempfile.mkdtemp(prefix="hearth-images-")
    try:
        images = build_all(checks, tmp)
        expected = check_offline(checks, images, tmp)
        for board in QEMU_BOARDS:
            if args.no_boot:
                break
            if board in images and expected.get(board):
                sub = Checks(board)
                boot_image(sub, board, images[board][0], expected[board], tmp)
                checks.passed += sub.passed
                checks.failed += sub.failed
            else:
                checks.ok(f"{board}: image to boot", False, "not built")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"images: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
