#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: sensor ingest over MQTT on the hosted build, with real clients.

In a private network namespace with a TAP device (test_net_hosted.py's plumbing) and a disk file for
the store: mosquitto_pub/mosquitto_sub (Debian mosquitto-clients) and paho-mqtt (python3-paho-mqtt)
publish readings and watch topics; credentials are enforced; QoS 1 readings acknowledged by the hub are
read back over HTTPS from /api/readings after the process is killed with SIGKILL and booted again;
malformed packets get a disconnect and the hub keeps serving; retained messages and last wills work.
Needs root. Prints PASS/FAIL per check and a closing `N passed, M failed`."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
USER, PASSWORD = "sensor", "s3cret-pot"
def check(name, ok, detail=""):
    return net.check(f"mqtt: {name}", ok, detail)


def boot(binary, disk, artifacts, name):
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", f"mqtt.user={USER}",
            f"mqtt.pass={PASSWORD}", "tls.printcert=1"]
    return net.Hearth(binary, args, os.path.join(artifacts, f"hosted-mqtt-{name}.console.log"))


def pub(topic, message, qos=1, user=USER, password=PASSWORD, extra=()):
    cmd = ["mosquitto_pub", "-h", HUB, "-p", "1883", "-u", user, "-P", password, "-q", str(qos), "-t", topic,
           "-m", message, *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


def api(ca, path, cookie):
    """GET path as the owner (cookie: the session id from net.owner_session); the JSON answer or an error."""
    r = net.curl(ca, "GET", path, cookie=cookie)
    return r.json() if r.status == 200 else {"error": repr(r)}


def readings(ca, sensor, quantity, cookie):
    return api(ca, f"/api/readings?sensor={sensor}&quantity={quantity}", cookie)


def login(hub, ca):
    """The owner's session cookie (pairing on the first boot), checked; None when it failed."""
    cookie, detail = net.owner_session(hub, ca)
    check("owner login for the readings API", cookie is not None, "" if cookie else detail)
    return cookie


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    ca = os.path.join(tmp, "device.pem")
    hub = boot(binary, disk, artifacts, "boot1")
    sub = None
    try:
        up = hub.wait_for(r"mqtt: listening on 1883", 30) and hub.wait_for(r"web: HTTPS on port 443", 5)
        if not check("hub up with the broker on 1883", up, "" if up else hub.tail()):
            return
        net.write_certificate(hub, ca)
        cookie = login(hub, ca)
        # A watcher on the wildcard, the way a local tool would follow the sensors.
        sub = subprocess.Popen(["mosquitto_sub", "-h", HUB, "-u", USER, "-P", PASSWORD, "-t", "hearth/#", "-v",
                                "-C", "3", "-W", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        sent = []
        for i, value in enumerate(("31.5", "32", "33.25")):
            r = pub("hearth/pot1/moisture", value)
            sent.append(value)
            check(f"mosquitto_pub QoS 1 reading {i + 1} acknowledged", r.returncode == 0, r.stderr.strip())
        out, _ = sub.communicate(timeout=40)
        got = [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("hearth/pot1/moisture ")]
        check("mosquitto_sub on hearth/# sees the readings", got == sent, f"{got}")
        r = pub("hearth/pot1/moisture", "1", password="wrong")
        check("a wrong password is refused at CONNECT", r.returncode != 0 and "not authori" in
              (r.stderr + r.stdout).lower() or "bad user name or password" in (r.stderr + r.stdout).lower(),
              r.stderr.strip())
        r = pub("hearth/fridge/temperature", "4.5", qos=0)
        check("QoS 0 reading accepted", r.returncode == 0, r.stderr.strip())
        # Retained: a late subscriber still gets the last value.
        pub("hearth/door1/door", "1", extra=("-r",))
        r = subprocess.run(["mosquitto_sub", "-h", HUB, "-u", USER, "-P", PASSWORD, "-t", "hearth/door1/door",
                            "-C", "1", "-W", "10"], capture_output=True, text=True, timeout=20)
        check("retained message delivered to a later subscriber", r.stdout.strip() == "1", r.stdout + r.stderr)
        # Malformed input: garbage instead of CONNECT, then a PUBLISH before CONNECT.
        for name, junk in (("garbage bytes", b"\xff\xff\xff\xff\xff"), ("PUBLISH before CONNECT",
                                                                          b"\x30\x05\x00\x01a\x31\x32")):
            with socket.create_connection((HUB, 1883), timeout=10) as s:
                s.sendall(junk)
                try:
                    closed = s.recv(10) == b""
                except (ConnectionResetError, socket.timeout):
                    closed = True
            check(f"{name} get a disconnect", closed)
        r = pub("hearth/pot1/moisture", "abc")
        check("a non-numeric reading is acknowledged but not stored", r.returncode == 0 and
              hub.wait_for(r"ingest: rejected hearth/pot1/moisture", 5) is not None, hub.tail(3))
        r = pub("hearth/pot1/temperature", "500")
        check("an out-of-range reading is rejected", hub.wait_for(r"ingest: rejected (hearth/)?pot1/temperature", 5)
              is not None)
        data = readings(ca, "pot1", "moisture", cookie)
        values = [str(x["value"]) for x in data.get("readings", [])]
        check("GET /api/readings returns the stored readings", [float(v) for v in values] == [float(v) for v in sent],
              json.dumps(data)[:200])
        listed = {(x["id"], q["quantity"]): q for x in api(ca, "/api/sensors", cookie).get("sensors", [])
                  for q in x.get("series", [])}
        pot = listed.get(("pot1", "moisture"), {})
        check("GET /api/sensors lists each sensor with its count and latest value",
              pot.get("count") == 3 and pot.get("last_value") == 33.25 and ("fridge", "temperature") in listed
              and pot.get("first_ns", 0) <= pot.get("last_ns", -1), json.dumps(pot))
    finally:
        if sub and sub.poll() is None:
            sub.kill()
        # A power cut: no clean shutdown, no final commit.
        hub.proc.send_signal(signal.SIGKILL)
        hub.stop()

    hub = boot(binary, disk, artifacts, "boot2")
    try:
        hub.wait_for(r"web: HTTPS on port 443", 30)
        cookie = login(hub, ca)
        data = readings(ca, "pot1", "moisture", cookie)
        values = [float(x["value"]) for x in data.get("readings", [])]
        check("every acknowledged QoS 1 reading survives SIGKILL and a reboot", values == [31.5, 32.0, 33.25],
              json.dumps(data)[:200])
        data = readings(ca, "pot1", "temperature", cookie)
        check("rejected readings were not stored", data.get("count") == 0, json.dumps(data)[:200])
        # paho-mqtt: a client with a last will that vanishes without DISCONNECT.
        import paho.mqtt.client as mqtt  # noqa: E402 (Debian python3-paho-mqtt)
        watcher = subprocess.Popen(["mosquitto_sub", "-h", HUB, "-u", USER, "-P", PASSWORD, "-t", "hearth/+/status",
                                    "-C", "1", "-W", "30"], stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        c = mqtt.Client(client_id="pot2")
        c.username_pw_set(USER, PASSWORD)
        c.will_set("hearth/pot2/status", "offline", qos=1)
        c.connect(HUB, 1883, keepalive=30)
        c.loop_start()
        info = c.publish("hearth/pot2/moisture", "44", qos=1)
        info.wait_for_publish(10)
        check("paho-mqtt QoS 1 publish acknowledged", info.is_published())
        c.loop_stop()
        c.socket().close()  # vanish without DISCONNECT
        out, _ = watcher.communicate(timeout=40)
        check("last will published when a client vanishes", out.strip() == "offline", out)
        check("no sanitizer report", *net.sanitizer_verdict(hub))
    finally:
        hub.stop()


def main():
    return net.hosted_main(__doc__, "MQTT scenario", "hearth-mqtt-",
                           ("ip", "mosquitto_pub", "mosquitto_sub", "curl"), run)

if __name__ == "__main__":
    sys.exit(main())
