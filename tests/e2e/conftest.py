"""Real-browser tests: Playwright driving Debian's Chromium against a live server on a temporary
database.  Locally they skip with a reason when Chromium is absent; in CI (CI=true) they must run."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium); browser tests skipped")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(params=[b for b in __import__("tests.support.databases", fromlist=["BACKENDS"]).BACKENDS if b.name == "sqlite"],
                ids=lambda b: b.name)
def backend(request):
    """Browser stories run on SQLite; the database behaviour itself is covered on both backends."""
    return request.param


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def shots(request) -> Path:
    folder = OUTPUT / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline code")
                + " in " + event.sourceFile + ":" + event.lineNumber);
});
"""
"""Injected by the browser itself (not subject to the page's CSP): turns every violation into a console error."""


def page_problem(kind: str, text: str) -> str | None:
    """A console message or page error the test must fail on: a CSP violation, an uncaught script error,
    or any console error other than the browser's note of a 4xx response (forms answer 422 on purpose; a 5xx fails)."""
    if kind == "pageerror":
        return f"uncaught script error: {text}"
    if kind != "error":
        return None
    if "Failed to load resource: the server responded with a status of 4" in text:
        return None
    return f"console error: {text}"


@pytest.fixture
def new_page(browser, live_server, shots):
    """Pages in fresh browser contexts (tablet viewport); the test fails on any CSP violation, script
    error or unexpected console error seen on them."""
    contexts = []
    problems: list[str] = []

    def open_page():
        context = browser.new_context(base_url=live_server, viewport={"width": 1024, "height": 1366}, accept_downloads=True)
        context.set_default_timeout(15_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: _note(problems, page_problem(message.type, message.text), page.url))
        page.on("pageerror", lambda error: _note(problems, page_problem("pageerror", str(error)), page.url))
        return page

    yield open_page
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("the browser reported problems:\n" + "\n".join(problems), pytrace=False)


def _note(problems: list[str], problem: str | None, url: str) -> None:
    if problem:
        problems.append(f"{problem} (on {url})")


@pytest.fixture
def forget_last_code(app):
    """Let the same user log in or re-authenticate twice within one 30 s TOTP step: replay protection
    rightly refuses a code already used (the auth tests exercise that on purpose)."""
    from sqlalchemy import update

    from edc.db import get_session, transaction
    from edc.models import User

    def forget(user_id: int) -> None:
        with app.app_context():
            db = get_session()
            with transaction(db):
                db.execute(update(User).where(User.id == user_id).values(totp_last_step=None))

    return forget


def browser_login(page, account, forget_last_code) -> None:
    """Log in through the real pages: password, then the current TOTP code (see tests.e2e.pages.log_in)."""
    from tests.e2e.pages import log_in

    log_in(page, account, forget_last_code)


@pytest.fixture
def study(app, make_user, make_site, make_subject, forget_last_code):
    """The site RAH and its team, and the service-level steps that arrange a story's prerequisites."""
    from tests.e2e.arrange import Study

    return Study(app=app, make_user=make_user, make_site=make_site, make_subject=make_subject, forget_last_code=forget_last_code)
