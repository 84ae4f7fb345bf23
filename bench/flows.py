#!/usr/bin/env python3
"""The full registration flow as flows/s: sign up, confirm through the e-mailed link (read from
the server's .eml folder, as no SMTP server is configured), log in, register for the event.

    python3 bench/flows.py BASE_URL EVENT_SLUG MAIL_DIR [flows] [concurrent clients]
"""
import email
import http.cookiejar
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

base, slug, mail_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
flows = int(sys.argv[4]) if len(sys.argv) > 4 else 200
clients = int(sys.argv[5]) if len(sys.argv) > 5 else 32
PASSWORD = "correct horse battery staple"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def get(o, path):
    try:
        with o.open(base + path) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def post(o, path, fields):
    data = urllib.parse.urlencode(fields).encode()
    try:
        with o.open(urllib.request.Request(base + path, data=data)) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def token(html):
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return m.group(1) if m else ""


def wait_for_link(addr, deadline):
    while time.time() < deadline:
        for f in mail_dir.glob("*.eml"):
            text = f.read_text(errors="replace")
            if addr in text and "Confirm your e-mail" in text:
                msg = email.message_from_string(text)
                for part in msg.walk():
                    if part.get_content_type() == "text/plain":
                        body = part.get_payload(decode=True).decode()
                        m = re.search(re.escape(base) + r"(/confirm/\S+)", body)
                        if m:
                            return m.group(1)
        time.sleep(0.05)
    raise RuntimeError("no confirmation e-mail for " + addr)


def flow(i):
    o = opener()
    addr = f"flow-{uuid.uuid4().hex[:10]}@bench.example"
    _, page = get(o, "/signup")
    s, _ = post(o, "/signup", {"csrf_token": token(page), "name": f"Flow {i}", "email": addr, "password": PASSWORD})
    assert s == 303, s
    link = wait_for_link(addr, time.time() + 60)
    _, page = get(o, link)
    s, _ = post(o, link, {"csrf_token": token(page)})
    assert s == 303, s
    _, page = get(o, "/login")
    s, _ = post(o, "/login", {"csrf_token": token(page), "email": addr, "password": PASSWORD, "next": "/"})
    assert s == 303, s
    _, page = get(o, f"/events/{slug}/register")
    fields = {"csrf_token": token(page), "organisation": "Bench Org", "sector": "academia", "country": "BE"}
    s, body = post(o, f"/events/{slug}/register", fields)
    assert s == 303, (s, body[:300])


start = time.time()
ok = 0
errors = []
with ThreadPoolExecutor(clients) as pool:
    for f in [pool.submit(flow, i) for i in range(flows)]:
        try:
            f.result()
            ok += 1
        except Exception as e:  # noqa: BLE001 - report, keep counting
            errors.append(repr(e))
elapsed = time.time() - start
print(f"registration flows: {ok} of {flows} completed by {clients} clients in {elapsed:.1f} s = {ok / elapsed:.1f} flows/s")
if errors:
    print(f"  {len(errors)} failed, e.g. {errors[0]}")
