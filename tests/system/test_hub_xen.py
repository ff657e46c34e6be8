#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: the whole hub under Xen, driven from the host by the clients people use.

One boot of Xen + the dom0 driver domain + Hearth on a QEMU board, with a disk and port forwards
(HTTPS, MQTT, CoAP), then: mosquitto_pub and paho-mqtt publish readings (QoS 1, acknowledged only once
on disk) and mosquitto_sub sees them routed; coap-client POSTs a reading (2.01) and GETs it back;
headless Chromium pairs with the console's setup code, sets a password, logs out and in, reads the
sensor's card and a chart of the mosquitto_pub readings, saves a sharing policy and finds it in the
audit log (screenshots in build/test-artifacts/dashboard-<board>/); curl, logged in as the owner,
creates a sensor and its token, posts a batch to POST /api/readings (201) and reads every protocol's
readings back from /api/readings. Prints PASS/FAIL per check and `<board>: N passed, M failed`."""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "qemu"))
sys.path.insert(0, HERE)
import dashboard_browser  # noqa: E402
import hearth_qemu  # noqa: E402
from test_boot import Checks, artifact_path  # noqa: E402
from test_dashboard_hosted import POLICY  # noqa: E402
from test_xen_pv import console_pem, free_port  # noqa: E402

DOM0_TIMEOUT = 240
UP_TIMEOUT = 180
PASSWORD = "correct horse battery staple"
DISK_BYTES = 16 << 20


class Hub:
    """The forwarded ports of the hub under test and curl against its HTTPS API as hearth.local."""

    def __init__(self, ports, ca):
        self.ports, self.ca = ports, ca
        self.cookie = self.csrf = None

    def curl(self, method, path, body=None, token=None):
        """(status, parsed JSON or text, headers text)."""
        cmd = ["curl", "-s", "-i", "--http1.1", "--max-time", "60", "--cacert", self.ca, "--resolve",
               f"hearth.local:{self.ports['https']}:127.0.0.1", "-X", method]
        if token:
            cmd += ["-H", f"Authorization: Bearer {token}"]
        elif self.cookie:
            cmd += ["-H", f"Cookie: hearth_session={self.cookie}", "-H", f"X-CSRF-Token: {self.csrf}"]
        if body is not None:
            cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
        cmd.append(f"https://hearth.local:{self.ports['https']}{path}")
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        head, _, text = r.stdout.replace("\r\n", "\n").partition("\n\n")
        m = re.match(r"HTTP/1\.1 (\d+)", head)
        try:
            data = json.loads(text)
        except ValueError:
            data = text[:300]
        return (int(m.group(1)) if m else 0), data, head

    def login(self):
        status, data, head = self.curl("POST", "/api/auth/login", {"password": PASSWORD})
        m = re.search(r"hearth_session=([^;\s]+)", head)
        if status == 200 and m and isinstance(data, dict):
            self.cookie, self.csrf = m.group(1), data.get("csrf")
        return status == 200 and self.cookie is not None

    def values(self, sensor, quantity):
        status, data, _ = self.curl("GET", f"/api/readings?sensor={sensor}&quantity={quantity}")
        if status != 200 or not isinstance(data, dict):
            return None
        return [float(x["value"]) for x in data.get("readings", [])]


def mqtt_checks(checks, hub, now):
    port = str(hub.ports["mqtt"])
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-t", "hearth/pot1/#", "-C", "1",
                            "-W", "60", "-v"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # the subscription is in place before the first publish
    ok = True
    for i in range(8):
        r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", "1", "-t", "hearth/pot1/moisture",
                            "-m", json.dumps({"value": 30 + i, "ts": now - 3 * 3600 + i * 1200})],
                           capture_output=True, text=True, timeout=60)
        ok = ok and r.returncode == 0
    checks.ok("mosquitto_pub: 8 QoS 1 readings acknowledged", ok, r.stderr.strip())
    try:
        out, _ = sub.communicate(timeout=70)
    except subprocess.TimeoutExpired:
        sub.kill()
        out, _ = sub.communicate()
    checks.ok("mosquitto_sub sees the reading routed on hearth/pot1/#", out.startswith("hearth/pot1/moisture "),
              out.strip()[:120])
    r = subprocess.run([sys.executable, "-c", PAHO, port], capture_output=True, text=True, timeout=120)
    checks.ok("paho-mqtt: a QoS 1 reading is acknowledged", r.returncode == 0 and "acked" in r.stdout,
              (r.stdout + r.stderr).strip()[-200:])


# paho-mqtt (Debian python3-paho-mqtt, 1.6) in a child process: publish QoS 1 and wait for the PUBACK.
PAHO = """
import sys, paho.mqtt.client as mqtt
c = mqtt.Client(client_id="hearth-xen-test")
c.connect("127.0.0.1", int(sys.argv[1]), keepalive=30)
c.loop_start()
info = c.publish("hearth/pot1/temperature", "21.5", qos=1)
info.wait_for_publish(timeout=90)
print("acked" if info.is_published() else "not acked")
c.loop_stop()
c.disconnect()
"""


def coap(*args):
    exe = shutil.which("coap-client") or shutil.which("coap-client-notls")
    return subprocess.run([exe, "-v", "6", "-B", "60", *args], capture_output=True, text=True, timeout=90)


def coap_checks(checks, hub):
    uri = f"coap://127.0.0.1:{hub.ports['coap']}/hearth/pot2/moisture"
    r = coap("-m", "post", "-e", "44.5", uri)
    checks.ok("coap-client POST gets 2.01 Created", "2.01" in r.stdout + r.stderr, (r.stdout + r.stderr)[-200:])
    r = coap("-m", "get", uri)
    checks.ok("coap-client GET returns the latest value", "44.5" in r.stdout + r.stderr,
              (r.stdout + r.stderr)[-200:])


def browser_checks(checks, board, hub, pem, code):
    shots = os.path.join(os.path.dirname(artifact_path(board.name, "x")), f"dashboard-{board.name}")
    shutil.rmtree(shots, ignore_errors=True)
    for ok, step, detail in dashboard_browser.walk_through("127.0.0.1", hub.ports["https"], pem, code, "pot1",
                                                           POLICY, PASSWORD, shots, timeout=900):
        checks.ok(f"browser: {step}", ok, detail)


def http_checks(checks, hub):
    if not checks.ok("curl: the owner logs in with the password set in the browser", hub.login()):
        return
    status, data, _ = hub.curl("PUT", "/api/sensors/pot3", {"name": "Kitchen fridge", "kind": "fridge"})
    token = data.get("token", "") if isinstance(data, dict) else ""
    checks.ok("curl: PUT /api/sensors/pot3 creates a sensor with a token", status == 201 and len(token) == 64,
              f"{status} {data}")
    hub.cookie = None  # the sensor speaks with its token only
    batch = {"readings": [{"sensor": "pot3", "quantity": "gas", "value": 100 + i} for i in range(3)]}
    status, data, _ = hub.curl("POST", "/api/readings", batch, token=token)
    checks.ok("curl: POST /api/readings with the sensor's token is 201 once on disk",
              status == 201 and data == {"accepted": 3}, f"{status} {data}")
    hub.login()
    expect = {("pot1", "moisture"): [30.0 + i for i in range(8)], ("pot1", "temperature"): [21.5],
              ("pot2", "moisture"): [44.5], ("pot3", "gas"): [100.0, 101.0, 102.0]}
    for (sensor, quantity), want in expect.items():
        got = hub.values(sensor, quantity)
        checks.ok(f"GET /api/readings has {sensor}/{quantity} as sent", got == want, f"{got}")


def run(board, checks, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(DISK_BYTES)
    ports = {"https": free_port(), "mqtt": free_port(), "coap": free_port(socket.SOCK_DGRAM)}
    forwards = [("tcp", ports["https"], 443), ("tcp", ports["mqtt"], 1883), ("udp", ports["coap"], 5683)]
    console = hearth_qemu.Console(board, "tls.printcert=1", artifact_path(board.name, "hub"), dom0=True, disk=disk,
                                  hostfwd=forwards)
    try:
        console.wait_dom0_ready(DOM0_TIMEOUT)
        console.wait_for(r"ready: hub running", UP_TIMEOUT)
        _, _, m = console.wait_for(r"auth: setup code ([0-9A-Z]{5}-[0-9A-Z]{5})", 10)
        code = m.group(1)
        pem = console_pem(console)
        if not checks.ok("hub up under Xen: certificate and setup code on the console", pem is not None):
            return
        ca = os.path.join(tmp, "device.pem")
        with open(ca, "w") as f:
            f.write(pem)
        hub = Hub(ports, ca)
        deadline = time.monotonic() + UP_TIMEOUT
        while time.monotonic() < deadline and hub.curl("GET", "/api/health")[0] != 200:
            time.sleep(2)
        if not checks.ok("HTTPS answers through dom0's bridge", hub.curl("GET", "/api/health")[0] == 200,
                         console.tail(20)):
            return
        mqtt_checks(checks, hub, int(time.time()))
        coap_checks(checks, hub)
        browser_checks(checks, board, hub, pem, code)
        http_checks(checks, hub)
        fault = [t for _, t in console.lines if "exception" in t.lower() and "DOM1" in t]
        checks.ok("no exception report from the hub", not fault, "\n".join(fault[:5]))
    except TimeoutError as e:
        checks.ok("the hub boots under Xen and its services come up", False, str(e)[-3000:])
    finally:
        console.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--board", default="qemu-virt-arm64")
    args = ap.parse_args()
    board = hearth_qemu.Board(args.board)
    checks = Checks(args.board)
    with tempfile.TemporaryDirectory(prefix="hearth-hub-xen-") as tmp:
        run(board, checks, tmp)
    print(f"{args.board}: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
