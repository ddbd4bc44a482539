"""A real browser against a real server: Debian's chromium through chromedriver.

The app of the test session is served by Werkzeug on 127.0.0.1 and a free port, in a
thread; each test loads the demo data (the same as ``make run``) and drives chromium
at phone size (390×844).  Screenshots go to ``$BROWSER_ARTIFACTS`` (default: a folder
in pytest's tmp dir, printed at the end).  Without chromium or chromedriver the tests
are skipped with the reason, and fail when ``REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from gannan.platform.extensions import db
from tests.services import need_browser

WIDTH, HEIGHT = 390, 844
PAGE_LOAD_TIMEOUT = 20


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    folder = Path(os.environ.get("BROWSER_ARTIFACTS") or tmp_path_factory.mktemp("browser"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_driver(javascript: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = need_browser()
    profile = tempfile.mkdtemp(prefix="gannan-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--disable-extensions", "--lang=zh-CN", f"--user-data-dir={profile}",
                 f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    if javascript:
        # A phone's viewport at twice the pixels, for screenshots people can read.  (Not
        # with scripts disabled: chromedriver's emulated taps need them.)
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 2.0}})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT)
    driver.set_script_timeout(PAGE_LOAD_TIMEOUT)
    if not javascript:
        # The page's scripts never run (<noscript> shows); chromedriver's own still work,
        # which the content setting "JavaScript blocked" would break.
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    return driver, profile


@pytest.fixture(scope="session")
def _chromium():
    driver, profile = make_driver()
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def _chromium_nojs():
    driver, profile = make_driver(javascript=False)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def demo(app):
    """The demo accounts and catalogue, committed so the server thread sees them."""
    from gannan.catalog.demo import load_demo_catalogue
    from gannan.platform.demo import load_demo

    load_demo()
    load_demo_catalogue()
    db.session.commit()
    yield
    db.session.remove()


class Browser:
    """The driver, the server's base URL, and the few actions every scenario needs."""

    def __init__(self, driver, base: str, artifacts: Path) -> None:
        self.driver, self.base, self.artifacts = driver, base, artifacts

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def text(self) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "body").text

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def link(self, text: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.PARTIAL_LINK_TEXT, text)

    def fill(self, name: str, value: str) -> None:
        field = self.find(f"[name='{name}']")
        field.clear()
        field.send_keys(value)

    def select(self, name: str, text: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(self.find(f"select[name='{name}']")).select_by_visible_text(text)

    def click(self, css: str) -> None:
        """Click what ``css`` finds, scrolled to the middle of the screen first (as a
        thumb would), so the sticky pay bar never covers it."""
        element = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def navigate_by(self, element) -> None:
        """Click ``element`` and wait until the page it leads to has replaced this one."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        old = self.find("html")

        def replaced(driver) -> bool:
            try:
                old.is_enabled()  # chromedriver: "stale" or, mid-navigation, an inspector error
            except WebDriverException:
                return True
            return False

        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        WebDriverWait(self.driver, PAGE_LOAD_TIMEOUT, poll_frequency=0.05).until(replaced)

    def submit(self, css: str = "form button[type=submit]") -> None:
        self.navigate_by(self.find(css))

    def follow(self, text: str) -> None:
        self.navigate_by(self.link(text))

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def sign_in(self, email: str, password: str = "gannan-demo-2026") -> None:
        self.open("/login")
        self.fill("email", email)
        self.fill("password", password)
        self.submit("main form button[type=submit]")

    def screenshot(self, name: str, top: bool = True) -> Path:
        """The viewport (390×844 CSS pixels at 2× density), scrolled to the top."""
        if top:
            self.driver.execute_script("window.scrollTo(0, 0)")
        path = self.artifacts / name
        self.driver.save_screenshot(str(path))
        return path


def _fresh(driver, base: str) -> None:
    driver.get(base + "/assets/css/site.css")  # a page of our origin, to clear its cookies
    driver.delete_all_cookies()


@pytest.fixture
def browser(_chromium, live_server, artifacts, demo):
    _fresh(_chromium, live_server)
    return Browser(_chromium, live_server, artifacts)


@pytest.fixture
def browser_nojs(_chromium_nojs, live_server, artifacts, demo):
    _fresh(_chromium_nojs, live_server)
    return Browser(_chromium_nojs, live_server, artifacts)


def pytest_terminal_summary(terminalreporter):
    folder = os.environ.get("BROWSER_ARTIFACTS")
    if folder:
        terminalreporter.write_line(f"browser screenshots: {folder}")
