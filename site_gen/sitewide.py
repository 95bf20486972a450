"""Site-wide outputs for crawlers: llms files, sitemap, robots.txt, feed, JSON API, host config.

Each function is pure: it takes the catalogue (and the site context) and
returns output files as (path, text).  The llms-full files read the mirrors
back from the output being written, so no mirror is held in memory.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import api, formats, llms
from .catalog import Catalog, facts
from .config import SiteConfig
from .content import Entry
from .tokens import pieces
from .view import Site, model_row

SITEMAP_LIMIT = 50_000
FEED_ENTRIES = 200
AI_CRAWLERS = ("GPTBot", "OAI-SearchBot", "ChatGPT-User", "ClaudeBot", "Claude-User", "Claude-SearchBot",
               "anthropic-ai", "PerplexityBot", "Perplexity-User", "Google-Extended", "Applebot-Extended",
               "CCBot", "Meta-ExternalAgent", "Amazonbot", "Bytespider", "DuckAssistBot", "cohere-ai",
               "MistralAI-User")


def escape(text: str) -> str:
    """``text`` as XML character data (what xml.sax.saxutils.escape gives). Not imported from there: it imports
    urllib.request, and with it http.client and ssl, which loads OpenSSL's libcrypto into the building process
    (~1.3 MB of its memory, and ~3.5 MB more with hashlib's; site_gen.command)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value, quotes included (what xml.sax.saxutils.quoteattr gives)."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def provider_list_path(slug: str) -> str:
    return f"llms/providers/{slug}.txt"


def provider_full_path(slug: str) -> str:
    return f"llms/providers/{slug}-full.txt"


def root_llms(config: SiteConfig, catalog: Catalog) -> str:
    """The root llms.txt (published at /llms.txt and /.well-known/llms.txt)."""
    date = catalog.data_updated.isoformat()
    routes = config.routes
    info = [
        f"Every page of this catalogue is published twice: as HTML for people and as a markdown mirror for "
        f"LLMs. A model's page {config.url(routes.model)} has its mirror at {config.url(routes.model_markdown)}; "
        f"a provider's page {config.url(routes.provider)} has its mirror at {config.url(routes.provider_markdown)}. "
        f"Data as of {date}: {len(catalog.models):,} models from {len(catalog.providers):,} providers. "
        "Prices are USD per 1M tokens; unknown values are written as unknown, never as zero.",
        "Each provider below links an llms.txt-shaped list of its models, with context window, input and "
        "output price and status for each; every model is two links from this file.",
    ]
    providers = []
    for entry in catalog.providers.values():
        count = len(catalog.models_of(entry.data.id))
        if count:
            providers.append(llms.Link(entry.data.name, config.url("/" + provider_list_path(entry.slug)),
                                       f"{count} model{'s' if count != 1 else ''}"))
    catalogue = [llms.Link("All models (index table)", config.url("/llms/index.md"),
                           "every model in one markdown table with context and prices")]
    optional = [llms.Link(e.data.title, catalog.urls[e.path].markdown_url, e.data.description or "")
                for e in catalog.pages]
    optional += [llms.Link(f"{e.data.name}: provider page", catalog.urls[e.path].markdown_url,
                           "provider details and every model it serves")
                 for e in catalog.providers.values() if not catalog.models_of(e.data.id)]
    return llms.document(config.site_name, config.site_description or config.site_name, info,
                         [("Providers", providers), ("Catalogue", catalogue), ("Optional", optional)])


def provider_llms(config: SiteConfig, catalog: Catalog, entry: Entry) -> str:
    """An llms.txt-shaped list of one provider's models (written only for providers with models)."""
    models = catalog.models_of(entry.data.id)
    links = [llms.Link(facts(m).title, catalog.urls[m.path].markdown_url, llms.model_note(model_row(catalog, m)))
             for m in models]
    page = catalog.urls[entry.path]
    return llms.document(
        f"{entry.data.name} models on {config.site_name}",
        f"{len(models):,} model{'s' if len(models) != 1 else ''} listed under {entry.data.name}, "
        f"with context window, price per 1M tokens and status.",
        [f"Each link is a model's markdown mirror; its HTML page is at the same slug under "
         f"{config.url(config.routes.model)}. Data as of {catalog.data_updated.isoformat()}."],
        [("Models", links), ("Provider", [llms.Link(f"{entry.data.name} provider page", page.markdown_url,
                                                    "provider details, and models served for others")]),
         ("Optional", [llms.Link(f"All {entry.data.name} mirrors in one file",
                                 config.url("/" + provider_full_path(entry.slug)),
                                 "large; for offline reading")])])


def full_pages(catalog: Catalog, entry: Entry) -> list[str]:
    """Paths of the content files whose mirrors make up a provider's llms-full file, in order."""
    return [entry.path] + [m.path for m in catalog.models_of(entry.data.id)]


@dataclass
class Joined:
    """What ``provider_full`` found, once its parts are all taken: the token pieces of the whole file, and the
    [path, start, end] of each page's segment in its text, for the next build's ``kept``."""

    count: int = 0
    segments: list[list[Any]] = field(default_factory=list)


def provider_full(catalog: Catalog, entry: Entry, read: Callable[[str], str], counted: dict[str, int],
                  kept: Callable[[str, str], str | None] | None, joined: Joined) -> Iterator[str]:
    """The parts of a provider's llms-full file, in order: its page's mirror and its models', concatenated
    (llms.full_head, then llms.full_part for each). Made as they are taken, so that the file is written without
    being held whole (40 MB for a provider of 5,000 models); ``joined`` holds the rest when they are all taken.

    ``counted`` holds each mirror's pieces (tokens.pieces), found when it was rendered, so the large files
    are never scanned again; pieces never span the newlines that join them. ``kept(path, separator)``: a page's
    segment (its separator, mirror and newline) as the previous build's file holds it, when the page is
    unchanged since, else None; the others are read.
    """
    paths = full_pages(catalog, entry)
    title = f"{entry.data.name}: every mirror"
    head = llms.full_head(title, len(paths))
    at = len(head)
    joined.count += pieces(head)
    yield head
    for path in paths:
        urls = catalog.urls[path]
        separator = llms.full_separator(urls.markdown_url)
        part = kept(path, separator) if kept else None
        if part is None:
            part = llms.full_part(separator, read(urls.markdown_file))
        joined.segments.append([path, at, at + len(part)])
        at += len(part)
        joined.count += pieces(separator) + counted[urls.markdown_file]
        yield part


def sitemap_files(config: SiteConfig, catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Canonical HTML URLs with each page's data date as lastmod; an index above 50,000 URLs."""
    entries = [(config.url("/"), catalog.data_updated)]
    for entry in catalog.providers.values():
        entries.append((catalog.urls[entry.path].canonical_url, entry.data.data_updated))
    for entry in catalog.models:
        entries.append((catalog.urls[entry.path].canonical_url, facts(entry).data_updated))
    for entry in catalog.pages:
        entries.append((catalog.urls[entry.path].canonical_url, entry.data.data_updated))
    yield from sitemaps(config, entries)


def sitemaps(config: SiteConfig, entries: list[tuple[str, dt.date]]) -> Iterator[tuple[str, str]]:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if len(entries) <= SITEMAP_LIMIT:
        yield "sitemap.xml", head + f"<urlset{ns}>\n" + "".join(_url(u, d) for u, d in entries) + "</urlset>\n"
        return
    parts = [entries[i:i + SITEMAP_LIMIT] for i in range(0, len(entries), SITEMAP_LIMIT)]
    index = []
    for number, part in enumerate(parts, start=1):
        name = f"sitemaps/sitemap-{number}.xml"
        yield name, head + f"<urlset{ns}>\n" + "".join(_url(u, d) for u, d in part) + "</urlset>\n"
        newest = max(d for _, d in part)
        index.append(f"  <sitemap><loc>{escape(config.url('/' + name))}</loc>"
                     f"<lastmod>{newest.isoformat()}</lastmod></sitemap>\n")
    yield "sitemap.xml", head + f"<sitemapindex{ns}>\n" + "".join(index) + "</sitemapindex>\n"


def _url(url: str, date: dt.date) -> str:
    return f"  <url><loc>{escape(url)}</loc><lastmod>{date.isoformat()}</lastmod></url>\n"


def robots(config: SiteConfig) -> str:
    """Allow everyone, name the AI crawlers explicitly, and point at the sitemap."""
    lines = ["# Everything here may be crawled, the markdown mirrors (.md) and llms.txt included.",
             "User-agent: *", "Allow: /", ""]
    lines += ["# AI crawlers are welcome: the mirrors under /llms/ are written for them."]
    for bot in AI_CRAWLERS:
        lines += [f"User-agent: {bot}", "Allow: /", ""]
    lines.append(f"Sitemap: {config.url('/sitemap.xml')}")
    return "\n".join(lines) + "\n"


def feed(config: SiteConfig, catalog: Catalog, site: Site) -> str:
    """Atom feed of new models and price changes, dated by the data (never by the build)."""
    # Every release and price change is a candidate, by (date, id); only the newest FEED_ENTRIES are written, so
    # only theirs are worded (10,000 models have ~14,000 candidates: their summaries were most of the feed's time).
    found: list[tuple[str, str, Entry, Any]] = []  # (date, id, entry, the price change: Facts.changes)
    for entry in catalog.models:
        known = facts(entry)
        href = catalog.urls[entry.path].canonical_url
        released = known.row[0]
        if released:
            found.append((released.isoformat(), f"{href}#released", entry, None))  # type: ignore[attr-defined]
        for change in known.changes:
            date = change[0].isoformat()  # type: ignore[attr-defined]
            found.append((date, f"{href}#price-{date}", entry, change))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    items: list[tuple[str, str, str, str, str]] = []  # (date, id, title, link, summary)
    for date, ident, entry, change in found[:FEED_ENTRIES]:
        name = facts(entry).title
        link = catalog.urls[entry.path].canonical_url
        if change is None:
            items.append((date, ident, f"New model: {name}", link, f"{name} was released on {date}."))
        else:
            _, new_input, new_output, old_input, old_output, source = change
            items.append((date, ident, f"Price change: {name}", link,
                          f"{name}: input {formats.price(old_input)} to {formats.price(new_input)}, "
                          f"output {formats.price(old_output)} to {formats.price(new_output)} per 1M tokens "
                          f"(recorded {date}{', ' + source if source else ''})."))
    updated = (items[0][0] if items else catalog.data_updated.isoformat()) + "T00:00:00Z"
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           f"  <title>{escape(config.site_name)}: new models and price changes</title>",
           f"  <id>{escape(config.url('/feed.xml'))}</id>",
           f"  <link rel=\"self\" href={quoteattr(config.url('/feed.xml'))}/>",
           f"  <link rel=\"alternate\" href={quoteattr(config.url('/'))}/>",
           f"  <updated>{updated}</updated>",
           f"  <author><name>{escape(config.site_name)}</name></author>"]
    for date, ident, title, link, summary in items:
        out += ["  <entry>", f"    <id>{escape(ident)}</id>", f"    <title>{escape(title)}</title>",
                f"    <link rel=\"alternate\" href={quoteattr(link)}/>", f"    <updated>{date}T00:00:00Z</updated>",
                f"    <summary>{escape(summary)}</summary>", "  </entry>"]
    out.append("</feed>")
    return "\n".join(out) + "\n"


def search_index(catalog: Catalog) -> str:
    """[[title, id, provider, link], ...]: everything the search box needs, nothing more."""
    rows = [[(known := facts(e)).title, known.id, catalog.provider_of(e).data.name, catalog.urls[e.path].href]
            for e in catalog.models]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n"


def api_files(config: SiteConfig, catalog: Catalog, site: Site,
              summaries: api.Summaries | None = None) -> Iterator[tuple[str, str | bytes]]:
    yield from api.files(config, catalog, site, summaries)
