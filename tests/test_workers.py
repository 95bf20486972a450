"""site_gen.workers.Helpers: the calling process and helpers forked before it held any data take items from one
counter; the helpers get each item prepared."""

from __future__ import annotations

import os
import time

import pytest

from site_gen.workers import helpers

PARENT = os.getpid()


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle this")


def _remote_square(prepared: tuple[int, str]) -> tuple[int, int, bool, float]:
    n, tag = prepared
    assert tag == "prepared"
    time.sleep(0.002 * (n % 5))
    return n * n, os.getpid(), "late" in globals(), time.monotonic()


def test_helpers_take_prepared_items_and_hold_nothing_made_after_they_forked() -> None:
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
