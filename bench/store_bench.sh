#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Durable appends/s: the store on the hosted board (a file, fdatasync) against SQLite in WAL mode with
# synchronous=FULL, same record, same batch sizes, same disk. Needs sqlite3 and libsqlite3-dev.
#
# usage: bench/store_bench.sh [records] [batch...]     (default: 4000 records (--quick: 1000), batches 1 16 64)
# Writes bench/results/store-<UTC stamp>.json (bench/bench_results.py). The files live in $HEARTH_BENCH_DIR (default build/bench): put it on the disk you care about, not tmpfs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${HEARTH_BENCH_DIR:-$root/build/bench}
records=${1:-$([[ ${HEARTH_BENCH_QUICK:-} = 1 ]] && echo 1000 || echo 4000)}
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
# The same figures for ./hearth bench (bench/bench_results.py): one per batch size.
figures=()
while read -r batch store sqlite; do
  figures+=("hosted: store durable appends/s, batch $batch" "$store" "$sqlite" "SQLite WAL+FULL" appends/s higher)
done < <(sed -n 's/^batch *\([0-9]*\): store *\([0-9]*\) .*sqlite WAL+FULL *\([0-9]*\) .*$/\1 \2 \3/p' <<<"$out")
[[ ${#figures[@]} -gt 0 ]] || { echo "store_bench: no figures in the output above" >&2; exit 1; }
/usr/bin/python3 "$here/bench_results.py" store "records=$records" "fs=$(stat -f -c %T "$dir")" -- "${figures[@]}"
