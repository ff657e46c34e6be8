#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: TLS on the hosted build, driven by openssl s_client and Python's ssl module.

Runs in a private network namespace with a TAP device, like test_net_hosted.py (whose plumbing it
reuses), with a disk file for the key slots. Boots Hearth with the temporary TLS echo (tlsecho=1, port
7443) and checks: TLS 1.3 and 1.2 handshakes verify against the printed device certificate for
hearth.local; the console fingerprint matches `openssl x509 -fingerprint -sha256`; echo round trips;
ticket resumption; a reboot with the same disk keeps the identity; a corrupted stored key (both copies)
makes the next boot warn and create a new identity. Renewal: a stored certificate that expires within 60
days (one made here with the stored device key and written into the key slot) is re-issued at boot
from the same key: same SPKI pin, new certificate valid 397 days, that s_client verifies. The console's
SPKI pin matches OpenSSL's and survives every reboot that keeps the key. Needs root. Prints `PASS`/`FAIL` per check and a
closing `N passed, M failed`."""
import argparse
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402  (namespace, TAP and console plumbing)

TOP = net.TOP
HUB_IP, HOST_IP, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
PORT = 7443
UP_TIMEOUT = 30
DISK_BYTES = 1024 * 1024
KEY_SLOT, CERT_SLOT, COPY_BYTES = 1, 2, 16 * 1024  # tls/tls_keyslot.h: copies A and B of 16 KiB
SLOT_NAMES = {1: b"key", 2: b"cert"}

check = net.check  # one PASS/FAIL counter per process, shared with the plumbing


def boot(binary, disk, artifacts, name):
    args = [f"ip={HUB_IP}/{PREFIX}", f"gw={HOST_IP}", f"net={net.TAP}", f"blkdev={disk}", "tlsecho=1",
            "tls.printcert=1"]
    return net.Hearth(binary, args, os.path.join(artifacts, f"hosted-tls-{name}.console.log"))


def wait_ready(hub):
    """Waits for the fingerprint and the echo listener; returns (fingerprint, PEM) or (None, reason)."""
    m = hub.wait_for(r"tls: device certificate SHA-256 fingerprint (\S+)", UP_TIMEOUT)
    if not m or not hub.wait_for(r"tls: echo listening on tcp/7443", UP_TIMEOUT):
        return None, "no fingerprint/echo marker:" + hub.tail()
    if not hub.wait_for(r"-----END CERTIFICATE-----", 5):
        return None, "no PEM on the console:" + hub.tail()
    with hub.cond:
        return m.group(1), net.certificate_pem(hub.lines)


def console_pin(hub):
    m = hub.wait_for(r"tls: device key SHA-256 SPKI pin (\S+)", 5)
    return m.group(1) if m else None


def openssl_pin(pem_path):
    """SHA-256 of the certificate's SubjectPublicKeyInfo, as the console prints it."""
    pub = subprocess.run(["openssl", "x509", "-in", pem_path, "-noout", "-pubkey"], capture_output=True, check=True)
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub.stdout, capture_output=True,
                         check=True).stdout
    import hashlib
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def read_slot(disk, slot):
    """The current payload of a key slot (tls/tls_keyslot.h) and its sequence number, or (None, 0)."""
    best = (None, 0)
    with open(disk, "rb") as f:
        for copy in (0, 1):
            f.seek((2 * slot + copy) * COPY_BYTES)
            c = f.read(COPY_BYTES)
            if c[:4] != b"HKS1":
                continue
            seq, length = struct.unpack_from("<QI", c, 8)
            if crc32c(c[32:32 + length], crc32c(c[:28])) == struct.unpack_from("<I", c, 28)[0] and seq > best[1]:
                best = (c[32:32 + length], seq)
    return best


def write_slot(disk, slot, payload):
    """Writes payload as the slot's new current value (the copy that is not current, next sequence)."""
    _, seq = read_slot(disk, slot)
    current = None
    with open(disk, "rb") as f:
        for copy in (0, 1):
            f.seek((2 * slot + copy) * COPY_BYTES)
            c = f.read(32)
            if c[:4] == b"HKS1" and struct.unpack_from("<Q", c, 8)[0] == seq:
                current = copy
    target = 1 - current if current is not None else 0
    head = struct.pack("<IHHQI8s", 0x31534B48, 1, slot, seq + 1, len(payload), SLOT_NAMES[slot].ljust(8, b"\0"))
    copy = head + struct.pack("<I", crc32c(payload, crc32c(head))) + payload
    with open(disk, "r+b") as f:
        f.seek((2 * slot + target) * COPY_BYTES)
        f.write(copy.ljust(COPY_BYTES, b"\0"))


def plant_expiring_cert(disk, tmp):
    """Signs a certificate valid for 10 days with the stored device key and stores it: due for renewal."""
    key, _ = read_slot(disk, KEY_SLOT)
    if key is None:
        return False
    key_path, crt_path = os.path.join(tmp, "key.der"), os.path.join(tmp, "short.der")
    with open(key_path, "wb") as f:
        f.write(key)
    p = net.sh("openssl", "req", "-x509", "-new", "-key", key_path, "-keyform", "DER", "-subj", "/CN=hearth.local",
               "-days", "10", "-outform", "DER", "-out", crt_path)
    if p.returncode != 0:
        return False
    with open(crt_path, "rb") as f:
        write_slot(disk, CERT_SLOT, f.read())
    return True


def validity_days(pem_path):
    text = net.sh("openssl", "x509", "-in", pem_path, "-noout", "-startdate", "-enddate").stdout
    dates = dict(line.split("=", 1) for line in text.split("\n") if "=" in line)
    fmt = "%b %d %H:%M:%S %Y %Z"
    start = time.mktime(time.strptime(" ".join(dates["notBefore"].split()), fmt))
    end = time.mktime(time.strptime(" ".join(dates["notAfter"].split()), fmt))
    return round((end - start) / 86400)


def openssl_fingerprint(pem_path):
    p = net.sh("openssl", "x509", "-in", pem_path, "-noout", "-fingerprint", "-sha256")
    m = re.search(r"Fingerprint=(\S+)", p.stdout)
    return m.group(1) if m else p.stdout.strip()


def s_client(version, ca, extra=(), data=b"hello over tls\n"):
    cmd = ["openssl", "s_client", "-connect", f"{HUB_IP}:{PORT}", version, "-CAfile", ca,
           "-verify_return_error", "-verify_hostname", "hearth.local", "-servername", "hearth.local",
           *extra]
    try:
        p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
    except subprocess.TimeoutExpired:
        return False, "s_client timed out", ""
    out = p.stdout.decode("utf-8", "replace")
    return p.returncode == 0, out, out


def python_echo(ca, version, size, chunk=16384):
    """Echo through TLS in chunks: send one, read it back, repeat. (An SSL socket must not be read and
    written from two threads at once, so unlike the plain TCP test there is no sender thread.)"""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ctx.maximum_version = version
    data = os.urandom(size)
    got = bytearray()
    with socket.create_connection((HUB_IP, PORT), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="hearth.local") as s:
            for off in range(0, size, chunk):
                s.sendall(data[off:off + chunk])
                want = min(size, off + chunk)
                while len(got) < want:
                    more = s.recv(65536)
                    if not more:
                        break
                    got += more
                if len(got) < want:
                    break
            cipher = s.cipher()
    return bytes(got) == data, f"{len(got)}/{size} bytes, {cipher[1]} {cipher[0]}"


def resumption(ca, version):
    """Connects twice with one session: the second handshake must resume from the ticket."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ctx.maximum_version = version
    session, reused = None, []
    for _ in range(2):
        with socket.create_connection((HUB_IP, PORT), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="hearth.local", session=session) as s:
                s.sendall(b"ticket?")
                s.recv(16)  # an echo round trip also delivers TLS 1.3's NewSessionTicket
                reused.append(s.session_reused)
                session = s.session
    return reused == [False, True], f"reused {reused}"


def first_boot_checks(hub, fp, pem, ca, budget):
    made = hub.wait_for(r"tls: creating the device identity", 1) is not None
    check("boot 1: first boot creates the identity", made, "" if made else hub.tail())
    check("boot 1: console fingerprint matches openssl x509 -fingerprint -sha256",
          fp == openssl_fingerprint(ca), f"{fp} vs {openssl_fingerprint(ca)}")
    pin = console_pin(hub)
    check("boot 1: console SPKI pin matches OpenSSL's SHA-256 of the public key", pin and pin == openssl_pin(ca),
          f"{pin} vs {openssl_pin(ca)}")
    days = validity_days(ca)
    check("certificate: valid 397 days (no more than the 398 browsers and scanners accept)", days == 397, f"{days}")
    ext = net.sh("openssl", "x509", "-in", ca, "-noout", "-ext", "crlDistributionPoints").stdout
    check("certificate: CRL Distribution Point http://hearth.local/crl.der", "URI:http://hearth.local/crl.der" in ext,
          " ".join(ext.split()))
    text = net.sh("openssl", "x509", "-in", ca, "-noout", "-ext", "subjectAltName", "-subject",
                  "-dates").stdout
    check("certificate: CN and SAN name hearth.local and the static address",
          "DNS:hearth.local" in text and f"IP Address:{HUB_IP}" in text and "CN = hearth.local" in text,
          "" if "DNS:hearth.local" in text else " ".join(text.split()))
    for version, proto in (("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")):
        ok, out, _ = s_client(version, ca)
        proto_ok = re.search(rf"Protocol\s*:\s*{re.escape(proto)}|New, {re.escape(proto)}", out)
        verified = "Verify return code: 0 (ok)" in out
        cipher = re.search(r"Cipher is (\S+)", out)
        check(f"openssl s_client {version} completes and verifies for hearth.local",
              ok and proto_ok and verified, (cipher.group(1) if cipher else "") if ok and proto_ok and verified
              else out[-1500:])
        served = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
        check(f"s_client {version}: the served certificate is the printed one",
              served and served.group(0).strip() == pem.strip(), "" if served else "no certificate in output")
    # TLS 1.2 must not offer anything but ECDHE-ECDSA with AEAD.
    for weak in ("AES128-SHA", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA256"):
        ok, out, _ = s_client("-tls1_2", ca, ("-cipher", weak))
        check(f"TLS 1.2 refuses weak suite {weak}", not ok or "Cipher is (NONE)" in out, "")
    for version, name in ((ssl.TLSVersion.TLSv1_3, "1.3"), (ssl.TLSVersion.TLSv1_2, "1.2")):
        for size in (1, 20000, 300000):
            try:
                ok, detail = python_echo(ca, version, size)
            except (OSError, ssl.SSLError) as e:
                ok, detail = False, repr(e)
            check(f"TLS {name} echo round trip, {size} bytes", ok, detail)
    for version, name in ((ssl.TLSVersion.TLSv1_3, "1.3"), (ssl.TLSVersion.TLSv1_2, "1.2")):
        try:
            reused, detail = resumption(ca, version)
        except (OSError, ssl.SSLError) as e:
            reused, detail = False, repr(e)
        check(f"TLS {name} session ticket resumption", reused, detail)
    check_budget(ca, budget)
    clean = hub.proc.poll() is None and not any("Sanitizer" in x or "runtime error" in x for x in hub.lines)
    check("boot 1: hearth still running, no sanitizer report", clean, "" if clean else hub.tail(40))


def check_budget(ca, budget):
    """Fills the board's TLS slots (board.json: 8 on the Xen boards, hundreds hosted) with idle TCP
    connections: the next one is refused, and a slot frees again."""
    idle = []
    try:
        for _ in range(budget):
            idle.append(socket.create_connection((HUB_IP, PORT), timeout=5))
        refused = False
        try:
            ok, _ = python_echo(ca, ssl.TLSVersion.TLSv1_3, 10)
            refused = not ok
        except (OSError, ssl.SSLError):
            refused = True
        check(f"connection {budget + 1} is refused while {budget} TLS connections (the budget) are open",
              refused)
    finally:
        for s in idle:
            s.close()
    ok = False
    for _ in range(20):  # the slots free as the resets/FINs arrive
        try:
            ok, _ = python_echo(ca, ssl.TLSVersion.TLSv1_3, 10)
            break
        except (OSError, ssl.SSLError):
            time.sleep(0.25)
    check("after the idle connections close, TLS serves again", ok)


def corrupt_key(disk):
    with open(disk, "r+b") as f:
        for copy in (0, 1):
            f.seek((2 * KEY_SLOT + copy) * COPY_BYTES + 40)
            f.write(b"\xde\xad\xbe\xef" * 8)


def run(binary, artifacts, tmp, budget):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(DISK_BYTES)
    ca = os.path.join(tmp, "device.pem")

    hub = boot(binary, disk, artifacts, "boot1")
    try:
        fp1, pem = wait_ready(hub)
        if not check("boot 1: fingerprint line, certificate PEM and TLS echo", fp1 and pem, "" if pem else str(fp1)):
            return
        open(ca, "w").write(pem)
        first_boot_checks(hub, fp1, pem, ca, budget)
    finally:
        hub.stop()

    hub = boot(binary, disk, artifacts, "boot2")
    try:
        fp2, pem2 = wait_ready(hub)
        check("reboot with the same disk keeps the fingerprint", fp2 == fp1, "" if fp2 == fp1 else f"{fp2} vs {fp1}")
        pin2 = console_pin(hub)
        check("reboot with the same disk keeps the SPKI pin", pin2 and pin2 == openssl_pin(ca), f"{pin2}")
        loaded = fp2 and hub.wait_for(r"tls: creating the device identity|WARNING", 0.5) is None
        check("reboot loads the identity instead of creating one", loaded, "" if loaded else hub.tail())
        reseeded = hub.wait_for(r"tls: entropy: seeded from .*stored seed \(replaced\)", 1) is not None
        check("reboot mixed in and replaced the stored entropy seed", reseeded, "" if reseeded else hub.tail())
        ok, out, _ = s_client("-tls1_3", ca)
        ok = ok and "Verify return code: 0 (ok)" in out
        check("reboot: s_client -tls1_3 verifies with the first boot's certificate", ok, "" if ok else out[-800:])
    finally:
        hub.stop()

    corrupt_key(disk)
    hub = boot(binary, disk, artifacts, "boot3")
    try:
        fp3, pem3 = wait_ready(hub)
        warned = hub.wait_for(r"tls: WARNING: stored device key is corrupt; generating a new identity", 1)
        check("corrupted stored key: the next boot prints the WARNING", warned, "" if warned else hub.tail())
        check("corrupted stored key: a new fingerprint", fp3 and fp3 != fp1, f"{fp3}")
        if pem3:
            ca3 = os.path.join(tmp, "device3.pem")
            open(ca3, "w").write(pem3)
            check("new identity: console fingerprint matches openssl", fp3 == openssl_fingerprint(ca3))
            ok, out, _ = s_client("-tls1_2", ca3)
            ok = ok and "Verify return code: 0 (ok)" in out
            check("new identity: s_client -tls1_2 verifies", ok, "" if ok else out[-800:])
            ok, out, _ = s_client("-tls1_3", ca)
            check("new identity: the old certificate no longer verifies", not ok, "")
    finally:
        hub.stop()

    hub = boot(binary, disk, artifacts, "boot4")
    try:
        fp4, _ = wait_ready(hub)
        check("the repaired identity is stable on the next boot", fp4 == fp3, "" if fp4 == fp3 else f"{fp4} vs {fp3}")
        pin4 = console_pin(hub)
    finally:
        hub.stop()

    planted = plant_expiring_cert(disk, tmp)
    check("renewal: a certificate expiring in 10 days, signed with the stored key, is in the cert slot", planted)
    if not planted:
        return
    hub = boot(binary, disk, artifacts, "boot5")
    try:
        fp5, pem5 = wait_ready(hub)
        renewed = hub.wait_for(r"tls: issued the device certificate \(renewal\)", 1)
        check("renewal: the boot re-issues the certificate", renewed, "" if renewed else hub.tail())
        pin5 = console_pin(hub)
        check("renewal: same key (same SPKI pin), new certificate", pin5 == pin4 and fp5 != fp4,
              f"pin {pin5} vs {pin4}")
        no_new_key = hub.wait_for(r"tls: creating the device identity|WARNING", 0.5) is None
        check("renewal: no new key, no warning", no_new_key, "" if no_new_key else hub.tail())
        if pem5:
            ca5 = os.path.join(tmp, "device5.pem")
            open(ca5, "w").write(pem5)
            check("renewal: the new certificate is valid 397 days", validity_days(ca5) == 397, f"{validity_days(ca5)}")
            ok, out, _ = s_client("-tls1_3", ca5)
            ok = ok and "Verify return code: 0 (ok)" in out
            check("renewal: s_client -tls1_3 verifies the renewed certificate", ok, "" if ok else out[-800:])
    finally:
        hub.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="hosted-asan", help="build/<preset>/hearth to test")
    args = ap.parse_args()
    binary = os.path.join(TOP, "build", args.preset, "hearth")
    artifacts = os.path.join(TOP, "build", "test-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    if net.hosted_ready(binary, ("ip", "openssl")):
        with open(os.path.join(TOP, "build", args.preset, "board.json")) as f:
            budget = int(json.load(f)["tls_max_conns"])
        net.in_netns("TLS scenario", "hearth-tls-", lambda tmp: run(binary, artifacts, tmp, budget))
    return net.summary()

if __name__ == "__main__":
    sys.exit(main())
