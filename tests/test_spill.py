"""Each loaded model's pickled data waits for its page in a spill file, not in the heap (site_gen.spill)."""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from site_gen import spill as spill_module
from site_gen.spill import Spilled, SpillFile
from tests.helpers import copy_site

BLOBS = [b"", b"one", bytes(range(256)) * 40, pickle.dumps({"a": [1, 2.5, "three"]})]


def spill(blobs: list[bytes], folder: Path) -> list[Spilled] | None:
    """``blobs`` in a new spill file, or None where the file cannot be made."""
    file = SpillFile.make(folder)
    return file.append(blobs) if file is not None else None


def test_spilled_blobs_read_back_as_written_and_the_file_has_no_name(tmp_path: Path) -> None:
    places = spill(BLOBS, tmp_path)
    assert places is not None
    assert [place.read() for place in places] == BLOBS
    assert [place.read() for place in reversed(places)] == BLOBS[::-1]  # by offset, in any order
    assert list(tmp_path.iterdir()) == []  # unlinked at once: a killed build leaves nothing
    assert sys.getsizeof(places[2]) < 100 < len(BLOBS[2])


def test_a_forked_child_reads_the_blobs_through_the_descriptor_it_inherits(tmp_path: Path) -> None:
    places = spill(BLOBS, tmp_path)
    assert places is not None
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: what a page worker does
        try:
            os.write(writer, b"".join(place.read() for place in places))
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        got = pipe.read()
    os.waitpid(pid, 0)
    assert got == b"".join(BLOBS)


def test_a_spilled_blob_pickles_as_its_bytes(tmp_path: Path) -> None:
    """Its file belongs to the process that wrote it: whatever is pickled carries the bytes themselves."""
    places = spill(BLOBS, tmp_path)
    assert places is not None
    assert pickle.loads(pickle.dumps(places[3])) == BLOBS[3]


def test_a_file_that_ends_early_is_an_error_not_a_short_blob(tmp_path: Path) -> None:
    places = spill(BLOBS, tmp_path)
    assert places is not None
    file, offset, _ = places[2]
    os.ftruncate(file.fileno, offset + 10)
    with pytest.raises(OSError, match=r"ended at byte \d+, where a blob of 10240 bytes starts"):
        places[2].read()
    assert places[1].read() == b"one"


def test_a_short_write_is_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """writev may write less than asked (a signal): the rest is written before anything is read."""
    real = os.writev
    monkeypatch.setattr(spill_module.os, "writev", lambda fd, blobs: real(fd, [b"".join(blobs)[:100]]))
    places = spill(BLOBS, tmp_path)
    assert places is not None and [place.read() for place in places] == BLOBS


def test_nothing_is_spilled_where_the_file_cannot_be_made_or_written(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    in_the_way = tmp_path / "file"
    in_the_way.write_text("a file where the folder should be")
    assert spill(BLOBS, in_the_way) is None

    def full(fd: int, blobs: list[bytes]) -> int:
        raise OSError(28, "No space left on device")

    file = SpillFile.make(tmp_path)
    assert file is not None
    before = file.append(BLOBS[:2])
    monkeypatch.setattr(spill_module.os, "writev", full)
    with pytest.raises(OSError, match="No space left"):
        file.append(BLOBS)
    monkeypatch.undo()
    assert [place.read() for place in before] == BLOBS[:2]  # what was appended before still reads
    assert [place.read() for place in file.append(BLOBS)] == BLOBS  # and an append after goes where it failed
    monkeypatch.delattr(spill_module.os, "pread")  # Windows
    assert spill(BLOBS, tmp_path) is None
    assert list(tmp_path.iterdir()) == [in_the_way]


def _data_held(entries: list) -> list[object]:
    return [entry.__dict__.get("_data") for entry in entries]


def test_a_load_spills_every_models_data_and_restores_it_from_the_file(tmp_path: Path) -> None:
    """Loaded with a cache (as every build does), no model keeps its pickled data in the heap, from a fresh parse
    or from the parse cache; each restores the data it was parsed with."""
    from site_gen.content import load_content

    site = copy_site(tmp_path / "site")
    plain = load_content(site / "content", site)  # entries that hold their data as made, never pickled
    assert _data_held(plain.models) == [None] * len(plain.models)
    expected = {entry.path: entry.data for entry in plain.models}
    cache_file = site / ".site-gen-cache/content.pickle"
    for _ in range(2):  # parsed, then from the parse cache
        loaded = load_content(site / "content", site, cache_file=cache_file)
        assert loaded.models and all(isinstance(blob, Spilled) for blob in _data_held(loaded.models))
        assert {entry.path: entry.data for entry in loaded.models} == expected
        copy = pickle.loads(pickle.dumps(loaded.models[0]))  # an entry pickled later carries its bytes
        assert type(copy.__dict__["_data"]) is bytes and copy.data == loaded.models[0].data
    assert sorted(p.name for p in cache_file.parent.iterdir()) == ["content.pickle"]  # the spill file has no name


def test_a_load_spills_each_parsed_model_as_it_arrives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A freshly parsed model's data, and after it its served rows, go to the spill file as its result comes back
    from the parsing workers, not after the load; a full disk midway leaves the rest in the heap, and every model
    still restores."""
    from site_gen.catalog import model_facts
    from site_gen.content import load_content, served_rows

    site = copy_site(tmp_path / "site")
    cache_file = site / ".site-gen-cache/content.pickle"
    appended: list[int] = []
    real_append = spill_module.SpillFile.append

    def counted(self: Any, blobs: list[bytes], parts: int = 1) -> Any:
        appended.append(len(blobs) // parts)
        return real_append(self, blobs, parts)

    monkeypatch.setattr(spill_module.SpillFile, "append", counted)
    loaded = load_content(site / "content", site, cache_file=cache_file, use_cache=False)
    files = len(loaded.models) + len(loaded.providers) + len(loaded.pages)
    # one by one, as they came: each model's data, and each file's entry for the parse cache (ParseCache.put)
    assert appended == [1] * (len(loaded.models) + files)
    assert all(isinstance(blob, Spilled) for blob in _data_held(loaded.models))
    # the served rows wait after the data; the facts hold their length
    assert all(type(entry.facts.served_rows) is int for entry in loaded.models)
    expected = {entry.path: entry.data for entry in loaded.models}
    rows = {entry.path: served_rows(entry, entry.facts) for entry in loaded.models}
    assert rows == {entry.path: model_facts(entry).served_rows for entry in loaded.models}

    def fills_up(self: Any, blobs: list[bytes], parts: int = 1) -> Any:
        if appended:
            raise OSError(28, "No space left on device")
        appended.append(len(blobs) // parts)
        return real_append(self, blobs, parts)

    appended.clear()
    monkeypatch.setattr(spill_module.SpillFile, "append", fills_up)
    loaded = load_content(site / "content", site, cache_file=cache_file, use_cache=False)
    held = _data_held(loaded.models)
    assert sum(isinstance(blob, Spilled) for blob in held) == 1 and sum(type(b) is bytes for b in held) >= 1
    assert {entry.path: entry.data for entry in loaded.models} == expected
    assert {entry.path: served_rows(entry, entry.facts) for entry in loaded.models} == rows
    assert sum(type(entry.facts.served_rows) is bytes for entry in loaded.models) == len(held) - 1


def test_a_load_whose_spill_file_cannot_be_made_keeps_the_data_in_the_heap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from site_gen.content import load_content

    monkeypatch.setattr(spill_module.SpillFile, "make", staticmethod(lambda folder: None))
    site = copy_site(tmp_path / "site")
    for use_cache in (False, True):  # parsed, then from the parse cache
        loaded = load_content(site / "content", site, cache_file=site / ".site-gen-cache/content.pickle",
                              use_cache=use_cache)
        assert loaded.models and all(type(blob) is bytes for blob in _data_held(loaded.models))
        assert all(entry.data.id for entry in loaded.models)


def test_the_api_listing_entries_wait_in_a_spool_while_the_pages_render(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers, each model's listing entry goes to a spill file as its page comes back, and is read when the
    listing is written: the listing is the one a build on one process writes, also when the spool fills the
    disk halfway (the rest stay in memory)."""
    from benchmarks.corpus import write_site_gen
    from site_gen import pages
    from site_gen.build import build
    from site_gen.config import load_config

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    site = tmp_path / "site"
    write_site_gen(site, 220)  # enough pages for the workers
    config = load_config(site / "mkdocs.yml")
    build(config, jobs=1)
    alone = (site / "build/api/models.json").read_bytes()
    spooled: list[int] = []
    real = pages._spooled

    def counted(spool: Any, batch: list[Any]) -> list[Any]:
        out = real(spool, batch)
        spooled.extend(1 for done in out if isinstance(done.summary, Spilled))
        return out

    monkeypatch.setattr(pages, "_spooled", counted)
    build(config, jobs=2, incremental=False)
    assert len(spooled) == 220
    assert (site / "build/api/models.json").read_bytes() == alone
    appended: list[int] = []
    real_append = spill_module.SpillFile.append

    def fills_up(self: Any, blobs: list[bytes], parts: int = 1) -> Any:
        if blobs[0].startswith(b"{"):  # listing entries (JSON), not the models' pickled data
            if appended:
                raise OSError(28, "No space left on device")
            appended.append(len(blobs))
        return real_append(self, blobs, parts)

    monkeypatch.setattr(spill_module.SpillFile, "append", fills_up)
    spooled.clear()
    build(config, jobs=2, incremental=False)
    assert 0 < len(spooled) == appended[0] < 220
    assert (site / "build/api/models.json").read_bytes() == alone


def test_the_records_of_rendered_pages_are_held_packed_and_come_back_as_they_were(tmp_path: Path) -> None:
    """While the workers render, the building process holds each batch of page records packed; they come back
    equal, in the order added, their listing entries still read from the spool, one tuple per distinct ids."""
    from site_gen.pages import Done, _Packed

    spool = SpillFile.make(tmp_path)
    assert spool is not None
    places = spool.append([b'{"id":"a"}', b'{"id":"b"}'])
    ids = ("overview", "prices")
    batches = [
        [Done(("model/a.html", "llms/model/a.md", "api/models/a.json"), "key-a", ids, True, (40_000, 9_000, 700),
              7_100, ((3, "/provider/x"),), 2_345, (), (), places[0]),
         Done(("provider/x.html", "llms/provider/x.md"), "key-x", tuple(["overview", "prices"]), False, (1, 2), 0,
              (), 0, ("hash-1", "hash-2"), ((1, 2), (3, 4)), "")],
        [Done(("model/b.html", "llms/model/b.md", "api/models/b.json"), "key-b", ("overview",), True, (5, 6, 7),
              3, ((1, "#overview"), (9, "https://example.com/")), 12, (), (), '{"id":"b","kept":"in memory"}'),
         Done(("model/c.html", "llms/model/c.md", "api/models/c.json"), "key-c", ids, True, (8, 9, 10), 4, (), 1,
              (), (), places[1])],
    ]
    packed = _Packed()
    for number, batch in zip((1, 0), batches, strict=True):  # as the workers finish them: in any order
        packed.add(number, batch)
    back = list(packed.unpacked())
    assert [number for number, _ in back] == [1, 0]
    assert [batch for _, batch in back] == batches
    first, _ = back[0][1]
    assert first.summary.read() == b'{"id":"a"}' and back[1][1][1].summary.read() == b'{"id":"b"}'
    assert back[0][1][0].ids is back[0][1][1].ids is back[1][1][1].ids
    assert packed.batches == []  # let go of as they came back


def test_a_process_rendering_pages_keeps_no_restored_models_strings(tmp_path: Path) -> None:
    """Each model's data is restored for its page and dropped after it: the table that shares short strings
    between restored objects (site_gen.schema) must not keep every model's ids and titles until the end."""
    from site_gen import schema
    from site_gen.build import build
    from site_gen.config import load_config

    site = copy_site(tmp_path / "site")
    config = load_config(site / "mkdocs.yml")
    build(config, jobs=1, incremental=False)
    restored = build(config, jobs=1, incremental=False)  # from the parse cache: every model's data restored
    kept = set(schema._STRINGS)
    ids = {entry.data.id for entry in restored.catalog.models}
    assert ids and not ids & kept


def test_loaded_entries_share_their_kind_and_keep_compact_dicts(tmp_path: Path) -> None:
    from site_gen.content import load_content

    site = copy_site(tmp_path / "site")
    cache_file = site / ".site-gen-cache/content.pickle"
    for _ in range(2):  # parsed (each result unpickled from its worker's blob), then from the parse cache
        loaded = load_content(site / "content", site, cache_file=cache_file)
        kinds = {id(entry.kind) for entry in loaded.models}
        assert len(loaded.models) > 1 and len(kinds) == 1
        entry = loaded.models[0]
        assert sys.getsizeof(entry.__dict__) < sys.getsizeof(dict(entry.__dict__))  # the class's shared keys
