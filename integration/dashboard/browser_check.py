#!/usr/bin/env python3
"""The operator dashboard (/ui) in a real browser: headless Chromium, driven by Selenium, against a real registry.

Uses Debian's chromium and chromium-driver, and the registry, fleetctl and agent from --bin.

Seeds a registry of its own (temporary data folder, free loopback port): a publisher key, sample-mlp 1.0.0 assigned
to type=demo and installed by a real agent (`modelfleet-agent daemon --once`, run twice: its check-in comes before
its sync, so the second run reports the install), 1.1.0 pushed held and a rollout of it (stages 50,100, one hour
of soak, so it stays in flight), and labels on the agent's device set through the JSON API, one of them a script
tag. Then, one line per passed step, exiting 1 at the first failure (after cleaning up):

 1. seeding: push, assign, the agent enrolls and installs, the rollout is active;
 2. labels: a value holding '=' is refused (selector syntax), a script tag without '=' or ',' is accepted;
 3. /ui/ without a session ends on /ui/login; a wrong token stays there and #login-error says "unknown token";
 4. the admin token logs in to the Fleet page, which links the agent's device (/ui/devices/ID);
 5. the session cookie is HttpOnly, SameSite=Strict, Path=/ui and expires (about 8 hours out);
 6. nav link Rollouts, the rollout's link, Pause (accepting the confirm() dialog): badge "paused", the notice,
    and `fleetctl rollout status` says paused;
 7. live refresh: `fleetctl rollout resume` while the page stays open turns the badge to "active" within 15 s
    without a reload; the rollout is then paused again from the CLI, so the screenshots show a paused rollout;
 8. the device page (and the devices, fleet and audit pages) show the script tag as text; it never ran
    (window.__xss undefined) and the only script element is dashboard.js;
 9. every page (fleet, rollouts, rollout, devices, device, models, model, audit) has an h1 and logs no console
    error (the console is probed first; pages name an empty data: icon, so no /favicon.ico request fails), and at phone width (390x844, mobile emulation) nothing is wider than the viewport
    (wide tables scroll in their .scroll box); with --screenshots, a 1280x800 PNG of each and of the login page;
10. keyboard: Tab reaches every nav link, Log out, and the rollout's action buttons, with a visible focus outline;
11. Log out ends on /ui/login saying "You are logged out."; then, without a browser: /ui/ without a cookie is a
    303 to /ui/login, with the old cookie a 303 to /ui/login?after=expired (logout revoked the session token),
    and a POST to /ui/rollouts/ID/resume with the old cookie or none is refused with 403.
The last line sums it up: "dashboard browser check: N steps passed in S s". On a failure, the page the browser was
on is saved to /tmp/modelfleet-dashboard-failure.png.

Usage: integration/dashboard/browser_check.py [--bin DIR] [--screenshots DIR]
  --bin DIR          folder with modelfleet-registry, modelfleet-agent and fleetctl (default: .build/debug)
  --screenshots DIR  write login.png, fleet.png, rollouts.png, rollout.png, devices.png, device.png, models.png,
                     model.png and audit.png there (docs/screenshots/ holds the committed ones)
Needs `apt-get install chromium chromium-driver` and `pip install selenium==4.51.0`; uses /usr/bin/chromium and
/usr/bin/chromedriver directly, so Selenium Manager never downloads anything.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "integration", "bench"))
import common  # noqa: E402  (registry start and stop)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SAMPLE = os.path.join(ROOT, "integration", "sample-model")
# The label value the device page must show as text. Labels may not hold '=' or ',' (selectors must be able to
# name them), so it increments instead of assigning: had it run, window.__xss would be a number (NaN).
XSS = "<script>window.__xss++</script>"
REFUSED_XSS = "<script>window.__xss=1</script>"
COOKIE = "modelfleet_session"
DESKTOP = (1280, 800)
PHONE = (390, 844)
# Elements reaching past the right edge (arguments[0] px) outside a .scroll container, for a failure message.
TOO_WIDE = """
    var limit = arguments[0] + 1, found = [];
    document.querySelectorAll("body *").forEach(function (e) {
      var box = e.getBoundingClientRect(), scroller = e.parentElement && e.parentElement.closest(".scroll");
      if (box.right > limit && !scroller && !(e.parentElement && e.parentElement.getBoundingClientRect().right > limit)) {
        found.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (typeof e.className === "string" && e.className ? "." + e.className : "")
          + " (" + Math.round(box.width) + " px: " + JSON.stringify(e.textContent.trim().slice(0, 60)) + ")");
      }
    });
    return found.slice(0, 5);"""
PAGES = ["fleet", "rollouts", "rollout", "devices", "device", "models", "model", "audit"]


class Failed(Exception):
    pass


class Steps:
    """Numbered steps: `ok` prints a passed one, `check` fails the current one with a message."""

    def __init__(self):
        self.passed = 0
        self.started = time.monotonic()

    def check(self, condition, message):
        if not condition:
            raise Failed(message)

    def ok(self, what):
        self.passed += 1
        print(f"ok {self.passed:2}  {what}", flush=True)


def binary(bin_dir, name, wait_seconds=180):
    """Path of one of the built programs; waits while it is missing (a rebuild replaces it in place)."""
    path = os.path.join(bin_dir, name)
    deadline = time.monotonic() + wait_seconds
    while not os.access(path, os.X_OK):
        if time.monotonic() > deadline:
            raise Failed(f"{path} is missing (build it, or pass --bin)")
        time.sleep(2)
    return path


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def raw(url, method="GET", cookie=None, form=None, token=None, body=None):
    """One request, redirects not followed: (status, headers, body)."""
    headers = {}
    if cookie is not None:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    if token:
        headers["Authorization"] = "Bearer " + token
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Fleet:
    """The registry, fleetctl and the agent, in one scratch folder."""

    def __init__(self, bin_dir, work):
        self.bin, self.work = bin_dir, work
        self.data = os.path.join(work, "registry")
        self.registry, self.url, self.admin, self.enroll = common.start_registry(binary(bin_dir, "modelfleet-registry"), self.data)

    def fleetctl(self, *arguments):
        env = dict(os.environ, MODELFLEET_REGISTRY=self.url, MODELFLEET_TOKEN=self.admin)
        result = subprocess.run([binary(self.bin, "fleetctl"), *arguments], cwd=self.work, env=env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise Failed(f"fleetctl {' '.join(arguments)} exited {result.returncode}: {result.stderr.strip()}")
        return result.stdout

    def agent_once(self):
        return subprocess.run(
            [binary(self.bin, "modelfleet-agent"), "daemon", "--once", "--data-dir", os.path.join(self.work, "device"),
             "--registry", self.url, "--enroll-token", self.enroll, "--trust", os.path.join(self.work, "publisher.pub"),
             "--labels", "type=demo"], capture_output=True, text=True, timeout=120)

    def api(self, method, path, body=None):
        status, _, answer = raw(self.url + path, method, token=self.admin, body=json.dumps(body).encode() if body is not None else None)
        return status, json.loads(answer or b"null") if answer.startswith((b"{", b"[")) else answer.decode(errors="replace")

    def stop(self):
        if self.registry.poll() is None:
            common.stop_agent_and_registry(None, self.registry, self.work)


def seed(s, fleet):
    """Step 1: v1 installed on a real agent, v2 held and rolling out; returns (device id, rollout id)."""
    fleet.fleetctl("keys", "generate", "--out", "publisher.key")
    fleet.fleetctl("keys", "register", "publisher.pub")
    fleet.fleetctl("push", os.path.join(SAMPLE, "v1.onnx"), "--model", "sample-mlp", "--version", "1.0.0", "--key", "publisher.key")
    fleet.fleetctl("assign", "sample-mlp", "--select", "type=demo")
    # One check-in per run, made before the sync: the second run's check-in reports what the first installed.
    for run in ("first", "second"):
        agent = fleet.agent_once()
        s.check(agent.returncode == 0, f"the agent's {run} sync exited {agent.returncode}: {agent.stderr.strip()[-800:]}")
    live = os.path.realpath(os.path.join(fleet.work, "device", "models", "sample-mlp", "current"))
    s.check(os.path.exists(os.path.join(live, "v1.onnx")), f"the agent has no live sample-mlp 1.0.0 (current -> {live})")
    status, listing = fleet.api("GET", "/v1/devices")
    s.check(status == 200 and len(listing["devices"]) == 1, f"GET /v1/devices: {status} {listing}")
    device = listing["devices"][0]
    s.check([i["version"] for i in device["installed"]] == ["1.0.0"], f"the device reports {device['installed']}, not sample-mlp 1.0.0")
    fleet.fleetctl("push", os.path.join(SAMPLE, "v2.onnx"), "--model", "sample-mlp", "--version", "1.1.0", "--key", "publisher.key", "--hold")
    created = json.loads(fleet.fleetctl("rollout", "create", "sample-mlp", "--version", "1.1.0", "--select", "type=demo",
                                        "--stages", "50,100", "--soak", "1h", "--json"))
    rollout = created.get("rollout", created)
    s.check(rollout.get("state") == "active", f"the new rollout is not active: {created}")
    s.ok(f"seeded: agent {device['id']} runs sample-mlp 1.0.0, rollout {rollout['id']} of 1.1.0 active (stages 50,100, soak 1 h)")
    return device["id"], rollout["id"]


def label(s, fleet, device):
    """Step 2: labels through the JSON API, a script tag among them."""
    status, answer = fleet.api("PUT", f"/v1/devices/{device}/labels", {"labels": {"type": "demo", "note": REFUSED_XSS}})
    s.check(status == 400, f"a label value holding '=' should be refused with 400 (selector syntax), got {status}: {answer}")
    labels = {"type": "demo", "site": "lab", "note": XSS}
    status, answer = fleet.api("PUT", f"/v1/devices/{device}/labels", {"labels": labels})
    s.check(status == 200, f"PUT /v1/devices/{device}/labels {labels}: {status} {answer}")
    s.check(answer["device"]["labels"] == labels, f"the device's labels after the PUT are not {labels}: {answer}")
    s.ok(f"labels site=lab and note={XSS} accepted ('=' in a value refused with 400)")


def browser(log_dir):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                 f"--user-data-dir={os.path.join(log_dir, 'chromium-profile')}", "--no-first-run", "--disable-extensions",
                 "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=os.path.join(log_dir, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    # The viewport itself 1280x800 (the window size would include nothing else headless, but be exact).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": DESKTOP[0], "height": DESKTOP[1], "deviceScaleFactor": 1, "mobile": False})
    return driver


def console_errors(driver):
    """SEVERE browser log entries since the last call."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def path_of(driver):
    parts = urllib.parse.urlsplit(driver.current_url)
    return parts.path + ("?" + parts.query if parts.query else "")


def wait_for(driver, seconds, condition, message):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]).until(condition)
    except TimeoutException:
        raise Failed(f"{message} (after {seconds} s; at {path_of(driver)})") from None


# Read in one script call, not through element references: live refresh may replace #content's children between a
# find and a read (a StaleElementReferenceException).
def badge(driver):
    """The rollout page's state badge: the span.state in the paragraph under the heading."""
    return driver.execute_script('var e = document.querySelector("#content > p > span.state"); return e ? e.textContent : null;')


def main_text(driver):
    return driver.execute_script('return document.getElementById("content").innerText;')


def login(s, driver, fleet, device):
    """Steps 3-5."""
    driver.get(fleet.url + "/ui/")
    s.check(path_of(driver) == "/ui/login", f"/ui/ without a session should end on /ui/login, ended on {path_of(driver)}")
    driver.find_element(By.NAME, "token").send_keys("mf_admin_this-is-not-a-token")
    driver.find_element(By.CSS_SELECTOR, 'form.login button[type="submit"]').click()
    error = wait_for(driver, 10, lambda d: d.find_elements(By.ID, "login-error"), "no #login-error after a wrong token")[0]
    s.check(urllib.parse.urlsplit(driver.current_url).path == "/ui/login", f"a wrong token left the login page: {driver.current_url}")
    s.check("unknown token" in error.text, f"#login-error says {error.text!r}, expected 'unknown token'")
    s.check(not driver.get_cookie(COOKIE), "a refused login set a session cookie")
    # The refused login answers 401, which the console reports as a failed load: expected here, anything else is not.
    errors = [e for e in console_errors(driver) if not re.search(r"/ui/login - .* status of 401", e["message"])]
    s.check(not errors, f"the login page logged console errors: {errors}")
    s.ok("/ui/ without a session ends on /ui/login; a wrong token stays there with #login-error 'unknown token'")

    driver.find_element(By.NAME, "token").send_keys(fleet.admin, Keys.ENTER)
    wait_for(driver, 10, lambda d: path_of(d) == "/ui/", "logging in with the admin token did not land on /ui/")
    heading = driver.find_element(By.TAG_NAME, "h1").text
    s.check(heading == "Fleet", f"the page after login has h1 {heading!r}, expected 'Fleet'")
    links = driver.find_elements(By.CSS_SELECTOR, f'#content a[href="/ui/devices/{urllib.parse.quote(device, safe="")}"]')
    s.check(links and links[0].text == device, f"the Fleet page has no link to /ui/devices/{device} showing the device id "
            "(the 'Recently seen devices' table)")
    s.ok(f"the admin token logs in to the Fleet page, which links device {device}")

    cookies = {c["name"]: c for c in driver.get_cookies()}
    s.check(COOKIE in cookies, f"no {COOKIE} cookie after login: {list(cookies)}")
    cookie = cookies[COOKIE]
    s.check(cookie.get("httpOnly") is True, f"{COOKIE} is not HttpOnly: {cookie}")
    s.check(cookie.get("sameSite") == "Strict", f"{COOKIE} is SameSite={cookie.get('sameSite')}, expected Strict")
    s.check(cookie.get("path") == "/ui", f"{COOKIE} has Path={cookie.get('path')}, expected /ui")
    lifetime = cookie.get("expiry", 0) - time.time()
    s.check(7.9 * 3600 < lifetime <= 8 * 3600 + 5, f"{COOKIE} should expire in about 8 hours (a persistent cookie), expires in {lifetime:.0f} s")
    s.check(not driver.execute_script("return document.cookie.includes(arguments[0])", COOKIE), "a script can read the session cookie")
    s.ok(f"cookie {COOKIE}: HttpOnly, SameSite=Strict, Path=/ui, expires in {lifetime / 3600:.1f} h")
    return cookie["value"]


def rollout_actions(s, driver, fleet, rollout):
    """Steps 6-7."""
    driver.find_element(By.CSS_SELECTOR, 'header nav a[href="/ui/rollouts"]').click()
    wait_for(driver, 10, lambda d: path_of(d) == "/ui/rollouts", "the nav link Rollouts did not open /ui/rollouts")
    driver.find_element(By.CSS_SELECTOR, f'#content a[href="/ui/rollouts/{rollout}"]').click()
    wait_for(driver, 10, lambda d: path_of(d) == f"/ui/rollouts/{rollout}", f"the rollout's link did not open /ui/rollouts/{rollout}")
    s.check(badge(driver) == "active", f"the rollout page's badge reads {badge(driver)!r} before the pause, expected 'active'")
    driver.find_element(By.CSS_SELECTOR, f'form[action="/ui/rollouts/{rollout}/pause"] button').click()
    alert = wait_for(driver, 5, expected_conditions.alert_is_present(), "pressing Pause asked no confirm() question")
    question = alert.text
    alert.accept()
    wait_for(driver, 10, lambda d: badge(d) == "paused", "accepting the confirmation did not post the pause (the badge is not 'paused')")
    # The answer's `?done=pause` shows the notice once; the script takes it out of the address, so the live
    # refresh (and a bookmark) fetch the plain page.
    wait_for(driver, 5, lambda d: "done=" not in d.current_url, f"the address keeps its ?done= after the pause: {driver.current_url}")
    notice = driver.execute_script('var e = document.querySelector("#content p.notice"); return e ? e.textContent : null;')
    s.check(notice == "The rollout is paused.", f"after Pause the notice reads {notice!r}")
    status = fleet.fleetctl("rollout", "status", rollout)
    s.check(re.search(r"\bpaused\b", status), f"fleetctl rollout status {rollout} does not say paused:\n{status}")
    s.ok(f"Pause (confirm: {question!r}) shows badge 'paused' and the notice; fleetctl rollout status says paused")

    driver.execute_script("window.__notReloaded = true")  # gone if the page reloads
    started = time.monotonic()
    fleet.fleetctl("rollout", "resume", rollout)
    wait_for(driver, 15, lambda d: badge(d) == "active", "the rollout page's badge did not turn 'active' after fleetctl rollout resume")
    seconds = time.monotonic() - started
    s.check(driver.execute_script("return window.__notReloaded === true"), "the page reloaded instead of refreshing its content")
    s.check(driver.find_elements(By.CSS_SELECTOR, f'form[action="/ui/rollouts/{rollout}/pause"] button'),
            "the refreshed rollout page offers no Pause button")
    stale = driver.execute_script('var e = document.querySelector("#content p.notice[role=status]"); return e ? e.textContent : null;')
    s.check(stale is None, f"the refreshed page still shows the pause's notice: {stale!r}")
    # Screenshots show a paused rollout: a state that does not move (an active one advances once its soak ends).
    fleet.fleetctl("rollout", "pause", rollout)
    wait_for(driver, 15, lambda d: badge(d) == "paused", "the badge did not turn 'paused' again after fleetctl rollout pause")
    s.ok(f"live refresh: fleetctl rollout resume turned the open page's badge 'active' in {seconds:.1f} s without a reload; paused again from the CLI")


def xss(s, driver, fleet, device):
    """Step 8."""
    driver.get(f"{fleet.url}/ui/devices/{urllib.parse.quote(device, safe='')}")
    s.check(XSS in main_text(driver), f"the device page does not show {XSS} as text")
    s.check(driver.execute_script("return typeof window.__xss") == "undefined", "the label's script ran on the device page")
    s.check(driver.execute_script("return window.__xss") is None, "window.__xss is set")
    scripts = driver.execute_script("return Array.from(document.scripts).map(function (s) { return s.src || s.textContent; })")
    s.check(scripts == [fleet.url + "/ui/static/dashboard.js"], f"the device page's script elements are {scripts}, expected dashboard.js only")
    for path in ("/ui/devices", "/ui/", "/ui/audit"):
        driver.get(fleet.url + path)
        s.check(XSS in main_text(driver), f"{path} does not show {XSS} as text")
        s.check(driver.execute_script("return typeof window.__xss") == "undefined", f"the label's script ran on {path}")
    s.ok(f"the label {XSS} shows as text on the device, devices, fleet and audit pages and never runs")


def every_page(s, driver, fleet, device, rollout, screenshots):
    """Step 9."""
    paths = {"fleet": "/ui/", "rollouts": "/ui/rollouts", "rollout": f"/ui/rollouts/{rollout}", "devices": "/ui/devices",
             "device": f"/ui/devices/{urllib.parse.quote(device, safe='')}", "models": "/ui/models",
             "model": "/ui/models/sample-mlp", "audit": "/ui/audit"}
    # The console is really read: a probe error must show (else the checks below would pass on any page).
    driver.get_log("browser")
    driver.execute_script('console.error("browser_check probe")')
    s.check(any("browser_check probe" in e["message"] and e["level"] == "SEVERE" for e in driver.get_log("browser")),
            "console.error() did not reach driver.get_log('browser') (goog:loggingPrefs browser ALL)")
    for name in PAGES:
        driver.get(fleet.url + paths[name])
        s.check(path_of(driver) == paths[name], f"{paths[name]} ended on {path_of(driver)}")
        headings = driver.find_elements(By.TAG_NAME, "h1")
        s.check(headings and headings[0].text.strip(), f"{paths[name]} has no h1")
        errors = console_errors(driver)
        s.check(not errors, f"{paths[name]} logged console errors: {errors}")
        if screenshots:
            driver.save_screenshot(os.path.join(screenshots, name + ".png"))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
    overflowing = []
    try:
        for name in PAGES:
            driver.get(fleet.url + paths[name])
            inner, scroll = driver.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
            # Chromium's mobile emulation zooms out to fit a page wider than the device (innerWidth then grows), so
            # both must hold: the layout viewport is the phone's width, and nothing is wider than it.
            if inner != PHONE[0] or scroll > inner + 1:
                overflowing.append(f"{paths[name]} is {scroll} px wide (viewport {inner} px, zoomed out to fit); past {PHONE[0]} px: "
                                   f"{driver.execute_script(TOO_WIDE, PHONE[0])}")
            errors = console_errors(driver)
            s.check(not errors, f"{paths[name]} at phone width logged console errors: {errors}")
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": DESKTOP[0], "height": DESKTOP[1], "deviceScaleFactor": 1, "mobile": False})
    s.check(not overflowing, f"at {PHONE[0]}x{PHONE[1]} (every page checked):\n  " + "\n  ".join(overflowing))
    s.ok(f"{len(PAGES)} pages answer with an h1 and no console error; none overflows {PHONE[0]}x{PHONE[1]}"
         + (f"; screenshots in {screenshots}" if screenshots else ""))


def keyboard(s, driver, fleet, rollout):
    """Step 10: Tab from the top of the rollout page reaches the nav links, Log out and the action buttons."""
    driver.get(f"{fleet.url}/ui/rollouts/{rollout}")
    wanted = {f"link {name}": None for name in ("Fleet", "Rollouts", "Devices", "Models", "Audit")}
    wanted.update({f"button {name}": None for name in ("Log out", "Resume", "Abort")})
    describe = """
        var e = document.activeElement;
        if (!e || e === document.body) { return null; }
        var style = getComputedStyle(e);
        return [(e.tagName === "A" ? "link " : e.tagName.toLowerCase() + " ") + e.textContent.trim(), style.outlineStyle + " " + style.outlineWidth];"""
    driver.execute_script("document.activeElement && document.activeElement.blur(); window.focus();")
    # The header comes first: the page's own links and buttons follow; 60 presses is far more than the page holds.
    outlines = {}
    for _ in range(60):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.execute_script(describe)
        if focused and focused[0] in wanted and wanted[focused[0]] is None:
            wanted[focused[0]] = True
            outlines[focused[0]] = focused[1]
        if all(wanted.values()):
            break
    missing = [k for k, v in wanted.items() if not v]
    s.check(not missing, f"Tab never reached {missing} on /ui/rollouts/{rollout}")
    invisible = {k: v for k, v in outlines.items() if v.startswith("none") or v.endswith(" 0px")}
    s.check(not invisible, f"keyboard focus has no visible outline on {invisible}")
    s.ok(f"Tab reaches the 5 nav links, Log out, Resume and Abort, each with a visible focus outline ({next(iter(outlines.values()))})")


def logout(s, driver, fleet, rollout, old):
    """Step 11."""
    driver.find_element(By.CSS_SELECTOR, 'header form[action="/ui/logout"] button').click()
    wait_for(driver, 10, lambda d: path_of(d) == "/ui/login?after=logout", "Log out did not end on /ui/login?after=logout")
    s.check("You are logged out." in main_text(driver), f"the login page after Log out says {main_text(driver)[:200]!r}")
    s.check(not driver.get_cookie(COOKIE), "the session cookie is still in the browser after Log out")
    status, headers, _ = raw(fleet.url + "/ui/")
    s.check((status, headers.get("Location")) == (303, "/ui/login"), f"GET /ui/ without a cookie: {status} -> {headers.get('Location')}, expected 303 -> /ui/login")
    status, headers, _ = raw(fleet.url + "/ui/", cookie=old)
    s.check((status, headers.get("Location")) == (303, "/ui/login?after=expired"),
            f"GET /ui/ with the logged-out cookie: {status} -> {headers.get('Location')}, expected 303 -> /ui/login?after=expired")
    status, _, body = raw(f"{fleet.url}/ui/rollouts/{rollout}/resume", "POST", cookie=old, form={"csrf": "anything"})
    s.check(status == 403, f"POST /ui/rollouts/{rollout}/resume with the logged-out cookie: {status}, expected 403: {body[:200]!r}")
    status, _, body = raw(f"{fleet.url}/ui/rollouts/{rollout}/resume", "POST", form={"csrf": "anything"})
    s.check(status == 403, f"POST /ui/rollouts/{rollout}/resume without a cookie: {status}, expected 403: {body[:200]!r}")
    state = json.loads(fleet.fleetctl("rollout", "status", rollout, "--json"))
    state = state.get("rollout", state).get("state")
    s.check(state == "paused", f"the refused posts changed the rollout: it is {state}")
    s.ok("Log out: 'You are logged out.'; the old cookie now gets 303 -> /ui/login?after=expired, its posts 403 (none without a cookie too)")


def run(s, fleet, driver, screenshots):
    device, rollout = seed(s, fleet)
    label(s, fleet, device)
    driver.get(fleet.url + "/ui/login")
    if screenshots:
        driver.save_screenshot(os.path.join(screenshots, "login.png"))
    old = login(s, driver, fleet, device)
    rollout_actions(s, driver, fleet, rollout)
    xss(s, driver, fleet, device)
    every_page(s, driver, fleet, device, rollout, screenshots)
    keyboard(s, driver, fleet, rollout)
    logout(s, driver, fleet, rollout, old)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"), help="folder with modelfleet-registry, modelfleet-agent and fleetctl (default: .build/debug)")
    parser.add_argument("--screenshots", help="folder for the pages' 1280x800 PNGs")
    args = parser.parse_args()
    bin_dir = os.path.abspath(args.bin)
    screenshots = os.path.abspath(args.screenshots) if args.screenshots else None
    if screenshots:
        os.makedirs(screenshots, exist_ok=True)
    s = Steps()
    work = tempfile.mkdtemp(prefix="modelfleet-dashboard-")
    fleet = driver = None
    try:
        fleet = Fleet(bin_dir, work)
        driver = browser(work)
        run(s, fleet, driver, screenshots)
    except Exception as failure:  # noqa: BLE001  (any failure ends the run the same way, after cleaning up)
        if isinstance(failure, Failed):
            message = str(failure)
        elif isinstance(failure, WebDriverException):
            message = f"{type(failure).__name__}: {failure.msg}"  # without chromedriver's native stack
        else:
            message = "".join(traceback.format_exception(failure)).strip()
        print(f"FAILED step {s.passed + 1}: {message}", file=sys.stderr, flush=True)
        if driver is not None:
            try:
                driver.save_screenshot(os.path.join(tempfile.gettempdir(), "modelfleet-dashboard-failure.png"))
                print(f"  (page {driver.current_url}, screenshot in {tempfile.gettempdir()}/modelfleet-dashboard-failure.png)", file=sys.stderr)
            except WebDriverException:
                pass
        return 1
    finally:
        if driver is not None:
            try:
                driver.quit()
            except WebDriverException:
                driver.service.stop()
        if fleet is not None:
            fleet.stop()
        shutil.rmtree(work, ignore_errors=True)
    s.ok("registry and browser stopped")
    print(f"dashboard browser check: {s.passed} steps passed in {time.monotonic() - s.started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
