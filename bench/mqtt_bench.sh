#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# MQTT ingest rate, QoS 0 and QoS 1: the hosted hub next to Debian's mosquitto on the same machine, same
# client (bench/mqtt_load.c), same messages (a reading "hearth/bench/temperature" = "21.5"), same window.
#
# usage: bench/mqtt_bench.sh [qos0-messages] [qos1-messages] [window]   (default 200000 50000 256;
# HEARTH_BENCH_QUICK=1, as ./hearth bench --quick sets: 50000 10000)
# Needs root (a private network namespace with a TAP device, like tests/system/test_net_hosted.py) and
# the Debian package mosquitto. The hub's disk file lives in $HEARTH_BENCH_DIR (default build/bench): put
# it on the disk you care about, not tmpfs. Prints msgs/s and the ratios, and writes
# bench/results/mqtt-<UTC stamp>.json (bench/bench_results.py).
#
# What is compared, and why it is not quite like for like:
# - The hub runs the release build of the hosted board (build/hosted) on a TAP device: the client's
#   packets cross the kernel's TCP, the TAP and lwIP. mosquitto listens on the host side of the same TAP
#   (10.77.0.1), which the kernel short-cuts through loopback: its path is the shorter one.
# - QoS 0: the hub parses each payload as a reading and appends it to its store (group commit every
#   20 ms); mosquitto has no subscriber and drops each message after routing it. Persistence is off.
# - QoS 1: the hub sends PUBACK only once the reading is on disk (write + fdatasync of the batch).
#   mosquitto runs with persistence on (autosave_on_changes, autosave_interval 1), but it writes
#   messages only when they are retained or queued for a subscriber, so with no subscriber its PUBACK
#   means "received": it never syncs. The ratio therefore prices durability, not only code speed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${HEARTH_BENCH_DIR:-$root/build/bench}
if [[ ${HEARTH_BENCH_QUICK:-} = 1 ]]; then q0=50000 q1=10000; else q0=200000 q1=50000; fi
n0=${1:-$q0}
n1=${2:-$q1}
window=${3:-256}
ns=hearth-bench-$$
tap=hearthtap0
host_ip=10.77.0.1
hub_ip=10.77.0.2

die() { echo "mqtt_bench: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (network namespace and TAP)"
command -v mosquitto >/dev/null || die "mosquitto is not installed (./hearth setup)"

mkdir -p "$dir" "$here/results"
work=$(mktemp -d "$dir/mqtt.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

{ [[ -f $root/build/hosted/build.ninja ]] || cmake --preset hosted -S "$root"; } >/dev/null
cmake --build --preset hosted >/dev/null || die "building the hosted board failed"
${CC:-cc} -O2 -Wall -Wextra -Werror -o "$work/mqtt_load" "$here/mqtt_load.c"

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" ip tuntap add dev "$tap" mode tap
ip -n "$ns" addr add "$host_ip/24" dev "$tap"
ip -n "$ns" link set "$tap" up
in_ns() { ip netns exec "$ns" "$@"; }

wait_log() {   # file pattern seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "mqtt_bench: no '$2' in $1 after $3 s:" >&2
  tail -n 20 "$1" >&2
  return 1
}

load() {   # ip port qos messages -> msgs/s
  local out
  out=$(in_ns "$work/mqtt_load" "$1" "$2" "$3" "$4" "$window") || die "load client failed against $1:$2"
  echo "  $1:$2 $out" >&2
  sed -n 's/.* rate=\([0-9]*\)$/\1/p' <<<"$out"
}

# The hub, on a fresh 256 MiB disk file (the store keeps every reading; no compaction during the run).
truncate -s 256M "$work/disk.img"
# Started with ip netns exec itself (not through in_ns, a shell function): $! is then the hub's own pid,
# which ip execs into, so cleanup ends exactly the processes this script started.
ip netns exec "$ns" "$root/build/hosted/hearth" "ip=$hub_ip/24" "gw=$host_ip" "net=$tap" "blkdev=$work/disk.img" \
  >"$work/hub.log" 2>&1 &
pids+=($!)
wait_log "$work/hub.log" "mqtt: listening on 1883" 60 || die "the hub did not start"
# The bench sensor sends far faster than a home sensor's default rate limit (20 at once, then 1/s): the
# owner raises its limit through the API like any owner would (pair with the console's setup code, which
# logs in, then PUT the sensor).
wait_log "$work/hub.log" "auth: setup code" 10 || die "no setup code on the console"
code=$(sed -n 's/.*auth: setup code \([0-9A-Z-]*\).*/\1/p' "$work/hub.log" | head -n 1)
api() {   # method path json -> body; the session cookie travels in $work/cookies
  in_ns curl -s -k --max-time 20 -b "$work/cookies" -c "$work/cookies" -X "$1" -H "Content-Type: application/json" \
    -H "X-CSRF-Token: ${csrf:-}" --data-binary "$3" "https://$hub_ip$2"
}
csrf=$(api POST /api/auth/setup "{\"code\":\"$code\",\"password\":\"bench-owner-password\"}" |
  sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
[[ -n $csrf ]] || die "pairing the hub failed"
api PUT /api/sensors/bench '{"burst":10000000,"rate":10000000}' | grep -q '"burst":10000000' ||
  die "raising the bench sensor's rate limit failed"
echo "mqtt_bench: hub (build/hosted) on $hub_ip:1883; disk $work/disk.img ($(stat -f -c %T "$work"))" >&2
hub0=$(load "$hub_ip" 1883 0 "$n0")
hub1=$(load "$hub_ip" 1883 1 "$n1")
rejected=$(grep -c "ingest: rejected\|rate limit" "$work/hub.log" || true)
[[ $rejected = 0 ]] || die "the hub rejected or rate-limited readings ($rejected log lines), e.g.
$(grep -m 3 "ingest: rejected\|rate limit" "$work/hub.log")"

# mosquitto: QoS 0 without persistence, QoS 1 with it (see above for what it does and does not write).
mosq() {   # persistence(true|false) -> pid
  mkdir -p "$work/mosq"
  chown mosquitto "$work/mosq" 2>/dev/null || true
  cat >"$work/mosq.conf" <<CONF
listener 1883 $host_ip
allow_anonymous true
persistence $1
persistence_location $work/mosq/
autosave_on_changes true
autosave_interval 1
log_dest stderr
CONF
  ip netns exec "$ns" mosquitto -c "$work/mosq.conf" >"$work/mosq.log" 2>&1 &
  pids+=($!)
  wait_log "$work/mosq.log" "running" 10 || die "mosquitto did not start"
}
mosq false
mq0=$(load "$host_ip" 1883 0 "$n0")
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null || true
unset 'pids[-1]'
mosq true
mq1=$(load "$host_ip" 1883 1 "$n1")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
r0=$(ratio "$hub0" "$mq0")
r1=$(ratio "$hub1" "$mq1")
printf 'mqtt_bench: %-6s %12s %12s %8s   (window %s, %s/%s messages)\n' "" "hearth" "mosquitto" "ratio" \
  "$window" "$n0" "$n1"
printf 'mqtt_bench: %-6s %12s %12s %8s   msgs/s; hearth stores every reading\n' "QoS 0" "$hub0" "$mq0" "$r0"
printf 'mqtt_bench: %-6s %12s %12s %8s   msgs/s; hearth acks once on disk, mosquitto once received\n' \
  "QoS 1" "$hub1" "$mq1" "$r1"
/usr/bin/python3 "$here/bench_results.py" mqtt "window=$window" "qos0_messages=$n0" "qos1_messages=$n1" \
  "mosquitto=$(mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version //p' | head -n 1)" -- \
  "hosted: MQTT QoS 0 ingest msgs/s" "$hub0" "$mq0" mosquitto msgs/s higher \
  "hosted: MQTT QoS 1 ingest msgs/s (hearth acks on disk)" "$hub1" "$mq1" mosquitto msgs/s higher
