"""markdown-it-pyrs, the optional accelerator, gives byte-identical output to markdown-it-py (the reference)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from site_gen import frontmatter, markdown
from site_gen.config import load_config
from site_gen.errors import ConfigError
from tests.helpers import FIXTURES, ROOT, run_cli, snapshot

EDGE_CASES = [
    "# A `code` &amp; b\\*c ![alt](/i.png) [l](/x)\n\n> # in quote\n\n- ## in list\n\n| a | b |\n|---|---|\n"
    "| [x](/y) | z |\n",
    "Setext\n===\n\nTwo\nlines\n---\n\n# Dup\n\n# Dup\n\n#\n\n# Overview\n\n```\n# no\n```\n\n[ref]\n\n[ref]: /r 'T'\n",
    "Text with <h1>raw</h1> and &lt;h2&gt;\n\n## Ünïcode héading ✓\n\n* a\n  [multi\n  line](/ml)\n",
    "<script>alert(1)</script>\n\n<div>\n# not a heading inside html\n</div>\n\n[j](javascript:alert(1))\n",
    "###### Six\n\n####### seven is text\n\n  # indented\n\n    # code\n\n~~gone~~ ![](/empty-alt.png)\n",
    "",
]


@pytest.fixture
def engines():
    yield
    markdown.use_engine("markdown-it-py")


def bodies() -> list[str]:
    found = list(EDGE_CASES)
    for path in sorted(FIXTURES.rglob("*.md")):
        try:
            found.append(frontmatter.parse(str(path), path.read_bytes()).body)
        except frontmatter.FrontMatterError:
            continue
    return found


def test_both_engines_render_the_same_bodies(engines: None) -> None:
    for under in (1, 2):
        for body in bodies():
            markdown.use_engine("markdown-it-py")
            reference = markdown.render_body(body, under)
            markdown.use_engine("markdown-it-pyrs")
            assert markdown.render_body(body, under) == reference, body


def test_raw_html_stays_text_with_the_accelerator(engines: None) -> None:
    markdown.use_engine("markdown-it-pyrs")
    html = markdown.render_body("<script>alert(1)</script>\n\nx <img src=x onerror=alert(2)>\n").html
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html


def write_config(folder: Path, engine: str) -> Path:
    """The bundled site's mkdocs.yml, reading this repository's content and templates, with an engine set."""
    text = (ROOT / "mkdocs.yml").read_text()
    text = text.replace("content_dir: content", f"content_dir: {ROOT / 'content'}").replace(
        "templates_dir: templates", f"templates_dir: {ROOT / 'templates'}\n      markdown_engine: {engine}")
    assert "markdown_engine" in text
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mkdocs.yml").write_text(text)
    return folder / "mkdocs.yml"


def test_engine_option_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path / "a", "markdown-it-rs"))
    message = info.value.diagnostics[0]
    assert message.field == "plugins[0].site_gen.markdown_engine" and (message.line, message.col) == (13, 24)
    assert "expected one of markdown-it-py, markdown-it-pyrs, found" in message.message
    assert message.hint == "did you mean 'markdown-it-pyrs'?"
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "markdown_it_pyrs" else real(name))
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path / "b", "markdown-it-pyrs"))
    assert "markdown-it-pyrs is not installed" in info.value.diagnostics[0].message
    assert "pip install 'site-gen[fast]'" in info.value.diagnostics[0].hint


@pytest.mark.slow
def test_bundled_catalogue_is_byte_identical_with_both_engines(bundled_build: Path, tmp_path: Path,
                                                               engines: None) -> None:
    site = write_config(tmp_path / "site", "markdown-it-pyrs").parent
    result = run_cli("build", "-o", str(tmp_path / "out"), cwd=site)
    assert result.code == 0, result.err
    fast, reference = snapshot(tmp_path / "out"), snapshot(bundled_build)
    assert sorted(fast) == sorted(reference)
    different = [name for name in reference if fast[name] != reference[name]]
    assert different == []
