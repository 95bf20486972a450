"""Shared pieces of the importers: the report, snapshots, numbers, dates."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

SNAPSHOT_DIR = "_upstream"


@dataclass(frozen=True, order=True)
class ReportLine:
    """One problem in the upstream data: the file, the key, what is wrong."""

    source_file: str
    key: str
    message: str
    rejected: bool = True
    """True when the entry was left out (or its existing page left unchanged)."""

    def format(self) -> str:
        tag = "rejected" if self.rejected else "note"
        return f"{self.source_file}: {self.key}: {tag}: {self.message}"


@dataclass
class Report:
    lines: list[ReportLine] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def reject(self, source_file: str, key: str, message: str) -> None:
        self.lines.append(ReportLine(source_file, key, message, True))

    def note(self, source_file: str, key: str, message: str) -> None:
        self.lines.append(ReportLine(source_file, key, message, False))

    @property
    def rejected(self) -> int:
        return len({(line.source_file, line.key.split(".")[0]) for line in self.lines if line.rejected})


class BadValue(ValueError):
    """A value that makes its entry unusable; carries the key."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def price(value: Any, key: str, per_token: bool = False) -> float | None:
    """A USD price per 1M tokens, or None; negative or non-numeric raises BadValue.

    Per-token prices (LiteLLM) are scaled with Decimal so that 4e-07 becomes
    exactly 0.4, not 0.39999999999999997.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadValue(key, f"expected a number, found {type(value).__name__} {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadValue(key, f"expected a number, found {value!r}") from None
    if not number.is_finite():
        raise BadValue(key, f"expected a finite number, found {value!r}")
    if number < 0:
        raise BadValue(key, f"expected a price >= 0, found {value!r}")
    if per_token:
        number *= 1_000_000
    return float(round(number, 10).normalize())


def tokens(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value <= 0:
        raise BadValue(key, f"expected a positive whole number of tokens, found {value!r}")
    return int(value)


def iso_date(value: Any) -> str | None:
    """YYYY-MM-DD (from a date or a string), or None when absent or not a real date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    return None


def provenance_of(path: Path) -> tuple[str | None, str | None]:
    """(date, commit) stated in a PROVENANCE.md beside the data, if any."""
    file = path / "PROVENANCE.md" if path.is_dir() else path.parent / "PROVENANCE.md"
    if not file.is_file():
        return None, None
    text = file.read_text(encoding="utf-8", errors="replace")
    date = re.search(r"\((\d{4}-\d{2}-\d{2})\)", text) or re.search(r"\b(\d{4}-\d{2}-\d{2})\b", text)
    commit = re.search(r"\b([0-9a-f]{40})\b", text)
    return (date.group(1) if date else None), (commit.group(1) if commit else None)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically (temp file + rename), and only when the bytes differ."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def dump_json(data: Any) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def snapshot_path(content_dir: Path, name: str) -> Path:
    return content_dir / SNAPSHOT_DIR / f"{name}.json"


def read_snapshot(content_dir: Path, name: str) -> dict[str, Any] | None:
    path = snapshot_path(content_dir, name)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
