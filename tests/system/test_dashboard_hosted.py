#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: the dashboard in headless Chromium against the hosted build.

In a private network namespace with a TAP device (test_net_hosted.py's plumbing) and a disk file:
mosquitto_pub reports a plant pot's readings over the last hours, then Chromium (Debian's, driven by
playwright-core from npm, tests/browser/dashboard.mjs) pairs with the console's setup code, sets a
password, logs out and in, reads the sensor's card and chart, saves a sharing policy, finds it in the
audit log with the chain verified, and checks the overview fits a phone screen. Screenshots go to
build/test-artifacts/dashboard-hosted/. The same walk-through runs under Xen in test_dashboard_xen.py.
Needs root. Prints PASS/FAIL per check and a closing `N passed, M failed`."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_browser  # noqa: E402
import test_net_hosted as net  # noqa: E402

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
SENSOR = "pot1"
# A policy in the gateway's text format (web/policy.h): one recipient, hourly means of one sensor. The
# endpoint does not exist: the walk-through checks the policy is saved and audited, not what is sent.
POLICY = """# who may receive what from this home
recipient garden-club
  endpoint https://garden.example:8443/ingest
  pin-sha256 0000000000000000000000000000000000000000000000000000000000000000
  allow pot1/moisture granularity 1h every 1h purpose "watering research"
"""


def check(name, ok, detail=""):
    return net.check(f"dashboard: {name}", ok, detail)


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    hub = net.Hearth(binary, args, os.path.join(artifacts, "hosted-dashboard.console.log"))
    try:
        up = hub.wait_for(r"mqtt: listening on 1883", 30) and hub.wait_for(r"web: HTTPS on port 443", 5)
        if not check("hub up with HTTPS and MQTT", up, "" if up else hub.tail()):
            return
        hub.wait_for(r"-----END CERTIFICATE-----", 10)
        with hub.cond:
            pem = net.certificate_pem(hub.lines)
        code = net.setup_code(hub)
        if not check("certificate and setup code on the console", pem and code, hub.tail()):
            return
        now = int(time.time())
        for i in range(12):
            r = subprocess.run(["mosquitto_pub", "-h", HUB, "-q", "1", "-t", f"hearth/{SENSOR}/moisture", "-m",
                                f'{{"value": {30 + i % 5}, "ts": {now - 3600 * 3 + i * 900}}}'],
                               capture_output=True, text=True, timeout=20)
            if r.returncode:
                break
        check("readings reported with mosquitto_pub", r.returncode == 0, r.stderr)
        shots = os.path.join(artifacts, "dashboard-hosted")
        shutil.rmtree(shots, ignore_errors=True)
        for ok, step, detail in dashboard_browser.walk_through(HUB, 443, pem, code, SENSOR, POLICY,
                                                               net.OWNER_PASSWORD, shots):
            check(step, ok, detail)
        check("no sanitizer report", *net.sanitizer_verdict(hub))
    finally:
        hub.stop()


def main():
    return net.hosted_main(__doc__, "dashboard scenario", "hearth-dashboard-",
                           ("ip", "mosquitto_pub", "node", "chromium"), run)


if __name__ == "__main__":
    sys.exit(main())
