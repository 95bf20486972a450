"""Deterministic synthetic catalogues: the same models for site_gen, Hugo and MkDocs.

Every schema section is filled: limits, modalities, capabilities, prices
(context tiers on every fourth model), 3-6 availability rows, price history
on every third, benchmarks, sources, and a body of about 600 words with
headings, a table, lists and links.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

PROVIDERS = [f"provider{i:02d}" for i in range(20)]
WORDS = ["model", "context", "window", "tokens", "latency", "reasoning", "retrieval", "prompt", "output", "price", "cache", "batch", "tool", "schema", "vision", "audio", "provider", "region", "throughput", "benchmark", "accuracy", "evaluation", "deployment", "snapshot"]


def _body(rng: random.Random, title: str) -> str:
    def para(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."
    parts = [para(60), "## When to use it", para(70), "- " + para(12), "- " + para(12), "- " + para(12),
             "## Limits in practice", para(80), "| Task | Fit |", "| --- | --- |",
             "| Extraction | good |", "| Long documents | good |", "| Math | fair |",
             "## Notes", para(90), f"See [the provider page](/provider/{rng.choice(PROVIDERS)}) for more.",
             para(100), para(100)]
    return "\n\n".join(parts) + "\n"


def model(i: int) -> dict:
    rng = random.Random(i)
    provider = PROVIDERS[i % len(PROVIDERS)]
    context = rng.choice([32_768, 128_000, 200_000, 1_000_000, 1_047_576])
    price_in = round(rng.uniform(0.05, 15), 2)
    tiers = i % 4 == 0 and context > 200_000
    rows = []
    for p in rng.sample(PROVIDERS, rng.randint(3, 6)):
        rows.append({"provider": p, "model_id": f"{p}/m{i}", "context_window": context, "max_output": 8192,
                     "pricing": {"input": round(price_in * rng.uniform(0.9, 1.2), 3), "output": round(price_in * 4, 3)}})
    return {
        "i": i, "id": f"m{i:06d}", "title": f"Model {i}", "provider": provider, "family": f"family-{i % 50}",
        "release_date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "context": context, "output": 8192,
        "input_mod": ["text", "image"] if i % 2 else ["text"], "input": price_in, "output_price": round(price_in * 4, 2),
        "cache_read": round(price_in / 10, 3), "tiers": tiers, "rows": rows,
        "history": i % 3 == 0, "body": _body(rng, f"Model {i}"),
    }


def _yaml_model(m: dict) -> str:
    lines = [f"id: {m['id']}", f"title: {m['title']}", f"provider: {m['provider']}", f"family: {m['family']}",
             f"description: A synthetic model for benchmarks, number {m['i']}.",
             "query_intents: [What does it cost?, How long is its context?]",
             f"release_date: {m['release_date']}", "knowledge_cutoff: 2024-06",
             f"limits: {{context_window: {m['context']}, max_output: {m['output']}}}",
             f"modalities: {{input: [{', '.join(m['input_mod'])}], output: [text]}}",
             "capabilities: {tool_use: yes, structured_output: yes, reasoning: no, vision: yes, computer_use: no, "
             "prompt_caching: yes}",
             "pricing:", f"  input: {m['input']}", f"  output: {m['output_price']}", f"  cache_read: {m['cache_read']}"]
    if m["tiers"]:
        lines += ["  tiers:", f"    - {{above: 200000, input: {m['input'] * 2}, output: {m['output_price'] * 1.5}}}"]
    lines += ["  source: {name: Vendor pricing, url: 'https://example.com/pricing', checked: 2026-01-01, vendor: true}",
              "availability:"]
    for row in m["rows"]:
        lines.append(f"  - {{provider: {row['provider']}, model_id: {row['model_id']}, context_window: "
                     f"{row['context_window']}, max_output: {row['max_output']}, pricing: {{input: "
                     f"{row['pricing']['input']}, output: {row['pricing']['output']}}}}}")
    lines += ["benchmarks:", "  - {name: Synthetic Bench, score: 50.5, metric: percent correct, date: 2025-06-01, "
              "source_url: 'https://example.com/bench'}"]
    if m["history"]:
        lines += ["price_history:", f"  - {{date: 2025-01-01, input: {m['input'] * 2}, output: {m['output_price'] * 2}}}",
                  f"  - {{date: 2025-06-01, input: {m['input']}, output: {m['output_price']}}}"]
    lines += ["open_weights: false", "sources:", "  - {name: Vendor, url: 'https://example.com/models', checked: 2026-01-01}",
              "data_updated: 2026-01-01"]
    return "\n".join(lines) + "\n"


def write_site_gen(root: Path, n: int, markdown_engine: str | None = None) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "content/providers").mkdir(parents=True)
    plugin = f"  - site_gen:\n      markdown_engine: {markdown_engine}\n" if markdown_engine else "  - site_gen\n"
    (root / "mkdocs.yml").write_text(f"site_name: Benchmark\nsite_url: https://bench.example.org/\nplugins:\n{plugin}")
    for p in PROVIDERS:
        (root / f"content/providers/{p}.md").write_text(f"---\nid: {p}\nname: Provider {p[-2:]}\n"
                                                       "data_updated: 2026-01-01\n---\nA provider.\n")
        (root / f"content/models/{p}").mkdir(parents=True)
    for i in range(n):
        m = model(i)
        (root / f"content/models/{m['provider']}/{m['id']}.md").write_text(f"---\n{_yaml_model(m)}---\n{m['body']}")


HUGO_CONFIG = """baseURL = "https://bench.example.org/"
title = "Benchmark"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[outputFormats.MD]
mediaType = "text/markdown"
baseName = "index"
isPlainText = true
[mediaTypes."text/markdown"]
suffixes = ["md"]
[outputs]
page = ["HTML", "MD"]
home = ["HTML"]
section = ["HTML"]
[markup.goldmark.renderer]
unsafe = false
"""

HUGO_HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="canonical" href="{{ .Permalink }}"></head><body><h1>{{ .Title }}</h1>
<dl><dt>Model ID</dt><dd>{{ .Params.id }}</dd><dt>Provider</dt><dd>{{ .Params.provider }}</dd>
<dt>Release date</dt><dd>{{ .Params.release_date }}</dd><dt>Context</dt><dd>{{ .Params.limits.context_window }}</dd>
<dt>Max output</dt><dd>{{ .Params.limits.max_output }}</dd></dl>
<table><tr><th>Input</th><td>{{ .Params.pricing.input }}</td></tr><tr><th>Output</th><td>{{ .Params.pricing.output }}</td></tr>
{{ with .Params.pricing.tiers }}{{ range . }}<tr><th>Above {{ .above }}</th><td>{{ .input }} / {{ .output }}</td></tr>{{ end }}{{ end }}</table>
<table>{{ range .Params.availability }}<tr><td>{{ .provider }}</td><td>{{ .model_id }}</td><td>{{ .context_window }}</td>
<td>{{ .pricing.input }}</td><td>{{ .pricing.output }}</td></tr>{{ end }}</table>
{{ with .Params.price_history }}<table>{{ range . }}<tr><td>{{ .date }}</td><td>{{ .input }}</td><td>{{ .output }}</td></tr>{{ end }}</table>{{ end }}
{{ .Content }}</body></html>
"""

HUGO_MD = """---
title: "{{ .Title }}"
canonical_url: "{{ .Permalink }}"
---

# {{ .Title }}

- Model ID: {{ .Params.id }}
- Provider: {{ .Params.provider }}
- Context window: {{ .Params.limits.context_window }}
- Max output: {{ .Params.limits.max_output }}
- Input price: {{ .Params.pricing.input }}
- Output price: {{ .Params.pricing.output }}

| Provider | Model ID | Context | Input | Output |
| --- | --- | --- | --- | --- |
{{ range .Params.availability }}| {{ .provider }} | {{ .model_id }} | {{ .context_window }} | {{ .pricing.input }} | {{ .pricing.output }} |
{{ end }}
{{ .RawContent }}
"""


def write_hugo(root: Path, n: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "layouts/_default").mkdir(parents=True)
    (root / "content/model").mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG)
    (root / "layouts/_default/single.html").write_text(HUGO_HTML)
    (root / "layouts/_default/single.md.md").write_text(HUGO_MD)
    (root / "layouts/_default/list.html").write_text("<!DOCTYPE html><html><body>{{ .Title }}</body></html>\n")
    (root / "layouts/index.html").write_text("<!DOCTYPE html><html><body>{{ .Title }}</body></html>\n")
    for i in range(n):
        m = model(i)
        (root / f"content/model/{m['id']}.md").write_text(f"---\n{_yaml_model(m)}---\n{m['body']}")


def write_mkdocs(root: Path, n: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: Benchmark\nsite_url: https://bench.example.org/\n"
                                     "use_directory_urls: false\n")
    (root / "docs/index.md").write_text("# Benchmark\n")
    for i in range(n):
        m = model(i)
        rows = "\n".join(f"| {r['provider']} | {r['model_id']} | {r['context_window']} | {r['pricing']['input']} | "
                         f"{r['pricing']['output']} |" for r in m["rows"])
        (root / f"docs/{m['id']}.md").write_text(
            f"# {m['title']}\n\n- Model ID: {m['id']}\n- Provider: {m['provider']}\n- Context: {m['context']}\n"
            f"- Input: {m['input']}\n- Output: {m['output_price']}\n\n| Provider | Model ID | Context | Input | Output |\n"
            f"| --- | --- | --- | --- | --- |\n{rows}\n\n{m['body']}")
