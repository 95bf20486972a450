"""site_gen.workers.share: the calling process and forked children take items from one counter."""

from __future__ import annotations

import os
import time

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


# site_gen.workers.Helpers: forked before the build holds its data; each task carries what it needs.

def _remote_square(prepared: tuple[int, str]) -> tuple[int, int, bool, float]:
    n, tag = prepared
    assert tag == "prepared"
    time.sleep(0.002 * (n % 5))
    return n * n, os.getpid(), "late" in globals(), time.monotonic()


def test_helpers_take_prepared_items_and_hold_nothing_made_after_they_forked() -> None:
    from site_gen.workers import helpers

    got: dict[int, tuple[int, int, bool, float]] = {}
    first_ended = []

    def local(n: int) -> tuple[int, int, bool, float]:
        return n * n, os.getpid(), "late" in globals(), time.monotonic()

    def done(index: int, result: tuple[int, int, bool, float]) -> None:
        assert os.getpid() == PARENT and index not in got
        got[index] = result

    def first() -> None:  # this process's own work: the helpers are kept busy meanwhile
        time.sleep(0.3)
        first_ended.append(time.monotonic())

    with helpers(1) as started:
        assert started is not None
        globals()["late"] = True  # made after the fork: the helper never sees it
        try:
            started.share(local, _remote_square, lambda n: (n, "prepared"), list(range(300)), done, first=first)
        finally:
            del globals()["late"]
    assert [got[i][0] for i in range(300)] == [n * n for n in range(300)]
    by_helper = [r for r in got.values() if r[1] != PARENT]
    assert by_helper and len(by_helper) < 300  # both worked
    assert not any(r[2] for r in by_helper) and all(r[2] for r in got.values() if r[1] == PARENT)
    assert sum(r[3] < first_ended[0] for r in by_helper) > 20  # fed while this process was busy


def _remote_fails(n: int) -> int:
    raise ValueError(f"item {n} is bad")


def _remote_fails_unpicklably(n: int) -> int:
    raise _Unpicklable("odd failure")


def _remote_dies(n: int) -> int:
    os._exit(3)


def _slow_local(n: int) -> int:
    time.sleep(0.01)
    return n


@pytest.mark.parametrize(("remote", "error", "message"), [
    (_remote_fails, ValueError, "is bad"),
    (_remote_fails_unpicklably, RuntimeError, "odd failure"),
    (_remote_dies, RuntimeError, r"ended without its results \(exit code 3\)"),
])
def test_a_helpers_failure_is_raised_here_and_the_helpers_are_stopped(remote, error, message) -> None:
    from site_gen.workers import helpers

    started_at = time.monotonic()
    with helpers(1) as started:
        assert started is not None
        processes = list(started.processes)
        with pytest.raises(error, match=message):
            started.share(_slow_local, remote, lambda n: n, list(range(50)), lambda index, result: None)
        assert not any(p.is_alive() for p in processes)
        # What is asked of them afterwards runs here.
        got: list[int] = []
        started.share(_slow_local, remote, lambda n: n, [1, 2], lambda index, result: got.append(result))
        assert got == [1, 2]
    assert time.monotonic() - started_at < 30
