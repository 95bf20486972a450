"""Render every page (HTML + mirror) on all cores, skipping pages whose inputs did not change.

Rendering a page is a pure function of its page context and the templates,
so pages can be rendered in any order, by any worker, and skipped when
nothing they show changed.  Each page has a key: a hash of the templates,
the config, the code, the about page's link (in every footer), and the bytes
of every content file the page shows (its own, its provider's, the providers
it lists, its similar models and their providers, the models a provider page
lists; for the index, every file).  A page whose key matches the previous
build's, and whose previous output files are untouched, is hard-linked from
the previous build into the new staging folder: not rendered, not rewritten
(tests/test_incremental.py compares rebuilds after each kind of edit with
clean builds).

Workers are forked after the catalogue is loaded, so each inherits it (and
compiles the templates once), and the building process renders beside them
(site_gen.workers.share); they write their pages straight into the staging
folder and send back only file names, ids and keys.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import marshal
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from . import api, links, markdown, tokens
from .catalog import Catalog, facts
from .collector import release_freed_memory
from .config import SiteConfig
from .content import ROW_HASH
from .prelink import Prelink
from .progress import bar as progress_bar
from .render import Renderer
from .schema import forget_shared
from .spill import Spilled, SpillFile
from .view import Site, index_page, model_page, provider_page, static_page
from .workers import Background, share
from .writer import create_file, link_or_copy


@dataclass(frozen=True, slots=True)
class Job:
    """A page to render, with its key; one per page, held by every process until the pages are rendered."""

    kind: str
    path: str
    """The entry's path, or 'index'."""
    key: str


@dataclass(frozen=True, slots=True)
class Done:
    """What rendering (or keeping) one page found, sent back to the building process, which holds every page's
    until the manifest is written: slotted, with no dict of its own (224 bytes less a page)."""

    files: tuple[str, ...]
    key: str
    ids: tuple[str, ...]
    rendered: bool
    sizes: tuple[int, ...]
    gzipped: int = 0
    """Bytes of a model's HTML page after gzip: what a reader transfers (before CSS and JS); 0 for other pages."""
    links: tuple[tuple[int, str], ...] = ()
    """(line within the body, href) of every link in the page's markdown body, for the link checks."""
    pieces: int = 0
    """Token pieces of the mirror (tokens.pieces), for the llms-full files' size report."""
    hashes: tuple[str, ...] = ()
    """Hashes of the files' bytes, for a shard: its files travel between machines, where mtimes do not hold."""
    stats: tuple[tuple[int, int], ...] = ()
    """(size, mtime) of each file when it was hard-linked from the previous build: a link shares its inode,
    so the manifest need not stat it again."""
    summary: str | Spilled = ""
    """A model's entry in the API listing (site_gen.api.summary), made with its page from the data restored
    for it: "" for other pages and pages kept. Spooled to a file (its UTF-8 bytes) by the building process as
    pages come back from the workers (``_spooled``), and read when the listing is written."""


def hash_of(*parts: Iterable[str] | str) -> str:
    """A key made of strings and lists of strings (content digests, other keys)."""
    flat: list[str] = []
    for part in parts:
        if isinstance(part, str):
            flat.append(part)
        else:
            flat.extend(part)
    return hashlib.blake2b("\0".join(flat).encode("utf-8"), digest_size=16).hexdigest()


def jobs(catalog: Catalog, base_key: str) -> list[Job]:
    """One job per page, keyed by everything it shows."""
    out = provider_jobs(catalog, base_key)
    # Read once, in catalogue order: each model's key names other models' files, and looking them up through
    # their entries, scattered over the heap, cost more than the hashing.
    listed = {e.path: e.listed for e in catalog.models}
    provider = {e.path: facts(e).provider for e in catalog.models}
    provider_listed = {p: e.listed for p, e in catalog.providers.items()}
    similar_of = catalog.similar
    for entry in catalog.models:
        similar = similar_of.get(entry.path, ())
        # The providers it names: its own, those serving it, and those of its similar models (their rows show
        # the provider's name).
        shown = set(facts(entry).serving)
        shown.add(provider[entry.path])
        shown.update(provider[path] for path in similar)
        deps = [provider_listed[p] for p in sorted(shown) if p in provider_listed]
        deps += [listed[path] for path in similar]
        out.append(Job("model", entry.path, hash_of(base_key, "model", entry.digest, deps)))
    for entry in catalog.pages:
        out.append(Job("page", entry.path, hash_of(base_key, "page", entry.digest)))
    out.append(index_job(catalog, base_key))
    return out


def provider_jobs(catalog: Catalog, base_key: str) -> list[Job]:
    """The providers' pages: each shows its own file, and the front matter of the models it lists and serves.

    A page's own file counts whole (its body is on it); another file it shows counts by its front matter
    alone (Entry.listed): no page shows another file's prose."""
    out = []
    served = _served_rows(catalog)
    for entry in catalog.providers.values():
        provider = entry.data.id
        own = [m.listed for m in catalog.models_of(provider)]
        out.append(Job("provider", entry.path, hash_of(base_key, "provider", entry.digest, own,
                                                       served.get(provider, []))))
    return out


def _served_rows(catalog: Catalog) -> dict[str, list[str]]:
    """What each provider's page shows of the models it serves, in catalogue order: each one's name and route,
    and its rows for that provider (Facts.served). Not the rest of their front matter: an edit of a model's own
    prices leaves the pages of the providers serving it as they are."""
    out: dict[str, list[str]] = {}
    for entry in catalog.models:
        known = facts(entry)
        rows: dict[str, list[str]] = {}
        for i, name in enumerate(known.serving):
            rows.setdefault(name, [entry.slug, known.title]).append(known.served[i * ROW_HASH:(i + 1) * ROW_HASH].hex())
        for name, shown in rows.items():
            out.setdefault(name, []).append("\0".join(shown))
    return out


def index_job(catalog: Catalog, base_key: str) -> Job:
    """The index lists every model and provider, and shows the catalogue's data date: the newest of every file,
    static pages included."""
    everything = [e.listed for e in [*catalog.models, *catalog.providers.values(), *catalog.pages]]
    return Job("index", "index", hash_of(base_key, "index", everything))


def start_listings(config: SiteConfig, catalog: Catalog, site: Site, staging: Path, base_key: str,
                   previous: dict[str, Any]) -> Listings | None:
    """Render the index page, when an edit build needs it, in a forked child while this process makes the other
    pages' keys: started as soon as the catalogue is checked, on the core that is idle until the pages are
    rendered. It is the longest job (a row per model: 0.7 s at 10,000 models), and the one page every edit of
    a model's facts changes. The providers' pages, the next longest, are left to the workers: one child
    rendering them all after the index ended later than the workers sharing them (measured at 10,000 models).
    The child linking the previous pages early leaves the index alone (``LISTED_APART``, given to
    site_gen.prelink.Prelink), so nothing waits for that child here. render_pages collects the page
    (``Background.result``) and renders only the others; an index whose key has not changed it links with the
    pages not linked early."""
    if not hasattr(os, "fork"):  # no child to render it (Windows): it is rendered with the rest
        return None
    records = previous.get("pages")
    job = index_job(catalog, base_key)
    record = records.get(INDEX_FILES.html_file) if isinstance(records, dict) else None
    if isinstance(record, dict) and record.get("key") == job.key \
            and record.get("files") == [INDEX_FILES.html_file, INDEX_FILES.markdown_file]:
        return None  # unchanged: taken with the others

    def render(page: Job) -> Done:  # in the child, whose _STATE render_pages has not set
        if not _STATE:
            _STATE.update(config=config, catalog=catalog, site=site, staging=staging, keep_hashes=False)
        return _render_one(page)

    return Listings([job], Background(render, [job]))


@dataclass
class Listings:
    """Listing pages being rendered by a forked child (start_listings)."""

    jobs: list[Job]
    child: Background

    def close(self) -> None:
        self.child.close()


def content_key(base_key: str, catalog: Catalog) -> str:
    """Key of the site-wide files of the catalogue (sitemap, feed, search index, JSON listing, llms lists): they
    show every file's front matter and no body (Entry.listed), so an edit of a body leaves them as they are. The
    llms-full files, which hold the bodies, have keys of their own (made of their pages' keys)."""
    return hash_of(base_key, "site", [e.listed for e in catalog.by_path.values()])


_STATE: dict[str, Any] = {}
INDEX_FILES = SimpleNamespace(html_file="index.html", markdown_file="llms/index.md")
LISTED_APART = frozenset({INDEX_FILES.html_file})
"""The pages start_listings renders on a child of its own, which the child linking pages early leaves alone."""


def _render_one(job: Job) -> Done:
    state = _STATE
    config, catalog, site, staging = state["config"], state["catalog"], state["site"], state["staging"]
    files = _files(job)
    if job.kind == "index":
        page = index_page(config, catalog)
    else:
        entry = catalog.by_path[job.path]
        page = {"model": model_page, "provider": provider_page, "page": static_page}[job.kind](config, catalog, entry)
    renderer = state.get("renderer")
    if renderer is None:
        renderer = state["renderer"] = Renderer(config.templates_dir, config.root)
    if not staging.is_dir():  # the build was stopped and its staging folder removed: never recreate it
        raise RuntimeError(f"staging folder {staging} is gone")
    keep_hashes = bool(state.get("keep_hashes"))
    sizes, hashes, encoded = [], [], []
    streamed = job.kind in STREAMED
    if streamed:  # a listing's HTML and mirror go to their files as they are made
        size, ids, digest = _write_streamed(f"{staging}/{files[0]}", renderer.stream(
            f"{page.kind}.html", page.source_file, STREAM_CHUNK, site=site, page=page), keep_hashes)
        sizes.append(size)
        hashes += [digest] if keep_hashes else []
        size, pieces, digest = _write_mirror(f"{staging}/{files[1]}", markdown.tidy_stream(renderer.stream(
            f"{page.kind}.md", page.source_file, STREAM_CHUNK, site=site, page=page), STREAM_CHUNK), keep_hashes)
        sizes.append(size)
        hashes += [digest] if keep_hashes else []
        outputs = []
    else:
        html = renderer.render(f"{page.kind}.html", page.source_file, site=site, page=page)
        ids = links.ids_of(html)
        mirror = renderer.render(f"{page.kind}.md", page.source_file, site=site, page=page)
        pieces = tokens.pieces(mirror)
        outputs = [html, mirror]
    summary = ""
    if job.kind == "model":
        entry = catalog.by_path[job.path]
        outputs.append(api.model_file(config, entry)[1])
        summary = api.summary(config, catalog, entry)
        entry.drop_data()  # read again if anything else needs it: no process holds every model's data
    for name, text in zip(files[2:] if streamed else files, outputs, strict=True):
        target = f"{staging}/{name}"
        _make_parent(target)
        data = text.encode("utf-8")
        create_file(target, data)
        sizes.append(len(data))
        encoded.append(data)
        if keep_hashes:
            hashes.append(file_hash(data))
    # The page-weight report is about model pages: the listings (the home page is megabytes at 10,000 models,
    # and the longest job of an edit) are not compressed for it.
    gzipped = transfer_size(encoded[0]) if job.kind == "model" else 0
    return Done(files, job.key, shared_ids(tuple(sorted(ids))), True, tuple(sizes), gzipped,
                page.body.links, pieces, tuple(hashes), summary=summary)


STREAMED = ("index", "provider")
"""The kinds of page whose HTML and mirror are written as they are rendered: the listings, which grow with the
catalogue (the home page is 4.5 MB at 10,000 models and its mirror 1.3 MB, a provider's page ~600 KB)."""
STREAM_CHUNK = 256 * 1024
"""Characters of a streamed page gathered before they are written (Renderer.stream gathers them)."""


def _write_streamed(target: str, chunks: Iterator[str], hashed: bool) -> tuple[int, set[str], str]:
    """Write the chunks of an HTML page (Renderer.stream gathers them) to a new file ``target`` as they come;
    return its size in bytes, its element ids (what links.ids_of finds in the whole page) and, if ``hashed``, its
    file_hash.

    A chunk is written up to its last newline, so that the whitespace before an ``id="`` stays with what follows,
    and never up to inside an ``id="...`` whose closing quote has not come: no id is split between two writes."""
    ids: set[str] = set()

    def cut() -> Iterator[str]:
        carry = ""
        for chunk in chunks:
            text = carry + chunk
            at = _safe_cut(text)
            carry = text[at:]
            if at:
                yield text[:at]
        yield carry

    size, digest = _write_chunks(target, cut(), hashed, lambda text: ids.update(links.ids_of(text)))
    return size, ids, digest


def _write_mirror(target: str, chunks: Iterator[str], hashed: bool) -> tuple[int, int, str]:
    """Write a mirror to a new file ``target`` a chunk of whole lines at a time (markdown.tidy_stream); return its
    size in bytes, its token pieces (tokens.pieces: no piece spans a line, so the chunks' counts add up) and, if
    ``hashed``, its file_hash."""
    count = 0

    def counted(text: str) -> None:
        nonlocal count
        count += tokens.pieces(text)

    size, digest = _write_chunks(target, chunks, hashed, counted)
    return size, count, digest


def _write_chunks(target: str, chunks: Iterator[str], hashed: bool, seen: Callable[[str], None]) -> tuple[int, str]:
    """Write ``chunks`` of text to a new file ``target`` as they come, each passed to ``seen`` first; return its
    size in bytes and, if ``hashed``, its file_hash."""
    _make_parent(target)
    digest = hashlib.blake2b(digest_size=16) if hashed else None
    size = 0
    with open(target, "xb") as handle:  # as create_file: never into a file already there
        for text in chunks:
            seen(text)
            data = text.encode("utf-8")
            handle.write(data)
            size += len(data)
            if digest is not None:
                digest.update(data)
    return size, digest.hexdigest() if digest is not None else ""


def _safe_cut(text: str) -> int:
    """Where _write_streamed may end a write of ``text`` (0: hold it all): before a newline, and before any
    ``id="`` whose value has not ended there. ids_of scans a chunk as it would the whole page only if every
    candidate in it ends in it; a value may even hold another ``id=``, so the check goes back until none is open."""
    cut = max(text.rfind("\n"), 0)
    while cut:
        last = text.rfind('id="', 0, cut + 3)  # the last that starts before the cut, even if it ends after it
        if last == -1 or text.find('"', last + 4, cut) != -1:
            return cut
        cut = max(last - 1, 0)  # the character before it stays with it: ids_of looks for whitespace there
    return 0


def _files(job: Job) -> tuple[str, ...]:
    """The page's HTML and mirror; a model's JSON file too (a pure function of its entry)."""
    urls = INDEX_FILES if job.kind == "index" else _STATE["catalog"].urls[job.path]
    if job.kind == "model":
        return urls.html_file, urls.markdown_file, api.model_path(_STATE["catalog"].by_path[job.path])
    return urls.html_file, urls.markdown_file


def _reuse(record: dict[str, Any], files: tuple[str, ...], key: str, staging: Path, previous_dir: str,
           figures: Mapping[str, Any]) -> Done | None:
    """Hard-link the previous build's files of a page whose key matched (``record``, its page record) when they
    are the files it has now and untouched since: the size and mtime its manifest recorded (``figures``, by
    name)."""
    if record.get("files") != list(files):
        return None
    source_dir, target_dir = record.get("dir") or previous_dir, str(staging)
    hashes = record.get("hashes")
    stats: list[tuple[int, int]] = []
    for k, name in enumerate(files):
        source = f"{source_dir}/{name}"
        try:
            if hashes:  # a shard's file, perhaps copied between machines: trusted by content, not by mtime
                with open(source, "rb") as handle:
                    data = handle.read()
                if file_hash(data) != hashes[k]:
                    return None
                stats.append((len(data), 0))
                continue
            st = os.stat(source)
            size, mtime = figures[name]
        except (OSError, LookupError, TypeError, ValueError):
            return None
        if st.st_size != size or st.st_mtime_ns != mtime:
            return None  # edited or damaged since: never trusted
        stats.append((size, mtime))
    linked = True
    for k, name in enumerate(files):
        target = f"{target_dir}/{name}"
        _make_parent(target)
        try:
            linked = link_or_copy(f"{source_dir}/{name}", target) and linked
        except OSError:
            # The page is rendered instead, into these very names: a file linked here is the previous build's
            # (its inode), and writing into it would change a published page.
            for placed in files[:k + 1]:
                with contextlib.suppress(OSError):
                    os.unlink(f"{target_dir}/{placed}")
            return None
    return _kept(record, files, key, staging, stats, linked and not hashes, hashes)


def _kept(record: dict[str, Any], files: tuple[str, ...], key: str, staging: Path, stats: list[tuple[int, int]],
          linked: bool, hashes: Any = None) -> Done | None:
    """The Done of a page whose files are in the staging folder as the previous build wrote them (hard-linked
    when ``linked``: the same inodes, so the same stats), from its record; None, its files removed, when the
    record is damaged: the page is rendered again."""
    try:
        return Done(files, key, shared_ids(tuple(record["ids"])), False, tuple(size for size, _ in stats),
                    int(record["gzipped"]), tuple((int(line), str(href)) for line, href in record["links"]),
                    int(record["pieces"]),
                    hashes=tuple(str(h) for h in hashes) if hashes and _STATE.get("keep_hashes") else (),
                    stats=tuple(stats) if linked else ())
    except (KeyError, TypeError, ValueError):  # a damaged record: render the page again
        for name in files:
            (staging / name).unlink(missing_ok=True)
        return None


_ORDER = {"index": 0, "provider": 1}
_MADE: set[str] = set()
_IDS: dict[tuple[str, ...], tuple[str, ...]] = {}


def shared_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple (and one string per id) for every page with the same element ids, in this process.

    Pages of a kind have the same few ids: 10,000 models give 143,000 ids, 21 of them distinct. Each page's own
    copies held 10 MB until the manifest was written. A batch sent back by a worker is pickled in one piece, so
    its pages keep sharing them in the building process too.
    """
    return _IDS.setdefault(ids, ids)


def transfer_size(data: bytes) -> int:
    """Bytes of ``data`` after gzip at level 1, for the page-weight report (pages, stylesheet and script alike).

    Level 1 is nginx's default (gzip_comp_level 1), and so about the most a server that gzips sends. Level 6
    (zlib's default) gave sizes ~12% smaller on the benchmark's pages and took twice as long: 0.22 against
    0.11 ms a model page, measured apart from everything else."""
    return len(gzip.compress(data, 1, mtime=0))


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _make_parent(target: str) -> None:
    """Create the folder of ``target`` (once per process: thousands of pages share a few folders)."""
    folder = os.path.dirname(target)
    if folder not in _MADE:
        os.makedirs(folder, exist_ok=True)
        _MADE.add(folder)


RELEASE_AFTER = 256 * 1024
"""Bytes of output (a page's files together) after which the process rendering it hands its freed heap back."""


def _rendered(job: Job) -> Done:
    """``job`` rendered, and the memory it took handed back to the system when the page was a large one.

    A listing's rendering makes many short-lived objects (rows, the template's pieces of text, the joined page),
    and glibc keeps the heap they leave in the process. The worker renders the listings first: after the index
    and the providers' pages of a 10,000-model catalogue (4.5 MB and ~600 KB of HTML) it held ~15 MB more for the
    rest of the build, and ~145 MB at 100,000 models, where a provider's page lists 22,000 models. A trim took
    0.2-1.5 ms; model pages (20-40 KB) are below the threshold, and never pay for one."""
    done = _render_one(job)
    forget_shared()  # the page's data is dropped: its strings need not stay in the table
    if sum(done.sizes) >= RELEASE_AFTER:
        release_freed_memory()
    return done


def _spooled(spool: SpillFile, batch: list[Done]) -> list[Done]:
    """``batch`` with its API listing entries in ``spool``: a model's is ~750 bytes of JSON, held until the
    listing is written after the last page (7.5 MB at 10,000 models, 75 MB at 100,000); in their place, where
    each sits (~120 bytes)."""
    made = [k for k, done in enumerate(batch) if type(done.summary) is str and done.summary]
    if not made:
        return batch
    places = spool.append([batch[k].summary.encode("utf-8") for k in made])  # type: ignore[union-attr]
    batch = list(batch)
    for k, place in zip(made, places, strict=True):
        batch[k] = replace(batch[k], summary=place)
    return batch


class _Packed:
    """The rendered pages' records, held by the building process while the workers render: each batch packed
    (marshal) as it comes back, its pages' element ids as the number of their tuple, its API listing entries as
    where they sit in the spill file. A record's ~1 KB of objects (strings, tuples, integers) takes ~200 bytes so:
    at 10,000 models the building process grew ~10 MB while the pages were rendered, and the build's memory peaked
    at the end of that, both processes alive. The records are made again once the workers have ended."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, bytes, SpillFile | None]] = []
        self.ids: dict[tuple[str, ...], int] = {}

    def add(self, number: int, batch: list[Done]) -> None:
        spool, rows = None, []
        for done in batch:
            summary: Any = done.summary
            if type(summary) is Spilled:
                spool, summary = summary[0], (summary[1], summary[2])
            number_of_ids = self.ids.setdefault(done.ids, len(self.ids))
            rows.append((done.files, done.key, number_of_ids, done.rendered, done.sizes, done.gzipped, done.links,
                         done.pieces, done.hashes, done.stats, summary))
        self.batches.append((number, marshal.dumps(rows), spool))

    def unpacked(self) -> Iterator[tuple[int, list[Done]]]:
        """Each batch's number and records, as they were added; the packed form is let go of as it goes."""
        ids = [shared_ids(ids) for ids in self.ids]
        batches, self.batches = self.batches, []
        batches.reverse()
        while batches:
            number, blob, spool = batches.pop()
            batch = []
            for files, key, number_of_ids, rendered, sizes, gzipped, page_links, pieces, hashes, stats, summary \
                    in marshal.loads(blob):
                if type(summary) is tuple:
                    summary = Spilled((spool, *summary))
                batch.append(Done(files, key, ids[number_of_ids], rendered, sizes, gzipped, page_links, pieces,
                                  hashes, stats, summary))
            yield number, batch


def _prepared(config: SiteConfig) -> Renderer:
    """A renderer with every page's templates loaded (compiled, or read from the bytecode cache) and the markdown
    engine made, in the building process before its page worker forks: the worker then shares them instead of
    making its own, and each is made once (a cold 10,000-model build peaked at 98-99 MiB of PSS against 99-100,
    in 10 ms samples, four alternating builds each). A template that fails to load is left to the page that
    renders it, whose error names the template and the page."""
    renderer = Renderer(config.templates_dir, config.root)
    for name in ("model.html", "model.md", "provider.html", "provider.md", "page.html", "page.md", "index.html",
                 "index.md"):
        with contextlib.suppress(Exception):
            renderer.env.get_template(name)
    with contextlib.suppress(Exception):
        markdown.render_body("")
    return renderer


def _chunk(batch: list[Job]) -> list[Done]:
    return [_rendered(job) for job in batch]


def render_pages(config: SiteConfig, catalog: Catalog, site: Site, staging: Path, job_list: list[Job],
                 previous: dict[str, Any] | None, workers: int, progress: bool = False,
                 keep_hashes: bool = False, also: Callable[[], None] | None = None,
                 prelink: Prelink | None = None, listings: Listings | None = None) -> list[Done]:
    """Render (or reuse) every page; the result is in job order whatever the number of workers.

    ``also``: work of the building process's own that needs no page (the site-wide files computed from the
    catalogue alone); it runs while the workers render, after the unchanged pages are linked.
    ``prelink``: the previous build's pages already linked into the staging folder while the content loaded
    (site_gen.prelink); those whose keys no longer match are removed before anything is written.
    ``listings``: pages being rendered meanwhile by another child (start_listings), taken from it at the end."""
    _STATE.clear()
    _MADE.clear()
    _IDS.clear()
    _STATE.update(config=config, catalog=catalog, site=site, staging=staging, keep_hashes=keep_hashes)
    try:
        bar = progress_bar(progress, len(job_list), "pages", "page")
        done: list[Done | None] = [None] * len(job_list)
        records = previous.get("pages") if previous else None
        records = records if isinstance(records, dict) else {}
        previous_dir = str(previous.get("dir") or "") if previous else ""
        figures = previous.get("files") if previous else None
        figures = figures if isinstance(figures, Mapping) else {}
        todo: list[int] = []
        reusable: list[tuple[int, tuple[str, ...], dict[str, Any]]] = []
        late: list[int] = []
        early = prelink.result() if prelink else set()
        elsewhere = {job.path: job.key for job in listings.jobs} if listings else {}
        rendered_elsewhere: list[int] = []
        for i, job in enumerate(job_list):  # by key alone: whether its files are intact is checked as they are linked
            if job.path in elsewhere:
                if elsewhere[job.path] != job.key:
                    raise RuntimeError(f"{job.path}: rendered early under another key")
                rendered_elsewhere.append(i)
                continue
            files = _files(job)
            record = records.get(files[0])
            if isinstance(record, dict) and record.get("key") == job.key:
                reusable.append((i, files, record))
            else:
                todo.append(i)
        linked: dict[str, list[list[int]]] = {}
        if prelink:
            # A page linked early (its record checked by the child: files, and their figures in the manifest as
            # [size, mtime] integers) is taken as it is when its key matches and it has the same files; the files
            # of every other one go, before any page or site-wide file is written into the staging folder.
            linked = {files[0]: [figures[name] for name in files] for _, files, record in reusable
                      if files[0] in early and record["files"] == list(files)}
            prelink.clear([records[name]["files"] for name in early if name not in linked])

        def own_work() -> None:
            """This process's work besides rendering: link the pages whose keys match (a stat and a link per
            file, not worth a worker; a page whose files were damaged or edited since is rendered at the end),
            then ``also``."""
            for i, files, record in reusable:
                stats = linked.get(files[0])
                if stats is not None:
                    done[i] = _kept(record, files, job_list[i].key, staging, [(s, m) for s, m in stats], True)
                else:
                    done[i] = _reuse(record, files, job_list[i].key, staging, previous_dir, figures)
                if done[i] is None:
                    late.append(i)
                else:
                    bar.update()
            if also is not None:
                also()

        # Listing pages are the slowest on a large catalogue: on workers even when few, and first, the index (the
        # longest) before the providers, so that no worker is left with a long page at the end.
        todo.sort(key=lambda i: _ORDER.get(job_list[i].kind, 2))
        heavy = sum(1 for i in todo if job_list[i].kind in ("index", "provider"))
        if workers <= 1 or (len(todo) < 200 and not (heavy >= 2 and len(job_list) >= 2000)) \
                or "fork" not in multiprocessing.get_all_start_methods():
            own_work()
            for i in todo:
                done[i] = _rendered(job_list[i])
                bar.update()
        else:
            size = max(1, min(25, len(todo) // (workers * 8)))
            starts = range(0, len(todo), size)

            _STATE["renderer"] = _prepared(config)  # before the worker forks: it shares them
            spool = SpillFile.make(config.root / ".site-gen-cache")

            packed = _Packed()

            def finished(number: int, batch: list[Done]) -> None:
                nonlocal spool
                if spool is not None:
                    try:
                        batch = _spooled(spool, batch)
                    except OSError:  # a full disk: the rest stay in memory
                        spool = None
                packed.add(number, batch)
                bar.update(len(batch))

            # The workers start on the pages to render while this process does its own work, then joins them.
            share(_chunk, [[job_list[i] for i in todo[at:at + size]] for at in starts], workers, finished,
                  first=own_work)
            for number, batch in packed.unpacked():  # the workers have ended: their memory is back
                for k, result in enumerate(batch):
                    done[todo[starts[number] + k]] = result
        for i in late:
            done[i] = _render_one(job_list[i])
            bar.update()
        if listings:
            results = dict(zip([job.path for job in listings.jobs], listings.child.result(), strict=True))
            if len(rendered_elsewhere) != len(results):
                raise RuntimeError("pages rendered early that the build does not have")
            for i in rendered_elsewhere:
                done[i] = results[job_list[i].path]
                bar.update()
        bar.close()
        return [d for d in done if d is not None]
    finally:
        _STATE.clear()
