"""A cache of parsed content files, keyed by each file's size and mtime.

Parsing and validating front matter is the largest cost of a build; a file
whose size and mtime are unchanged since the last successful load gives the
same entry, so the entry is taken from `.site-gen-cache/content.pickle`
instead.  The cache is tied to the code that made it (a hash of site_gen's
sources): a new version never reads an old cache.  A cache that cannot be
read is ignored.  It is written only after a load without problems, and
only by site_gen itself, beside the project's own files.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

CODE_DIR = Path(__file__).resolve().parent


def _code_key() -> str:
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(CODE_DIR.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


class ParseCache:
    def __init__(self, path: Path | None, read: bool = True):
        """``read=False`` (a --clean build) parses everything but still leaves a cache for the next build."""
        self.path = path
        self.key = _code_key() if path else ""
        self.entries: dict[str, tuple[int, int, Any]] = {}
        self.changed = False
        if path is None or not read:
            return
        try:
            with path.open("rb") as handle:
                data = pickle.load(handle)
            if isinstance(data, dict) and data.get("key") == self.key:
                self.entries = data["entries"]
        except Exception:
            self.entries = {}

    def get(self, file: Path) -> Any | None:
        if self.path is None:
            return None
        st = file.stat()
        hit = self.entries.get(str(file))
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        return None

    def put(self, file: Path, entry: Any) -> None:
        if self.path is None:
            return
        st = file.stat()
        self.entries[str(file)] = (st.st_size, st.st_mtime_ns, entry)
        self.changed = True

    def save(self, files: set[str]) -> None:
        if self.path is None:
            return
        stale = set(self.entries) - files
        for name in stale:
            del self.entries[name]
        if not (self.changed or stale):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump({"key": self.key, "entries": self.entries}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)
