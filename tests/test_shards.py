"""Sharded builds: N machines render a slice of the pages each, one more run merges them into the whole site."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import copy_site, run_cli, snapshot, written_earlier


def shards(site: Path, count: int) -> list[str]:
    names = []
    for index in range(count):
        result = run_cli("build", "--shard", f"{index}/{count}", "-o", f"shard{index}", cwd=site)
        assert result.code == 0, result.err
        assert f"built shard {index}/{count}:" in result.out
        names.append(f"shard{index}")
    return names


def test_merged_shards_equal_a_whole_build(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    names = shards(site, 3)
    rendered = [set(snapshot(site / n)) - {".site-gen-shard.json", ".site-gen-output"} for n in names]
    assert all(rendered) and not (rendered[0] & rendered[1]) and not (rendered[1] & rendered[2])
    assert not any(name.startswith(("llms.txt", "sitemap", "assets/")) for part in rendered for name in part)
    moved = tmp_path / "downloaded"  # as a CI artifact arrives: another folder, new mtimes
    for name in names:
        shutil.copytree(site / name, moved / name)
        for path in (moved / name).rglob("*"):
            os.utime(path, (1_000_000, 1_000_000))
    merged = run_cli("build", "--merge", *[str(moved / n) for n in names], "-o", "merged", cwd=site)
    assert merged.code == 0, merged.err
    assert "pages rendered: 0, reused unchanged: 7" in merged.out
    assert run_cli("build", "--clean", "-o", "whole", cwd=site).code == 0
    assert snapshot(site / "merged") == snapshot(site / "whole")


def test_a_changed_or_missing_shard_page_is_rendered_again(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    names = shards(site, 2)
    page = next(p for p in (site / names[0]).rglob("*.html"))
    page.write_text(page.read_text().replace("</body>", "<p>tampered</p></body>"))
    merged = run_cli("build", "--merge", names[0], "-o", "merged", cwd=site)  # shard 1 missing too
    assert merged.code == 0, merged.err
    assert "reused unchanged: 3" in merged.out
    assert run_cli("build", "--clean", "-o", "whole", cwd=site).code == 0
    assert snapshot(site / "merged") == snapshot(site / "whole")


def test_a_damaged_or_older_shard_record_file_stops_the_merge(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    names = shards(site, 2)
    record = site / names[0] / ".site-gen-shard.json"
    sealed = record.read_bytes()
    record.write_bytes(sealed.replace(b"model/", b"modex/", 1))  # still JSON, but not as written
    result = run_cli("build", "--merge", *names, "-o", "merged", cwd=site)
    assert result.code == 1 and not (site / "merged").exists()
    assert result.problems == [f"{names[0]}/.site-gen-shard.json: damaged: its checksum does not match its contents "
                               "(copy the shard's folder again, or render the shard again)"]
    record.write_bytes(sealed.split(b"\n", 1)[1])  # a shard of an older site-gen: plain JSON
    result = run_cli("build", "--merge", *names, "-o", "merged", cwd=site)
    assert result.code == 1 and "shard written by another site-gen version" in result.problems[0]
    record.write_bytes(sealed)
    assert run_cli("build", "--merge", *names, "-o", "merged", cwd=site).code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--shard", "2/2"], "--shard: expected I/N with 0 <= I < N, found '2/2'"),
    (["--shard", "one/two"], "--shard: expected I/N with 0 <= I < N, found 'one/two'"),
    (["--shard", "0/2", "--merge", "x"], "--merge: --shard and --merge cannot be used together"),
    (["--merge", "content"], "content: not a shard output (no readable .site-gen-shard.json)"),
    (["--shard", "\u00b2/3"], "--shard: expected I/N with 0 <= I < N, found '\u00b2/3'"),  # a digit int() refuses
    (["-j", "0"], "--jobs: expected a whole number of processes, 1 or more, found '0' (leave -j out to use all"),
    (["-j", "-2"], "--jobs: expected a whole number of processes, 1 or more, found '-2'"),
    (["-j", "\u00b2"], "--jobs: expected a whole number of processes, 1 or more, found '\u00b2'"),
])
def test_bad_shard_and_jobs_options_are_explained(tmp_path: Path, args: list[str], message: str) -> None:
    site = copy_site(tmp_path / "site")
    result = run_cli("build", *args, "-o", "out", cwd=site)
    assert result.code == 1
    assert result.problems[0].startswith(message)
    assert not (site / "out").exists()


def test_more_jobs_than_cores_builds_and_says_what_it_costs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("site_gen.cli.usable_cpus", lambda: 2)  # as on a machine of 2 cores, or a quota of 2
    site = copy_site(tmp_path / "site")
    result = run_cli("build", "-j", "3", cwd=site)
    assert result.code == 0, result.err
    assert "warning: --jobs 3 is more than the 2 cores here" in result.err
    assert run_cli("build", "--clean", "-j", "2", cwd=site).err == ""
    assert run_cli("build", "--clean", "-j", "3", "-q", cwd=site).err == ""


def test_a_shard_run_again_renders_only_what_changed(tmp_path: Path) -> None:
    """A shard keeps a manifest of its folder, as a whole build does: run again (on the same machine, or with
    its folder and .site-gen-cache/ restored by a CI cache) it stops at once when nothing changed, renders
    only the pages of its slice that changed, and its folder is what a fresh shard build would write."""
    site = copy_site(tmp_path / "site")
    names = shards(site, 2)
    again = run_cli("build", "--shard", "0/2", "-o", names[0], cwd=site)
    assert "nothing changed" in again.out
    (site / names[0] / "model").rename(site / names[0] / "moved")  # a damaged shard folder is rebuilt
    assert "nothing changed" not in run_cli("build", "--shard", "0/2", "-o", names[0], cwd=site).out
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    written_earlier(gemini)
    reused = 0
    for index, name in enumerate(names):
        result = run_cli("build", "--shard", f"{index}/2", "-o", name, cwd=site)
        assert result.code == 0, result.err
        reused += int(result.out.split("reused unchanged: ")[1].split()[0])
        fresh = run_cli("build", "--shard", f"{index}/2", "--clean", "-o", f"fresh{index}", cwd=site)
        assert fresh.code == 0, fresh.err
        assert snapshot(site / name) == snapshot(site / f"fresh{index}")
    assert reused == 4  # of 7 pages: gemini's, its provider's and the index changed (not acme's, which serves it)
    # The same folder given another slice is not "nothing changed", and holds that slice only.
    swapped = run_cli("build", "--shard", "1/2", "-o", names[0], cwd=site)
    assert "nothing changed" not in swapped.out
    assert snapshot(site / names[0]) == snapshot(site / "fresh1")
    assert run_cli("build", "--shard", "0/2", "-o", names[0], cwd=site).code == 0
    merged = run_cli("build", "--merge", *names, "-o", "merged", cwd=site)
    assert merged.code == 0 and "pages rendered: 0, reused unchanged: 7" in merged.out
    assert run_cli("build", "--clean", "-o", "whole", cwd=site).code == 0
    assert snapshot(site / "merged") == snapshot(site / "whole")
