"""Incremental builds: same bytes as a clean build, unchanged pages neither rendered nor rewritten,
and a damaged cache or output is detected, never trusted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import ROOT, copy_site, run_cli, snapshot


def clean_twin(site: Path, tmp: Path) -> dict[str, bytes]:
    twin = tmp / "twin"
    if twin.exists():
        shutil.rmtree(twin)
    shutil.copytree(site, twin, ignore=shutil.ignore_patterns("build", ".site-gen-cache"))
    assert run_cli("build", "--clean", "-j", "1", cwd=twin).code == 0
    return snapshot(twin / "build")


def test_series_of_edits_matches_a_clean_build(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    steps = [
        lambda: gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1)),
        lambda: (site / "content/models/acme/new-one.md").write_text(
            "---\nid: new-one\ntitle: New One\nprovider: acme\ndata_updated: 2026-02-01\n---\nNew.\n"),
        lambda: (site / "content/models/acme/unknowns.md").unlink(),
        lambda: (site / "content/providers/acme.md").write_text(
            (site / "content/providers/acme.md").read_text().replace("ACME AI", "ACME Intelligence")),
        lambda: ((site / "templates").mkdir(), (site / "templates/model.md").write_text(
            (ROOT / "templates/model.md").read_text().replace("## Model Metadata", "## Model Metadata\n\nEdited."))),
    ]
    for step in steps:
        step()
        result = run_cli("build", cwd=site)
        assert result.code == 0, result.err
        assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_unchanged_pages_are_not_rewritten(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    before = {p: (site / "build" / p).stat().st_ino for p in ("model/unknowns.html", "model/gemini-2.5-pro.html")}
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    result = run_cli("build", cwd=site)
    assert "pages rendered: 4, reused unchanged: 3" in result.out  # gemini, google, acme (serves it), index
    assert (site / "build/model/unknowns.html").stat().st_ino == before["model/unknowns.html"]
    assert (site / "build/model/gemini-2.5-pro.html").stat().st_ino != before["model/gemini-2.5-pro.html"]
    assert "nothing changed" in run_cli("build", cwd=site).out


def test_damaged_cache_or_output_is_not_trusted(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    clean = snapshot(site / "build")
    (site / "build/model/unknowns.html").write_text("tampered")
    assert run_cli("build", cwd=site).code == 0
    assert snapshot(site / "build") == clean
    cache = next((site / ".site-gen-cache").glob("*.json"))
    cache.write_text("{not json")
    assert run_cli("build", cwd=site).code == 0
    assert snapshot(site / "build") == clean
    data = json.loads(cache.read_text())
    for record in data["pages"].values():
        record["key"] = "stale"
    cache.write_text(json.dumps(data))
    (site / "content/models/acme/unknowns.md").write_text(
        (site / "content/models/acme/unknowns.md").read_text() + "\nMore.\n")
    assert run_cli("build", cwd=site).code == 0
    assert "More." in (site / "build/model/unknowns.html").read_text()


def test_worker_counts_give_identical_trees(tmp_path: Path) -> None:
    trees = []
    for jobs in ("1", "2"):
        site = copy_site(tmp_path / f"j{jobs}")
        assert run_cli("build", "--clean", "-j", jobs, cwd=site).code == 0
        trees.append(snapshot(site / "build"))
    assert trees[0] == trees[1]


def test_parse_cache_is_used_and_a_broken_one_ignored(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    pickle_file = site / ".site-gen-cache" / "content.pickle"
    assert pickle_file.is_file()
    clean = snapshot(site / "build")
    pickle_file.write_bytes(b"not a pickle")
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    assert run_cli("build", cwd=site).code == 0
    assert "$1.50" in (site / "build/model/gemini-2.5-pro.html").read_text()
    gemini.write_text(gemini.read_text().replace("input: 1.5", "input: 1.25", 1))
    assert run_cli("build", cwd=site).code == 0
    assert snapshot(site / "build") == clean
