"""Shared test helpers: copy a fixture site, run the real CLI, snapshot trees."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from site_gen.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_SITE = FIXTURES / "site"
SHARED = ROOT.parent / "shared"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
SITE = "https://fixture.example.org/"
"""The fixture site's site_url."""


def free_port() -> int:
    """A TCP port nothing listens on now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def problems(self) -> list[str]:
        return [line for line in self.err.splitlines() if not line.startswith("site-gen: ")]


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``site-gen`` in-process (same code path as the console script)."""
    env = {"SOURCE_DATE_EPOCH": EPOCH, **(env or {})}
    saved_env = {k: os.environ.get(k) for k in env}
    saved_cwd = Path.cwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.update(env)
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.chdir(saved_cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Run(code, out.getvalue(), err.getvalue())


def copy_site(dest: Path, source: Path = FIXTURE_SITE) -> Path:
    shutil.copytree(source, dest, symlinks=True)
    return dest


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def written_earlier(path: Path, seconds: int = 10) -> None:
    """Date a file just written a few seconds back, as an edit made before a build is. A build in the same tick
    of the file system's clock as an edit cannot trust the file's stat later, so the build after it is not a
    no-op (site_gen.cache.clock); tests that expect that no-op date their edits back."""
    when = time.time_ns() - seconds * 10**9
    os.utime(path, ns=(when, when))


def read_cache(path: Path) -> bytes:
    """A build-cache file's contents, its checksum line checked and taken off (site_gen.cache.read_sealed)."""
    from site_gen.cache import read_sealed

    payload = read_sealed(path)
    assert payload is not None, f"{path}: not a sealed cache file, or damaged"
    return payload


def write_cache(path: Path, payload: bytes) -> None:
    """Write a build-cache file as site_gen does, checksum and all: for tests of what it holds, not of damage."""
    from site_gen.cache import write_sealed

    write_sealed(path, payload)



def page_inodes(folder: Path) -> dict[str, int]:
    """The inode of each HTML page in ``folder`` (a build's model/ folder, say), by its name without .html."""
    return {p.stem: p.stat().st_ino for p in folder.glob("*.html")}


def rendered_since(folder: Path, before: dict[str, int]) -> set[str]:
    """The pages of ``folder`` written since ``before`` (page_inodes): a page a build keeps is hard-linked from
    the previous build, the same inode, and a page it renders is a new file."""
    return {name for name, inode in page_inodes(folder).items() if before.get(name) != inode}
