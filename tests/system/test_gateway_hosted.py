#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: the privacy gateway and the audit log on the hosted build, with a real third party.

In a private network namespace (test_net_hosted.py's plumbing) with a disk file: readings of three
series are published with mosquitto_pub, time-stamped over the past hours; a policy PUT over HTTPS allows
hourly means of one of them to a local HTTPS receiver started here (its own test CA, the only CA the
policy trusts for it). The receiver must get exactly the hourly means of that series and nothing of the
others. Then the receiver answers 503 while a new policy version allows a second series, the gateway
retries, the recipient is revoked, and nothing at all arrives any more. /api/audit/verify must say ok and
tools/audit_verify.py must agree on the image; then one byte of an audit record is flipped on the disk,
and separately a record is rewritten with a valid store CRC: both the hub's verifier (after a restart)
and tools/audit_verify.py must report it. Needs root and the hub's outbound HTTPS client (the receiver
checks fail until services/http_client.h is wired to the gateway). Prints PASS/FAIL per check and a
closing `N passed, M failed`."""
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import test_net_hosted as net  # noqa: E402
import audit_verify  # noqa: E402

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
RECEIVER_PORT = 8443
RECEIVER_TOKEN = "coop-api-token.2026~test"  # the API token the recipient issued to this hub
HOURS = 4


def check(name, ok, detail=""):
    return net.check(f"gateway: {name}", ok, detail)


class Receiver:
    """The third party: an HTTPS server on the TAP's host side recording every request it gets."""

    def __init__(self, cert, key):
        self.requests = []
        self.authorizations = []  # the Authorization header of every request
        self.status = 200
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.requests.append((self.path, body))
                    outer.authorizations.append(self.headers.get("Authorization"))
                    status = outer.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((GW, RECEIVER_PORT), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def count(self):
        with self.lock:
            return len(self.requests)

    def payloads(self):
        with self.lock:
            out = []
            for path, body in self.requests:
                try:
                    out.append((path, json.loads(body)))
                except ValueError:
                    out.append((path, {"unparsable": body[:100].decode("latin-1")}))
            return out

    def wait(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.2)
        return pred()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def make_ca(tmp):
    """A test CA and a server certificate for the receiver's address, signed by it."""
    ca_key, ca, key, csr, cert = (os.path.join(tmp, n) for n in ("ca.key", "ca.pem", "rx.key", "rx.csr", "rx.pem"))
    ext = os.path.join(tmp, "ext.cnf")
    with open(ext, "w") as f:
        f.write(f"subjectAltName=IP:{GW},DNS:receiver.test\nbasicConstraints=CA:FALSE\n")
    steps = [
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
         ca_key, "-out", ca, "-days", "2", "-subj", "/CN=hearth gateway test CA"],
        ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
         csr, "-subj", "/CN=receiver.test"],
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
         "-days", "2", "-extfile", ext],
    ]
    for cmd in steps:
        p = net.sh(*cmd)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:3])}: {p.stdout.strip()}")
    return ca, cert, key


def boot(binary, disk, artifacts, name):
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    return net.Hearth(binary, args, os.path.join(artifacts, f"hosted-gateway-{name}.console.log"))


# The owner's session (net.owner_session: pairs on the first boot); each boot logs in again.
SESSION = {"cookie": None, "csrf": None}


def login(hub, device_ca):
    SESSION["cookie"], SESSION["csrf"] = net.owner_session(hub, device_ca)
    return SESSION["cookie"] is not None


def curl(device_ca, method, path, body=None, ctype="text/plain"):
    """(status, parsed JSON or text) of an HTTPS request to the hub, as the logged-in owner."""
    cmd = ["curl", "-s", "--max-time", "20", "--cacert", device_ca, "--resolve", f"hearth.local:443:{HUB}", "-X",
           method, "-w", "\n%{http_code}", f"https://hearth.local{path}"]
    if SESSION["cookie"]:
        cmd += ["-H", f"Cookie: hearth_session={SESSION['cookie']}", "-H", f"X-CSRF-Token: {SESSION['csrf']}"]
    if body is not None:
        cmd += ["-H", f"Content-Type: {ctype}", "--data-binary", "@-"]
    r = subprocess.run(cmd, input=body, capture_output=True, text=True, timeout=30)
    text, _, code = r.stdout.rpartition("\n")
    try:
        return int(code), json.loads(text)
    except ValueError:
        return (int(code) if code.isdigit() else 0), text


def publish(series, t, value):
    msg = json.dumps({"value": value, "ts": t})
    r = subprocess.run(["mosquitto_pub", "-h", HUB, "-p", "1883", "-q", "1", "-t", f"hearth/{series}", "-m", msg],
                       capture_output=True, text=True, timeout=20)
    return r.returncode == 0


def wait_up(hub, ca):
    up = hub.wait_for(r"web: HTTPS on port 443", 30) and hub.wait_for(r"mqtt: listening on 1883", 5)
    pem = net.write_certificate(hub, ca, 10)
    return bool(up and pem and login(hub, ca))


def policy_text(ca_pem, extra=""):
    ca_lines = "".join(f"  {line}\n" for line in ca_pem.strip().splitlines())
    return (f"# written by tests/system/test_gateway_hosted.py\n"
            f"recipient coop\n"
            f"  endpoint https://{GW}:{RECEIVER_PORT}/ingest\n"
            f"  ca\n{ca_lines}"
            f"  token {RECEIVER_TOKEN}\n"
            f"  allow pot1/moisture granularity 1h every 10s purpose \"watering research\"\n{extra}")


def scenario_live(binary, artifacts, tmp, disk, device_ca, rx, ca_pem):
    """First boot: readings, policy, pushes, retries, revocation, the verifier over HTTPS."""
    hub = boot(binary, disk, artifacts, "boot1")
    try:
        if not check("hub up (HTTPS and MQTT)", wait_up(hub, device_ca), hub.tail()):
            return False
        # Many readings at once would trip the sensors' default rate limit (20 at once, then 1/s): the
        # owner raises it, as for any sensor that uploads its history in one go.
        for sensor in ("pot1", "fridge"):
            code, body = curl(device_ca, "PUT", f"/api/sensors/{sensor}", '{"burst": 200}', "application/json")
            check(f"the owner raises {sensor}'s rate limit", code in (200, 201), f"{code} {body}")
        # Readings over the past hours, all before the current hour: complete hours only.
        hour = int(time.time()) // 3600 * 3600
        expect, published = {}, True
        for h in range(HOURS, 0, -1):
            start = hour - h * 3600
            vals = [20.0 + h, 22.5 + h, 30.25 + h]
            for i, v in enumerate(vals):
                published &= publish("pot1/moisture", start + 600 * (i + 1), v)
                published &= publish("pot1/temperature", start + 600 * (i + 1), 18.0 + i)
                published &= publish("fridge/gas", start + 600 * (i + 1), 390.0 + 20 * i)
            expect[start] = sum(vals) / len(vals)
        check("readings of three series published over the past hours (QoS 1)", published)

        code, body = curl(device_ca, "PUT", "/api/policy", "recipient coop\n  endpoint http://x/\n  allow pot1\n")
        errs = body.get("errors", []) if isinstance(body, dict) else []
        check("an invalid policy is refused with 422 and line/field errors",
              code == 422 and any(e.get("line") == 2 and e.get("field") == "endpoint" for e in errs)
              and any(e.get("line") == 3 and e.get("field") == "allow" for e in errs), f"{code} {body}")
        code, body = curl(device_ca, "PUT", "/api/policy", policy_text(ca_pem))
        check("the policy is accepted as version 1", code == 200 and isinstance(body, dict) and
              body.get("version") == 1, f"{code} {body}")
        code, text = curl(device_ca, "GET", "/api/policy")
        check("GET /api/policy returns the text as saved", code == 200 and "watering research" in str(text),
              f"{code}")

        got = rx.wait(lambda: any(p.get("quantity") == "moisture" for _, p in rx.payloads()), 40)
        payloads = rx.payloads()
        moisture = [p for _, p in payloads if p.get("sensor") == "pot1" and p.get("quantity") == "moisture"]
        points = {pt.get("t"): pt.get("mean") for p in moisture for pt in p.get("points", [])}
        means_ok = got and set(points) == set(expect) and all(abs(points[t] - expect[t]) < 1e-6 for t in expect)
        check("the receiver got exactly the hourly means of pot1/moisture", means_ok,
              f"got {points}, want {expect}")
        check("every point is {t, mean} and every payload says 1h and the purpose",
              moisture and all(set(pt) == {"t", "mean"} for p in moisture for pt in p.get("points", [])) and
              all(p.get("granularity") == "1h" and p.get("purpose") == "watering research" for p in moisture),
              json.dumps(moisture)[:300])
        others = [p for _, p in payloads if (p.get("sensor"), p.get("quantity")) != ("pot1", "moisture")]
        check("nothing of a series the policy does not allow (fridge/gas, pot1/temperature)", not others,
              json.dumps(others)[:300])
        check("pushes go to the endpoint's path", all(path == "/ingest" for path, _ in rx.requests))
        code, trace = curl(device_ca, "GET", "/api/trace")
        decisions = [e for e in (trace.get("traceEvents", []) if isinstance(trace, dict) else [])
                     if e.get("name") == "policy_decision"]
        check("the trace ring records the gateway's allow decisions (GET /api/trace)",
              code == 200 and any(e.get("args", {}).get("decision") == 1 for e in decisions),
              f"{code} {decisions[:3]}")
        check("every push carries the recipient's API token (Authorization: Bearer)",
              rx.authorizations and all(a == f"Bearer {RECEIVER_TOKEN}" for a in rx.authorizations),
              str(set(rx.authorizations)))

        # A second series allowed while the receiver fails: the gateway retries with backoff.
        with rx.lock:
            rx.status = 503
        before = rx.count()
        extra = "  allow pot1/temperature granularity 1h every 10s purpose \"frost warning\"\n"
        code, body = curl(device_ca, "PUT", "/api/policy", policy_text(ca_pem, extra))
        check("version 2 allows pot1/temperature too", code == 200 and body.get("version") == 2, f"{code} {body}")
        retried = rx.wait(lambda: sum(p.get("quantity") == "temperature" for _, p in rx.payloads()[before:]) >= 2,
                          40)
        check("a push answered 503 is retried", retried, f"{rx.count() - before} requests since version 2")
        code, body = curl(device_ca, "POST", "/api/recipients/revoke?recipient=coop")
        check("the recipient is revoked (version 3)", code == 200 and body.get("version") == 3, f"{code} {body}")
        revoked_at = rx.count()
        with rx.lock:
            rx.status = 200
        publish("pot1/moisture", hour - 1800, 99.0)  # late data the gateway would otherwise consider
        time.sleep(40)  # well past three backoff rounds and four 10 s cadences
        check("nothing at all arrives after revocation", rx.count() == revoked_at,
              f"{rx.count() - revoked_at} request(s) after revocation")
        code, body = curl(device_ca, "GET", "/api/recipients")
        rec = (body.get("recipients") or [{}])[0] if isinstance(body, dict) else {}
        check("GET /api/recipients shows coop revoked", code == 200 and rec.get("name") == "coop" and
              rec.get("revoked") is True, f"{code} {body}")

        code, body = curl(device_ca, "GET", "/api/audit/verify")
        check("GET /api/audit/verify: the chain is intact", code == 200 and body.get("ok") is True and
              body.get("entries", 0) >= 3, f"{code} {body}")
        code, audit = curl(device_ca, "GET", "/api/audit?from=1&limit=200")
        kinds = [e.get("kind") for e in audit.get("entries", [])] if isinstance(audit, dict) else []
        transfers = [e for e in audit.get("entries", []) if e.get("kind") == "transfer"] if kinds else []
        check("the audit log has the policy changes, the revocation and every transfer attempt",
              kinds.count("policy-change") == 2 and kinds.count("recipient-change") == 1 and
              len(transfers) == revoked_at, f"{kinds}, receiver saw {revoked_at}")
        check("no audit entry names a series the policy did not allow",
              all(e.get("sensors") in ("pot1/moisture", "pot1/temperature") for e in transfers))
        code, summary = curl(device_ca, "GET", "/api/audit/summary")
        coop = next((r for r in summary.get("recipients", []) if r.get("recipient") == "coop"), {}) \
            if isinstance(summary, dict) else {}
        check("the summary of what left the home lists coop's bytes, sensors and granularities",
              coop.get("bytes", 0) > 0 and coop.get("transfers", 0) >= 1 and "pot1/moisture" in coop.get("sensors", [])
              and coop.get("granularities") == ["1h"], f"{summary}")
        code, page = curl(device_ca, "GET", "/")
        check("the dashboard (with its What left my home page) is served", code == 200 and
              "What left my home" in str(page), f"{code}")
        check("no sanitizer report", *net.sanitizer_verdict(hub))
        return True
    finally:
        hub.stop()  # SIGTERM: a clean power-off, the store checkpointed


def tool(disk):
    r = subprocess.run([sys.executable, os.path.join(TOP, "tools", "audit_verify.py"), disk], capture_output=True,
                       text=True, timeout=120)
    return r.returncode, (r.stdout + r.stderr).strip()


def hub_verdict(binary, disk, artifacts, name, device_ca):
    hub = boot(binary, disk, artifacts, name)
    try:
        if not hub.wait_for(r"web: HTTPS on port 443", 30) or not login(hub, device_ca):
            return None, hub.tail()
        return curl(device_ca, "GET", "/api/audit/verify")
    finally:
        hub.stop()


def scenario_tamper(binary, artifacts, tmp, disk, device_ca):
    """Offline: the image verifies, then two kinds of tampering, each caught by both verifiers."""
    rc, out = tool(disk)
    check("tools/audit_verify.py verifies the untouched image", rc == 0, out)
    pristine = os.path.join(tmp, "pristine.img")
    shutil.copyfile(disk, pristine)
    with open(disk, "rb") as f:
        store = audit_verify.Store(f.read())
    recs = store.audit_records()
    if not check("the audit records are found on the image", len(recs) >= 3, f"{len(recs)} records"):
        return
    victim = recs[1]

    # 1. One flipped byte inside the second entry's payload (the store CRC now fails).
    at = victim.file_offset + audit_verify.REC_HDR + victim.key_len + 20
    with open(disk, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x04]))
    rc, out = tool(disk)
    check("a flipped byte is reported by tools/audit_verify.py (exit 1)", rc == 1 and "TAMPERED" in out, out)
    code, body = hub_verdict(binary, disk, artifacts, "flipped", device_ca)
    check("a flipped byte is reported by GET /api/audit/verify after a restart",
          code == 200 and isinstance(body, dict) and body.get("ok") is False and body.get("first_bad_seq") == 2,
          f"{code} {body}")

    # 2. A field rewritten, the store CRC recomputed: only the chain can tell.
    shutil.copyfile(pristine, disk)
    payload = bytearray(victim.payload)
    line = payload.index(b"\nbytes ") + len(b"\nbytes ")
    payload[line] = ord("9") if payload[line] != ord("9") else ord("8")
    raw = bytearray(struct_record(victim, bytes(payload)))
    with open(disk, "r+b") as f:
        f.seek(victim.file_offset)
        f.write(raw)
    with open(disk, "rb") as f:
        again = audit_verify.Store(f.read())
    check("the rewritten record passes the store's CRC", not again.damaged and len(again.audit_records()) == len(recs),
          "; ".join(again.damaged))
    rc, out = tool(disk)
    check("a rewritten entry with a valid CRC is reported by tools/audit_verify.py", rc == 1 and "modified" in out,
          out)
    code, body = hub_verdict(binary, disk, artifacts, "rewritten", device_ca)
    check("a rewritten entry with a valid CRC is reported by GET /api/audit/verify",
          code == 200 and isinstance(body, dict) and body.get("ok") is False and body.get("first_bad_seq") == 2,
          f"{code} {body}")


def struct_record(rec, payload):
    """The record's bytes with a new payload of the same length and a CRC32C the store accepts."""
    import struct
    hdr = struct.pack("<HBBIB3xQQQ", len(payload), rec.key_len, rec.type, rec.epoch, rec.flags, rec.log_seq,
                      rec.seq, rec.ts)
    body = hdr + rec.key + payload
    return struct.pack("<I", audit_verify.crc32c(body)) + body


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    device_ca = os.path.join(tmp, "device.pem")
    ca, cert, key = make_ca(tmp)
    with open(ca) as f:
        ca_pem = f.read()
    rx = Receiver(cert, key)
    try:
        live = scenario_live(binary, artifacts, tmp, disk, device_ca, rx, ca_pem)
    finally:
        rx.stop()
    if live:
        scenario_tamper(binary, artifacts, tmp, disk, device_ca)


def main():
    return net.hosted_main(__doc__, "gateway scenario", "hearth-gateway-",
                           ("ip", "mosquitto_pub", "curl", "openssl"), run)


if __name__ == "__main__":
    sys.exit(main())
