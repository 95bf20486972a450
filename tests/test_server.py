"""`site-gen serve`: real HTTP clients and a real browser against a server on a free loopback port."""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_gen.dev import serve
from tests.helpers import SITE, copy_site, free_port, run_cli


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A dev server on the fixture site; always stopped, even when the test fails."""
    site = copy_site(tmp_path / "site")
    port = free_port()
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=serve, args=(site / "mkdocs.yml", "127.0.0.1", port, ready, stop), daemon=True)
    thread.start()
    try:
        assert ready.wait(30), "the dev server did not start"
        yield port, site
    finally:
        stop.set()
        thread.join(timeout=10)


def request(port: int, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
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
    import tempfile
    return sorted(str(p) for p in Path(tempfile.gettempdir()).glob("site-gen-serve-*/gen-*"))


def test_reload_script_is_never_written_to_disk(dev_server: tuple[int, Path]) -> None:
    port, _ = dev_server
    for root in _served_roots(Path()):
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
                        "document.body.innerText.includes('$1.25')")
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
