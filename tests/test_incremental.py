"""Incremental builds: same bytes as a clean build, unchanged pages neither rendered nor rewritten,
and a damaged cache or output is detected, never trusted."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from time import time_ns
from typing import Any

import pytest

from tests.helpers import (
    ROOT,
    copy_site,
    page_inodes,
    read_cache,
    rendered_since,
    run_cli,
    snapshot,
    write_cache,
    written_earlier,
)


def clean_build(site: Path, tmp: Path) -> tuple[int, str, dict[str, bytes]]:
    """A clean build of a copy of ``site``'s sources (not its outputs or cache): its exit code, what it printed
    on stderr, and its tree ({} when it failed)."""
    twin = tmp / "twin"
    shutil.rmtree(twin, ignore_errors=True)
    shutil.copytree(site, twin, ignore=shutil.ignore_patterns("build", ".site-gen-cache", "shard?", "merged"))
    result = run_cli("build", "--clean", "-j", "1", cwd=twin)
    return result.code, result.err, snapshot(twin / "build") if result.code == 0 else {}


def clean_twin(site: Path, tmp: Path) -> dict[str, bytes]:
    """The tree of a clean build of ``site``'s sources, which must succeed."""
    code, err, tree = clean_build(site, tmp)
    assert code == 0, err
    return tree


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
    written_earlier(gemini)
    result = run_cli("build", cwd=site)
    assert "pages rendered: 3, reused unchanged: 4" in result.out  # gemini, google, index (acme: rows unchanged)
    assert (site / "build/model/unknowns.html").stat().st_ino == before["model/unknowns.html"]
    assert (site / "build/model/gemini-2.5-pro.html").stat().st_ino != before["model/gemini-2.5-pro.html"]
    assert "nothing changed" in run_cli("build", cwd=site).out


def test_an_edit_of_the_prose_alone_renders_only_its_own_page(tmp_path: Path) -> None:
    """Listings, similar models and llms lists show other files' front matter, never their bodies: a page is
    keyed by its own file whole and by the others' front matter (Entry.listed). A front matter edit still
    renders them all; either way the tree is a clean build's."""
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    text = gemini.read_text()
    front, body = text.split("\n---\n", 1)
    gemini.write_text(front + "\n---\n" + body + "\nA sentence more, in the prose.\n")
    result = run_cli("build", cwd=site)
    assert result.code == 0, result.err
    assert "pages rendered: 1, reused unchanged: 6" in result.out
    assert "A sentence more" in (site / "build/model/gemini-2.5-pro.html").read_text()
    assert "A sentence more" in (site / "build/llms/providers/google-full.txt").read_text()
    assert snapshot(site / "build") == clean_twin(site, tmp_path)
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    result = run_cli("build", cwd=site)
    assert "pages rendered: 3, reused unchanged: 4" in result.out  # gemini, google, index (acme: rows unchanged)
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


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
    pages = cache.with_suffix(".pages")  # the page records, beside the manifest
    data = json.loads(read_cache(pages))
    for record in data["pages"].values():
        record["key"] = "stale"
    write_cache(pages, json.dumps(data).encode())
    (site / "content/models/acme/unknowns.md").write_text(
        (site / "content/models/acme/unknowns.md").read_text() + "\nMore.\n")
    assert run_cli("build", cwd=site).code == 0
    assert "More." in (site / "build/model/unknowns.html").read_text()


def test_outputs_are_checked_by_size_and_mtime_and_clean_renders_all(tmp_path: Path) -> None:
    """The README's promise, both halves: an output edited in place with its size and mtime put back is not
    read (rsync's quick check), so it stays until ``--clean``, which renders every page again."""
    import os

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    clean = snapshot(site / "build")
    page = site / "build/model/unknowns.html"
    stat, data = page.stat(), page.read_bytes()
    page.write_bytes(data.replace(b"<html", b"<HTML", 1))  # the same size
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert run_cli("build", cwd=site).code == 0
    assert page.read_bytes().startswith(b"<!DOCTYPE html>\n<HTML")
    assert run_cli("build", "--clean", cwd=site).code == 0
    assert snapshot(site / "build") == clean


@pytest.mark.parametrize("kind, old, new", [
    ("content.pickle", b"Model With Unknowns", b"Model With Unknownz"),  # a parsed entry's title
    ("api-listing.pickle", b'"title":"Model With Unknowns"', b'"title":"Model With Unknownz"'),  # a listing entry
    ("similar.pickle", b"gemini-2.5-pro.md", b"gemini-2.5-prx.md"),  # a model's similar models
    ("templates", b"site-footer", b"site-footex"),  # a compiled template's text
])
def test_a_cache_file_with_one_value_changed_is_not_trusted(tmp_path: Path, kind: str, old: bytes,
                                                             new: bytes) -> None:
    """Damage that still parses (a bit flipped inside a string) is caught by each cache file's checksum: without
    it, the changed value would be published, as if it were the content's."""
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    cache = site / ".site-gen-cache"
    damaged = 0
    for path in sorted((cache / kind).iterdir()) if kind == "templates" else [cache / kind]:
        data = path.read_bytes()
        if old in data:
            path.write_bytes(data.replace(old, new, 1))
            damaged += 1
    assert damaged, f"{old!r} not found in .site-gen-cache/{kind}"
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text() + "\nOne more line.\n")  # a build, not a no-op
    result = run_cli("build", cwd=site)
    assert result.code == 0, result.err
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_a_sealed_cache_file_refuses_any_changed_byte(tmp_path: Path) -> None:
    import hashlib
    import pickle

    import xxhash

    from site_gen.cache import dump_sealed, open_sealed, read_sealed, write_sealed

    path = tmp_path / "table.pickle"
    payload = pickle.dumps({"title": "Model With Unknowns", "input": 1.25, "ids": ["main", "pricing"]})
    write_sealed(path, payload)
    assert bytes(read_sealed(path)) == payload
    data = path.read_bytes()
    for at in range(len(data)):  # every byte of the file, the checksum line included, two ways
        for bit in (0x01, 0x20):
            path.write_bytes(data[:at] + bytes([data[at] ^ bit]) + data[at + 1:])
            assert read_sealed(path) is None, (at, bit)
    assert data == b"site-gen cache, xxh3-128 " + xxhash.xxh3_128(payload).hexdigest().encode() + b"\n" + payload
    blake2b = b"site-gen cache, blake2b " + hashlib.blake2b(payload, digest_size=32).hexdigest().encode() + b"\n"
    for other in (data[:-1], data + b"\n", data[:40], b"", payload, blake2b + payload):  # cut, grown, unsealed
        # or sealed by an older site_gen
        path.write_bytes(other)
        assert read_sealed(path) is None
    path.unlink()
    assert read_sealed(path) is None
    big = {"entries": {f"models/m{k}.md": (k, k * 7, bytes(200)) for k in range(5000)}}  # written and read streamed
    dump_sealed(path, lambda handle: pickle.dump(big, handle, protocol=pickle.HIGHEST_PROTOCOL))
    with open_sealed(path) as handle:
        assert pickle.load(handle) == big
    assert read_sealed(path) == pickle.dumps(big, protocol=pickle.HIGHEST_PROTOCOL)


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
    assert all((site / ".site-gen-cache" / name).is_file() for name in ("similar.pickle", "api-listing.pickle"))
    assert pickle_file.is_file()
    clean = snapshot(site / "build")
    pickle_file.write_bytes(b"not a pickle")
    (site / ".site-gen-cache" / "similar.pickle").write_bytes(b"not a pickle either")
    (site / ".site-gen-cache" / "api-listing.pickle").write_bytes(b"nor this")
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    assert run_cli("build", cwd=site).code == 0
    assert "$1.50" in (site / "build/model/gemini-2.5-pro.html").read_text()
    gemini.write_text(gemini.read_text().replace("input: 1.5", "input: 1.25", 1))
    assert run_cli("build", cwd=site).code == 0
    assert snapshot(site / "build") == clean


def test_llms_size_report_matches_the_files(tmp_path: Path) -> None:
    """The llms-full token counts are summed from per-mirror counts (kept for reused pages): same as a fresh count."""
    from site_gen.tokens import estimate_tokens

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    result = run_cli("build", "--verbose", cwd=site)
    assert "reused unchanged: 4" in result.out
    rows = [line.split() for line in result.out.splitlines() if line.split()[0].endswith(".txt")]
    assert any(row[0].endswith("-full.txt") for row in rows) and any(row[0] == "llms-full.txt" for row in rows)
    for path, size, tokens in rows:
        text = (site / "build" / path).read_text(encoding="utf-8")
        assert int(size.replace(",", "")) == len(text.encode("utf-8"))
        assert int(tokens.replace(",", "")) == estimate_tokens(text), path


def _hits(cache: Any, files: list[Path]) -> dict[Path, Any]:
    """What a load takes from ``cache`` for ``files`` (content._from_cache): the entries of the files whose size and
    mtime are those recorded, unpickled, read through ParseCache.cached."""
    import os
    import pickle

    by_name = {cache.name(file): file for file in files}
    found = {}
    for name, size, mtime, blob in cache.cached():
        file = by_name.get(name)
        if file is not None and file.exists() and (os.stat(file).st_size, os.stat(file).st_mtime_ns) == (size, mtime):
            found[file] = pickle.loads(blob)
    return found


def test_parse_cache_writes_small_changes_as_a_delta(tmp_path: Path) -> None:
    import os
    import pickle

    from site_gen import parsecache

    def put(cache: parsecache.ParseCache, file: Path, value: str) -> None:
        st = os.stat(file)
        cache.put(file, st.st_size, st.st_mtime_ns, pickle.dumps(value))

    files = [tmp_path / f"f{i}.md" for i in range(30)]
    for f in files:
        f.write_text(f.name)
    store = tmp_path / "cache" / "content.pickle"
    cache = parsecache.ParseCache(store)
    for f in files:
        put(cache, f, f"entry {f.name}")
    cache.save(files)
    assert store.is_file() and not store.with_suffix(".delta").exists()
    base = store.read_bytes()

    files[3].write_text("edited")
    cache = parsecache.ParseCache(store)
    hits = _hits(cache, files)
    assert files[3] not in hits and hits[files[4]] == "entry f4.md" and len(hits) == 29
    assert all(held is parsecache.IN_BASE for _, _, held in cache.entries.values())  # read, not held
    assert list(cache.cached()) == []  # once
    put(cache, files[3], "entry edited")
    cache.save(files[:-1])  # the last file was deleted
    assert store.read_bytes() == base and store.with_suffix(".delta").is_file()

    cache = parsecache.ParseCache(store)
    assert _hits(cache, files)[files[3]] == "entry edited" and str(files[-1]) not in cache.entries
    assert len(cache.entries) == 29

    store.with_suffix(".delta").write_bytes(store.with_suffix(".delta").read_bytes()[:-5])  # truncated: ignored
    assert files[3] not in _hits(parsecache.ParseCache(store), files)

    parsecache.DELTA_SHARE, share = 1000, parsecache.DELTA_SHARE  # every change is "large": a full save
    try:
        cache = parsecache.ParseCache(store)  # with the truncated delta: f3's entry is the base's, stale
        assert len(_hits(cache, files)) == 29  # the deleted file's entry is still in the base
        put(cache, files[3], "entry edited")
        cache.save(files[:-1])
    finally:
        parsecache.DELTA_SHARE = share
    assert store.read_bytes() != base and not store.with_suffix(".delta").exists()
    again = parsecache.ParseCache(store)
    hits = _hits(again, files)
    assert hits[files[3]] == "entry edited" and len(hits) == 29 and str(files[-1]) not in again.entries
    # the entries kept from the old base file came back from it, blobs and all
    assert all(hits[f] == f"entry {f.name}" for f in files[:-1] if f != files[3])


def test_parse_cache_full_save_without_reading_takes_the_base_entries_from_the_base_file(tmp_path: Path) -> None:
    """A cache whose entries were never read (``cached``) still keeps them through a full save, from the base file;
    a base file that stops being readable midway is left where it stops, and the next save writes a new one."""
    import os
    import pickle

    from site_gen import parsecache

    files = [tmp_path / f"f{i}.md" for i in range(12)]
    for f in files:
        f.write_text(f.name)
    store = tmp_path / "content.pickle"
    cache = parsecache.ParseCache(store)
    for f in files:
        st = os.stat(f)
        cache.put(f, st.st_size, st.st_mtime_ns, pickle.dumps(f"entry {f.name}"))
    cache.save(files)
    cache = parsecache.ParseCache(store)
    cache.dirty = True
    parsecache.DELTA_SHARE, share = 0, parsecache.DELTA_SHARE
    try:
        cache.save(files)
    finally:
        parsecache.DELTA_SHARE = share
    assert len(_hits(parsecache.ParseCache(store), files)) == 12

    # a part that is not a table: the entries before it are taken, and the next save writes every entry again
    head = pickle.dumps({"key": parsecache.code_key(), "token": "t", "parts": True})
    good = {f"f{i}.md": (os.stat(files[i]).st_size, os.stat(files[i]).st_mtime_ns, pickle.dumps(f"entry f{i}.md"))
            for i in range(3)}
    from site_gen.cache import dump_sealed

    dump_sealed(store, lambda handle: handle.write(head + pickle.dumps(good) + pickle.dumps([2])))
    cache = parsecache.ParseCache(store, folder=tmp_path)
    assert sorted(_hits(cache, files)) == files[:3] and cache.token == "" and cache.dirty
    cache.save(files)
    assert not store.with_suffix(".delta").exists()
    assert sorted(_hits(parsecache.ParseCache(store, folder=tmp_path), files)) == files[:3]


def test_kept_listing_entries_are_read_when_first_asked_for_into_a_spill_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API listing's entries a build keeps for the next (api.Kept): not read until one is looked up, then read a
    part at a time into a spill file, and kept again as they are; none from a damaged file or one of other code."""
    import pickle

    from site_gen import api, parsecache
    from site_gen.cache import dump_sealed
    from site_gen.spill import Spilled

    monkeypatch.setattr(parsecache, "PART", 3)
    table = {f"key{k}": f'{{"id":"m{k}"}}'.encode() for k in range(10)}
    store = tmp_path / "api-listing.pickle"
    parsecache.write_table(store, table)
    kept = api.Kept(store, tmp_path / "spill")
    assert kept._table is None  # nothing read yet
    assert kept.keys() == table.keys() and all(type(kept[k]) is Spilled for k in table)
    assert {k: kept[k].read() for k in kept} == table  # type: ignore[union-attr]

    summaries = api.Summaries("base", kept)
    summaries.current.update(kept)  # as a build that took every entry from the last one
    summaries.previous = {}
    summaries.save(store)  # the spilled entries written back as their bytes
    assert dict(api.Kept(store)) == table  # without a folder: held as bytes

    head = pickle.dumps({"key": parsecache.code_key(), "token": "", "parts": True})
    for damaged in (pickle.dumps({"key0": "not bytes"}), pickle.dumps({"key0": b"x"})):  # a wrong value; cut short
        dump_sealed(store, lambda handle, part=damaged: handle.write(head + part))
        assert dict(api.Kept(store, tmp_path / "spill")) == {}
    store.write_bytes(b"not a cache file")
    assert len(api.Kept(store, tmp_path / "spill")) == 0


def test_parse_cache_entries_wait_in_the_spill_file_and_are_written_a_part_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries put during a load sit in the build's spill file, not the heap; the saved file holds them in parts
    (each its own pickle) and reads back whole. A part that is not a table makes the file unreadable, and a full
    disk leaves the entries put after it in memory."""
    import os
    import pickle

    from site_gen import parsecache
    from site_gen.cache import dump_sealed
    from site_gen.spill import Spilled, SpillFile

    monkeypatch.setattr(parsecache, "PART", 4)
    files = [tmp_path / f"f{i}.md" for i in range(10)]
    for f in files:
        f.write_text(f.name)
    spill = SpillFile.make(tmp_path / "spill")
    store = tmp_path / "cache" / "content.pickle"
    cache = parsecache.ParseCache(store, spill=spill)
    for f in files:
        st = os.stat(f)
        cache.put(f, st.st_size, st.st_mtime_ns, pickle.dumps(f"entry {f.name}"))
    assert all(type(held) is Spilled for _, _, held in cache.entries.values())
    assert pickle.loads(cache.entries[str(files[2])][2].read()) == "entry f2.md"
    cache.save(files)
    payload = read_cache(store)
    assert payload.count(b"entry f") == 10 and payload.count(pickle.STOP) >= 5  # a head, 3 parts, the end
    again = parsecache.ParseCache(store)
    hits = _hits(again, files)
    assert [hits[f] for f in files] == [f"entry {f.name}" for f in files]

    def full(self: SpillFile, blobs: list[bytes]) -> list[Spilled]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SpillFile, "append", full)
    cache = parsecache.ParseCache(store, read=False, spill=spill)
    st = os.stat(files[0])
    cache.put(files[0], st.st_size, st.st_mtime_ns, pickle.dumps("kept in memory"))
    assert cache.spill is None and pickle.loads(cache.entries[str(files[0])][2]) == "kept in memory"

    head = pickle.dumps({"key": parsecache.code_key(), "token": "t", "parts": True})
    dump_sealed(store, lambda handle: handle.write(head + pickle.dumps({"a": 1}) + pickle.dumps([2])))
    assert parsecache.read_file(store, parsecache.code_key()) is None


def test_a_file_changed_during_the_build_is_reported_not_mixed(tmp_path: Path) -> None:
    """Entries read their prose from the file when a page is rendered; a file edited since it was loaded
    (front matter from one version, prose from another) is an error, and the error survives a worker."""
    import pickle

    import pytest

    from site_gen.content import load_content
    from site_gen.errors import ContentError

    site = copy_site(tmp_path / "site")
    content = load_content(site / "content", site)
    gemini = next(e for e in content.models if e.data.id == "gemini-2.5-pro")
    assert "Gemini" in gemini.body
    (site / gemini.path).write_text((site / gemini.path).read_text() + "\nMore prose.\n")
    with pytest.raises(ContentError) as info:
        _ = gemini.body
    again = pickle.loads(pickle.dumps(info.value))  # as it comes back from a worker process
    assert [d.format() for d in again.diagnostics] == [
        "content/models/google/gemini-2.5-pro.md: the file changed while the build was running (run the build again)"]


def test_site_wide_files_whose_inputs_did_not_change_are_not_rewritten(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    files = ["llms/providers/acme.txt", "llms/providers/google.txt", "llms/providers/acme-full.txt",
             "llms/providers/google-full.txt", "llms-full.txt", "llms.txt", "sitemap.xml", "search-index.json",
             "robots.txt", "404.html", "assets/style.css", "nginx-site-gen.conf", "_headers",
             "schema/content-model.json", "api/models.json", "feed.xml"]
    before = {name: (site / "build" / name).stat().st_ino for name in files}
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    assert run_cli("build", cwd=site).code == 0
    after = {name: (site / "build" / name).stat().st_ino for name in files}
    rewritten = sorted(name for name in files if before[name] != after[name])
    # Gemini's price is in google's list and full file, the site-wide full file and the JSON listing. acme's
    # page lists Gemini too (acme serves it, at acme's own price): it is rendered again, with the same bytes,
    # so acme's full file is made again and, being the same, kept.
    assert rewritten == ["api/models.json", "llms-full.txt", "llms/providers/google-full.txt",
                         "llms/providers/google.txt"]
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_an_edit_of_the_prose_alone_rewrites_only_the_llms_full_files(tmp_path: Path) -> None:
    """The catalogue's site-wide files show front matter alone: after a body's edit they are the previous build's
    own files (even the JSON listing, whose generated_at is that build's), and only the llms-full files that hold
    the body are written again."""
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site, env={"SOURCE_DATE_EPOCH": ""}).code == 0
    names = sorted(p.relative_to(site / "build").as_posix() for p in (site / "build").rglob("*")
                   if p.is_file() and not p.name.endswith((".html", ".md", ".site-gen-output"))
                   and "api/models/" not in p.as_posix())
    before = {name: (site / "build" / name).stat().st_ino for name in names}
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text() + "\nA sentence more, in the prose.\n")
    result = run_cli("build", cwd=site, env={"SOURCE_DATE_EPOCH": ""})
    assert result.code == 0, result.err
    assert "pages rendered: 1, reused unchanged: 6" in result.out
    rewritten = sorted(name for name in names if (site / "build" / name).stat().st_ino != before[name])
    assert rewritten == ["llms-full.txt", "llms/providers/google-full.txt"]
    assert "A sentence more" in (site / "build/llms-full.txt").read_text()
    result = run_cli("build", "-v", cwd=site)  # the stamp fixed again: every page and file is made afresh
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_a_providers_llms_full_file_takes_its_unchanged_mirrors_from_the_previous_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A price edit rewrites the llms-full files of the providers whose pages show the model: the mirrors of
    pages rendered again are read, the others are copied from the previous file, which must be as it was."""
    import site_gen.writer as writer

    read: list[str] = []
    real = writer.StagedOutput.read
    monkeypatch.setattr(writer.StagedOutput, "read", lambda self, name: read.append(name) or real(self, name))
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    rocket = site / "content/models/acme/rocket-1-20250101.md"
    for step, price in enumerate(("2.5", "2.75")):
        rocket.write_text(re.sub(r"(?m)^  input: .*$", f"  input: {price}", rocket.read_text(), count=1))
        if step:  # the previous file changed since it was written: not one of its segments is taken
            full = site / "build/llms/providers/acme-full.txt"
            full.write_text(full.read_text().replace("ACME", "ACNE"))
        read.clear()
        result = run_cli("build", cwd=site)
        assert result.code == 0, result.err
        mirrors = sorted(name for name in read if name.startswith("llms/") and name.endswith(".md"))
        if step:
            assert "llms/models/unknowns.md" in mirrors
        else:  # the provider's page and the model's are rendered again; its other model's mirror is copied
            assert mirrors == ["llms/models/rocket-1-20250101.md", "llms/providers/acme.md"]
        assert snapshot(site / "build") == clean_twin(site, tmp_path)


@pytest.mark.parametrize("spoil", ["merged", "shifted", "swapped", "past the end"])
def test_a_wrong_place_of_a_mirror_in_the_manifest_is_not_trusted(tmp_path: Path, spoil: str) -> None:
    """The manifest says where each mirror sits in the previous llms-full file; a place that is not exactly one
    segment, the page's own, is not used: the mirror is read."""
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    cache = next((site / ".site-gen-cache").glob("*.json"))
    data = json.loads(read_cache(cache))
    rows = data["full_segments"]["llms/providers/google-full.txt"]
    assert [row[0] for row in rows] == ["content/providers/google.md", "content/models/google/gemini-2.5-pro.md"]
    first, second = rows
    rows[0] = {"merged": [first[0], first[1], second[2]], "shifted": [first[0], first[1], first[2] - 1],
               "swapped": [first[0], second[1], second[2]], "past the end": [first[0], first[1], 10**9]}[spoil]
    write_cache(cache, json.dumps(data).encode())
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text() + "\nA sentence more, in the prose.\n")  # google's page is unchanged
    result = run_cli("build", cwd=site)
    assert result.code == 0, result.err
    assert "pages rendered: 1, reused unchanged: 6" in result.out
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_a_manifest_with_damaged_fields_is_not_trusted(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    cache = next((site / ".site-gen-cache").glob("*.json"))
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    pages = cache.with_suffix(".pages")
    damage = [
        lambda d, p: d.update(sitewide_keys=["not", "a", "mapping"]),
        lambda d, p: d.update(llms_pieces={k: "many" for k in d["llms_pieces"]}),
        lambda d, p: d["files"].update({k: ["big", 0] for k in d["files"] if k.startswith("llms")}),
        lambda d, p: [r.update(links="x", stat=None, pieces="y") for r in p["pages"].values()],
        lambda d, p: d.update(sitewide=[1, 2], llms_report="x"),
        lambda d, p: d.update(llms_report=[["llms.txt", "big", 3]]),
        lambda d, p: p.update(pages=["not", "a", "mapping"]),
        lambda d, p: p.update(token="another build's"),
        lambda d, p: [r.update(ids=[99, -1, "0", None, 0.0][k % 5]) for k, r in enumerate(p["pages"].values())],
        lambda d, p: p.update(ids=[["main", 3]] * 9),
        lambda d, p: p.update(ids={"not": "a list"}),
        # Where each mirror sits in a provider's llms-full file: moved, swapped, merged with the next, or nonsense.
        lambda d, p: d.update(full_segments={f: [[r[0], r[1] + 1, r[2]] for r in rows]
                                             for f, rows in d["full_segments"].items()}),
        lambda d, p: d.update(full_segments={f: [[r[0], *rows[-1 - k][1:]] for k, r in enumerate(rows)]
                                             for f, rows in d["full_segments"].items()}),
        lambda d, p: d.update(full_segments={f: [[r[0], r[1], rows[-1][2]] for r in rows]
                                             for f, rows in d["full_segments"].items()}),
        lambda d, p: d.update(full_segments={f: [[r[0], r[2], r[1]] for r in rows] + ["x", [1, 2, 3]]
                                             for f, rows in d["full_segments"].items()}),
        lambda d, p: d.update(full_segments=["not", "a", "mapping"]),
    ]
    for number, spoil in enumerate(damage):
        data, records = json.loads(read_cache(cache)), json.loads(read_cache(pages))
        spoil(data, records)  # well-formed and sealed, but wrong: the fields are checked as well
        write_cache(cache, json.dumps(data).encode())
        write_cache(pages, json.dumps(records).encode())
        if number % 2:  # an edit, or only a tampered page (the site-wide files would be reused as a group)
            gemini.write_text(gemini.read_text() + f"\nEdit {number}.\n")
        else:
            (site / "build/model/unknowns.html").write_text("tampered")
        result = run_cli("build", cwd=site)
        assert result.code == 0, result.err
        assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_the_api_listing_makes_only_the_edited_models_entries_again(tmp_path: Path, monkeypatch) -> None:
    """The JSON listing takes each model's entry from the last build's table, when nothing it shows changed, or
    from its page, rendered again in this build: no entry is made apart from a page."""
    from site_gen import api

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    made: list[str] = []
    real = api._summary
    monkeypatch.setattr(api, "_summary", lambda config, catalog, entry: made.append(entry.slug) or real(
        config, catalog, entry))

    def rebuilt() -> list[str]:
        """Build; the models whose pages were rendered."""
        before = page_inodes(site / "build/model")
        made.clear()
        assert run_cli("build", cwd=site).code == 0
        return sorted(rendered_since(site / "build/model", before))

    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    rendered = rebuilt()
    assert "gemini-2.5-pro" in rendered and sorted(made) == rendered
    assert '"input":1.5' in (site / "build/api/models.json").read_text()
    (site / "content/providers/acme.md").write_text(
        (site / "content/providers/acme.md").read_text().replace("ACME AI", "ACME Intelligence"))
    rendered = rebuilt()
    # the provider's name is in its models' entries: their pages show it too
    assert {"rocket-1-20250101", "unknowns"} <= set(rendered) and sorted(made) == rendered
    assert snapshot(site / "build") == clean_twin(site, tmp_path)
    gemini.touch()  # a new mtime, the same bytes: the site-wide files are kept whole, and so is the table
    assert rebuilt() == [] and made == []
    gemini.write_text(gemini.read_text().replace("input: 1.5", "input: 1.75", 1))
    rendered = rebuilt()
    assert "gemini-2.5-pro" in rendered and sorted(made) == rendered
    listing = json.loads((site / "build/api/models.json").read_text())
    assert [m["pricing"]["input"] for m in listing["models"] if m["slug"] == "gemini-2.5-pro"] == [1.75]


def test_entries_from_the_parse_cache_share_their_field_sets_and_stay_equal(tmp_path: Path) -> None:
    """A model object's set of given fields is shared by all that gave the same fields, and its field names are
    the class's (together, two fifths of an entry's memory); the entries stay equal to freshly validated ones,
    and a copy with updates gets a set of its own."""
    import pickle

    from site_gen.content import load_content

    site = copy_site(tmp_path / "site")
    fresh = load_content(site / "content", site)
    models = [pickle.loads(pickle.dumps(e.data)) for e in fresh.models]
    assert models == [e.data for e in fresh.models]
    assert all(m.model_fields_set == e.data.model_fields_set for m, e in zip(models, fresh.models, strict=True))
    k = next(i for i, m in enumerate(models) if m.sources)
    again = pickle.loads(pickle.dumps(fresh.models[k].data))  # another blob, as from another worker or build
    for a, b in ((models[k], again), (models[k].limits, again.limits), (models[k].sources[0], again.sources[0])):
        assert a == b and a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    before = set(again.sources[0].model_fields_set)
    changed = models[k].sources[0].model_copy(update={"vendor": not models[k].sources[0].vendor})
    assert "vendor" in changed.model_fields_set and again.sources[0].model_fields_set == before
    # Only the values travel: a loaded object's keys are its class's own field names, not copies of them.
    for loaded in (again, again.limits, again.sources[0]):
        assert all(key is name for key, name in zip(loaded.__dict__, type(loaded).model_fields, strict=True))
    others = [e.data for e in fresh.providers + fresh.pages]
    assert [pickle.loads(pickle.dumps(o)) for o in others] == others
    # Smaller than pydantic's own pickled state (the __dict__ with every key, and a set of given fields). Not
    # compared with model_dump()'s plain dict: the margin there (73 bytes of 1,838 for this model) depends on
    # which strings earlier loads in the same process made one object, and another test's load undid it.
    from pydantic import BaseModel

    assert len(pickle.dumps(again)) < len(pickle.dumps(BaseModel.__getstate__(again))) * 0.9


def test_a_build_restores_each_models_data_only_for_the_pages_that_show_it(tmp_path: Path, monkeypatch) -> None:
    """An entry's data is restored when it is first read (Entry), and let go once its page is rendered: the checks
    across files, the similar-models table, the pages' keys, the listings, the providers' tables of the models
    they serve and the site-wide files read the facts it was loaded with, and its API listing entry is made
    with its page. A cold build restores each model once and holds none at the end; after an edit of one model's
    prose, or of its price (which renders the index and the providers' pages), only the models on the pages
    rendered are restored. The facts are those of the data."""
    import pickle

    from benchmarks.corpus import write_site_gen
    from site_gen import content as content_module
    from site_gen.build import build
    from site_gen.catalog import model_facts
    from site_gen.config import load_config
    from site_gen.content import load_content, served_rows
    from site_gen.spill import Spilled

    restores: list[str] = []
    restore = content_module.Entry.__getattr__

    def counted(entry: Any, name: str) -> object:
        if name == "data":
            restores.append(entry.__dict__.get("path"))
        return restore(entry, name)

    monkeypatch.setattr(content_module.Entry, "__getattr__", counted)
    site = tmp_path / "site"
    write_site_gen(site, 150)
    for file in (site / "content").rglob("*.md"):  # not parsed again as too recent to trust
        written_earlier(file)
    monkeypatch.chdir(site)
    config = load_config(site / "mkdocs.yml")
    result = build(config, jobs=1)
    models = {e.path for e in result.catalog.models}
    assert sorted(p for p in restores if p in models) == sorted(models)  # once each: for its own page
    assert not [e.path for e in result.catalog.models if "data" in e.__dict__]  # and let go after it
    assert all(isinstance(e.__dict__["_data"], Spilled) for e in result.catalog.models)  # waiting in a file
    edited = site / "content/models/provider05/m000005.md"
    path = "content/models/provider05/m000005.md"
    original = edited.read_text()
    edited.write_text(original + "\nOne sentence more.\n")
    restores.clear()
    result = build(config, jobs=1)
    assert (result.rendered, result.skipped) == (1, 170)
    assert [p for p in restores if p in models] == [path]
    def inodes() -> dict[str, int]:
        return page_inodes(site / "build/model")

    def rendered_models(before: dict[str, int]) -> set[str]:
        slugs = rendered_since(site / "build/model", before)
        return {e.path for e in result.catalog.models if e.slug in slugs}

    edited.write_text(original.replace("  input: ", "  input: 1", 1))  # its own price: the listings show it
    restores.clear()
    before = inodes()
    result = build(config, jobs=1)
    # the model, the index, its provider's page, and the models that list it as similar or no longer do
    shown = rendered_models(before)
    assert path in shown and len(shown) > 1 and result.rendered >= len(shown) + 2
    assert sorted(p for p in restores if p in models) == sorted(shown)
    # A price at a provider serving it: that provider's table of the models it serves shows it.
    row = re.search(r"\{provider: (provider\d+), model_id: [^,]+, [^}]*pricing: \{input: ([0-9.]+)", original)
    assert row and row[1] != "provider05"
    page = site / "build/provider" / f"{row[1]}.html"
    before = page.read_text()
    edited.write_text(edited.read_text().replace(f"pricing: {{input: {row[2]}", "pricing: {input: 987.5", 1))
    restores.clear()
    before_inodes = inodes()
    result = build(config, jobs=1)
    assert "$987.50" in page.read_text() and "$987.50" not in before
    shown = rendered_models(before_inodes)  # the model, and those listing it as similar (keyed by its front matter)
    assert path in shown and sorted(p for p in restores if p in models) == sorted(shown)
    catalog = result.catalog
    # The facts are those of the data, for every model (which this restores).
    assert all(e.facts._replace(served_rows=served_rows(e, e.facts)) == model_facts(e) for e in catalog.models)
    assert all(type(e.facts.served_rows) is int for e in catalog.models)  # waiting in the file after the data
    assert sum(e.facts.sound for e in catalog.models) == len(catalog.models)
    # An entry whose data was never read pickles as it was loaded, and restores the same data.
    other = "content/models/provider06/m000006.md"  # not the file just edited, which is parsed again
    lazy = next(e for e in load_content(site / "content", site, 1, site / ".site-gen-cache/content.pickle").models
                if e.path == other)
    assert "data" not in lazy.__dict__
    again = pickle.loads(pickle.dumps(lazy))
    assert "data" not in again.__dict__ and again == lazy and again.data == lazy.data
    assert served_rows(again, again.facts) == served_rows(lazy, lazy.facts) == model_facts(lazy).served_rows
    assert again.data == next(e.data for e in catalog.models if e.path == other)
    # Loaded facts hold one object for each distinct short string and tuple of them, as restored data does.
    loaded = load_content(site / "content", site, 1, site / ".site-gen-cache/content.pickle").models
    same = [e for e in loaded if e.facts.provider == loaded[0].facts.provider]
    assert len(same) > 1 and all(e.facts.provider is same[0].facts.provider for e in same)
    # and so do their dates, context windows and prices (content._value)
    for value in (lambda f: f.row[4], lambda f: f.row[0], lambda f: f.row[1], lambda f: f.row[2],
                  lambda f: f.data_updated):
        rows: dict[object, list[object]] = {}
        for e in loaded:
            rows.setdefault(value(e.facts), []).append(value(e.facts))
        assert any(len(held) > 1 for held in rows.values())
        assert all(v is held[0] for key, held in rows.items() if key for v in held)


def test_loaded_facts_share_equal_values_of_the_same_type_only() -> None:
    """1 and 1.0 are equal, and -0.0 and 0.0, but neither prints as the other: the shared values keep each."""
    import datetime as dt
    import math

    from site_gen.content import _value

    assert type(_value(128000)) is int and type(_value(128000.0)) is float
    assert _value(1.25) is _value(float("1.25")) and _value(2) == 2
    assert math.copysign(1, _value(-0.0)) == -1 and math.copysign(1, _value(0.0)) == 1
    assert math.isnan(_value(float("nan"))) and _value(None) is None and _value("text") == "text"
    day = dt.date(2025, 8, 7)
    assert _value(dt.date(2025, 8, 7)) is _value(day)


def test_threads_reading_a_loaded_entrys_data_at_once_get_the_same_data(tmp_path: Path) -> None:
    """Restoring an entry's data is one step for every thread: with the switch interval at its shortest, four
    threads reading each of 900 entries at once failed about a thousand times without the lock (270 here)."""
    import pickle
    import sys
    import threading

    from site_gen.content import load_content

    site = copy_site(tmp_path / "site")
    blobs = [pickle.dumps(e) for e in load_content(site / "content", site).models] * 30
    errors: list[str] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for blob in blobs:
            lazy = pickle.loads(blob)
            barrier = threading.Barrier(4)
            seen: list[object] = []

            def read(lazy: object = lazy, barrier: threading.Barrier = barrier, seen: list[object] = seen) -> None:
                barrier.wait()
                try:
                    seen.append(lazy.data)  # type: ignore[attr-defined]
                except Exception as exc:
                    errors.append(repr(exc))

            threads = [threading.Thread(target=read) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert all(data is seen[0] for data in seen)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


def test_loaded_entries_keep_their_values_in_the_classes_shared_layout(tmp_path: Path) -> None:
    """An entry from the parse cache (or from a worker) sets its values one by one, so CPython keeps them in the
    compact per-object array under its class's shared keys: about half the size of giving every object a dict
    of its own, as it did before (10,000 loaded models: 133 -> 86 MB). Its dict, made when asked, is still right."""
    import pickle
    import tracemalloc

    import pydantic
    from pydantic import BaseModel

    from site_gen import schema
    from site_gen.content import load_content

    site = copy_site(tmp_path / "site")
    fresh = load_content(site / "content", site)
    models = [pickle.loads(pickle.dumps(e.data)) for e in fresh.models]
    assert models == [e.data for e in fresh.models]
    assert [m.model_dump() for m in models] == [e.data.model_dump() for e in fresh.models]
    assert all(list(m.__dict__) == list(type(m).model_fields) for m in models)

    found: list[BaseModel] = []

    def walk(value: object) -> None:
        if isinstance(value, BaseModel):
            found.append(value)
            value = list(value.__dict__.values())
        if isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk([e.data for e in fresh.models + fresh.providers])
    assert len({type(o) for o in found}) >= 5
    states = [(type(o), o.__getstate__()) for o in found] * 50  # the values themselves exist already

    def own_dict(self: BaseModel, state: tuple) -> None:  # the former layout: a new dict per object
        values, given = state
        object.__setattr__(self, "__dict__", dict(zip(type(self).model_fields, values, strict=True)))
        object.__setattr__(self, "__pydantic_fields_set__", schema._shared_set(given))
        object.__setattr__(self, "__pydantic_extra__", None)
        object.__setattr__(self, "__pydantic_private__", None)

    def made_bytes(setstate: object) -> int:
        tracemalloc.start()
        try:
            made = []
            for cls, state in states:
                obj = cls.__new__(cls)
                setstate(obj, state)  # type: ignore[operator]
                made.append(obj)
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    # This process validated models before loading any: the layout holds all the same.
    assert {type(o) for o in found} <= schema._INLINE
    assert made_bytes(schema.Strict.__setstate__) < 0.7 * made_bytes(own_dict)

    # Short strings (yes/no, modalities, source names) are one object however many entries hold them.
    again = [pickle.loads(pickle.dumps(e.data)) for e in fresh.models]
    pairs = [(a, b) for m, n in zip(models, again, strict=True) for a, b in zip(walk_values(m), walk_values(n),
                                                                                  strict=True)]
    assert any(isinstance(a, str) and len(a) <= 40 for a, _ in pairs)
    assert all(a is b for a, b in pairs if isinstance(a, str) and len(a) <= 40)
    assert all(a == b for a, b in pairs)

    # A class with more fields than CPython shares keeps a dict per object, and loads as well.
    wide = pydantic.create_model("Wide", __base__=schema.Strict, **{f"f{k}": (int, k) for k in range(40)})
    assert wide not in schema._INLINE and schema.Model in schema._INLINE
    loaded = wide.__new__(wide)
    loaded.__setstate__(wide(f3=-3).__getstate__())
    assert loaded == wide(f3=-3) and loaded.f39 == 39 and loaded.model_fields_set == {"f3"}
    # A list that starts with a string need not hold only strings.
    mixed = pydantic.create_model("Mixed", __base__=schema.Strict, items=(list[Any], ...))
    loaded = mixed.__new__(mixed)
    loaded.__setstate__(mixed(items=["text", 1, None, "x" * 50]).__getstate__())
    assert loaded.items == ["text", 1, None, "x" * 50] and loaded.items[0] is schema._STRINGS["text"]


def walk_values(model: object) -> list[object]:
    """Every value under a pydantic object, its models' fields and lists' items, depth first."""
    from pydantic import BaseModel

    found: list[object] = []
    for value in model.__dict__.values() if isinstance(model, BaseModel) else model:  # type: ignore[attr-defined]
        found.append(value)
        if isinstance(value, BaseModel | list):
            found += walk_values(value)
    return found


def test_page_records_from_another_build_are_not_used(tmp_path: Path) -> None:
    """The page records are a file of their own (a no-op build does not read them), tied to the manifest by a
    token: records left by an earlier build (a copy restored, a build stopped between the two writes) reuse
    nothing, and the result is still a clean build's."""
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    pages = next((site / ".site-gen-cache").glob("*.pages"))
    earlier = pages.read_bytes()
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    assert "reused unchanged: 4" in run_cli("build", cwd=site).out
    pages.write_bytes(earlier)
    gemini.write_text(gemini.read_text() + "\nMore.\n")
    assert "pages rendered: 7, reused unchanged: 0" in run_cli("build", cwd=site).out
    assert snapshot(site / "build") == clean_twin(site, tmp_path)
    assert "reused unchanged: 7" in run_cli("build", "--strict", cwd=site).out  # trusted again once rewritten


def test_the_manifest_holds_each_files_stat_as_published(tmp_path: Path) -> None:
    """Files hard-linked from the previous build are recorded with the stat the manifest had for them (a
    link shares its inode) instead of being stat'ed again: what it holds must be what the files are."""
    import os

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    for number in range(2):
        gemini.write_text(gemini.read_text() + f"\nEdit {number}.\n")
        written_earlier(gemini, 10 - number)
        assert run_cli("build", cwd=site).code == 0
        manifest = json.loads(read_cache(next((site / ".site-gen-cache").glob("*.json"))))
        real = {}
        for name in manifest["files"]:
            st = os.stat(site / "build" / name)
            real[name] = [st.st_size, st.st_mtime_ns]
        assert manifest["files"] == real
        assert sorted(manifest["files"]) == sorted(set(snapshot(site / "build")) - {".site-gen-output"})
    assert "nothing changed" in run_cli("build", cwd=site).out


def test_compiled_templates_are_kept_for_the_next_build(tmp_path: Path, monkeypatch) -> None:
    from site_gen import render

    site = copy_site(tmp_path / "site")
    assert run_cli("build", "-j", "1", cwd=site).code == 0
    folder = site / ".site-gen-cache/templates"
    kept = sorted(p.name for p in folder.iterdir())
    assert kept and all(name.startswith("jinja-") for name in kept)
    stale = folder / "jinja-0123456789abcdef-0000.cache"  # made by another version of site_gen
    stale.write_bytes(b"not bytecode")
    compiled: list[str] = []
    original = render._Environment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return original(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(render._Environment, "compile", counting)
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.25", "input: 1.5", 1))
    assert run_cli("build", "-j", "1", cwd=site).code == 0
    assert compiled == []  # every template came from the cache
    assert not stale.exists()
    (site / "templates").mkdir()
    (site / "templates/model.md").write_text(
        (ROOT / "templates/model.md").read_text().replace("## Model Metadata", "## Model Metadata\n\nEdited."))
    assert run_cli("build", "-j", "1", cwd=site).code == 0
    assert compiled == ["model.md"]  # the edited template only, and its new source is what renders
    assert "Edited." in (site / "build/llms/models/gemini-2.5-pro.md").read_text()
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_links_inside_the_content_folder_do_not_trap_the_change_check(tmp_path: Path) -> None:
    """The no-op check lists every input: a folder link back to its parent is not followed (no endless walk),
    a broken link is no crash (in content/ or templates/), and an edit beside them is still seen."""
    site = copy_site(tmp_path / "site")
    (site / "content/models/acme/loop").symlink_to("..", target_is_directory=True)
    (site / "content/providers/missing-logo.svg").symlink_to("nowhere.svg")
    (site / "templates").mkdir()
    (site / "templates/unused.html").symlink_to("nowhere.html")
    assert run_cli("build", cwd=site).code == 0
    assert "nothing changed" in run_cli("build", cwd=site).out
    unknowns = site / "content/models/acme/unknowns.md"
    unknowns.write_text(unknowns.read_text() + "\nLinked.\n")
    result = run_cli("build", cwd=site)
    assert result.code == 0 and "nothing changed" not in result.out
    assert "Linked." in (site / "build/model/unknowns.html").read_text()


def test_a_provider_renamed_is_renamed_on_the_pages_that_list_its_models_as_similar(tmp_path: Path) -> None:
    """A model page's similar-models table names each similar model's provider, so that provider's file is
    part of the page's key (it was not: a renamed provider kept its old name there after a rebuild)."""
    from benchmarks.corpus import write_site_gen

    site = tmp_path / "site"
    write_site_gen(site, 120)
    assert run_cli("build", "-j", "1", cwd=site).code == 0
    provider = site / "content/providers/provider07.md"
    provider.write_text(provider.read_text().replace("Provider 07", "Provider Seven"))
    assert run_cli("build", "-j", "1", cwd=site).code == 0
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_a_damaged_page_is_rendered_again_while_workers_render_the_changed_ones(tmp_path: Path) -> None:
    """On a catalogue large enough for worker processes, this process links the unchanged pages while the
    workers render the changed ones; a page whose key matches but whose file was edited is rendered again at
    the end, and the tree is a clean build's."""
    from benchmarks.corpus import write_site_gen

    site = tmp_path / "site"
    write_site_gen(site, 600)
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    for number in ("03", "07"):  # their pages and every model they serve change
        provider = site / f"content/providers/provider{number}.md"
        provider.write_text(provider.read_text().replace(f"Provider {number}", f"Provider No. {number}"))
    untouched = next(p for p in sorted((site / "build/model").glob("*.html"))
                     if "Provider 03" not in p.read_text() and "Provider 07" not in p.read_text())
    untouched.write_text("tampered")  # a page that shows neither: its key is unchanged
    result = run_cli("build", "-j", "2", "-v", cwd=site)
    assert result.code == 0, result.err
    rendered = int(result.out.split("pages rendered: ")[1].split(",")[0])
    assert rendered >= 200  # enough for the workers to be used
    assert "tampered" not in untouched.read_text()
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_adding_or_removing_the_about_page_changes_every_page_footer(tmp_path: Path) -> None:
    """With a copyright line, every page's footer links to the about page: whether that page exists (and
    where) is part of every page's key, not only of the about page's own."""
    site = copy_site(tmp_path / "site")
    about = site / "content/pages/about.md"
    text = about.read_text()
    assert run_cli("build", cwd=site).code == 0
    about.unlink()
    assert run_cli("build", cwd=site).code == 0
    assert "About the data" not in (site / "build/model/gemini-2.5-pro.html").read_text()
    assert snapshot(site / "build") == clean_twin(site, tmp_path)
    about.write_text(text)
    assert run_cli("build", cwd=site).code == 0
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_a_newer_static_page_moves_the_catalogues_data_date_on_the_index(tmp_path: Path) -> None:
    """The index shows the catalogue's data date, the newest of all its files, static pages included."""
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    about = site / "content/pages/about.md"
    about.write_text(about.read_text().replace("data_updated: 2026-01-15", "data_updated: 2026-09-30"))
    assert run_cli("build", cwd=site).code == 0
    assert "2026-09-30" in (site / "build/llms/index.md").read_text()
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


@pytest.mark.slow
def test_edits_of_every_kind_on_a_larger_catalogue_match_clean_builds(tmp_path: Path) -> None:
    """Pages show facts of other files (similar models, providers serving a model, listings, dates), so each
    kind of edit is checked against a clean build, on a catalogue large enough for similar-model tables and
    shared providers: a fact a page shows but its key misses shows up here as a stale page."""
    from benchmarks.corpus import write_site_gen

    site = tmp_path / "site"
    write_site_gen(site, 150)
    (site / "content/pages").mkdir()
    (site / "content/pages/about.md").write_text(
        "---\nid: about\ntitle: About\ndata_updated: 2026-01-01\n---\nAbout.\n")
    (site / "mkdocs.yml").write_text((site / "mkdocs.yml").read_text() + "copyright: Made up.\n")
    models = site / "content/models"

    def edit(path: Path, old: str, new: str) -> None:
        text = path.read_text()
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1))

    steps = [
        lambda: edit(models / "provider05/m000005.md", "title: Model 5", "title: Model Five"),
        lambda: edit(models / "provider06/m000006.md", "\n  input: ", "\n  input: 1"),
        lambda: edit(models / "provider07/m000007.md", "context_window: ", "context_window: 2"),
        lambda: edit(models / "provider08/m000008.md", "release_date: 2025-", "release_date: 2024-"),
        # An availability row: the serving provider's page shows it (the pages' keys: Facts.served).
        lambda: edit(models / "provider13/m000013.md", "pricing: {input: ", "pricing: {input: 1"),
        lambda: edit(models / "provider13/m000013.md", "model_id: ", "region: eu, model_id: "),
        lambda: edit(site / "content/providers/provider09.md", "Provider 09", "Provider Nine"),
        # Prose alone: only the file's own page shows it (and its provider's llms-full file, its mirror).
        lambda: edit(models / "provider11/m000011.md", "## When to use it", "## When it fits"),
        lambda: edit(site / "content/providers/provider12.md", "A provider.", "A provider, described."),
        lambda: (models / "provider10/m000010.md").unlink(),
        lambda: edit(site / "content/pages/about.md", "2026-01-01", "2026-12-31"),
        lambda: (site / "content/pages/about.md").unlink(),
    ]
    assert run_cli("build", "-j", "2", cwd=site).code == 0
    for number, step in enumerate(steps):
        step()
        result = run_cli("build", "-j", "2", cwd=site)
        assert result.code == 0, (number, result.err)
        assert snapshot(site / "build") == clean_twin(site, tmp_path), number


def test_a_config_value_from_the_environment_is_part_of_every_key(tmp_path: Path) -> None:
    """`site_url: !ENV [SITE_URL, ...]` (the README's own example): the same mkdocs.yml with another value in
    the environment is another site, so neither the no-op check nor any page may be reused from the last."""
    site = copy_site(tmp_path / "site")
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace("site_url: https://fixture.example.org/",
                                                 'site_url: !ENV [SITE_URL, "https://fixture.example.org/"]'))
    assert run_cli("build", cwd=site, env={"SITE_URL": "https://a.example.org/"}).code == 0
    result = run_cli("build", cwd=site, env={"SITE_URL": "https://b.example.org/"})
    assert result.code == 0 and "nothing changed" not in result.out
    twin = tmp_path / "twin"
    shutil.copytree(site, twin, ignore=shutil.ignore_patterns("build", ".site-gen-cache"))
    assert run_cli("build", "--clean", cwd=twin, env={"SITE_URL": "https://b.example.org/"}).code == 0
    assert snapshot(site / "build") == snapshot(twin / "build")
    assert "https://a.example.org/" not in (site / "build/model/gemini-2.5-pro.html").read_text()


def test_an_upgraded_rendering_library_rebuilds_every_page(tmp_path: Path, monkeypatch) -> None:
    """A new markdown-it-py (or Jinja, pydantic, PyYAML...) may render the same input differently: the
    no-op check and every key carry the installed versions, so no page made by the old one is kept."""
    from site_gen import cache

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    assert "nothing changed" in run_cli("build", cwd=site).out
    upgraded = cache.dependency_versions().replace("markdown-it-py==", "markdown-it-py==99.")
    monkeypatch.setattr(cache, "dependency_versions", lambda: upgraded)
    result = run_cli("build", cwd=site)
    assert "nothing changed" not in result.out and "reused unchanged: 0" in result.out
    # The parse cache too (a PyYAML or pydantic release may parse differently): its key is made anew.
    from site_gen import parsecache

    before = parsecache.code_key()
    parsecache.code_key.cache_clear()
    try:
        assert parsecache.code_key() != before
    finally:
        parsecache.code_key.cache_clear()


def test_a_replaced_logo_is_published(tmp_path: Path) -> None:
    """A provider's logo is a file of its own beside the provider's markdown: replacing it (same name) is an
    input change even though no markdown file changed."""
    site = copy_site(tmp_path / "site")
    acme = site / "content/providers/acme.md"
    acme.write_text(acme.read_text().replace("name: ACME AI\n", "name: ACME AI\nlogo: acme.svg\n"))
    logo = site / "content/providers/acme.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>\n')
    assert run_cli("build", cwd=site).code == 0
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><circle r="1"/></svg>\n')
    assert run_cli("build", cwd=site).code == 0
    assert "circle" in (site / "build/logos/acme.svg").read_text()
    assert snapshot(site / "build") == clean_twin(site, tmp_path)


def test_an_edit_within_one_tick_of_the_file_system_clock_is_not_missed(tmp_path: Path) -> None:
    """A file written again within the same tick of the clock that stamps files (1 s on HFS+, 2 s on FAT, a
    kernel tick on Linux before 6.13), after the build read it, keeps its size and mtime. Such a file's mtime
    is not older than the build's start: the next build reads it again instead of trusting its stat.

    Simulated here with an mtime in the future, which every build takes for "this tick", and os.utime to put
    the same mtime back after an edit of the same size."""
    import os

    from site_gen import parsecache

    site = copy_site(tmp_path / "site")
    model = site / "content/models/acme/unknowns.md"
    tick = time_ns() + 3600 * 10**9
    os.utime(model, ns=(tick, tick))
    assert run_cli("build", cwd=site).code == 0
    cache = parsecache.read_file(site / ".site-gen-cache/content.pickle", parsecache.code_key())
    assert cache is not None
    assert cache["entries"]["models/acme/unknowns.md"][1] == -1  # kept, but never matched by size and mtime

    text = model.read_text()
    model.write_text(text.replace("Model With Unknowns", "Model With Unknowns".swapcase()))
    os.utime(model, ns=(tick, tick))
    assert model.stat().st_size == len(text.encode())
    result = run_cli("build", cwd=site)
    assert result.code == 0 and "nothing changed" not in result.out
    assert "mODEL wITH uNKNOWNS" in (site / "build/model/unknowns.html").read_text()
    assert snapshot(site / "build") == clean_twin(site, tmp_path)

    # Once the file is older than a build's start, its stat is trusted again: the next build has nothing to do.
    os.utime(model, ns=(tick - 7200 * 10**9,) * 2)
    assert "nothing changed" not in run_cli("build", cwd=site).out
    assert "nothing changed" in run_cli("build", cwd=site).out


class _Catalogue:
    """Random edits of every kind on a synthetic catalogue, each one valid (a build must succeed)."""

    def __init__(self, site: Path, rng: Any, models: int):
        from benchmarks.corpus import PROVIDERS

        self.site, self.rng = site, rng
        self.providers = list(PROVIDERS)
        self.next_model, self.next_provider, self.pages, self.day = models, 0, 0, 0
        self.undo: list[Any] = []
        self.linked: list[Path] = []

    @classmethod
    def written(cls, site: Path, seed: int, models: int) -> _Catalogue:
        """A synthetic catalogue of ``models`` models written to ``site``, with edits drawn from ``seed``."""
        import random

        from benchmarks.corpus import write_site_gen

        write_site_gen(site, models)
        return cls(site, random.Random(seed), models)

    def _models(self) -> list[Path]:
        return sorted((self.site / "content/models").glob("*/*.md"))

    def _pick(self) -> Path:
        return self.rng.choice(self._models())

    @staticmethod
    def _sub(path: Path, pattern: str, replace: Any) -> None:
        import re

        text = path.read_text()
        new, count = re.subn(pattern, replace, text, count=1, flags=re.M)
        assert count == 1, (path, pattern)
        path.write_text(new)

    def title(self) -> str:
        path = self._pick()
        self._sub(path, r"^title: (.*)$", lambda m: f"title: {m[1]} {self.rng.choice(['Pro', 'Mini', 'v2'])}")
        return f"title of {path.name}"

    def price(self) -> str:  # lower only: tier prices stay above the base price
        path = self._pick()
        factor = self.rng.uniform(.5, .99)
        self._sub(path, r"^  input: ([0-9.]+)$", lambda m: f"  input: {round(float(m[1]) * factor, 3)}")
        return f"price of {path.name}"

    def context(self) -> str:  # larger only: tiers and max output stay inside it
        path = self._pick()
        self._sub(path, r"^limits: \{context_window: (\d+)", lambda m: f"limits: {{context_window: {int(m[1]) * 2}")
        return f"context of {path.name}"

    def released(self) -> str:
        path = self._pick()
        date = f"202{self.rng.randint(3, 5)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        self._sub(path, r"^release_date: .*$", f"release_date: {date}")
        return f"release date of {path.name}"

    def status(self) -> str:
        path = self._pick()
        status = self.rng.choice(["preview", "beta", "deprecated", "retired", "active"])
        self._sub(path, r"^open_weights: false$", f"open_weights: false\nstatus: {status}")
        return f"status of {path.name}"

    def serving(self) -> str:
        path = self._pick()
        text = path.read_text()
        rows = [line for line in text.splitlines() if line.startswith("  - {provider: ")]
        if len(rows) > 1 and self.rng.random() < .5:
            path.write_text(text.replace(rows[0] + "\n", "", 1))
            return f"an availability row less in {path.name}"
        other = self.rng.choice(self.providers)
        path.write_text(text.replace(rows[0], rows[0].replace(rows[0].split(",")[0], f"  - {{provider: {other}"), 1))
        return f"another provider serves {path.name}"

    def history(self) -> str:  # a newer point each time: the history stays in date order
        path = self._pick()
        self.day += 1
        point = f"  - {{date: {dt.date(2025, 7, 1) + dt.timedelta(days=self.day)}, input: 0.5, output: 2.0}}\n"
        if "price_history:\n" not in path.read_text():
            point = "price_history:\n" + point
        self._sub(path, r"^open_weights: false$", point + "open_weights: false")
        return f"price history of {path.name}"

    def move(self) -> str:
        path = self._pick()
        provider = self.rng.choice([p for p in self.providers if p != path.parent.name])
        self._sub(path, r"^provider: .*$", f"provider: {provider}")
        target = self.site / "content/models" / provider / path.name
        target.parent.mkdir(exist_ok=True)
        path.rename(target)
        return f"{path.name} moved to {provider}"

    def add_model(self) -> str:
        from benchmarks.corpus import _yaml_model, model

        m = model(self.next_model)
        self.next_model += 1
        folder = self.site / "content/models" / m["provider"]
        folder.mkdir(exist_ok=True)
        (folder / f"{m['id']}.md").write_text(f"---\n{_yaml_model(m)}---\n{m['body']}")
        return f"{m['id']} added"

    def delete_model(self) -> str:
        path = self._pick()
        path.unlink()
        for other in self.linked:  # links to it are dropped too: a link to a missing page is an error
            if other.exists():
                other.write_text("\n".join(line for line in other.read_text().split("\n")
                                           if f"(/model/{path.stem}#" not in line))
        return f"{path.name} deleted"

    def body(self) -> str:
        path = self._pick()
        link = f"[{self.rng.choice(self.providers)}](/provider/{self.rng.choice(self.providers)})"
        path.write_text(path.read_text() + f"\nAlso see {link}, and [the pricing](#pricing).\n")
        return f"body of {path.name}"

    def touch(self) -> str:
        path = self._pick()
        path.write_bytes(path.read_bytes())
        return f"{path.name} saved unchanged"

    def provider_name(self) -> str:
        provider = self.rng.choice(self.providers)
        self._sub(self.site / f"content/providers/{provider}.md", r"^name: (.*)$", r"name: \1 Labs")
        return f"{provider} renamed"

    def add_provider(self) -> str:
        provider = f"newco{self.next_provider}"
        self.next_provider += 1
        (self.site / f"content/providers/{provider}.md").write_text(
            f"---\nid: {provider}\nname: Newco {self.next_provider}\ndata_updated: 2026-02-0{self.rng.randint(1, 9)}\n"
            "---\nA new provider.\n")
        self.providers.append(provider)
        return f"{provider} added"

    def page(self) -> str:
        folder = self.site / "content/pages"
        folder.mkdir(exist_ok=True)
        existing = sorted(folder.glob("*.md"))
        if existing and self.rng.random() < .4:
            existing[0].unlink()
            return f"page {existing[0].name} deleted"
        name = self.rng.choice(["about", "methodology"])
        (folder / f"{name}.md").write_text(f"---\nid: {name}\ntitle: {name.title()}\ndata_updated: "
                                           f"2026-0{self.rng.randint(1, 9)}-01\n---\nText {self.pages}.\n")
        self.pages += 1
        return f"page {name} written"

    def template(self) -> str:
        name = self.rng.choice(["model.html", "model.md", "index.md", "provider.html", "partials/price_table.html"])
        target = self.site / "templates" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = target if target.exists() else ROOT / "templates" / name
        text = source.read_text()
        marker = "{# edited #}" if name.endswith(".html") else "\n"
        target.write_text(text + marker if self.rng.random() < .7 or not target.exists() else text)
        if self.rng.random() < .2:
            target.unlink()
            return f"template {name} removed"
        return f"template {name} edited"

    def config(self) -> str:
        path = self.site / "mkdocs.yml"
        text = path.read_text()
        if "copyright:" in text:
            path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("copyright:")) + "\n")
            return "copyright removed"
        path.write_text(text + f"copyright: Data {self.rng.randint(1, 99)}.\n")
        return "copyright set"

    def anchor(self) -> str:  # a link to a section another model's page may lack: a warning, not an error
        path, other = self._pick(), self._pick()
        section = self.rng.choice(["pricing", "price-history", "no-such-section"])
        path.write_text(path.read_text() + f"\nCompare [{other.stem}](/model/{other.stem}#{section}).\n")
        self.linked.append(path)
        return f"{path.name} links to {other.stem}#{section}"

    def claim(self) -> str:  # prose that contradicts the numbers: a warning
        path = self._pick()
        path.write_text(path.read_text() + "\nIt reads a 3 million token context.\n")
        return f"{path.name} claims a context"

    def broken(self) -> str:
        """An error: the build must fail like a clean build, publish nothing, and be repaired next."""
        path = self._pick()
        text = path.read_text()
        self.undo.append(lambda: path.write_text(text))
        if self.rng.random() < .5:
            path.write_text(text + "\nSee [nothing](/model/no-such-model).\n")
        else:
            self._sub(path, r"^  - \{provider: [a-z0-9]+", "  - {provider: no-such-provider")
        return f"{path.name} broken"

    def repair(self) -> None:
        while self.undo:
            self.undo.pop()()

    KINDS = ("title", "price", "context", "released", "status", "serving", "history", "move", "add_model",
             "delete_model", "body", "touch", "provider_name", "add_provider", "page", "template", "config",
             "anchor", "claim", "broken")


@pytest.mark.slow
def test_random_edit_sequences_match_clean_builds(tmp_path: Path) -> None:
    """Differential test: random series of valid edits of every kind (several per build, as a data sync makes
    them), and now and then an invalid one; each incremental build compared with a clean build of the same
    sources: the same outcome, the same warnings and errors, the same bytes, and on an error the published
    site untouched. A build run again at once, with nothing to do, reports the same. For one seed, two shards
    are also run again after each build and merged: the merge is the clean build too, with every page taken
    from a shard."""


    outcomes: set[str] = set()
    kept = 0
    for seed in (1, 2):
        site = tmp_path / f"site-{seed}"
        catalogue = _Catalogue.written(site, seed, 80)
        rng = catalogue.rng
        assert run_cli("build", "-j", "2", cwd=site).code == 0
        done: list[str] = []
        for step in range(14):
            for _ in range(rng.randint(1, 3)):
                done.append(getattr(catalogue, rng.choice(_Catalogue.KINDS))())
            published = snapshot(site / "build")
            result = run_cli("build", "-j", "2", cwd=site)
            code, err, tree = clean_build(site, tmp_path)
            assert (result.code, result.err) == (code, err), (seed, step, done)
            assert snapshot(site / "build") == (tree if code == 0 else published), (seed, step, done)
            again = run_cli("build", "-j", "2", cwd=site)  # nothing to do, or the same failure: the same report
            assert (again.code, again.err) == (code, err), (seed, step, done)
            assert code or "nothing changed" in again.out or "pages rendered: 0," in again.out, (step, again.out)
            outcomes.add("failed" if code else "warned" if "warning: " in err else "clean")
            if seed == 1 and code == 0:  # incremental shards too: two of them, run again each time, then merged
                for index in (0, 1):
                    shard = run_cli("build", "--shard", f"{index}/2", "-o", f"shard{index}", cwd=site)
                    assert shard.code == 0, (step, done, shard.err)
                    kept += int(shard.out.split("reused unchanged: ")[1].split()[0])
                merged = run_cli("build", "--merge", "shard0", "shard1", "-o", "merged", cwd=site)
                assert merged.code == 0 and "pages rendered: 0," in merged.out, (step, done, merged.out)
                assert snapshot(site / "merged") == tree, (step, done)
            catalogue.repair()
    assert outcomes == {"failed", "warned", "clean"}, outcomes  # the seeds chosen reach all three
    assert kept > 0  # the shards were run again, not rebuilt whole


def test_library_versions_are_those_importlib_metadata_reads(tmp_path: Path, monkeypatch) -> None:
    """The versions in every key are read from the dist-info folders' names (a no-op build cannot afford
    importlib.metadata): the same versions, and the first folder on sys.path wins, as on import."""
    import sys
    from importlib import metadata

    from site_gen import cache

    def read() -> dict[str, str]:
        cache.dependency_versions.cache_clear()
        try:
            lines = cache.dependency_versions().splitlines()[1:]
        finally:
            cache.dependency_versions.cache_clear()
        return dict(line.split("==") if "==" in line else (line.split()[0], "absent") for line in lines)

    for name, version in read().items():
        try:
            assert version == metadata.version(name), name
        except metadata.PackageNotFoundError:
            assert version == "absent", name
    (tmp_path / "Jinja2-99.1.dist-info").mkdir()  # a newer Jinja2 installed first on the path
    (tmp_path / "markdown_it_pyrs-0.0.1.dist-info").mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    found = read()
    assert found["jinja2"] == "99.1" and found["markdown-it-pyrs"] == "0.0.1"


def test_a_no_op_build_imports_no_rendering_code(tmp_path: Path) -> None:
    """The no-op check is most of a no-op build's 0.2 s at 10k; importing the renderer, pydantic or the
    publishing code would add more than it costs (it did once: 25 ms for a check that a folder exists).
    Checked in a fresh interpreter, by the modules it loaded: no timing."""
    import os
    import subprocess
    import sys

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    script = ("import sys\nfrom site_gen.cli import main\ncode = main(['build'])\n"
              "print('MODULES', ' '.join(sorted(sys.modules)))\nsys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=site, capture_output=True, text=True,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}, check=True)
    assert "nothing changed" in done.stdout
    loaded = set(done.stdout.split("MODULES ", 1)[1].split())
    heavy = {"jinja2", "pydantic", "markdown_it", "markdown_it_pyrs", "site_gen.build", "site_gen.schema",
             "site_gen.writer", "importlib.metadata", "subprocess", "ctypes", "multiprocessing"}
    assert not loaded & heavy, sorted(loaded & heavy)


def test_pages_with_the_same_element_ids_share_one_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The element ids kept for the anchor checks are one tuple and one set per distinct list of ids, whether
    the page was rendered or reused from the previous build's records (10,000 models: 26 MB -> 1 MB)."""
    from site_gen import build

    site = copy_site(tmp_path / "site")
    rocket = site / "content" / "models" / "acme" / "rocket-1-20250101.md"
    twin = rocket.with_name("rocket-2-20250101.md")  # the same sections: the same element ids
    twin.write_text(rocket.read_text().replace("id: rocket-1-20250101", "id: rocket-2-20250101")
                    .replace("Rocket 1", "Rocket 2"))
    kept: list[Any] = []
    real = build.render_site
    monkeypatch.setattr(build, "render_site", lambda *a, **k: kept.append(real(*a, **k)) or kept[-1])
    assert run_cli("build", cwd=site).code == 0
    gemini = site / "content" / "models" / "google" / "gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("input: 1.5", "input: 1.75", 1))
    written_earlier(gemini)
    assert run_cli("build", cwd=site).code == 0
    assert len(kept) == 2 and not all(done.rendered for done in kept[1].pages)
    for rendered in kept:
        groups: dict[tuple[str, ...], list[Any]] = {}
        for done in rendered.pages:
            groups.setdefault(done.ids, []).append(done)
        assert any(len(group) > 1 for group in groups.values())
        for ids, group in groups.items():
            assert all(done.ids is group[0].ids for done in group)
            assert all(rendered.ids[done.files[0]] is rendered.ids[group[0].files[0]] for done in group)
            assert rendered.ids[group[0].files[0]] == frozenset(ids)


def test_the_same_project_reached_by_another_path_reuses_its_pages(tmp_path: Path) -> None:
    """Keys hash the templates and code by their names inside their folders, and the parse cache keeps files by
    their path inside the content folder: the project built from its own folder, then through an absolute path
    from elsewhere, is the same site."""
    from site_gen import content

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    parsed, real = [], content._load
    content._load = lambda *args: parsed.append(args[1]) or real(*args)  # type: ignore[assignment]
    try:
        result = run_cli("-f", str(site / "mkdocs.yml"), "build", "-v", cwd=tmp_path)
    finally:
        content._load = real  # type: ignore[assignment]
    assert result.code == 0, result.err
    assert "pages rendered: 0, reused unchanged: 7" in result.out
    assert parsed == []  # every entry from the parse cache, whose keys are paths inside the content folder


def test_a_page_that_cannot_be_linked_whole_leaves_the_published_files_alone(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A page whose first file was linked from the published build, and whose second could be neither linked
    nor copied, is rendered instead: into new files, never through the link into the published one."""
    import os

    import site_gen.build as build_module
    from site_gen.config import load_config
    from tests.helpers import EPOCH

    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    published = site / "build/model/unknowns.html"
    keep = tmp_path / "kept.html"
    os.link(published, keep)  # the published page's inode, whatever becomes of its name
    before = keep.read_bytes()
    real_link = os.link

    def refuse(source: object, target: object, *args: object, **kwargs: object) -> None:
        if str(target).endswith("llms/models/unknowns.md"):
            raise OSError(28, "No space left on device")
        real_link(source, target, *args, **kwargs)

    def refuse_copy(source: object, target: object, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", refuse)  # as site_gen.writer.link_or_copy calls them
    monkeypatch.setattr(shutil, "copyfile", refuse_copy)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # as the first build had: every key matches
    result = build_module.build(load_config(site / "mkdocs.yml"), jobs=1)
    assert (result.rendered, result.skipped) == (1, 6)  # that page: tried, then rendered
    assert result.pages == 7  # the count the summary prints: the pages rendered and reused
    assert published.stat().st_ino != keep.stat().st_ino  # a new file, not the published one written again
    assert keep.read_bytes() == before == published.read_bytes()


def test_a_build_with_nothing_to_do_shows_the_warnings_that_still_hold(tmp_path: Path) -> None:
    """A warning is a fact about the sources: while they are unchanged, every build shows it, as a clean build
    would (cargo replays cached warnings the same way). It is not lost because the pages were already built."""
    site = copy_site(tmp_path / "site")
    model = site / "content/models/google/gemini-2.5-pro.md"
    model.write_text(model.read_text() + "\nSee [its pricing](/model/gemini-2.5-pro#no-such-section).\n")
    written_earlier(model)
    first = run_cli("build", cwd=site)
    assert first.code == 0 and "warning: link to a missing anchor" in first.err, first.err
    clean = run_cli("build", "--clean", "-o", "elsewhere", cwd=site)
    assert clean.err == first.err

    again = run_cli("build", cwd=site)
    assert again.code == 0 and "nothing changed" in again.out
    assert again.err == first.err  # the same lines, in the same order
    assert first.err.count("warning: ") == 1 and "; the warning above still holds" in again.out
    quiet = run_cli("build", "-q", cwd=site)  # as a full build, quiet shows warnings and nothing else
    assert (quiet.out, quiet.err) == ("", first.err)

    # A manifest from before warnings were kept (it held their number) is not trusted for a no-op build.
    manifest = next((site / ".site-gen-cache").glob("*__build.json"))  # not the one of elsewhere/
    data = json.loads(read_cache(manifest))
    data["warnings"] = len(data["warnings"])
    write_cache(manifest, json.dumps(data).encode())
    older = run_cli("build", cwd=site)
    assert "nothing changed" not in older.out and "pages rendered: 0," in older.out
    assert older.err == first.err

    model.write_text(model.read_text().replace("#no-such-section", "#pricing"))  # fixed: gone from the next builds
    written_earlier(model)
    assert run_cli("build", cwd=site).err == ""
    assert run_cli("build", cwd=site).err == ""


@pytest.mark.parametrize("at_once", [1, 3, 2000])
def test_page_records_written_a_few_at_a_time_read_back_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              at_once: int) -> None:
    """The manifest's page records are written in batches, as they are made (not held whole): whatever the batch,
    every record reads back as it was, the element ids from their shared table; and a second build reuses every
    page from them."""
    import site_gen.cache as cache_module
    from site_gen.config import load_config

    monkeypatch.setattr(cache_module, "_RECORDS_AT_ONCE", at_once)
    config = load_config(copy_site(tmp_path / "site") / "mkdocs.yml")
    output = tmp_path / "out"
    output.mkdir()
    records = {f"model/m{k}.html": {"key": f"k{k}", "files": [f"model/m{k}.html", f"model/m{k}.md"],
                                    "ids": ("a", "b") if k % 2 else ("c",), "links": [[k, "/x"]]} for k in range(7)}
    made: list[str] = []

    def lazily() -> Any:
        for name, record in records.items():
            made.append(name)
            yield name, dict(record)

    cache_module.save(config, output, {"pages": lazily(), "files": {"index.html": [1, 2]}, "signature": "s"})
    assert made == list(records)
    manifest = cache_module.load(config, output)
    assert manifest is not None and manifest["files"] == {"index.html": [1, 2]}
    assert cache_module.load_pages(config, output, manifest) == records
    cache_module.save(config, output, {"pages": iter(()), "files": {}, "signature": "s"})  # no pages at all
    assert cache_module.load_pages(config, output, cache_module.load(config, output) or {}) == {}

    site = config.root
    assert run_cli("build", "-j", "1", cwd=site).code == 0
    (site / "content/models/google/gemini-2.5-pro.md").write_text(
        (site / "content/models/google/gemini-2.5-pro.md").read_text() + "\nOne more sentence.\n")
    result = run_cli("build", "-j", "1", "-v", cwd=site)
    assert result.code == 0 and "pages rendered: 1, reused unchanged: 6" in result.out


def test_the_manifest_keeps_each_files_size_and_mtime_as_the_file_system_has_them(tmp_path: Path) -> None:
    """The manifest's figures of every file come from a compact table (cache.FileStats: a sorted list of names
    and one array, not a dict of lists) and are written a few thousand at a time; read back, they are the files'
    own, for the pages rendered (stat) and for those hard-linked from the previous build (their records)."""
    from site_gen import cache

    site = copy_site(tmp_path / "site")
    for edit in (None, "input: 1.5"):
        if edit:
            gemini = site / "content/models/google/gemini-2.5-pro.md"
            gemini.write_text(gemini.read_text().replace("input: 1.25", edit, 1))
        assert run_cli("build", cwd=site).code == 0
        manifest = json.loads(read_cache(next((site / ".site-gen-cache").glob("*.json"))))
        build = site / "build"
        on_disk = {p.relative_to(build).as_posix(): p.stat() for p in build.rglob("*") if p.is_file()}
        on_disk.pop(".site-gen-output")
        assert manifest["files"] == {name: [st.st_size, st.st_mtime_ns] for name, st in on_disk.items()}

    files = cache.FileStats(["b.html", "a.html", "c/d.md"])
    files.set("b.html", 5, -7)
    files.set("not-a-file", 1, 1)  # not one of the names: nothing
    (tmp_path / "out/c").mkdir(parents=True)
    for name in ("a.html", "c/d.md"):
        (tmp_path / "out" / name).write_text(name)
    files.stat(str(tmp_path / "out"))
    st = (tmp_path / "out/c/d.md").stat()
    assert dict(files.items()) == {"a.html": [6, (tmp_path / "out/a.html").stat().st_mtime_ns], "b.html": [5, -7],
                                   "c/d.md": [st.st_size, st.st_mtime_ns]}
    assert list(files) == ["a.html", "b.html", "c/d.md"] and len(files) == 3 and files["b.html"] == [5, -7]
    with pytest.raises(KeyError):
        files["not-a-file"]
    written = tmp_path / "manifest.json"
    cache._write(written, {"files": files, "version": 1, "z": [1]})
    assert json.loads(read_cache(written)) == {"files": dict(files.items()), "version": 1, "z": [1]}
