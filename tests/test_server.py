"""`site-gen serve`: real HTTP clients and a real browser against a server on a free loopback port."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from site_gen.dev import serve
from tests.helpers import EPOCH, SITE, copy_site, free_port, run_cli, snapshot


@contextlib.contextmanager
def serving(site: Path, host: str = "127.0.0.1") -> Iterator[int]:
    """A dev server on ``site``, on a free port; always stopped (and its thread finished), even when the test
    fails."""
    port = free_port()
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=serve, args=(site / "mkdocs.yml", host, port, ready, stop), daemon=True)
    thread.start()
    try:
        assert ready.wait(30), "the dev server did not start"
        yield port
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A dev server on the fixture site."""
    site = copy_site(tmp_path / "site")
    with serving(site) as port:
        yield port, site


def request(port: int, path: str, accept: str | None = None,
            host: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.putrequest("GET", path, skip_accept_encoding=True)  # the raw path: no client-side normalising
    if accept:
        connection.putheader("Accept", accept)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_content_types_negotiation_and_canonical_links(dev_server: tuple[int, Path]) -> None:
    port, _ = dev_server
    status, headers, body = request(port, "/model/gemini-2.5-pro")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert headers["vary"] == "Accept"
    assert b"/__site_gen/reload.js" in body

    status, headers, body = request(port, "/model/gemini-2.5-pro", accept="text/markdown, text/html;q=0.5")
    assert status == 200 and headers["content-type"] == "text/markdown; charset=utf-8"
    assert headers["vary"] == "Accept"
    assert headers["link"] == f'<{SITE}model/gemini-2.5-pro>; rel="canonical"'
    assert body.startswith(b'---\ntitle: "Gemini 2.5 Pro"')

    status, headers, _ = request(port, "/llms/models/gemini-2.5-pro.md")
    assert headers["content-type"] == "text/markdown; charset=utf-8"
    assert headers["link"] == f'<{SITE}model/gemini-2.5-pro>; rel="canonical"'
    status, headers, body = request(port, "/llms.txt")
    assert status == 200 and headers["content-type"] == "text/plain; charset=utf-8" and body.startswith(b"# ")
    status, headers, body = request(port, "/", accept="text/markdown")
    assert headers["content-type"].startswith("text/markdown") and b"catalogue-index-page" in body
    status, _, _ = request(port, "/provider/google")
    assert status == 200


def test_404_serves_the_site_page(dev_server: tuple[int, Path]) -> None:
    port, _ = dev_server
    status, headers, body = request(port, "/model/does-not-exist")
    assert status == 404 and b"Page not found" in body and headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                  "/..%2f..%2f..%2fetc%2fpasswd", "/model/..%5c..%5c..%5cetc%5cpasswd",
                                  "/%252e%252e/%252e%252e/etc/passwd", "/model/%00", "/escape/passwd"])
def test_traversal_never_serves_outside_files(dev_server: tuple[int, Path], path: str) -> None:
    port, site = dev_server
    served = next(Path(p) for p in _served_roots(site))
    (served / "escape").mkdir(exist_ok=True)
    link = served / "escape" / "passwd"
    if not link.exists():
        os.symlink("/etc/passwd", link)
    status, _, body = request(port, path)
    assert status in (400, 404)
    assert b"root:" not in body


def _served_roots(site: Path) -> list[str]:
    return sorted(str(p) for p in (site / ".site-gen-cache").glob("serve-*/gen-*"))


def test_reload_script_is_never_written_to_disk(dev_server: tuple[int, Path]) -> None:
    port, site = dev_server
    roots = _served_roots(site)
    assert roots
    for root in roots:
        for page in Path(root).rglob("*.html"):
            assert b"__site_gen" not in page.read_bytes()
    assert request(port, "/__site_gen/reload.js")[1]["content-type"].startswith("text/javascript")


def test_binds_loopback_by_default() -> None:
    import inspect
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def _wait_for(page, expression: str, timeout: float = 15) -> None:
    page.wait_for_function(expression, timeout=timeout * 1000)


@pytest.mark.browser
def test_edit_reloads_the_page_and_errors_show_an_overlay(dev_server: tuple[int, Path], browser) -> None:
    port, site = dev_server
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"http://127.0.0.1:{port}/model/gemini-2.5-pro")
        assert "$1.25" in page.inner_text("body")
        source = site / "content/models/google/gemini-2.5-pro.md"
        original = source.read_text()
        time.sleep(0.5)  # the event stream is connected
        started = time.monotonic()
        source.write_text(original.replace("  input: 1.25\n  output: 10\n", "  input: 1.75\n  output: 10\n", 1))
        _wait_for(page, "document.body.innerText.includes('$1.75')")
        reload_seconds = time.monotonic() - started
        assert reload_seconds < 10

        source.write_text(original.replace("title: Gemini 2.5 Pro", 'title: "Gemini 2.5 Pro'))
        _wait_for(page, "document.getElementById('site-gen-overlay') !== null")
        overlay = page.inner_text("#site-gen-overlay")
        cli = run_cli("check", cwd=site)  # the overlay shows exactly what the CLI prints
        assert cli.code == 1 and cli.problems
        for line in cli.problems:
            assert line in overlay
        assert "$1.75" in page.inner_text("main")  # still the last good build underneath

        source.write_text(original)
        _wait_for(page, "document.getElementById('site-gen-overlay') === null && "
                        "document.body.innerText.includes('$1.25') && !document.body.innerText.includes('$1.75')")
        assert errors == []
    finally:
        context.close()


def test_a_file_saved_while_the_build_reads_it_is_built_again_not_reported(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor saves a file after the build loaded it and before its page was rendered: the served build is
    the one that saw the new file, and no overlay tells the reader that a file changed."""
    import site_gen.build as build_module
    from site_gen.dev import DevSite

    site = copy_site(tmp_path / "site")
    source = site / "content/models/google/gemini-2.5-pro.md"
    original = source.read_text()
    real, calls = build_module.build_catalog, []

    def edit_once_after_loading(config, content):
        calls.append(1)
        if len(calls) == 1:  # the first build has loaded the file; its page reads the body again later
            source.write_text(original.replace("  input: 1.25\n", "  input: 1.75\n", 1))
        return real(config, content)

    monkeypatch.setattr(build_module, "build_catalog", edit_once_after_loading)
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    assert len(calls) == 2 and dev.problems == []
    assert "$1.75" in (dev.root / "model/gemini-2.5-pro.html").read_text()  # the second build's page


def test_a_file_that_keeps_changing_is_reported_after_three_builds(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import site_gen.build as build_module
    from site_gen.dev import DevSite

    site = copy_site(tmp_path / "site")
    source = site / "content/models/google/gemini-2.5-pro.md"
    real, calls = build_module.build_catalog, []

    def edit_every_time(config, content):
        calls.append(1)
        source.write_text(source.read_text() + "\nOne more line.\n")
        return real(config, content)

    monkeypatch.setattr(build_module, "build_catalog", edit_every_time)
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is False
    assert len(calls) == 3
    assert any("gemini-2.5-pro.md" in p and "changed while the build was running" in p for p in dev.problems)


def _recorded_builds(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The result of every build the dev server runs from now on."""
    import site_gen.build as build_module

    results, real = [], build_module.build

    def recording(*args: Any, **kwargs: Any) -> Any:
        results.append(real(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(build_module, "build", recording)
    return results


def _similar_tables_computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each similar-models table is computed from now on: "from the last" table, or "from scratch"."""
    from site_gen import similar

    how, real = [], similar.nearest

    def recording(models: Any, previous: Any = None) -> Any:
        how.append("from scratch" if previous is None else "from the last")
        return real(models, previous)

    monkeypatch.setattr(similar, "nearest", recording)
    return how


def _served_manifests(site: Path) -> list[str]:
    return sorted(p.name for p in (site / ".site-gen-cache").glob("*gen-*"))


def test_each_served_generation_takes_the_unchanged_pages_of_the_last(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each generation is a new folder: after an edit, the background build renders the pages that show the
    edited file and links the rest from the generation served, and its tree is a clean build's. The build cache
    keeps the served generation's manifest alone."""
    from site_gen.cache import cache_file
    from site_gen.dev import DevSite
    from tests.test_incremental import clean_twin

    site = copy_site(tmp_path / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # as the clean builds compared with have
    builds = _recorded_builds(monkeypatch)
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    assert (builds[-1].rendered, builds[-1].skipped) == (7, 0)  # nothing was built before
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    tables = _similar_tables_computed(monkeypatch)
    # Its own prices twice: gemini's page, google's and the index (acme serves it, with rows that did not change).
    # Then acme's row: acme's page too.
    edits = [("  input: 1.25\n", "  input: 1.5\n", "$1.50", 3), ("  input: 1.5\n", "  input: 1.75\n", "$1.75", 3),
             ("{input: 1.5, output: 12}", "{input: 1.6, output: 12}", "$1.60", 4)]
    for old, new, price, rendered in edits:
        gemini.write_text(gemini.read_text().replace(old, new, 1))
        served = snapshot(dev.root)
        assert dev.quick_update({gemini}) is True and dev.problems == []
        assert tables[-1] == "from the last"  # only the neighbourhoods around the edit are computed again
        clean = clean_twin(site, tmp_path)
        quick = {name: data for name, data in snapshot(dev.root).items() if served.get(name) != data}
        assert "model/gemini-2.5-pro.html" in quick
        assert ("provider/acme.html" in quick) == (rendered == 4)
        assert quick == {name: clean[name] for name in quick}  # what the quick update rewrote is a clean build's
        assert dev.full_build(reload=False, background=True) is True
        assert (builds[-1].rendered, builds[-1].skipped) == (rendered, 7 - rendered)
        assert price in (dev.root / "model/gemini-2.5-pro.html").read_text()
        assert price in (dev.root / "provider/acme.html").read_text() or rendered == 3
        assert snapshot(dev.root) == clean
    manifest = cache_file(dev.config, dev.root)
    assert _served_manifests(site) == [manifest.name, manifest.with_suffix(".pages").name]


def test_a_quick_update_serves_the_edited_page_before_the_pages_listing_it(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The edited model's page is written and the browsers told to reload before the providers' pages that list
    it are rendered; then those are written, and the browsers told again (one may be showing one of them)."""
    from site_gen.dev import DevSite

    site = copy_site(tmp_path / "site")
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text().replace("{input: 1.5, output: 12}", "{input: 1.6, output: 12}", 1))
    seen: list[tuple[int, bool, bool]] = []
    publish = dev.publish

    def recorded(*args: Any, **kwargs: Any) -> None:
        publish(*args, **kwargs)
        seen.append((dev.version, "$1.60" in (dev.root / "model/gemini-2.5-pro.html").read_text(),
                     "$1.60" in (dev.root / "provider/acme.html").read_text()))

    dev.publish = recorded  # type: ignore[method-assign]
    version = dev.version
    capsys.readouterr()
    assert dev.quick_update({gemini}) is True and dev.problems == []
    assert seen == [(version + 1, True, False), (version + 2, True, True)]
    served, total = dev.quick_seconds
    assert 0 < served <= total
    out = capsys.readouterr().out
    assert " 3 pages updated in " in out and ", the edited one served after " in out


@pytest.mark.parametrize("file, old, new, reused", [
    ("google/gemini-2.5-pro.md", "  input: 1.25\n", "  input: 1.5\n", True),  # a price: routes and ids as they were
    ("acme/unknowns.md", "Nothing about", "Little about", True),  # its prose
    ("acme/unknowns.md", "provider: acme\n", "provider: acme\naliases: [Rocket-1-20250101]\n", False),  # taken
    ("acme/unknowns.md", "provider: acme\n", "provider: acme\naliases: [unknowns-latest]\n", False),  # free
])
def test_a_quick_updates_catalogue_is_the_one_a_full_check_makes(tmp_path: Path, file: str, old: str, new: str,
                                                                  reused: bool) -> None:
    """The quick update builds the catalogue from the one served and the files edited: it takes the pages' URLs
    from it, and skips the uniqueness of ids, only when the edited models kept their routes, ids, aliases and
    provider (a model file's route and provider are its name and folder, so only its aliases can move). Either
    way it finds what checking the whole catalogue again finds."""
    from site_gen.build import load_catalog
    from site_gen.catalog import build_catalog
    from site_gen.config import load_config
    from site_gen.content import load_content
    from site_gen.errors import ContentError

    site = copy_site(tmp_path / "site")
    config = load_config(site / "mkdocs.yml")
    before = load_catalog(config)
    path = site / "content/models" / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    content = load_content(config.content_dir, config.root)

    def outcome(catalog: Any) -> Any:
        try:
            made = catalog()
        except ContentError as exc:
            return [d.format() for d in exc.diagnostics]
        return {p: (u.html_file, u.markdown_file, u.href) for p, u in made.urls.items()}, made

    full = outcome(lambda: build_catalog(config, content))
    quick = outcome(lambda: build_catalog(config, content, before, {f"content/models/{file}"}))
    if isinstance(full, list):
        assert not reused and quick == full and full
        return
    assert quick[0] == full[0]
    assert (quick[1].urls is before.urls) == reused


def _one_page_updated(dev: Any, path: Path, added: str, capsys: pytest.CaptureFixture) -> dict[str, bytes]:
    """Append ``added`` to a content file, give it to the quick update as the watcher would, check that it says
    one page was updated, and return the served files it rewrote."""
    path.write_text(path.read_text() + added)
    served = snapshot(dev.root)
    capsys.readouterr()
    assert dev.quick_update({path}) is True and dev.problems == []
    assert " 1 page updated in " in capsys.readouterr().out
    return {name: data for name, data in snapshot(dev.root).items() if served.get(name) != data}


def test_a_prose_edit_updates_its_own_page_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    """The listings show a model's front matter, not its prose: a save that changed the body alone re-renders the
    model's page (not its providers' listings), and the background build renders that page alone too. Both
    leave a clean build's bytes."""
    from site_gen.dev import DevSite
    from tests.test_incremental import clean_twin

    site = copy_site(tmp_path / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    builds = _recorded_builds(monkeypatch)
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    quick = set(_one_page_updated(dev, site / "content/models/google/gemini-2.5-pro.md",
                                  "\nOne more sentence of prose.\n", capsys))
    assert quick == {"model/gemini-2.5-pro.html", "llms/models/gemini-2.5-pro.md"}
    assert dev.full_build(reload=False, background=True) is True
    assert (builds[-1].rendered, builds[-1].skipped) == (1, 6)
    assert "One more sentence of prose." in (dev.root / "model/gemini-2.5-pro.html").read_text()
    assert snapshot(dev.root) == clean_twin(site, tmp_path)


def test_a_static_page_edit_updates_that_page_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture) -> None:
    """An edit of content/pages/about.md shows on its page with the quick update, as a model's does, not only
    after the background build (seconds on a large catalogue); the home page's data date follows with it."""
    from site_gen.dev import DevSite
    from tests.test_incremental import clean_twin

    site = copy_site(tmp_path / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    quick = _one_page_updated(dev, site / "content/pages/about.md", "\nA sentence added while serving.\n", capsys)
    assert set(quick) == {"about.html", "llms/pages/about.md"}, sorted(quick)
    assert b"A sentence added while serving." in quick["about.html"]
    assert dev.full_build(reload=False, background=True) is True
    clean = clean_twin(site, tmp_path)
    assert all(clean[name] == data for name, data in quick.items())  # what the quick update wrote was final
    assert snapshot(dev.root) == clean


def test_a_new_file_saved_with_an_edit_leaves_both_to_a_full_build(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by random edits through the dev server: a batch of changes holding a new model file and an edit of
    another (a git pull, a data sync) was taken as a quick update of the edited file alone. The entries reloaded
    do not hold a new file, so the provider page rendered then lacked the new model. A new file is a new page:
    a full build makes it, and the quick update declines."""
    from site_gen.dev import DevSite

    site = copy_site(tmp_path / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    added = site / "content/models/google/gemini-new.md"
    added.write_text(gemini.read_text().replace("id: gemini-2.5-pro", "id: gemini-new", 1)
                     .replace("title: Gemini 2.5 Pro", "title: Gemini New", 1))
    gemini.write_text(gemini.read_text().replace("title: ", "title: New ", 1))
    served = snapshot(dev.root)
    assert dev.quick_update({added, gemini}) is False and dev.problems == []
    assert dev.quick_update({added}) is False
    assert snapshot(dev.root) == served  # nothing half updated: the full build does it all
    assert dev.full_build() is True, dev.problems
    assert b"gemini-new" in (dev.root / "provider/google.html").read_bytes()


@pytest.mark.parametrize("links", [True, False], ids=["same file system", "another file system"])
def test_serving_a_built_project_starts_from_its_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       links: bool) -> None:
    """The first generation takes its pages from the project's build folder: linked, or copied when the served
    folder is on another file system (hard links fail there). The next generation takes them from it in turn."""
    from site_gen.dev import DevSite

    site = copy_site(tmp_path / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert run_cli("build", cwd=site).code == 0
    if not links:
        def cross_device(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
            raise OSError(18, "Invalid cross-device link")
        monkeypatch.setattr(os, "link", cross_device)
    builds = _recorded_builds(monkeypatch)
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    assert (builds[-1].rendered, builds[-1].skipped) == (0, 7)
    assert snapshot(dev.root) == snapshot(site / "build")
    same_inode = (dev.root / "index.html").stat().st_ino == (site / "build/index.html").stat().st_ino
    assert same_inode is links
    unknowns = site / "content/models/acme/unknowns.md"
    unknowns.write_text(unknowns.read_text() + "\nOne more line.\n")
    assert dev.full_build() is True
    assert builds[-1].rendered < 7 and builds[-1].skipped > 0
    assert "One more line." in (dev.root / "model/unknowns.html").read_text()


def test_the_server_builds_in_the_build_cache_and_leaves_nothing_there(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The generations are built in the project's build cache (beside build/, whose pages the first one links).
    A generation's folder and manifest go with it; those of a server that was killed go when the next one
    starts, and so does what a build wrote after its server had stopped, but never the folder of a server
    that still runs (it holds its folder's lock) or is just starting (no lock file yet, and new)."""
    import fcntl

    site = copy_site(tmp_path / "site")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # the server's builds: as run_cli's, so the keys match
    assert run_cli("build", cwd=site).code == 0
    cache = site / ".site-gen-cache"
    dead, alive, starting = cache / "serve-dead", cache / "serve-alive", cache / "serve-starting"
    # What a build still running when its server stopped wrote after the folder was removed: no lock file.
    orphan = cache / "serve-orphan"
    for folder in (dead / "gen-3-2", alive / "gen-1-0", starting, orphan / "gen-4-3.tmp-1234"):
        folder.mkdir(parents=True)
    os.utime(orphan, (time.time() - 120,) * 2)
    (dead / "lock").write_text("")
    (alive / "lock").write_text("")
    stale = [cache / f"x__.site-gen-cache__serve-dead__gen-3-2.{kind}" for kind in ("json", "pages")]
    stale[0].write_text(json.dumps({"output": str(dead / "gen-3-2")}))
    stale[1].write_text("{}")
    old_style = cache / "tmp__site-gen-serve-k3z__gen-2-1.json"  # a generation in /tmp, before 77a12da
    old_style.write_text(json.dumps({"output": "/tmp/site-gen-serve-k3z/gen-2-1"}))
    with (alive / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another server, still running
        with serving(site) as port:
            roots = _served_roots(site)
            assert len(roots) == 2 and str(alive / "gen-1-0") in roots  # its own, and the other server's
            own = Path(next(r for r in roots if "serve-alive" not in r))
            assert (own / "index.html").stat().st_ino == (site / "build/index.html").stat().st_ino  # linked
            assert request(port, "/")[0] == 200
            assert not dead.exists() and not stale[0].exists() and not stale[1].exists()
            assert not orphan.exists()
            assert not old_style.exists()
            assert len(_served_manifests(site)) == 2  # the generation served: its manifest and page records
        assert sorted(p.name for p in cache.glob("serve-*")) == ["serve-alive", "serve-starting"]
        assert _served_manifests(site) == []



def test_removing_the_build_cache_while_serving_builds_the_site_again(tmp_path: Path) -> None:
    """The build cache is safe to delete at any time, serve's generations in it included: within a second or
    two the server builds the site again, holds a lock on its folder again (or the next server would take it
    for a dead one's), and goes on with edits."""
    import shutil

    from site_gen.dev import _unlocked

    site = copy_site(tmp_path / "site")
    cache = site / ".site-gen-cache"
    with serving(site) as port:
        before = _served_roots(site)
        assert len(before) == 1 and request(port, "/model/gemini-2.5-pro")[0] == 200
        shutil.rmtree(cache)
        assert request(port, "/model/gemini-2.5-pro")[0] == 404
        _until(lambda: request(port, "/model/gemini-2.5-pro")[0] == 200)
        roots = _served_roots(site)
        assert len(roots) == 1 and roots != before
        lock = Path(roots[0]).parent / "lock"
        assert lock.is_file() and not _unlocked(lock)
        gemini = site / "content/models/google/gemini-2.5-pro.md"
        gemini.write_text(gemini.read_text().replace("  input: 1.25\n", "  input: 1.37\n", 1))
        _until(lambda: b"$1.37" in request(port, "/model/gemini-2.5-pro")[2])
    assert not list(cache.glob("serve-*"))


def _until(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_background_build_overtaken_by_an_edit_leaves_no_manifest(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A background build whose inputs were edited while it ran is thrown away, and its manifest with it; the
    generation served keeps its own, and the next build still takes its pages from it."""
    import site_gen.build as build_module
    from site_gen.cache import cache_file
    from site_gen.dev import DevSite

    site = copy_site(tmp_path / "site")
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    served = dev.root
    real = build_module.build

    def edited_meanwhile(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        dev.edits += 1  # the watcher saw another save while this build ran
        return result

    monkeypatch.setattr(build_module, "build", edited_meanwhile)
    assert dev.full_build(reload=False, background=True) is False
    assert dev.root == served and not list((tmp_path / "work").glob("gen-2-*"))
    manifest = cache_file(dev.config, served)
    assert _served_manifests(site) == [manifest.name, manifest.with_suffix(".pages").name]
    monkeypatch.setattr(build_module, "build", real)
    builds = _recorded_builds(monkeypatch)
    assert dev.full_build() is True and builds[-1].rendered == 0


def test_the_terminal_shows_each_change_and_each_problem_once(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """As `site-gen build` would tell it: a line per change on stdout (what changed, how many pages, how long),
    a broken edit's diagnostics on stderr once (its quick update and its background build both find them), and
    a line when it is fixed. A file saved as sed -i and many tools save (a temporary file renamed over it) is a
    quick update of that file alone: the temporary file is no input."""
    site = copy_site(tmp_path / "site")
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    original = gemini.read_text()
    out: list[str] = []
    err: list[str] = []

    def shown(text: str, stream: list[str]) -> bool:
        captured = capsys.readouterr()
        out.append(captured.out)
        err.append(captured.err)
        return text in "".join(stream)

    with serving(site) as port:
        _until(lambda: shown("serving on", out))
        first = "".join(out)
        assert " built 7 pages in " in first and "(7 rendered, 0 unchanged)" in first
        del out[:]
        temporary = gemini.with_name("sedAb12Cd")  # as sed -i saves
        temporary.write_text(original.replace("  input: 1.25\n", "  input: 1.37\n", 1))
        os.replace(temporary, gemini)
        _until(lambda: b"$1.37" in request(port, "/model/gemini-2.5-pro")[2])
        _until(lambda: shown("rebuilt 7 pages in ", out))
        lines = "".join(out).splitlines()  # a quick update, of that file alone, then the background build
        # gemini's page and its provider's; not acme's, which serves it, with rows that did not change
        assert "content/models/google/gemini-2.5-pro.md changed: 2 pages updated in " in lines[-2]
        assert not any("sedAb12Cd" in line or "more changed" in line or "changed: rebuilt" in line
                       for line in lines) and "".join(err) == ""

        gemini.write_text(original.replace("title: Gemini 2.5 Pro", 'title: "Gemini 2.5 Pro'))
        _until(lambda: shown("1 problem; still serving the last good build:", err))
        time.sleep(1.5)  # the background build, which finds the same problem
        shown("", err)
        problems = "".join(err)
        assert problems.count("still serving the last good build") == 1
        cli = run_cli("check", cwd=site)  # the same diagnostics as the CLI's
        assert cli.code == 1 and cli.problems and all(line in problems for line in cli.problems)

        gemini.write_text(original)
        _until(lambda: shown("the problems are fixed", out))
        _until(lambda: shown("content/models/google/gemini-2.5-pro.md changed: 2 pages updated in ", out))
        _until(lambda: b"$1.37" not in request(port, "/model/gemini-2.5-pro")[2])  # the price as it was


def test_a_site_that_does_not_build_at_first_says_so_on_the_terminal(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The first build's problems are printed before the address (the browser shows them too), and the site is
    built once they are fixed."""
    site = copy_site(tmp_path / "site")
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    original = gemini.read_text()
    gemini.write_text(original.replace("provider: google\n", "provider: [google\n", 1))
    with serving(site) as port:
        captured = capsys.readouterr()
        assert "1 problem; still serving the last good build:" in captured.err
        assert "content/models/google/gemini-2.5-pro.md:" in captured.err
        assert request(port, "/model/gemini-2.5-pro")[0] == 404
        gemini.write_text(original)
        _until(lambda: request(port, "/model/gemini-2.5-pro")[0] == 200)
        later = capsys.readouterr().out
        assert "the problems are fixed" in later and "changed: built 7 pages in " in later


def test_a_save_right_after_the_address_is_printed_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The address is printed once the watcher watches, not once its thread has started: a save made at once is
    seen, however long the watcher takes to start (here a second)."""
    import watchfiles

    real = watchfiles.watch

    def slow_to_start(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1)
        yield from real(*args, **kwargs)

    monkeypatch.setattr(watchfiles, "watch", slow_to_start)
    site = copy_site(tmp_path / "site")
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    edited = gemini.read_text().replace("  input: 1.25\n", "  input: 1.37\n", 1)
    with serving(site) as port:
        gemini.write_text(edited)
        _until(lambda: b"$1.37" in request(port, "/model/gemini-2.5-pro")[2], timeout=10)


def test_a_save_during_the_first_build_is_built_after_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first build of a large catalogue takes a while: a file saved after the build rendered its page (here, as
    the build publishes) is seen by the watcher, which starts before it, and built once it is done."""
    import site_gen.build as build_module

    site = copy_site(tmp_path / "site")
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    edited = gemini.read_text().replace("  input: 1.25\n", "  input: 1.37\n", 1)
    real, saves = build_module._save_manifest, []

    def saved_while_publishing(*args: Any, **kwargs: Any) -> Any:
        if not saves:
            gemini.write_text(edited)
            saves.append(1)
            time.sleep(0.5)  # the watcher has seen it by the time the first build ends
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "_save_manifest", saved_while_publishing)
    with serving(site) as port:
        _until(lambda: b"$1.37" in request(port, "/model/gemini-2.5-pro")[2], timeout=10)


def test_a_port_in_use_is_told_before_the_first_build(tmp_path: Path) -> None:
    """The first build of a large catalogue takes half a minute: the address is taken before it, and a port that
    another server holds stops serve at once, with the reason and what to do, and leaves no folder behind."""
    site = copy_site(tmp_path / "site")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        run = run_cli("serve", "-p", str(port), cwd=site)
    assert run.code == 1
    assert run.problems == [f"--port: cannot serve on http://127.0.0.1:{port}/: Address already in use (another "
                            "server uses it; pick another with -p, or -p 0 for any free port)"]
    assert "built" not in run.out and not list((site / ".site-gen-cache").glob("serve-*"))


@pytest.mark.parametrize(("args", "problem"), [
    (["-p", "70000"], "--port: expected a port number from 0 to 65535, found '70000'"),
    (["-p", "-1"], "--port: expected a port number from 0 to 65535, found '-1'"),
    (["--host", "site-gen.invalid"], "--host: cannot serve on http://site-gen.invalid:8000/: "),
])
def test_an_address_that_cannot_be_served_is_explained(tmp_path: Path, args: list[str], problem: str) -> None:
    site = copy_site(tmp_path / "site")
    run = run_cli("serve", *args, cwd=site)
    assert run.code == 1 and len(run.problems) == 1
    assert run.problems[0].startswith(problem) and "Traceback" not in run.err


def test_serve_on_ipv6_loopback(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    with serving(site, "::1") as port:
        status, headers, body = request(port, "/model/gemini-2.5-pro", host="::1")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8" and b"Gemini 2.5 Pro" in body


@pytest.mark.slow
def test_random_content_edits_served_match_clean_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Differential test of the dev server, as test_random_edit_sequences_match_clean_builds is of the build:
    random content edits of every kind, each batch given to the quick update as the watcher gives it, then to
    the background build. Every page the quick update rewrites is the clean build's page, byte for byte; the
    background build's tree is the clean build's tree; a batch a clean build refuses is refused. Seed 10 once
    found a new file taken for a quick update (test_a_new_file_saved_with_an_edit_leaves_both_to_a_full_build)."""

    from site_gen.dev import DevSite
    from tests.test_incremental import _Catalogue, clean_build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    kinds = [k for k in _Catalogue.KINDS if k not in ("template", "config")]  # the watcher's quick path: content
    checked = 0
    for seed in (10, 3):
        site = tmp_path / f"site-{seed}"
        catalogue = _Catalogue.written(site, seed, 50)
        rng = catalogue.rng
        dev = DevSite(site / "mkdocs.yml", tmp_path / f"work-{seed}")
        assert dev.full_build()
        for step in range(12):
            before = {p: p.read_bytes() for p in (site / "content").rglob("*.md")}
            done = [getattr(catalogue, rng.choice(kinds))() for _ in range(rng.randint(1, 2))]
            after = {p: p.read_bytes() for p in (site / "content").rglob("*.md")}
            changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
            code, _, tree = clean_build(site, tmp_path)
            served = snapshot(dev.root)
            if dev.quick_update(changed) and code == 0:
                assert dev.problems == [], (seed, step, done)
                for name, data in snapshot(dev.root).items():
                    if served.get(name) != data:
                        checked += 1
                        assert tree.get(name) == data, (seed, step, done, name)
            if code == 0:
                assert dev.full_build(reload=False, background=True), (seed, step, done, dev.problems)
                assert snapshot(dev.root) == tree, (seed, step, done)
            else:
                assert not dev.full_build(reload=False, background=True) and dev.problems, (seed, step, done)
                catalogue.repair()
                assert dev.full_build(reload=False, background=True), (seed, step, done, dev.problems)
    assert checked > 50  # the quick update did rewrite pages, and each was compared
