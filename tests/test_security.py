"""No field can smuggle script or structure into any output (bad-inputs #34-#41, #49).

One model carries an XSS payload in every string field and its body; every
output is parsed and checked, and the pages are opened in a real browser to
see that no dialog opens.
"""

from __future__ import annotations

import json
import shutil
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from llms_txt import parse_llms_file

from site_gen.markdown import to_html
from tests.helpers import FIXTURES, copy_site, run_cli

EVIL = FIXTURES / "xss" / "evil.md"
TITLE = "</title><script>alert(1)</script>{{ config }}]( ## Optional [a](http://evil)"


@pytest.fixture(scope="module")
def evil_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = copy_site(tmp_path_factory.mktemp("xss") / "site")
    shutil.copy(EVIL, site / "content/models/acme/evil-model.md")
    result = run_cli("build", cwd=site)
    assert result.code == 0, result.err
    return site / "build"


class _Scan(HTMLParser):
    """Collects everything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.dangers: list[str] = []
        self.ld_blocks: list[str] = []
        self._ld = False
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("type") == "application/ld+json":
                self._ld = True
                self.ld_blocks.append("")
            elif "src" not in attributes:
                self.dangers.append(f"inline <script> {attrs}")
        if tag in ("iframe", "object", "embed"):
            self.dangers.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.dangers.append(f"event handler {name}={value!r} on <{tag}>")
            if name in ("href", "src", "action") and value and value.strip().lower().startswith(
                    ("javascript:", "data:text", "vbscript:")):
                self.dangers.append(f"{name}={value!r} on <{tag}>")
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._ld:
            self.ld_blocks[-1] += data
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._ld = False
        self._in_title = False


def test_no_executable_markup_in_any_html(evil_build: Path) -> None:
    for page in sorted(evil_build.rglob("*.html")):
        scan = _Scan()
        scan.feed(page.read_text(encoding="utf-8"))
        assert scan.dangers == [], page
        assert len(scan.ld_blocks) == 1, page
        json.loads(scan.ld_blocks[0])


def test_title_is_escaped_in_title_meta_and_json_ld(evil_build: Path) -> None:
    html = (evil_build / "model/evil-model.html").read_text()
    scan = _Scan()
    scan.feed(html)
    assert scan.title.startswith(TITLE)  # shown literally, not executed or compiled as a template
    assert "&lt;/title&gt;&lt;script&gt;" in html
    assert '&#34; onmouseover=&#34;alert(3)&#34;' in html  # attribute-escaped description
    graph = json.loads(scan.ld_blocks[0])["@graph"]
    assert graph[0]["name"] == TITLE
    assert "</script" not in scan.ld_blocks[0] and "<!--" not in scan.ld_blocks[0]
    assert "\\u003c/script\\u003e" in scan.ld_blocks[0]


def test_body_raw_html_and_script_urls_are_not_live(evil_build: Path) -> None:
    html = (evil_build / "model/evil-model.html").read_text()
    assert "&lt;script&gt;alert(14)&lt;/script&gt;" in html
    assert "&lt;iframe" in html
    for payload in ("javascript:alert(17)", "JaVaScRiPt:alert(18)", "data:text/html"):
        assert f'href="{payload}' not in html


def test_xml_outputs_stay_well_formed(evil_build: Path) -> None:
    for name in ("sitemap.xml", "feed.xml"):
        ET.fromstring((evil_build / name).read_bytes())
    feed = (evil_build / "feed.xml").read_text()
    assert "&lt;/title&gt;&lt;script&gt;" in feed


def test_markdown_outputs_keep_their_structure(evil_build: Path) -> None:
    mirror = (evil_build / "llms/models/evil-model.md").read_text()
    head = yaml.safe_load(mirror.split("---\n")[1])
    assert head["title"] == TITLE
    assert head["description"].startswith('" onmouseover=')
    headings = [line for line in mirror.splitlines() if line.startswith("## ")]
    assert "## Optional" not in headings
    assert headings[:3] == ["## Query Intents", "## Overview", "## Model Metadata"]
    listing = (evil_build / "llms/providers/acme.txt").read_text()
    parsed = parse_llms_file(listing)
    assert list(parsed.sections) == ["Models", "Provider", "Optional"]
    titles = [link["title"] for link in parsed.sections["Models"]]
    assert any(t.startswith("</title><script>alert(1)</script>{{ config }})( ## Optional (a)(http://evil)")
               for t in titles)


def test_pathological_markdown_renders_in_bounded_time() -> None:
    # Catastrophic inputs from markdown-it#583, mistune#191, md4c#73: a quadratic parser takes minutes here.
    for text in ("*_" * 20_000, '[]( "' * 2_000, "a <![CDATA[" * 10_000):
        started = time.perf_counter()
        to_html(text)
        assert time.perf_counter() - started < 10


@pytest.mark.browser
def test_no_dialog_opens_in_a_real_browser(evil_build: Path, browser_page) -> None:
    page, base = browser_page(evil_build)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("/model/evil-model", "/provider/acme", "/", "/llms/models/evil-model.md"):
        page.goto(base + path)
        page.wait_for_load_state("load")
        page.mouse.move(10, 10)
        page.hover("body")
    assert dialogs == []


def test_check_reports_broken_links_made_by_templates(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    (site / "templates").mkdir()
    (site / "templates/page.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n<h1>{{ page.title }}</h1>\n'
        '<p><a href="/model/not-there">broken</a></p>\n{% endblock %}\n')
    result = run_cli("check", cwd=site)
    assert result.code == 1
    assert [p for p in result.problems if "not-there" in p] == [
        "about.html:33:1: link: link to a page that is not built: /model/not-there "
        "(a template or content link points nowhere)"]
