"""The whole pipeline in one function, read top to bottom.

config -> content -> catalogue checks -> URLs -> page contexts -> render
-> staging folder -> atomic swap.  Everything is validated before anything
is written; ``check`` runs the same pipeline with nothing written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import closing, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import api, cache, hostconfig, links, llms, markdown, pages, render, similar, sitewide, writer
from .catalog import Catalog, build_catalog
from .collector import collector_paused, release_freed_memory
from .config import SiteConfig
from .content import Content, load_content
from .cpus import usable_cpus
from .errors import ContentError, Diagnostic, OutputError, SiteGenError, not_regular, os_cause
from .formats import stamp
from .prelink import Prelink
from .render import DEFAULT_THEME, Renderer, check_overrides
from .schema import Provider
from .tokens import from_pieces, pieces
from .view import (
    Site,
    logo_path,
    not_found_page,
    site_context,
)
from .writer import StagedOutput, check_output_dir


@dataclass
class BuildResult:
    pages: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bytes_written: int = 0
    generated_at: str = ""
    llms_files: list[tuple[str, int, int]] = field(default_factory=list)
    """(path, bytes, estimated tokens) of each llms file."""
    content: Content | None = None
    """The loaded content, for callers that keep it (the dev server)."""
    rendered: int = 0
    """Pages rendered by this build."""
    skipped: int = 0
    """Pages reused unchanged from the previous build (hard-linked, not rewritten)."""
    timings: dict[str, float] = field(default_factory=dict)
    page_weight: dict[str, Any] = field(default_factory=dict)
    """Model pages' gzipped transfer size with the stylesheet and script: median, max and the heaviest."""
    """Seconds spent in each phase."""
    catalog: Catalog | None = None


def build_time(environ: dict[str, str] | None = None) -> dt.datetime:
    """The build stamp: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    environ = dict(os.environ) if environ is None else environ
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return dt.datetime.now(dt.UTC)
    if not raw.isdigit() or len(raw) > 12:
        raise SiteGenError(Diagnostic("SOURCE_DATE_EPOCH",
                                      message=f"expected a non-negative integer of seconds, found {raw!r}",
                                      hint="see https://reproducible-builds.org/specs/source-date-epoch/"))
    return dt.datetime.fromtimestamp(int(raw), dt.UTC)


def load_catalog(config: SiteConfig) -> Catalog:
    return build_catalog(config, load_content(config.content_dir, config.root))


@dataclass
class Rendered:
    """What rendering learned that later steps need."""

    llms_report: list[tuple[str, int, int]] = field(default_factory=list)
    ids: dict[str, frozenset[str]] = field(default_factory=dict)
    """Element ids of each HTML page, for anchor checks (pages with the same ids share one set)."""
    links: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    """Links in each content file's body (by path), found when its page was rendered."""
    sitewide_keys: dict[str, str] = field(default_factory=dict)
    """Keys of the site-wide files that have keys of their own (the llms files)."""
    llms_pieces: dict[str, int] = field(default_factory=dict)
    """Token pieces of each llms file (site_gen.tokens), to count a joined file without reading it."""
    pages: list[pages.Done] = field(default_factory=list)
    summaries: api.Summaries = field(default_factory=lambda: api.Summaries(""))
    """The API listing's entries, made or kept: the next build keeps them."""
    sitewide_key: str = ""
    sitewide_files: list[str] = field(default_factory=list)
    base_key: str = ""
    """site_gen.cache.base_key: the next build links the previous pages early only when it is unchanged."""
    full_segments: dict[str, list[list[Any]]] = field(default_factory=dict)
    """Where each page's mirror sits in each provider's llms-full file: the next build copies the unchanged ones."""


def render_site(config: SiteConfig, catalog: Catalog, site: Site, out: StagedOutput,
                previous: dict[str, Any] | None = None, workers: int = 1, progress: bool = False,
                clock: _Clock | None = None, shard: tuple[int, int] | None = None,
                api_kept: api.Kept | None = None, prelink: Prelink | None = None,
                base_key: str | None = None, listings: pages.Listings | None = None) -> Rendered:
    """Write every output into the staging folder: pages on all workers, beside them the site-wide files of the
    catalogue, then the llms-full files (made of the mirrors).

    With ``shard`` (i, n), only the pages whose place in the sorted job list is i modulo n, and no site-wide
    files: a merge build writes those, taking the pages from the shards. ``api_kept``: the API listing's
    entries a previous build kept (site_gen.api.Summaries). ``prelink``: the previous build's pages linked early
    (site_gen.prelink). ``base_key``: site_gen.cache.base_key, when the caller has it already. ``listings``: the
    listing pages being rendered by a child since the catalogue was checked (site_gen.pages.start_listings).
    """
    clock = clock or _Clock()
    # Every page shows the site context. Most of it comes from the config (in the base key), but not all (the
    # about page's link comes from content): it is part of every key, except its build stamp, which
    # SOURCE_DATE_EPOCH fixes (in the base key) and which otherwise is each page's own render time.
    base_key = base_key or cache.base_key(config)
    base = page_base(base_key, site)
    rendered = Rendered(summaries=api.Summaries(base, api_kept), base_key=base_key)
    job_list = pages.jobs(catalog, base)
    if shard:
        job_list = [job for k, job in enumerate(job_list) if k % shard[1] == shard[0]]
    clock.lap("page keys")  # the pages' progress bar follows
    keyed = _Keyed(out, previous, rendered)

    reused: bool | None = None  # whether the previous build's site-wide files were taken: None, not made here

    def catalogue_files() -> None:
        """The site-wide files that need the catalogue alone, made while the workers render pages."""
        nonlocal reused
        # Logos are files of their own beside the providers' markdown: a replaced one is a change of its own.
        logos = _logos(config, catalog)
        rendered.sitewide_key = pages.hash_of(pages.content_key(base, catalog),
                                              [f"{path}\0{pages.file_hash(data)}" for path, data in logos.items()])
        reused = _reuse_sitewide(out, previous, rendered, keyed)
        if not reused:
            _write_sitewide(config, catalog, site, keyed, base, logos)

    before = set(out.files)
    rendered.pages = pages.render_pages(config, catalog, site, out.staging, job_list, previous, workers, progress,
                                        keep_hashes=shard is not None, also=None if shard else catalogue_files,
                                        prelink=prelink, listings=listings)
    if reused is False:
        # The JSON listing, once the pages are rendered: each rendered model's entry was made with its page.
        rendered.summaries.made = {job.path: done.summary for job, done in zip(job_list, rendered.pages, strict=True)
                                   if done.summary}
        for path, data in sitewide.api_files(config, catalog, site, rendered.summaries):
            if isinstance(data, str | bytes):
                keyed.put(path, data)
            else:  # the listing, an entry at a time
                keyed.put_parts(path, data)
    release_freed_memory()  # what the pages' results and the listing passed through: the end holds less
    made = set(out.files) - before  # site-wide files only: the pages are recorded below
    clock.lap("pages, and the site-wide files of the catalogue", "joining the llms-full files")
    id_sets: dict[tuple[str, ...], frozenset[str]] = {}  # one set per distinct tuple of ids (pages.shared_ids)
    for job, done in zip(job_list, rendered.pages, strict=True):
        out.record(done.files, sum(done.sizes))
        ids = id_sets.get(done.ids)
        if ids is None:
            ids = id_sets[done.ids] = frozenset(done.ids)
        rendered.ids[done.files[0]] = ids
        rendered.links[job.path] = done.links
    if shard:
        return rendered
    # The llms-full files hold the bodies, which the catalogue's files do not show: they have keys of their own.
    counted = {done.files[1]: done.pieces for done in rendered.pages}
    page_keys = {job.path: job.key for job in job_list}
    _write_full(config, catalog, out, keyed, counted, page_keys, base)
    release_freed_memory()  # the joined files, before the manifest is made
    rendered.llms_report = sorted(keyed.report)
    rendered.sitewide_files = sorted(made)
    clock.lap("llms-full files (mirrors joined)", "checking links")
    return rendered


def page_base(base_key: str, site: Site) -> str:
    """What every page's key starts with: the code, templates and config (site_gen.cache.base_key) and the site
    context every page shows, but its build stamp."""
    return pages.hash_of(base_key, "site", repr(replace(site, generated_at="")))


class _Keyed:
    """Site-wide files with keys of their own: one whose key matches the previous build's is hard-linked.

    An edit to one model rewrites the llms files of the providers whose pages show it, not every provider's.
    Also collects the llms size report (path, bytes, estimated tokens) and each llms file's token pieces.
    """

    def __init__(self, out: StagedOutput, previous: dict[str, Any] | None, rendered: Rendered):
        self.out, self.previous, self.rendered = out, previous or {}, rendered
        keys, counts = self.previous.get("sitewide_keys"), self.previous.get("llms_pieces")
        self.old_keys: dict[str, str] = keys if isinstance(keys, dict) else {}  # a damaged manifest: no reuse
        self.old_pieces: dict[str, int] = counts if isinstance(counts, dict) else {}
        self.report: list[tuple[str, int, int]] = []

    def reuse(self, path: str, key: str) -> bool:
        self.rendered.sitewide_keys[path] = key
        if self.old_keys.get(path) != key or not self.previous.get("dir"):
            return False
        record, count = self.previous["files"].get(path), self.old_pieces.get(path)
        if not (isinstance(record, list) and record and isinstance(record[0], int) and isinstance(count, int)):
            return False  # checked before linking: a file linked here must not be written again
        if not self.out.link_from(Path(self.previous["dir"]), [path], self.previous["files"]):
            return False
        self.llms(path, record[0], count)
        return True

    def put(self, path: str, data: str | bytes) -> None:
        """Write a site-wide file, or hard-link the previous build's when its bytes are the same: a file
        whose inputs did not change is not rewritten, even when it is computed from the whole catalogue."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        folder = self._previous_of_size(path, len(payload))
        if folder is not None:
            try:
                with open(folder / path, "rb") as handle:
                    same = handle.read() == payload
            except OSError:
                same = False
            if same and self.out.link_from(folder, [path], self.previous["files"]):
                return
        self.out.write(path, payload)

    def put_parts(self, path: str, parts: Iterable[bytes]) -> int:
        """``put`` for a file made in parts, written as they come and never held whole (a provider's llms-full
        file, the API listing: ~40 and ~80 MB at 100,000 models, each held three times over while it was joined,
        encoded and compared, the most a build held at its end); its size. The previous build's file is kept
        instead when the bytes are the same, as ``put`` does, compared after the writing."""
        size = self.out.write_parts(path, parts)
        folder = self._previous_of_size(path, size)
        if folder is not None:
            self.out.same_as(folder, path, self.previous["files"])
        return size

    def _previous_of_size(self, path: str, size: int) -> Path | None:
        """The previous build's folder, when it recorded a file at ``path`` of ``size`` bytes (it may be the same)."""
        record, folder = self.previous.get("files", {}).get(path), self.previous.get("dir")
        return Path(folder) if folder and isinstance(record, list) and record and record[0] == size else None

    def write_llms(self, path: str, text: str, count: int | None = None) -> None:
        data = text.encode("utf-8")
        self.put(path, data)
        self.llms(path, len(data), pieces(text) if count is None else count)

    def llms(self, path: str, size: int, count: int) -> None:
        self.rendered.llms_pieces[path] = count
        self.report.append((path, size, from_pieces(count)))


def _reuse_sitewide(out: StagedOutput, previous: dict[str, Any] | None, rendered: Rendered, keyed: _Keyed) -> bool:
    """The site-wide files of the catalogue show the front matter of every file: reuse them all when none changed
    (an edit of a body leaves them as they are)."""
    if not previous or previous.get("sitewide_key") != rendered.sitewide_key:
        return False
    names, report = previous.get("sitewide"), previous.get("llms_report")
    keys, counts = previous.get("sitewide_keys"), previous.get("llms_pieces")
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names) and isinstance(keys, dict)
            and isinstance(counts, dict) and isinstance(report, list)
            and all(isinstance(r, list) and [type(x) for x in r] == [str, int, int] for r in report)):
        return False  # a damaged manifest: write them afresh
    if not out.link_from(Path(previous["dir"]), names, previous["files"]):
        return False
    shown = set(names)
    keyed.report += [tuple(row) for row in report if row[0] in shown]  # type: ignore[misc]
    rendered.sitewide_keys.update({name: key for name, key in keys.items() if name in shown})
    rendered.llms_pieces.update({name: count for name, count in counts.items() if name in shown})
    return True


def _write_sitewide(config: SiteConfig, catalog: Catalog, site: Site, keyed: _Keyed, base: str,
                    logos: dict[str, bytes]) -> None:
    """Write the site-wide files made from the catalogue alone: the llms lists by keys of their own (not even
    computed when their inputs are unchanged), the rest computed and, when their bytes are unchanged, kept
    from the previous build. The JSON API's files follow the pages (render_site)."""
    renderer = Renderer(config.templates_dir, config.root)
    keyed.put("404.html", renderer.render("404.html", "404", site=site, page=not_found_page()))
    for path, data in _assets(config):
        keyed.put(path, data)
        if path == "assets/favicon.ico":  # browsers ask for /favicon.ico on pages without a <link rel=icon>
            keyed.put("favicon.ico", data)
    for path, data in logos.items():
        keyed.put(path, data)
    root = sitewide.root_llms(config, catalog)
    keyed.write_llms("llms.txt", root)
    keyed.write_llms(".well-known/llms.txt", root)
    date = catalog.data_updated.isoformat()
    for entry in catalog.providers.values():
        models = catalog.models_of(entry.data.id)
        if not models:
            continue
        path = sitewide.provider_list_path(entry.slug)
        shown = [entry.listed] + [m.listed for m in models]  # the list shows these files' facts, and the data date
        if not keyed.reuse(path, pages.hash_of(base, "llms-list", date, shown)):
            keyed.write_llms(path, sitewide.provider_llms(config, catalog, entry))
    for path, text in sitewide.sitemap_files(config, catalog):
        keyed.put(path, text)
    keyed.put("robots.txt", sitewide.robots(config))
    keyed.put("search-index.json", sitewide.search_index(catalog))
    keyed.put("feed.xml", sitewide.feed(config, catalog, site))
    keyed.put("_headers", hostconfig.headers(config, catalog))
    keyed.put("nginx-site-gen.conf", hostconfig.nginx(config))


def _write_full(config: SiteConfig, catalog: Catalog, out: StagedOutput, keyed: _Keyed, counted: dict[str, int],
                page_keys: dict[str, str], base: str) -> None:
    """The llms-full files: the mirrors of the pages just rendered or kept, joined per provider (and for the
    whole site while it stays small), each by a key of its own."""
    full_paths, full_keys, full_bytes = [], [], 0
    segments = keyed.rendered.full_segments
    for entry in catalog.providers.values():
        if not catalog.models_of(entry.data.id):
            continue
        path = sitewide.provider_full_path(entry.slug)
        key = pages.hash_of(base, "llms-full", [page_keys[p] for p in sitewide.full_pages(catalog, entry)])
        kept = _KeptSegments(catalog, keyed.previous, path, page_keys)
        if keyed.reuse(path, key):  # each mirror is a pure function of its page's key
            if kept.segments:
                segments[path] = [[name, start, end] for name, (start, end) in kept.segments.items()]
        else:
            joined = sitewide.Joined()
            size = keyed.put_parts(path, (part.encode("utf-8") for part in
                                          sitewide.provider_full(catalog, entry, out.read, counted, kept, joined)))
            keyed.llms(path, size, joined.count)
            segments[path] = joined.segments
        full_paths.append(path)
        full_keys.append(key)
        full_bytes += keyed.report[-1][1]
    small = full_bytes <= config.llms_full_max_bytes and full_paths  # the site-wide one only while it stays small
    if small and not keyed.reuse("llms-full.txt", pages.hash_of(base, "llms-full-all", full_keys)):
        size = keyed.put_parts("llms-full.txt", (out.read_bytes(p) for p in full_paths))
        keyed.llms("llms-full.txt", size, sum(keyed.rendered.llms_pieces[p] for p in full_paths))


_MIRROR = llms.full_separator("\0").split("\0")[0]  # what every separator starts with: "\n<!-- mirror: "


class _KeptSegments:
    """The segments of a provider's llms-full file that an edit left unchanged, taken from the previous build's
    file instead of reading each mirror again (a price edit rewrites the full files of the dozen providers whose
    pages show the model: 6,000 mirrors at 10,000 models).

    A page's segment is kept when its key is the previous build's (its mirror is then the same bytes), the
    previous file is as that build wrote it (size and mtime), and the place the manifest names is exactly that
    page's segment (``__call__``); any doubt, and the mirror is read."""

    def __init__(self, catalog: Catalog, previous: dict[str, Any], path: str, page_keys: dict[str, str]):
        self.catalog, self.previous, self.path, self.page_keys = catalog, previous, path, page_keys
        self.segments: dict[str, tuple[int, int]] = {}
        self._text: str | None = None
        found = previous.get("full_segments")
        rows = found.get(path) if isinstance(found, dict) else None
        if isinstance(rows, list):
            for row in rows:
                if isinstance(row, list) and len(row) == 3 and isinstance(row[0], str) \
                        and type(row[1]) is int and type(row[2]) is int and 0 <= row[1] <= row[2]:
                    self.segments[row[0]] = (row[1], row[2])

    def __call__(self, page: str, separator: str) -> str | None:
        place = self.segments.get(page)
        records = self.previous.get("pages")
        record = records.get(self.catalog.urls[page].html_file) if isinstance(records, dict) else None
        if place is None or not isinstance(record, dict) or record.get("key") != self.page_keys[page]:
            return None
        text = self._previous_text()
        if text is None:
            return None
        start, end = place
        part = text[start:end]
        # Exactly one segment, this page's: its separator first, no other one inside, and one (or the end) next.
        if part.startswith(separator) and part.endswith("\n") and part.find(_MIRROR, len(separator)) < 0 \
                and (end == len(text) or text.startswith(_MIRROR, end)):
            return part
        return None

    def _previous_text(self) -> str | None:
        if self._text is None:
            self._text = ""
            folder, record = self.previous.get("dir"), self.previous.get("files", {}).get(self.path)
            try:
                with open(f"{folder}/{self.path}", "rb") as handle:
                    st = os.fstat(handle.fileno())
                    if folder and isinstance(record, list) and record == [st.st_size, st.st_mtime_ns]:
                        self._text = handle.read().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                pass
        return self._text or None


def _logos(config: SiteConfig, catalog: Catalog) -> dict[str, bytes]:
    """Each provider's logo by its site path (read once: its bytes key the site-wide files and are written)."""
    return {logo_path(e.data).lstrip("/"): _logo(config, e.path, e.data.logo) for e in catalog.providers.values()
            if isinstance(e.data, Provider) and e.data.logo}


def _logo(config: SiteConfig, source_file: str, name: str) -> bytes:
    path = config.content_dir / "providers" / name
    real = path.resolve()
    inside = config.content_dir.resolve() in real.parents
    what = not_regular(real) if inside else ""
    if what:
        raise SiteGenError(Diagnostic(source_file, field="logo",
                                      message=f"not a regular file: content/providers/{name} is {what}",
                                      hint="put the logo's image file there"))
    if not inside or not real.is_file():
        raise SiteGenError(Diagnostic(source_file, field="logo",
                                      message=f"logo file not found: content/providers/{name}",
                                      hint="put the logo beside the provider file"))
    return real.read_bytes()


def _assets(config: SiteConfig) -> list[tuple[str, bytes]]:
    """Theme assets: the site's own templates/assets/ files win over the default theme's, file by file."""
    found: dict[str, bytes] = {}
    for base in (DEFAULT_THEME, config.templates_dir):
        folder = base / "assets"
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                name = "assets/" + path.relative_to(folder).as_posix()
                if path.is_dir() and name not in found:
                    continue  # a folder of assets (one named like a file of the theme's is passed over, below)
                what = "a directory" if path.is_dir() else not_regular(path, links=True)
                if what:  # a named pipe would block the build; passed over, the theme's file would be published
                    raise SiteGenError(Diagnostic(_path_in(str(path), config.root) or str(path),
                                                  message=f"theme asset is not a regular file: {what}",
                                                  hint="replace it with the file, or remove it"))
                found[name] = path.read_bytes()
    if "assets/style.css" not in found:
        raise SiteGenError(Diagnostic("templates/assets/style.css", message="theme asset not found"))
    return sorted(found.items())


def build(config: SiteConfig, output: Path | None = None, **options: Any) -> BuildResult:
    """Validate everything, render every output, check every link, then publish atomically (see _build), with
    the cyclic garbage collector paused (site_gen.collector says why). A caller that lives on after many builds
    collects the few objects each leaves in cycles itself (``gc.collect()``), as the dev server does.

    A build that writes holds its output folder's build lock (site_gen.cache.build_lock), waiting for another
    build of the same folder to end first; ``lock=False`` for a folder no other process builds."""
    locked = options.pop("lock", True) and options.get("write", True)  # lock=False: a folder no one else builds
    lock = cache.build_lock(config, output or config.output_dir) if locked else nullcontext()
    try:
        with lock, collector_paused():
            return _build(config, output, **options)
    finally:
        if options.get("progress"):  # the phase shown last, even when a problem stopped the build
            show_phase("")


def _build(config: SiteConfig, output: Path | None = None, *, write: bool = True, strict: bool = False,
           environ: dict[str, str] | None = None, shown_output: str | None = None, jobs: int | None = None,
           incremental: bool = True, progress: bool = False, probe: cache.Probe | None = None,
           shard: tuple[int, int] | None = None, merge: list[Path] | None = None,
           seed: Path | None = None) -> BuildResult:
    """Validate everything, render every output, check every link, then publish atomically.

    With ``strict``, warnings fail the build like errors (nothing is written).
    ``write=False`` (site-gen check) renders into a temporary folder that is thrown away.
    ``seed``: another build folder, for a build into a folder without a manifest of its own (site-gen serve
    builds each generation into a new one): its unchanged pages and site-wide files are hard-linked from there
    (copied across file systems), checked as a previous build of ``output`` would be.
    """
    clock = _Clock(shown=progress)
    markdown.use_engine(config.markdown_engine)  # before any worker forks
    render.use_bytecode_cache(config.root / ".site-gen-cache" / "templates" if write else None)
    stamp_text = stamp(build_time(environ))
    output = output or config.output_dir
    if write:
        writer.recover(output)  # before the previous build is looked at (the CLI has done it already)
        cache_folder(config)
    if probe is None or probe.output != output or probe.shard != shard:
        probe = cache.probe(config, output, shard) if write and incremental and not merge else None
    now = probe.clock if probe else cache.clock(config) if write else None
    signature = probe.signature if probe else cache.signature(config, now)
    workers = jobs or usable_cpus()
    parse_cache = config.root / ".site-gen-cache" / "content.pickle" if write else None
    protected = {"the project folder": config.root, "the content folder": config.content_dir,
                 "the templates folder": config.templates_dir}
    with contextlib.ExitStack() as stack:
        # An edit build links the previous build's pages into its staging folder on the idle core while the
        # content loads (site_gen.prelink): only when they can be reused, that is when the code, templates and
        # config are those of the previous build, and more than one process is allowed.
        staged: StagedOutput | None = None
        previous: dict[str, Any] | None = None
        prelink: Prelink | None = None
        base_key = None
        if write and incremental and workers > 1 and probe and probe.manifest and not (shard or merge):
            base_key = cache.base_key(config)
            if probe.manifest.get("base_key") == base_key:
                check_output_dir(output, protected, shown_output)
                previous = _with_pages(config, output, probe.manifest)
                staged = stack.enter_context(StagedOutput(output))
                prelink = stack.enter_context(closing(Prelink(Path(previous["dir"]), staged.staging, previous,
                                                              pages.LISTED_APART)))
        content = load_content(config.content_dir, config.root, workers, parse_cache, use_cache=incremental,
                               now=now, progress=progress)
        release_freed_memory()  # before any process forks from this one
        clock.lap("load content", "checking the catalogue")
        catalog = build_catalog(config, content)
        catalog.serving("")  # the indexes of the models each provider serves and lists: made once, before any fork
        catalog.models_of("")
        site = site_of(config, catalog, stamp_text)
        listings = None
        if prelink is not None and previous is not None and staged is not None and base_key:
            # The index, if it must be rendered again, on the idle core while the rest of the keys are made.
            listings = pages.start_listings(config, catalog, site, staged.staging, page_base(base_key, site),
                                            previous)
            if listings is not None:
                stack.callback(listings.close)
        kept = config.root / ".site-gen-cache" if write and not shard else None  # tables kept for the next build
        similar_file, api_file = (kept / "similar.pickle", kept / "api-listing.pickle") if kept else (None, None)
        before = similar.load(similar_file) if similar_file and incremental else None
        table = catalog.compute_similar(before)  # computed once here, before workers fork, as is
        clock.lap("catalogue checks", "computing the pages' keys")
        # With ``strict`` the catalogue's warnings fail the build once the pages are checked too, so that one run
        # reports every problem: the links' errors and warnings are only known then.
        count = len(catalog.models) + len(catalog.providers) + len(catalog.pages) + 1  # and the home page
        warnings = sorted(catalog.warnings + check_overrides(config.templates_dir, config.root))
        result = BuildResult(pages=count, warnings=warnings, generated_at=stamp_text, content=content,
                             catalog=catalog, timings=clock.laps)
        if not write:
            with tempfile.TemporaryDirectory(prefix="site-gen-check-") as tmp, \
                    StagedOutput(Path(tmp) / "out") as checked:
                _render_and_check(config, catalog, site, checked, result, strict, None, workers, sweep=True,
                                  progress=progress, clock=clock)
            return result
        check_output_dir(output, protected, shown_output)
        if staged is None:
            previous = _with_pages(config, output, probe.manifest) if probe and incremental else None
            if previous is None and seed is not None and incremental and not (merge or shard) and seed.is_dir():
                previous = _with_pages(config, seed, cache.load(config, seed))
            if merge:
                previous = cache.load_shards(merge)
            staged = stack.enter_context(StagedOutput(output))
        api_kept = api.Kept(api_file, kept) if api_file and incremental else None
        rendered = _render_and_check(config, catalog, site, staged, result, strict, previous, workers, sweep=False,
                                     progress=progress, clock=clock, shard=shard, api_kept=api_kept,
                                     prelink=prelink, base_key=base_key, listings=listings)
        clock.lap("link checks", "publishing")
        if shard:
            cache.save_shard(staged.staging, shard, [_page_record(done, True) for done in rendered.pages])
        staged.commit()
    # A shard keeps a manifest of its own folder too: run again on the same machine (or with its folder and
    # .site-gen-cache/ restored by a CI cache), it renders only the pages of its slice that changed.
    try:
        _save_manifest(config, output, rendered, result, signature, staged.linked, shard)
        if similar_file and (before is None or before.points != table.points):
            similar.save(similar_file, table)
        if api_file:
            rendered.summaries.save(api_file)
    except OutputError as exc:  # the site is published: the next build just cannot reuse this one's work
        cache.forget(config, output)
        result.warnings = result.warnings + [replace(d, severity="warning", hint=d.hint + "; the site was "
                                                     "published, and the next build will render every page")
                                             for d in exc.diagnostics]
    staged.wait()  # the previous tree, removed meanwhile by another process
    if shard:
        return result
    clock.lap("publish and cache")
    return result


def site_of(config: SiteConfig, catalog: Catalog, stamp_text: str) -> Site:
    """What every page shows of the site: the config's, the build stamp, and the about page's link (from content)."""
    about = next((catalog.urls[e.path].href for e in catalog.pages if e.data.id == "about"), None)
    return site_context(config, stamp_text, about)


def _with_pages(config: SiteConfig, folder: Path, manifest: dict[str, Any] | None) -> dict[str, Any] | None:
    """A previous build's manifest with its page records, and the folder its files are linked from."""
    if manifest is not None:
        manifest["dir"] = str(folder.resolve())
        manifest["pages"] = cache.load_pages(config, folder, manifest)
    return manifest


def cache_folder(config: SiteConfig) -> Path:
    """The build cache's folder, made before any work: a build that could not keep its cache would fail only
    after it had published (or, being unable to, rebuild everything every time without a word)."""
    folder = config.root / ".site-gen-cache"
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        cause, hint = os_cause(exc, config.root)
        raise OutputError(Diagnostic(".site-gen-cache", message=f"cannot create the build cache folder: {cause}",
                                     hint=f"{hint}; the cache is safe to delete at any time")) from None
    return folder


class _Clock:
    """Each phase's time, for --verbose; with ``shown``, the phase under way as a line of its own on the terminal
    (stderr), replaced by the next and cleared at the end, between the progress bars of loading and pages."""

    def __init__(self, shown: bool = False) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()
        self.shown = shown

    def lap(self, name: str, then: str = "") -> float:
        """End the phase ``name``; ``then``: what comes next, shown until the next lap."""
        now = time.perf_counter()
        seconds = now - self._last
        self.laps[name] = self.laps.get(name, 0.0) + seconds
        self._last = now
        if self.shown:
            show_phase(f"{then}..." if then else "")
        return seconds


_SHOWN = {"width": 0}


def show_phase(text: str) -> None:
    """Replace the phase line on the terminal (stderr) with ``text``; "" clears it. Spaces and carriage returns
    only, as tqdm's bars use, so that any terminal shows it."""
    text = text[:max(_columns() - 1, 0)]  # one line, even on a narrow terminal: a wrapped one is not replaced
    sys.stderr.write("\r" + text.ljust(_SHOWN["width"]) + ("" if text else "\r"))
    sys.stderr.flush()
    _SHOWN["width"] = len(text)


def _columns() -> int:
    """The terminal's width (stderr's), or 80 when it has none."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _save_manifest(config: SiteConfig, output: Path, rendered: Rendered, result: BuildResult,
                   signature: str, linked: dict[str, list[int]], shard: tuple[int, int] | None = None) -> None:
    files = cache.FileStats(result.files + ([cache.SHARD_FILE] if shard else []))  # a shard's record file counts
    for done in rendered.pages:  # hard-linked from the previous build: the same inode, as recorded then
        if done.stats:
            for name, (size, mtime) in zip(done.files, done.stats, strict=True):
                files.set(name, size, mtime)
    for name, (size, mtime) in linked.items():
        files.set(name, size, mtime)
    files.stat(str(output))
    page_records = ((done.files[0], _page_record(done, False)) for done in rendered.pages)  # made as written
    cache.save(config, output, {"signature": signature, "shard": list(shard) if shard else None,
                                "pages": page_records, "files": files,
                                "sitewide_key": rendered.sitewide_key, "sitewide": rendered.sitewide_files,
                                "llms_report": rendered.llms_report,
                                # shown again by a build that finds nothing changed, as this build showed them
                                "warnings": [warning.format() for warning in result.warnings],
                                "sitewide_keys": rendered.sitewide_keys, "llms_pieces": rendered.llms_pieces,
                                "base_key": rendered.base_key, "full_segments": rendered.full_segments})


def _page_record(done: pages.Done, by_hash: bool) -> dict[str, Any]:
    """What a later build needs to reuse a page: its key, files, ids, links; with ``by_hash`` (a shard's record
    file), its files' hashes. Its files' sizes and mtimes are the manifest's (``files``), not kept twice."""
    record = {"key": done.key, "files": list(done.files), "ids": done.ids, "gzipped": done.gzipped,
              "pieces": done.pieces, "links": [list(link) for link in done.links]}
    if done.hashes or by_hash:  # a shard's page, in its own manifest too: reused there by content
        record["hashes"] = list(done.hashes)
    return record


def _path_in(filename: object, folder: Path) -> str:
    """``filename`` as a path inside ``folder`` (the staging folder, as the output folder will hold it), or ""."""
    if not isinstance(filename, str | bytes | os.PathLike):
        return ""
    try:
        return Path(os.fsdecode(filename)).relative_to(folder).as_posix()
    except ValueError:
        return ""


def _render_and_check(config: SiteConfig, catalog: Catalog, site: Site, out: StagedOutput, result: BuildResult,
                      strict: bool, previous: dict[str, Any] | None, workers: int, sweep: bool,
                      progress: bool = False, clock: _Clock | None = None,
                      shard: tuple[int, int] | None = None, api_kept: api.Kept | None = None,
                      prelink: Prelink | None = None, base_key: str | None = None,
                      listings: pages.Listings | None = None) -> Rendered:
    """Render into ``out``, then check every link; any error aborts before anything is published.

    A shard's links are checked by the merge, which has every page.
    """
    try:
        rendered = render_site(config, catalog, site, out, previous, workers, progress, clock, shard, api_kept,
                               prelink, base_key, listings)
    except OSError as exc:  # the staging folder goes with the failed build: what was published stays
        cause, hint = os_cause(exc, out.output.parent)
        file = _path_in(exc.filename, out.staging)
        raise OutputError(Diagnostic(str(out.output), field="output_dir",
                                     message=f"cannot write {file or 'the new site'}: {cause}",
                                     hint=f"{hint}; nothing was published")) from None
    targets = links.Targets(config, out.files, rendered.ids)
    errors, warnings = links.check_bodies(catalog, targets, rendered.links) if not shard else ([], [])
    if sweep:
        errors += links.check_outputs(targets, out.read)
    result.warnings = sorted(result.warnings + warnings)
    if errors or (strict and result.warnings):
        raise ContentError(sorted(errors + (result.warnings if strict else [])))
    result.llms_files = rendered.llms_report
    result.files, result.bytes_written = out.files, out.bytes_written
    result.rendered = sum(1 for d in rendered.pages if d.rendered)
    result.skipped = sum(1 for d in rendered.pages if not d.rendered)
    if shard:  # no stylesheet or script in a shard: the merge reports the page weight
        return rendered
    assets = sum(pages.transfer_size((out.staging / a).read_bytes())
                 for a in ("assets/style.css", "assets/site.js") if (out.staging / a).is_file())
    weights = sorted((d.gzipped + assets, d.files[0]) for d in rendered.pages if d.files[0].startswith(
        config.routes.model.lstrip("/").split("{", 1)[0] or "model"))
    if weights:
        result.page_weight = {"median": weights[len(weights) // 2][0], "max": weights[-1][0],
                              "heaviest": weights[-1][1]}
    return rendered
