#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Builds the libFuzzer targets and runs each for <seconds>, starting from its committed seed corpus.
#
# usage: tests/fuzz/run.sh [--keep-corpus] <seconds> [target...]     (default: every target)
#        tests/fuzz/run.sh --list
# The targets are the ones tests/fuzz/CMakeLists.txt declares (the build writes them to targets.txt), so a
# new one is run without editing this script; a target without a non-empty corpus/<target>/ folder, and a
# fuzz_*.c file that no target builds, FAIL. Prints "PASS fuzz_<name> (<runs> runs)" or "FAIL fuzz_<name>:
# <why>" per target and exits non-zero on any failure. A crashing input is kept in
# <build>/artifacts/<target>/ and its path printed with the command that reproduces it; logs are in
# <build>/logs/. The committed corpus is never written to: runs start from a scratch copy, or with
# --keep-corpus (long runs, `./hearth fuzz`) from <build>/corpus/<target>/, which keeps what libFuzzer
# finds between runs. Build folder: $HEARTH_FUZZ_BUILD, default build/fuzz.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${HEARTH_FUZZ_BUILD:-$root/build/fuzz}
keep=0 list=0
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --keep-corpus) keep=1 ;;
    --list) list=1 ;;
    *) echo "$0: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $list = 0 && ( $# -lt 1 || ! $1 =~ ^[0-9]+$ ) ]]; then
  echo "usage: $0 [--keep-corpus] <seconds> [target...] | --list" >&2
  exit 2
fi

mkdir -p "$build/logs"
if ! { cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" &&
       cmake --build "$build" --parallel; } >"$build/logs/build.log" 2>&1; then
  cat "$build/logs/build.log" >&2
  echo "FAIL fuzz build: see $build/logs/build.log"
  exit 1
fi
mapfile -t declared < <(grep -v '^$' "$build/targets.txt")
if [[ $list = 1 ]]; then
  printf '%s\n' "${declared[@]}"
  exit 0
fi
seconds=$1
shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${declared[@]}")

status=0
# Sources that no target builds: a fuzzer that was written but never runs.
if [[ $# -eq 0 ]]; then
  for src in "$here"/fuzz_*.c; do
    t=$(basename "$src" .c)
    if ! printf '%s\n' "${declared[@]}" | grep -qx "$t"; then
      echo "FAIL $t: $src is not declared with hearth_fuzz_target in tests/fuzz/CMakeLists.txt"
      status=1
    fi
  done
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${declared[@]}" | grep -qx "$t"; then
    echo "FAIL $t: no such target (tests/fuzz/run.sh --list)"
    status=1
    continue
  fi
  seeds=$here/corpus/$t
  if [[ ! -d $seeds ]] || [[ -z $(ls -A "$seeds") ]]; then
    echo "FAIL $t: no seed corpus: commit a few representative inputs in tests/fuzz/corpus/$t/"
    status=1
    continue
  fi
  if [[ $keep = 1 ]]; then corpus=$build/corpus/$t; else corpus=$scratch/$t; fi
  artifacts=$build/artifacts/$t
  log=$build/logs/$t.log
  mkdir -p "$corpus" "$artifacts"
  cp -R "$seeds/." "$corpus/"
  args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/")
  if [[ -f $here/$t.dict ]]; then
    args+=(-dict="$here/$t.dict")
  fi
  start=$SECONDS
  if "$build/$t" "${args[@]}" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [[ -z $runs || $runs = 0 ]]; then
      echo "FAIL $t: the fuzzer ran no inputs (log: $log)"
      status=1
    else
      echo "PASS $t ($runs runs)"
    fi
  else
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    kind=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [^ ]+( [^ ]+)?|runtime error: .*|deadly signal|timeout after [0-9]+ seconds|out-of-memory' "$log" || true)
    echo "FAIL $t: ${kind:-crash} after $((SECONDS - start)) s; input ${crash:-not written} (reproduce: $build/$t ${crash:-<input>}; log $log)"
    tail -n 40 "$log" >&2
    status=1
  fi
done
exit "$status"
