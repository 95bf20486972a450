"""Normalise the price history derived from models.dev's git history.

Each JSON line records a provider x model price as models.dev had it on a
date.  Only changes are kept: a record whose prices equal the previous one
for the same provider and model is dropped.  ``date`` is when models.dev
recorded the change, which pages say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .common import BadValue, Report, iso_date, price

NAME = "models.dev history"
FIELDS = ("input", "output", "cache_read", "cache_write", "reasoning")


def normalise(path: Path, report: Report) -> dict[str, Any]:
    rel = path.name
    series: dict[str, list[dict[str, Any]]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        report.reject(rel, "-", f"cannot read: {exc}")
        return {"series": {}}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            report.reject(f"{rel}:{number}", "-", f"malformed JSON line: {exc}")
            continue
        if record.get("removed"):
            continue
        date = iso_date(record.get("date"))
        key = f"{record.get('provider')}/{record.get('model_id')}"
        if date is None:
            report.reject(f"{rel}:{number}", "date", f"not a date: {record.get('date')!r}")
            continue
        try:
            prices = {f: price(record.get(f), f) for f in FIELDS}
        except BadValue as bad:
            report.reject(f"{rel}:{number}", bad.key, str(bad))
            continue
        point = {"date": date, **{k: v for k, v in prices.items() if v is not None}}
        if point.get("input") is None and point.get("output") is None:
            continue
        series.setdefault(key, []).append(point)
    return {"series": {key: _changes(points) for key, points in sorted(series.items())}}


def _changes(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for point in sorted(points, key=lambda p: p["date"]):
        prices = {k: v for k, v in point.items() if k != "date"}
        if out and {k: v for k, v in out[-1].items() if k != "date"} == prices:
            continue
        if out and out[-1]["date"] == point["date"]:
            out[-1] = point
            continue
        out.append(point)
    return out
