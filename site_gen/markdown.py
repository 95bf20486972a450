"""Markdown in and out: render bodies to safe HTML, and escape values for markdown.

Bodies are rendered by markdown-it-py with raw HTML off (it is shown as text,
never executed) and markdown-it's ``validateLink``, which refuses
``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links.  Values that
land inside markdown outputs (mirrors, llms.txt) are escaped for the syntax
they land in, so a title holding ``](`` or ``## Optional`` cannot change the
structure of the file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.anchors import anchors_plugin

from .config import MARKDOWN_ENGINES

# Ids the page templates use for their own sections; a body heading never takes one of them.
TEMPLATE_IDS = frozenset({"main", "overview", "metadata", "pricing", "availability", "benchmarks", "history",
                          "disagree", "sources", "models", "served", "providers", "faq", "similar", "search"})


def heading_id(text: str) -> str:
    """GitHub-style anchor for a body heading, kept clear of the template's section ids."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
    return f"{slug}-section" if slug in TEMPLATE_IDS else slug


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"])


@lru_cache(maxsize=1)
def _html_parser() -> MarkdownIt:
    """The body renderer: the same parser plus ids on headings, so links can point at sections."""
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]).use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_id)


def _shift(tokens: list, under: int) -> int:
    """How far to move headings so the body's top level sits right under a level-``under`` heading."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    return (under + 1 - min(levels)) if levels else 0


@dataclass(frozen=True)
class Body:
    """A markdown body rendered once: HTML for the page, markdown for the mirror, and its links."""

    html: str
    markdown: str
    links: tuple[tuple[int, str], ...]
    """(0-based line within the body, href) of every link and image."""


_engine = {"name": "markdown-it-py"}
"""markdown-it-py is the reference renderer; markdown-it-pyrs (its Rust port, an optional extra) renders markdown
about ten times faster, with the same bytes: tests/test_markdown_engines.py proves it on the bundled catalogue."""


def use_engine(name: str) -> None:
    """Select the markdown engine (one of config.MARKDOWN_ENGINES) for this process and the workers it forks."""
    if name not in MARKDOWN_ENGINES:
        raise ValueError(f"unknown markdown engine {name!r}; expected one of {', '.join(MARKDOWN_ENGINES)}")
    if name == "markdown-it-pyrs":
        _pyrs()  # fails now, with the install hint, rather than on the first page
    _engine["name"] = name


def render_body(body: str, under: int = 2) -> Body:
    """Parse a body once; render HTML, the mirror's markdown and the link list from the same parse.

    Headings are nested under the page's level-``under`` section in both
    outputs.  Only real headings (per markdown-it's parse, not lines inside
    code blocks) are changed; in the markdown, setext headings become ATX ones.
    """
    if _engine["name"] == "markdown-it-pyrs":
        return _render_body_pyrs(body, under)
    return _render_body_py(body, under)


def _render_body_py(body: str, under: int) -> Body:
    md = _html_parser()
    tokens = md.parse(body)
    shift = _shift(tokens, under)
    links = _links(tokens)
    markdown = _demoted(body, tokens, shift)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
    return Body(md.renderer.render(tokens, md.options, {}), markdown, links)


@lru_cache(maxsize=1)
def _pyrs() -> Any:
    try:
        import markdown_it_pyrs
    except ImportError:
        raise ImportError("markdown_engine: markdown-it-pyrs is not installed; "
                          "install it with: pip install 'site-gen[fast]'") from None
    # CommonMark's rules without raw HTML (html_block, html_inline): raw HTML is shown as text, as with
    # markdown-it-py's html=False; tests/fixtures/xss proves both engines give the same escaped bytes.
    return markdown_it_pyrs.MarkdownIt("zero").enable_many(
        ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference", "autolink",
         "backticks", "emphasis", "entity", "escape", "image", "link", "newline", "table", "strikethrough"])


@dataclass
class _Heading:
    """What the shared helpers read of a heading token, made from a markdown-it-pyrs node."""

    tag: str
    markup: str
    map: tuple[int, int]
    type: str = "heading_open"


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def _render_body_pyrs(body: str, under: int) -> Body:
    """The same Body as markdown-it-py's path: the Rust parser's tree gives the headings and links (its source
    map is in bytes), and its HTML gets the heading shift and ids the anchors plugin would have added."""
    md = _pyrs()
    html = md.render(body)
    data = body.encode("utf-8")

    def line_of(offset: int) -> int:  # a body has a few headings and links: counting is cheaper than an index
        return data.count(b"\n", 0, offset)

    headings: list[_Heading] = []
    titles: list[str] = []
    links: list[tuple[int, str]] = []
    for node in md.tree(body).walk():
        if node.name in ("heading", "lheading"):
            start, end = node.srcmap
            markup = "#" if node.name == "heading" else str(node.meta["marker"])
            headings.append(_Heading(f"h{node.meta['level']}", markup, (line_of(start), line_of(end - 1) + 1)))
            titles.append(_title(node))
        elif node.name in ("link", "image"):
            links.append((line_of(node.srcmap[0]), str(node.meta.get("url", ""))))
    if len(_HEADING_TAG.findall(html)) != 2 * len(headings):  # never seen; if it ever happens, the reference wins
        return _render_body_py(body, under)
    shift = _shift(headings, under)  # type: ignore[arg-type]
    markdown = _demoted(body, headings, shift)  # type: ignore[arg-type]
    slugs: set[str] = set()
    ids = iter([_unique(heading_id(title), slugs) for title in titles])

    def retag(match: re.Match[str]) -> str:
        level = min(int(match.group(2)) + shift, 6)
        if match.group(1):
            return f"</h{level}>"
        return f'<h{level} id="{escapeHtml(next(ids))}">'
    return Body(_HEADING_TAG.sub(retag, html), markdown, tuple(links))


def _title(node: Any) -> str:
    """The anchors plugin's title: text and inline code of the heading, images' alt text left out."""
    parts = []
    stack = list(reversed(node.children))
    while stack:
        child = stack.pop()
        if child.name in ("text", "text_special"):
            parts.append(child.meta.get("content", ""))
        elif child.name != "image":
            stack.extend(reversed(child.children))
    return "".join(parts)


def _unique(slug: str, slugs: set[str]) -> str:
    unique, n = slug, 1
    while unique in slugs:
        unique, n = f"{slug}-{n}", n + 1
    slugs.add(unique)
    return unique


def to_html(body: str, under: int = 2) -> str:
    """Render a markdown body to HTML, its headings nested under the page's <h2> section."""
    return render_body(body, under).html


def _demoted(body: str, tokens: list, shift: int) -> str:
    lines: list[str | None] = list(body.split("\n"))
    for token in tokens:
        if token.type != "heading_open" or token.map is None:
            continue
        start, end = token.map
        level = min(int(token.tag[1]) + shift, 6)
        text = lines[start] or ""
        if token.markup.startswith("#"):
            lines[start] = "#" * level + " " + text.lstrip(" ").lstrip("#").lstrip(" ")
        else:  # setext: text lines, then an underline
            joined = " ".join((line or "").strip() for line in lines[start:end - 1])
            lines[start] = "#" * level + " " + joined
            for i in range(start + 1, end):
                lines[i] = None
    return "\n".join(line for line in lines if line is not None).strip("\n")


def _links(tokens: list) -> tuple[tuple[int, str], ...]:
    found = []
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        for child in block.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "link_open":
                found.append((line, str(child.attrGet("href") or "")))
            elif child.type == "image":
                found.append((line, str(child.attrGet("src") or "")))
    return tuple(found)


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~&])")


def inline(value: object) -> str:
    """Escape a value for inline markdown text on one line."""
    text = " ".join(str(value).split())
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def cell(value: object) -> str:
    """Escape a value for a GFM table cell (pipes included)."""
    return inline(value)


def link_url(url: str) -> str:
    """A link destination that cannot break out of ``(...)``."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


_BLANK_LINE = re.compile(r"\n[^\S\n]+(?=\n)")


def tidy_blank_lines(text: str) -> str:
    """Collapse runs of blank lines left by template tags, except inside fenced code.

    Templates stay readable, and the output has exactly one blank line
    between blocks and one newline at the end.
    """
    if "```" not in text and "~~~" not in text:  # no fence can open: the same result, by whole-text operations
        # (every mirror: ~80 us a page line by line, ~35 us so; tests/test_properties.py compares the two ways)
        tidy = _BLANK_LINE.sub("\n", f"\n{text.strip(chr(10))}\n")  # blank lines emptied
        while "\n\n\n" in tidy:
            tidy = tidy.replace("\n\n\n", "\n\n")
        return tidy.lstrip("\n") or "\n"
    return _tidy_line_by_line(text)


def tidy_stream(pieces: Iterable[str], chunk: int = 256 * 1024) -> Iterator[str]:
    """tidy_blank_lines of the text ``pieces`` make, given a chunk of about ``chunk`` characters at a time (each
    ending after a line), never holding the whole text: for a listing's mirror, rendered as Jinja makes it (the
    home page's is 1.3 MB at 10,000 models, 13 MB at 100,000). A line at a time, following the fences that open
    and close: outside a fence, a blank line is kept empty, and only after a line that is not blank; the empty
    lines at the end are dropped (held until a line that is not empty follows). tests/test_properties.py compares
    it with tidy_blank_lines's whole-text path."""
    fence = ""
    blank = True  # nothing kept yet, or the last line kept is blank
    empty = 0  # empty lines seen and not yet kept: dropped if only empty lines follow
    rest = ""  # the start of a line whose end has not come
    anything = False
    held: list[str] = []  # pieces not yet split into lines: Jinja makes a few per line
    count = 0
    for piece in itertools.chain(pieces, [None]):
        if piece is not None:
            held.append(piece)
            count += len(piece)
            if count < chunk:
                continue
        lines = "".join([rest, *held]).split("\n")
        held, count = [], 0
        rest = lines.pop()
        if piece is None and rest:
            lines.append(rest)
            rest = ""
        kept: list[str] = []
        for line in lines:
            if not line:
                empty += 1
                continue
            for _ in range(empty):  # empty lines with a line after them: kept as any blank line
                if fence or not blank:
                    kept.append("")
                    blank = True
            empty = 0
            match = _FENCE.match(line)
            if match and (not fence or (match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence))):
                fence = "" if fence else match.group(1)
            elif not fence and blank and not line.strip():
                continue
            if fence or line.strip():
                kept.append(line)
                blank = False
            else:
                kept.append("")
                blank = True
        if kept:
            anything = True
            yield "\n".join(kept) + "\n"
    if not anything:
        yield "\n"


def _tidy_line_by_line(text: str) -> str:
    """tidy_blank_lines for any text, a line at a time, following the fences that open and close (tidy_stream,
    given the whole text at once)."""
    return "".join(tidy_stream((text,)))
