"""What crawlers read: llms.txt (both parsers of the llms-txt package plus a strict checker),
sitemap (the sitemaps.org XSD), robots.txt, JSON-LD, Open Graph, the Atom feed, the JSON API, host config."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import jsonschema
import pytest
import xmlschema
from llms_txt import parse_llms_file
from llms_txt.miniparse import parse_llms_txt

from site_gen import llms_lint
from site_gen.config import load_config
from site_gen.sitewide import sitemaps
from site_gen.tokens import estimate_tokens
from tests.conftest import require_tool
from tests.helpers import FIXTURE_SITE, ROOT

SITE = "https://fixture.example.org/"
SITEMAP_XSD = ROOT / "node_modules" / "sitemap" / "schema" / "sitemap.xsd"
SITEINDEX_XSD = Path(__file__).resolve().parent / "schemas" / "siteindex.xsd"


def llms_files(build: Path) -> list[Path]:
    return [build / "llms.txt", *sorted((build / "llms" / "providers").glob("*.txt"))]


def local(build: Path, url: str, site: str = SITE) -> Path:
    assert url.startswith(site), url
    return build / urlsplit(url).path.lstrip("/")


def check_llms_file(path: Path, build: Path, site: str) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name.endswith("-full.txt"):
        return
    # The 50,000-character budget is the root file's; a provider list holds every model of that provider.
    limit = llms_lint.MAX_CHARS if path.name == "llms.txt" else 1_000_000
    assert llms_lint.lint(text, site, max_chars=limit) == [], path
    mini = parse_llms_txt(text)
    full = parse_llms_file(text)
    assert mini["title"] == text.split("\n", 1)[0][2:]
    assert mini["summary"] and full.summary == mini["summary"]
    ours = llms_lint.links(text)
    parsed = [link["url"] for section in mini["sections"].values() for link in section]
    assert parsed == ours, path  # every link line survives the reference parser, in order
    for url in ours:
        assert local(build, url, site).is_file(), url


def test_llms_files_follow_the_proposal(fixture_build: Path) -> None:
    for path in llms_files(fixture_build):
        check_llms_file(path, fixture_build, SITE)
    root = (fixture_build / "llms.txt").read_text()
    assert (fixture_build / ".well-known" / "llms.txt").read_text() == root
    assert list(parse_llms_txt(root)["sections"]) == ["Providers", "Catalogue", "Optional"]


def test_every_model_is_two_hops_from_llms_txt(fixture_build: Path) -> None:
    reached = set()
    for url in llms_lint.links((fixture_build / "llms.txt").read_text()):
        reached.add(url)
        if url.endswith(".txt"):
            reached.update(llms_lint.links(local(fixture_build, url).read_text()))
    mirrors = {SITE + p.relative_to(fixture_build).as_posix() for p in (fixture_build / "llms/models").glob("*.md")}
    assert mirrors <= reached


def test_model_notes_carry_context_price_and_status(fixture_build: Path) -> None:
    text = (fixture_build / "llms/providers/google.txt").read_text()
    assert ("- [Gemini 2.5 Pro](https://fixture.example.org/llms/models/gemini-2.5-pro.md): context 1M tokens; "
            "$1.25 in / $10.00 out per 1M tokens; active") in text


def test_llms_full_files(fixture_build: Path) -> None:
    full = (fixture_build / "llms/providers/acme-full.txt").read_text()
    assert full.count("\n<!-- mirror: https://") == 3  # the provider page and its two models
    assert "<!-- mirror: https://fixture.example.org/llms/models/unknowns.md -->" in full
    assert (fixture_build / "llms-full.txt").is_file()  # the fixture is far under the size limit


@pytest.mark.slow
def test_bundled_llms_files(bundled_build: Path) -> None:
    config = load_config(ROOT / "mkdocs.yml")
    root = (bundled_build / "llms.txt").read_text()
    assert len(root) < 50_000
    for path in llms_files(bundled_build):
        check_llms_file(path, bundled_build, config.site_url)
    assert not (bundled_build / "llms-full.txt").exists()  # over the 10 MB limit: only per-provider files


def test_token_estimate_against_a_real_tokenizer(fixture_build: Path) -> None:
    bpe_openai = pytest.importorskip("bpe_openai") if not _ci() else __import__("bpe_openai")
    encoding = bpe_openai.get_encoding("o200k_base")
    samples = [*sorted((fixture_build / "llms").rglob("*.md")), fixture_build / "llms.txt",
               *sorted((ROOT / "content/models/openai").glob("gpt-4*.md"))]
    total_real = total_estimate = 0
    for path in samples:
        text = path.read_text(encoding="utf-8")
        real, estimate = len(encoding.encode(text)), estimate_tokens(text)
        assert abs(estimate - real) <= 0.15 * real, (path, real, estimate)
        total_real += real
        total_estimate += estimate
    assert abs(total_estimate - total_real) <= 0.05 * total_real


def _ci() -> bool:
    from tests.conftest import IN_CI
    return IN_CI


def canonical_urls(build: Path) -> list[str]:
    found = []
    for html in sorted(build.rglob("*.html")):
        if html.name == "404.html":
            continue
        match = re.search(r'<link rel="canonical" href="([^"]+)">', html.read_text(encoding="utf-8"))
        assert match, html
        found.append(match.group(1))
    return found


def test_sitemap_validates_and_lists_canonical_urls_once(fixture_build: Path) -> None:
    require_tool(SITEMAP_XSD, "the sitemaps.org XSD (npm package 'sitemap')")
    schema = xmlschema.XMLSchema(str(SITEMAP_XSD))
    doc = (fixture_build / "sitemap.xml").read_text()
    assert list(schema.iter_errors(doc)) == []
    locs = re.findall(r"<loc>([^<]+)</loc>", doc)
    assert len(locs) == len(set(locs))
    assert sorted(locs) == sorted(canonical_urls(fixture_build))
    lastmods = dict(re.findall(r"<loc>([^<]+)</loc><lastmod>([^<]+)</lastmod>", doc))
    assert lastmods[SITE + "model/gemini-2.5-pro"] == "2026-07-02"  # the data's date, not the build's
    assert lastmods[SITE + "model/unknowns"] == "2026-01-15"


def test_sitemap_index_above_50000_urls(tmp_path: Path) -> None:
    require_tool(SITEMAP_XSD, "the sitemaps.org XSD (npm package 'sitemap')")
    config = load_config(FIXTURE_SITE / "mkdocs.yml")
    entries = [(f"{SITE}model/m{i}?a=1&b=<2>", dt.date(2026, 1, 1 + i % 28)) for i in range(50_001)]
    files = dict(sitemaps(config, entries))
    assert sorted(files) == ["sitemap.xml", "sitemaps/sitemap-1.xml", "sitemaps/sitemap-2.xml"]
    part_schema = xmlschema.XMLSchema(str(SITEMAP_XSD))
    for name in ("sitemaps/sitemap-1.xml", "sitemaps/sitemap-2.xml"):
        assert list(part_schema.iter_errors(files[name])) == []
    assert files["sitemaps/sitemap-1.xml"].count("<url>") == 50_000
    assert files["sitemaps/sitemap-2.xml"].count("<url>") == 1
    assert "&amp;b=&lt;2&gt;" in files["sitemaps/sitemap-2.xml"]
    assert list(xmlschema.XMLSchema(str(SITEINDEX_XSD)).iter_errors(files["sitemap.xml"])) == []
    assert f"<loc>{SITE}sitemaps/sitemap-2.xml</loc>" in files["sitemap.xml"]


def test_robots_names_the_sitemap_and_allows_mirrors_and_ai_crawlers(fixture_build: Path) -> None:
    robots = (fixture_build / "robots.txt").read_text()
    assert f"Sitemap: {SITE}sitemap.xml" in robots
    assert "Disallow" not in robots
    for bot in ("GPTBot", "ClaudeBot", "PerplexityBot", "Google-Extended", "CCBot"):
        assert f"User-agent: {bot}\nAllow: /" in robots


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.scripts: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("property"):
            self.meta[attributes["property"] or ""] = attributes.get("content") or ""
        self._in_ld = tag == "script" and attributes.get("type") == "application/ld+json"
        if self._in_ld:
            self.scripts.append("")

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.scripts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        self._in_ld = False


def test_every_page_has_open_graph_and_one_json_ld_block(fixture_build: Path) -> None:
    for html in sorted(fixture_build.rglob("*.html")):
        head = _Head()
        head.feed(html.read_text(encoding="utf-8"))
        assert {"og:title", "og:type", "og:image", "og:url", "og:description"} <= set(head.meta), html
        assert head.meta["og:image"].startswith(SITE)
        assert len(head.scripts) == 1, html
        data = json.loads(head.scripts[0])
        types = [node["@type"] for node in data["@graph"]]
        assert types[0] == "WebPage"
    model = _Head()
    model.feed((fixture_build / "model/gemini-2.5-pro.html").read_text())
    graph = json.loads(model.scripts[0])["@graph"]
    assert [n["@type"] for n in graph] == ["WebPage", "BreadcrumbList", "SoftwareApplication"]
    offers = {o["name"]: o["price"] for o in graph[2]["offers"]}
    assert offers == {"Input tokens": 1.25, "Output tokens": 10.0, "Cache read tokens": 0.125}
    assert graph[2]["offers"][0]["priceSpecification"]["unitText"] == "1M tokens"
    assert model.meta["og:url"] == SITE + "model/gemini-2.5-pro"


def test_feed_parses_and_is_dated_by_the_data(fixture_build: Path) -> None:
    parsed = feedparser.parse((fixture_build / "feed.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    titles = [entry.title for entry in parsed.entries]
    assert "New model: Gemini 2.5 Pro" in titles and "Price change: Gemini 2.5 Pro" in titles
    change = next(e for e in parsed.entries if e.title == "Price change: Gemini 2.5 Pro")
    assert change.updated == "2025-06-17T00:00:00Z"
    assert parsed.feed.updated == "2025-06-17T00:00:00Z"  # newest data date, not the build time


def test_the_feeds_xml_escapes_are_those_of_the_standard_library() -> None:
    """site_gen.sitewide escapes as xml.sax.saxutils does, without importing it (it imports ssl)."""
    from xml.sax.saxutils import escape, quoteattr

    from site_gen import sitewide

    for text in ("plain", "a & b < c > d", "https://x.example/?a=1&b=2", 'say "hi"', "it's", """both ' and " here""",
                 "tab\tline\nreturn\r", "&amp; already", "", "ünïcode ✓"):
        assert sitewide.escape(text) == escape(text), text
        assert sitewide.quoteattr(text) == quoteattr(text), text


def test_api_validates_against_its_published_schema(fixture_build: Path) -> None:
    listing = json.loads((fixture_build / "api/models.json").read_text())
    schema = json.loads((fixture_build / "schema/api-models.json").read_text())
    jsonschema.validate({k: v for k, v in listing.items() if k != "$schema"}, schema)
    assert listing["count"] == 3
    one = json.loads((fixture_build / "api/models/gemini-2.5-pro.json").read_text())
    content_schema = json.loads((fixture_build / "schema/content-model.json").read_text())
    jsonschema.validate({k: v for k, v in one.items() if k not in ("$schema", "url", "markdown_url")},
                        content_schema)
    assert one["pricing"]["tiers"][0]["above"] == 200000


def test_the_schemas_describe_each_field_by_its_docstring(fixture_build: Path) -> None:
    """site_gen reads the docstrings under the fields itself, once, when a schema asks for them: each is the one
    pydantic's use_attribute_docstrings would give, class by class, and the published schema carries it."""
    import inspect

    from pydantic._internal._docs_extraction import extract_docstrings_from_cls

    from site_gen import schema

    classes, seen = [schema.Strict], 0
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        own = extract_docstrings_from_cls(cls, use_inspect=True)
        for name in inspect.get_annotations(cls):
            assert schema.field_doc(cls, name) == own.get(name), (cls.__name__, name)
            seen += own.get(name) is not None
        for name in set(cls.model_fields) - set(inspect.get_annotations(cls)):  # inherited: the base's docstring
            declared = next(base for base in cls.__mro__ if name in inspect.get_annotations(base))
            assert schema.field_doc(cls, name) == extract_docstrings_from_cls(declared, use_inspect=True).get(name)
    assert seen >= 90  # 96 fields have one
    published = json.loads((fixture_build / "schema/content-model.json").read_text())
    limits = published["properties"]["limits"]
    assert limits["description"] == schema.field_doc(schema.Model, "limits") == "Token limits."
    assert published["$defs"]["Tier"]["properties"]["input"]["description"] == "Input (prompt) tokens."


def test_a_description_given_in_field_wins_over_the_docstring(monkeypatch: pytest.MonkeyPatch) -> None:
    """As with pydantic's attribute docstrings: Field(description=...) is kept, the docstring fills the others."""
    from pydantic import BaseModel, ConfigDict, Field

    from site_gen import schema

    monkeypatch.setattr(schema, "field_doc", lambda cls, name: "the docstring")

    class Probe(BaseModel):
        model_config = ConfigDict(json_schema_extra=schema._describe)
        given: int = Field(0, description="given")
        plain: int = 0

    properties = Probe.model_json_schema()["properties"]
    assert properties["given"]["description"] == "given"
    assert properties["plain"]["description"] == "the docstring"


def test_host_configuration(fixture_build: Path) -> None:
    headers = (fixture_build / "_headers").read_text()
    assert "/*.md\n  Content-Type: text/markdown; charset=utf-8" in headers
    assert f'/llms/models/gemini-2.5-pro.md\n  Link: <{SITE}model/gemini-2.5-pro>; rel="canonical"' in headers
    nginx = (fixture_build / "nginx-site-gen.conf").read_text()
    assert "location ~ ^/model/(?<slug>[^/]+)$" in nginx and "add_header Vary Accept always;" in nginx
