#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmark: Hearth against a Debian Linux guest on the same QEMU arm64 board, in the same run.

How the peer boots (the fairness choice): exactly like Hearth. Both are a dom0less domU (domain 1, one
vCPU, the same memory) next to the same Linux dom0 driver domain (qemu/dom0) under the same Xen 4.17,
on the same QEMU virt machine under TCG (cortex-a57, 2 vCPUs, 2 GiB), reached through the same QEMU
user-network port forwards, dom0's bridge and a netfront. The peer (bench/peer/build.sh) is Debian
bookworm's arm64 kernel (as Debian ships it: an uncompressed Image) with an initramfs of busybox and
Debian's nginx 1.22 (and its libraries), one worker, a P-256 certificate, the same /api/health JSON
body over HTTPS and a 301 on HTTP. Hearth gets a 16 MiB scratch disk (its identity and store, as
deployed; provisioned by a first boot before any timing); the peer needs none. The peer boots with
`quiet` (Hearth prints every step on the same slow emulated UART): that favours the peer.

Figures, each with both sides measured in this run (ratio = Hearth / peer):
  - boot to first HTTPS 200: seconds from QEMU's process start until a host-side poller (GET
    /api/health every 50 ms through the forward) gets a 200; median of the boots, which alternate
    between the sides. Both include Xen and dom0, which gates both guests' network (xenstore, then the
    vif). Also each guest's own start-to-ready from its console (Hearth's log clock at the later of
    `net: up` / `web: HTTPS on port 443`; the peer's uptime when nginx listened), and the time from
    dom0's `ready` (the vif attached) to the first 200, the part after the shared backend exists;
  - image size: Hearth's hearth.bin (objcopy -O binary: stripped, every feature built in) against the
    peer's kernel Image + gzip'd initramfs, both as Xen boots them;
  - minimum RAM: the domU memory is bisected (whole MiB, a bounded number of boots) over a workload:
    boot, 20 HTTPS GET /api/health verifying the certificate, and for Hearth one MQTT QoS 1 publish
    read back from /api/readings over HTTPS. Hearth's top (the board's 16 MiB) is checked by the
    provisioning boot; the peer's top by its first timed boot; the peer's bottom is the size of its
    kernel Image (it cannot boot in less). The figure is the smallest size that passed; the search
    stops at the resolution its boot budget allows (printed);
  - requests/s in QEMU: wrk, 2 threads, 8 connections (the qemu-virt-arm64 Hearth takes 8 TLS
    connections), HTTPS and HTTP keep-alive; TLS 1.3 full handshakes/s with openssl s_time -new.

Under TCG on a shared 2-core host every timing is noisy; nothing here is a test assertion.
HEARTH_BENCH_QUICK=1 (./hearth bench --quick): one timed boot a side, 3 bisection steps, 5 s runs.
Needs the qemu-virt-arm64 build, wrk, openssl, mosquitto-clients and the dom0/peer .debs (fetched on
first use). Writes bench/results/qemu-<UTC stamp>.json; consoles in build/bench/qemu/."""
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_results  # noqa: E402
import http_bench  # noqa: E402  (wrk and s_time runners)
import qemu_guests as qg  # noqa: E402

QUICK = os.environ.get("HEARTH_BENCH_QUICK") == "1"
SAME_RAM_MIB = 256           # both domUs' memory for the boot and req/s figures
TIMED_BOOTS = 1 if QUICK else 3
BISECT_STEPS = 3 if QUICK else 4
RUN_SECONDS = 5 if QUICK else 10
WRK_CONNECTIONS = 8
LOGS = os.path.join(TOP, "build", "bench", "qemu")
PEER = "Linux guest"

results = {}


def note(text):
    print(f"qemu_bench: {text}", flush=True)


def record(name, hearth, peer, unit, higher_is_better):
    results[name] = bench_results.entry(hearth, peer, PEER, unit, higher_is_better)
    bench_results.show(name, results[name])


def provision(hearth, tmp):
    """First Hearth boot at the board's own memory: makes its identity on the disk, yields its
    certificate and /api/health body, and is the minimum-RAM search's check of that top size."""
    mib = int(hearth.board.cfg["domu_memory_kib"]) // 1024
    hearth.cmdline = "tls.printcert=1"
    run = hearth.boot(mib, os.path.join(LOGS, f"hearth-provision-{mib}M.log"))
    try:
        run.first_200()
        run.console.wait_for(r"-----END CERTIFICATE-----", 30)
        hearth.ca = os.path.join(tmp, "hearth.pem")
        with open(hearth.ca, "w") as f:
            f.write(run.console.certificate_pem())
        failed = run.workload()
        _, body = qg.https_get(run.ports["https"], "/api/health", hearth.ca)
    finally:
        run.stop()
        hearth.cmdline = ""
    note(f"Hearth provisioned (disk identity), workload at {mib} MiB: {failed or 'passed'}")
    return mib, failed is None, body


class Timed:
    """One side's timed boots at SAME_RAM_MIB (medians) and, from its first boot, the workload and the
    load figures."""

    def __init__(self):
        self.to_200, self.own, self.after_dom0, self.loads, self.ok = [], [], [], {}, None

    def median(self, name):
        values = getattr(self, name)
        return statistics.median(values) if values else None


def timed_boot(side, timed, i):
    run = side.boot(SAME_RAM_MIB, os.path.join(LOGS, f"{side.name}-boot{i + 1}.log"))
    try:
        t = run.first_200()
        timed.to_200.append(t)
        own, dom0 = side.own_ready(run.console), run.dom0_ready_at()
        if own is not None:
            timed.own.append(own)
        if dom0 is not None:
            timed.after_dom0.append(t - dom0)
        note(f"{side.name} boot {i + 1}: first HTTPS 200 at {t:.2f} s from QEMU start (dom0 ready at "
             f"{dom0 if dom0 is None else round(dom0, 2)} s), own ready {own if own is not None else 'n/a'} s")
        if i == 0:
            failed = run.workload()
            timed.ok = failed is None
            note(f"{side.name} workload at {SAME_RAM_MIB} MiB: {failed or 'passed'}")
            timed.loads = load_figures(run.ports)
    except qg.BootFailed as e:
        note(f"{side.name} boot {i + 1} FAILED: {e}\n{run.console.tail(30)}")
    finally:
        run.stop()


def load_figures(ports):
    https = f"https://127.0.0.1:{ports['https']}/api/health"
    http = f"http://127.0.0.1:{ports['http']}/api/health"
    return {"https": http_bench.wrk(https, RUN_SECONDS, WRK_CONNECTIONS),
            "http": http_bench.wrk(http, RUN_SECONDS, WRK_CONNECTIONS),
            "handshakes": http_bench.handshakes("127.0.0.1", ports["https"], RUN_SECONDS)}


def passes(side, mib):
    run = side.boot(mib, os.path.join(LOGS, f"{side.name}-minram-{mib}M.log"))
    try:
        run.first_200()
        failed = run.workload()
    except qg.BootFailed as e:
        failed = str(e)
    finally:
        run.stop()
    note(f"{side.name} at {mib} MiB: {failed or 'passed'}")
    return failed is None


def min_ram(side, fail_mib, ok_mib, steps):
    """Bisects (fail_mib, ok_mib] in whole MiB for at most steps boots; returns (smallest passing
    MiB, largest failing or excluded MiB)."""
    for _ in range(steps):
        if ok_mib - fail_mib <= 1:
            break
        mid = (fail_mib + ok_mib) // 2
        if passes(side, mid):
            ok_mib = mid
        else:
            fail_mib = mid
    note(f"{side.name} minimum RAM: passes at {ok_mib} MiB, fails (or cannot fit) at {fail_mib} MiB")
    return ok_mib, fail_mib


def scenario(tmp):
    board = qg.hearth_qemu.Board(qg.BOARD)
    hearth = qg.HearthSide(board, tmp)
    peer_dir = os.path.join(TOP, "build", "peer-arm64")
    peer = qg.PeerSide(board, tmp, peer_dir)
    top_mib, top_ok, body = provision(hearth, tmp)
    body_file = os.path.join(tmp, "health.json")
    with open(body_file, "w") as f:
        f.write(body)
    r = subprocess.run([os.path.join(HERE, "peer", "build.sh"), peer_dir, body_file], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"qemu_bench: bench/peer/build.sh failed:\n{r.stderr[-3000:]}")
    note(r.stderr.strip().splitlines()[-1])

    # Alternating, so that a change in the host's load hits both sides alike.
    h, p = Timed(), Timed()
    for i in range(TIMED_BOOTS):
        timed_boot(hearth, h, i)
        timed_boot(peer, p, i)
    hload, pload, pok = h.loads, p.loads, p.ok
    record("QEMU: boot to first HTTPS 200 (from QEMU start)", h.median("to_200"), p.median("to_200"), "s", False)
    record("QEMU: guest start to ready (own console clock)", h.median("own"), p.median("own"), "s", False)
    record("QEMU: dom0 ready to first HTTPS 200", h.median("after_dom0"), p.median("after_dom0"), "s", False)
    record("QEMU: image size (as booted)", hearth.image_bytes(), peer.image_bytes(), "bytes", False)
    record("QEMU: HTTPS keep-alive requests/s (wrk)", hload.get("https"), pload.get("https"), "req/s", True)
    record("QEMU: HTTP keep-alive requests/s (301, wrk)", hload.get("http"), pload.get("http"), "req/s", True)
    record("QEMU: TLS 1.3 full handshakes/s (openssl s_time)", hload.get("handshakes"), pload.get("handshakes"),
           "handshakes/s", True)

    # Minimum RAM: the tops were checked above; the peer cannot hold its kernel Image in less than its size.
    h_min = p_min = None
    if top_ok:
        h_min, h_fail = min_ram(hearth, 0, top_mib, BISECT_STEPS)
    if pok:
        floor_mib = os.path.getsize(peer.kernel) >> 20
        p_min, p_fail = min_ram(peer, floor_mib, SAME_RAM_MIB, BISECT_STEPS + 1)
    record("QEMU: minimum domU RAM for the workload", h_min, p_min, "MiB", False)
    with open(peer.kernel, "rb") as f:
        kernel_gz = len(gzip.compress(f.read(), 9))
    return {"peer_kernel_bytes": os.path.getsize(peer.kernel), "peer_kernel_gzip9_bytes": kernel_gz,
            "peer_initramfs_bytes": os.path.getsize(peer.ramdisk), "same_ram_mib": SAME_RAM_MIB,
            "timed_boots": TIMED_BOOTS, "wrk_connections": WRK_CONNECTIONS,
            "run_seconds": RUN_SECONDS, "hearth_min_ram_bracket": [h_fail, h_min] if h_min else None,
            "peer_min_ram_bracket": [p_fail, p_min] if p_min else None,
            "peer_versions": open(os.path.join(peer_dir, "peer-versions.txt")).read().split()}


def main():
    for tool in ("wrk", "openssl", "mosquitto_pub"):
        if not shutil.which(tool):
            sys.exit(f"qemu_bench: {tool} is missing: run ./hearth setup")
    r = bench_results.build_preset(qg.BOARD)
    if r.returncode:
        sys.exit("qemu_bench: build failed\n" + (r.stdout + r.stderr)[-2000:])
    os.makedirs(LOGS, exist_ok=True)
    note(f"Hearth vs a Debian Linux guest, both a domU beside the same dom0 under Xen on QEMU TCG "
         f"({'quick' if QUICK else 'full'} run; consoles in {os.path.relpath(LOGS, TOP)})")
    with tempfile.TemporaryDirectory(prefix="hearth-qemu-bench-") as tmp:
        meta = scenario(tmp)
    print(f"qemu_bench: results in {os.path.relpath(bench_results.write('qemu', results, meta), TOP)}")


if __name__ == "__main__":
    main()
