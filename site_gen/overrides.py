"""Merge a content file's `overrides` block over its imported fields.

Imports rewrite a model file's fields but keep its `overrides` block and its
prose.  At load time the block is merged over the fields (mappings merge key
by key, lists and scalars replace, `null` makes a value unknown), and the
positions of overridden values point into the block, so errors in an
override are reported where the editor wrote them.
"""

from __future__ import annotations

from typing import Any

from .yamlsafe import Document, Path_

KEY = "overrides"


def apply(document: Document) -> Document:
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get(KEY), dict) or not data[KEY]:
        return document
    positions = dict(document.positions)
    key_positions = dict(document.key_positions)
    merged = _merge(data, data[KEY], (), positions, key_positions)
    merged[KEY] = data[KEY]
    return Document(merged, positions, key_positions)


def _merge(base: Any, patch: Any, path: Path_, positions: dict, key_positions: dict) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base.get(key), value, (*path, key), positions, key_positions)
        return out
    _repoint(path, positions, key_positions)
    return patch


def _repoint(path: Path_, positions: dict, key_positions: dict) -> None:
    """Positions under ``path`` now come from ``overrides.<path>``."""
    source = (KEY, *path)
    for table in (positions, key_positions):
        for old in [p for p in table if p[:len(path)] == path and p[:1] != (KEY,)]:
            del table[old]
        for p in [p for p in table if p[:len(source)] == source]:
            table[p[1:]] = table[p]
