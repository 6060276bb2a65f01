"""The docs page in a real browser: headless Chromium renders every operation and runs one with "Try it out".

The browser may reach 127.0.0.1 only, so the page proves it needs no internet (no CDN, no fonts, no
telemetry). Two locks: `--host-resolver-rules` answers every name but 127.0.0.1 with NOTFOUND (DNS lookups
never leave the machine), and `--proxy-server` sends every connection that is not to a loopback address
(Chromium always bypasses loopback) to a port nobody listens on, which catches literal IP addresses the
resolver rules never see. The components that phone home are switched off as well.
"""
import json
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEAD_PROXY = "127.0.0.1:9"  # the discard port: nothing listens there
WAIT_SECONDS = 15


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,2000", f"--user-data-dir={tmp_path / 'profile'}",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--proxy-server={DEAD_PROXY}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


def wait_for(driver, css, text=None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    condition = (expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text) if text
                 else expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, css)))
    WebDriverWait(driver, WAIT_SECONDS).until(condition)
    return driver.find_element(By.CSS_SELECTOR, css)


def test_the_docs_page_renders_the_operations_and_tries_one_out(browser, live_server, client):
    from selenium.webdriver.common.by import By

    document = client.get("/api/v1/openapi.json").get_json()
    operations = sum(1 for item in document["paths"].values() for method in item
                     if method in ("get", "put", "post", "patch", "delete"))
    browser.get(f"{live_server}/api/v1/docs")
    wait_for(browser, ".opblock")
    shown = browser.find_elements(By.CSS_SELECTOR, ".opblock")

    sessions = "#operations-sessions-listSessions"
    wait_for(browser, f"{sessions} .opblock-summary-control").click()
    wait_for(browser, f"{sessions} .try-out__btn").click()
    wait_for(browser, f"{sessions} .execute").click()
    status = wait_for(browser, f"{sessions} .live-responses-table tbody .response-col_status", "200")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", status)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "docs-try-it-out.png"))
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")

    assert len(shown) == operations
    assert status.text.strip().startswith("200")
    assert fetched and all(url.startswith(live_server) for url in fetched), json.dumps(fetched)


def machine_address():
    """This machine's address on its network (not loopback), or None when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP: picks the outgoing interface, sends nothing
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture
def outside_server(app):
    """The app also listening on every interface: what the browser must not reach but through 127.0.0.1."""
    address = machine_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    server = make_server("0.0.0.0", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield address, server.server_port
    server.shutdown()
    thread.join(timeout=10)


def test_the_browser_reaches_nothing_but_127_0_0_1(browser, live_server, outside_server):
    address, port = outside_server
    browser.get(f"{live_server}/healthz")
    probe = """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {mode: "no-cors"}).then(() => done("reached"), () => done("blocked"));
    """

    outcomes = {url: browser.execute_async_script(probe, url) for url in (
        f"http://localhost:{port}/healthz",  # a name: the resolver rules refuse it
        f"http://{address}:{port}/healthz",  # an address of this machine's network: the dead proxy refuses it
        f"{live_server}/healthz")}

    assert list(outcomes.values()) == ["blocked", "blocked", "reached"], outcomes
