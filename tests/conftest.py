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
