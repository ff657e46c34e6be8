#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Builds the libFuzzer targets and runs each for <seconds> over a scratch copy of its seed corpus.
#
# usage: tests/fuzz/run.sh <seconds>      (build folder: $HEARTH_FUZZ_BUILD, default build/fuzz)
# Prints "PASS fuzz_<name> (<runs> runs)" or "FAIL fuzz_<name>" per target; exits non-zero on any
# failure. Crashing inputs are kept in <build>/artifacts/<target>/, logs in <build>/logs/. The committed
# corpus under tests/fuzz/corpus/ is never written to.
set -euo pipefail

if [[ $# -ne 1 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <seconds>" >&2
  exit 2
fi
seconds=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${HEARTH_FUZZ_BUILD:-$root/build/fuzz}
targets=(fuzz_dt fuzz_cmdline fuzz_http fuzz_http_response fuzz_xs_wire fuzz_tls_keyslot fuzz_store fuzz_mqtt)

mkdir -p "$build/logs"
if ! { cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" &&
       cmake --build "$build" --parallel; } >"$build/logs/build.log" 2>&1; then
  cat "$build/logs/build.log" >&2
  for t in "${targets[@]}"; do echo "FAIL $t"; done
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in "${targets[@]}"; do
  corpus=$scratch/$t
  artifacts=$build/artifacts/$t
  log=$build/logs/$t.log
  mkdir -p "$corpus" "$artifacts"
  cp -R "$here/corpus/$t/." "$corpus/"
  args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/")
  if [[ -f $here/$t.dict ]]; then
    args+=(-dict="$here/$t.dict")
  fi
  if "$build/$t" "${args[@]}" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "PASS $t (${runs:-?} runs)"
  else
    echo "FAIL $t"
    tail -n 30 "$log" >&2
    status=1
  fi
done
exit "$status"
