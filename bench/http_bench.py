#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmark: the hosted Hearth web server against nginx on the same machine, in the same run.

Both run in one private network namespace (Hearth on its TAP at 10.77.0.2, nginx on the TAP's host
side at 10.77.0.1), each with one worker (Hearth is one cooperative thread; nginx gets
`worker_processes 1`), each with an ECDSA P-256 certificate (Hearth's own device identity; nginx a fresh
self-signed P-256 one: Hearth's key never leaves its disk). Both answer GET /api/health with the same
JSON body over HTTPS and 301 over plain HTTP. Figures:

  - HTTPS and HTTP keep-alive requests/s: wrk, 2 threads, 50 connections, 10 s;
  - TLS 1.3 full handshakes/s: `openssl s_time -new -tls1_3` for 10 s (handshakes over wall time);
  - instructions per HTTPS keep-alive request: valgrind --tool=callgrind, counters zeroed after the
    handshake and a warm-up, then 200 requests on that connection. Hearth's count includes its own
    TCP/IP stack (lwIP); nginx's TCP/IP runs in the Linux kernel, which callgrind does not see, so this
    ratio favours nginx.

Prints each figure for both and the ratio Hearth/nginx (higher is better for rates, lower for
instructions), and writes bench/results/http-<UTC time>.json; the callgrind profiles stay in
build/bench/callgrind/ for callgrind_annotate. Timings are never test assertions.
Needs root, wrk, nginx-light, openssl and valgrind (./hearth setup)."""
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "system"))
import test_net_hosted as net  # noqa: E402  (namespace, TAP and console plumbing)
sys.path.insert(0, HERE)
import bench_results  # noqa: E402

HUB_IP, HOST_IP = net.HUB_IP, net.HOST_IP
NGINX_HTTPS, NGINX_HTTP = 8443, 8080
QUICK = os.environ.get("HEARTH_BENCH_QUICK") == "1"   # ./hearth bench --quick: shorter runs
WRK_SECONDS, WRK_CONNECTIONS = (5 if QUICK else 10), 50
HANDSHAKE_SECONDS = 5 if QUICK else 10
CALLGRIND_REQUESTS = 200

results = {}


def sh(*cmd, timeout=120):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def hearth_args(disk):
    return [f"ip={HUB_IP}/{net.PREFIX}", f"gw={HOST_IP}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]


def start_hearth(cmd_prefix, disk, log):
    hub = net.Hearth(cmd_prefix[0], cmd_prefix[1:] + hearth_args(disk), log)
    if not hub.wait_for(r"web: HTTPS on port 443", 120):
        raise RuntimeError("Hearth did not start:" + hub.tail())
    with hub.cond:
        pem = net.certificate_pem(hub.lines)
    return hub, pem


def health_body(ca):
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection((HUB_IP, 443), timeout=10) as raw, \
            ctx.wrap_socket(raw, server_hostname="hearth.local") as s:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: hearth.local\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data.partition(b"\r\n\r\n")[2].decode()


def start_nginx(tmp, body):
    key, crt = os.path.join(tmp, "nginx.key"), os.path.join(tmp, "nginx.crt")
    r = sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", key, "-out", crt, "-days", "30", "-subj", "/CN=hearth.local")
    if r.returncode:
        raise RuntimeError(r.stderr)
    conf = os.path.join(tmp, "nginx.conf")
    escaped = body.strip().replace("\\", "\\\\").replace("'", "\\'")
    with open(conf, "w") as f:
        f.write(f"""
daemon off; master_process off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err;
events {{ worker_connections 1024; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path {tmp}/b; proxy_temp_path {tmp}/p; fastcgi_temp_path {tmp}/f;
  uwsgi_temp_path {tmp}/u; scgi_temp_path {tmp}/s;
  server {{
    listen {HOST_IP}:{NGINX_HTTPS} ssl;
    ssl_certificate {crt}; ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3; ssl_ecdh_curve X25519:prime256v1; ssl_session_tickets on;
    location = /api/health {{ default_type application/json; return 200 '{escaped}\\n'; }}
  }}
  server {{ listen {HOST_IP}:{NGINX_HTTP}; return 301 https://hearth.local$request_uri; }}
}}
""")
    return crt, conf


def run_nginx(conf, prefix=()):
    p = subprocess.Popen(list(prefix) + ["nginx", "-c", conf, "-e", "/dev/stderr"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST_IP, NGINX_HTTPS), timeout=1).close()
            return p
        except OSError:
            if p.poll() is not None:
                raise RuntimeError("nginx exited: " + p.stderr.read().decode())
            time.sleep(0.2)
    raise RuntimeError("nginx did not listen")


def stop(p):
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wrk(url, seconds=WRK_SECONDS, connections=WRK_CONNECTIONS):
    """Requests/s of wrk (2 threads) against url, or None."""
    r = sh("wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", url,
           timeout=seconds + 60)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    errors = re.search(r"Socket errors: (.*)", r.stdout)
    if errors:
        print(f"    wrk {url}: socket errors {errors.group(1)}", flush=True)
    return float(rate.group(1)) if rate else None


def handshakes(host, port, seconds=HANDSHAKE_SECONDS):
    """TLS 1.3 full handshakes/s of openssl s_time -new, or None. The rate is the handshakes over the
    wall time of the run: s_time's own "connections/user sec" divides by the client's CPU time, and
    its "real seconds" are whole seconds."""
    start = time.monotonic()
    r = sh("openssl", "s_time", "-connect", f"{host}:{port}", "-new", "-tls1_3", "-time", str(seconds),
           timeout=seconds + 60)
    wall = time.monotonic() - start
    m = re.search(r"(\d+) connections in \d+ real seconds", r.stdout)
    return int(m.group(1)) / wall if m and int(m.group(1)) > 0 else None


class KeepAlive:
    """One HTTPS connection sending GET /api/health requests one after another."""

    def __init__(self, host, port, ca):
        ctx = ssl.create_default_context(cafile=ca)
        ctx.check_hostname = False
        self.sock = ctx.wrap_socket(socket.create_connection((host, port), timeout=30),
                                    server_hostname="hearth.local")

    def requests(self, n):
        for _ in range(n):
            self.sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: hearth.local\r\n\r\n")
            buf = b""
            while b"\r\n\r\n" not in buf:
                buf += self.sock.recv(4096)
            head, _, body = buf.partition(b"\r\n\r\n")
            want = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
            while len(body) < want:
                body += self.sock.recv(4096)

    def close(self):
        self.sock.close()


def callgrind_ir(pid, out_file, host, port, ca):
    """Instructions per request on an established connection: the handshake and a warm-up happen
    before the counters are zeroed, then the requests, then a dump."""
    conn = KeepAlive(host, port, ca)
    try:
        conn.requests(5)
        if sh("callgrind_control", "-z", str(pid)).returncode:
            return None
        conn.requests(CALLGRIND_REQUESTS)
        sh("callgrind_control", "-d", str(pid))
    finally:
        conn.close()
    time.sleep(1)
    total = 0
    folder = os.path.dirname(out_file)
    for name in os.listdir(folder):
        if name.startswith(os.path.basename(out_file)):
            with open(os.path.join(folder, name)) as f:
                text = f.read()
            m = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if m and re.search(r"^part: *[1-9]", text, re.M):  # the dump after zeroing, not the final one
                total = max(total, int(m.group(1)))
    return total / CALLGRIND_REQUESTS if total else None


def record(name, hearth, nginx, higher_is_better=True, unit=""):
    results[name] = bench_results.entry(hearth, nginx, "nginx", unit, higher_is_better)
    bench_results.show(name, results[name])


def scenario(tmp):
    binary = os.path.join(TOP, "build", "hosted", "hearth")
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    hub, pem = start_hearth([binary], disk, os.path.join(tmp, "hearth.log"))
    ca = os.path.join(tmp, "device.pem")
    with open(ca, "w") as f:
        f.write(pem)
    nginx = None
    try:
        body = health_body(ca)
        crt, conf = start_nginx(tmp, body)
        nginx = run_nginx(conf)
        record("hosted: HTTPS keep-alive requests/s (wrk)", wrk(f"https://{HUB_IP}/api/health"),
               wrk(f"https://{HOST_IP}:{NGINX_HTTPS}/api/health"), unit="req/s")
        record("hosted: HTTP keep-alive requests/s (301, wrk)", wrk(f"http://{HUB_IP}/api/health"),
               wrk(f"http://{HOST_IP}:{NGINX_HTTP}/api/health"), unit="req/s")
        record("hosted: TLS 1.3 full handshakes/s (openssl s_time)", handshakes(HUB_IP, 443),
               handshakes(HOST_IP, NGINX_HTTPS), unit="handshakes/s")
    finally:
        stop(nginx)
        hub.stop()
    if not shutil.which("valgrind"):
        return
    # Kept in build/bench/callgrind for callgrind_annotate (the newest run replaces the last).
    cg_dir = os.path.join(TOP, "build", "bench", "callgrind")
    shutil.rmtree(cg_dir, ignore_errors=True)
    os.makedirs(cg_dir)
    cg_h, cg_n = os.path.join(cg_dir, "hearth.out"), os.path.join(cg_dir, "nginx.out")
    hub, _ = start_hearth(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg_h}", binary], disk,
                          os.path.join(tmp, "hearth-cg.log"))
    try:
        ir_h = callgrind_ir(hub.proc.pid, cg_h, HUB_IP, 443, ca)
    finally:
        hub.stop()
    nginx = run_nginx(conf, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg_n}"])
    try:
        ir_n = callgrind_ir(nginx.pid, cg_n, HOST_IP, NGINX_HTTPS, crt)
    finally:
        stop(nginx)
    record("hosted: instructions per HTTPS request (callgrind)", ir_h, ir_n, higher_is_better=False,
           unit="instructions")


def main():
    if os.geteuid() != 0:
        sys.exit("http_bench: needs root (network namespace)")
    for tool in ("wrk", "nginx", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"http_bench: {tool} is missing: run ./hearth setup")
    r = bench_results.build_preset("hosted")
    if r.returncode:
        sys.exit("http_bench: build failed\n" + (r.stdout + r.stderr)[-2000:])
    print(f"http_bench: hosted Hearth vs nginx {sh('nginx', '-v').stderr.strip().split('/')[-1]}, "
          f"one worker each, same namespace", flush=True)
    net.in_netns("the web servers", "hearth-bench-", scenario)
    if net.failed:
        sys.exit("http_bench: the setup failed (see above)")
    out = bench_results.write("http", results, {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS,
                                                "handshake_seconds": HANDSHAKE_SECONDS})
    print(f"http_bench: results in {os.path.relpath(out, TOP)}", flush=True)


if __name__ == "__main__":
    main()
