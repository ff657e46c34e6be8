# SPDX-License-Identifier: ISC
"""Runs the dashboard walk-through (tests/browser/dashboard.mjs) in Debian's headless Chromium against a
hub and returns its steps as (ok, name, detail). Shared by the hosted and the Xen dashboard tests.

Chromium trusts exactly the hub's public key (--ignore-certificate-errors-spki-list with the SHA-256 of
the certificate's SubjectPublicKeyInfo) and resolves hearth.local to the hub's address, so the page is
https://hearth.local like on a home network."""
import base64
import hashlib
import os
import re
import ssl
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(TOP, "tests", "browser", "dashboard.mjs")


def spki_sha256_b64(pem):
    """Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (what Chromium pins)."""
    der = ssl.PEM_cert_to_DER_cert(pem)
    pub = subprocess.run(["openssl", "x509", "-inform", "DER", "-pubkey", "-noout"], input=der,
                         capture_output=True, check=True).stdout
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, capture_output=True,
                          check=True).stdout
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def walk_through(hub_ip, port, pem, setup_code, sensor, policy, password, artifacts, timeout=600):
    """Returns [(ok, step, detail)]; a browser that cannot start is one failed step."""
    env = dict(os.environ, HUB_URL=f"https://hearth.local{'' if port == 443 else f':{port}'}", HUB_IP=hub_ip,
               SPKI_SHA256=spki_sha256_b64(pem), SETUP_CODE=setup_code, PASSWORD=password, SENSOR=sensor,
               POLICY=policy, ARTIFACTS=artifacts)
    try:
        r = subprocess.run(["node", SCRIPT], cwd=os.path.dirname(SCRIPT), env=env, capture_output=True,
                           text=True, timeout=timeout)
        out = r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += "\nFAIL the browser walk-through finishes: timed out"
    steps = []
    for line in out.splitlines():
        m = re.match(r"(ok|FAIL) ([^:]*)(?:: (.*))?$", line)
        if m:
            steps.append((m.group(1) == "ok", m.group(2), m.group(3) or ""))
    if not steps:
        steps.append((False, "the browser walk-through runs", out[-600:]))
    return steps
