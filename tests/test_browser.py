"""The human site in a real browser (Debian chromium via Playwright): the reader's journey,
no console errors, screenshots kept as artefacts, and axe on the main page kinds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT

pytestmark = pytest.mark.browser
ARTEFACTS = ROOT / "test-artifacts" / "screenshots"


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_reader_journey(fixture_build: Path, browser_page) -> None:
    page, base = browser_page(fixture_build)
    errors = watch_errors(page)
    page.goto(base + "/")
    page.get_by_role("button", name="Input").click()  # sort by input price, cheapest first
    names = page.locator("table.catalogue tbody tr:not([hidden]) th").all_inner_texts()
    assert names[0].startswith("Rocket 1")  # $0 (free) sorts before $1.25; unknown last
    assert names[-1] == "Model With Unknowns"
    page.select_option("[data-filter=provider]", "Google")
    visible = page.locator("table.catalogue tbody tr:not([hidden]) th").all_inner_texts()
    assert visible == ["Gemini 2.5 Pro"]
    assert page.inner_text(".filters .count") == "1 models shown"

    page.fill("#search-input", "gemini")
    page.wait_for_selector("#search-results li")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/model/gemini-2\.5-pro$"))
    facts = {k: v for k, v in zip(page.locator(".facts dt").all_inner_texts(),
                                  page.locator(".facts dd").all_inner_texts(), strict=True)}
    page.get_by_role("link", name="View as Markdown").first.click()
    mirror = page.inner_text("body")
    head = yaml.safe_load(mirror.split("---\n")[1])
    assert head["title"] == page_title(facts)
    assert f"- Context window: {facts['Context window']}" in mirror
    assert f"- Release date: {facts['Release date']}" in mirror
    assert f"- Model ID: `{facts['Model ID']}`" in mirror
    assert errors == []


def page_title(facts: dict[str, str]) -> str:
    return facts["Display name"]


@pytest.mark.parametrize("path,name", [("/", "home"), ("/model/gemini-2.5-pro", "model"),
                                       ("/provider/google", "provider"), ("/nope", "404")])
def test_screenshots_and_axe(fixture_build: Path, browser_page, path: str, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, base = browser_page(fixture_build)
    errors = watch_errors(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + path)
        if width != 360:
            page.screenshot(path=str(ARTEFACTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways at {width} px"
    page.emulate_media(color_scheme="dark")  # the dark theme must pass too
    assert Axe().run(page).violations_count == 0
    page.emulate_media(color_scheme="light")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert [e for e in errors if "404" not in e] == []
