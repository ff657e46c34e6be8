#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""System test: owner authentication on the hosted build (pairing, login, sessions, CSRF, throttling).

In a private network namespace with a TAP device (test_net_hosted.py's plumbing) and a disk file:
reads the setup code from the console; with curl, checks that nothing but the public routes answers
without a session (401 for the API, a redirect for pages), that a wrong setup code and a cross-site
setup are refused and the right code pairs once, that the session cookie is HttpOnly, Secure and
SameSite=Strict, that state-changing requests need the CSRF token and a same-origin Origin, and that a
wrong password over and over is answered with 429 and a growing Retry-After (per client address: a
second address still logs in). A password change ends the other sessions. After a restart the password
still works and the old sessions do not. Needs root. Prints PASS/FAIL per check and a closing
`N passed, M failed`."""
import http.client
import json
import os
import re
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_net_hosted as net  # noqa: E402  (namespace, TAP, console and HTTPS plumbing)

TOP = net.TOP
HUB, GW, PREFIX = net.HUB_IP, net.HOST_IP, net.PREFIX
SECOND_CLIENT = "10.77.0.3"  # another address on the host side: throttling is per client
PASSWORD, NEW_PASSWORD = net.OWNER_PASSWORD, "a whole new passphrase"
UP_TIMEOUT = 30


def check(name, ok, detail=""):
    return net.check(f"auth: {name}", ok, detail)


def boot(binary, disk, artifacts, name):
    args = [f"ip={HUB}/{PREFIX}", f"gw={GW}", f"net={net.TAP}", f"blkdev={disk}", "tls.printcert=1"]
    return net.Hearth(binary, args, os.path.join(artifacts, f"hosted-auth-{name}.console.log"))


def wait_up(hub, ca):
    if not hub.wait_for(r"web: HTTPS on port 443", UP_TIMEOUT):
        return False
    return net.write_certificate(hub, ca, 5) is not None


class Client:
    """A keep-alive HTTPS connection (Python's http.client), for bursts that must not wait on new
    handshakes between requests."""

    def __init__(self, ca):
        ctx = ssl.create_default_context(cafile=ca)
        ctx.check_hostname = False  # the certificate names hearth.local and we dial its address; the chain
        self.conn = http.client.HTTPSConnection(HUB, 443, context=ctx, timeout=30)  # is still verified

    def login(self, password):
        self.conn.request("POST", "/api/auth/login", json.dumps({"password": password}),
                          {"Content-Type": "application/json", "Host": "hearth.local"})
        r = self.conn.getresponse()
        r.read()
        retry = r.getheader("Retry-After")
        return r.status, int(retry) if retry and retry.isdigit() else None

    def close(self):
        self.conn.close()


def cookie_attributes(reply):
    """The attributes of the hearth_session Set-Cookie header, lower-cased, e.g. {'httponly', 'secure',
    'samesite=strict', 'path=/', 'max-age=604800'}."""
    for value in reply.headers.get("set-cookie", []):
        if value.startswith("hearth_session="):
            return {part.strip().lower() for part in value.split(";")[1:]}
    return set()


def unauthenticated(ca):
    r = net.curl(ca, "GET", "/api/health")
    check("GET /api/health is public", r.status == 200, repr(r))
    r = net.curl(ca, "GET", "/api/auth/state")
    check("GET /api/auth/state before pairing says unpaired", r.json() == {"paired": False, "logged_in": False},
          repr(r))
    r = net.curl(ca, "GET", "/api/readings?sensor=pot1&quantity=moisture")
    check("unauthenticated GET /api/readings gets 401 JSON", r.status == 401 and "error" in r.json(), repr(r))
    r = net.curl(ca, "GET", "/api/sensors")
    check("unauthenticated GET /api/sensors gets 401", r.status == 401, repr(r))
    r = net.curl(ca, "GET", "/")
    check("unauthenticated GET / is sent to the login page", r.status == 303 and r.header("Location") ==
          "/login.html", repr(r))
    r = net.curl(ca, "GET", "/hearth.js")
    check("dashboard assets need a session", r.status == 303, repr(r))
    r = net.curl(ca, "GET", "/login.html")
    check("the login page is public and may not be framed", r.status == 200 and "frame-ancestors 'none'" in
          (r.header("Content-Security-Policy") or ""), f"{r.status} {r.header('Content-Security-Policy')}")
    r = net.curl(ca, "POST", "/api/auth/login", {"password": PASSWORD})
    check("login before pairing gets 409", r.status == 409, repr(r))


def pairing(hub, ca):
    code = net.setup_code(hub)
    if not check("the console shows a setup code", code is not None, code or hub.tail()):
        return None
    wrong = ("B" if code[0] != "B" else "C") + code[1:]
    r = net.curl(ca, "POST", "/api/auth/setup", {"code": wrong, "password": PASSWORD})
    check("setup with a wrong code gets 403", r.status == 403, repr(r))
    r = net.curl(ca, "POST", "/api/auth/setup", {"code": code, "password": PASSWORD},
                 headers=("Origin: https://evil.example",))
    check("cross-site setup (foreign Origin) gets 403", r.status == 403, repr(r))
    r = net.curl(ca, "POST", "/api/auth/setup", {"code": code, "password": "short"})
    check("a password under 10 characters gets 400", r.status == 400, repr(r))
    r = net.curl(ca, "POST", "/api/auth/setup", {"code": code.lower(), "password": PASSWORD},
                 headers=("Origin: https://hearth.local",))
    cookie = net.session_cookie(r)
    check("setup with the right code sets the password and starts a session", r.status == 200 and cookie and
          len(r.json().get("csrf", "")) == 64, repr(r))
    r2 = net.curl(ca, "POST", "/api/auth/setup", {"code": code, "password": "another long password"})
    check("the setup code no longer works once used", r2.status == 409, repr(r2))
    said = hub.wait_for(r"auth: paired from 10\.77\.0\.1", 5) is not None
    check("the console says the hub is paired", said, "" if said else hub.tail(5))
    r = net.curl(ca, "GET", "/api/auth/state")
    check("GET /api/auth/state after pairing: paired, not logged in without the cookie",
          r.json() == {"paired": True, "logged_in": False}, repr(r))
    return cookie


def sessions_and_csrf(ca):
    r = net.curl(ca, "POST", "/api/auth/login", {"password": PASSWORD})
    attrs = cookie_attributes(r)
    cookie, csrf = net.session_cookie(r), r.json().get("csrf")
    want = {"httponly", "secure", "samesite=strict", "path=/"}
    check("login sets an HttpOnly, Secure, SameSite=Strict session cookie", r.status == 200 and want <= attrs and
          cookie and re.fullmatch(r"[0-9a-f]{64}", cookie), f"{r.status} {sorted(attrs)}")
    check("the session cookie has a Max-Age", any(a.startswith("max-age=") and int(a[8:]) > 0 for a in attrs),
          str(sorted(attrs)))
    r = net.curl(ca, "GET", "/api/readings?sensor=pot1&quantity=moisture", cookie=cookie)
    check("GET /api/readings with the session cookie gets 200", r.status == 200 and r.json().get("count") == 0,
          repr(r))
    r = net.curl(ca, "GET", "/", cookie=cookie)
    check("GET / (the dashboard) with the session cookie gets 200", r.status == 200, repr(r))
    r = net.curl(ca, "GET", "/api/auth/state", cookie=cookie)
    check("GET /api/auth/state with the cookie: logged in, with the CSRF token",
          r.json() == {"paired": True, "logged_in": True, "csrf": csrf}, repr(r))
    r = net.curl(ca, "GET", "/api/readings?sensor=a&quantity=b", cookie="0" * 64)
    check("a made-up session id gets 401", r.status == 401, repr(r))
    r = net.curl(ca, "POST", "/api/auth/logout", cookie=cookie)
    check("POST without the CSRF header gets 403", r.status == 403, repr(r))
    r = net.curl(ca, "POST", "/api/auth/logout", cookie=cookie, csrf="f" * 64)
    check("POST with a wrong CSRF token gets 403", r.status == 403, repr(r))
    r = net.curl(ca, "POST", "/api/auth/logout", cookie=cookie, csrf=csrf, headers=("Origin: https://evil.example",))
    check("POST with the token but a cross-site Origin gets 403", r.status == 403, repr(r))
    r = net.curl(ca, "POST", "/api/auth/logout", cookie=cookie, csrf=csrf, headers=("Sec-Fetch-Site: cross-site",))
    check("POST with Sec-Fetch-Site: cross-site gets 403", r.status == 403, repr(r))
    r = net.curl(ca, "GET", "/api/sensors", cookie=cookie, headers=("Sec-Fetch-Site: cross-site",
                                                                    "Sec-Fetch-Mode: cors"))
    check("a cross-site fetch of the API gets 403 even with the cookie", r.status == 403, repr(r))
    r = net.curl(ca, "GET", "/api/auth/state", cookie=cookie)
    check("the refused requests did not end the session", r.json().get("logged_in") is True, repr(r))
    r = net.curl(ca, "POST", "/api/auth/logout", cookie=cookie, csrf=csrf, headers=("Origin: https://hearth.local",
                                                                                   "Sec-Fetch-Site: same-origin"))
    check("logout with the token and a same-origin Origin gets 200 and clears the cookie", r.status == 200 and
          "max-age=0" in cookie_attributes(r), repr(r))
    r = net.curl(ca, "GET", "/api/sensors", cookie=cookie)
    check("the session is gone after logout", r.status == 401, repr(r))


def throttling(ca):
    """Ten wrong passwords: the first few are merely refused, then the client has to wait longer and
    longer. The waits come back as 429 + Retry-After; the test waits them out (never the server)."""
    c = Client(ca)
    statuses, waits = [], []
    try:
        for _ in range(5):  # the fifth wrong one locks this client for a second
            statuses.append(c.login("wrong password!")[0])
        for lock in range(3):
            status, retry = c.login("wrong password!")  # at once, so during the lock
            statuses.append(status)
            waits.append(retry)
            if status != 429 or retry is None:
                break
            if lock == 1:
                right, _ = c.login(PASSWORD)
                check("during a lock even the right password gets 429 (it is not checked)", right == 429, str(right))
            if lock == 2:
                break
            time.sleep(retry + 0.3)
            statuses.append(c.login("wrong password!")[0])  # checked again: wrong, and a longer lock follows
    finally:
        c.close()
    check("the first wrong passwords get 401", statuses[:5] == [401] * 5, str(statuses))
    check("a wrong password 10 times in a row is slowed down: 429 while locked",
          len(statuses) == 10 and statuses[5:] == [429, 401, 429, 401, 429], str(statuses))
    check("Retry-After grows from one lock to the next", len(waits) == 3 and None not in waits and all(
        b > a for a, b in zip(waits, waits[1:])), f"Retry-After {waits}, statuses {statuses}")
    r = net.curl(ca, "POST", "/api/auth/login", {"password": PASSWORD}, source=SECOND_CLIENT)
    check("another client address is not locked out", r.status == 200, repr(r))
    second = net.session_cookie(r)
    time.sleep((waits[-1] or 1) + 0.5)
    r = net.curl(ca, "POST", "/api/auth/login", {"password": PASSWORD})
    check("after the wait the right password logs in", r.status == 200, repr(r))
    return net.session_cookie(r), r.json().get("csrf"), second


def change_password(ca, cookie, csrf, other):
    body = {"password": PASSWORD, "new_password": NEW_PASSWORD}
    r = net.curl(ca, "POST", "/api/auth/password", body, cookie=cookie)
    check("a password change without the CSRF token gets 403", r.status == 403, repr(r))
    r = net.curl(ca, "POST", "/api/auth/password", body, cookie=cookie, csrf=csrf)
    check("the password change with session and token gets 200", r.status == 200, repr(r))
    r = net.curl(ca, "GET", "/api/sensors", cookie=other, source=SECOND_CLIENT)
    check("the password change ended the other sessions", r.status == 401, repr(r))
    r = net.curl(ca, "GET", "/api/sensors", cookie=cookie)
    check("the session that changed the password goes on", r.status == 200, repr(r))
    r = net.curl(ca, "POST", "/api/auth/login", {"password": PASSWORD})
    check("the old password no longer works", r.status == 401, repr(r))


def run(binary, artifacts, tmp):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    ca = os.path.join(tmp, "device.pem")
    net.sh("ip", "addr", "add", f"{SECOND_CLIENT}/{PREFIX}", "dev", net.TAP)
    hub = boot(binary, disk, artifacts, "boot1")
    cookie = None
    try:
        up = wait_up(hub, ca)
        if not check("hub up with HTTPS", up, "" if up else hub.tail()):
            return
        unauthenticated(ca)
        if not pairing(hub, ca):
            return
        sessions_and_csrf(ca)
        cookie, csrf, other = throttling(ca)
        change_password(ca, cookie, csrf, other)
        check("no sanitizer report (first boot)", *net.sanitizer_verdict(hub))
    finally:
        hub.stop()

    hub = boot(binary, disk, artifacts, "boot2")
    try:
        up = wait_up(hub, ca)
        if not check("hub up again", up, "" if up else hub.tail()):
            return
        paired = hub.wait_for(r"auth: owner password set", 1) is not None and \
            hub.wait_for(r"auth: setup code", 0.1) is None
        check("after the restart the hub is paired: no setup code", paired, "" if paired else hub.tail())
        r = net.curl(ca, "GET", "/api/sensors", cookie=cookie)
        check("sessions do not survive a restart", r.status == 401, repr(r))
        r = net.curl(ca, "POST", "/api/auth/login", {"password": NEW_PASSWORD})
        check("the password persisted across the restart", r.status == 200 and net.session_cookie(r), repr(r))
        r = net.curl(ca, "GET", "/api/sensors", cookie=net.session_cookie(r))
        check("and its new session reads the API", r.status == 200, repr(r))
        check("no sanitizer report (second boot)", *net.sanitizer_verdict(hub))
    finally:
        hub.stop()


def main():
    return net.hosted_main(__doc__, "auth scenario", "hearth-auth-", ("ip", "curl"), run)


if __name__ == "__main__":
    sys.exit(main())
