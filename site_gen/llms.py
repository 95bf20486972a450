"""llms.txt, per-provider llms files and llms-full files (https://llmstxt.org/).

Layout, so that a catalogue of thousands of models stays under 50,000
characters at the root and every model is two hops away:

    /llms.txt                       H1, summary, info paragraph, Providers, Catalogue, Optional
    /.well-known/llms.txt           the same file
    /llms/providers/<p>.txt         llms.txt-shaped list of one provider's models
    /llms/providers/<p>-full.txt    every mirror of that provider, concatenated
    /llms-full.txt                  every mirror, only while under llms_full_max_bytes

Names in link text have their brackets replaced and notes are one line, so
no title can change the file's structure (outputs.md §2, bad-inputs #39).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import formats
from .markdown import link_url

if TYPE_CHECKING:
    from .view import ModelRow

SECTION = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Link:
    name: str
    url: str
    note: str = ""

    def line(self) -> str:
        note = " ".join(self.note.split())
        return f"- [{link_text(self.name)}]({link_url(self.url)})" + (f": {note}" if note else "")


def link_text(text: str) -> str:
    """Link text that the llms.txt grammar (`[^\\]]+`) cannot misread: one line, no brackets."""
    return " ".join(text.split()).replace("[", "(").replace("]", ")") or "untitled"


def one_line(text: str) -> str:
    return " ".join(text.split())


def document(title: str, summary: str, info: list[str], sections: list[tuple[str, list[Link]]]) -> str:
    """An llms.txt-shaped file. Sections are emitted in order, with 'Optional' moved last."""
    for name, _ in sections:
        if not SECTION.match(name):
            raise ValueError(f"section name {name!r} is not XML-safe")
    ordered = [s for s in sections if s[0] != "Optional"] + [s for s in sections if s[0] == "Optional"]
    parts = [f"# {one_line(title)}", f"> {one_line(summary)}"]
    parts += [one_line(p) for p in info if p.strip()]
    for name, links in ordered:
        if links:
            parts.append(f"## {name}\n\n" + "\n".join(link.line() for link in links))
    return "\n\n".join(parts) + "\n"


def model_note(row: ModelRow) -> str:
    """What a crawler needs to choose: context window, input/output price, status."""
    bits = [f"context {formats.short_tokens(row.context_window)} tokens" if row.context_window
            else "context unknown"]
    if row.input is not None or row.output is not None:
        bits.append(f"{formats.price(row.input)} in / {formats.price(row.output)} out per 1M tokens")
    else:
        bits.append("price unknown")
    bits.append(formats.status(row.status).lower())
    return "; ".join(bits)


def full_part(separator: str, text: str) -> str:
    """One mirror's segment of an llms-full file (full_head, then a segment per mirror): the separator line that
    names its URL, then the mirror."""
    return f"{separator}{text.rstrip()}\n"


def full_head(title: str, count: int) -> str:
    return (f"# {one_line(title)}\n\n> {count} markdown mirrors, concatenated. Each starts after a line "
            "'<!-- mirror: URL -->' and keeps its own front matter.\n")


def full_separator(url: str) -> str:
    return f"\n<!-- mirror: {url} -->\n\n"
