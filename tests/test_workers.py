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
