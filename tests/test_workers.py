"""site_gen.workers.share: the calling process and forked children take items from one counter."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from site_gen.workers import share

PARENT = os.getpid()


def _slow_square(n: int) -> tuple[int, int]:
    time.sleep(0.002 * (n % 5))  # uneven costs, as pages are
    return n * n, os.getpid()


def test_every_item_once_in_its_place_and_the_caller_works_too() -> None:
    got: dict[int, tuple[int, int]] = {}

    def done(index: int, result: tuple[int, int]) -> None:
        assert os.getpid() == PARENT and index not in got
        got[index] = result

    share(_slow_square, list(range(300)), 3, done)
    assert [got[i][0] for i in range(300)] == [n * n for n in range(300)]
    workers = {pid for _, pid in got.values()}
    assert PARENT in workers and len(workers) >= 2


def _fails_in_a_child(n: int) -> int:
    if os.getpid() != PARENT:
        raise ValueError(f"item {n} is bad")
    time.sleep(0.01)
    return n


def test_a_childs_exception_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="is bad"):
        share(_fails_in_a_child, list(range(50)), 2, lambda index, result: None)


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle this")


def _fails_unpicklably(n: int) -> int:
    if os.getpid() != PARENT:
        raise _Unpicklable("odd failure")
    time.sleep(0.01)
    return n


def test_an_exception_that_cannot_travel_arrives_as_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="odd failure"):
        share(_fails_unpicklably, list(range(50)), 2, lambda index, result: None)


def _dies_in_a_child(n: int) -> int:
    if os.getpid() != PARENT:
        os._exit(3)
    time.sleep(0.01)
    return n


def test_a_child_that_dies_is_an_error_not_a_hang() -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"ended without its results \(exit codes \[3\]\)"):
        share(_dies_in_a_child, list(range(50)), 2, lambda index, result: None)
    assert time.monotonic() - started < 30


def test_a_load_on_several_processes_parses_here_too_and_matches_one_process(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """With two workers the content is parsed by this process and one forked child (not a pool of two beside an
    idle parent): the entries, the parse cache and every problem are those of a load on one process."""
    import site_gen.content as content_module
    from benchmarks.corpus import write_site_gen
    from site_gen.content import load_content
    from site_gen.errors import ContentError
    from site_gen.parsecache import code_key, read_file

    site = tmp_path / "site"
    write_site_gen(site, 420)  # enough for the parallel path (400 files)
    parsers = tmp_path / "parsers"
    real = content_module._load_or_problems

    def noted(job: Any) -> Any:
        with parsers.open("a") as out:  # a child's writes land here too
            out.write(f"{os.getpid()}\n")
        return real(job)

    monkeypatch.setattr(content_module, "_load_or_problems", noted)
    one = load_content(site / "content", site, 1, tmp_path / "one.pickle")
    two = load_content(site / "content", site, 2, tmp_path / "two.pickle")
    pids = parsers.read_text().split()
    assert pids[:len(pids) // 2] == [str(PARENT)] * (len(pids) // 2)  # the load on one process
    assert {str(PARENT)} < set(pids[len(pids) // 2:])  # this process and a child
    for a, b in zip((one.models, one.providers), (two.models, two.providers), strict=True):
        assert [(e.path, e.digest, e.facts, e.data) for e in a] == [(e.path, e.digest, e.facts, e.data) for e in b]
    cached = [read_file(tmp_path / name, code_key()) for name in ("one.pickle", "two.pickle")]
    assert cached[0] and cached[1] and cached[0]["entries"] == cached[1]["entries"]

    files = sorted((site / "content/models").rglob("*.md"))
    for at in (3, 210, 417):  # early, midway and late, so that both processes find some
        text = files[at].read_text()
        files[at].write_text(text.replace("context_window: ", "context_window: -", 1))
    (files[100].parent / "bad.md").write_text("---\nid: [unclosed\n---\n")
    errors = []
    for workers in (1, 2):
        with pytest.raises(ContentError) as caught:
            load_content(site / "content", site, workers, tmp_path / f"bad{workers}.pickle", use_cache=False)
        errors.append([d.format() for d in caught.value.diagnostics])
    assert len(errors[0]) == 4 and errors[0] == errors[1]


def test_a_parallel_load_has_the_files_read_ahead_in_order_by_a_child_that_is_gone_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel is asked to read every file to parse into its page cache (site_gen.content._read_ahead), in the
    order the parsers take them, by a child process; the load does not wait for it, and leaves no process behind:
    a child still at work when the load ends is stopped."""
    import site_gen.content as content_module
    from benchmarks.corpus import write_site_gen
    from site_gen.content import load_content

    site = tmp_path / "site"
    write_site_gen(site, 420)
    asked = tmp_path / "asked"
    real = content_module._advise

    def noted(paths: list[str]) -> None:
        asked.write_text("\n".join([str(os.getpid()), *paths]))
        real(paths)  # the real calls, on real files

    def slow(paths: list[str]) -> None:
        noted(paths)
        time.sleep(600)

    monkeypatch.setattr(content_module, "_advise", noted)
    loaded = load_content(site / "content", site, 2, None)
    pid, *paths = asked.read_text().splitlines()
    assert int(pid) != PARENT
    assert paths == [str(site / e.path) for e in (*loaded.models, *loaded.providers)]  # both sorted, models first
    with pytest.raises(ChildProcessError):  # reaped: not even a zombie left
        os.waitpid(int(pid), os.WNOHANG)

    monkeypatch.setattr(content_module, "_advise", slow)
    started = time.monotonic()
    load_content(site / "content", site, 2, None)
    assert time.monotonic() - started < 60
    pid = asked.read_text().split()[0]
    with pytest.raises(ChildProcessError):
        os.waitpid(int(pid), os.WNOHANG)


def test_reading_ahead_never_blocks_on_what_is_not_a_regular_file(tmp_path: Path) -> None:
    """A named pipe where a content file belongs would block an open for reading until a writer came; the child
    reading ahead opens without blocking, and skips what it cannot open (the parse reports both)."""
    import threading

    from site_gen.content import _advise

    fifo, plain = tmp_path / "pipe.md", tmp_path / "plain.md"
    os.mkfifo(fifo)
    plain.write_text("---\nid: x\n---\n")
    worker = threading.Thread(target=_advise, args=([str(fifo), str(tmp_path / "gone.md"), str(plain)],),
                              daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
