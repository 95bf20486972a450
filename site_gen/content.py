"""Load every content file into typed entries, or collect every problem.

Layout: ``content/models/<provider>/<model>.md`` and
``content/providers/<provider>.md``; a provider's logo sits beside its file.
Symlinks that leave the content folder are never followed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import multiprocessing
import os
import pickle
import stat
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ValidationError

from . import frontmatter, overrides, yamlsafe
from .collector import collector_paused
from .diagnose import from_validation_error
from .errors import ContentChanged, ContentError, Diagnostic, not_regular, read_hint
from .parsecache import ParseCache
from .progress import bar as progress_bar
from .prose import check_context
from .schema import Model, Provider, StaticPage, check_slug, shared, slugify
from .spill import Spilled, SpillFile
from .workers import Background, share
from .yamlsafe import Document, Pos

SCHEMAS: dict[str, type[BaseModel]] = {"model": Model, "provider": Provider, "page": StaticPage}

Kind = Literal["model", "provider", "page"]


class Facts(NamedTuple):
    """What the whole-catalogue work needs of a model, taken from its data when the file is loaded: the checks
    across files, the similar-models table and the pages' keys read these, so an edit build does not restore
    every entry's data (site_gen.catalog.model_facts makes them)."""

    provider: str
    id: str
    aliases: tuple[str, ...]
    serving: tuple[str, ...]
    """The provider of each availability row, in order."""
    sound: bool
    """Whether the model passes the cross-field rules of its own data (limits, tiers, the date in its id)."""
    title: str
    """Its display name (site_gen.view.display_name)."""
    data_updated: dt.date
    row: tuple[object, ...]
    """What a listing's row shows of it (site_gen.view.model_row): release date, context window, input and
    output prices, the capabilities it has, status, input modalities. Its place among similar models is made
    from it (site_gen.similar.point)."""
    served: bytes
    """A hash of each of the rows ``served_rows`` holds (ROW_HASH bytes each): the pages' keys compare these."""
    served_rows: bytes | int
    """What a provider's page shows of each availability row, in the order of ``serving``, pickled in one piece:
    model id, region, context window, max output, input, output, cache read and cache write prices, and the
    number of tiers (site_gen.catalog.served_row; not its source). Only a provider's page reads them
    (``served_rows``). A loaded model keeps them in the spill file, after its data: here is then their length."""
    changes: tuple[tuple[object, ...], ...]
    """Its price changes, for the feed: (date, input, output, input before, output before, source name)."""

    def __reduce__(self) -> tuple[object, ...]:
        return _facts, (tuple(self),)


ROW_HASH = 12


def served_rows(entry: Entry, known: Facts) -> bytes:
    """A model's ``Facts.served_rows`` (``known``, its facts), from the spill file where they wait (_Spiller)."""
    rows = known.served_rows
    return rows if type(rows) is bytes else entry.__dict__["_data"].tail(rows)


def _facts(values: tuple[object, ...]) -> Facts:
    """Facts as unpickled, with their short strings, and the tuples of them, one object per distinct value, as a
    restored entry's data has them (site_gen.schema.Strict): 10,000 models' facts held 25 MB, most of it copies
    of a few hundred strings."""
    provider, ident, aliases, serving, sound, title, updated, row, served, served_rows, changes = values
    date, context, price_in, price_out, capabilities, status, modalities = row  # type: ignore[misc]
    row = (_value(date), _value(context), _value(price_in), _value(price_out), _shared(capabilities),
           _shared(status), _shared(modalities))
    return Facts(_shared(provider), ident, aliases, _shared(serving), sound, title, _value(updated),  # type: ignore[arg-type]
                 row, served, served_rows, changes)  # type: ignore[arg-type]


def _value(value: Any) -> Any:
    """One object for each distinct date, integer and price among the facts, as for short strings: a catalogue's
    models share a few hundred release dates, context windows and prices (140 bytes a model otherwise). Keyed
    by type, since 1 == 1.0; zero (0.0 and -0.0 are equal, and print apart) and NaN (equal to nothing) are kept
    as they are."""
    table = _VALUES.get(type(value))
    if table is None or not value or value != value:
        return value
    return table.setdefault(value, value)


def _shared(value: Any) -> Any:
    """One object for each distinct short string (site_gen.schema.shared), or tuple of them."""
    if type(value) is tuple:
        value = tuple(map(shared, value))
        return _TUPLES.setdefault(value, value)
    return shared(value)


_TUPLES: dict[tuple[object, ...], tuple[object, ...]] = {}
_VALUES: dict[type, dict[Any, Any]] = {float: {}, int: {}, dt.date: {}}
_KINDS = {kind: kind for kind in ("model", "provider", "page")}
_RESTORING = threading.Lock()
"""Held while an entry's data is restored (Entry.__getattr__). A child forked while another thread held it
gets a new one: that thread does not exist in the child."""


def _new_lock() -> None:
    global _RESTORING
    _RESTORING = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_new_lock)


@dataclass(frozen=True)
class Entry:
    """One validated content file.

    A loaded entry's ``data`` is restored from its pickled form when it is first read, not when the entry is
    unpickled: restoring 10,000 models' 177,000 pydantic objects is most of an edit build's loading, and a
    build whose edit changed no listing reads the data of the pages it renders alone. A model loaded by a build
    keeps that pickled form in a spill file (site_gen.spill), not in the heap, from the end of the load on.
    """

    kind: Kind
    path: str
    """Path shown in messages, relative to the project folder."""
    data: Model | Provider | StaticPage
    inline_body: str | None
    """The markdown prose, when the entry holds it; None: read from the file when asked (see ``body``)."""
    body_line: int
    slug: str
    digest: str = ""
    """Hash of the file's bytes: the build cache's key for everything this page shows."""
    file: str = ""
    """Absolute path of the file, to find source positions again when a later check reports a problem."""
    warnings: tuple[Diagnostic, ...] = ()
    """Warnings about this file alone (prose contradicting its numbers), found as it was loaded."""
    front_digest: str = ""
    """Hash of the file's bytes before its body (the front matter and its fences)."""
    facts: Facts | None = field(default=None, compare=False)
    """A model's facts (made when its file is loaded); None for providers, pages and entries made otherwise.
    Not compared: they are made from the data, which is, and a loaded model's hold where its served rows wait."""

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        if "_data" in state:  # loaded, and never changed since (a changed entry is a new one: dataclasses.replace)
            state.pop("data", None)
            if isinstance(state["_data"], Spilled):  # its file belongs to this process
                state["_data"] = whole = state["_data"].read()
                if tail := _spilled_tail(self):  # the served rows after the data go back into the facts
                    state["_data"] = whole[:-tail]
                    state["facts"] = self.facts._replace(served_rows=whole[-tail:])  # type: ignore[union-attr]
        elif "data" in state:  # pickled apart, to be restored only when it is read (__getattr__)
            state["_data"] = pickle.dumps(state.pop("data"), protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        kind = state.get("kind")
        if type(kind) is str:  # one string for every entry of a kind, not one each (54 bytes an entry)
            state["kind"] = _KINDS.get(kind, kind)
        held = self.__dict__
        for name, value in state.items():  # one by one, as pickle's own does: the dict keeps the class's keys
            held[name] = value

    def __getattr__(self, name: str) -> object:
        """Called only for an attribute the entry does not hold: ``data``, when it is first read after the entry
        was loaded or its data dropped (drop_data). Under a lock: two threads reading it at once (a library
        caller's) would otherwise restore it twice."""
        if name != "data":
            raise AttributeError(name)
        with _RESTORING:
            held = self.__dict__
            data = held.get("data")
            if data is None:
                if "_data" not in held:
                    raise AttributeError(name)
                blob = held["_data"]
                data = pickle.loads(blob.head(_spilled_tail(self)) if isinstance(blob, Spilled) else blob)
                object.__setattr__(self, "data", data)
            return data

    def drop_data(self) -> None:
        """Let go of the restored data of a loaded entry, which keeps it pickled: its page is rendered, and a build
        holds each model's data only while it renders its page (or another reader needs it), not the whole
        validated catalogue at once. An entry made otherwise keeps its data."""
        if "_data" in self.__dict__:
            self.__dict__.pop("data", None)

    @property
    def listed(self) -> str:
        """The build cache's key for the pages that show this file's facts but not its prose: the listings,
        the pages that list it as a similar model or name its provider, and the llms lists. Only the page of
        the file itself shows the body, so an edit of the prose alone leaves those pages as they were."""
        return self.front_digest or self.digest

    @property
    def body(self) -> str:
        """Markdown prose after the front matter.

        Loaded entries do not hold it (a catalogue's prose is the largest part of it, and only the page that
        shows it needs it): it is read again from the file, which must still be the one that was loaded.
        """
        if self.inline_body is not None:
            return self.inline_body
        return _read_body(self.file, self.path, self.digest)

    def pos(self, *loc: str | int) -> tuple[int, int]:
        """Line and column of a front-matter value, for a catalogue check's message.

        Positions are not kept with the entry (they would make each entry several times larger to hold,
        cache and send between processes); the file is parsed again, only when a problem is reported.
        """
        p = _positions(self.file, self.path, self.digest).pos(tuple(loc))
        return p.line, p.col


def _held_rows(entry: Entry) -> bytes | int:
    """The entry's Facts.served_rows: the bytes, or their length once they wait in the spill file after its data
    (_Spiller); no bytes for an entry without facts."""
    return entry.facts.served_rows if entry.facts is not None else b""


def _spilled_tail(entry: Entry) -> int:
    """How many bytes of the entry's spilled blob follow its data: its served rows, or none."""
    rows = _held_rows(entry)
    return 0 if type(rows) is bytes else rows


def _read_body(file: str, shown: str, digest: str) -> str:
    try:
        with open(file, "rb") as handle:  # not pathlib, which interns each part of the path: the table of
            raw = handle.read()  # interned strings grew by ~1 MB in a process reading 10,000 bodies
    except OSError as exc:  # gone since it was loaded: changed, as an edit is; unreadable: a problem of its own
        problem = Diagnostic(shown, message=f"cannot read file: {exc.strerror}", hint=read_hint(exc)
                             or "it was removed or moved while the build was running")
        raise (ContentChanged if exc.errno == errno.ENOENT else ContentError)(problem) from None
    if hashlib.blake2b(raw, digest_size=16).hexdigest() != digest:
        raise ContentChanged(Diagnostic(shown, message="the file changed while the build was running",
                                        hint="run the build again"))
    return frontmatter.split(shown, frontmatter.decode(shown, raw))[2]


@lru_cache(maxsize=64)
def _positions(file: str, shown: str, digest: str) -> Document:
    """The file's positions; ``digest`` keys the cache, so an edited file is parsed again."""
    try:
        return overrides.apply(frontmatter.parse(shown, Path(file).read_bytes()).front)
    except (OSError, frontmatter.FrontMatterError):  # changed or removed since it was loaded
        return Document(None, {(): Pos(1, 1)}, {})


@dataclass(frozen=True)
class Content:
    models: list[Entry]
    providers: list[Entry]
    pages: list[Entry]


def load_content(content_dir: Path, root: Path, workers: int = 1, cache_file: Path | None = None,
                 use_cache: bool = True, now: int | None = None, progress: bool = False) -> Content:
    """Parse and validate every content file (on ``workers`` processes). Raises ContentError with all problems.

    With ``cache_file``, files unchanged since the last load (by size and mtime) are not parsed again; ``now``
    (site_gen.cache.clock) tells the files too recent for their size and mtime to prove that. ``progress``: a
    progress bar of the files on the terminal (stderr), cleared at the end.
    """
    problems: list[Diagnostic] = []
    found: dict[str, list[Entry]] = {"model": [], "provider": [], "page": []}
    if not content_dir.is_dir():
        raise ContentError(Diagnostic(_show(content_dir, root), message="content folder not found",
                                      hint="create it, or set plugins.site_gen.content_dir in mkdocs.yml"))
    with collector_paused():
        return _load_content(content_dir, root, workers, cache_file, use_cache, problems, found, now, progress)


def _load_content(content_dir: Path, root: Path, workers: int, cache_file: Path | None, use_cache: bool,
                  problems: list[Diagnostic], found: dict[str, list[Entry]], now: int | None = None,
                  progress: bool = False) -> Content:
    spiller = _Spiller(cache_file.parent if cache_file is not None else None)
    cache = ParseCache(cache_file, read=use_cache, now=now, folder=content_dir, spill=spiller.file)
    stats: dict[Path, os.stat_result] = {}
    files = _discover(content_dir, root, problems, stats)
    with contextlib.closing(progress_bar(progress, len(files), "content", "file")) as bar:
        cached: dict[Path, Entry | None] = dict.fromkeys(file for _, file in files)
        _from_cache(cache, cached, stats, spiller, bar)
        fresh = [(kind, file) for kind, file in files if cached[file] is None]

        def take(at: int, outcome: _Outcome) -> None:
            file = fresh[at][1]
            if isinstance(outcome, _Parsed):
                cached[file] = pickle.loads(outcome.blob)  # its data restored when read (Entry)
                spiller.one(cached[file])
                cache.put(file, outcome.size, outcome.mtime, outcome.blob)
            elif isinstance(outcome, Entry):
                cached[file] = outcome
            else:
                problems.extend(outcome)  # in any order: ContentError sorts them
            bar.update()

        _load_all(fresh, root, workers, cache.enabled, take)
    for _, file in files:
        if cached[file] is not None:
            found[cached[file].kind].append(cached[file])
    if problems:
        raise ContentError(problems)
    cache.save([file for _, file in files])
    spiller.rest(found["model"])
    return Content(*(sorted(found[k], key=lambda e: e.path) for k in ("model", "provider", "page")))


def _from_cache(cache: ParseCache, cached: dict[Path, Entry | None], stats: dict[Path, os.stat_result],
                spiller: _Spiller, bar: Any) -> None:
    """The entries the parse cache holds for ``cached``'s files whose size and mtime are unchanged, read a part at a
    time (ParseCache.cached); each part's models' data goes to the spill file before the next part is read."""
    by_name = {cache.name(file): file for file in cached}
    models: list[Entry] = []
    for name, size, mtime, blob in cache.cached():
        file = by_name.get(name)
        if file is None:
            continue
        try:
            st = stats.get(file) or os.stat(file)
            if st.st_size != size or st.st_mtime_ns != mtime:
                continue
            entry = pickle.loads(blob)
        except Exception:  # removed since, or a damaged entry: parse the file again
            continue
        if not isinstance(entry, Entry):
            continue
        cached[file] = entry
        bar.update()
        if entry.kind == "model":
            models.append(entry)
            if len(models) >= SPILLED_AT_ONCE:
                spiller.rest(models)
                models = []
    spiller.rest(models)


SPILLED_AT_ONCE = 1000
"""Models read from the parse cache whose data goes to the spill file in one write."""


class _Spiller:
    """Moves the pickled data of loaded models into a spill file (site_gen.spill): each is read back for the page
    that shows it, and neither the building process nor a page worker forked from it holds them all. A freshly
    parsed model's goes as it arrives, from this process's own batches or a child's (the building process held
    18 MB more at 10,000 models by the end of the load otherwise); the cached ones in one write after. Left in
    the heap when the file cannot be made or written."""

    def __init__(self, folder: Path | None):
        self.file = SpillFile.make(folder) if folder is not None else None

    def one(self, entry: Entry) -> None:
        if entry.kind == "model":
            self.rest([entry])

    def rest(self, entries: list[Entry]) -> None:
        """Each model's pickled data, and after it its served rows (Facts.served_rows, 284 bytes a model in the
        heap otherwise, 2.8 MB at 10,000 models, that a page worker copies)."""
        waiting = [entry for entry in entries if type(entry.__dict__.get("_data")) is bytes]
        if self.file is None or not waiting:
            return
        rows = [_held_rows(entry) for entry in waiting]  # bytes: an entry whose data is in the heap holds them
        blobs: list[bytes] = []
        for entry, served in zip(waiting, rows, strict=True):
            blobs += entry.__dict__["_data"], served  # type: ignore[list-item]
        try:
            places = self.file.append(blobs, parts=2)
        except OSError:  # a full disk: the rest stay in memory
            self.file = None
            return
        del blobs
        for entry, served, place in zip(waiting, rows, places, strict=True):
            held = entry.__dict__
            if served:
                held["facts"] = held["facts"]._replace(served_rows=len(served))  # type: ignore[arg-type]
            held["_data"] = place


def reload_entries(content: Content, changed: list[Path], content_dir: Path, root: Path) -> Content:
    """``content`` with the given files parsed again (for the dev server's quick updates)."""
    replaced: dict[str, Entry] = {}
    problems: list[Diagnostic] = []
    for file in changed:
        kind = _kind_of(file.relative_to(content_dir).parts)
        if kind is None:
            continue
        special = not_regular(file)
        if special:  # replaced by a named pipe since the build that found it: reading it would block the server
            problems.append(_not_regular(file, root, special))
            continue
        try:
            entry = _load(kind, file, root)
        except _Invalid as invalid:
            problems.extend(invalid.diagnostics)
            continue
        replaced[entry.path] = entry
    if problems:
        raise ContentError(problems)
    lists = [[replaced.get(e.path, e) for e in entries] for entries in (content.models, content.providers,
                                                                       content.pages)]
    return Content(*lists)


@dataclass(frozen=True)
class _Parsed:
    """A loaded entry, pickled once by the process that parsed it: sent to the build and kept in the cache as is."""

    blob: bytes
    size: int
    mtime: int
    """Size and mtime of the file before it was read: an edit after that changes them, so no stale entry is cached."""


_Outcome = Entry | _Parsed | list[Diagnostic]


def _load_or_problems(job: tuple[Kind, Path, Path, bool]) -> _Outcome:
    kind, file, root, pickled = job
    try:
        st = os.stat(file)
        entry = _load(kind, file, root)
    except _Invalid as invalid:
        return invalid.diagnostics
    except OSError as exc:
        return [Diagnostic(_show(file, root), message=f"cannot read file: {exc.strerror}", hint=read_hint(exc))]
    if not pickled:
        return entry
    return _Parsed(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), st.st_size, st.st_mtime_ns)


def _load_all(files: list[tuple[Kind, Path]], root: Path, workers: int, pickled: bool,
              take: Callable[[int, _Outcome], None]) -> None:
    """Parse every file, calling ``take(index, outcome)`` for each as it is done. With several workers, this
    process parses too, beside ``workers - 1`` forked children (site_gen.workers.share), and takes their
    outcomes between its own batches: one process fewer holds the interpreter and site_gen's imports while the
    content loads than with a pool of ``workers`` beside an idle parent."""
    if workers <= 1 or len(files) < 400 or "fork" not in multiprocessing.get_all_start_methods():
        for at, (kind, file) in enumerate(files):
            take(at, _load_or_problems((kind, file, root, pickled)))
        return
    size = max(20, min(100, len(files) // (workers * 16)))
    batches = [[(kind, file, root, True) for kind, file in files[at:at + size]] for at in range(0, len(files), size)]

    def done(batch: int, outcomes: list[_Outcome]) -> None:
        for offset, outcome in enumerate(outcomes):
            take(batch * size + offset, outcome)

    ahead = _read_ahead(files)
    try:
        share(_load_batch, batches, workers, done)
    finally:
        if ahead is not None:
            ahead.close()


def _read_ahead(files: list[tuple[Kind, Path]]) -> Background | None:
    """A child asking the kernel to read ``files`` into its page cache, in the order the parsers take them, while
    they parse (site_gen.workers.Background; stopped once the load ends).

    A file not in the page cache (the first build after a reboot, a catalogue on a network file system) is read
    from the disk when a parser opens it: one small read at a time per parsing process. The kernel's read-ahead
    of each file (``posix_fadvise`` WILLNEED) queues them all at once. 10,000 files on this machine's disk, its
    page cache dropped before each build: content loaded in 3.30-3.39 s against 4.18-4.30 s (3.1 s with the files
    cached). A cached file costs the child three system calls, on a core the parsers share."""
    if not hasattr(os, "posix_fadvise") or not hasattr(os, "fork"):
        return None
    return Background(_advise, [[os.fspath(file) for _, file in files]])


def _advise(paths: list[str]) -> None:
    for path in paths:
        try:  # not blocking on a FIFO put where a file belongs: the parse reports what is wrong with it
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def _load_batch(jobs: list[tuple[Kind, Path, Path, bool]]) -> list[_Outcome]:
    return [_load_or_problems(job) for job in jobs]


class _Invalid(Exception):
    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics


def _show(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _discover(content_dir: Path, root: Path, problems: list[Diagnostic],
              stats: dict[Path, os.stat_result] | None = None) -> list[tuple[Kind, Path]]:
    """Content files in sorted order; symlinks leaving the tree are reported, not followed.

    ``stats`` receives the stat of each file that is not a symlink (taken to check that, and the same as
    following it would give), so that the parse cache need not stat it again.
    """
    real_root = content_dir.resolve()
    found: list[tuple[Kind, Path]] = []
    for folder, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))  # _upstream/ holds import snapshots
        here = Path(folder)
        for name in list(dirs):
            if (here / name).is_symlink() and not _inside((here / name).resolve(), real_root):
                problems.append(Diagnostic(_show(here / name, root), message="symlink escapes content dir",
                                           hint="copy the folder into content/ instead of linking it"))
                dirs.remove(name)
        parts = here.relative_to(content_dir).parts  # once per folder, not per file (10,000 files: 0.05 s)
        for name in sorted(files):
            file = here / name
            try:
                st = os.lstat(file)
            except OSError:  # gone since the folder was listed: reported when it is read
                st = None
            if st is not None and stat.S_ISLNK(st.st_mode) and not _inside(file.resolve(), real_root):
                problems.append(Diagnostic(_show(file, root), message="symlink escapes content dir",
                                           hint="copy the file into content/ instead of linking it"))
                continue
            if not name.endswith(".md"):
                continue
            kind = _kind_of((*parts, name))
            if kind is None:
                problems.append(Diagnostic(
                    _show(file, root), message="unexpected content file location",
                    hint="models go in content/models/<provider>/<model>.md, "
                         "providers in content/providers/<provider>.md, pages in content/pages/<page>.md"))
                continue
            special = not_regular(file, st)
            if special:
                problems.append(_not_regular(file, root, special))
                continue
            found.append((kind, file))
            if stats is not None and st is not None and not stat.S_ISLNK(st.st_mode):
                stats[file] = st
    return found


def _not_regular(file: Path, root: Path, special: str) -> Diagnostic:
    return Diagnostic(_show(file, root), message=f"not a regular file: {special}",
                      hint="a content file holds text; replace it with one, or move it out of content/")


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _kind_of(parts: tuple[str, ...]) -> Kind | None:
    if len(parts) == 3 and parts[0] == "models":
        return "model"
    if len(parts) == 2 and parts[0] == "providers":
        return "provider"
    if len(parts) == 2 and parts[0] == "pages":
        return "page"
    return None


def _load(kind: Kind, file: Path, root: Path) -> Entry:
    shown = _show(file, root)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise _Invalid([Diagnostic(shown, message=f"cannot read file: {exc.strerror}", hint=read_hint(exc))]) from None
    try:  # a valid file, as most are, needs no positions: they are only read to report a problem
        return _entry(kind, file, shown, raw, positions=False)
    except (_Invalid, yamlsafe.Declined):
        return _entry(kind, file, shown, raw, positions=True)  # the problem, where it is


def _entry(kind: Kind, file: Path, shown: str, raw: bytes, positions: bool) -> Entry:
    try:
        source = frontmatter.parse(shown, raw, positions)
    except frontmatter.FrontMatterError as exc:
        raise _Invalid([exc.diagnostic]) from None
    schema: type[BaseModel] = SCHEMAS[kind]
    document = overrides.apply(source.front)
    try:
        data = schema.model_validate(document.data)
    except ValidationError as exc:
        raise _Invalid(from_validation_error(exc, schema, shown, document)) from None
    assert isinstance(data, (Model, Provider, StaticPage))
    slug = data.id if isinstance(data, StaticPage) else data.slug or (
        slugify(data.id) if kind == "model" else data.id.lower())
    if not getattr(data, "slug", None):
        try:
            check_slug(slug)
        except ValueError as exc:
            pos = document.pos(("id",))
            raise _Invalid([Diagnostic(shown, pos.line, pos.col, "id", f"{exc} (made from the id)",
                                       "set a shorter 'slug' for this page")]) from None
    warnings = check_context(shown, source.body, source.body_line, data.limits.context_window) \
        if isinstance(data, Model) else []
    entry = Entry(kind, shown, data, None, source.body_line, slug,
                  hashlib.blake2b(raw, digest_size=16).hexdigest(), os.path.join(os.getcwd(), file), tuple(warnings),
                  hashlib.blake2b(_front_bytes(raw, source.body_line), digest_size=16).hexdigest())
    _check_location(entry, file, document)
    if kind == "model":
        from .catalog import model_facts  # the catalogue's module, which reads entries

        entry = replace(entry, facts=model_facts(entry))
    return entry


def _front_bytes(raw: bytes, body_line: int) -> bytes:
    """The file's bytes before line ``body_line`` (1-based), where its body starts."""
    end = 0
    for _ in range(body_line - 1):
        found = raw.find(b"\n", end)
        if found < 0:
            return raw
        end = found + 1
    return raw[:end]


def _check_location(entry: Entry, file: Path, document: Document) -> None:
    """The file name is the slug, and a model's folder is its provider: one place per page."""
    problems = []
    expected = entry.slug if entry.kind == "model" else entry.data.id
    has_slug = getattr(entry.data, "slug", None) is not None
    if unicodedata.normalize("NFC", file.stem) != expected:
        p = document.pos(("slug",) if has_slug else ("id",))
        line, col = p.line, p.col
        problems.append(Diagnostic(entry.path, line, col, "slug" if has_slug else "id",
                                   f"expected the file to be named {expected}.md, found {file.name}",
                                   f"rename the file to {expected}.md"))
    if isinstance(entry.data, Model) and file.parent.name != entry.data.provider:
        p = document.pos(("provider",))
        line, col = p.line, p.col
        problems.append(Diagnostic(entry.path, line, col, "provider",
                                   f"expected '{file.parent.name}' (the folder name), found '{entry.data.provider}'",
                                   f"move the file to content/models/{entry.data.provider}/"))
    if problems:
        raise _Invalid(problems)
