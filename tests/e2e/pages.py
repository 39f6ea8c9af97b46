"""What a user does on the pages, in Playwright terms: log in, fill an eCRF, draw on a signature pad,
re-authenticate, take a screenshot."""
from __future__ import annotations

from pathlib import Path

import pyotp
from playwright.sync_api import Locator, Page, expect

from tests.fixtures.accounts import Account


def log_in(page: Page, account: Account, forget_last_code) -> None:
    """Password page, then the authenticator page, as the user would; lands on the home page."""
    forget_last_code(account.user.id)
    page.goto("/login")
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(account.totp_secret).now())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {account.user.printed_name}")).to_be_visible()


def reauthenticate(page: Page, account: Account, forget_last_code, scope: Locator | None = None) -> None:
    """Password and a fresh authenticator code for an e-signature (the login code may not be reused)."""
    forget_last_code(account.user.id)
    where = scope or page
    where.get_by_label("password", exact=False).first.fill(account.password)
    where.get_by_label("authenticator", exact=False).first.fill(pyotp.TOTP(account.totp_secret).now())


def fill_form(page: Page, data: dict[str, str | None]) -> None:
    """Type or choose each value into the eCRF control named after its field (blank values clear it)."""
    kinds = page.evaluate("names => names.map(n => { const e = document.getElementById(n); return e ? e.tagName + ':' + e.type : ''; })",
                          list(data))
    for (name, value), kind in zip(data.items(), kinds):
        assert kind, f"the page has no control for {name}"
        control = page.locator(f"#{name}")
        value = value or ""
        if kind.startswith("SELECT"):
            control.select_option(value)
        elif kind == "INPUT:datetime-local":
            control.fill(value.replace(" ", "T"))
        else:
            control.fill(value)


def draw_signature(page: Page, canvas: Locator, strokes: list[list[tuple[float, float]]]) -> None:
    """Real pointer strokes with the mouse: each stroke is a polyline in fractions of the canvas box."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box, "the signature canvas is not rendered"
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
        page.mouse.up()


SIGNATURE = [
    [(0.10, 0.70), (0.18, 0.30), (0.26, 0.72), (0.34, 0.28), (0.42, 0.70)],
    [(0.48, 0.55), (0.60, 0.40), (0.72, 0.62), (0.86, 0.35)],
]
"""Two strokes of a hand-drawn scribble."""

INITIALS = [[(0.20, 0.30), (0.20, 0.75), (0.40, 0.75)], [(0.55, 0.30), (0.70, 0.75), (0.85, 0.30)]]


ACCESSIBILITY_PROBLEMS = """() => {
  const problems = [];
  const text = id => (document.getElementById(id) || {}).textContent || "";
  for (const el of document.querySelectorAll("input, select, textarea, button")) {
    if (el.type === "hidden") { continue; }
    const name = [...(el.labels || [])].map(l => l.textContent).join(" ").trim()
      || (el.getAttribute("aria-label") || "").trim()
      || (el.getAttribute("aria-labelledby") || "").split(/\\s+/).map(text).join(" ").trim()
      || (el.tagName === "BUTTON" ? el.textContent.trim() : "") || (el.type === "submit" ? el.value : "");
    if (!name) { problems.push("no accessible name: " + el.outerHTML.slice(0, 120)); }
  }
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby], [list]")) {
    for (const attribute of ["aria-describedby", "aria-labelledby", "list"]) {
      for (const id of (el.getAttribute(attribute) || "").split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) { problems.push(attribute + " names a missing element " + id + ": " + el.outerHTML.slice(0, 120)); }
      }
    }
  }
  for (const el of document.querySelectorAll("[aria-invalid]")) {
    if (!["true", "false", "grammar", "spelling"].includes(el.getAttribute("aria-invalid"))) {
      problems.push("aria-invalid has no defined value: " + el.outerHTML.slice(0, 120));
    }
  }
  return problems;
}"""
"""Every control named (its label tied to it), and every ARIA/list reference pointing at a real element."""


def accessibility_problems(page: Page) -> list[str]:
    return page.evaluate(ACCESSIBILITY_PROBLEMS)


def shoot(page: Page, folder: Path, name: str, at: Locator | None = None) -> Path:
    """A screenshot of the whole page, or of the viewport around ``at`` (eCRF pages run to many screens).
    Key pages are screenshotted, so they are also checked for unnamed controls and dangling references."""
    problems = accessibility_problems(page)
    assert not problems, f"{name}: " + "\n".join(problems)
    path = folder / f"{name}.png"
    if at is not None:
        at.scroll_into_view_if_needed()
    page.screenshot(path=str(path), full_page=at is None)
    return path


def form_url(code: str, event_key: str, form_key: str, event_repeat: int = 1, repeat_no: int = 1) -> str:
    return f"/subjects/{code}/forms/{event_key}/{event_repeat}/{form_key}/{repeat_no}"


def derived_value(page: Page, name: str) -> Locator:
    """The cell showing a derived value in the form page's "Derived values" table."""
    return page.locator(f"section[aria-labelledby=derived-title] tr[data-item='{name}'] td.derived")
