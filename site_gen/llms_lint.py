"""A strict checker for llms.txt files (https://llmstxt.org/).

The reference parser (PyPI `llms-txt`) is a regex parser: it accepts relative
URLs, merges duplicate sections, turns an H3 into a section and loses the
summary when no paragraph follows it.  This checker enforces the proposal's
order and the conventions site_gen promises (shared/docs/outputs.md §2).
"""

from __future__ import annotations

import re

LINK = re.compile(r"- \[(?P<name>[^\[\]\n]+)\]\((?P<url>[^()\s]+)\)(?:: (?P<note>\S.*))?\Z")
SECTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
MAX_CHARS = 50_000


def lint(text: str, site_url: str | None = None, max_chars: int = MAX_CHARS) -> list[str]:
    """Every problem found, as 'line N: message' strings (empty when the file is valid)."""
    problems: list[str] = []
    if text.startswith("\ufeff"):
        problems.append("line 1: byte order mark before the H1")
    if len(text) >= max_chars:
        problems.append(f"file: {len(text):,} characters, limit {max_chars:,}")
    lines = text.split("\n")
    if not lines or not lines[0].startswith("# ") or not lines[0][2:].strip():
        problems.append("line 1: expected '# <site name>' as the first line")
    blocks = _blocks(lines)
    if len(blocks) < 3 or not blocks[1][1].startswith("> "):
        problems.append("line 3: expected a '> summary' blockquote after the H1")
    elif blocks[2][1].startswith("## "):
        problems.append(f"line {blocks[2][0]}: expected an info paragraph between the summary and the first section")
    sections: list[str] = []
    for number, line in enumerate(lines, start=1):
        if number == 1 or not line.strip():
            continue
        if line.startswith("#") and not line.startswith("## "):
            problems.append(f"line {number}: only one H1 and H2 sections are allowed, found {line.split()[0]}")
        elif line.startswith("## "):
            name = line[3:].strip()
            if not SECTION_NAME.match(name):
                problems.append(f"line {number}: section name {name!r} is not XML-safe")
            if name in sections:
                problems.append(f"line {number}: duplicate section {name!r}")
            sections.append(name)
        elif sections:
            problems += _link_problems(number, line, site_url)
    if "Optional" in sections and sections[-1] != "Optional":
        problems.append("file: '## Optional' must be the last section")
    return problems


def _blocks(lines: list[str]) -> list[tuple[int, str]]:
    """First line of each blank-line separated block, with its number."""
    out, previous_blank = [], True
    for number, line in enumerate(lines, start=1):
        if line.strip() and previous_blank:
            out.append((number, line))
        previous_blank = not line.strip()
    return out


def _link_problems(number: int, line: str, site_url: str | None) -> list[str]:
    match = LINK.match(line)
    if not match:
        return [f"line {number}: expected '- [name](url): note', found {line[:60]!r}"]
    url = match.group("url")
    if not url.startswith(("https://", "http://")):
        return [f"line {number}: link {url!r} is not absolute"]
    if site_url and not url.startswith(site_url):
        return [f"line {number}: link {url!r} is not on {site_url}"]
    return []


def links(text: str) -> list[str]:
    return [m.group("url") for line in text.split("\n") if (m := LINK.match(line))]
