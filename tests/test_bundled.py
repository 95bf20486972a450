"""Acceptance checks on the bundled catalogue, as a new user would see it after the README's build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from site_gen import frontmatter, yamlsafe
from tests.helpers import ROOT, SHARED, run_cli, snapshot

pytestmark = pytest.mark.slow


def mirror(build: Path, slug: str) -> str:
    return (build / "llms" / "models" / f"{slug}.md").read_text(encoding="utf-8")


def test_every_model_has_a_page_and_a_mirror(bundled_build: Path) -> None:
    sources = sorted((ROOT / "content" / "models").glob("*/*.md"))
    assert len(sources) > 2000
    for source in sources:
        head = yaml.safe_load(source.read_text(encoding="utf-8").split("---\n")[1])
        slug = head.get("slug") or source.stem
        assert (bundled_build / "model" / f"{slug}.html").is_file(), source
        assert (bundled_build / "llms" / "models" / f"{slug}.md").is_file(), source


def test_the_quick_reading_gives_every_bundled_file_the_data_load_gives() -> None:
    """The loader reads front matter without positions first (yamlsafe.load_data): on the bundled catalogue it
    gives what the reading with positions gives, and does not decline more than a few files to it."""
    files = sorted((ROOT / "content").glob("*/**/*.md"))
    declined = 0
    for file in files:
        text = frontmatter.split(str(file), frontmatter.decode(str(file), file.read_bytes()))[0]
        try:
            quick = yamlsafe.load_data(text)
        except yamlsafe.Declined:
            declined += 1
            continue
        assert repr(quick) == repr(yamlsafe.load(text).data), file
    assert len(files) > 6000 and declined < len(files) / 100


def test_gpt_41_mini_facts_with_sources(bundled_build: Path) -> None:
    text = mirror(bundled_build, "gpt-4.1-mini")
    assert "- Context window: 1,047,576 tokens (1M)" in text
    assert "| Input | $0.40 |" in text and "| Output | $1.60 |" in text
    assert "## Official Pricing (per 1M tokens)" in text
    assert "Source: [OpenAI API pricing](https://openai.com/api/pricing/) (the vendor), checked 2026-07-02." in text
    assert re.search(r"^- \[models\.dev\]\(https://github\.com/anomalyco/models\.dev/blob/\w+/", text, re.M)


def test_claude_sonnet_45_shows_the_context_disagreement(bundled_build: Path) -> None:
    text = mirror(bundled_build, "claude-sonnet-4-5")
    assert "| Context window | models.dev (anthropic) | 200,000 tokens (200K) |" in text
    assert "| Context window | genai-prices (claude-sonnet-4-5) | 1,000,000 tokens (1M) |" in text
    assert "| Context tiers | genai-prices (claude-sonnet-4-5) | above 200,000 tokens: input 6, output 22.5 |" in text
    html = (bundled_build / "model" / "claude-sonnet-4-5.html").read_text(encoding="utf-8")
    assert "Sources disagree" in html


def test_deepseek_chat_price_history(bundled_build: Path) -> None:
    text = mirror(bundled_build, "deepseek-chat")
    for row in ("| 2025-06-10 | $0.27 | $1.10 |", "| 2025-08-25 | $0.57 | $1.68 |", "| 2025-11-17 | $0.28 | $0.42 |",
                "| 2026-04-25 | $0.14 | $0.28 |"):
        assert row in text


def test_model_served_by_many_providers_lists_each_with_its_price(bundled_build: Path) -> None:
    text = mirror(bundled_build, "claude-sonnet-4-5")
    section = text.split("## Provider Availability", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| [")]
    assert len(rows) >= 10
    providers = {re.match(r"\| \[([^\]]+)\]", row).group(1) for row in rows}
    assert {"Anthropic", "OpenRouter", "Amazon Bedrock"} <= providers
    openrouter = next(row for row in rows if row.startswith("| [OpenRouter]"))
    assert "$3.00 | $15.00 |" in openrouter


def test_reimporting_the_shared_data_changes_nothing(tmp_path: Path) -> None:
    data = SHARED / "data"
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "mkdocs.yml", site / "mkdocs.yml")
    before = snapshot(site / "content")
    for source, path, *rest in [("models-dev", data / "models.dev"),
                                ("litellm", data / "litellm/model_prices_and_context_window.json",
                                 "--checked", "2026-11-22"),
                                ("genai-prices", data / "genai-prices"),
                                ("models-dev-history", data / "models.dev-history/price_history.jsonl")]:
        result = run_cli("import", source, str(path), *rest, cwd=site)
        assert "(0 written," in result.err, result.err.splitlines()[-1]
    assert snapshot(site / "content") == before


def test_model_pages_transfer_under_60_kb(bundled_build: Path) -> None:
    import gzip

    assets = sum(len(gzip.compress((bundled_build / a).read_bytes())) for a in ("assets/style.css", "assets/site.js"))
    heaviest = max((len(gzip.compress(p.read_bytes())), p.name) for p in (bundled_build / "model").glob("*.html"))
    assert heaviest[0] + assets < 60 * 1024, heaviest
