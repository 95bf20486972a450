"""Feedback on a long build, as a terminal shows it: a progress bar while the content loads and while the pages
render, the phase under way between them, and nothing of either left on the screen at the end."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers import EPOCH, ROOT, copy_site, free_port, run_cli

pty = pytest.importorskip("pty")  # POSIX


def on_a_terminal(site: Path, *args: str, until: str = "", columns: int = 100) -> tuple[int, str]:
    """``site-gen`` run in ``site`` on a pseudo-terminal ``columns`` wide: its exit code and all it wrote.
    ``until``: Ctrl-C once it has written that (a server runs until stopped)."""
    import fcntl
    import signal
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI as a user runs it, on a terminal of that size from its start
        # Ctrl-C as a terminal delivers it, whatever started the tests: a shell's background job (`cmd &`, nohup)
        # inherits SIGINT ignored, and Python then never installs its handler, so the server would not stop.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        os.chdir(site)
        os.environ["SOURCE_DATE_EPOCH"] = EPOCH
        os.environ["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever is installed
        os.execv(sys.executable, [sys.executable, "-m", "site_gen", *args])
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child has gone: the terminal is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
        if until and until in b"".join(chunks).decode("utf-8", "replace"):
            os.kill(pid, signal.SIGINT)
            until = ""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8")


def screen(written: str) -> list[str]:
    """The lines a terminal ends up showing: a carriage return goes back to the line's start, and what is
    written then replaces what was there."""
    lines = []
    for line in written.replace("\r\n", "\n").split("\n"):
        shown: list[str] = []
        column = 0
        for char in line:
            if char == "\r":
                column = 0
                continue
            shown[column:column + 1] = [char]
            column += 1
        lines.append("".join(shown).rstrip())
    return lines


def test_a_build_shows_its_progress_and_leaves_only_its_summary(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    code, written = on_a_terminal(site, "build", "--clean")
    assert code == 0, written
    for shown in ("content:", "pages:", "checking the catalogue...", "computing the pages' keys...",
                  "joining the llms-full files...", "checking links...", "publishing..."):
        assert shown in written
    lines = [line for line in screen(written) if line]
    assert lines[0].startswith("llms file ") and lines[-1].startswith("built 7 pages")
    assert not any(word in line for line in lines for word in ("...", "content:", "pages:", "%|"))


def test_on_a_narrow_terminal_the_progress_stays_on_one_line(tmp_path: Path) -> None:
    """A line longer than the terminal wraps, and a carriage return then goes back to the start of its last part
    only: the phases and bars would pile up down the screen. Each is cut to the width instead."""
    import re

    site = copy_site(tmp_path / "site")
    code, written = on_a_terminal(site, "build", "--clean", columns=20)
    assert code == 0, written
    progress = written[:written.index("llms file")]  # the summary after it is printed, not replaced: it wraps
    assert "checking the catal" in progress and "content:" in progress and "pages:" in progress
    assert max(len(part) for part in re.split(r"[\r\n]", progress)) < 20
    lines = [line for line in screen(written) if line]
    assert lines[0].startswith("llms file ") and lines[-1].startswith("built 7 pages")


def test_check_shows_its_progress_too(tmp_path: Path) -> None:
    """site-gen check renders every page as a build does, writing nothing: as long, so as shown."""
    site = copy_site(tmp_path / "site")
    code, written = on_a_terminal(site, "check")
    assert code == 0, written
    assert "content:" in written and "pages:" in written and "checking links..." in written
    assert [line for line in screen(written) if line] == ["ok: 7 pages valid, 0 warnings, nothing written"]
    assert not (site / "build").exists()


def test_serve_shows_the_progress_of_its_first_build(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    port = str(free_port())
    code, written = on_a_terminal(site, "serve", "--port", port, until="serving on")
    assert code == 0, written
    assert written.index("pages:") < written.index("serving on")
    assert f"serving on http://127.0.0.1:{port}/ (Ctrl-C stops)" in screen(written)


def test_a_problem_is_shown_on_a_clean_line(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    gemini = site / "content/models/google/gemini-2.5-pro.md"
    gemini.write_text(gemini.read_text(encoding="utf-8").replace("release_date: 2025-03-20", "release_date: soon"),
                      encoding="utf-8")
    code, written = on_a_terminal(site, "build")
    assert code == 1
    lines = [line for line in screen(written) if line]
    assert lines[0].startswith("content/models/google/gemini-2.5-pro.md:") and "release_date" in lines[0]
    assert lines[-1] == "site-gen: 1 problem; nothing was written"


def test_no_progress_when_the_output_is_not_a_terminal(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    result = run_cli("build", cwd=site)
    assert result.code == 0 and "\r" not in result.err + result.out and "..." not in result.err


def test_quiet_and_verbose_together_are_refused(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    run = run_cli("build", "-q", "-v", cwd=site)
    assert run.code == 2 and "argument -v/--verbose: not allowed with argument -q/--quiet" in run.err
    assert not (site / "build").exists()


def test_a_build_without_a_bar_does_not_import_tqdm(tmp_path: Path) -> None:
    """tqdm (and the importlib.metadata it imports) costs a fresh process ~6 MB, shared with every worker it
    forks: a build that shows no bar (not a terminal, or -q) goes without it. A bar shown still uses it (above)."""
    import subprocess

    site = copy_site(tmp_path / "site")
    probe = ("import sys\nfrom site_gen.cli import main\n"
             "code = main(['build', '--clean'] + sys.argv[1:])\n"
             "print('tqdm' in sys.modules, code)\n")
    for args in ([], ["-q"]):
        run = subprocess.run([sys.executable, "-c", probe, *args], cwd=site, capture_output=True, text=True,
                             env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)})
        assert run.stdout.splitlines()[-1] == "False 0", run.stdout + run.stderr
