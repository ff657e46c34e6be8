#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: whole-stack tracing on the hosted build, read back through GET /api/trace.

In a private network namespace with a TAP device (test_net_hosted.py's plumbing) and a disk file: one
`curl --cacert` HTTPS GET /api/health from a fixed client port, then GET /api/trace, parsed with
json.loads. In the Chrome trace-event document the request's connection (found by its peer port) must show
the chain frame rx -> TCP accept -> TLS handshake begin/end -> HTTP request begin/end (status 200) ->
frame tx, in that order, with TCP segments of that connection; a QoS 1 MQTT publish must be followed by
a store commit that made it durable. Needs root. Prints PASS/FAIL per check and `N passed, M failed`."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
CLIENT_PORT = 40123  # curl --local-port: how the test recognises its connection's frames


def check(name, ok, detail=""):
    return net.check(f"trace: {name}", ok, detail)


def curl(ca, path, local_port=None, cookie=None):
    cmd = ["curl", "-s", "-S", "--max-time", "20", "--cacert", ca, "--resolve", f"hearth.local:443:{HUB}",
           "-o", "-", "-w", "\n%{http_code}"]
    if cookie:
        cmd += ["-H", f"Cookie: hearth_session={cookie}"]
    if local_port:
        cmd += ["--local-port", str(local_port)]
    r = subprocess.run(cmd + [f"https://hearth.local{path}"], capture_output=True, text=True, timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    return code, body, r.stderr


def first(events, start, pred):
    """Index of the first event at or after start that satisfies pred, or None."""
    for i in range(start, len(events)):
        if pred(events[i]):
            return i
    return None


def check_chain(events):
    """The ordered chain of the health request's connection; each step is looked for after the last."""
    accept = first(events, 0, lambda e: e["name"] == "tcp_accept" and e["args"].get("port") == CLIENT_PORT)
    if not check("tcp_accept for the client's port", accept is not None):
        return
    conn = events[accept]["args"]["conn"]
    check("tcp_accept names a connection id and local port 443",
          conn > 0 and events[accept]["args"].get("local_port") == 443, json.dumps(events[accept]))
    mine = lambda name, ph: lambda e: e["name"] == name and e["ph"] == ph and e["args"].get("conn") == conn  # noqa
    rx = [i for i in range(accept) if events[i]["name"] == "frame_rx" and events[i]["ph"] == "B"
          and events[i]["args"].get("port") == CLIENT_PORT]
    check("frame rx from the client's port before the accept", bool(rx), "" if rx else f"accept at {accept}")
    syn = [i for i in range(accept) if events[i]["name"] == "tcp_seg_in" and events[i]["args"].get("port") ==
           CLIENT_PORT and events[i]["args"].get("flags", 0) & 0x02]
    check("the SYN segment is traced before the accept", bool(syn))
    steps = [("tls handshake begin", mine("tls_handshake", "B")),
             ("tls handshake end", mine("tls_handshake", "E")),
             ("http request begin", mine("http_request", "B")),
             ("http request end", mine("http_request", "E")),
             ("frame tx to the client's port", lambda e: e["name"] == "frame_tx" and
              e["args"].get("port") == CLIENT_PORT)]
    at, found = accept, {}
    for label, pred in steps:
        i = first(events, at + 1, pred)
        if not check(f"chain: {label} follows", i is not None, "" if i is not None else f"nothing after event {at}"):
            return
        found[label], at = events[i], i
    hs = found["tls handshake end"]["args"]
    check("TLS handshake succeeded with TLS 1.3", hs.get("result") == 0 and hs.get("version") == 0x0304, str(hs))
    end = found["http request end"]["args"]
    check("HTTP request end carries status 200 and a body", end.get("status") == 200 and end.get("body_len", 0) > 0,
          str(end))
    check("timestamps of the chain never go backwards",
          events[accept]["ts"] <= found["tls handshake begin"]["ts"] <= found["http request end"]["ts"]
          <= found["frame tx to the client's port"]["ts"])
    segs = [e for e in events if e["name"] in ("tcp_seg_in", "tcp_seg_out") and e["args"].get("conn") == conn]
    check("TCP segments in and out carry the connection id",
          {e["name"] for e in segs} == {"tcp_seg_in", "tcp_seg_out"}, f"{len(segs)} segments")
    closed = [e for e in events if e["name"] == "tcp_close" and e["args"].get("conn") == conn]
    check("the connection's close is traced", len(closed) == 1, str(closed))


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    ca = os.path.join(tmp, "device.pem")
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    hub = net.Hearth(binary, args, os.path.join(artifacts, "hosted-trace.console.log"))
    try:
        up = hub.wait_for(r"web: HTTPS on port 443", 30) and hub.wait_for(r"mqtt: listening on 1883", 5) \
            and hub.wait_for(r"-----END CERTIFICATE-----", 5)
        if not check("hub up with HTTPS, MQTT and its certificate", up, "" if up else hub.tail()):
            return
        with hub.cond:
            pem = net.certificate_pem(hub.lines)
        with open(ca, "w") as f:
            f.write(pem)
        code, body, err = curl(ca, "/api/health", CLIENT_PORT)
        check("curl --cacert GET /api/health answers 200", code == "200", f"{code} {err.strip()}")
        r = subprocess.run(["mosquitto_pub", "-h", HUB, "-q", "1", "-t", "hearth/pot9/moisture", "-m", "12.5"],
                           capture_output=True, text=True, timeout=20)
        check("mosquitto_pub QoS 1 acknowledged", r.returncode == 0, r.stderr.strip())
        cookie, detail = net.owner_session(hub, ca)
        check("the owner logs in to read the trace", cookie is not None, "" if cookie else str(detail))
        code, body, err = curl(ca, "/api/trace", cookie=cookie)
        check("GET /api/trace answers 200", code == "200", f"{code} {err.strip()}")
        try:
            doc = json.loads(body)
        except ValueError as e:
            check("GET /api/trace is JSON", False, f"{e}: {body[:300]}")
            return
        check("GET /api/trace is JSON", True)
        events = [e for e in doc.get("traceEvents", []) if e.get("ph") != "M"]
        check("trace-event fields on every event", events and all(
            {"name", "cat", "ph", "ts", "pid", "tid", "args"} <= e.keys() and e["ph"] in "BEi" for e in events),
            f"{len(events)} events")
        other = doc.get("otherData", {})
        check("the ring is the hosted board's 4096 events and nothing was dropped",
              other.get("capacity") == 4096 and other.get("dropped") == 0, str(other))
        ts = [e["ts"] for e in events]
        check("the ring is in time order", ts == sorted(ts))
        check_chain(events)
        pub = first(events, 0, lambda e: e["name"] == "mqtt_publish" and e["args"].get("qos") == 1)
        commit = pub is not None and first(events, pub + 1, lambda e: e["name"] == "store_commit" and
                                           e["ph"] == "E" and e["args"].get("durable", 0) >= 1 and
                                           e["args"].get("result") == 0)
        check("a QoS 1 publish is followed by a store commit that made it durable", commit,
              "" if commit else "no mqtt_publish" if pub is None else "no store_commit end after it")
        check("no sanitizer report", *net.sanitizer_verdict(hub))
    finally:
        hub.stop()


def main():
    return net.hosted_main(__doc__, "trace scenario", "hearth-trace-", ("ip", "curl", "mosquitto_pub"), run)


if __name__ == "__main__":
    sys.exit(main())
