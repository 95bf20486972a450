"""Each folder in tests/cases/invalid is a broken edit of the fixture site.

Each case gives the exact diagnostics (expected.txt), every problem of the
run at once; the build exits 1 and leaves the previous build/ byte-identical.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import copy_site, run_cli, snapshot

CASES = Path(__file__).resolve().parent / "cases" / "invalid"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_invalid_site(case: str, tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    first = run_cli("build", cwd=site)
    assert first.code == 0, first.err
    before = snapshot(site / "build")
    shutil.copytree(CASES / case / "overlay", site, dirs_exist_ok=True)

    result = run_cli("build", cwd=site)

    expected = (CASES / case / "expected.txt").read_text().splitlines()
    assert result.problems == expected
    assert result.code == 1
    assert result.err.rstrip().endswith("nothing was written")
    assert snapshot(site / "build") == before
    assert sorted(p.name for p in site.iterdir()) == sorted([".site-gen-cache", "build", "content", "mkdocs.yml"])

    check = run_cli("check", cwd=site)
    assert check.code == 1 and check.problems == expected
    # Again, with every valid file's entry from the parse cache: the checks across files read the facts it was
    # loaded with, and each problem is the same, where it was.
    again = run_cli("build", cwd=site)
    assert again.code == 1 and again.problems == expected
    assert snapshot(site / "build") == before
