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
import itertools
import os
import pickle
import secrets
from collections.abc import Callable, Iterable, Iterator
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

    The base file is read a part at a time (``cached``), never whole: its entries are 28 MB at 10,000 models,
    and held at once they were the largest thing an edit build held. An entry of the base file that is still
    good is then recorded without its blob (IN_BASE), which a full save reads from the base file again.
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
        """Each entry by name: (size, mtime, its blob: bytes, Spilled, or IN_BASE), as ``cached`` passes it or
        ``put`` keeps it."""
        self.token = ""
        self.base: set[str] = set()
        """The names the base file holds (of those ``cached`` read)."""
        self.changed: set[str] = set()
        """Entries that differ from the base file (from the delta file, or put since)."""
        self.dirty = False
        self._delta: dict[str, Any] = {}
        self._removed: set[str] = set()
        self._unread = False
        if path is None or not read:
            return
        base = read_file(path, self.key, head_only=True)
        if base is None:
            return
        self.token, self._unread = base["token"], True
        delta = read_file(path.with_suffix(".delta"), self.key)
        if delta is not None and delta.get("token") == self.token and isinstance(delta.get("removed"), list):
            self._delta, self._removed = delta["entries"], set(delta["removed"])
            self.changed = set(self._delta) | self._removed

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def cached(self) -> Iterator[tuple[str, int, int, bytes]]:
        """(name, size, mtime, pickled entry) of every entry the cache holds, the base file's a part at a time,
        then the delta's; each recorded in ``entries`` as it passes. Once only: a second call yields nothing.

        A base file that turns out damaged after its seal was checked (a part that is not a table) ends the base
        entries there; the next save then writes a whole new base file."""
        if not self._unread:
            return
        self._unread = False
        assert self.path is not None
        complete = False
        for part in _parts(self.path, self.key):
            if part is None:
                complete = True
                break
            for name, value in part.items():
                if not _valid(value):
                    continue
                self.base.add(name)
                if name in self._delta or name in self._removed:
                    continue
                size, mtime, blob = value
                self.entries[name] = (size, mtime, IN_BASE)
                yield name, size, mtime, blob
        if not complete:
            self.token, self.dirty = "", True  # no delta is written against it, and it is written again
        for name, value in self._delta.items():
            if _valid(value):
                self.entries[name] = value
                yield name, *value
        self._delta = {}

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
        """Keep the entries of ``files`` (every content file found), dropping those of files gone. ``cached`` has
        been read to its end first (what it did not pass is not kept)."""
        if self.path is None:
            return
        for _ in self.cached():  # never read: nothing of it is kept but the names
            pass
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
        # before the new base: an old delta never meets a new base
        delta_file.unlink(missing_ok=True)
        write_file(self.path, {"key": self.key, "token": secrets.token_hex(8)}, self._all())

    def _all(self) -> Iterator[tuple[str, tuple[int, int, Any]]]:
        """Every entry to keep, with its blob: those kept IN_BASE read from the base file again, as they were
        (one that cannot be read again is left out: its file is parsed next time)."""
        entries = self.entries
        if any(held is IN_BASE for _, _, held in entries.values()):
            assert self.path is not None
            for part in _parts(self.path, self.key):
                if part is None:
                    break
                for name, value in part.items():
                    mine = entries.get(name)
                    if mine is not None and mine[2] is IN_BASE and _valid(value) and value[:2] == mine[:2]:
                        yield name, value
        for name, value in entries.items():
            if value[2] is not IN_BASE:
                yield name, value


IN_BASE = object()
"""An entry's blob left in the base file (ParseCache.cached)."""


def _valid(value: Any) -> bool:
    return type(value) is tuple and len(value) == 3 and type(value[0]) is int and type(value[1]) is int \
        and type(value[2]) is bytes


def read_file(path: Path, key: str, head_only: bool = False) -> dict[str, Any] | None:
    """A cache file's data, or None when it is missing, damaged or made by other code. With ``head_only``, its
    data but its entries (``_parts`` reads those)."""
    sections = _sections(path, key)
    head = next(sections, None)
    if head is None or head_only:
        sections.close()
        return head
    if not head.pop("parts", False):
        return head if "entries" in head else None
    entries: dict[str, Any] = {}
    for part in sections:
        if part is None:
            head["entries"] = entries
            return head
        entries.update(part)
    return None


def _parts(path: Path, key: str) -> Iterator[dict[str, Any] | None]:
    """The parts of entries of the cache file ``path`` (written by ``write_file`` with parts), one at a time, then
    None after the last; nothing more when the file is missing, damaged or made by other code, or stops being
    readable."""
    sections = _sections(path, key)
    head = next(sections, None)
    if head is not None and head.get("parts"):
        yield from sections
    sections.close()


def _sections(path: Path, key: str) -> Iterator[dict[str, Any] | None]:
    """The head of the cache file ``path`` (a table of this code's ``key``, with a token), then, when it has parts,
    each part of its entries, then None after the last; it stops where the file turns out missing, damaged or
    made by other code. Its seal is checked first, whole, before any of it is unpickled."""
    handle = cache.open_sealed(path)
    if handle is None:
        return
    with handle:
        try:
            head = pickle.load(handle)
            if not (isinstance(head, dict) and head.get("key") == key and isinstance(head.get("token"), str)):
                return
            parts = head.get("parts")  # read before the head is handed out: a caller may take it off
            yield head
            if parts:
                while (part := pickle.load(handle)) is not None:  # its entries, a part at a time
                    if not isinstance(part, dict):
                        return
                    yield part
        except Exception:  # from another Python, or cut short
            return
        yield None


PART = 1000
"""Entries of a cache file pickled at once (write_file)."""


def write_file(path: Path, data: dict[str, Any], entries: Iterable[tuple[str, Any]] | None = None) -> None:
    """Write a cache file whole or not at all (site_gen.cache.replace_file). Its entries (``data["entries"]`` when
    a dict, or ``entries``) go after the rest, a part of PART at a time, each pickled apart, then None: blobs kept
    in a spill file (ParseCache.put) or in the base file (IN_BASE) are read back a part at a time, never all at
    once (a pickler keeps every object it wrote until it ends). Other data in ``entries`` (a table) goes with the
    rest."""
    head = dict(data)
    if entries is None and isinstance(head.get("entries"), dict):
        entries = head.pop("entries").items()

    def dump(handle: Any) -> None:
        pickle.dump({**head, "parts": entries is not None}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        if entries is None:
            return
        pairs = iter(entries)
        while part := dict(itertools.islice(pairs, PART)):
            pickle.dump({name: _unspilled(value) for name, value in part.items()}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(None, handle, protocol=pickle.HIGHEST_PROTOCOL)

    cache.dump_sealed(path, dump)


def _unspilled(value: Any) -> Any:
    """An entry as the file keeps it: a blob ParseCache.put kept in its spill file read back, or one a table keeps
    there (api.Kept) read back as bytes here, which pickle at C speed (a Spilled pickles as its bytes too, but
    through its ``__reduce__``: 0.49 s against ~0.15 s for the 100,000 entries of an API listing)."""
    kind = type(value)
    if kind is Spilled:
        return value.read()
    if kind is tuple and value and type(value[-1]) is Spilled:
        return (*value[:-1], value[-1].read())
    return value


def read_table(path: Path | None) -> Any | None:
    """A table a build kept for the next one (site_gen.similar, site_gen.api): its data, or None when it is
    missing, damaged or made by other code. The caller checks the data's shape."""
    data = read_file(path, code_key()) if path else None
    return data.get("entries") if data else None


def read_table_parts(path: Path, take: Callable[[dict[str, Any]], bool]) -> bool:
    """Pass each part of the table kept in ``path`` (a dict, by ``write_table``) to ``take``, one at a time; True
    when every part was read and taken, False when the file is missing, damaged or from other code, or ``take``
    refused a part."""
    for part in _parts(path, code_key()):
        if part is None:
            return True
        if not take(part):
            return False
    return False


def write_table(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, {"key": code_key(), "token": "", "entries": data})
