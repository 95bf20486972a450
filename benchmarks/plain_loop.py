"""The floor of this stack: the least a generator built on it does per page, for the benchmark to compare with.

    python benchmarks/plain_loop.py CONTENT_DIR OUT_DIR [--jobs N] [--engine markdown-it-py|markdown-it-pyrs]

For every model file of a benchmark corpus (benchmarks/corpus.py): read it, load its front matter with
libyaml's loader, render its body with markdown-it, render an HTML page and a markdown mirror with Jinja2
(the facts the benchmark's Hugo layout shows), and write both. Nothing else: no validation, no positions
for messages, no listings, no site-wide files, no cache. It is the "plain loop" of
../shared/docs/performance.md, run on the same corpus and machine as the builders, so the benchmark can
say how far a target is below what the libraries themselves allow.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup

HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ m.title }}</title>
<link rel="canonical" href="https://bench.example.org/model/{{ m.id }}/"></head><body><h1>{{ m.title }}</h1>
<dl><dt>Model ID</dt><dd>{{ m.id }}</dd><dt>Provider</dt><dd>{{ m.provider }}</dd>
<dt>Release date</dt><dd>{{ m.release_date }}</dd><dt>Context</dt><dd>{{ m.limits.context_window }}</dd>
<dt>Max output</dt><dd>{{ m.limits.max_output }}</dd></dl>
<table><tr><th>Input</th><td>{{ m.pricing.input }}</td></tr><tr><th>Output</th><td>{{ m.pricing.output }}</td></tr>
{% for t in m.pricing.tiers or [] %}<tr><th>Above {{ t.above }}</th><td>{{ t.input }} / {{ t.output }}</td></tr>{% endfor %}</table>
<table>{% for r in m.availability %}<tr><td>{{ r.provider }}</td><td>{{ r.model_id }}</td><td>{{ r.context_window }}</td>
<td>{{ r.pricing.input }}</td><td>{{ r.pricing.output }}</td></tr>{% endfor %}</table>
{% if m.price_history %}<table>{% for p in m.price_history %}<tr><td>{{ p.date }}</td><td>{{ p.input }}</td><td>{{ p.output }}</td></tr>{% endfor %}</table>{% endif %}
{{ body }}</body></html>
"""

MIRROR = """---
title: "{{ m.title }}"
canonical_url: "https://bench.example.org/model/{{ m.id }}/"
---

# {{ m.title }}

- Model ID: {{ m.id }}
- Provider: {{ m.provider }}
- Context window: {{ m.limits.context_window }}
- Max output: {{ m.limits.max_output }}
- Input price: {{ m.pricing.input }}
- Output price: {{ m.pricing.output }}

| Provider | Model ID | Context | Input | Output |
| --- | --- | --- | --- | --- |
{% for r in m.availability %}| {{ r.provider }} | {{ r.model_id }} | {{ r.context_window }} | {{ r.pricing.input }} | {{ r.pricing.output }} |
{% endfor %}
{{ source }}"""

_STATE: dict[str, object] = {}


def _setup(engine: str, out: str) -> None:
    if engine == "markdown-it-pyrs":
        import markdown_it_pyrs

        md = markdown_it_pyrs.MarkdownIt("commonmark").enable("table")
    else:
        import markdown_it

        md = markdown_it.MarkdownIt("commonmark").enable("table")
    env = jinja2.Environment(autoescape=jinja2.select_autoescape(default_for_string=True))
    _STATE.update(md=md, html=env.from_string(HTML), mirror=jinja2.Environment().from_string(MIRROR), out=out)


def _page(file: str) -> int:
    text = Path(file).read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    data = yaml.load(front, Loader=yaml.CSafeLoader)
    folder = Path(str(_STATE["out"])) / "model" / data["id"]
    folder.mkdir(parents=True, exist_ok=True)
    html = Markup(_STATE["md"].render(body))  # type: ignore[attr-defined]
    (folder / "index.html").write_text(_STATE["html"].render(m=data, body=html), encoding="utf-8")  # type: ignore[attr-defined]
    (folder / "index.md").write_text(_STATE["mirror"].render(m=data, source=body), encoding="utf-8")  # type: ignore[attr-defined]
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("content", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engine", default="markdown-it-py", choices=["markdown-it-py", "markdown-it-pyrs"])
    args = parser.parse_args(argv)
    files = sorted(str(p) for p in (args.content / "models").glob("*/*.md"))
    if args.jobs <= 1:
        _setup(args.engine, str(args.out))
        written = sum(map(_page, files))
    else:
        import multiprocessing  # here, not above: benchmarks/plain_edit.py takes the templates, not the pool

        with multiprocessing.get_context("fork").Pool(args.jobs, _setup, (args.engine, str(args.out))) as pool:
            written = sum(pool.imap_unordered(_page, files, chunksize=64))
    print(f"{written} files from {len(files)} models", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
