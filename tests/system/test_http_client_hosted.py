#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: Hearth's outbound HTTPS client (services/http_client.c) against Python HTTPS servers.

Runs the hosted ASan + UBSan build in a private network namespace with a TAP device (plumbing from
test_net_hosted.py). A test CA signs a certificate for 10.77.0.1 and recipient.test; Python HTTPS servers
in the namespace record what they receive; a small DNS server answers recipient.test. Each boot uses the
TEST HOOK httpclient.test=<url> (off by default) to POST one fixed JSON body. Checks: with the CA pinned
the server receives exactly that body (POST, path, Content-Type, Content-Length, Host) and the hub reads
the chunked answer; the same by certificate pin; by DNS name with SNI; a wrong CA, a wrong pin and a
certificate for another name are refused with a clear console line and nothing is sent; an endpoint that
accepts TCP but never speaks TLS times out cleanly and the hub keeps running. Needs root, openssl.
Prints `PASS`/`FAIL` per check and a closing `N passed, M failed`."""
import argparse
import base64
import hashlib
import http.server
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402  (namespace, TAP and console plumbing)

TOP = net.TOP
HUB_IP, HOST_IP, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
GOOD_PORT, WRONG_NAME_PORT, SILENT_PORT = 8444, 8445, 8446
BODY = b'{"hearth":"http_client test","n":1}'  # services/http_client_hook.c
ANSWER = b"accepted"
RESULT = r"httpclient\.test: (\d{3} .*|failed: .*)"
check = net.check


def openssl(*args):
    p = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {p.stderr.strip()}")


def make_pki(tmp):
    """Two CAs and two server certificates (P-256): one for 10.77.0.1 and recipient.test, one for another
    name only. Returns a dict of paths."""
    f = {k: os.path.join(tmp, k) for k in ("ca.key", "ca.pem", "ca.der", "other.key", "other.pem", "srv.key",
                                          "srv.csr", "srv.pem", "wrong.key", "wrong.csr", "wrong.pem", "ext")}
    for ca, cn in (("ca", "Hearth test CA"), ("other", "Some other CA")):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                "-subj", f"/CN={cn}", "-keyout", f[f"{ca}.key"], "-out", f[f"{ca}.pem"],
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("x509", "-in", f["ca.pem"], "-outform", "DER", "-out", f["ca.der"])
    for name, san in (("srv", f"IP:{HOST_IP},DNS:recipient.test"), ("wrong", "DNS:wrong.example")):
        with open(f["ext"], "w") as e:
            e.write(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                f"/CN={name}", "-keyout", f[f"{name}.key"], "-out", f[f"{name}.csr"])
        openssl("x509", "-req", "-in", f[f"{name}.csr"], "-CA", f["ca.pem"], "-CAkey", f["ca.key"],
                "-CAcreateserial", "-days", "30", "-extfile", f["ext"], "-out", f[f"{name}.pem"])
    return f


def der_sha256(pem_path):
    with open(pem_path) as fh:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(fh.read())).hexdigest()


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request and answers 200 with a chunked body (the client must undo the chunking)."""
    protocol_version = "HTTP/1.1"
    seen = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        Recorder.seen.append({"port": self.server.server_address[1], "path": self.path, "body": body,
                              "headers": dict(self.headers), "sni": getattr(self.connection, "sni", None)})
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        half = len(ANSWER) // 2
        for piece in (ANSWER[:half], ANSWER[half:]):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def log_message(self, fmt, *args):
        pass


def https_server(port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    def remember_sni(sock, name, _ctx):
        sock.sni = name
    ctx.sni_callback = remember_sni
    srv = http.server.ThreadingHTTPServer((HOST_IP, port), Recorder)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def silent_server(port):
    """Accepts TCP connections and never says a word: a dead endpoint."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST_IP, port))
    s.listen(8)
    held = []

    def loop():
        while True:
            try:
                held.append(s.accept()[0])
            except OSError:
                return
    threading.Thread(target=loop, daemon=True).start()
    return s


def dns_server():
    """Answers A queries for recipient.test with HOST_IP, anything else with NXDOMAIN."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST_IP, 53))

    def loop():
        while True:
            try:
                q, addr = s.recvfrom(512)
            except OSError:
                return
            if len(q) < 12:
                continue
            i, labels = 12, []
            while i < len(q) and q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
                i += 1 + q[i]
            question = q[12:i + 5]
            name = ".".join(labels).lower()
            if name == "recipient.test":
                head = struct.pack(">HHHHHH", struct.unpack(">H", q[:2])[0], 0x8180, 1, 1, 0, 0)
                answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(HOST_IP)
            else:
                head = struct.pack(">HHHHHH", struct.unpack(">H", q[:2])[0], 0x8183, 1, 0, 0, 0)
                answer = b""
            s.sendto(head + question + answer, addr)
    threading.Thread(target=loop, daemon=True).start()
    return s


def boot(binary, tmp, name, url, extra):
    args = [f"ip={HUB_IP}/{PREFIX}", f"gw={HOST_IP}", f"dns={HOST_IP}", f"net={net.TAP}",
            f"httpclient.test={url}", *extra]
    return net.Hearth(binary, args, os.path.join(ARTIFACTS, f"hosted-httpclient-{name}.console.log"))


def attempt(binary, tmp, name, url, extra, wait=30):
    """Boots once with the hook; returns (result line or None, console lines, hub)."""
    before = len(Recorder.seen)
    hub = boot(binary, tmp, name, url, extra)
    try:
        m = hub.wait_for(RESULT, wait)
        with hub.cond:
            lines = list(hub.lines)
        alive = hub.proc.poll() is None
        sanitizer = [x for x in lines if "Sanitizer" in x or "runtime error" in x]
        return (m.group(1) if m else None), lines, Recorder.seen[before:], alive and not sanitizer, hub.tail()
    finally:
        hub.stop()


def scenarios(binary, tmp):
    f = make_pki(tmp)
    ca_b64 = base64.b64encode(open(f["ca.der"], "rb").read()).decode()
    other_der = os.path.join(tmp, "other.der")
    openssl("x509", "-in", f["other.pem"], "-outform", "DER", "-out", other_der)
    other_b64 = base64.b64encode(open(other_der, "rb").read()).decode()
    servers = [https_server(GOOD_PORT, f["srv.pem"], f["srv.key"]),
               https_server(WRONG_NAME_PORT, f["wrong.pem"], f["wrong.key"])]
    sockets = [silent_server(SILENT_PORT), dns_server()]
    good_url = f"https://{HOST_IP}:{GOOD_PORT}/ingest/x?y=1"
    try:
        # 1. Pinned CA, IP literal.
        result, lines, seen, healthy, tail = attempt(binary, tmp, "ca", good_url, [f"httpclient.test.ca={ca_b64}"])
        check("CA pinned: the POST completes and the hub reads the chunked answer",
              result == f"200 {ANSWER.decode()}", f"{result}" + ("" if result else tail))
        got = seen[0] if seen else {}
        h = got.get("headers", {})
        check("CA pinned: the server received exactly the body", got.get("body") == BODY, repr(got.get("body")))
        check("CA pinned: path, Content-Type, Content-Length and Host as sent",
              got.get("path") == "/ingest/x?y=1" and h.get("Content-Type") == "application/json" and
              h.get("Content-Length") == str(len(BODY)) and h.get("Host") == f"{HOST_IP}:{GOOD_PORT}" and
              h.get("X-Hearth-Test") == "1", repr({k: h.get(k) for k in ("Content-Type", "Content-Length", "Host")}))
        check("CA pinned: no SNI for an IP literal (RFC 6066)", got.get("sni") is None, repr(got.get("sni")))
        check("CA pinned: hub healthy (running, no sanitizer report)", healthy, "" if healthy else tail)

        # 2. Pinned certificate SHA-256.
        result, _, seen, healthy, tail = attempt(binary, tmp, "pin", good_url,
                                                 [f"httpclient.test.pin={der_sha256(f['srv.pem'])}"])
        check("certificate pin: the POST completes", result == f"200 {ANSWER.decode()}" and len(seen) == 1,
              f"{result}" + ("" if result else tail))

        # 3. DNS name: resolved by netstack's DNS client, sent as SNI, checked against the certificate.
        result, _, seen, healthy, tail = attempt(binary, tmp, "dns", f"https://recipient.test:{GOOD_PORT}/x",
                                                 [f"httpclient.test.ca={ca_b64}"])
        check("DNS name: resolved, verified and posted", result == f"200 {ANSWER.decode()}" and len(seen) == 1,
              f"{result}" + ("" if result else tail))
        check("DNS name: sent as SNI", bool(seen) and seen[0]["sni"] == "recipient.test",
              repr(seen[0]["sni"]) if seen else "nothing received")
        check("DNS name: Host header carries the name", bool(seen) and
              seen[0]["headers"].get("Host") == f"recipient.test:{GOOD_PORT}", repr(seen[0]["headers"]) if seen else "")

        # 4. Refusals: nothing may reach the server, and the console must say why.
        cases = [("wrong CA", "wrongca", good_url, [f"httpclient.test.ca={other_b64}"], r"not signed by the pinned CA"),
                 ("wrong pin", "wrongpin", good_url, [f"httpclient.test.pin={'ab' * 32}"], r"is not the pinned one"),
                 ("wrong host name", "wrongname", f"https://{HOST_IP}:{WRONG_NAME_PORT}/x",
                  [f"httpclient.test.ca={ca_b64}"], r"name mismatch"),
                 ("unknown DNS name", "nxdomain", f"https://nowhere.test:{GOOD_PORT}/x",
                  [f"httpclient.test.ca={ca_b64}"], None)]
        for label, name, url, extra, reason in cases:
            result, lines, seen, healthy, tail = attempt(binary, tmp, name, url, extra)
            want = "failed: not found" if reason is None else "failed: certificate rejected"
            check(f"{label}: refused ({want})", result == want, f"{result}" + ("" if result else tail))
            if reason:
                why = [x for x in lines if "rejected" in x and "tls:" in x]
                check(f"{label}: the console says why", any(re.search(reason, x) for x in why),
                      "; ".join(why) or tail)
            check(f"{label}: nothing reached the server", not seen, repr(seen))
            check(f"{label}: hub healthy afterwards", healthy, "" if healthy else tail)

        # 5. A dead endpoint: TCP is accepted, TLS never answers.
        result, _, seen, healthy, tail = attempt(binary, tmp, "silent", f"https://{HOST_IP}:{SILENT_PORT}/x",
                                                 [f"httpclient.test.ca={ca_b64}", "httpclient.test.timeout_ms=3000"])
        check("dead endpoint: times out cleanly", result == "failed: timed out", f"{result}" + ("" if result else tail))
        check("dead endpoint: hub healthy afterwards", healthy, "" if healthy else tail)
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
        for s in sockets:
            s.close()


def main():
    global ARTIFACTS
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="hosted-asan", help="build/<preset>/hearth to test")
    args = ap.parse_args()
    binary = os.path.join(TOP, "build", args.preset, "hearth")
    ARTIFACTS = os.path.join(TOP, "build", "test-artifacts")
    os.makedirs(ARTIFACTS, exist_ok=True)
    if net.hosted_ready(binary, ("ip", "openssl")):
        net.in_netns("HTTP client scenario", "hearth-httpc-", lambda tmp: scenarios(binary, tmp))
    return net.summary()


if __name__ == "__main__":
    sys.exit(main())
