from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import ROOT, copy_site, run_cli

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(path: Path | str | None, what: str) -> None:
    """Under CI a missing validator or browser fails the run; locally it skips."""
    if path and Path(path).exists():
        return
    if IN_CI:
        pytest.fail(f"{what} is missing under CI: run 'bash scripts/dev.sh test' which installs it")
    pytest.skip(f"{what} not installed (bash scripts/dev.sh test installs it)")


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site, built once per session."""
    site = copy_site(tmp_path_factory.mktemp("fixture") / "site")
    result = run_cli("build", cwd=site)
    assert result.code == 0, result.err
    return site / "build"


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    jar = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    require_tool(jar if shutil.which("java") else None, "the Nu HTML checker (vnu-jar) with Java")
    return jar


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled catalogue (content/ of this repo), built once per session."""
    out = tmp_path_factory.mktemp("bundled") / "build"
    result = run_cli("build", "-o", str(out), cwd=ROOT)
    assert result.code == 0, result.err
    return out

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    require_tool(CHROMIUM, "Debian chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_tool(None, "playwright (pip)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def browser_page(browser):
    """Factory: serve a build folder on a free loopback port and open a fresh page; both stopped after."""
    from site_gen.server import start

    servers, contexts = [], []

    def open_site(build: Path):
        server, port = start(build)
        servers.append(server)
        context = browser.new_context()
        contexts.append(context)
        return context.new_page(), f"http://127.0.0.1:{port}"

    yield open_site
    for context in contexts:
        context.close()
    for server in servers:
        server.shutdown()
        server.server_close()
