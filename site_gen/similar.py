"""'Similar models': the nearest models by price, context window and capabilities, computed at build time.

Each model is a point (log10 input price, log10 context window, capabilities).  Comparing every pair
would be quadratic, so candidates are the 40 neighbours on each side in input-price order; among them
the nearest five by distance win.  Models without a known price or context have no neighbours: a guess
would be worse than nothing.  Ties break on the path, so the result is deterministic.
"""

from __future__ import annotations

import math

from .content import Entry

WINDOW = 40
COUNT = 5
_CAPS = ("tool_use", "structured_output", "reasoning", "vision", "computer_use", "prompt_caching")


def _point(entry: Entry) -> tuple[float, float, tuple[bool, ...]] | None:
    model = entry.data
    price = model.pricing.input if model.pricing else None  # type: ignore[union-attr]
    context = model.limits.context_window  # type: ignore[union-attr]
    if not price or not context:
        return None
    caps = tuple(getattr(model.capabilities, c) == "yes" for c in _CAPS)  # type: ignore[union-attr]
    return math.log10(price), math.log10(context), caps


def nearest(models: list[Entry]) -> dict[str, list[str]]:
    points = [(p, e) for e in models if (p := _point(e)) is not None]
    points.sort(key=lambda item: (item[0][0], item[1].path))
    out: dict[str, list[str]] = {}
    for i, (point, entry) in enumerate(points):
        candidates = points[max(0, i - WINDOW):i] + points[i + 1:i + 1 + WINDOW]
        scored = sorted((_distance(point, other), e.path) for other, e in candidates)
        out[entry.path] = [path for _, path in scored[:COUNT]]
    return out


def _distance(a: tuple, b: tuple) -> float:
    caps = sum(x != y for x, y in zip(a[2], b[2], strict=True)) / len(_CAPS)
    return math.hypot(a[0] - b[0], a[1] - b[1], caps)
