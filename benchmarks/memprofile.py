"""Where a cold build's memory goes at its peak: what the building process holds when its page worker forks,
and how much of it the rendering then copies.

    python benchmarks/memprofile.py PROJECT [--json]

PROJECT is a folder holding mkdocs.yml: a benchmark corpus (benchmarks/corpus.py), or this repository for the
bundled catalogue. Linux only: it reads /proc/self/pagemap.

A cold build's peak memory is reached while its pages render, in two processes: the building process and the
worker it forks, which inherits the loaded catalogue and shares its memory pages. A shared page stays one page
until either process writes to it; then each holds a copy of its own, and the page counts twice. Python 3.11
writes an object's reference count whenever code reads the object, so reading is enough.

The script runs the build until the page worker would fork, then stops it (nothing is published). At that
moment it reports the building process's memory: the pages it held after its imports, the pages the load and
the checks added, and the largest parts of the catalogue. Then it forks children that each do one part of a
worker's work into a folder of their own, and reports the pages of the building process each child wrote
(split into the imports' pages and the load's pages), and the pages it allocated new.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

if __package__ in (None, ""):  # run as a script: the repository's site_gen, not an installed one
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_gen import build, pages  # the imports whose memory pages are counted apart
from site_gen.config import load_config
from site_gen.workers import Background

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


def present_pages(exclusive: bool = False) -> set[int]:
    """The numbers of this process's anonymous writable pages that are in memory; with ``exclusive``, only those
    no other process maps (written since a fork, or never shared): /proc/self/pagemap's bits 63 and 56."""
    found: set[int] = set()
    with open("/proc/self/maps") as maps, open("/proc/self/pagemap", "rb") as pagemap:
        for line in maps:
            fields = line.split()
            name = fields[5] if len(fields) > 5 else ""
            if "w" not in fields[1] or name not in ("", "[heap]"):
                continue
            start, end = (int(x, 16) // PAGE for x in fields[0].split("-"))
            pagemap.seek(start * 8)
            for i, (bits,) in enumerate(struct.iter_unpack("Q", pagemap.read((end - start) * 8))):
                if bits >> 63 & 1 and (not exclusive or bits >> 56 & 1):
                    found.add(start + i)
    return found


def deep_size(root: object, seen: set[int]) -> int:
    """Bytes of ``root`` and every object it reaches that ``seen`` does not hold yet (added to it), classes,
    modules and functions left out: what a catalogue structure holds of its own."""
    total, stack = 0, [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type) or type(obj).__name__ in ("module", "function", "cell"):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if not isinstance(obj, (str, bytes, int, float)):
            stack.extend(gc.get_referents(obj))
    return total


class _Measured(Exception):
    """Raised in place of the page rendering once the measurements are taken: the build stops there."""


def profile(project: Path) -> dict[str, Any]:
    imports = present_pages()
    report: dict[str, Any] = {}
    real, renderer = pages.render_pages, pages.Renderer

    def measure(config: Any, catalog: Any, site: Any, staging: Path, job_list: list[Any], *args: Any,
                **kwargs: Any) -> Any:
        at_fork = present_pages()
        loaded = at_fork - imports
        own = psutil.Process().memory_full_info()
        report.update(models=len(catalog.models), pages=len(job_list),
                      building={"uss": own.uss, "rss": own.rss, "imports": len(imports & at_fork) * PAGE,
                                "load": len(loaded) * PAGE},
                      work=[])
        # Measured in a child too: the objects the measuring makes and frees would leave free room in the
        # building process's pages, that a worker forked after would fill (writing to those pages).
        report["parts"] = _forked(lambda: _parts(catalog, job_list))
        # The templates compiled and the markdown engine made before the children fork, as render_pages makes
        # them before its worker forks: a child making its own counted ~8 MB of writes no worker makes.
        prepared = pages._prepared(config)
        pages.Renderer = lambda *_: prepared  # type: ignore[assignment,misc]
        models = [job for job in job_list if job.kind == "model"]
        half = [job for i, job in enumerate(models) if i // 25 % 2]  # every other batch, as a worker takes them
        listings = [job for job in job_list if job.kind in ("index", "provider")]

        def pages_of(jobs: list[Any]) -> Callable[[Path], Any]:
            return lambda folder: real(config, catalog, site, folder, jobs, None, 1)

        work: list[tuple[str, Callable[[Path], Any]]] = [
            ("nothing", lambda folder: None),
            ("reading every model's facts", lambda folder: [entry.facts for entry in catalog.models]),
            ("one model page", pages_of(models[:1])),
            ("half the model pages", pages_of(half)),
            ("the listings (home and providers' pages)", pages_of(listings)),
            ("both: a worker's share", pages_of(half + listings)),
        ]
        for name, task in work:
            folder = Path(tempfile.mkdtemp(prefix="memprofile-", dir=staging.parent))  # the staging folder's disk
            try:
                report["work"].append(_forked(functools.partial(_written, name, task, folder, imports, loaded)))
            finally:
                shutil.rmtree(folder)
        raise _Measured

    pages.render_pages = measure  # type: ignore[assignment]
    cwd = os.getcwd()
    try:
        os.chdir(project)
        with contextlib.suppress(_Measured):
            build.build(load_config(Path("mkdocs.yml")), incremental=False)
    finally:
        pages.render_pages = real  # type: ignore[assignment]
        pages.Renderer = renderer  # type: ignore[misc]
        os.chdir(cwd)
    if "work" not in report:
        raise SystemExit(f"{project}: the build rendered no pages")
    return report


def _parts(catalog: Any, job_list: list[Any]) -> dict[str, int]:
    """Bytes held by the largest parts of the catalogue, each object counted once, in the first part that
    reaches it."""
    seen: set[int] = set()
    return {
        "model entries (shells and facts)": deep_size(catalog.models, seen),
        "similar-models table": deep_size((catalog.similar, catalog.nearest), seen),
        "page URLs": deep_size(catalog.urls, seen),
        "page jobs": deep_size(job_list, seen),
        "the rest of the catalogue": deep_size(catalog, seen),
    }


def _written(name: str, task: Callable[[Path], Any], folder: Path, imports: set[int], loaded: set[int]
             ) -> dict[str, Any]:
    """Run ``task(folder)`` (in a forked child); the pages of the parent's memory it wrote, and the pages it made
    new."""
    started = time.perf_counter()
    task(folder)
    seconds = time.perf_counter() - started
    written = present_pages(exclusive=True)
    return {"work": name, "seconds": seconds, "imports": len(written & imports) * PAGE,
            "load": len(written & loaded) * PAGE, "new": len(written - imports - loaded) * PAGE}


def _forked(work: Callable[[], Any]) -> Any:
    """``work()`` run in a forked child (site_gen.workers.Background), its result sent back; its error raised."""
    return Background(lambda _: work(), [None]).result()[0]


def print_report(project: Path, report: dict[str, Any]) -> None:
    building = report["building"]
    print(f"cold build of {project}, {report['models']} models, {report['pages']} pages: the building process "
          f"when its page worker forks")
    print(f"  {building['uss'] / MB:6.1f} MB its own (USS; RSS {building['rss'] / MB:.1f} MB). Its heap:")
    print(f"  {building['imports'] / MB:6.1f} MB  pages in use after the imports")
    print(f"  {building['load'] / MB:6.1f} MB  pages the load, the checks and the pages' keys added; they hold")
    for part, size in report["parts"].items():
        print(f"  {size / MB:12.1f} MB  {part}")
    print("what a forked worker writes of those pages (each then counts twice), and what it makes new:")
    print(f"  {'imports':>8} {'load':>8} {'new':>8} {'seconds':>8}  work")
    for row in report["work"]:
        print(f"  {row['imports'] / MB:8.1f} {row['load'] / MB:8.1f} {row['new'] / MB:8.1f} "
              f"{row['seconds']:8.2f}  {row['work']}")
    share = report["work"][-1]
    held = building["imports"] + building["load"]
    print(f"a worker's share of the pages writes {(share['imports'] + share['load']) / MB:.1f} MB of the "
          f"{held / MB:.1f} MB the building process held ({(share['imports'] + share['load']) / held:.0%})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not Path("/proc/self/pagemap").exists():
        raise SystemExit("memprofile: /proc/self/pagemap is needed (Linux)")
    report = profile(args.project.resolve())
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_report(args.project, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
