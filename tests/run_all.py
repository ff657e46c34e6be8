#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""`./hearth test`: every suite in order, one PASS/FAIL line per check, and a closing
`N passed, M failed` line. Exit status 0 only when nothing failed."""
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU_BOARDS = ["qemu-virt-arm64", "qemu-virt-arm32"]
REAL_BOARDS = ["rpi4", "cubietruck"]   # built and imaged; no emulator runs them
FUZZ_SECONDS = os.environ.get("HEARTH_FUZZ_SECONDS", "10")

passed = failed = 0


def record(ok, name, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)


def run(cmd, **kw):
    """Runs cmd, echoing its output; returns (exit code, output)."""
    print(f"--- {' '.join(cmd)}", flush=True)
    p = subprocess.run(cmd, cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    sys.stdout.write(p.stdout)
    sys.stdout.flush()
    return p.returncode, p.stdout


def configure_and_build(preset):
    if not os.path.exists(os.path.join(TOP, "build", preset, "build.ninja")):
        rc, _ = run(["cmake", "--preset", preset])
        if rc != 0:
            return False, "configure failed"
    rc, out = run(["cmake", "--build", "--preset", preset])
    size = re.search(r"image size: (\d+) bytes", out)
    return rc == 0, (f"image {size.group(1)} bytes" if size else "")


def unit_tests():
    ok, detail = configure_and_build("hosted-asan")
    record(ok, "build hosted-asan (-Wall -Wextra -Werror, ASan+UBSan)", detail)
    if not ok:
        return
    rc, out = run(["ctest", "--preset", "hosted-asan"])
    for m in re.finditer(r"Test\s+#\d+: (\S+) \.+\**\s*(Passed|\*\*\*Failed|Failed|Not Run|Exception.*?)\s", out):
        record(m.group(2) == "Passed", f"unit {m.group(1)}")
    if rc != 0 and "tests failed" not in out:
        record(False, "ctest", f"exit {rc}")


def format_check():
    files = subprocess.run(["git", "ls-files", "*.c", "*.h"], cwd=TOP, capture_output=True,
                           text=True).stdout.split()
    rc, out = run(["clang-format", "--dry-run", "--Werror"] + files)
    record(rc == 0, "clang-format (.clang-format) on every C file", "" if rc == 0 else "run clang-format -i")


def printf_portability_check():
    """arm32's newlib is built without C99 printf formats: %zu would print "zu" and shift every later
    argument (a %s after it then reads a wrong pointer). Image code must not use z, j or t modifiers."""
    rx = re.compile(r'%[-+ #0-9.*]*[zjt][a-zA-Z]')
    bad = []
    for folder in ("boot", "hal-xen-arm", "services", "netstack", "tls", "web", "sensors", "hub"):
        for root, _, names in os.walk(os.path.join(TOP, folder)):
            for name in names:
                if name.endswith((".c", ".h")):
                    path = os.path.join(root, name)
                    with open(path, errors="replace") as f:
                        for n, line in enumerate(f, 1):
                            if rx.search(line):
                                bad.append(f"{os.path.relpath(path, TOP)}:{n}")
    record(not bad, "no C99 size modifiers (%zu, %jd, %td) in image code (newlib on arm32 lacks them)",
           ", ".join(bad[:5]))


def fuzz_smoke():
    rc, out = run(["bash", "tests/fuzz/run.sh", FUZZ_SECONDS])
    lines = re.findall(r"^(PASS|FAIL) (fuzz_\S+.*)$", out, re.M)
    for verdict, name in lines:
        record(verdict == "PASS", name)
    if rc != 0 and not any(v == "FAIL" for v, _ in lines):
        record(False, "fuzz smoke run", f"exit {rc}")


def board_builds():
    for preset in ["hosted"] + QEMU_BOARDS + REAL_BOARDS:
        ok, detail = configure_and_build(preset)
        record(ok, f"build {preset} (-Wall -Wextra -Werror)", detail)


def system_script(script, label, *args):
    """Runs one system-test script and records each of its PASS/FAIL lines under label."""
    rc, out = run([sys.executable, script, *args])
    for verdict, name in re.findall(r"^(PASS|FAIL) (.*)$", out, re.M):
        record(verdict == "PASS", f"system {label}: {name}")
    if rc != 0 and "FAIL" not in out:
        record(False, f"system {label}", f"exit {rc}")


def system_tests():
    """Per QEMU board: Xen boots Hearth alone (boot, timer, fault), then beside a Linux driver domain
    (PV network and disk, HTTPS, reconnect, persistence); then the flash images."""
    for board in QEMU_BOARDS:
        system_script("tests/system/test_boot.py", board, "--board", board)
        system_script("tests/system/test_xen_pv.py", f"{board} pv", "--board", board)
    # The whole hub under Xen (one boot): mosquitto, paho, coap-client, Chromium on the dashboard, curl.
    system_script("tests/system/test_hub_xen.py", "qemu-virt-arm64 hub", "--board", "qemu-virt-arm64")
    # Flash images for every board (twice: byte-identical), their layout and /chosen nodes, and the
    # QEMU boards booting from theirs through U-Boot with HTTPS checked from the host.
    system_script("tests/system/test_images.py", "images")


def hosted_system_tests():
    """The hosted ASan build on a TAP device in a private network namespace (root)."""
    # ping, echo, mDNS, SNTP, DHCP
    system_script("tests/system/test_net_hosted.py", "hosted-net", "--preset", "hosted-asan")
    # openssl s_client 1.3/1.2 against the device identity, reboot, corrupted key
    system_script("tests/system/test_tls_hosted.py", "hosted-tls", "--preset", "hosted-asan")
    # pairing, login, session cookie, CSRF and cross-site refusals, throttling, persistence (curl)
    system_script("tests/system/test_auth_hosted.py", "hosted-auth", "--preset", "hosted-asan")
    # mosquitto and paho clients, durability across SIGKILL
    system_script("tests/system/test_mqtt_hosted.py", "hosted-mqtt", "--preset", "hosted-asan")
    # curl and mosquitto_pub: HTTP ingest with sensor tokens, the registry, HA discovery, SIGKILL after 201
    system_script("tests/system/test_ingest_http_hosted.py", "hosted-ingest-http", "--preset", "hosted-asan")
    # coap-client POST/GET/observe, malformed datagrams, deduplication, durability across SIGKILL
    system_script("tests/system/test_coap_hosted.py", "hosted-coap", "--preset", "hosted-asan")
    # rollup tiers and GET /api/sensors/<id>/readings with curl, exact after SIGKILL and a late reading
    system_script("tests/system/test_rollup_hosted.py", "hosted-rollup", "--preset", "hosted-asan")
    # headless Chromium (playwright-core): pair, log in, a chart of mosquitto_pub readings, a policy, the audit log
    system_script("tests/system/test_dashboard_hosted.py", "hosted-dashboard", "--preset", "hosted-asan")
    # the privacy gateway: a local HTTPS receiver gets exactly what the policy allows; audit tampering is caught
    system_script("tests/system/test_gateway_hosted.py", "hosted-gateway", "--preset", "hosted-asan")
    # outbound HTTPS: pinned CA, pinned certificate, DNS name, refusals, timeout (the httpclient.test hook)
    system_script("tests/system/test_http_client_hosted.py", "hosted-http-client", "--preset", "hosted-asan")
    # wrk with 200 connections for 10 s and testssl.sh, with leak checks
    system_script("tests/system/test_https_load_hosted.py", "hosted-https-load", "--preset", "hosted-asan")
    # GET /api/trace: one HTTPS request's chain from frame to response, MQTT publish to store commit
    system_script("tests/system/test_trace_hosted.py", "hosted-trace", "--preset", "hosted-asan")


def main():
    start = time.monotonic()
    unit_tests()
    format_check()
    printf_portability_check()
    fuzz_smoke()
    board_builds()
    system_tests()
    hosted_system_tests()
    print(f"hearth test: finished in {time.monotonic() - start:.0f} s; console logs in build/test-artifacts/")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
