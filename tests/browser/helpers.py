"""What the browser tests share: accounts, viewports, keyboard, axe-core and screenshot helpers."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
DEMO_PASSWORD = "webblasare-losen-1"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
ACCOUNTS = {
    "reader": "lasare@exempel.se",
    "unit_head": "rektor@exempel.se",
    "editor": "redaktor@exempel.se",
    "admin": "admin@exempel.se",
}


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright  # noqa: F401
        import pytest_playwright  # noqa: F401
    except ImportError as error:
        return f"Playwright is not installed ({error.name}); run `make install`"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)"
    return None


def log_in(page, url: str, who: str, password: str = DEMO_PASSWORD):
    """Log in through the form; `who` is a role of ACCOUNTS or an e-mail address."""
    page.goto(url + "/logga-in")
    page.get_by_label("E-postadress").fill(ACCOUNTS.get(who, who))
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda address: "/logga-in" not in address)
    return page


def tab_to(page, selector: str, limit: int = 80) -> int:
    """Press Tab until the element matching `selector` has focus; the number of presses."""
    target = page.locator(selector).first
    target.wait_for()
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"{selector} never got focus within {limit} Tab presses")


def focus_is_visible(page) -> bool:
    """The focused element shows a focus indicator (outline or box shadow)."""
    return page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    }""")


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of the given impacts on the current page."""
    if not AXE_SCRIPT.is_file():
        reason = f"axe-core not found at {AXE_SCRIPT} (`make test` installs it with npm)"
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(reason)
        pytest.skip(f"accessibility check skipped: {reason}")
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in violations if v["impact"] in impacts]


def save_screenshot(page, name: str, tmp_path: Path) -> Path:
    """A PNG of what the viewport shows: into docs/screenshots/ when it is missing there or UPDATE_SCREENSHOTS=1,
    otherwise into the test's tmp dir (so an ordinary run does not rewrite the tracked images)."""
    target = SCREENSHOT_DIR / f"{name}.png"
    if target.exists() and os.environ.get("UPDATE_SCREENSHOTS") != "1":
        target = tmp_path / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    return target
