"""Link the previous build's pages into the staging folder on the idle core, while the content loads.

An edit build loads the parse cache (about a second at 10,000 models) on one core, and only then knows
which pages changed; linking the 30,000 files of the unchanged pages afterwards took another third of a
second on that same core. A forked child links them meanwhile instead: every page the previous build
recorded, whose files are still exactly as it wrote them (size and mtime). The build then takes a linked
page whose key still matches as it is, and unlinks the files of every other one before anything is written
into the staging folder, so that no write can reach an inode the published site shares.

The child only ever hard-links (never copies). Of each page it reports whether all its files are linked
(``LINKED``), none are (``NONE``), or it could not undo a partial link (0: its names are cleared). When the
child dies before its report is complete, the names of every page it may have linked are cleared.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from .workers import Background

LINKED, NONE = 1, 2


def candidates(previous: dict[str, Any], apart: frozenset[str] = frozenset()
               ) -> list[tuple[str, list[str], list[list[int]]]]:
    """(first file, files, their recorded size and mtime) of each page a previous build of this very output
    recorded by stat, the figures taken from its manifest's ``files``: a shard's or a merge's pages (trusted by
    hash, from other folders) are not linked early, nor the pages ``apart`` (by their first file)."""
    found = []
    pages, figures = previous.get("pages"), previous.get("files")
    if not isinstance(pages, dict) or not isinstance(figures, dict):
        return found
    for name, record in pages.items():
        if not isinstance(record, dict) or record.get("dir") or record.get("hashes") or name in apart:
            continue
        files = record.get("files")
        if isinstance(files, list) and files and all(type(f) is str for f in files) and files[0] == name:
            stats = [figures.get(f) for f in files]
            if all(type(s) is list and len(s) == 2 and type(s[0]) is int and type(s[1]) is int for s in stats):
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
    """The child that links the previous build's pages into ``staging``; ``result()`` waits for it.

    The child sorts the previous build's records itself (``candidates``: 0.09 s at 10,000 models, that the
    building process would spend before it loads anything) and sends back the first file of each page it
    linked, and the files of any page it could neither link whole nor undo.

    The pages ``apart`` (by their first file) are left alone: the index, which the build renders on a child of
    its own as soon as the catalogue is checked (site_gen.pages.start_listings), before this child has ended at
    100,000 models (it links 300,000 files): had it linked the index, the build would wait for it there to learn
    whether the index is in the staging folder (1.45 s of a 20 s edit build). Unchanged, the index is linked with
    the pages this child did not link."""

    def __init__(self, source: Path, staging: Path, previous: dict[str, Any], apart: frozenset[str] = frozenset()):
        self.staging = staging
        self.previous = previous
        self.apart = apart
        self._linked: set[str] | None = None
        self._child: Background | None = None
        if not isinstance(previous.get("pages"), dict) or not previous["pages"] or not hasattr(os, "fork"):
            self._linked = set()
            return

        def link(_: object) -> tuple[list[str], list[list[str]]]:
            pages = candidates(previous, apart)
            done = list(zip(pages, link_pages(str(source), str(staging), pages), strict=True))
            return [page[0] for page, flag in done if flag == LINKED], [page[1] for page, flag in done if not flag]

        self._child = Background(link, [None])

    def result(self) -> set[str]:
        """The pages whose files the child linked (by their first file), once it has ended. No other page of the
        previous build has a name left in the staging folder: none holds a link into the published site."""
        if self._linked is None:
            assert self._child is not None
            try:
                [(linked, dirty)] = self._child.result()
            except Exception:  # it died or failed midway: nothing it did is trusted
                linked, dirty = [], [files for _, files, _ in candidates(self.previous, self.apart)]
            self.clear(dirty)
            self._linked = set(linked)
        return self._linked

    def release(self, names: list[str]) -> None:
        """Clear the files of these pages (by their first file) and forget them: they are to be rendered."""
        linked = self.result()
        records = self.previous["pages"]
        self.clear([records[name]["files"] for name in names if name in linked])
        linked.difference_update(names)

    def clear(self, pages: list[list[str]]) -> None:
        """Remove these pages' files from the staging folder (those that are there)."""
        for files in pages:
            for name in files:
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    os.unlink(f"{self.staging}/{name}")

    def close(self) -> None:
        """Stop the child if it still runs (the build failed before it needed the pages)."""
        if self._child is not None:
            self._child.close()
