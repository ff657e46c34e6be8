#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Durable appends/s: the store on the hosted board (a file, fdatasync) against SQLite in WAL mode with
# synchronous=FULL, same record, same batch sizes, same disk. Needs sqlite3 and libsqlite3-dev.
#
# usage: bench/store_bench.sh [records] [batch...]     (default: 4000 records, batches 1 16 64)
# Writes bench/results/store_bench.json. The files live in $HEARTH_BENCH_DIR (default build/bench): put it on the disk you care about, not tmpfs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${HEARTH_BENCH_DIR:-$root/build/bench}
records=${1:-4000}
shift || true
batches=("$@")
[[ ${#batches[@]} -gt 0 ]] || batches=(1 16 64)

mkdir -p "$dir"
${CC:-cc} -O2 -Wall -Wextra -Werror -I"$root/include" -I"$root/services" -o "$dir/store_bench" \
  "$here/store_bench.c" "$root"/services/store*.c "$root/services/crc32c.c" "$root/services/timer.c" \
  "$root/services/trace.c" \
  "$root/services/strerror.c" "$root/hal-hosted/blk_file.c" -lsqlite3
echo "store_bench: $records records of 64 bytes per run, files in $dir ($(stat -f -c %T "$dir"))"
out=$("$dir/store_bench" "$dir" "$records" "${batches[@]}")
echo "$out"
# The same figures as JSON for ./hearth bench: one object per batch size.
mkdir -p "$here/results"
{
  printf '{"bench": "store_bench", "date": "%s", "host": "%s", "records": %s, "fs": "%s", "batches": [' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -n)" "$records" "$(stat -f -c %T "$dir")"
  sed -n 's/^batch *\([0-9]*\): store *\([0-9]*\) .*sqlite WAL+FULL *\([0-9]*\) .*ratio \([0-9.]*\)x$/{"batch": \1, "store_per_s": \2, "sqlite_per_s": \3, "ratio": \4}/p' <<<"$out" |
    paste -sd, -
  printf ']}\n'
} >"$here/results/store_bench.json"
echo "store_bench: results in bench/results/store_bench.json"
