#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: sensor ingest over CoAP (RFC 7252, observe per RFC 7641) on the hosted build.

In a private network namespace with a TAP device (test_net_hosted.py's plumbing) and a disk file for the
store: libcoap's coap-client (Debian libcoap3-bin) POSTs readings and gets 2.01, reads them back with GET
and observes a series while mosquitto_pub and coap-client add readings; the readings are visible over
HTTPS in /api/readings; malformed datagrams from a Python socket get a Reset or 4.02 as RFC 7252 says (or
silence, for another version) and the hub keeps serving; a retransmitted Confirmable POST is stored once;
a reading acknowledged with 2.01 survives SIGKILL and a reboot. Needs root. Prints PASS/FAIL per check
and a closing `N passed, M failed`."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_mqtt_hosted as mq  # noqa: E402 (login and readings over HTTPS)
import test_net_hosted as net  # noqa: E402

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
# Debian's libcoap3-bin names the client by its TLS backend; no DTLS is needed here.
COAP_CLIENT = shutil.which("coap-client") or shutil.which("coap-client-notls") or "coap-client-notls"
URI = f"coap://{HUB}/hearth/pot1/moisture"


def check(name, ok, detail=""):
    """Records a check; the detail (often a whole exchange) is printed for failures only."""
    return net.check(f"coap: {name}", ok, "" if ok else detail)


def boot(binary, disk, artifacts, name):
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    return net.Hearth(binary, args, os.path.join(artifacts, f"hosted-coap-{name}.console.log"))


def coap(*args, timeout=30):
    """Runs coap-client with -v 6, which prints every message it sends and receives on stdout."""
    return subprocess.run([COAP_CLIENT, "-B", "20", "-v", "6", *args], capture_output=True, text=True,
                          timeout=timeout)


def response_codes(r):
    """The response codes coap-client saw, from lines like 'v:1 t:ACK c:2.01 i:34c0 ...' (its own requests
    show a method name instead, its own Empty ACKs 0.00)."""
    return [c for c in re.findall(r"^v:1 t:\w+ c:(\d\.\d\d)", r.stdout, re.M) if c != "0.00"]


def payload_of(r):
    """The payload coap-client printed for the response (-v 6 also prints it after ' :: ')."""
    lines = [x for x in r.stdout.splitlines() if not x.startswith("v:1 ")]
    return "\n".join(lines).strip()


def coap_post(value, uri=URI, *extra):
    return coap("-m", "post", "-e", value, *extra, uri)


# The owner's session cookie for the readings API (a hub restart ends it: log in again).
SESSION = {"cookie": None}


def values(ca, sensor="pot1", quantity="moisture"):
    data = mq.readings(ca, sensor, quantity, SESSION["cookie"])
    return [float(x["value"]) for x in data.get("readings", [])], data


# ---- Raw datagrams from a Python socket. ----

def option(delta, value):
    def nibble(v):
        return (v, b"") if v < 13 else (13, bytes([v - 13])) if v < 269 else (14, struct.pack("!H", v - 269))
    d, dx = nibble(delta)
    n, nx = nibble(len(value))
    return bytes([d << 4 | n]) + dx + nx + value


def message(mtype, code, mid, token=b"", path="hearth/pot1/moisture", payload=b""):
    out = bytes([0x40 | mtype << 4 | len(token), code]) + struct.pack("!H", mid) + token
    last = 0
    for seg in path.split("/") if path else []:
        out += option(11 - last, seg.encode())
        last = 11
    return out + (b"\xff" + payload if payload else b"")


def exchange(sock, datagram, wait=3.0):
    """Sends one datagram and returns every reply that arrives within wait seconds."""
    sock.sendto(datagram, (HUB, 5683))
    replies, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            replies.append(sock.recv(2048))
        except socket.timeout:
            break
        sock.settimeout(0.5)  # after a reply, only wait a little for more
        deadline = min(deadline, time.monotonic() + 0.5)
    return replies


def header(reply):
    """(type, code 'c.dd', message id) of a reply."""
    t, code, mid = reply[0] >> 4 & 3, reply[1], struct.unpack("!H", reply[2:4])[0]
    return t, f"{code >> 5}.{code & 31:02d}", mid


def alive(sock):
    """A CoAP ping (an Empty Confirmable message) is answered with a Reset by a live endpoint."""
    replies = exchange(sock, bytes([0x40, 0, 0x7f, 0x7f]), 5)
    return any(header(r) == (3, "0.00", 0x7f7f) for r in replies)


def malformed(sock, hub):
    cases = [
        ("bad version (2): silently ignored", bytes([0x81, 0x01, 0x10, 0x01]) + b"\x01", None),
        ("token length 9: Reset", bytes([0x49, 0x02, 0x10, 0x02]) + bytes(9), "rst"),
        ("option delta 15: Reset", bytes([0x40, 0x02, 0x10, 0x03, 0xf1, 0x41]), "rst"),
        ("truncated option: Reset", bytes([0x40, 0x02, 0x10, 0x04, 0xb6]) + b"hea", "rst"),
        ("payload marker without payload: Reset", message(0, 2, 0x1005) + b"\xff", "rst"),
        ("unknown critical option 9 in a CON request: 4.02", bytes([0x40, 0x01, 0x10, 0x06, 0x91, 0x78]), "4.02"),
        ("Confirmable 2.05 response to a server: Reset", bytes([0x40, 0x45, 0x10, 0x07]), "rst"),
    ]
    for name, datagram, want in cases:
        mid = struct.unpack("!H", datagram[2:4])[0]
        replies = exchange(sock, datagram, 1.5 if want is None else 3)
        got = [header(r) for r in replies]
        if want is None:
            ok = not replies
        elif want == "rst":
            ok = got == [(3, "0.00", mid)]
        else:
            ok = got == [(2, want, mid)]
        check(f"malformed: {name}", ok, f"replies {got}")
    check("the hub keeps serving after malformed datagrams (CoAP ping answered)", alive(sock) and
          hub.proc.poll() is None, hub.tail(5))


def retransmission(sock, ca):
    datagram = message(0, 2, 0x2a2a, b"\x5e", "hearth/pot3/moisture", b"26.5")
    first = exchange(sock, datagram)
    again = exchange(sock, datagram)
    ok = [header(r) for r in first] == [(2, "2.01", 0x2a2a)] and again == first
    check("a retransmitted CON POST gets the same 2.01", ok, f"{[header(r) for r in first + again]}")
    # Two copies back to back, the second while the first is still on its way to the disk.
    datagram = message(0, 2, 0x2a2b, b"\x5f", "hearth/pot3/moisture", b"27.5")
    sock.sendto(datagram, (HUB, 5683))
    replies = exchange(sock, datagram)
    check("back-to-back copies are answered with 2.01 only", replies and
          all(header(r) == (2, "2.01", 0x2a2b) for r in replies), f"{[header(r) for r in replies]}")
    got, data = values(ca, "pot3")
    check("each retransmitted reading is stored once", got == [26.5, 27.5], str(data)[:200])


def observe(hub):
    watcher = subprocess.Popen([COAP_CLIENT, "-B", "30", "-s", "10", "-w", "-m", "get", URI],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        registered = hub.wait_for(r"coap: \S+ observes pot1/moisture", 10) is not None
        check("coap-client -s registers as an observer", registered, hub.tail(5))
        r = subprocess.run(["mosquitto_pub", "-h", HUB, "-q", "1", "-t", "hearth/pot1/moisture", "-m", "24"],
                           capture_output=True, text=True, timeout=20)
        check("mosquitto_pub QoS 1 to the observed series", r.returncode == 0, r.stderr.strip())
        time.sleep(0.5)
        r = coap_post("25")
        check("coap-client POST to the observed series gets 2.01", "2.01" in response_codes(r), r.stdout[-300:])
        out, err = watcher.communicate(timeout=40)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    lines = [x.strip() for x in out.splitlines() if x.strip()]
    check("the observer gets the current value, then a notification per new reading",
          len(lines) >= 3 and lines[-2:] == ["24", "25"], f"{lines} {err.strip()[-200:]}")


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    ca = os.path.join(tmp, "device.pem")
    hub = boot(binary, disk, artifacts, "boot1")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((GW, 0))
    try:
        up = hub.wait_for(r"coap: listening on 5683", 30) and hub.wait_for(r"web: HTTPS on port 443", 5)
        if not check("hub up with CoAP on 5683", up, "" if up else hub.tail()):
            return
        net.write_certificate(hub, ca)
        SESSION["cookie"] = mq.login(hub, ca)
        r = coap_post("21.5")
        check("coap-client -m post -e 21.5 gets 2.01 Created", response_codes(r) == ["2.01"],
              r.stdout[-300:] + r.stderr[-200:])
        got, data = values(ca)
        check("the reading is in GET /api/readings over HTTPS", got == [21.5], str(data)[:200])
        r = coap("-m", "get", URI)
        check("coap-client GET returns the latest value as text", response_codes(r) == ["2.05"] and
              payload_of(r).endswith("21.5"), r.stdout[-300:])
        r = coap("-m", "get", "-A", "50", URI)
        check("coap-client GET with Accept: application/json", '"value":21.5' in r.stdout, r.stdout[-300:])
        r = coap_post("22", URI, "-N")
        check("a Non-confirmable POST gets a Non-confirmable 2.01", re.search(r"^v:1 t:NON c:2\.01", r.stdout,
                                                                             re.M) is not None, r.stdout[-300:])
        r = coap("-m", "get", f"coap://{HUB}/.well-known/core")
        check("/.well-known/core lists the series in link format", "</hearth/pot1/moisture>" in r.stdout and
              "ct=40" not in r.stdout, r.stdout[-300:])
        for name, args, want in (
                ("a non-numeric payload gets 4.00", ("-m", "post", "-e", "wet", URI), "4.00"),
                ("an implausible value gets 4.00", ("-m", "post", "-e", "500", f"coap://{HUB}/hearth/pot1/temperature"),
                 "4.00"),
                ("an unknown path gets 4.04", ("-m", "post", "-e", "1", f"coap://{HUB}/other/x"), "4.04"),
                ("a series without readings gets 4.04", ("-m", "get", f"coap://{HUB}/hearth/none/moisture"), "4.04"),
                ("PUT gets 4.05", ("-m", "put", "-e", "1", URI), "4.05"),
                ("an unsupported Content-Format gets 4.15", ("-m", "post", "-t", "41", "-e", "<v/>", URI), "4.15"),
                ("an unsupported Accept gets 4.06", ("-m", "get", "-A", "41", URI), "4.06")):
            r = coap(*args)
            check(name, response_codes(r) == [want], r.stdout[-300:] + r.stderr[-200:])
        got, _ = values(ca, "pot1", "temperature")
        check("rejected readings are not stored", got == [])
        observe(hub)
        malformed(sock, hub)
        retransmission(sock, ca)
        # A power cut right after the 2.01: no clean shutdown, no final commit.
        r = coap_post("28.5")
        acked = response_codes(r) == ["2.01"]
        hub.proc.send_signal(signal.SIGKILL)
        check("2.01 for the reading before SIGKILL", acked, r.stdout[-300:])
    finally:
        sock.close()
        if hub.proc.poll() is None:
            hub.proc.send_signal(signal.SIGKILL)
        hub.stop()

    hub = boot(binary, disk, artifacts, "boot2")
    try:
        up = hub.wait_for(r"coap: listening on 5683", 30) and hub.wait_for(r"web: HTTPS on port 443", 5)
        if not check("hub up again after SIGKILL", up, "" if up else hub.tail()):
            return
        SESSION["cookie"] = mq.login(hub, ca)
        got, data = values(ca)
        check("every reading acknowledged with 2.01 survives SIGKILL and a reboot",
              got == [21.5, 22.0, 24.0, 25.0, 28.5], str(data)[:300])
        r = coap("-m", "get", URI)
        check("coap-client GET after the reboot returns the last reading", payload_of(r).endswith("28.5"),
              r.stdout[-300:])
        # A clean power-off this time, so that LeakSanitizer's report at exit is on the console too.
        hub.proc.send_signal(signal.SIGTERM)
        hub.proc.wait(20)
        check("no sanitizer report, leaks included", *net.sanitizer_verdict(hub, 2))
    finally:
        hub.stop()


def main():
    return net.hosted_main(__doc__, "CoAP scenario", "hearth-coap-",
                           ("ip", COAP_CLIENT, "mosquitto_pub", "curl"), run)


if __name__ == "__main__":
    sys.exit(main())
