"""`site-gen serve`: build, serve, watch, rebuild, and reload open pages.

A change to one content file re-renders just the pages that show it (the
model, its provider pages) in well under a second and reloads the browser;
a full build then refreshes the site-wide outputs in the background and is
swapped in whole.  Each build goes into a new folder and takes every page
whose inputs did not change from the folder served (the first, from the
project's own build folder), as an incremental `site-gen build` does.
A change to templates/ or mkdocs.yml is a full build: it changes every page's key.

A broken edit never replaces the last good build: every open page shows an
overlay with the same `file:line:col` diagnostics the CLI prints, until the
file is fixed.  The reload script is added to HTML responses only.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: a folder left by a killed server stays until the build cache is removed
    fcntl = None  # type: ignore[assignment]

from . import build as build_module
from . import cache, view
from .catalog import Catalog, build_catalog, facts
from .collector import collector_paused
from .config import SiteConfig, load_config
from .content import Content, Entry, reload_entries
from .errors import ContentChanged, Diagnostic, SiteGenError
from .formats import stamp
from .render import Renderer
from .server import Server, Site, listen
from .server import serve as http_serve
from .urls import route_patterns
from .view import model_page, provider_page, static_page

SERVED = "*serve-*__gen-*"
"""The build cache's names for the manifests of served generations (site_gen.cache.cache_file): in
.site-gen-cache/serve-*/, and before 77a12da in /tmp/site-gen-serve-*/."""
EVENTS = "/__site_gen/events"
SCRIPT = "/__site_gen/reload.js"
RELOAD_JS = """(() => {
  let seen = null;
  const show = (problems) => {
    let box = document.getElementById("site-gen-overlay");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "site-gen-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:99999;background:rgba(20,0,0,.92);color:#fff;" +
        "font:14px/1.5 ui-monospace,monospace;padding:2rem;overflow:auto;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "site-gen: the last edit does not build; still serving the last good build.\\n\\n" +
      problems.join("\\n");
  };
  const source = new EventSource("/__site_gen/events");
  source.onmessage = (event) => {
    const state = JSON.parse(event.data);
    show(state.problems);
    if (seen !== null && state.version !== seen && !state.problems.length) location.reload();
    seen = state.version;
  };
})();
"""


class DevSite:
    """The served build, its in-memory catalogue, and the state pushed to browsers."""

    def __init__(self, config_path: Path, workdir: Path):
        self.config_path = config_path
        self.workdir = workdir
        self.generation = 0
        self.version = 0
        self.edits = 0
        """Bumped on every batch of file changes; a background build started before the last one is stale."""
        self.build_lock = threading.Lock()
        self.problems: list[str] = []
        self.changed = threading.Condition()
        self.lock = threading.Lock()
        self.config: SiteConfig = load_config(config_path, allow_local_url=True)
        self.catalog: Catalog | None = None
        self.content: Content | None = None
        self.site: Site | None = None
        self.quick_seconds: tuple[float, float] = (0.0, 0.0)
        """Of the last quick update: when the edited files' pages were served, and when all its pages were."""
        self.root = workdir / "empty"
        self.root.mkdir(parents=True, exist_ok=True)

    # -- state shared with the browsers ------------------------------------------------------------
    def state(self) -> str:
        return json.dumps({"version": self.version, "problems": self.problems})

    def publish(self, problems: list[Diagnostic] | None = None, reload: bool = True) -> None:
        """Push the state to the browsers; problems that differ from those shown go to the terminal (stderr) too,
        once: a broken edit is reported by its quick update, and its background build finds the same."""
        lines = [d.format() for d in problems or []]
        with self.changed:
            before, self.problems = self.problems, lines
            if reload and not problems:
                self.version += 1
            self.changed.notify_all()
        if lines and lines != before:
            count = len(lines)
            _say(sys.stderr, f"{_now()} {count} problem{'s' if count != 1 else ''}; still serving the last good "
                             "build:", *lines)
        elif before and not lines:
            self.report("the problems are fixed")

    @staticmethod
    def report(text: str, cause: str = "") -> None:
        """One line on the terminal (stdout) for each change served; ``cause``: what changed, said first."""
        _say(sys.stdout, f"{_now()} {cause + ': ' if cause else ''}{text}")

    # -- building ------------------------------------------------------------------------------------
    def full_build(self, reload: bool = True, background: bool = False, progress: bool = False,
                   cause: str = "") -> bool:
        """Build everything into a new folder and switch to it; False (and an overlay) on errors.

        A background build whose inputs were edited while it ran is thrown away: the newer edit
        has its own quick update and its own background build, and must not be overwritten.
        ``cause``: what changed, for the line on the terminal.

        The garbage in cycles is collected after each build. The build ran with the collector paused
        (site_gen.collector), and this process lives on: each edit's builds left ~1,000 such objects (more when
        a build fails, its traceback holding what it had loaded), which the collector, seldom making a full
        pass over a heap this large, left in place. That pass takes 0.27 s on the bundled catalogue, here, after
        the page is served, and never within a quick update.
        """
        try:
            return self._full_build(reload, background, progress, cause)
        finally:
            gc.collect()

    def _full_build(self, reload: bool, background: bool, progress: bool, cause: str) -> bool:
        with self.build_lock:
            started, started_at = time.perf_counter(), self.edits
            restore(self.workdir)
            target = self.workdir / f"gen-{self.generation + 1}-{started_at}"
            try:
                config = load_config(self.config_path, allow_local_url=True)
                result = self._build_settled(config, target, self._seed(config), progress=progress)
                content, catalog = result.content, result.catalog
            except SiteGenError as exc:
                if not (background and started_at != self.edits):
                    self.publish(exc.diagnostics)
                return False
            if background and started_at != self.edits:
                self.forget(target)
                shutil.rmtree(target, ignore_errors=True)
                return False
            what = "built" if self.generation == 0 else "rebuilt"
            self._switch(target, config, content, catalog, reload)
            self.report(f"{what} {result.pages:,} pages in {time.perf_counter() - started:.2f} s "
                        f"({result.rendered:,} rendered, {result.skipped:,} unchanged)", cause)
            return True

    def gone(self) -> bool:
        """True when the folder served was removed (with .site-gen-cache) since it was built."""
        with self.lock:
            root = self.root
        return self.generation > 0 and not root.is_dir() and root is self.root

    def _seed(self, config: SiteConfig) -> Path:
        """The build whose unchanged pages the next generation takes: the one served, or before the first, the
        project's own build folder (site-gen build's output), so that serving a catalogue built before starts
        in seconds. Each generation is a new folder: without a seed, every build rendered every page again."""
        return self.root if self.generation else config.output_dir

    @staticmethod
    def _build_settled(config: SiteConfig, target: Path, seed: Path | None = None, progress: bool = False,
                       attempts: int = 3) -> build_module.BuildResult:
        """Build; a file edited while the build read it means the build saw half an edit: build again.

        An editor saving a file while a build runs is the normal case here, and the next build reports the
        file as it now is (its own errors, if any) rather than that it changed.
        """
        # No build lock (site_gen.cache.build_lock): each generation is a new folder of this server's own, whose
        # builds it runs one at a time.
        for _ in range(attempts - 1):
            try:
                return build_module.build(config, target, seed=seed, progress=progress, lock=False)
            except ContentChanged:
                pass
        return build_module.build(config, target, seed=seed, progress=progress, lock=False)

    def _switch(self, target: Path, config: SiteConfig, content: Content | None, catalog: Catalog | None,
                reload: bool) -> None:
        with self.lock:
            old, self.root = self.root, target
            self.generation += 1
            self.config, self.catalog, self.content = config, catalog, content
            if self.site is not None:
                self.site.root = target
        self.forget(old)
        shutil.rmtree(old, ignore_errors=True)
        self.publish(reload=reload)

    def forget(self, generation: Path) -> None:
        """Remove a generation's manifest from the project's build cache: each would stay there otherwise, at
        10,000 models 5 MB per edit, describing a folder that is gone."""
        cache.forget(self.config, generation)

    def quick_update(self, changed: set[Path], cause: str = "") -> bool:
        """Re-render only the pages that show the changed content files; False if that is not enough.
        ``cause``: what changed, for the line on the terminal.

        The cyclic collector is off meanwhile, as in a build (site_gen.collector): with the catalogue served
        held in memory, its one full pass during an update took 0.46-0.65 s of the 1.2-1.5 s an update of one
        model took at 10,000 models. What the update leaves in cycles goes with the next build's collection."""
        with collector_paused():
            return self._quick_update(changed, cause)

    def _quick_update(self, changed: set[Path], cause: str) -> bool:
        started = time.perf_counter()
        content_dir = self.config.content_dir.resolve()
        if self.catalog is None or self.content is None or self.gone() or not all(
                p.suffix == ".md" and p.is_file() and content_dir in p.resolve().parents for p in changed):
            return False
        try:
            shown = {p.resolve().relative_to(self.config.root.resolve()).as_posix() for p in changed}
        except ValueError:  # a content folder outside the project: its files are named otherwise
            return False
        if not shown <= self.catalog.by_path.keys():  # a new file: a page appears, which a full build makes
            return False
        try:
            content = reload_entries(self.content, [p.resolve() for p in sorted(changed)], content_dir,
                                     self.config.root.resolve())
            catalog = build_catalog(self.config, content, self.catalog, shown)
            # Only the neighbourhoods around the edited models are computed again (10,000 models: 1.2 -> 0.26 s).
            catalog.compute_similar(self.catalog.nearest)
        except SiteGenError as exc:
            self.publish(exc.diagnostics)
            return True
        if set(catalog.urls) != set(self.catalog.urls):
            return False  # a page appeared or vanished: routes, listings and llms files all change
        # A file whose front matter is as it was changed its prose alone, which no other page shows.
        before = self.catalog.by_path
        prose_only = {path for path in shown if path in before and path in catalog.by_path
                      and before[path].listed == catalog.by_path[path].listed}
        entries = self._affected(catalog, shown, prose_only, before)
        renderer = Renderer(self.config.templates_dir, self.config.root)
        site = build_module.site_of(self.config, catalog, stamp(build_module.build_time()))
        # The edited files' own pages first, served (and the browsers reloaded) as soon as they are written; then
        # the providers' pages that list them, larger (a row per model listed and per row served: 0.05-0.15 s each
        # at 10,000 models, against ~0.01 s for a model's own page), and a second reload for a browser showing one.
        own = [entry for entry in entries if entry.path in shown]
        listing = [entry for entry in entries if entry.path not in shown]
        rendered: list[tuple[str, str]] = []
        served = 0.0
        for group in (own, listing):
            if not group:
                continue
            try:
                pages = self._render_pages(group, catalog, renderer, site)
            except ContentChanged:
                return False  # edited again while it was read: a full build reads it as it now is
            with self.lock:
                for file, text in pages:
                    _replace(self.root / file, text)
                self.catalog, self.content = catalog, content
            self.publish()
            rendered += pages
            served = served or time.perf_counter() - started
        total = time.perf_counter() - started
        self.quick_seconds = (served, total)
        count = len(rendered) // 2
        edited = f", the edited one{'s' if len(own) > 1 else ''} served after {served:.2f} s" if listing else ""
        self.report(f"{count} page{'s' if count != 1 else ''} updated in {total:.2f} s{edited}; "
                    "the listings and llms files follow", cause)
        return True

    def _render_pages(self, entries: list[Entry], catalog: Catalog, renderer: Renderer,
                      site: view.Site) -> list[tuple[str, str]]:
        """The files of the pages of ``entries`` (HTML and mirror), rendered: (path in the folder served, text)."""
        out = []
        for entry in entries:
            make = {"model": model_page, "provider": provider_page, "page": static_page}[entry.kind]
            page = make(self.config, catalog, entry)
            for name, file in ((f"{page.kind}.html", page.urls.html_file),
                               (f"{page.kind}.md", page.urls.markdown_file)):
                out.append((file, renderer.render(name, page.source_file, site=site, page=page)))
        return out

    def transient(self, changes: set[tuple[Any, str]], added: Any) -> set[Path]:
        """Files made and removed within one batch of changes (sed -i's and some editors' temporary files): no
        input of the site, unless the site served was built from them (removed, made again and removed)."""
        gone = {Path(path) for change, path in changes if change == added and not os.path.lexists(path)}
        known = {entry.file for entry in self.content.models + self.content.providers + self.content.pages} \
            if gone and self.content else set()
        return {path for path in gone if str(path) not in known}

    @staticmethod
    def _affected(catalog: Catalog, shown: set[str], prose_only: set[str] | frozenset[str] = frozenset(),
                  before: dict[str, Entry] | None = None) -> list[Entry]:
        """The pages to render again for the changed files ``shown``: each file's own (a static page's too), and
        for a model whose front matter changed (not in ``prose_only``) its provider's, and those of the providers
        serving it, before or now, when what their pages show of it changed (site_gen.pages.provider_jobs).
        ``before``: the entries served, by path."""
        entries = [e for e in [*catalog.models, *catalog.providers.values(), *catalog.pages] if e.path in shown]
        extra: list[Entry] = []
        for entry in entries:
            if entry.kind == "model" and entry.path not in prose_only:
                extra.append(catalog.provider_of(entry))
                now, old = facts(entry), before.get(entry.path) if before else None
                was = facts(old) if old is not None else None
                if was is None or (was.serving, was.served, was.title, old.slug) != (  # type: ignore[union-attr]
                        now.serving, now.served, now.title, entry.slug):
                    serving = [*now.serving, *(was.serving if was else ())]
                    extra += [catalog.providers[p] for p in dict.fromkeys(serving) if p in catalog.providers]
        unique = {e.path: e for e in entries + extra}
        return [unique[k] for k in sorted(unique)]


def _replace(path: Path, text: str) -> None:
    """Replace one served file atomically, so a request never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _inject(body: bytes) -> bytes:
    tag = f'<script src="{SCRIPT}" defer></script>'.encode()
    index = body.rfind(b"</body>")
    return body[:index] + tag + body[index:] if index >= 0 else body + tag


def _events(dev: DevSite) -> Any:
    def handler(request: Any) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/event-stream")
        request.send_header("Cache-Control", "no-store")
        request.send_header("Connection", "keep-alive")
        request.end_headers()
        last = None
        try:
            while True:
                with dev.changed:
                    state = dev.state()
                    if state == last:
                        dev.changed.wait(timeout=15)
                        state = dev.state()
                if state != last:
                    request.wfile.write(f"data: {state}\n\n".encode())
                else:
                    request.wfile.write(b": keep-alive\n\n")
                request.wfile.flush()
                last = state
        except (BrokenPipeError, ConnectionResetError, OSError):
            return
    return handler


def _script(request: Any) -> None:
    body = RELOAD_JS.encode()
    request.send_response(200)
    request.send_header("Content-Type", "text/javascript; charset=utf-8")
    request.send_header("Content-Length", str(len(body)))
    request.send_header("Cache-Control", "no-store")
    request.end_headers()
    request.wfile.write(body)


class Watcher(threading.Thread):
    """watchfiles (a maintained, Rust-backed watcher) on content/, templates/ and mkdocs.yml."""

    def __init__(self, dev: DevSite, stop: threading.Event):
        super().__init__(daemon=True)
        self.dev, self.stop_event = dev, stop
        self.watching = threading.Event()
        """Set once the files are watched: a save before that would be missed."""

    def is_set(self) -> bool:
        """The stop event watchfiles polls while it watches (anything with is_set() will do): its first call says
        that the watcher is running, so serve prints its address only then."""
        self.watching.set()
        return self.stop_event.is_set()

    def run(self) -> None:
        from watchfiles import Change, watch

        config = self.dev.config
        paths = [p for p in (config.content_dir, config.templates_dir, self.dev.config_path) if p.exists()]
        for changes in watch(*paths, stop_event=self, debounce=150, step=50, rust_timeout=1000,
                             yield_on_timeout=True,
                             watch_filter=lambda _, path: not Path(path).name.startswith((".", "#"))
                             and not path.endswith(("~", ".swp", ".tmp"))):
            if not changes:  # a second without changes: the folder served is still there, or is built again
                if self.dev.gone():
                    self.dev.full_build(cause="the folder served was removed (with .site-gen-cache)")
                continue
            changed = {Path(path) for _, path in changes} - self.dev.transient(changes, Change.added)
            if not changed:
                continue
            cause = _changed(changed, config.root)
            self.dev.edits += 1
            try:
                quick = self.dev.quick_update(changed, cause)
            except OSError:  # the folder served went while it was written (.site-gen-cache removed)
                quick = False
            if quick:
                threading.Thread(target=self.dev.full_build, kwargs={"reload": False, "background": True},
                                 daemon=True).start()
            else:
                self.dev.full_build(cause=cause)


def _changed(paths: set[Path], root: Path) -> str:
    """What a batch of changes touched, for the terminal: the first path (inside the project, relative to it) and
    how many more."""
    def shown(path: Path) -> str:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(path)
    names = sorted(shown(p) for p in paths)
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f"{names[0]}{more} changed"


def _now() -> str:
    return time.strftime("%H:%M:%S")


def _say(stream: Any, *lines: str) -> None:
    """Lines on the terminal in one write: the watcher and a background build may report at the same moment, and
    print() writes its arguments and separators one by one."""
    stream.write("".join(f"{line}\n" for line in lines))
    stream.flush()


def serve(config_path: Path, host: str = "127.0.0.1", port: int = 8000, ready: threading.Event | None = None,
          stop: threading.Event | None = None) -> None:
    """Build, serve and watch until ``stop`` is set (or Ctrl-C)."""
    stop = stop or threading.Event()
    config = load_config(config_path, allow_local_url=True)
    with generations(config) as folder:
        dev = DevSite(config_path, folder)
        site = Site(dev.root, route_patterns(dev.config), dev.config.url, on_html=_inject)
        site.extra[EVENTS] = ("events", _events(dev))
        site.extra[SCRIPT] = ("script", _script)
        dev.site = site  # each build switches it to the folder it made
        server = _listen(host, port, site)  # before the first build, which may be long: a port in use is told now
        # Watching starts before the first build, which may take a while: a file saved meanwhile, after the build
        # read it, is built again once the build is done (it waits for the build's lock).
        watcher = Watcher(dev, stop)
        watcher.start()
        serving = False
        try:
            dev.full_build(progress=sys.stderr.isatty())  # the first build may be long: shown as site-gen build's
            http_serve(server)
            serving = True
            watcher.watching.wait(timeout=10)  # a save right after the address is printed is seen
            try:  # Ctrl-C from here on, even as the address is printed, stops the server as it should
                print(f"serving on {address(host, server.server_address[1])} (Ctrl-C stops)", flush=True)
                if ready is not None:
                    ready.set()
                stop.wait()
            except KeyboardInterrupt:
                pass
        finally:
            stop.set()
            with dev.changed:
                dev.changed.notify_all()
            if serving:
                server.shutdown()  # no request is answered from here on
            server.server_close()
            # A background build still running would write into the folder after it is removed: a small site's is
            # let finish, and none starts after (the lock is kept). A large site's may leave a folder behind,
            # which the next server removes (see generations).
            dev.build_lock.acquire(timeout=1)


def address(host: str, port: int) -> str:
    """The URL of the server's home page (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _listen(host: str, port: int, site: Site) -> Server:
    try:
        return listen(host, port, site)
    except OSError as exc:
        taken = exc.errno in (errno.EADDRINUSE, errno.EACCES)
        reason = exc.strerror or str(exc)
        if taken:
            hint = ("ports below 1024 need root; " if exc.errno == errno.EACCES else "another server uses it; ") + \
                "pick another with -p, or -p 0 for any free port"
        else:
            hint = "an address of this machine: 127.0.0.1 for it alone, 0.0.0.0 for every network, ::1 or :: in IPv6"
        raise SiteGenError(Diagnostic("--port" if taken else "--host",
                                      message=f"cannot serve on {address(host, port)}: {reason}",
                                      hint=hint)) from None


@contextlib.contextmanager
def generations(config: SiteConfig) -> Iterator[Path]:
    """The folder the served generations are built in: in the build cache, so on the file system of the project's
    build folder, whose pages the first generation then links instead of copying (a /tmp on tmpfs is another
    file system, and the copy doubled the site in memory).

    The server holds a lock on the folder's lock file while it runs. A folder whose lock is free was left by a
    server that was killed, and is removed here. A folder without a lock file is a server's that is just
    starting, or what a build still running when its server stopped wrote after the folder was removed: the
    latter is removed once it is a minute old. The manifests of generations that are gone go too, before
    and after.
    """
    cache_dir = build_module.cache_folder(config)
    for stale in sorted(cache_dir.glob("serve-*")):
        if _unlocked(stale / "lock") or _left_over(stale):
            shutil.rmtree(stale, ignore_errors=True)
    cache.forget_gone(config, SERVED)
    folder = Path(tempfile.mkdtemp(prefix="serve-", dir=cache_dir))
    try:
        _hold(folder)
        yield folder
    finally:
        with contextlib.suppress(KeyError):
            _LOCKS.pop(folder).close()
        shutil.rmtree(folder, ignore_errors=True)
        cache.forget_gone(config, SERVED)


_LOCKS: dict[Path, Any] = {}
"""The open lock file of each served generations' folder of this process: the lock lasts while it is open."""


def restore(folder: Path) -> None:
    """Make a served generations' folder of this process and its held lock file again if they are gone
    (someone removed .site-gen-cache while the server ran, as one may at any time), so that another server does
    not take it for a dead server's."""
    if folder in _LOCKS and not (folder / "lock").exists():
        _hold(folder)


def _hold(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / "lock").open("w")
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    old, _LOCKS[folder] = _LOCKS.get(folder), handle
    if old is not None:
        old.close()


def _left_over(folder: Path, age: float = 60) -> bool:
    """True for a served generations' folder without a lock file that nothing has changed for ``age`` seconds."""
    try:
        return not (folder / "lock").exists() and time.time() - folder.stat().st_mtime > age
    except OSError:
        return False


def _unlocked(path: Path) -> bool:
    """True when ``path`` exists and no process holds a lock on it (where locks exist: not on Windows)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)  # the lock goes with it
    return True
