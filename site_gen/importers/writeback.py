"""Write imported pages into content/, keeping what people wrote.

A page's front matter is regenerated from the sources on every import, but
its prose body and its ``overrides`` block are carried over byte for byte.
Each file is checked with the real loader and catalogue rules before it is
written (atomically, and only when its bytes change); a page that fails is
reported and its existing file left as it was.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .. import frontmatter, overrides
from ..catalog import check_model
from ..content import Entry
from ..diagnose import from_validation_error
from ..schema import Model, Provider
from .common import Report, write_if_changed

MODEL_ORDER = ("id", "slug", "title", "provider", "aliases", "family", "description", "query_intents",
               "release_date", "knowledge_cutoff", "status", "deprecation_date", "limits", "modalities",
               "capabilities", "pricing", "availability", "benchmarks", "price_history", "open_weights", "license",
               "links", "sources", "provenance", "discrepancies", "upstream_removed", "data_updated", "extra")
PROVIDER_ORDER = ("id", "slug", "name", "website", "docs_url", "logo", "description", "sources", "data_updated",
                  "extra")
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*:")


def existing_parts(path: Path) -> tuple[str, str]:
    """(overrides block text, body) of an existing content file, or ('', '')."""
    if not path.is_file():
        return "", ""
    text = frontmatter.decode(str(path), path.read_bytes())
    try:
        yaml_text, _, body, _ = frontmatter.split(str(path), text)
    except frontmatter.FrontMatterError:
        return "", ""
    lines = (yaml_text or "").split("\n")
    block: list[str] = []
    inside = False
    for line in lines:
        if line.startswith(f"{overrides.KEY}:"):
            inside = True
        elif inside and _TOP_KEY.match(line):
            inside = False
        if inside:
            block.append(line)
    text_block = "\n".join(block).rstrip("\n")
    return (text_block + "\n" if text_block else ""), body


def render(front: dict[str, Any], order: tuple[str, ...], overrides_text: str, body: str) -> bytes:
    ordered = {k: front[k] for k in order if k in front and front[k] not in (None, [], {})}
    dumped = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)
    return f"---\n{dumped}{overrides_text}---\n{body}".encode()


def validate(path: str, data: bytes, kind: str, provider_ids: set[str]) -> list[str]:
    """Problems the build would report for this file, as 'field: message' strings."""
    try:
        source = frontmatter.parse(path, data)
    except frontmatter.FrontMatterError as exc:
        return [f"{exc.diagnostic.field or '-'}: {exc.diagnostic.message}"]
    document = overrides.apply(source.front)
    schema = Model if kind == "model" else Provider
    try:
        model = schema.model_validate(document.data)
    except ValidationError as exc:
        return [f"{d.field}: {d.message}" for d in from_validation_error(exc, schema, path, document)]
    if kind != "model":
        return []
    entry = Entry("model", path, model, source.body, source.body_line, Path(path).stem)
    return [f"{d.field}: {d.message}" for d in check_model(entry, provider_ids)]


def write_page(path: Path, shown: str, front: dict[str, Any], kind: str, provider_ids: set[str],
               report: Report, upstream_file: str) -> str:
    """Write one page; returns 'written', 'unchanged' or 'rejected'."""
    overrides_text, body = existing_parts(path)
    data = render(front, MODEL_ORDER if kind == "model" else PROVIDER_ORDER, overrides_text, body)
    problems = validate(shown, data, kind, provider_ids)
    if problems:
        for problem in problems:
            field, _, message = problem.partition(": ")
            report.reject(upstream_file, field, message)
        return "rejected"
    return "written" if write_if_changed(path, data) else "unchanged"
