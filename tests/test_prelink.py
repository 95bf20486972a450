"""The previous build's pages linked into the staging folder while the content loads (site_gen.prelink): the
pages taken are the previous build's own files, the others are rendered into new files, and no published
file is ever written, whatever the linking child does."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import site_gen.build as build_module
import site_gen.prelink as prelink
from tests.helpers import ROOT, copy_site, run_cli, snapshot
from tests.test_atomic import leftovers
from tests.test_incremental import clean_twin

GEMINI = "content/models/google/gemini-2.5-pro.md"


def hold_published(site: Path, side: Path) -> dict[str, tuple[int, str]]:
    """A hard link to every published file (its inode, whatever becomes of its name), and its inode and hash."""
    held = {}
    for path in sorted((site / "build").rglob("*")):
        if path.is_file():
            name = path.relative_to(site / "build").as_posix()
            (side / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, side / name)
            held[name] = (path.stat().st_ino, hashlib.sha256(path.read_bytes()).hexdigest())
    return held


def assert_untouched(side: Path, held: dict[str, tuple[int, str]]) -> None:
    """Every file the previous build published still holds the bytes it had: nothing wrote through a link."""
    for name, (_, digest) in held.items():
        assert hashlib.sha256((side / name).read_bytes()).hexdigest() == digest, name


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[prelink.Prelink]:
    """Every Prelink a build makes."""
    made: list[prelink.Prelink] = []

    class Spy(prelink.Prelink):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(build_module, "Prelink", Spy)
    return made


def test_an_edit_build_takes_the_early_links_and_writes_no_published_file(tmp_path: Path,
                                                                         spy: list[prelink.Prelink]) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    held = hold_published(site, tmp_path / "held")
    gemini = site / GEMINI
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    result = run_cli("build", "-j", "2", cwd=site)
    assert result.code == 0, result.err
    assert "pages rendered: 4, reused unchanged: 3" in result.out  # gemini, google, acme (serves it), index
    assert len(spy) == 1 and len(spy[0].result()) == 7  # every page of the previous build was linked early
    assert_untouched(tmp_path / "held", held)
    kept = site / "build/model/unknowns.html"
    assert kept.stat().st_ino == held["model/unknowns.html"][0]  # the previous build's own file
    assert (site / "build/model/gemini-2.5-pro.html").stat().st_ino != held["model/gemini-2.5-pro.html"][0]
    assert snapshot(site / "build") == clean_twin(site, tmp_path)
    assert leftovers(site) == []


def test_a_linking_child_that_dies_midway_leaves_no_link_behind(tmp_path: Path, spy: list[prelink.Prelink],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The child links some pages, then dies before it reports: the build trusts none of its work, clears every
    page's names, and links or renders each page as if there had been no child."""
    real = prelink.link_pages

    def die(source: str, target: str, pages: list) -> bytearray:
        real(source, target, pages[:3])
        os._exit(3)

    monkeypatch.setattr(prelink, "link_pages", die)
    site = copy_site(tmp_path / "site")
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    held = hold_published(site, tmp_path / "held")
    acme = site / "content/providers/acme.md"
    acme.write_text(acme.read_text().replace("ACME AI", "ACME Intelligence"))
    result = run_cli("build", "-j", "2", cwd=site)
    assert result.code == 0, result.err
    assert len(spy) == 1
    assert_untouched(tmp_path / "held", held)
    assert snapshot(site / "build") == clean_twin(site, tmp_path)
    assert "reused unchanged: 0" not in result.out  # linked again by the building process itself


def test_a_published_page_edited_by_hand_is_rendered_again(tmp_path: Path, spy: list[prelink.Prelink]) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    page = site / "build/model/unknowns.html"
    page.write_text("tampered")
    gemini = site / GEMINI
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    result = run_cli("build", "-j", "2", cwd=site)
    assert result.code == 0, result.err
    assert len(spy) == 1
    assert "pages rendered: 5, reused unchanged: 2" in result.out
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_pages_are_linked_early_only_when_they_can_be_reused(tmp_path: Path, spy: list[prelink.Prelink]) -> None:
    """Not on a first or clean build, nor with one process (-j 1), nor when the templates changed (no page's
    key can match): then the child's links would all be undone."""
    site = copy_site(tmp_path / "site")
    gemini = site / GEMINI
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    assert spy == []
    for count, args in ((0, ("-j", "1")), (0, ("-j", "2", "--clean")), (1, ("-j", "2"))):
        gemini.write_text(gemini.read_text() + "\nMore.\n")
        assert run_cli("build", *args, cwd=site).code == 0
        assert len(spy) == count, args
    (site / "templates").mkdir()
    (site / "templates/model.md").write_text((ROOT / "templates/model.md").read_text() + "\nEdited.\n")
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    assert len(spy) == 1
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_a_content_error_stops_the_child_and_leaves_the_site_as_it_was(tmp_path: Path,
                                                                      spy: list[prelink.Prelink]) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    before = snapshot(site / "build")
    gemini = site / GEMINI
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: [1.5", 1))
    result = run_cli("build", "-j", "2", cwd=site)
    assert result.code == 1 and result.problems[0].startswith(GEMINI + ":")
    assert len(spy) == 1 and spy[0].pid == 0  # waited for: no child left behind
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


def test_only_pages_recorded_by_stat_in_this_output_are_candidates() -> None:
    """A shard's or a merge's records (by hash, from other folders) and damaged records are left to the build."""
    pages = {
        "a.html": {"files": ["a.html", "a.md"], "stat": [[1, 2], [3, 4]]},
        "b.html": {"files": ["b.html"], "stat": [[1, 2]], "hashes": ["x"]},
        "c.html": {"files": ["c.html"], "stat": [[1, 2]], "dir": "/elsewhere"},
        "d.html": {"files": ["d.html", "d.md"], "stat": [[1, 2]]},
        "e.html": {"files": ["e.html"], "stat": [["1", 2]]},
        "f.html": {"files": ["other.html"], "stat": [[1, 2]]},
        "g.html": "damaged",
    }
    assert prelink.candidates({"pages": pages}) == [("a.html", ["a.html", "a.md"], [[1, 2], [3, 4]])]
    assert prelink.candidates({"pages": None}) == []


def test_the_child_links_only_files_as_recorded(tmp_path: Path) -> None:
    source, target = tmp_path / "old", tmp_path / "new"
    (source / "m").mkdir(parents=True)
    for name in ("m/a.html", "m/a.md", "m/b.html"):
        (source / name).write_text(name)
    st = {n: [(source / n).stat().st_size, (source / n).stat().st_mtime_ns] for n in ("m/a.html", "m/a.md", "m/b.html")}
    pages = [("m/a.html", ["m/a.html", "m/a.md"], [st["m/a.html"], st["m/a.md"]]),
             ("m/b.html", ["m/b.html"], [[st["m/b.html"][0] + 1, st["m/b.html"][1]]]),  # edited since
             ("m/c.html", ["m/c.html"], [[1, 1]])]  # gone
    assert list(prelink.link_pages(str(source), str(target), pages)) == [prelink.LINKED, prelink.NONE, prelink.NONE]
    assert (target / "m/a.md").stat().st_ino == (source / "m/a.md").stat().st_ino
    assert not (target / "m/b.html").exists() and not (target / "m/c.html").exists()
