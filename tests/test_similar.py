"""Similar models: the table, and its reuse from the previous build's cache."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen import similar
from site_gen.content import Facts

CAPS = similar._CAPS


def entry(path: str, price: float | None, context: int | None, caps: int = 0) -> SimpleNamespace:
    """A model as the table reads it: its facts, as a loaded entry's are."""
    row = (None, context, price, None, tuple(c for i, c in enumerate(CAPS) if caps >> i & 1), "active", ())
    return SimpleNamespace(path=path, facts=Facts("p", path, (), (), True, path, dt.date(2026, 1, 1), row, b"", b"",
                                                  ()))


def test_nearest_models_by_price_context_and_capabilities() -> None:
    models = [entry(f"m{i:02}", price=1.0 + i, context=100_000, caps=0) for i in range(8)]
    models += [entry("free", 0.0, 100_000), entry("no-context", 2.0, None), entry("no-price", None, 8000)]
    table = similar.nearest(models).out
    assert set(table) == {f"m{i:02}" for i in range(8)}  # without a price and a context: no guess
    assert table["m00"] == ["m01", "m02", "m03", "m04", "m05"]
    assert table["m04"][:2] == ["m05", "m03"] and "m04" not in table["m04"]  # log price: 5->6 is nearer than 4->5
    twins = similar.nearest([*models, entry("m03-tools", 4.0, 100_000, caps=0b111111),
                             entry("m03-twin", 4.0, 100_000, caps=0)]).out
    assert twins["m03"][0] == "m03-twin"
    assert "m03-tools" not in twins["m03"]  # the same price, but every capability differs


points = st.tuples(st.sampled_from([0.1, 0.5, 1.0, 2.0, 3.0, 10.0]), st.sampled_from([8000, 128000, 1000000]),
                   st.integers(0, 63))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([f"m{i:02}" for i in range(30)]), points, min_size=0, max_size=30),
       st.lists(st.tuples(st.sampled_from([f"m{i:02}" for i in range(34)]), st.none() | points), max_size=6))
def test_a_table_reused_after_edits_equals_one_computed_afresh(before: dict, edits: list) -> None:
    """Edits, additions and deletions: the reused table is exactly the fresh one (small windows, many cases)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(similar, "WINDOW", 3)
        patch.setattr(similar, "COUNT", 2)
        old = similar.nearest([entry(p, *point) for p, point in sorted(before.items())])
        after = dict(before)
        for path, point in edits:
            if point is None:
                after.pop(path, None)
            else:
                after[path] = point
        models = [entry(p, *point) for p, point in sorted(after.items())]
        assert similar.nearest(models, old) == similar.nearest(models)


def test_only_the_neighbourhood_of_an_edit_is_computed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    models = [entry(f"m{i:04}", price=1.0 + i / 100, context=128000) for i in range(1000)]
    old = similar.nearest(models)
    models[500] = entry("m0500", price=1.0 + 500.5 / 100, context=128000)
    reusable = similar._unchanged_windows(
        sorted([(similar.point(e.facts.row), e.path) for e in models], key=lambda item: (item[0][0], item[1])), old)
    assert sum(not r for r in reusable) == 2 * similar.WINDOW + 1  # the windows that hold the edited model


def test_the_saved_table_round_trips_and_a_damaged_one_is_ignored(tmp_path: Path) -> None:
    table = similar.nearest([entry(f"m{i}", 1.0 + i, 8000) for i in range(10)])
    path = tmp_path / "similar.pickle"
    similar.save(path, table)
    assert similar.load(path) == table
    path.write_bytes(path.read_bytes()[:100])  # truncated
    assert similar.load(path) is None
    path.write_bytes(pickle.dumps({"key": "made by other code", "token": "", "entries": {}}))
    assert similar.load(path) is None
    from site_gen.parsecache import code_key
    path.write_bytes(pickle.dumps({"key": code_key(), "token": "", "entries": {"points": [("x", 1)], "out": {}}}))
    assert similar.load(path) is None  # the right code, the wrong shape
    assert similar.load(tmp_path / "missing.pickle") is None
