"""Playwright with Debian's Chromium (never a downloaded browser), for browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A member's phone: 390 px wide, touch, Dutch."""
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


# axe-core from npm (package.json, `make install`): injected into the page under test, never served.
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_findings(page: Any, *, impacts: tuple[str, ...] = SERIOUS) -> list[str]:
    """The WCAG 2.1 AA findings of axe-core on the page as it is now, of the given impacts (UX.md)."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make install` (it installs package.json's libraries)")
    page.evaluate(AXE.read_text())  # evaluated through the browser's debugger, so the page's CSP stays as it is
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def scrolls_sideways(page: Any) -> int:
    """How many CSS pixels the page is wider than the viewport (0: nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def wait_until(page: Any, expression: str, *, seconds: float = 10) -> None:
    """Wait until `expression` holds in the page.

    Playwright's wait_for_function polls its predicate with eval, which kolk's CSP
    (no 'unsafe-eval') refuses as soon as the first check fails; page.evaluate is not
    subject to the page's CSP.
    """
    for _ in range(int(seconds * 10)):
        if page.evaluate(f"() => Boolean({expression})"):
            return
        page.wait_for_timeout(100)
    pytest.fail(f"still not true after {seconds} s: {expression}")
