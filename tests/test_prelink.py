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
    assert "pages rendered: 3, reused unchanged: 4" in result.out  # gemini, google, index (acme: rows unchanged)
    # Every page of the previous build was linked early; the index was then handed to another child to render,
    # and the others whose keys changed are rendered again with the rest.
    assert len(spy) == 1 and spy[0].result() == {"about.html", "model/gemini-2.5-pro.html", "provider/acme.html",
                                                 "provider/google.html", "model/rocket-1-20250101.html",
                                                 "model/unknowns.html"}
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
    assert "pages rendered: 4, reused unchanged: 3" in result.out
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
    assert len(spy) == 1 and spy[0]._child is not None and spy[0]._child.pid == 0  # waited for: none left behind
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


def test_only_pages_recorded_by_stat_in_this_output_are_candidates() -> None:
    """A shard's or a merge's records (by hash, from other folders) and damaged records are left to the build. The
    figures are the manifest's (``files``): a page with a file it does not record, or records otherwise, is left."""
    pages = {
        "a.html": {"files": ["a.html", "a.md"]},
        "b.html": {"files": ["b.html"], "hashes": ["x"]},
        "c.html": {"files": ["c.html"], "dir": "/elsewhere"},
        "d.html": {"files": ["d.html", "d.md"]},
        "e.html": {"files": ["e.html"]},
        "f.html": {"files": ["other.html"]},
        "h.html": {"files": ["h.html", 7]},
        "g.html": "damaged",
    }
    files = {"a.html": [1, 2], "a.md": [3, 4], "b.html": [1, 2], "c.html": [1, 2], "d.html": [1, 2],
             "e.html": ["1", 2], "f.html": [1, 2], "other.html": [1, 2], "h.html": [1, 2]}
    assert prelink.candidates({"pages": pages, "files": files}) == [("a.html", ["a.html", "a.md"], [[1, 2], [3, 4]])]
    assert prelink.candidates({"pages": None, "files": files}) == []
    assert prelink.candidates({"pages": pages, "files": None}) == []
    assert prelink.candidates({"pages": pages, "files": files}, frozenset({"a.html"})) == []  # rendered apart


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


def test_the_listing_pages_an_edit_needs_are_rendered_while_the_keys_are_made(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import site_gen.pages as pages

    started: list[list[str]] = []
    order: list[str] = []
    real, real_result = pages.start_listings, prelink.Prelink.result

    def spy_listings(*args: object) -> object:
        listings = real(*args)  # type: ignore[arg-type]
        started.append([job.path for job in listings.jobs] if listings else [])
        order.append("listings started")
        return listings

    def spy_result(self: prelink.Prelink) -> set[str]:
        order.append("waited for the early links")
        return real_result(self)

    monkeypatch.setattr(pages, "start_listings", spy_listings)
    monkeypatch.setattr(prelink.Prelink, "result", spy_result)
    site = copy_site(tmp_path / "site")
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    assert started == []  # a first build renders them with the rest
    held = hold_published(site, tmp_path / "held")
    gemini = site / GEMINI
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    result = run_cli("build", "-j", "2", cwd=site)
    assert result.code == 0, result.err
    assert "pages rendered: 3, reused unchanged: 4" in result.out
    assert started == [["index"]]
    # The index is rendered without waiting for the child linking the other pages (it leaves the index alone).
    assert order[0] == "listings started" and set(order[1:]) == {"waited for the early links"}
    assert_untouched(tmp_path / "held", held)
    assert snapshot(site / "build") == clean_twin(site, tmp_path)
    gemini.write_text(gemini.read_text() + "\nMore prose.\n")  # no listing shows it
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    assert started[-1] == []
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_an_error_in_a_listing_rendered_early_fails_the_build_as_it_would_otherwise(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    (site / "templates").mkdir()
    (site / "templates/index.html").write_text((ROOT / "templates/index.html").read_text().replace(
        "{% block main %}", "{% block main %}{% if page.rows | length > 3 %}{{ page.no_such_field }}{% endif %}"))
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    before = snapshot(site / "build")
    (site / "content/models/acme/new-one.md").write_text(
        "---\nid: new-one\ntitle: New One\nprovider: acme\ndata_updated: 2026-02-01\n---\nNew.\n")
    result = run_cli("build", "-j", "2", cwd=site)
    assert result.code == 1
    assert result.problems[0].startswith("templates/index.html:")
    assert "'no_such_field' is undefined" in result.problems[0]
    assert run_cli("build", "-j", "1", cwd=site).problems == result.problems  # the same words on one process
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


def test_without_fork_nothing_is_linked_or_rendered_early(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Where the system cannot fork (Windows), the build links and renders every page itself."""
    import site_gen.pages as pages

    monkeypatch.delattr(os, "fork")
    early = prelink.Prelink(tmp_path, tmp_path / "staging", {"pages": {"a.html": {"files": ["a.html"]}}})
    assert early.result() == set()
    assert pages.start_listings(None, None, None, tmp_path, "", {}) is None  # type: ignore[arg-type]
