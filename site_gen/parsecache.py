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

import functools
import hashlib
import os
import pickle
import secrets
from pathlib import Path
from typing import Any

from . import cache
from .spill import Spilled, SpillFile

CODE_DIR = Path(__file__).resolve().parent


@functools.cache
def code_key() -> str:
    """A hash of site_gen's sources and of the libraries' versions (a PyYAML or pydantic release may parse or
    validate differently): a cache made by other code is never read."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(CODE_DIR.rglob("*.py")):
        h.update(path.read_bytes())
    h.update(cache.dependency_versions().encode())
    return h.hexdigest()


DELTA_SHARE = 10
"""A save writes only the changes since the last full save while they are under 1/DELTA_SHARE of the entries."""


class ParseCache:
    """`content.pickle` holds every entry; `content.delta` the entries changed or removed since it was written.

    Rewriting every entry after a one-file edit would cost more than parsing the file did, so small
    changes go to the delta file, tied to its base by a token; a delta that does not match its base is
    ignored (its files are parsed again).
    """

    def __init__(self, path: Path | None, read: bool = True, now: int | None = None, folder: Path | None = None,
                 spill: SpillFile | None = None):
        """``read=False`` (a --clean build) parses everything but still leaves a cache for the next build.
        ``spill``: where the entries put are kept until the cache is saved (site_gen.spill), not in the heap: a
        cold build of 10,000 models held ~20 MB of them at the end of its load otherwise, when it holds the most.
        ``now``: the file system's time before the files were looked at (site_gen.cache.clock).
        ``folder``: the content folder; files under it are kept by their path inside it, so that the project
        reached by another path (mkdocs.yml given relative, then absolute) finds its entries."""
        self.path = path
        self.now = now
        self.spill = spill
        self.prefix = os.path.join(str(folder), "") if folder is not None else ""
        self.key = code_key() if path else ""
        self.entries: dict[str, tuple[int, int, Any]] = {}
        self.token = ""
        self.base: set[str] = set()
        self.changed: set[str] = set()
        """Entries that differ from the base file (from the delta file, or put since)."""
        self.dirty = False
        if path is None or not read:
            return
        base = read_file(path, self.key)
        if base is None:
            return
        self.entries, self.token = base["entries"], base["token"]
        self.base = set(self.entries)
        delta = read_file(path.with_suffix(".delta"), self.key)
        if delta is not None and delta.get("token") == self.token:
            for name in delta["removed"]:
                self.entries.pop(name, None)
            self.entries.update(delta["entries"])
            self.changed = set(delta["entries"]) | set(delta["removed"])

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def get(self, file: Path, st: os.stat_result | None = None) -> Any | None:
        """The entry cached for ``file`` if its size and mtime are unchanged, else None (``st``: its stat, when
        the caller has just taken it)."""
        if self.path is None:
            return None
        hit = self.entries.get(self.name(file))
        if not hit:
            return None
        try:
            st = st or os.stat(file)
            if hit[0] != st.st_size or hit[1] != st.st_mtime_ns:
                return None
            blob = hit[2]
            return pickle.loads(blob.read() if type(blob) is Spilled else blob)
        except Exception:  # removed since, or a damaged entry: parse the file again
            return None

    def put(self, file: Path, size: int, mtime: int, blob: bytes) -> None:
        """Keep a pickled entry, with the size and mtime the file had before it was read.

        A file whose mtime is not older than the build's start (``now``) may be written again within the same
        tick of the file system's clock, after it was read, with the same size and mtime: its entry is kept
        under an mtime no file has, so the next build parses it again (git's "racy clean" entries)."""
        if self.path is None:
            return
        if self.now is not None and mtime >= self.now:
            mtime = -1
        name = self.name(file)
        held: bytes | Spilled = blob
        if self.spill is not None:
            try:
                held = self.spill.append([blob])[0]
            except OSError:  # a full disk: the rest stay in memory
                self.spill = None
        self.entries[name] = (size, mtime, held)
        self.changed.add(name)
        self.dirty = True

    def name(self, file: Path) -> str:
        """The key of ``file``: its path inside the content folder, or the whole path for a file outside it."""
        text = str(file)
        return text[len(self.prefix):] if self.prefix and text.startswith(self.prefix) else text

    def save(self, files: list[Path]) -> None:
        """Keep the entries of ``files`` (every content file found), dropping those of files gone."""
        if self.path is None:
            return
        stale = set(self.entries) - {self.name(file) for file in files}
        for name in stale:
            del self.entries[name]
        if not (self.dirty or stale):
            return
        self.changed |= stale
        self.path.parent.mkdir(parents=True, exist_ok=True)
        delta_file = self.path.with_suffix(".delta")
        if self.token and len(self.changed) * DELTA_SHARE <= max(len(self.entries), 500):
            changed = {name: self.entries[name] for name in self.changed if name in self.entries}
            removed = sorted(name for name in self.changed if name not in self.entries and name in self.base)
            write_file(delta_file, {"key": self.key, "token": self.token, "entries": changed, "removed": removed})
            return
        delta_file.unlink(missing_ok=True)  # before the new base: an old delta never meets a new base
        write_file(self.path, {"key": self.key, "token": secrets.token_hex(8), "entries": self.entries})


def read_file(path: Path, key: str) -> dict[str, Any] | None:
    """A cache file's data, or None when it is missing, damaged or made by other code."""
    handle = cache.open_sealed(path)  # checked before it is unpickled
    if handle is None:
        return None
    try:
        with handle:
            data = pickle.load(handle)
            if isinstance(data, dict) and data.get("key") == key:  # then its entries, a part at a time
                parts, entries = data.pop("parts", 0), data.get("entries")
                for _ in range(parts if type(parts) is int and isinstance(entries, dict) else 0):
                    part = pickle.load(handle)
                    if not isinstance(part, dict):
                        return None
                    entries.update(part)  # type: ignore[union-attr]
    except Exception:  # from another Python: parse again
        return None
    if isinstance(data, dict) and data.get("key") == key and isinstance(data.get("entries"), dict) \
            and isinstance(data.get("token"), str):
        return data
    return None


PART = 1000
"""Entries of a cache file pickled at once (write_file)."""


def write_file(path: Path, data: dict[str, Any]) -> None:
    """Write a cache file whole or not at all (site_gen.cache.replace_file): its ``entries`` after the rest, a
    part of PART at a time, each pickled apart, so that blobs kept in a spill file (ParseCache.put) are read back
    a part at a time, never all at once (a pickler keeps every object it wrote until it ends)."""
    entries = data["entries"]
    head = {name: value for name, value in data.items() if name != "entries"}

    def dump(handle: Any) -> None:
        names = list(entries) if isinstance(entries, dict) else []
        head.update(entries={} if names else entries, parts=-(-len(names) // PART))
        pickle.dump(head, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for at in range(0, len(names), PART):
            pickle.dump({name: _unspilled(entries[name]) for name in names[at:at + PART]}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)

    cache.dump_sealed(path, dump)


def _unspilled(value: Any) -> Any:
    """An entry as the file keeps it: a blob ParseCache.put kept in its spill file read back."""
    if type(value) is tuple and value and type(value[-1]) is Spilled:
        return (*value[:-1], value[-1].read())
    return value


def read_table(path: Path | None) -> Any | None:
    """A table a build kept for the next one (site_gen.similar, site_gen.api): its data, or None when it is
    missing, damaged or made by other code. The caller checks the data's shape."""
    data = read_file(path, code_key()) if path else None
    return data.get("entries") if data else None


def write_table(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, {"key": code_key(), "token": "", "entries": data})
