"""'Similar models': the nearest models by price, context window and capabilities, computed at build time.

Each model is a point (log10 input price, log10 context window, capabilities).  Comparing every pair
would be quadratic, so candidates are the 40 neighbours on each side in input-price order; among them
the nearest five by distance win.  Models without a known price or context have no neighbours: a guess
would be worse than nothing.  Ties break on the path, so the result is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import parsecache
from .catalog import facts
from .content import Entry

WINDOW = 40
COUNT = 5
_CAPS = ("tool_use", "structured_output", "reasoning", "vision", "computer_use", "prompt_caching")


def point(row: tuple[Any, ...]) -> tuple[float, float, int] | None:
    """(log10 input price, log10 context window, capabilities as a bit mask), or None without both: made from
    a model's listing row (Facts.row), so the table reads no model's data."""
    _, context, price, _, capabilities, _, _ = row
    if not price or not context:
        return None
    caps = _MASKS.get(capabilities)
    if caps is None:  # a few dozen distinct sets of capabilities in a catalogue
        caps = _MASKS[capabilities] = sum(1 << i for i, c in enumerate(_CAPS) if c in capabilities)
    return math.log10(price), math.log10(context), caps


_MASKS: dict[tuple[str, ...], int] = {}


Point = tuple[tuple[float, float, int], str]
"""A model's point and its path, in the order the neighbourhoods are taken from."""


@dataclass(frozen=True)
class Nearest:
    """The similar-models table, with the sorted points it was computed from (to reuse it in the next build)."""

    points: list[Point]
    out: dict[str, list[str]]


def nearest(models: list[Entry], previous: Nearest | None = None) -> Nearest:
    """Each model's nearest models.

    A model's result depends only on the window of points around it in price order; where that window
    is the same as in ``previous`` (a build's table kept in the cache), the previous result is taken.
    After a one-model edit only the ~80 models whose windows hold it are computed again.
    """
    points = [(p, e.path) for e in models if (p := point(facts(e).row)) is not None]
    points.sort(key=lambda item: (item[0][0], item[1]))
    reusable = _unchanged_windows(points, previous) if previous else [False] * len(points)
    out: dict[str, list[str]] = {}
    hypot = math.hypot
    share = [n / len(_CAPS) for n in range(len(_CAPS) + 1)]  # capability distance by differing count
    for i, ((price, context, caps), path) in enumerate(points):
        if reusable[i]:
            out[path] = previous.out[path]  # type: ignore[union-attr]
            continue
        candidates = points[max(0, i - WINDOW):i] + points[i + 1:i + 1 + WINDOW]
        scored = sorted((hypot(price - p, context - c, share[(caps ^ k).bit_count()]), other)
                        for (p, c, k), other in candidates)
        out[path] = [other for _, other in scored[:COUNT]]
    return Nearest(points, out)


def _unchanged_windows(points: list[Point], previous: Nearest) -> list[bool]:
    """For each point, whether its window is the very window it had in ``previous`` (so is its result).

    Linear: a window is unchanged when it is one unbroken run of points that stand, equal and in the same
    order, next to each other in the previous list too, and it begins and ends where the previous one did.
    """
    old, old_out = previous.points, previous.out
    old_at = {path: j for j, (_, path) in enumerate(old)}
    at = [old_at.get(path, -1) for _, path in points]
    same = [j >= 0 and old[j] == point for point, j in zip(points, at, strict=True)]
    breaks = [0]  # breaks[i]: how many of the pairs (k-1, k), k <= i, are not the previous list's neighbours
    for i in range(1, len(points)):
        kept = same[i] and same[i - 1] and at[i] == at[i - 1] + 1
        breaks.append(breaks[-1] + (not kept))
    last, old_last = len(points) - 1, len(old) - 1
    result = []
    for i, (_, path) in enumerate(points):
        j, a, b = at[i], max(0, i - WINDOW), min(last, i + WINDOW)
        result.append(same[a] and breaks[b] == breaks[a] and path in old_out
                      and at[a] == max(0, j - WINDOW) and at[a] + (b - a) == min(old_last, j + WINDOW))
    return result


def load(path: Path) -> Nearest | None:
    """The table a previous build saved, or None when there is none, or it is damaged or from other code."""
    table = parsecache.read_table(path)
    if not (isinstance(table, dict) and isinstance(table.get("points"), list) and isinstance(table.get("out"), dict)):
        return None
    points, out = table["points"], table["out"]
    if not all(_is_point(item) for item in points) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in out.items()):
        return None
    return Nearest(points, out)


def save(path: Path, table: Nearest) -> None:
    parsecache.write_table(path, {"points": table.points, "out": table.out})


def _is_point(item: object) -> bool:
    return (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str) and isinstance(item[0], tuple)
            and len(item[0]) == 3 and isinstance(item[0][0], float) and isinstance(item[0][1], float)
            and isinstance(item[0][2], int))
