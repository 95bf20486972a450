"""Every row of shared/docs/bad-inputs.md that a content edit can cause, as a case folder.

tests/cases/bad_inputs/<NN-name>/ holds overlay/ (files laid over the fixture
site), expected.txt (the exact diagnostics), and optionally args, env, exit,
contains.txt (`built file|text` lines that must appear), and twin (the row is
OK-normalised: the output must equal the clean build's).
Each case checks the exit code, the exact text, and that the previous build/
is byte-identical with no staging folder left behind.

Rows tested elsewhere: #11's 100 ms bound (test_yamlsafe), #34-41 (test_security),
#43 and #46 (test_atomic), #45 and #47 (test_atomic), #49 (test_security),
#50 (test_crawlers), #51 (test_server).  Re-record expected.txt after a
deliberate message change with: SITE_GEN_RECORD=1 pytest tests/test_bad_inputs.py
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest

from tests.helpers import copy_site, run_cli, snapshot

CASES = Path(__file__).resolve().parent / "cases" / "bad_inputs"


def _read(case: Path, name: str, default: str = "") -> str:
    path = case / name
    return path.read_text() if path.exists() else default


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_bad_input(name: str, tmp_path: Path) -> None:
    case = CASES / name
    site = copy_site(tmp_path / "site")
    clean = run_cli("build", cwd=site)
    assert clean.code == 0, clean.err
    before = snapshot(site / "build")
    if (case / "overlay").is_dir():
        shutil.copytree(case / "overlay", site, dirs_exist_ok=True, symlinks=True)
    for rel in _read(case, "delete.txt").split():
        (site / rel).unlink()
    env = dict(line.split("=", 1) for line in _read(case, "env").splitlines() if line)
    args = shlex.split(_read(case, "args", "build"))

    result = run_cli(*args, cwd=site, env=env)

    expected_text = _read(case, "expected.txt")
    if os.environ.get("SITE_GEN_RECORD"):
        (case / "expected.txt").write_text("".join(line + "\n" for line in result.problems))
        expected_text = (case / "expected.txt").read_text()
    expected = expected_text.splitlines()
    assert result.problems == expected
    code = int(_read(case, "exit", "1" if expected else "0"))
    assert result.code == code, result.err
    if (case / "twin").exists() or code != 0:
        assert snapshot(site / "build") == before
    leftovers = [p.name for p in site.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert leftovers == []
    for line in _read(case, "contains.txt").splitlines():
        path, _, text = line.partition("|")
        assert text in (site / "build" / path).read_text(encoding="utf-8"), line


def test_a_named_pipe_among_the_content_files_is_reported_not_waited_on(tmp_path: Path) -> None:
    """A named pipe (or a device) where a content file belongs would block its reader for ever, or never end; it is
    a problem of its own, located, and the build ends. One in the templates folder, which no page uses, is left
    alone (the hash of the templates names what it is instead of reading it). Git cannot hold one, so this case
    is made here, and the build runs in a child process: a regression hangs it, not the test run."""
    import subprocess
    import sys

    from tests.helpers import EPOCH, ROOT

    site = copy_site(tmp_path / "site")
    os.mkfifo(site / "content/models/acme/pipe.md")
    (site / "templates").mkdir(exist_ok=True)
    os.mkfifo(site / "templates/unused.html")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "site_gen", "build"], cwd=site, capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "content/models/acme/pipe.md: not a regular file: a named pipe (FIFO) (a content file holds text; replace "
        "it with one, or move it out of content/)", "site-gen: 1 problem; nothing was written"]
    (site / "content/models/acme/pipe.md").unlink()
    run = subprocess.run([sys.executable, "-m", "site_gen", "build", "-q"], cwd=site, capture_output=True,
                         text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr


_NOT_A_FILE = {
    "named pipe": ("a named pipe (FIFO)", os.mkfifo),
    "directory": ("a directory", os.mkdir),
    "missing link target": ("a link to a missing file (gone.txt)", lambda path: os.symlink("gone.txt", path)),
}


@pytest.mark.parametrize("kind", sorted(_NOT_A_FILE))
@pytest.mark.parametrize("where", ["template", "theme asset", "logo"])
def test_a_used_template_asset_or_logo_that_is_not_a_file_is_reported(tmp_path: Path, where: str,
                                                                       kind: str) -> None:
    """Jinja's loader passes over whatever is not a file at a template's path, and takes the theme's template of
    that name without a word; the theme's assets were passed over the same way. Each is a located problem now,
    not the theme's file published in place of the one the site meant (nor a build blocked on a named pipe).
    The previous build stays published. Runs in a child with a timeout: a regression may hang on the pipe."""
    import subprocess
    import sys

    from tests.helpers import EPOCH, ROOT

    site = copy_site(tmp_path / "site")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-m", "site_gen", "build", "-q"], cwd=site, env=env,
                          timeout=120).returncode == 0
    before = snapshot(site / "build")
    what, make = _NOT_A_FILE[kind]
    if where == "template":
        (site / "templates").mkdir(exist_ok=True)
        make(site / "templates/model.html")
        expected = (f"templates/model.html: template is not a regular file: {what} (a template holds text: replace "
                    "it with one, or remove it to use the theme's; while rendering "
                    "content/models/acme/rocket-1-20250101.md)")
    elif where == "theme asset":
        (site / "templates/assets").mkdir(parents=True, exist_ok=True)
        make(site / "templates/assets/site.js")
        expected = (f"templates/assets/site.js: theme asset is not a regular file: {what} (replace it with the "
                    "file, or remove it)")
    else:
        acme = site / "content/providers/acme.md"
        acme.write_text(acme.read_text().replace("name: ACME AI\n", "name: ACME AI\nlogo: acme.svg\n"))
        make(site / "content/providers/acme.svg")
        expected = (f"content/providers/acme.md: logo: not a regular file: content/providers/acme.svg is {what} "
                    "(put the logo's image file there)" if kind != "missing link target" else
                    "content/providers/acme.md: logo: logo file not found: content/providers/acme.svg (put the logo "
                    "beside the provider file)")
    run = subprocess.run([sys.executable, "-m", "site_gen", "build"], cwd=site, capture_output=True, text=True,
                         env=env, timeout=120)
    assert (run.returncode, run.stderr.splitlines()) == (1, [expected, "site-gen: 1 problem; nothing was written"])
    assert snapshot(site / "build") == before


def test_a_content_file_replaced_by_a_named_pipe_is_reported_by_the_dev_servers_reload(tmp_path: Path) -> None:
    """The dev server parses again the files it is told changed (content.reload_entries); one that became a named
    pipe since is reported, not read (which would block the server's update for ever)."""
    import threading

    from site_gen.content import load_content, reload_entries
    from site_gen.errors import ContentError

    site = copy_site(tmp_path / "site")
    content = load_content(site / "content", site)
    model = site / "content/models/acme/rocket-1-20250101.md"
    model.unlink()
    os.mkfifo(model)
    caught: list[BaseException] = []

    def reload() -> None:
        try:
            reload_entries(content, [model], site / "content", site)
        except BaseException as exc:  # handed to the test's thread
            caught.append(exc)

    worker = threading.Thread(target=reload, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive() and len(caught) == 1 and isinstance(caught[0], ContentError)
    assert [d.format() for d in caught[0].diagnostics] == [
        "content/models/acme/rocket-1-20250101.md: not a regular file: a named pipe (FIFO) (a content file holds "
        "text; replace it with one, or move it out of content/)"]
