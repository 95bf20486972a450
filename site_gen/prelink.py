"""Link the previous build's pages into the staging folder on the idle core, while the content loads.

An edit build loads the parse cache (about a second at 10,000 models) on one core, and only then knows
which pages changed; linking the 30,000 files of the unchanged pages afterwards took another third of a
second on that same core. A forked child links them meanwhile instead: every page the previous build
recorded, whose files are still exactly as it wrote them (size and mtime). The build then takes a linked
page whose key still matches as it is, and unlinks the files of every other one before anything is written
into the staging folder, so that no write can reach an inode the published site shares.

The child only ever hard-links (never copies), and reports, per page, whether all its files are linked
(``LINKED``), none are (``NONE``), or it could not tell (anything else: a child that died midway). Pages it
did not report as linked have their names cleared by ``Prelink.clear`` before the build uses them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

from .workers import die_with_parent

LINKED, NONE = 1, 2


def candidates(previous: dict[str, Any]) -> list[tuple[str, list[str], list[list[int]]]]:
    """(first file, files, their recorded size and mtime) of each page a previous build of this very output
    recorded by stat: a shard's or a merge's pages (trusted by hash, from other folders) are not linked early."""
    found = []
    pages = previous.get("pages")
    for name, record in (pages.items() if isinstance(pages, dict) else ()):
        if not isinstance(record, dict) or record.get("dir") or record.get("hashes"):
            continue
        files, stats = record.get("files"), record.get("stat")
        if isinstance(files, list) and files and isinstance(stats, list) and len(stats) == len(files) \
                and all(isinstance(f, str) for f in files) and files[0] == name \
                and all(isinstance(s, list) and len(s) == 2 and all(type(x) is int for x in s) for s in stats):
            found.append((name, files, stats))
    return found


def link_pages(source: str, target: str, pages: list[tuple[str, list[str], list[list[int]]]]) -> bytearray:
    """Hard-link each page's files from ``source`` into ``target`` when all are as recorded: a flag per page."""
    flags = bytearray(len(pages))
    made: set[str] = set()
    for k, (_, files, stats) in enumerate(pages):
        try:
            for name, (size, mtime) in zip(files, stats, strict=True):
                st = os.stat(f"{source}/{name}")
                if st.st_size != size or st.st_mtime_ns != mtime:
                    raise FileNotFoundError  # edited or damaged since: the build renders the page again
        except OSError:
            flags[k] = NONE
            continue
        placed = 0
        try:
            for name in files:
                path = f"{target}/{name}"
                folder = os.path.dirname(path)
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                os.link(f"{source}/{name}", path)
                placed += 1
            flags[k] = LINKED
        except OSError:  # another file system, say: the build links (or copies) the page itself
            try:
                for name in files[:placed]:
                    os.unlink(f"{target}/{name}")
                flags[k] = NONE
            except OSError:
                pass  # left at 0: the build clears the page's names
    return flags


class Prelink:
    """The child that links the previous build's pages into ``staging``; ``result()`` waits for it."""

    def __init__(self, source: Path, staging: Path, previous: dict[str, Any]):
        self.staging = staging
        self.pages = candidates(previous)
        self.pid = 0
        self._read = -1
        self._flags: bytearray | None = None
        if not self.pages or not hasattr(os, "fork"):
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: link, report, and leave without running anything of the parent's
            code = 1
            try:
                os.close(read)
                die_with_parent()
                flags = link_pages(str(source), str(staging), self.pages)
                view = memoryview(flags)
                while view:
                    view = view[os.write(write, view):]
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self._read = pid, read

    def result(self) -> dict[str, tuple[list[str], list[list[int]]]]:
        """The pages whose files the child linked (by their first file), after it ended. The names of every other
        page it was given are cleared: none holds a link into the published site any more."""
        if self._flags is None:
            self._flags = self._collect()
            self.clear([files for (_, files, _), flag in zip(self.pages, self._flags, strict=True)
                        if flag != LINKED and flag != NONE])
        return {name: (files, stats) for (name, files, stats), flag in zip(self.pages, self._flags, strict=True)
                if flag == LINKED}

    def _collect(self) -> bytearray:
        flags = bytearray()
        if self.pid:
            with contextlib.suppress(OSError):
                while chunk := os.read(self._read, 1 << 16):
                    flags += chunk
            self._end(kill=False)
        if len(flags) != len(self.pages) or self._status:  # it died midway: trust none of its flags
            return bytearray(len(self.pages))
        return flags

    _status = 0

    def _end(self, kill: bool) -> None:
        if self.pid:
            if kill:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(self.pid, 0)
                self._status = status
            self.pid = 0
        if self._read >= 0:
            os.close(self._read)
            self._read = -1

    def clear(self, pages: list[list[str]]) -> None:
        """Remove these pages' files from the staging folder (those that are there)."""
        for files in pages:
            for name in files:
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    os.unlink(f"{self.staging}/{name}")

    def close(self) -> None:
        """Stop the child if it still runs (the build failed before it needed the pages)."""
        self._end(kill=True)
