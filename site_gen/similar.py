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


def _point(entry: Entry) -> tuple[float, float, int] | None:
    """(log10 input price, log10 context window, capabilities as a bit mask), or None without both."""
    model = entry.data
    price = model.pricing.input if model.pricing else None  # type: ignore[union-attr]
    context = model.limits.context_window  # type: ignore[union-attr]
    if not price or not context:
        return None
    capabilities = model.capabilities  # type: ignore[union-attr]
    caps = sum(1 << i for i, c in enumerate(_CAPS) if getattr(capabilities, c) == "yes")
    return math.log10(price), math.log10(context), caps


def nearest(models: list[Entry]) -> dict[str, list[str]]:
    points = [(p, e.path) for e in models if (p := _point(e)) is not None]
    points.sort(key=lambda item: (item[0][0], item[1]))
    out: dict[str, list[str]] = {}
    hypot = math.hypot
    share = [n / len(_CAPS) for n in range(len(_CAPS) + 1)]  # capability distance by differing count
    for i, ((price, context, caps), path) in enumerate(points):
        candidates = points[max(0, i - WINDOW):i] + points[i + 1:i + 1 + WINDOW]
        scored = sorted((hypot(price - p, context - c, share[(caps ^ k).bit_count()]), other)
                        for (p, c, k), other in candidates)
        out[path] = [other for _, other in scored[:COUNT]]
    return out
