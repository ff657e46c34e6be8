#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: retention tiers and the per-sensor series API on the hosted build, with real clients.

In a private network namespace with a TAP device (test_net_hosted.py's plumbing) and a disk file:
mosquitto_pub publishes readings with explicit timestamps spread over two hours of yesterday (UTC), one
of them out of order; curl asks GET /api/sensors/<id>/readings for tier raw, 1m, 1h and 1d and every
min/max/mean/count is compared exactly with what was sent. The hub is then killed with SIGKILL and
booted again: the rollups were persisted (nothing pending at start) and the answers are the same; a
late reading then supersedes its buckets. Bad parameters get 400, unknown sensors 404. Needs root.
Prints PASS/FAIL per check and a closing `N passed, M failed`."""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
DAY = 86400
BASE = (int(time.time()) // DAY - 1) * DAY + 10 * 3600  # yesterday 10:00:00 UTC
# (sensor, quantity, seconds after BASE, value); values are exact in binary, so sums are too.
READINGS = [
    ("lab1", "temperature", 5, 20.5),
    ("lab1", "temperature", 30, 21.0),
    ("lab1", "temperature", 59, 22.25),
    ("lab1", "temperature", 60, -3.5),
    ("lab1", "temperature", 4500, 19.75),
    ("lab1", "humidity", 0, 40.0),
    ("lab1", "humidity", 1800, 50.5),
    ("lab1", "temperature", 10, 18.0),  # out of order: after later ones, into the first minute
]
LATE = ("lab1", "temperature", 45, -7.25)


def check(name, ok, detail=""):
    return net.check(f"rollup: {name}", ok, detail)


def boot(binary, disk, artifacts, name):
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    return net.Hearth(binary, args, os.path.join(artifacts, f"hosted-rollup-{name}.console.log"))


def pub(sensor, quantity, ts, value):
    cmd = ["mosquitto_pub", "-h", HUB, "-p", "1883", "-q", "1", "-t", f"hearth/{sensor}/{quantity}",
           "-m", json.dumps({"value": value, "ts": ts})]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


# The owner's session cookie (net.owner_session); a restart ends it, so each boot logs in again.
SESSION = {"cookie": ""}


def login(hub, ca):
    cookie, detail = net.owner_session(hub, ca)
    SESSION["cookie"] = cookie or ""
    return check("the owner logs in", cookie is not None, "" if cookie else str(detail))


def get(ca, path):
    """(HTTP status, parsed JSON or None) of GET path, as the owner."""
    r = subprocess.run(["curl", "-s", "--max-time", "20", "--cacert", ca, "--resolve", f"hearth.local:443:{HUB}",
                        "-H", f"Cookie: hearth_session={SESSION['cookie']}", "-w", "\n%{http_code}",
                        f"https://hearth.local{path}"], capture_output=True, text=True, timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    try:
        return int(code), json.loads(body)
    except ValueError:
        return int(code) if code.isdigit() else 0, None


def expected(readings, tier):
    """{quantity: [points]} as the API should answer for tier."""
    out = {}
    for sensor, quantity, off, value in readings:
        out.setdefault(quantity, []).append((BASE + off, value))
    answer = {}
    for quantity, pts in out.items():
        pts.sort()
        if tier == "raw":
            answer[quantity] = [{"t": t, "v": v} for t, v in pts]
            continue
        size = {"1m": 60, "1h": 3600, "1d": DAY}[tier]
        buckets = {}
        for t, v in pts:
            buckets.setdefault(t - t % size, []).append(v)
        answer[quantity] = [{"t": b, "min": min(vs), "max": max(vs), "mean": sum(vs) / len(vs), "count": len(vs)}
                            for b, vs in sorted(buckets.items())]
    return answer


def check_tiers(ca, readings, when):
    frm, to = BASE - 3600, BASE + 3 * 3600
    for tier in ("raw", "1m", "1h", "1d"):
        want = expected(readings, tier)
        f = frm - frm % DAY if tier == "1d" else frm
        status, data = get(ca, f"/api/sensors/lab1/readings?quantity=temperature&tier={tier}&from={f}&to={to}")
        got = (data or {}).get("series", [{}])[0].get("points") if data and data.get("series") else None
        check(f"{when}: tier={tier} temperature points exact", status == 200 and got == want["temperature"] and
              data.get("tier") == tier and data.get("sensor") == "lab1",
              f"status {status}, got {got}, want {want['temperature']}")
    status, data = get(ca, f"/api/sensors/lab1/readings?tier=1h&from={frm}&to={to}")
    series = {s["quantity"]: s["points"] for s in (data or {}).get("series", [])}
    want = expected(readings, "1h")
    check(f"{when}: without quantity, every quantity of the sensor", status == 200 and series == want,
          f"status {status}, got {series}")


def bad_requests(ca):
    frm, to = BASE - 3600, BASE + 3 * 3600
    for query, why in ((f"tier=5m&from={frm}&to={to}", "an unknown tier"),
                       (f"tier=1m&from=abc&to={to}", "a non-numeric from"),
                       (f"tier=1m&from={to}&to={frm}", "from after to"),
                       ("tier=1m&colour=red", "an unknown parameter"),
                       ("tier=1m&limit=0", "limit 0"),
                       ("quantity=Temp", "a quantity outside [a-z0-9_]")):
        status, data = get(ca, f"/api/sensors/lab1/readings?{query}")
        check(f"400 for {why}", status == 400 and data and data.get("detail"), f"status {status}, {data}")
    for path, why in (("/api/sensors/nosuch/readings?tier=1h", "an unknown sensor"),
                      ("/api/sensors/lab1/readings?quantity=co2", "an unknown quantity"),
                      ("/api/sensors/lab1/other", "another path under the sensor")):
        status, _ = get(ca, path)
        check(f"404 for {why}", status == 404, f"status {status}")
    status, data = get(ca, f"/api/sensors/lab1/readings?quantity=temperature&tier=raw&from={frm}&to={to}&limit=2")
    pts = (data or {}).get("series", [{}])[0].get("points", []) if data else []
    newest = [p["t"] for p in expected(READINGS, "raw")["temperature"][-2:]]
    check("limit=2 answers the two newest points and says truncated",
          status == 200 and [p["t"] for p in pts] == newest and data["series"][0]["truncated"] is True
          and data["truncated"] is True, f"{data}")


def written(hub, want, timeout=20):
    """Waits until the passes' "bucket versions written" lines add up to want; returns their sum."""
    deadline = time.monotonic() + timeout
    total = 0
    while time.monotonic() < deadline:
        with hub.cond:
            total = sum(int(m.group(1)) for m in (re.search(r"rollup: (\d+) bucket versions written", x)
                                                  for x in hub.lines) if m)
        if total >= want:
            break
        time.sleep(0.2)
    return total


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    ca = os.path.join(tmp, "device.pem")
    hub = boot(binary, disk, artifacts, "boot1")
    try:
        up = hub.wait_for(r"mqtt: listening on 1883", 30) and hub.wait_for(r"web: HTTPS on port 443", 5)
        if not check("hub up with the broker and HTTPS", up, "" if up else hub.tail()):
            return
        check("rollups started on an empty store", hub.wait_for(r"rollup: 0 series, 0 buckets pending", 1),
              hub.tail())
        net.write_certificate(hub, ca)
        login(hub, ca)
        for sensor, quantity, off, value in READINGS:
            r = pub(sensor, quantity, BASE + off, value)
            check(f"published {quantity}={value} at BASE+{off}s", r.returncode == 0, r.stderr.strip())
        check_tiers(ca, READINGS, "first boot")
        # Yesterday's buckets are all due: the passes write them (1m: 3 + 2, 1h: 2 + 1, 1d: 1 + 1).
        n = written(hub, 10)
        check("the passes write each bucket once", n == 10, f"{n} written{hub.tail()}")
        bad_requests(ca)
    finally:
        hub.proc.send_signal(signal.SIGKILL)  # a power cut: no clean shutdown
        hub.stop()

    hub = boot(binary, disk, artifacts, "boot2")
    try:
        up = hub.wait_for(r"web: HTTPS on port 443", 30)
        m = hub.wait_for(r"rollup: (\d+) series, (\d+) buckets pending, newest mark (\w+)", 1)
        check("after SIGKILL the rollups were persisted: 2 series, nothing pending, a mark",
              up and m and m.group(1) == "2" and m.group(2) == "0" and m.group(3) == "found", hub.tail())
        login(hub, ca)
        check_tiers(ca, READINGS, "after reboot")
        r = pub(*LATE[:2], BASE + LATE[2], LATE[3])
        check("published a late reading into the first minute", r.returncode == 0, r.stderr.strip())
        n = written(hub, 3)
        check("its 1m, 1h and 1d buckets get new versions, nothing else", n == 3, f"{n} written{hub.tail()}")
        check_tiers(ca, READINGS + [LATE], "after a late reading")
    finally:
        hub.stop()


def main():
    return net.hosted_main(__doc__, "the rollup scenario", "hearth-rollup-", ("ip", "mosquitto_pub", "curl"), run)


if __name__ == "__main__":
    sys.exit(main())
