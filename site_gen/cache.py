"""The build cache: what the previous build wrote, and from which inputs.

`.site-gen-cache/<output>.json` (beside mkdocs.yml, never published) holds
the size and mtime of every file the build wrote, and `<output>.pages` maps
every page to its key, its files, element ids and links.  The
next build reuses a page only when its key matches *and* its files are as
the cache says; a cache that is unreadable, from another version, or about
another folder is ignored and the build starts clean.  Every cache file
starts with a checksum of the rest (``write_sealed``): one whose bytes changed
in any way, even to values that still parse, is never read.  The whole-tree
signature (content, templates, config and code, by size and mtime) lets a
build with nothing to do stop before loading anything.

This module imports no third-party code but xxhash (1.5 ms), so the no-op check stays cheap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import secrets
import stat
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import xxhash

from .config import SiteConfig
from .theme import DEFAULT_THEME

try:
    import fcntl
except ImportError:  # Windows: builds of one folder are not serialised (build_lock)
    fcntl = None  # type: ignore[assignment]

VERSION = 6
CODE_DIR = Path(__file__).resolve().parent


def cache_file(config: SiteConfig, output: Path) -> Path:
    name = output.resolve().as_posix().strip("/").replace("/", "__") or "root"
    return config.root / ".site-gen-cache" / f"{name}.json"


_HELD: dict[str, int] = {}
"""Build locks this process holds, by lock file, with how many callers hold each (the CLI, then the build)."""


@contextlib.contextmanager
def build_lock(config: SiteConfig, output: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock of ``output``'s builds: one build of a folder at a time, a second one waiting for the first.

    Two builds at once would each take the other's staging folder for one left by a killed build, and remove it
    (site_gen.writer.clean_stale): the first then failed on a file it could not write. The lock is an advisory
    ``flock`` on ``.site-gen-cache/<output>.lock``, released when the build ends or its process dies.
    ``waiting()`` is called once if another build holds it. Where there is no ``flock`` (Windows) or the
    file cannot be made (a read-only project, which cannot be built anyway), builds are not serialised."""
    path = cache_file(config, output).with_suffix(".lock")
    key = str(path)
    if _HELD.get(key):  # this process holds it already: the CLI took it before the no-op check
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    handle = None
    if fcntl is not None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("a")
    try:
        if handle is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None:
                    waiting()
                fcntl.flock(handle, fcntl.LOCK_EX)
        _HELD[key] = 1
        yield
    finally:
        _HELD.pop(key, None)
        if handle is not None:
            handle.close()  # and the lock with it


def _inputs(folder: str) -> Iterator[os.DirEntry[str]]:
    """Every file under ``folder``, files before subfolders, each level sorted by name; ``__pycache__`` and
    ``.pyc`` files left out, and a linked folder not followed (content discovery reports one that escapes).
    Each subfolder comes before what it holds, as an entry of its own (``is_dir(follow_symlinks=False)``): an
    empty folder named like a template (``templates/model.html/``) fails a clean build, and must not be taken
    for no change by the next one. os.scandir with strings: a no-op rebuild stats every input, and Path objects
    cost more than the system calls."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    subfolders = []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                subfolders.append(entry)
        elif not entry.name.endswith(".pyc"):  # a link to a folder too, as what it is (not followed)
            yield entry
    for subfolder in subfolders:
        yield subfolder
        yield from _inputs(subfolder.path)


def _regular_bytes(path: str) -> bytes:
    """A regular file's bytes; for anything else put in a templates folder (a named pipe, which would block its
    reader for ever, or a device, read without end), what it is."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return b"\0special\0" + stat.filemode(mode).encode()
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def base_key(config: SiteConfig) -> str:
    """Hash of everything every page depends on: code, templates and configuration."""
    h = hashlib.blake2b(digest_size=16)
    # Files by their names inside each folder, not by the folders' paths: a project built from its own folder
    # (mkdocs.yml, templates/) and from elsewhere (/srv/site/mkdocs.yml) is the same site, and reuses its pages.
    for folder in (str(CODE_DIR), str(DEFAULT_THEME), str(config.templates_dir)):
        h.update(b"\0folder\0")
        for entry in _inputs(folder):
            h.update(entry.path[len(folder):].encode())
            if entry.is_dir(follow_symlinks=False):
                h.update(b"\0folder\0")
                continue
            try:
                h.update(_regular_bytes(entry.path))
            except OSError:  # a broken link or an unreadable file: what it is counts, in place of its bytes
                h.update(b"\0unreadable\0" + repr(entry.is_symlink() and os.readlink(entry.path)).encode())
    h.update(b"\0config\0")
    h.update(config.config_path.read_bytes())
    h.update(_resolved(config))
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return h.hexdigest()


RENDERING_DISTRIBUTIONS = ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "markdown-it-pyrs", "pyyaml",
                           "pydantic", "pydantic-core")
"""The libraries whose code shapes the output: upgrading one (a markdown-it-py release that renders a construct
differently, say) must not leave pages made by the old one in place."""


@functools.cache
def dependency_versions() -> str:
    """Python's version and the installed version of each rendering library.

    Read from the names of the ``*.dist-info`` folders on sys.path (``Jinja2-3.1.4.dist-info``: the wheel
    format puts the version there), the first on the path winning as on import: one folder listing per path
    entry, where importlib.metadata's import and lookups took 33 ms of a 0.3 s no-op build. A library found
    only as an ``.egg-info`` is asked of importlib.metadata."""
    wanted = {_normal(name): name for name in RENDERING_DISTRIBUTIONS}
    versions: dict[str, str] = {}
    eggs: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if entry.endswith(".dist-info"):
                project, _, version = entry[:-10].rpartition("-")
                name = wanted.get(_normal(project))
                if name and name not in versions:
                    versions[name] = version
            elif entry.endswith(".egg-info"):
                name = wanted.get(_normal(entry[:-9].split("-")[0]))
                if name:
                    eggs.add(name)
    found = [sys.version]
    for name in RENDERING_DISTRIBUTIONS:
        if name not in versions and name in eggs:
            from importlib import metadata

            with contextlib.suppress(metadata.PackageNotFoundError):
                versions[name] = metadata.version(name)
        found.append(f"{name}=={versions[name]}" if name in versions else f"{name} absent")
    return "\n".join(found)


def _normal(project: str) -> str:
    """A distribution name as packaging normalises it (PEP 503): Jinja2, jinja_2 and jinja.2 are one."""
    return "-".join(part for part in project.lower().replace("_", "-").replace(".", "-").split("-") if part)


def _resolved(config: SiteConfig) -> bytes:
    """The configuration as loaded, and the libraries that render it: values taken from the environment
    (``!ENV``) are not in mkdocs.yml's bytes, and the same file with another SITE_URL is another site.
    Folders are left out: their files are keyed by content, and the same project reached by another path
    is the same site."""
    values = {k: v for k, v in dataclasses.asdict(config).items() if not isinstance(v, Path)}
    return (repr(sorted(values.items())) + "\n" + dependency_versions()).encode()


def clock(config: SiteConfig) -> int | None:
    """The file system's time now, as it stamps files (its own granularity: 1 s, 2 s, a kernel tick), read from
    a file touched in the build cache; None when the cache folder cannot be written.

    Taken before any input is looked at.  An input whose mtime is not older than this may be written again
    within the same tick, after it was read, and keep the same size and mtime ("racy" files, as git calls
    them): its size and mtime prove nothing to the next build, which reads it again (see ``signature`` and
    site_gen.parsecache)."""
    path = config.root / ".site-gen-cache" / "clock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()  # sets an existing file's mtime to now, as os.utime does
        return path.stat().st_mtime_ns
    except OSError:
        return None


def signature(config: SiteConfig, now: int | None = None) -> str:
    """Cheap fingerprint of every input by path, size and mtime (no file is read).

    "" when an input's mtime is not older than ``now`` (``clock``): its stat cannot tell a later edit within
    the same tick, so the next build must not take the inputs for unchanged.  "" never matches."""
    h = hashlib.blake2b(digest_size=16)
    newest = 0
    for folder in (CODE_DIR, DEFAULT_THEME, config.templates_dir, config.content_dir):
        lines = []
        for entry in _inputs(str(folder)):
            if entry.is_dir(follow_symlinks=False):  # its name alone: its time changes with any file made in it
                lines.append(f"{entry.path}\0folder\n")
                continue
            try:
                st = entry.stat()
            except OSError:  # a broken link: its presence still counts
                lines.append(f"{entry.path}\0missing\n")
                continue
            lines.append(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\n")
            newest = max(newest, st.st_mtime_ns)
        h.update("".join(lines).encode())
    st = config.config_path.stat()
    newest = max(newest, st.st_mtime_ns)
    if now is not None and newest >= now:
        return ""
    h.update(f"{config.config_path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    h.update(_resolved(config))
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return h.hexdigest()


def load(config: SiteConfig, output: Path) -> dict[str, Any] | None:
    """The previous build's manifest without its page records (``load_pages``), or None when it cannot be
    trusted. The no-op check needs the signature and the files' stats alone, and the page records (each
    page's element ids and links) are three quarters of the manifest: 77 ms of a 10k no-op build to parse."""
    data = _read_json(cache_file(config, output))
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("files"), dict) \
            or data.get("output") != str(output.resolve()):
        return None
    return data


def load_pages(config: SiteConfig, output: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The page records written with ``manifest`` (by the same save: their tokens match), or {} when they are
    missing, damaged or from another build: then no page is reused."""
    data = _read_json(_pages_file(config, output))
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("pages"), dict) \
            or not data.get("token") or data.get("token") != manifest.get("pages_token") \
            or not isinstance(data.get("ids"), list):
        return {}
    table = [tuple(ids) if isinstance(ids, list) and all(isinstance(i, str) for i in ids) else None
             for ids in data["ids"]]
    for record in data["pages"].values():
        if isinstance(record, dict):  # a record whose ids are not in the table is not reused (pages._reuse)
            k = record.get("ids")
            record["ids"] = table[k] if type(k) is int and 0 <= k < len(table) else None
    return data["pages"]


def save(config: SiteConfig, output: Path, manifest: dict[str, Any]) -> None:
    """Write the page records, then the manifest that names them by a token: a build stopped between the two
    leaves an old manifest whose token no longer matches, so no page is reused from records it did not make.

    ``manifest["pages"]``: the records by the name of each page's first file, as a dict or as (name, record)
    pairs made as they are written. They go to the file a few thousand at a time: the records of 100,000
    pages, their JSON and its bytes, held at once, were the largest a cold build held at its end."""
    path = cache_file(config, output)
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = dict(manifest)
    token = secrets.token_hex(8)
    pages = manifest.pop("pages")
    records: Iterable[tuple[str, dict[str, Any]]] = pages.items() if isinstance(pages, dict) else pages
    # Each distinct list of element ids once, the records pointing into it: pages of a kind have the same few
    # (21 lists among 10,000 model pages), which parsed as repeated lists were 10 MB of a 26 MB file's data.
    table: dict[tuple[str, ...], int] = {}

    def dump(handle: BinaryIO) -> None:
        _dump_streamed(handle, "pages", ((name, {**record, "ids": table.setdefault(record["ids"], len(table))})
                                         for name, record in records),
                       lambda: {"ids": [list(ids) for ids in table], "token": token, "version": VERSION})

    dump_sealed(_pages_file(config, output), dump)
    _write(path, {**manifest, "version": VERSION, "output": str(output.resolve()), "pages_token": token})


class FileStats(Mapping[str, list[int]]):
    """[size, mtime] of each file a build wrote, by its name, for the manifest: the names in a sorted list, the
    figures in one array, 16 bytes a file. As a dict of lists it was ~230 bytes a file (70 MB at 100,000 models,
    300,000 files) made at the end of a build, when it held the most. ``set`` each file's figures, then ``stat``
    the ones left."""

    def __init__(self, names: Iterable[str]):
        self.names = sorted(names)
        self.figures = array("q", bytes(16 * len(self.names)))
        self.given = bytearray(len(self.names))

    def _place(self, name: str) -> int:
        at = bisect_left(self.names, name)
        return at if at < len(self.names) and self.names[at] == name else -1

    def set(self, name: str, size: int, mtime: int) -> None:
        """The figures of ``name``, if it is one of the files (else nothing)."""
        at = self._place(name)
        if at >= 0:
            self.figures[2 * at], self.figures[2 * at + 1], self.given[at] = size, mtime, 1

    def stat(self, folder: str) -> None:
        """The figures of the files not given, from the file system (``folder``: where the files are)."""
        for at, name in enumerate(self.names):
            if not self.given[at]:
                st = os.stat(f"{folder}/{name}")
                self.figures[2 * at], self.figures[2 * at + 1], self.given[at] = st.st_size, st.st_mtime_ns, 1

    def __getitem__(self, name: str) -> list[int]:
        at = self._place(name)
        if at < 0:
            raise KeyError(name)
        return [self.figures[2 * at], self.figures[2 * at + 1]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def items(self) -> Iterator[tuple[str, list[int]]]:  # type: ignore[override]  # in order, without a search each
        figures = self.figures
        return ((name, [figures[2 * at], figures[2 * at + 1]]) for at, name in enumerate(self.names))


def _dump_streamed(handle: BinaryIO, name: str, pairs: Iterable[tuple[str, Any]], rest: Callable[[], dict[str, Any]]
                   ) -> None:
    """Write the JSON object {name: {pairs}, **rest()}: the pairs a few thousand at a time, never all at once;
    ``rest`` is called after them."""
    handle.write(b"{" + json.dumps(name).encode("utf-8") + b": {")
    first = True
    for chunk in _batched(pairs, _RECORDS_AT_ONCE):
        text = json.dumps(dict(chunk), sort_keys=True)
        if len(text) > 2:
            handle.write((text[1:-1] if first else ", " + text[1:-1]).encode("utf-8"))
            first = False
    tail = json.dumps(rest(), sort_keys=True)
    handle.write(("}" + (", " + tail[1:] if tail != "{}" else "}")).encode("utf-8"))


_RECORDS_AT_ONCE = 2000


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def forget(config: SiteConfig, output: Path) -> None:
    """Remove the manifest (after its saving failed): a previous build's manifest must not describe this one."""
    for path in (cache_file(config, output), _pages_file(config, output)):
        with contextlib.suppress(OSError):  # gone, or a folder in the way: then the tokens no longer match
            path.unlink()


def forget_gone(config: SiteConfig, pattern: str) -> None:
    """Remove the manifests named like ``pattern`` (a glob of cache_file names) whose output folder is gone."""
    for path in (config.root / ".site-gen-cache").glob(pattern + ".json"):
        data = _read_json(path)
        output = data.get("output") if isinstance(data, dict) else None
        if not (isinstance(output, str) and Path(output).is_dir()):
            for name in (path, path.with_suffix(".pages"), path.with_suffix(".lock")):
                with contextlib.suppress(OSError):
                    name.unlink()


def _pages_file(config: SiteConfig, output: Path) -> Path:
    return cache_file(config, output).with_suffix(".pages")


def _write(path: Path, data: dict[str, Any]) -> None:
    files = data.get("files")
    if not isinstance(files, FileStats):
        write_sealed(path, json.dumps(data, sort_keys=True).encode("utf-8"))
        return
    rest = {key: value for key, value in data.items() if key != "files"}  # the files' figures a part at a time
    dump_sealed(path, lambda handle: _dump_streamed(handle, "files", files.items(), lambda: rest))


def _read_json(path: Path) -> Any:
    """A sealed JSON cache file's data, or None when it is missing, damaged or not JSON."""
    payload = read_sealed(path)
    try:
        return None if payload is None else json.loads(payload)
    except ValueError:
        return None


_SEAL = b"site-gen cache, xxh3-128 "
_SEAL_HEX = 32
_SEAL_LINE = len(_SEAL) + _SEAL_HEX + 1


def _seal_hash() -> Any:
    return xxhash.xxh3_128()


def write_sealed(path: Path, payload: bytes) -> None:
    """Write a build-cache file whole or not at all, its first line a checksum of the rest (``open_sealed``)."""
    dump_sealed(path, lambda handle: handle.write(payload))


class _Hashing:
    """A file to write to that hashes what goes through it (pickle.dump writes in frames: nothing is held)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.hash = handle, _seal_hash()

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return self.handle.write(data)


def dump_sealed(path: Path, dump: Callable[[Any], object]) -> None:
    """Write a build-cache file whole or not at all: ``dump(handle)`` writes its contents, streamed, and the first
    line is a checksum of them, filled in at the end.

    A cache file is trusted only as far as it is checked: a bit flipped inside a string still parses (a title,
    a compiled template's text), and was published as if it were the content's. The checksum is XXH3's 128-bit
    hash (the xxhash library): a checksum against damage, not a seal against a forger, who could write any
    checksum (the cache is the project's own, as its content is). An edit build reads and writes its cache
    files whole, 0.5 GB at 100,000 models, and BLAKE2b (Python's own, ~0.9 GB/s here) spent ~0.6 s of its ~19 s
    on them; XXH3 runs at memory speed (278 MB: 0.025 s in memory, 0.05-0.08 s read from the page cache, against
    0.46-0.52 s). zlib's CRC-32 ran at 3.5 GB/s, with 32 bits, and OpenSSL's hashes are left out of the
    command's process (site_gen.command)."""
    def write(handle: BinaryIO) -> None:
        handle.write(_SEAL + b"0" * _SEAL_HEX + b"\n")
        hashing = _Hashing(handle)
        dump(hashing)
        handle.seek(len(_SEAL))
        handle.write(hashing.hash.hexdigest().encode("ascii"))

    replace_file(path, write)


def open_sealed(path: Path) -> BinaryIO | None:
    """A file ``dump_sealed`` wrote, open at the start of its contents once all of them are checked, so that
    nothing in it is parsed (or unpickled) before; None when the file is missing or unreadable, was written
    otherwise, or any byte differs from what was written. The contents are read twice, not held."""
    try:
        handle = path.open("rb")
    except OSError:
        return None
    try:
        head = handle.read(_SEAL_LINE)
        if len(head) == _SEAL_LINE and head.startswith(_SEAL) and head.endswith(b"\n") \
                and hashlib.file_digest(handle, _seal_hash).hexdigest().encode("ascii") == head[len(_SEAL):-1]:
            handle.seek(_SEAL_LINE)
            return handle
    except OSError:
        pass
    handle.close()
    return None


def read_sealed(path: Path) -> bytes | None:
    """The checked contents of a small sealed file (``open_sealed``), or None."""
    handle = open_sealed(path)
    if handle is None:
        return None
    with handle:
        try:
            return handle.read()
        except OSError:
            return None


def replace_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a build-cache file whole or not at all (``write`` fills a temporary file of its own, then a rename:
    two processes writing one file, such as the parse cache of two outputs' builds or a compiled template in two
    workers, never write into the same temporary file); a file that cannot be written is a clear error
    (site_gen.errors.OutputError), not a traceback."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")  # its own: two writers never share one
    try:
        with tmp.open("xb") as handle:
            write(handle)
        os.replace(tmp, path)
    except OSError as exc:
        from .errors import Diagnostic, OutputError, os_cause

        if tmp.is_file():
            tmp.unlink()
        cause, hint = os_cause(exc, path.parent)
        raise OutputError(Diagnostic(str(path), message=f"cannot write the build cache: {cause}",
                                     hint=f"{hint}, or remove the .site-gen-cache folder (it is safe to delete at "
                                          "any time)")) from None


def untouched(manifest: dict[str, Any], output: Path) -> bool:
    """True when every file the previous build wrote is still there, as it was written."""
    base = str(output)
    for name, (size, mtime) in manifest["files"].items():
        try:
            st = os.stat(f"{base}/{name}")
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return True


@dataclass(frozen=True)
class Probe:
    """What the previous build left, read once per build: the no-op check and the build both use it."""

    output: Path
    signature: str
    """"" when some input is too recent for its stat to be trusted (see ``signature``)."""
    manifest: dict[str, Any] | None
    clock: int | None = None
    """The file system's time before any input was looked at (``clock``)."""
    shard: tuple[int, int] | None = None
    """The shard this build renders (--shard I/N), None for a whole build."""

    def nothing_to_do(self) -> bool:
        """Same inputs as last time, the same slice of the pages, and the output untouched (and the previous
        build's warnings kept, to be shown again: a build with nothing to do reports what a full one would)."""
        return bool(self.manifest) and bool(self.signature) and self.manifest.get("signature") == self.signature \
            and self.manifest.get("shard") == (list(self.shard) if self.shard else None) \
            and self.warnings() is not None and untouched(self.manifest, self.output)  # type: ignore[arg-type]

    def warnings(self) -> list[str] | None:
        """The warnings the previous build showed, as it showed them; None when the manifest has none kept."""
        kept = self.manifest.get("warnings") if self.manifest else None
        return kept if isinstance(kept, list) and all(isinstance(line, str) for line in kept) else None


def probe(config: SiteConfig, output: Path, shard: tuple[int, int] | None = None) -> Probe:
    now = clock(config)
    return Probe(output, signature(config, now), load(config, output) if output.is_dir() else None, now, shard)


SHARD_FILE = ".site-gen-shard.json"


def save_shard(folder: Path, shard: tuple[int, int], records: list[dict[str, Any]]) -> None:
    """The shard's page records, inside its output folder: they travel with it to the merging machine."""
    data = {"version": VERSION, "shard": list(shard), "pages": {r["files"][0]: r for r in records}}
    write_sealed(folder / SHARD_FILE, json.dumps(data, sort_keys=True).encode("utf-8"))


def load_shards(folders: list[Path]) -> dict[str, Any]:
    """The shards' page records as one previous build; a merge reuses a page only if its key and bytes match."""
    from .errors import Diagnostic, OutputError

    pages: dict[str, Any] = {}
    for folder in folders:
        path = folder / SHARD_FILE
        data = _read_json(path)
        if data is None:
            try:
                older = path.read_bytes().startswith(b"{")  # a file of an older version is plain JSON
            except OSError:
                raise OutputError(Diagnostic(str(folder), message=f"not a shard output (no readable {SHARD_FILE})",
                                             hint="pass the folders written by 'site-gen build --shard I/N'")) from None
            if not older:
                raise OutputError(Diagnostic(str(path), message="damaged: its checksum does not match its contents",
                                             hint="copy the shard's folder again, or render the shard again"))
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("pages"), dict):
            raise OutputError(Diagnostic(str(path), message="shard written by another site-gen version",
                                         hint="render the shards again with this version"))
        for name, record in data["pages"].items():
            if isinstance(record, dict):
                pages.setdefault(name, {**record, "dir": str(folder.resolve())})
    return {"pages": pages, "files": {}, "dir": ""}
