#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Packs the Linux peer guest's initramfs (bench/peer): busybox, nginx with exactly the libraries its
ELF files need, the xen-netfront module and its dependencies, a P-256 certificate and an nginx.conf
that answers GET /api/health with the given body over HTTPS and 301 on plain HTTP, like the nginx of
bench/http_bench.py. Reuses the dom0's ELF closure, module and cpio code (qemu/dom0/mkinitramfs.py)."""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "qemu", "dom0"))
import mkinitramfs as m  # noqa: E402

NGINX_CONF = """\
# The Hearth bench's Linux peer: one worker, the same JSON body as Hearth's /api/health.
user nobody nogroup;
daemon on; master_process on; worker_processes 1; pid /run/nginx.pid; error_log stderr;
events {{ worker_connections 1024; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path /tmp/b; proxy_temp_path /tmp/p; fastcgi_temp_path /tmp/f;
  uwsgi_temp_path /tmp/u; scgi_temp_path /tmp/s;
  server {{
    listen 443 ssl;
    ssl_certificate /etc/nginx/peer.crt; ssl_certificate_key /etc/nginx/peer.key;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_ecdh_curve X25519:prime256v1; ssl_session_tickets on;
    location = /api/health {{ default_type application/json; return 200 '{body}\\n'; }}
  }}
  server {{ listen 80; return 301 https://hearth.local$request_uri; }}
}}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", required=True, help="tree the .debs were extracted into")
    ap.add_argument("--overlay", required=True, help="bench/peer/rootfs: /init and the DHCP hook")
    ap.add_argument("--triplet", required=True, help="e.g. aarch64-linux-gnu")
    ap.add_argument("--kver", required=True, help="kernel version (the /lib/modules folder name)")
    ap.add_argument("--modules", required=True, help="comma-separated module names, in load order")
    ap.add_argument("--body", required=True, help="file holding the /api/health JSON body")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--info", default="", help="text stored as /etc/hearth-peer-release")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tree, arc = m.Tree(args.root), m.Archive()
    for d in ("/proc", "/sys", "/dev", "/tmp", "/run", "/root", "/etc", "/var/log/nginx", "/usr/bin",
              "/usr/sbin", "/sbin"):
        arc.add_dir(d)
    arc.add_link("/var/run", "/run")
    arc.add_chardev("/dev/console", 5, 1)
    arc.add_chardev("/dev/null", 1, 3, 0o666)
    arc.add_file("/bin/busybox", tree.read("/bin/busybox"))
    m.add_elf_closure(tree, arc, ["/usr/sbin/nginx"], args.triplet)
    order, builtin = m.add_modules(tree, arc, args.kver, [x for x in args.modules.split(",") if x])
    arc.add_file("/etc/hearth-modules", "".join(p + "\n" for p in order).encode(), 0o644)
    # glibc's built-in "files" lookups, for nginx's `user nobody nogroup`.
    arc.add_file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
                 0o644)
    arc.add_file("/etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
    with open(args.body) as f:
        body = f.read().strip()
    escaped = body.replace("\\", "\\\\").replace("'", "\\'")
    arc.add_file("/etc/nginx/nginx.conf", NGINX_CONF.format(body=escaped).encode(), 0o644)
    for src, dst, mode in ((args.cert, "/etc/nginx/peer.crt", 0o644), (args.key, "/etc/nginx/peer.key", 0o600)):
        with open(src, "rb") as f:
            arc.add_file(dst, f.read(), mode)
    m.add_overlay(arc, args.overlay)
    info = args.info + f"kernel {args.kver}\nmodules {' '.join(os.path.basename(p) for p in order)}\n" \
        f"built-in {' '.join(builtin)}\n"
    arc.add_file("/etc/hearth-peer-release", info.encode(), 0o644)
    raw = m.write_gzip(arc, args.out)
    print(f"peer mkinitramfs: {len(arc.entries)} entries, {len(raw) // 1024} KiB raw, "
          f"{os.path.getsize(args.out) // 1024} KiB gzip; modules: "
          f"{' '.join(os.path.basename(p) for p in order)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
