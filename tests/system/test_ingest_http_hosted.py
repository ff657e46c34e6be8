#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: HTTP sensor ingest, the sensor registry and Home Assistant discovery on the hosted build.

In a private network namespace with a TAP device (test_net_hosted.py's plumbing) and a disk file for
the store, with curl and mosquitto_pub: the owner creates sensors with PUT /api/sensors/<id> and gets
each one's token once; sensors post single readings and batches to POST /api/readings with their token
and read them back from GET /api/readings and GET /api/sensors; missing and wrong tokens (401), another
sensor's reading (403), bad bodies (400, naming index and field, nothing of the batch stored), too much
(413), the wrong media type (415) and the rate limit (429 with Retry-After) get exactly those statuses;
token rotation; a Home Assistant discovery config published with mosquitto_pub names a sensor and its
unit, and an empty retained payload removes the entry; an MQTT sensor over its limit is dropped and
logged; readings answered 201 right before a SIGKILL are there after the restart, and so is the
registry. Needs root. Prints PASS/FAIL per check and a closing `N passed, M failed`."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX


def check(name, ok, detail=""):
    return net.check(f"ingest-http: {name}", ok, detail)


def boot(binary, disk, artifacts, name):
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    return net.Hearth(binary, args, os.path.join(artifacts, f"hosted-ingest-http-{name}.console.log"))


class Api:
    """curl against the hub's HTTPS API: (status, headers, parsed JSON body or text)."""

    def __init__(self, ca, tmp):
        self.ca, self.tmp = ca, tmp
        self.cookie = self.csrf = None

    def login(self, hub):
        """Pairs (first boot) and logs in as the owner; requests without a sensor token then carry the
        session cookie and CSRF token. Returns whether it worked."""
        self.cookie, self.csrf = net.owner_session(hub, self.ca)
        return self.cookie is not None

    def __call__(self, method, path, body=None, token=None, ctype="application/json"):
        head = os.path.join(self.tmp, "head.txt")
        cmd = ["curl", "-s", "-o", "-", "-D", head, "-w", "\n%{http_code}", "--max-time", "20", "--cacert", self.ca,
               "--resolve", f"hearth.local:443:{HUB}", "-X", method, f"https://hearth.local{path}"]
        if token is not None:
            cmd += ["-H", f"Authorization: Bearer {token}"]
        elif self.cookie:
            cmd += ["-H", f"Cookie: hearth_session={self.cookie}", "-H", f"X-CSRF-Token: {self.csrf}"]
        if body is not None:
            cmd += ["-H", f"Content-Type: {ctype}", "--data-binary", "@-"]
        data = body if isinstance(body, str) or body is None else json.dumps(body)
        r = subprocess.run(cmd, input=data or "", capture_output=True, text=True, timeout=30)
        text, _, code = r.stdout.rpartition("\n")
        headers = {}
        try:
            with open(head) as f:
                for line in f:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
        except OSError:
            pass
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text[:300]
        return int(code) if code.isdigit() else 0, headers, parsed


def values(api, sensor, quantity):
    status, _, data = api("GET", f"/api/readings?sensor={sensor}&quantity={quantity}")
    return [x["value"] for x in data.get("readings", [])] if status == 200 and isinstance(data, dict) else None


def sensors(api):
    status, _, data = api("GET", "/api/sensors")
    if status != 200 or not isinstance(data, dict):
        return {}
    return {s["id"]: s for s in data.get("sensors", [])}


def series(sensor, quantity):
    return next((x for x in (sensor or {}).get("series", []) if x["quantity"] == quantity), {})


def pub(topic, message, extra=()):
    cmd = ["mosquitto_pub", "-h", HUB, "-p", "1883", "-q", "1", "-t", topic, *extra]
    cmd += ["-n"] if message is None else ["-m", message]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


def owner_and_readings(api, hub, now):
    """Sensors made by the owner, readings posted with their tokens, every refusal with its status."""
    status, head, data = api("PUT", "/api/sensors/pot1", {"name": "Basil", "kind": "plant-pot",
                                                          "location": "Kitchen", "units": {"moisture": "%"}})
    token = data.get("token", "") if isinstance(data, dict) else ""
    check("PUT /api/sensors/pot1 creates the sensor: 201 with a token shown once",
          status == 201 and len(token) == 64 and head.get("location") == "/api/sensors/pot1", f"{status} {data}")
    status, _, data = api("PUT", "/api/sensors/pot1", {"location": "Balcony"})
    check("PUT again updates it: 200 and no token", status == 200 and "token" not in data and
          data.get("sensor", {}).get("location") == "Balcony" and data["sensor"].get("name") == "Basil",
          f"{status} {data}")
    status, _, data = api("PUT", "/api/sensors/pot2", {"name": "Fern", "burst": 3, "rate": 0.001})
    token2 = data.get("token", "") if isinstance(data, dict) else ""
    check("a second sensor with a tight rate limit", status == 201 and len(token2) == 64 and token2 != token,
          f"{status} {data}")
    status, _, data = api("PUT", "/api/sensors/pot1", {"burst": 0})
    check("PUT with a bad value: 400 naming the field", status == 400 and data.get("field") == "burst",
          f"{status} {data}")
    status, _, _ = api("PUT", "/api/sensors/Bad%20Id", {})
    check("PUT to a malformed sensor id: 404", status == 404, str(status))

    one = {"sensor": "pot1", "quantity": "moisture", "value": 31.5, "ts": now - 60}
    status, _, data = api("POST", "/api/readings", one, token=token)
    check("POST one reading with the sensor's token: 201 {accepted: 1}", status == 201 and data == {"accepted": 1},
          f"{status} {data}")
    batch = {"readings": [{"sensor": "pot1", "quantity": "moisture", "value": 32 + i, "ts": now - 50 + i}
                          for i in range(3)] + [{"sensor": "pot1", "quantity": "temperature", "value": 21.25}]}
    status, _, data = api("POST", "/api/readings", batch, token=token)
    check("POST a batch of 4: 201 {accepted: 4}", status == 201 and data == {"accepted": 4}, f"{status} {data}")
    got = values(api, "pot1", "moisture")
    check("GET /api/readings returns the posted readings in order", got == [31.5, 32, 33, 34], str(got))
    check("the reading without ts got the hub's time", values(api, "pot1", "temperature") == [21.25])

    status, head, data = api("POST", "/api/readings", one)
    check("no token: 401 with WWW-Authenticate", status == 401 and head.get("www-authenticate", "").startswith(
        "Bearer"), f"{status} {head}")
    status, _, _ = api("POST", "/api/readings", one, token="0" * 64)
    check("a wrong token: 401", status == 401, str(status))
    status, _, _ = api("POST", "/api/readings", one, token=token[:-1])
    check("a truncated token: 401", status == 401, str(status))
    status, _, data = api("POST", "/api/readings", {"sensor": "pot2", "quantity": "moisture", "value": 1},
                          token=token)
    check("another sensor's reading: 403", status == 403 and data.get("field") == "sensor", f"{status} {data}")
    bad = {"readings": [{"sensor": "pot1", "quantity": "humidity", "value": 50},
                        {"sensor": "pot1", "quantity": "humidity"}]}
    status, _, data = api("POST", "/api/readings", bad, token=token)
    check("a batch with a reading missing its value: 400 naming index 1 and field value",
          status == 400 and data.get("index") == 1 and data.get("field") == "value", f"{status} {data}")
    check("all or nothing: no reading of the refused batch was stored", values(api, "pot1", "humidity") == [])
    for name, body, field in (("an implausible value", {"sensor": "pot1", "quantity": "moisture", "value": 150},
                               "value"),
                              ("a time in the future", {"sensor": "pot1", "quantity": "moisture", "value": 1,
                                                        "ts": now + 3600}, "ts"),
                              ("an unknown member", {"sensor": "pot1", "quantity": "moisture", "value": 1,
                                                     "colour": "red"}, "colour"),
                              ("a string value", {"sensor": "pot1", "quantity": "moisture", "value": "1"}, "value")):
        status, _, data = api("POST", "/api/readings", body, token=token)
        check(f"{name}: 400 naming {field}", status == 400 and data.get("field") == field, f"{status} {data}")
    for name, body in (("not JSON", "{\"sensor\": "), ("a repeated key", '{"value":1,"value":2}'),
                       ("an empty batch", '{"readings": []}'), ("a JSON array", "[]")):
        status, _, data = api("POST", "/api/readings", body, token=token)
        check(f"{name}: 400", status == 400, f"{status} {data}")
    many = {"readings": [{"sensor": "pot1", "quantity": "moisture", "value": 1}] * 101}
    status, _, data = api("POST", "/api/readings", many, token=token)
    check("101 readings in one request: 413", status == 413, f"{status} {data}")
    status, _, _ = api("POST", "/api/readings", "x" * 20000, token=token)
    check("a body over 16 KiB: 413", status == 413, str(status))
    status, _, _ = api("POST", "/api/readings", json.dumps(one), token=token, ctype="text/plain")
    check("Content-Type text/plain: 415", status == 415, str(status))
    check("refused requests stored nothing", values(api, "pot1", "moisture") == [31.5, 32, 33, 34])

    codes = []
    for i in range(4):
        status, head, data = api("POST", "/api/readings", {"sensor": "pot2", "quantity": "moisture", "value": 40 + i},
                                 token=token2)
        codes.append(status)
    retry = head.get("retry-after", "")
    check("rate limit (burst 3): 201 three times, then 429 with Retry-After", codes == [201, 201, 201, 429] and
          retry.isdigit() and int(retry) >= 1, f"{codes} {head} {data}")
    status, _, data = api("POST", "/api/readings", {"readings": [{"sensor": "pot2", "quantity": "moisture",
                                                                  "value": 1}] * 4}, token=token2)
    check("a batch larger than the burst: 429", status == 429, f"{status} {data}")
    check("refused readings were not stored", values(api, "pot2", "moisture") == [40, 41, 42])

    status, _, data = api("POST", "/api/sensors/pot1/token")
    new_token = data.get("token", "") if isinstance(data, dict) else ""
    check("POST /api/sensors/pot1/token rotates: 200 with a new token", status == 200 and len(new_token) == 64 and
          new_token != token, f"{status} {data}")
    status, _, _ = api("POST", "/api/readings", one, token=token)
    check("the old token stops working: 401", status == 401, str(status))
    status, _, _ = api("POST", "/api/sensors/nope/token")
    check("rotating an unknown sensor's token: 404", status == 404, str(status))
    return new_token


def discovery(api, hub):
    """Home Assistant discovery over MQTT, then an MQTT sensor over its limit."""
    config = {"name": "Temperature", "state_topic": "hearth/fridge/temperature", "unit_of_measurement": "°C",
              "device_class": "temperature", "state_class": "measurement", "unique_id": "fridge_temperature",
              "device": {"identifiers": ["hearth_fridge"], "name": "Kitchen fridge", "manufacturer": "Hearth"}}
    topic = "homeassistant/sensor/fridge/temperature/config"
    r = pub(topic, json.dumps(config), ("-r",))
    hub.wait_for(r"registry: discovery config sensor/fridge/temperature", 10)
    fridge = sensors(api).get("fridge", {})
    check("a discovery config registers the sensor with its name, kind and unit",
          r.returncode == 0 and fridge.get("name") == "Kitchen fridge" and fridge.get("kind") == "thermometer" and
          fridge.get("units", {}).get("temperature") == "°C" and
          fridge.get("discovery", {}).get("temperature") == "sensor/fridge/temperature", json.dumps(fridge))
    r = pub("hearth/fridge/temperature", "4.5")
    fridge = sensors(api).get("fridge", {})
    check("its readings show up under it with the unit", series(fridge, "temperature").get("unit") == "°C" and
          series(fridge, "temperature").get("count") == 1, json.dumps(fridge))
    r = pub(topic, None, ("-r",))
    hub.wait_for(r"registry: discovery entry sensor/fridge/temperature removed", 10)
    fridge = sensors(api).get("fridge", {})
    check("an empty retained payload removes the discovery entry, not the sensor or its data",
          r.returncode == 0 and fridge.get("discovery") == {} and fridge.get("name") == "Kitchen fridge" and
          series(fridge, "temperature").get("count") == 1, json.dumps(fridge))
    # An MQTT sensor limited to 2 readings (refilled once in 1000 s) sends 10 in a row.
    status, _, _ = api("PUT", "/api/sensors/flood", {"burst": 2, "rate": 0.001})
    r = subprocess.run(["mosquitto_pub", "-h", HUB, "-q", "1", "-t", "hearth/flood/temperature", "-l"],
                       input="".join(f"{20 + i}\n" for i in range(10)), capture_output=True, text=True, timeout=30)
    logged = hub.wait_for(r"registry: sensor flood over its rate limit", 10)
    got = values(api, "flood", "temperature")
    flood = sensors(api).get("flood", {})
    check("an MQTT sensor over its limit: 2 stored, 8 dropped, logged and counted",
          status == 201 and r.returncode == 0 and got == [20, 21] and logged is not None and
          flood.get("limited") == 8, f"{status} {got} {flood.get('limited')} {r.stderr}")


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    ca = os.path.join(tmp, "device.pem")
    api = Api(ca, tmp)
    now = int(time.time())
    hub = boot(binary, disk, artifacts, "boot1")
    token = ""
    try:
        up = hub.wait_for(r"mqtt: listening on 1883", 30) and hub.wait_for(r"web: HTTPS on port 443", 5)
        if not check("hub up with HTTPS and MQTT", up and net.write_certificate(hub, ca), "" if up else hub.tail()):
            return
        if not check("the owner pairs and logs in", api.login(hub), str(api.csrf)):
            return
        token = owner_and_readings(api, hub, now)
        discovery(api, hub)
        pot1 = sensors(api).get("pot1", {})
        check("GET /api/sensors: registry metadata with the stored series",
              pot1.get("name") == "Basil" and pot1.get("location") == "Balcony" and pot1.get("kind") == "plant-pot"
              and pot1.get("units", {}).get("moisture") == "%" and pot1.get("token") is True and
              pot1.get("first_seen", 0) > 0 and pot1.get("last_seen", 0) >= pot1.get("first_seen", 1) and
              series(pot1, "moisture").get("count") == 4 and series(pot1, "moisture").get("last_value") == 34,
              json.dumps(pot1)[:400])
        # A power cut right after the answer: what was answered 201 must be on disk.
        batch = {"readings": [{"sensor": "pot1", "quantity": "lux", "value": 100 + i, "ts": now - 30 + i}
                              for i in range(5)]}
        status, _, data = api("POST", "/api/readings", batch, token=token)
        hub.proc.send_signal(signal.SIGKILL)
        check("a batch answered 201 just before SIGKILL", status == 201 and data == {"accepted": 5},
              f"{status} {data}")
    finally:
        hub.proc.send_signal(signal.SIGKILL)
        hub.stop()

    hub = boot(binary, disk, artifacts, "boot2")
    try:
        up = hub.wait_for(r"web: HTTPS on port 443", 30)
        check("the owner logs in again after the restart", up and api.login(hub), str(api.csrf))
        got = values(api, "pot1", "lux")
        check("every reading answered 201 survives SIGKILL and a restart", up and got == [100, 101, 102, 103, 104],
              str(got))
        listed = sensors(api)
        check("the registry survives too (names, units, discovery-made sensors)",
              listed.get("pot1", {}).get("name") == "Basil" and listed.get("fridge", {}).get("units", {}).get(
                  "temperature") == "°C" and listed.get("pot2", {}).get("name") == "Fern",
              json.dumps(listed)[:300])
        status, _, data = api("POST", "/api/readings", {"sensor": "pot1", "quantity": "lux", "value": 7}, token=token)
        check("the rotated token still works after the restart", status == 201, f"{status} {data}")
        check("no sanitizer report", *net.sanitizer_verdict(hub))
    finally:
        hub.stop()


def main():
    return net.hosted_main(__doc__, "HTTP ingest scenario", "hearth-ingest-", ("ip", "mosquitto_pub", "curl"), run)


if __name__ == "__main__":
    sys.exit(main())
