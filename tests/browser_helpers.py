"""Driving Debian's Chromium in tests: launch flags, axe-core, screenshots."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from tests.conftest import ROOT

SCREENSHOTS = Path(os.environ.get("MAPAPP_SCREENSHOTS", ROOT / "test-output" / "screenshots"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


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
