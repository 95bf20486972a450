"""The published folder is never half-written, and builds are deterministic
(bad-inputs #43-#47)."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from site_gen import content as content_module
from site_gen import writer
from site_gen.errors import os_cause
from tests.helpers import EPOCH, ROOT, copy_site, run_cli, snapshot


def leftovers(site: Path) -> list[str]:
    return sorted(p.name for p in site.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


@pytest.fixture
def built_site(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    return site, snapshot(site / "build")


def test_template_error_on_one_page_leaves_build_intact(built_site: tuple[Path, dict]) -> None:
    site, before = built_site
    (site / "templates").mkdir()
    (site / "templates/model.md").write_text(
        (ROOT / "templates/model.md").read_text().replace(
            "## Model Metadata",
            "{% if page.id == 'unknowns' %}{{ page.no_such_field }}{% endif %}\n## Model Metadata"))
    result = run_cli("build", cwd=site)
    assert result.code == 1
    assert result.problems[0].startswith("templates/model.md:")
    assert result.problems[0].endswith("'no_such_field' is undefined (while rendering content/models/acme/unknowns.md)")
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


@pytest.mark.parametrize("error", [PermissionError(errno.EACCES, "Permission denied"),
                                   OSError(errno.ENOSPC, "No space left on device")])
def test_io_error_half_way_leaves_build_intact(built_site: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch,
                                                error: OSError) -> None:
    import site_gen.writer as writer

    site, before = built_site
    real_write = writer.create_file
    calls = {"n": 0}

    def failing_write(path: str, data: bytes) -> None:
        if ".tmp-" in path:
            calls["n"] += 1
            if calls["n"] == 7:  # half-way through the site-wide files
                error.filename = path
                raise error
        real_write(path, data)

    monkeypatch.setattr(writer, "create_file", failing_write)
    result = run_cli("build", "--clean", cwd=site)
    assert result.code == 1
    # The file named as the output folder will hold it (not the staging folder), the cause in words and the
    # system's, and the fix for that cause.
    cause, fix = {errno.EACCES: ("permission denied", f"make {site} writable for this user"),
                  errno.ENOSPC: ("the file system is full", "free space on the file system of ")}[error.errno]
    assert len(result.problems) == 1, result.err
    problem = result.problems[0]
    assert re.fullmatch(rf"build: output_dir: cannot write [\w./-]+: {cause} \[{error.strerror}\] \(.+\)", problem)
    assert ".tmp-" not in problem and f"({fix}" in problem and problem.endswith("; nothing was published)")
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


@pytest.mark.parametrize("path", ["llms/providers/google-full.txt", "api/models.json"])
def test_a_full_disk_while_a_large_file_is_written_in_parts_leaves_build_intact(
        built_site: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """The llms-full files and the API listing go to the staging folder a part at a time (StagedOutput.write_parts):
    a disk that fills after the first part fails the build with the cause, and the published site is as it was."""
    site, before = built_site
    real = writer.StagedOutput.write_parts

    def filling(self: writer.StagedOutput, relative: str, parts: Any) -> int:
        if relative != path:
            return real(self, relative, parts)

        def until_full() -> Any:
            for number, part in enumerate(parts):
                if number == 1:
                    raise OSError(errno.ENOSPC, "No space left on device")
                yield part

        return real(self, relative, until_full())

    monkeypatch.setattr(writer.StagedOutput, "write_parts", filling)
    result = run_cli("build", "--clean", cwd=site)
    assert result.code == 1
    assert len(result.problems) == 1, result.err
    assert "the file system is full [No space left on device]" in result.problems[0]
    assert result.problems[0].endswith("; nothing was published)")
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


@pytest.mark.parametrize(("code", "cause", "fix"), [
    (errno.ENOSPC, "the file system is full", "free space on the file system of {tmp} ("),
    (errno.EDQUOT, "your disk quota is used up", "free space within your quota on the file system of {tmp} ("),
    (errno.EACCES, "permission denied", "make {folder} writable for this user"),
    (errno.EROFS, "the file system is read-only", "use a folder on a writable file system"),
    (errno.EMFILE, "too many files are open", "raise the limit (ulimit -n) or build with fewer processes (-j)"),
    (errno.ENAMETOOLONG, "a path is too long for the file system", "use shorter routes in mkdocs.yml"),
    (errno.ENOTDIR, "a file is where a folder should be", "remove or rename the file in the way"),
    (errno.EXDEV, "", "check free disk space and permissions"),  # no better guess: the system's words alone
])
def test_a_failed_file_operation_is_said_in_words_with_the_fix_for_its_cause(tmp_path: Path, code: int, cause: str,
                                                                              fix: str) -> None:
    folder = tmp_path / "not-yet" / "site"  # a full disk's hint measures the nearest folder that exists
    said, hint = os_cause(OSError(code, os.strerror(code)), folder)
    assert said == (f"{cause} [{os.strerror(code)}]" if cause else os.strerror(code))
    assert hint.startswith(fix.format(tmp=tmp_path, folder=folder))
    if code in (errno.ENOSPC, errno.EDQUOT):
        assert re.search(r"\(\d[\d,.]* [KMG]?B in all, \d[\d,.]* (bytes|KB|MB|GB) free when it stopped\)$", hint)


@pytest.mark.parametrize("refused_read", [1, 2])
def test_a_content_file_that_cannot_be_read_is_named_with_the_fix(built_site: tuple[Path, dict],
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  refused_read: int) -> None:
    """Refused when its front matter is loaded (the first read), or when its body is read again for its page."""
    site, before = built_site
    target = site / "content/models/acme/unknowns.md"
    _edit_title(site)  # changed, so read again rather than taken from the parse cache
    real_read = Path.read_bytes
    reads = {"n": 0}

    def read(path: Path) -> None:
        if path.absolute() == target:
            reads["n"] += 1
            if reads["n"] == refused_read:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def refused(self: Path) -> bytes:  # the front matter's read
        read(self)
        return real_read(self)

    def refused_open(file: str, *args: Any, **kwargs: Any) -> Any:  # the body's (site_gen.content._read_body)
        read(Path(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", refused)
    monkeypatch.setattr(content_module, "open", refused_open, raising=False)
    result = run_cli("build", cwd=site)
    assert result.code == 1
    assert result.problems == ["content/models/acme/unknowns.md: cannot read file: Permission denied (make it "
                               "readable for this user, with chmod a+r for one)"]
    assert reads["n"] == refused_read
    monkeypatch.undo()
    assert snapshot(site / "build") == before


def test_refuses_a_foreign_non_empty_output_folder(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    precious = site / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = run_cli("build", "--output", "precious", cwd=site)
    assert result.code == 1
    assert "the folder exists, is not empty, and was not written by site-gen" in result.err
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_removed_page_disappears_from_every_output(built_site: tuple[Path, dict]) -> None:
    site, _ = built_site
    (site / "content/models/acme/unknowns.md").unlink()
    assert run_cli("build", cwd=site).code == 0
    build = site / "build"
    assert not (build / "model/unknowns.html").exists()
    assert not (build / "llms/models/unknowns.md").exists()
    assert not (build / "api/models/unknowns.json").exists()
    for name in ("sitemap.xml", "llms/providers/acme.txt", "index.html", "llms/index.md", "api/models.json",
                 "provider/acme.html", "llms-full.txt"):
        assert "unknowns" not in (build / name).read_text(), name


def _build_in_subprocess(site: Path, out: str, env: dict[str, str]) -> None:
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **env}
    subprocess.run([sys.executable, "-m", "site_gen", "build", "-q", "-o", out], cwd=site, env=full_env,
                   check=True, capture_output=True)


def test_builds_are_identical_across_hash_seed_timezone_locale_and_mtimes(tmp_path: Path) -> None:
    a, b = copy_site(tmp_path / "a"), copy_site(tmp_path / "b")
    for path in sorted((b / "content").rglob("*.md")):  # different mtimes, touched in another order
        os.utime(path, (1_000_000_000, 1_000_000_000 + len(path.name)))
    _build_in_subprocess(a, "out", {"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C"})
    _build_in_subprocess(b, "out", {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"})
    assert snapshot(a / "out") == snapshot(b / "out")


def _build_half_way(tmp_path: Path) -> tuple[Path, dict[str, bytes], subprocess.Popen[str]]:
    """The bundled catalogue built over a published site by ``site-gen build -q`` in a session of its own (its
    process group, as a terminal's foreground job), once 500 model pages are in its staging folder: the site
    folder, the published site's files, and the running build."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "mkdocs.yml", site / "mkdocs.yml")
    (site / "build").mkdir()
    (site / "build" / writer.MARKER).write_text("previous build\n")
    (site / "build" / "index.html").write_text("previous site")
    before = snapshot(site / "build")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    # Ctrl-C's default action in the build, as a terminal's job has it, even when the suite runs as a shell's
    # background job (which inherits SIGINT ignored).
    proc = subprocess.Popen([sys.executable, "-m", "site_gen", "build", "-q"], cwd=site, env=env,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            (p / "model").is_dir() and len(list((p / "model").iterdir())) > 500
            for p in site.glob("build.tmp-*")):
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be stopped"
    return site, before, proc


@pytest.mark.slow
def test_sigkill_half_way_then_rebuild(tmp_path: Path) -> None:
    site, before, proc = _build_half_way(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert snapshot(site / "build") == before
    assert leftovers(site)  # the killed build's staging folder is still there...
    assert run_cli("build", "-q", cwd=site).code == 0
    assert leftovers(site) == []  # ...and the next build cleans it up
    assert (site / "build/model/gpt-4.1-mini.html").is_file()


@pytest.mark.slow
def test_ctrl_c_half_way_leaves_the_site_and_says_so(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group, the build's workers included: the build stops with one
    line and no traceback, ended by the signal as a shell expects (a script running it stops too), the published
    site untouched and its staging folder gone."""
    site, before, proc = _build_half_way(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # as the terminal does on Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGINT
    assert err.strip() == "site-gen: interrupted"
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


def test_a_second_build_of_the_same_folder_waits_for_the_first(tmp_path: Path) -> None:
    """One build of a folder at a time: a second one says it waits, and builds once the first is done."""
    from site_gen.cache import build_lock
    from site_gen.config import load_config

    site = copy_site(tmp_path / "site")
    config = load_config(site / "mkdocs.yml")
    err = tmp_path / "err.txt"
    with build_lock(config, site / "build"), err.open("w") as sink:  # as a build running in this process would
        proc = subprocess.Popen([sys.executable, "-m", "site_gen", "build"], cwd=site, stdout=subprocess.PIPE,
                                stderr=sink, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
        deadline = time.monotonic() + 30
        while "waiting" not in err.read_text() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None, "the second build did not wait"
        assert err.read_text() == "waiting for another build of build to finish...\n"
        assert not (site / "build").exists()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "built 7 pages" in out
    assert "waiting" not in run_cli("build", "-q", cwd=site).err  # free again once released


@pytest.mark.slow
def test_two_builds_at_once_both_succeed_one_after_the_other(tmp_path: Path) -> None:
    """Before the lock, the second build took the first's staging folder for one a killed build had left, and
    removed it: the first failed on a file it could no longer write."""
    site, _, first = _build_half_way(tmp_path)
    second = subprocess.run([sys.executable, "-m", "site_gen", "build"], cwd=site, capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, timeout=300)
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second.stderr
    assert second.stderr.startswith("waiting for another build of build to finish...")
    assert "nothing changed since the last build of build" in second.stdout  # the first's, found complete
    assert leftovers(site) == []
    assert (site / "build/model/gpt-5.html").is_file()


def _edit_title(site: Path) -> None:
    path = site / "content/models/acme/unknowns.md"
    path.write_text(path.read_text().replace("\ntitle: ", "\ntitle: Renamed ", 1))


def test_publish_exchanges_the_folders_in_one_step(built_site: tuple[Path, dict],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """On Linux the new tree takes the old one's place in one system call: no moment without the folder."""
    site, before = built_site
    calls: list[tuple[str, str]] = []
    real = writer.exchange

    def spy(a: Path, b: Path) -> bool:
        calls.append((a.name, b.name))
        swapped = real(a, b)
        assert swapped, "renameat2(RENAME_EXCHANGE) failed on this Linux file system"
        assert (b / "model/unknowns.html").is_file() and (a / writer.MARKER).is_file()  # both trees whole
        return swapped

    monkeypatch.setattr(writer, "exchange", spy)
    _edit_title(site)
    assert run_cli("build", cwd=site).code == 0
    assert [b for _, b in calls] == ["build"] and calls[0][0].startswith("build.tmp-")
    assert "Renamed" in (site / "build/model/unknowns.html").read_text()
    assert snapshot(site / "build") != before
    assert leftovers(site) == []


def test_publish_without_the_exchange_uses_two_renames(built_site: tuple[Path, dict],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    site, _ = built_site
    monkeypatch.setattr(writer, "exchange", lambda a, b: False)  # another system, or a file system without it
    _edit_title(site)
    assert run_cli("build", cwd=site).code == 0
    assert "Renamed" in (site / "build/model/unknowns.html").read_text()
    assert leftovers(site) == []


class _Killed(BaseException):
    """An exception nothing catches, as a kill leaves no chance to (KeyboardInterrupt is Ctrl-C's: the CLI reports
    it and ends by the signal)."""


def test_a_build_killed_between_its_two_renames_loses_nothing(built_site: tuple[Path, dict],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The published tree was renamed aside and the new one not yet put in place: the next command puts the
    published tree back before anything else (before it was deleted as a leftover, and the site was gone)."""
    site, before = built_site
    monkeypatch.setattr(writer, "exchange", lambda a, b: False)
    real_replace = os.replace

    def killed(src: object, dst: object) -> None:
        if ".tmp-" in str(src):
            raise _Killed  # stands for SIGKILL between the two renames
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed)
    _edit_title(site)
    with pytest.raises(_Killed):
        run_cli("build", cwd=site)
    monkeypatch.setattr(os, "replace", real_replace)
    assert not (site / "build").exists()
    assert [name.split("-")[0] for name in leftovers(site)] == ["build.old"]
    # A failing build still puts the published tree back, as it was, before reporting its errors.
    (site / "content/models/acme/broken.md").write_text("---\nid: [\n---\n")
    assert run_cli("build", cwd=site).code == 1
    assert snapshot(site / "build") == before
    (site / "content/models/acme/broken.md").unlink()
    assert run_cli("build", cwd=site).code == 0
    assert "Renamed" in (site / "build/model/unknowns.html").read_text()
    assert leftovers(site) == []


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    (site / "a-file").write_text("not a folder")
    result = run_cli("build", "-o", "a-file/out", cwd=site)
    assert result.code == 1
    assert result.problems[0] == ("a-file/out: output_dir: cannot create the new site's folder beside it: "
                                  "a file is where a folder should be [Not a directory] (remove or rename the "
                                  "file in the way, or choose another folder with -o DIR or output_dir in "
                                  "mkdocs.yml; nothing was published)")
    assert "Traceback" not in result.err


def test_a_publish_that_fails_leaves_the_published_site_in_place(built_site: tuple[Path, dict],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The new tree cannot be put in place (a file system without the exchange, then a rename refused): a
    clear error, and the published tree is back where it was, whole, before the command ends."""
    site, before = built_site
    monkeypatch.setattr(writer, "exchange", lambda a, b: False)
    real_replace = os.replace

    def refused(src: object, dst: object) -> None:
        if ".tmp-" in str(src):
            raise OSError(errno.EXDEV, "Invalid cross-device link", str(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refused)
    _edit_title(site)
    result = run_cli("build", cwd=site)
    assert result.code == 1
    assert result.problems[0].startswith("build: output_dir: cannot put the new site in place: "
                                         "Invalid cross-device link (check free disk space and permissions, or ")
    assert snapshot(site / "build") == before
    assert leftovers(site) == []


def test_a_build_cache_folder_that_cannot_be_made_is_a_clear_error(built_site: tuple[Path, dict]) -> None:
    site, before = built_site
    shutil.rmtree(site / ".site-gen-cache")
    (site / ".site-gen-cache").write_text("in the way")
    result = run_cli("build", cwd=site)
    assert result.code == 1
    assert result.problems[0] == (".site-gen-cache: cannot create the build cache folder: a file is in the way "
                                  "[File exists] (remove or rename what is in the way; the cache is safe to delete "
                                  "at any time)")
    assert snapshot(site / "build") == before


def test_a_build_cache_that_cannot_be_written_is_a_clear_error_or_warning(built_site: tuple[Path, dict]) -> None:
    """Before publishing (the parse cache), an error and nothing published; after it (the manifest), a
    warning: the site is out, and the next build, not trusting a manifest it could not write, renders again."""
    site, before = built_site
    cache_dir = site / ".site-gen-cache"
    (cache_dir / "content.pickle").unlink()
    (cache_dir / "content.pickle").mkdir()
    _edit_title(site)
    result = run_cli("build", cwd=site)
    assert result.code == 1 and "Traceback" not in result.err
    assert result.problems[0].startswith(".site-gen-cache/content.pickle: cannot write the build cache: a folder "
                                         "is where a file should be [Is a directory] (remove or rename the folder "
                                         "in the way, or remove the .site-gen-cache folder")
    assert snapshot(site / "build") == before
    (cache_dir / "content.pickle").rmdir()
    manifest = next(cache_dir.glob("*.json"))
    manifest.unlink()
    manifest.mkdir()
    result = run_cli("build", cwd=site)
    assert result.code == 0, result.err
    assert "cannot write the build cache: a folder is where a file should be [Is a directory]" in result.err
    assert "the site was published" in result.err
    assert "Renamed" in (site / "build/model/unknowns.html").read_text()
    assert not list(cache_dir.glob("*.tmp"))
    manifest.rmdir()
    assert "reused unchanged: 0" in run_cli("build", cwd=site).out  # nothing trusted from before
    assert "nothing changed" in run_cli("build", cwd=site).out
