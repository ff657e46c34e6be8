#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: the hosted HTTPS server under load (wrk) and under a TLS scanner (testssl.sh).

Runs the hosted ASan + UBSan build with leak detection in a private network namespace with a TAP
device, like test_tls_hosted.py (whose plumbing, from test_net_hosted.py, it reuses), with a disk file
for the device identity. Checks: a client reusing its port while Hearth holds the old connection in
TIME_WAIT gets through; the board's TLS budget of concurrent HTTPS keep-alive connections is
served and the next connection is refused; wrk with 200 connections and 2 threads for 10 s against
/api/health sees no socket errors and only 2xx answers; the CRL the certificate names
(http://hearth.local/crl.der) is served on port 80, signed by the device key, and `openssl verify
-crl_check` accepts the certificate with it; testssl.sh (fast mode, no DNS, no outside lookups, the
printed device certificate as the trusted CA) reports no HIGH or CRITICAL finding at all; Hearth exits cleanly on SIGTERM with no
AddressSanitizer, UBSan or LeakSanitizer report. wrk's rates and latencies are printed, never asserted.
Needs root and the Debian packages wrk and testssl.sh (`./hearth setup`). Prints `PASS`/`FAIL` per check
and a closing `N passed, M failed`."""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402  (namespace, TAP and console plumbing)

TOP = net.TOP
HUB_IP, HOST_IP, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
UP_TIMEOUT = 30
DISK_BYTES = 1024 * 1024
WRK_CONNECTIONS, WRK_THREADS, WRK_SECONDS = 200, 2, 10
# A request counts as a wrk "timeout" after this long. Generous on purpose: the ASan build's first 200
# handshakes queue up behind each other (~20 ms each), and the test is about errors, not speed.
WRK_TIMEOUT_S = 30
TESTSSL_TIMEOUT_S = 300
SANITIZER_MARKERS = ("Sanitizer", "runtime error", "LeakSanitizer", "ERROR: AddressSanitizer")
# wrk's Lua hooks: count answers by status in each thread, and add the threads up at the end.
WRK_STATUS_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; other = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local o, x = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); x = x + t:get("other") end
  io.write(string.format("status: %d 2xx, %d other\\n", o, x))
end
"""


check = net.check  # one PASS/FAIL counter per process, shared with the plumbing


def board_budget(preset, key):
    with open(os.path.join(TOP, "build", preset, "board.json")) as f:
        return int(json.load(f)[key])


def wait_ready(hub):
    """Waits for the certificate and the HTTPS listener; returns the PEM or None."""
    if not hub.wait_for(r"tls: device certificate SHA-256 fingerprint", UP_TIMEOUT):
        return None
    if not hub.wait_for(r"-----END CERTIFICATE-----", 5) or not hub.wait_for(r"web: HTTPS on port 443", 10):
        return None
    with hub.cond:
        return net.certificate_pem(hub.lines)


def https_get(s, path="/api/health"):
    """One keep-alive request on an open TLS socket; returns the status code."""
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: hearth.local\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        more = s.recv(4096)
        if not more:
            raise ConnectionError("closed before the response head")
        buf += more
    head, _, body = buf.partition(b"\r\n\r\n")
    length = re.search(rb"\r\nContent-Length: (\d+)", head, re.I)
    want = int(length.group(1)) if length else 0
    while len(body) < want:
        more = s.recv(4096)
        if not more:
            raise ConnectionError("closed inside the body")
        body += more
    return int(head.split(b" ", 2)[1])


def tls_connect(ctx, timeout=10):
    raw = socket.create_connection((HUB_IP, 443), timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname="hearth.local")
    except BaseException:
        raw.close()
        raise


def check_budget(ca, budget):
    """Opens budget HTTPS connections one after another, each answering a request, then asks every one
    again (keep-alive); one more connection must be refused. Then waits until the slots are free."""
    ctx = ssl.create_default_context(cafile=ca)
    held, statuses, detail = [], [], ""
    start = time.monotonic()
    try:
        try:
            for _ in range(budget):
                s = tls_connect(ctx)
                held.append(s)
                statuses.append(https_get(s))
            for s in held:
                statuses.append(https_get(s))
        except (OSError, ssl.SSLError) as e:
            detail = f"after {len(held)} connections: {e!r}"
        ok = len(held) == budget and statuses == [200] * (2 * budget)
        check(f"{budget} concurrent HTTPS keep-alive connections (the board's TLS budget) each answer twice",
              ok, detail or f"{time.monotonic() - start:.1f} s" if ok else detail or f"statuses {set(statuses)}")
        refused = False
        try:
            with tls_connect(ctx, timeout=5) as extra:
                https_get(extra)
        except (OSError, ssl.SSLError):
            refused = True
        check(f"connection {budget + 1} is refused while the budget is in use", refused)
    finally:
        for s in held:
            s.close()
    ok = False
    for _ in range(40):  # the slots free as the FINs arrive
        try:
            with tls_connect(ctx, timeout=5) as s:
                ok = https_get(s) == 200
            break
        except (OSError, ssl.SSLError):
            time.sleep(0.25)
    check("after those connections close, HTTPS serves again", ok)


def check_port_reuse():
    """Hearth closes first (Connection: close on port 80), so it holds that connection in TIME_WAIT; a new
    connection from the same client port must still get through. lwIP alone would answer its SYN with an
    ACK for two minutes (netstack/sys_arch.c), and Linux does reuse ports that soon under load."""
    def exchange(port):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((HOST_IP, port))
            s.settimeout(10)
            s.connect((HUB_IP, 80))
            s.sendall(b"GET / HTTP/1.1\r\nHost: hearth.local\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                more = s.recv(4096)
                if not more:
                    break
                data += more
            return s.getsockname()[1], data.split(b"\r\n", 1)[0].decode(errors="replace")
    try:
        port, first = exchange(0)
        time.sleep(0.5)  # our FIN is acknowledged: the port is free here, in TIME_WAIT there
        start = time.monotonic()
        _, second = exchange(port)
        ok, detail = second.startswith("HTTP/1.1 301"), f"{second}, reconnected in {time.monotonic() - start:.1f} s"
    except OSError as e:
        ok, detail = False, repr(e)
    check("a client reusing its port while Hearth holds the old connection in TIME_WAIT connects", ok, detail)


def check_crl(ca, tmp):
    """GET /crl.der on port 80 (the certificate's CRL Distribution Point, hearth.local resolved to the hub):
    a DER CRL signed by the device key, valid now, that OpenSSL uses to check the certificate."""
    crl_der, crl_pem = os.path.join(tmp, "crl.der"), os.path.join(tmp, "crl.pem")
    p = subprocess.run(["curl", "-s", "--max-time", "20", "--resolve", f"hearth.local:80:{HUB_IP}", "-o", crl_der,
                        "-w", "%{http_code} %{content_type}", "http://hearth.local/crl.der"],
                       capture_output=True, text=True, timeout=60)
    if not check("GET http://hearth.local/crl.der (port 80): 200 application/pkix-crl",
                 p.returncode == 0 and p.stdout == "200 application/pkix-crl", f"curl {p.returncode}: {p.stdout}"):
        return
    v = net.sh("openssl", "crl", "-inform", "DER", "-in", crl_der, "-CAfile", ca, "-verify", "-noout", "-text")
    ok = v.returncode == 0 and "verify OK" in v.stdout and "No Revoked Certificates" in v.stdout
    check("openssl crl -verify: an empty CRL signed by the device key", ok, "" if ok else v.stdout[-600:])
    net.sh("openssl", "crl", "-inform", "DER", "-in", crl_der, "-out", crl_pem)
    v = net.sh("openssl", "verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl_pem, ca)
    check("openssl verify -crl_check: the certificate is not revoked and the CRL is current",
          v.returncode == 0 and ": OK" in v.stdout, v.stdout.strip())


def run_wrk(tmp):
    script = os.path.join(tmp, "status.lua")
    with open(script, "w") as f:
        f.write(WRK_STATUS_LUA)
    cmd = ["wrk", "-t", str(WRK_THREADS), "-c", str(WRK_CONNECTIONS), "-d", f"{WRK_SECONDS}s",
           "--timeout", f"{WRK_TIMEOUT_S}s", "--latency", "-s", script, f"https://{HUB_IP}/api/health"]
    print(f"--- {' '.join(cmd)}", flush=True)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=WRK_SECONDS + WRK_TIMEOUT_S + 30)
    except subprocess.TimeoutExpired:
        check("wrk finishes", False, "wrk did not exit")
        return
    print(p.stdout.rstrip(), flush=True)
    if not check("wrk ran", p.returncode == 0 and "requests in" in p.stdout, f"exit {p.returncode}"):
        return
    out = p.stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = tuple(int(x) for x in errors.groups()) if errors else (0, 0, 0, 0)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non2xx = int(non2xx.group(1)) if non2xx else 0
    status = re.search(r"status: (\d+) 2xx, (\d+) other", out)
    rate = re.search(r"Requests/sec:\s+(\S+)", out)
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    info = (f"{requests} requests, {rate.group(1) if rate else '?'} req/s, latency avg "
            f"{latency.group(1) if latency else '?'} max {latency.group(3) if latency else '?'}")
    check(f"wrk -c {WRK_CONNECTIONS} -t {WRK_THREADS} -d {WRK_SECONDS}s: requests were answered", requests > 0,
          info)
    check("wrk: no socket errors (connect, read, write, timeout)", errors == (0, 0, 0, 0),
          "connect %d, read %d, write %d, timeout %d" % errors)
    check("wrk: every answer was 2xx", non2xx == 0 and status is not None and int(status.group(2)) == 0
          and int(status.group(1)) == requests,
          status.group(0) if status else f"non-2xx/3xx {non2xx}, no status line from the Lua script")


def run_testssl(ca, tmp):
    report = os.path.join(tmp, "testssl.json")
    cmd = ["timeout", str(TESTSSL_TIMEOUT_S), "testssl", "--fast", "--quiet", "--color", "0", "--warnings", "off",
           "--nodns", "none", "--connect-timeout", "10", "--add-ca", ca,
           "--jsonfile", report, f"{HUB_IP}:443"]
    print(f"--- {' '.join(cmd)}", flush=True)
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    took = time.monotonic() - start
    with open(os.path.join(ARTIFACTS, "hosted-https-testssl.log"), "w") as f:
        f.write(p.stdout)
    try:
        with open(report) as f:
            findings = json.load(f)
    except (OSError, ValueError) as e:
        check("testssl.sh ran and wrote its JSON report", False,
              f"exit {p.returncode} after {took:.0f} s: {e!r}\n{p.stdout[-1500:]}")
        return
    if os.path.exists(report):
        shutil.copy(report, os.path.join(ARTIFACTS, "hosted-https-testssl.json"))
    if not check("testssl.sh ran and wrote its JSON report", p.returncode != 124 and len(findings) > 20,
                 f"{len(findings)} findings in {took:.0f} s, exit {p.returncode}"):
        return
    by_id = {f.get("id"): f for f in findings}
    counts = {}
    for f in findings:
        counts[f.get("severity")] = counts.get(f.get("severity"), 0) + 1
    print("testssl.sh: findings by severity: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
          flush=True)
    for f in findings:
        if f.get("severity") in ("LOW", "MEDIUM", "HIGH", "CRITICAL", "WARN"):
            print(f"testssl.sh: {f.get('severity')} {f.get('id')}: {f.get('finding')}", flush=True)
    serious = [f for f in findings if f.get("severity") in ("HIGH", "CRITICAL")]
    check("testssl.sh: no HIGH or CRITICAL finding", not serious,
          "; ".join(f"{f['severity']} {f['id']}: {f.get('finding')}" for f in serious))
    for key in ("cert_validityPeriod", "cert_crlDistributionPoints", "cert_revocation"):
        if key in by_id:
            print(f"testssl.sh: {key}: {by_id[key].get('severity')} {by_id[key].get('finding')}", flush=True)
    crl = by_id.get("cert_crlDistributionPoints", {}).get("finding", "")
    check("testssl.sh: sees the CRL distribution point", crl == "http://hearth.local/crl.der", crl)
    trust = by_id.get("cert_chain_of_trust", {})
    check("testssl.sh: the certificate verifies against the printed device certificate",
          trust.get("severity") == "OK", trust.get("finding", "no cert_chain_of_trust finding"))
    protocols = {k: by_id.get(k, {}).get("finding", "?") for k in ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2",
                                                                   "TLS1_3")}
    only_12_13 = all(protocols[k] == "not offered" for k in ("SSLv2", "SSLv3", "TLS1", "TLS1_1")) and all(
        protocols[k].startswith("offered") for k in ("TLS1_2", "TLS1_3"))
    check("testssl.sh: TLS 1.2 and 1.3 offered, nothing older", only_12_13,
          ", ".join(f"{k} {v}" for k, v in protocols.items()))
    hsts = by_id.get("HSTS_time", {})
    check("testssl.sh: HSTS header present", hsts.get("severity") == "OK", hsts.get("finding", "no HSTS finding"))


def stop_cleanly(hub):
    """SIGTERM, then the process must exit 0 by itself, with no sanitizer report in its output."""
    hub.proc.send_signal(signal.SIGTERM)
    try:
        rc = hub.proc.wait(60)
    except subprocess.TimeoutExpired:
        rc = None
    with hub.cond:  # the reader thread may still be taking the last lines (LeakSanitizer's report)
        deadline = time.monotonic() + 10
        while not hub.eof and time.monotonic() < deadline:
            hub.cond.wait(0.2)
    check("SIGTERM: hearth exits by itself with status 0", rc == 0,
          f"exit {rc}" if rc is not None else "still running after 60 s" + hub.tail())
    clean = hub.wait_for(r"shutdown: clean power-off", 1) is not None
    check("SIGTERM: the clean power-off line", clean, "" if clean else hub.tail())
    with hub.cond:
        reports = [x for x in hub.lines if any(m in x for m in SANITIZER_MARKERS)]
    check("no AddressSanitizer, UBSan or LeakSanitizer report in hearth's output", not reports,
          hub.tail(60) if reports else "")


def run(binary, tmp, budget, with_testssl):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(DISK_BYTES)
    ca = os.path.join(tmp, "device.pem")
    args = [f"ip={HUB_IP}/{PREFIX}", f"gw={HOST_IP}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    hub = net.Hearth(binary, args, os.path.join(ARTIFACTS, "hosted-https-load.console.log"))
    try:
        pem = wait_ready(hub)
        if not check("boot: device certificate printed, HTTPS listening", pem, "" if pem else hub.tail()):
            return
        with open(ca, "w") as f:
            f.write(pem)
        check_port_reuse()
        check_crl(ca, tmp)
        check_budget(ca, budget)
        run_wrk(tmp)
        if with_testssl:
            run_testssl(ca, tmp)
        alive = hub.proc.poll() is None
        try:
            with tls_connect(ssl.create_default_context(cafile=ca)) as s:
                status = https_get(s)
        except (OSError, ssl.SSLError) as e:
            status = repr(e)
        check("after the load, hearth is running and answers /api/health", alive and status == 200, str(status))
        stop_cleanly(hub)
    finally:
        hub.stop()


def main():
    global ARTIFACTS
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="hosted-asan", help="build/<preset>/hearth to test")
    ap.add_argument("--no-testssl", action="store_true", help="skip the testssl.sh scan (the slow part)")
    args = ap.parse_args()
    binary = os.path.join(TOP, "build", args.preset, "hearth")
    ARTIFACTS = os.path.join(TOP, "build", "test-artifacts")
    os.makedirs(ARTIFACTS, exist_ok=True)
    # Leaks are reported when the process exits, which SIGTERM now makes it do; the rest are defaults
    # spelled out so a caller's environment cannot turn them off.
    os.environ["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:halt_on_error=1"
    os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    tools = ["ip", "wrk", "curl", "openssl"] + ([] if args.no_testssl else ["testssl"])
    if net.hosted_ready(binary, tools):
        budget = board_budget(args.preset, "tls_max_conns")
        check("the board's TLS budget allows 256 concurrent HTTPS connections", budget >= 256, f"{budget}")
        start = time.monotonic()
        net.in_netns("HTTPS load scenario", "hearth-https-",
                     lambda tmp: run(binary, tmp, budget, not args.no_testssl))
        print(f"test_https_load_hosted: {time.monotonic() - start:.0f} s", flush=True)
    return net.summary()

if __name__ == "__main__":
    sys.exit(main())
