#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Hearth vs a Debian Linux guest on the same QEMU arm64 board under Xen: boot to first HTTPS 200, image
# size, minimum RAM, req/s and TLS handshakes/s (see bench/qemu_bench.py for how and why).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/qemu_bench.py" "$@"
