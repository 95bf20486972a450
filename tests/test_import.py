"""Importers, on fixtures cut from the real upstream files (licences kept beside them)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers import FIXTURES, SHARED, copy_site, run_cli, snapshot

UPSTREAM = FIXTURES / "upstream"
IMPORTS = [
    ("models-dev", UPSTREAM / "models.dev"),
    ("litellm", UPSTREAM / "litellm" / "model_prices_and_context_window.json", "--checked", "2026-11-22"),
    ("genai-prices", UPSTREAM / "genai-prices"),
    ("models-dev-history", UPSTREAM / "models.dev-history" / "price_history.jsonl"),
]


def import_all(site: Path, imports: list[tuple] = IMPORTS) -> list:
    return [run_cli("import", str(source), str(path), *rest, cwd=site) for source, path, *rest in imports]


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(tmp_path / "site", FIXTURES / "import-site")


def test_import_reports_bad_upstream_and_writes_good_entries(site: Path) -> None:
    first = import_all(site)[0]
    assert first.code == 1
    assert first.problems == [
        "providers/badco/models/broken.toml: -: rejected: malformed TOML: "
        "Illegal character '\\n' (at line 1, column 15)",
        "providers/badco/models/far-tier.toml: cost.tiers[0].tier.size: rejected: tier at 256,000 tokens is beyond "
        "the context limit (128,000)",
        "providers/badco/models/good.toml: mystery_flag: note: unknown field, ignored",
        "providers/badco/models/negative.toml: cost.input: rejected: expected a price >= 0, found -1.5",
        "providers/badco/models/words.toml: cost.input: rejected: expected a number, found 'cheap'",
    ]
    assert "4 upstream entries rejected" in first.err
    good = front(site / "content/models/badco/badco--good.md")
    assert good["pricing"] == {"input": 0.5, "output": 1.5, "source": {
        "name": "models.dev", "checked": "2026-07-02",
        "url": "https://github.com/anomalyco/models.dev/blob/f3fc692299671838c7c65fd8126bf84d81a2e817/"
               "providers/badco/models/good.toml"}}
    assert not (site / "content/models/badco/badco--negative.md").exists()


def test_litellm_and_history_bad_entries_are_reported(site: Path) -> None:
    runs = import_all(site)
    litellm, history = runs[1], runs[3]
    assert "model_prices_and_context_window.json: badco/negative-price.input_cost_per_token: rejected: " \
           "expected a price >= 0, found -1e-06" in litellm.problems
    assert "model_prices_and_context_window.json: badco/far-tier.*_above_200k_tokens: rejected: tier at 200,000 " \
           "tokens is beyond the context limit max_input_tokens=128,000" in litellm.problems
    assert "price_history.jsonl:7: date: rejected: not a date: '2025-13-40'" in history.problems
    assert "price_history.jsonl:8: -: rejected: malformed JSON line: Expecting value: line 1 column 1 (char 0)" \
           in history.problems


def test_reimport_changes_no_file_and_builds(site: Path) -> None:
    import_all(site)
    before = snapshot(site / "content")
    for run in import_all(site):
        assert "(0 written," in run.err
    assert snapshot(site / "content") == before
    built = run_cli("build", cwd=site)
    assert built.code == 0, built.err


def test_order_of_imports_does_not_matter(tmp_path: Path) -> None:
    a = copy_site(tmp_path / "a", FIXTURES / "import-site")
    b = copy_site(tmp_path / "b", FIXTURES / "import-site")
    import_all(a)
    import_all(b, list(reversed(IMPORTS)))
    assert snapshot(a / "content") == snapshot(b / "content")


def test_inheritance_resolution(site: Path) -> None:
    import_all(site)
    page = front(site / "content/models/openai/gpt-4.1-mini.md")
    azure = next(row for row in page["availability"] if row["provider"] == "azure")
    # azure's own file has only cost and modalities.input: limits come from the lab model
    assert azure == {"provider": "azure", "model_id": "gpt-4.1-mini", "context_window": 1047576, "max_output": 32768,
                     "pricing": {"input": 0.4, "output": 1.6, "cache_read": 0.1}}
    snapshot_data = (site / "content/_upstream/models-dev.json").read_text()
    import json
    entry = next(e for e in json.loads(snapshot_data)["entries"] if e["provider"] == "azure")
    assert "structured_output" not in entry["data"]  # base_model_omit honoured
    assert entry["data"]["modalities"] == {"input": ["text", "image"], "output": ["text"]}  # own value wins, key by key
    assert page["limits"] == {"context_window": 1047576, "max_output": 32768}
    assert page["benchmarks"][0]["name"] == "Aider Polyglot"  # from models/openai/gpt-4.1-mini.toml
    assert (site / "content/providers/openai.svg").is_file()


def test_ids_with_slash_get_stable_slugs(site: Path) -> None:
    import_all(site)
    page = front(site / "content/models/anthropic/claude-sonnet-4-5.md")
    openrouter = next(row for row in page["availability"] if row["provider"] == "openrouter")
    assert openrouter["model_id"] == "anthropic/claude-sonnet-4.5"
    cerebras = front(site / "content/models/cerebras/cerebras--llama-3.3-70b.md")
    assert cerebras["id"] == "llama-3.3-70b" and cerebras["slug"] == "cerebras--llama-3.3-70b"
    assert "title" not in cerebras and "release_date" not in cerebras  # LiteLLM has neither: never invented


def test_claude_sonnet_45_sources_disagree(site: Path) -> None:
    import_all(site)
    page = front(site / "content/models/anthropic/claude-sonnet-4-5.md")
    found = {d["field"]: d["values"] for d in page["discrepancies"]}
    assert found["limits.context_window"] == [
        {"source": "models.dev (anthropic)", "value": 200000},
        {"source": "LiteLLM (anthropic)", "value": 200000},
        {"source": "genai-prices (claude-sonnet-4-5)", "value": 1000000}]
    assert found["pricing.tiers"][-1] == {"source": "genai-prices (claude-sonnet-4-5)",
                                          "value": "above 200,000 tokens: input 6, output 22.5"}
    assert run_cli("build", cwd=site).code == 0
    mirror = (site / "build/llms/models/claude-sonnet-4-5.md").read_text()
    assert "## Sources Disagree" in mirror
    assert "| Context window | genai-prices (claude-sonnet-4-5) | 1,000,000 tokens (1M) |" in mirror
    html = (site / "build/model/claude-sonnet-4-5.html").read_text()
    assert "Sources disagree" in html and "1,000,000 tokens (1M)" in html


def test_price_history_and_sources(site: Path) -> None:
    import_all(site)
    page = front(site / "content/models/deepseek/deepseek--deepseek-chat.md")
    points = [(p["date"], p["input"], p["output"]) for p in page["price_history"]]
    assert points[:4] == [("2025-06-10", 0.27, 1.1), ("2025-08-25", 0.57, 1.68), ("2025-11-17", 0.28, 0.42),
                          ("2026-04-25", 0.14, 0.28)]
    assert {s["name"] for s in page["sources"]} == {"models.dev", "LiteLLM", "genai-prices"}
    assert page["provenance"]["price_history"] == "models.dev history"
    assert run_cli("build", cwd=site).code == 0
    mirror = (site / "build/llms/models/deepseek--deepseek-chat.md").read_text()
    assert "| 2025-08-25 | $0.57 | $1.68 |" in mirror


def test_hand_edits_survive_reimport(site: Path) -> None:
    import_all(site)
    path = site / "content/models/openai/gpt-4.1-mini.md"
    text = path.read_text()
    edited = text.replace("\n---\n", "\noverrides:\n  # editor's note\n  knowledge_cutoff: 2024-06-01\n"
                          "  pricing: {source: {name: OpenAI, url: 'https://openai.com/api/pricing/', "
                          "checked: 2026-07-02, vendor: true}}\n---\n", 1)
    edited += "Prose written by hand.\n\n## Notes\n\nKept across imports.\n"
    path.write_text(edited)
    import_all(site)
    assert path.read_text() == edited
    assert run_cli("build", cwd=site).code == 0
    mirror = (site / "build/llms/models/gpt-4.1-mini.md").read_text()
    assert "- Knowledge cutoff: 2024-06-01" in mirror
    assert "## Official Pricing (per 1M tokens)" in mirror
    assert "Prose written by hand." in mirror


def test_model_removed_upstream_is_marked_not_deleted(site: Path, tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    shutil.copytree(UPSTREAM / "models.dev", upstream)
    imports = [("models-dev", upstream)]
    import_all(site, imports)
    (upstream / "providers/badco/models/good.toml").unlink()
    run = import_all(site, imports)[0]
    assert "content/models/badco/badco--good.md: upstream_removed: note: no longer in any upstream source; page kept" \
        in run.problems
    assert "1 removed upstream" in run.err
    page = front(site / "content/models/badco/badco--good.md")
    assert page["upstream_removed"] == "2026-07-02"
    assert run_cli("build", cwd=site).code == 0
    assert "disappeared from its upstream source on 2026-07-02" in (site / "build/model/badco--good.html").read_text()


@pytest.mark.slow
def test_full_import_of_shared_data(tmp_path: Path) -> None:
    data = SHARED / "data"
    assert data.is_dir(), "../shared/data is needed for this test"
    site = copy_site(tmp_path / "site", FIXTURES / "import-site")
    runs = import_all(site, [("models-dev", data / "models.dev"),
                             ("litellm", data / "litellm/model_prices_and_context_window.json", "--checked",
                              "2026-11-22"),
                             ("genai-prices", data / "genai-prices"),
                             ("models-dev-history", data / "models.dev-history/price_history.jsonl")])
    summary = runs[-1].err.strip().splitlines()[-1]
    assert re.fullmatch(r"site-gen: import models-dev-history: 7047 model pages \(\d+ written, \d+ unchanged, "
                        r"263 rejected\), 213 providers, 0 removed upstream; 298 upstream entries rejected", summary)
    assert runs[0].err.strip().splitlines()[-1] == (
        "site-gen: import models-dev: 3592 model pages (3583 written, 0 unchanged, 9 rejected), 150 providers, "
        "0 removed upstream; 100 upstream entries rejected")
