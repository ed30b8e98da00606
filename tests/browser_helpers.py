"""Driving Debian's Chromium in tests: launch flags, a signed-in person, axe-core,
screenshots."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from tests.conftest import ROOT, STAFF_PASSWORD

SCREENSHOTS = Path(os.environ.get("MAPAPP_SCREENSHOTS", ROOT / "test-output" / "screenshots"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PC, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@contextlib.contextmanager
def chromium():
    """A Chromium browser (Playwright), closed when the block ends."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is installed by `make test`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=full_page)
    assert target.stat().st_size > 10_000
    return target


class Person:
    """One browser context (its own cookies), with the page's script errors collected."""

    def __init__(self, browser, site: str, viewport=PC):
        self.site = site
        self.context = browser.new_context(viewport=viewport, locale="ja-JP", bypass_csp=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def open(self, path: str):
        self.page.goto(self.site + path)
        self.page.wait_for_selector("html[data-ready]", state="attached")
        if self.page.locator("#edit-map").count():
            self.page.wait_for_selector("#edit-map[data-ready]", state="attached")
        return self.page

    def sign_in(self, login: str):
        page = self.open("/staff/login")
        page.get_by_label("ログイン名").fill(login)
        page.get_by_label("パスワード").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url(f"{self.site}/staff/")
        return self

    def close(self):
        self.context.close()
        assert self.errors == []


def both_widths(page, name: str) -> None:
    """Screenshots at a PC's width and a phone's, with no sideways scrolling on the phone."""
    for viewport, label in ((PC, "pc"), (PHONE, "phone")):
        page.set_viewport_size(viewport)
        shot(page, f"staff-{name}-{label}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways at {viewport['width']}px"
    page.set_viewport_size(PC)


def axe_violations(page) -> list[str]:
    """axe-core with every WCAG 2.0–2.2 A/AA rule (target size included), every impact: one
    line per violation, naming up to three of its elements."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]
