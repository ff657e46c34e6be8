#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# HTTP/HTTPS keep-alive req/s, TLS 1.3 handshakes/s and instructions per request: hosted Hearth vs nginx
# (see bench/http_bench.py). Needs root, wrk, nginx-light, valgrind.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/http_bench.py" "$@"
