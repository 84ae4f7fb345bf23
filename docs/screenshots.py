#!/usr/bin/env python3
"""Takes the README's screenshots from a running demo server (headless Debian Chromium).

    cargo run --release -- serve --demo > /tmp/demo.txt &   # prints the demo logins
    python3 docs/screenshots.py http://127.0.0.1:8080 /tmp/demo.txt

Needs `pip install selenium` and Debian's chromium + chromium-driver. Writes docs/*.png.
"""
import re
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

base, logins = sys.argv[1].rstrip("/"), Path(sys.argv[2]).read_text()
password = {m[0]: (m[1], m[2]) for m in re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+password: (\S+)$", logins, re.M)}
out = Path(__file__).parent


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
              "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
              f"--user-data-dir={tempfile.mkdtemp()}"]:
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def login(d, role):
    email, pw = password[role]
    d.get(base + "/login")
    d.find_element(By.ID, "email").send_keys(email)
    d.find_element(By.ID, "password").send_keys(pw)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def shot(d, path, name, height=900):
    d.get(base + path)
    d.set_window_size(1280, height)
    d.save_screenshot(str(out / name))
    print("wrote", out / name)


d = browser()
login(d, "organiser")
event = d.find_element(By.LINK_TEXT, "Organise") and None
d.get(base + "/organise")
link = d.find_element(By.PARTIAL_LINK_TEXT, "Pharma meets Academia").get_attribute("href")
eid = link.rstrip("/").split("/")[-1]
shot(d, f"/organise/events/{eid}/edit", "organiser-event-form.png", 1100)
shot(d, f"/organise/events/{eid}", "organiser-overview.png")
shot(d, f"/organise/events/{eid}/meetings", "organiser-meetings.png", 1200)
shot(d, f"/organise/events/{eid}/meetings/review", "organiser-review.png", 1000)
d.quit()
d = browser()
login(d, "attendee")
shot(d, "/events/pharma-meets-academia/matches", "attendee-matches.png", 1100)
shot(d, "/events/pharma-meets-academia/meetings", "attendee-meetings.png", 1100)
d.quit()
