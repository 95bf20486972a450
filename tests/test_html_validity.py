"""The Nu HTML checker (vnu-jar, the W3C validator) reports no error on any built page."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest


def vnu_errors(jar: Path, folder: Path) -> list[str]:
    pages = sorted(folder.rglob("*.html"))
    assert pages, f"no HTML files under {folder}: vnu would pass an empty folder silently"
    proc = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--skip-non-html", "--format", "json",
                           "--stdout", str(folder)], capture_output=True, text=True, timeout=600)
    messages = json.loads(proc.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages
              if m.get("type") in ("error", "non-document-error")]
    assert proc.returncode == (1 if errors else 0), proc.stderr
    return errors


def test_fixture_site_has_no_html_errors(fixture_build: Path, vnu_jar: Path) -> None:
    assert vnu_errors(vnu_jar, fixture_build) == []


@pytest.mark.slow
def test_bundled_catalogue_has_no_html_errors(bundled_build: Path, vnu_jar: Path) -> None:
    assert vnu_errors(vnu_jar, bundled_build) == []
