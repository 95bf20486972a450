"""Write the site into a staging folder, then swap it in whole.

A failed or killed build leaves the published folder exactly as it was:
everything is written to ``<output>.tmp-<token>`` beside it, and only a
complete build replaces ``<output>``, by one atomic exchange of the two
folders (Linux's renameat2 RENAME_EXCHANGE), so that a reader never finds the
folder missing.  Where the exchange is not available (another system, an old
kernel, a file system without it), two renames do it, and a build killed
between them leaves ``<output>.old-<token>``, which the next build puts back
before anything else.  Leftover staging folders of killed builds are removed
by the next build.  The writer refuses an
output folder that would hold or overwrite the project itself, and never
deletes a folder it did not create (it carries a marker file).
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from .errors import Diagnostic, OutputError, os_cause
from .urls import fold

MARKER = ".site-gen-output"
_BLOCK = 1 << 20


def check_output_dir(output: Path, protected: dict[str, Path], shown: str | None = None) -> None:
    """Refuse `.`, the project, its content or templates, home, or a parent of any of them."""
    target = output.resolve()
    shown = shown or str(output)
    guarded = dict(protected)
    guarded["the current folder"] = Path.cwd()
    guarded["your home folder"] = Path.home()
    for label, path in guarded.items():
        path = path.resolve()
        if target == path or target in path.parents:
            where = label if target == path else f"a parent of {label}"
            raise OutputError(Diagnostic(shown, field="output_dir", message=f"refusing to write the site into {where}",
                                         hint="choose a separate folder such as 'build'; the output folder is "
                                              "replaced whole on every build"))
    if target == Path(target.anchor):
        raise OutputError(Diagnostic(shown, field="output_dir", message="refusing to write into /"))
    if target.exists() and not target.is_dir():
        raise OutputError(Diagnostic(shown, field="output_dir", message="expected a folder, found a file"))
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise OutputError(Diagnostic(shown, field="output_dir",
                                     message="the folder exists, is not empty, and was not written by site-gen",
                                     hint="choose another folder or empty it; site-gen replaces its output whole"))


def create_file(path: str, data: bytes) -> None:
    """Write a new file: never into one already there, which in a staging folder may be a hard link to a
    published file (site_gen.prelink links the previous build's pages in early): that would change the site."""
    with open(path, "xb") as handle:
        handle.write(data)


def link_or_copy(source: str, target: str) -> bool:
    """Hard-link ``source`` to ``target``, or copy it where links fail (another file system: a shard's download
    folder, serve's first build from the project's build folder); True when linked. OSError if neither works."""
    try:
        os.link(source, target)
        return True
    except FileExistsError:  # never copied over: the file there may be a published page's inode
        raise
    except OSError:
        shutil.copyfile(source, target)
        return False


class StagedOutput:
    """Collects output files in a staging folder; ``commit()`` publishes them."""

    def __init__(self, output: Path):
        self.output = output
        self.staging = output.with_name(f"{output.name}.tmp-{secrets.token_hex(4)}")
        self._written: dict[str, str] = {}
        self.bytes_written = 0
        self.linked: dict[str, list[int]] = {}
        """(size, mtime) of the files hard-linked by link_from: a link shares its inode, and so its stat."""
        self._removal: subprocess.Popen[bytes] | None = None
        self._committed = False

    def __enter__(self) -> StagedOutput:
        try:
            clean_stale(self.output)
            self.staging.mkdir(parents=True)
            (self.staging / MARKER).write_text("site-gen build output; replaced whole on every build\n")
        except OSError as exc:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise _unwritable(self.output, exc, "cannot create the new site's folder beside it") from None
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if not self._committed and self.staging.exists():  # the build failed
            shutil.rmtree(self.staging, ignore_errors=True)

    def write(self, relative: str, data: str | bytes) -> None:
        target = self._target(relative)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        create_file(target, payload)
        self.bytes_written += len(payload)

    def write_parts(self, relative: str, parts: Iterable[bytes]) -> int:
        """Write a file made in parts, each as it comes: a large one (a provider's llms-full file, the API
        listing: ~40 and ~80 MB at 100,000 models) is never held whole. Its size in bytes."""
        size = 0
        with open(self._target(relative), "xb") as handle:  # as create_file: never into a file already there
            for part in parts:
                size += handle.write(part)
        self.bytes_written += size
        return size

    def _target(self, relative: str) -> str:
        """The path to write ``relative`` at in the staging folder, its folder made; each file once."""
        key = fold(relative)
        if key in self._written:
            raise OutputError(Diagnostic(relative, message=f"two outputs write the same file: {relative} "
                                         f"and {self._written[key]}", hint="this is a site-gen bug; please report it"))
        self._written[key] = relative
        target = self.staging / relative
        if self.staging.resolve() not in target.resolve().parents:
            raise OutputError(Diagnostic(relative, message="output path leaves the output folder"))
        target.parent.mkdir(parents=True, exist_ok=True)
        return str(target)

    def same_as(self, source: Path, name: str, stats: dict[str, list[int]]) -> bool:
        """Whether the file ``name`` written in this build has the bytes of the previous build's (in ``source``),
        which is as that build wrote it; if so, the previous one is hard-linked in its place: a file whose
        bytes did not change is not rewritten. Read in blocks: the files may be large."""
        record = stats.get(name)
        previous, written = source / name, self.staging / name
        try:
            st = previous.stat()
            if [st.st_size, st.st_mtime_ns] != record or st.st_size != written.stat().st_size:
                return False
            with open(previous, "rb") as old, open(written, "rb") as new:
                while True:
                    block = old.read(_BLOCK)
                    if block != new.read(_BLOCK):
                        return False
                    if not block:
                        break
        except OSError:
            return False
        os.unlink(written)
        if link_or_copy(str(previous), str(written)):
            self.linked[name] = list(record)  # type: ignore[arg-type]  # the same inode: no stat for the manifest
        return True

    def record(self, files: tuple[str, ...], size: int) -> None:
        """Files a worker process wrote (or linked) into the staging folder."""
        for relative in files:
            key = fold(relative)
            if key in self._written:
                raise OutputError(Diagnostic(relative, message=f"two outputs write the same file: {relative}",
                                             hint="this is a site-gen bug; please report it"))
            self._written[key] = relative
        self.bytes_written += size

    def link_from(self, source: Path, names: list[str], stats: dict[str, list[int]]) -> bool:
        """Hard-link files of the previous build that are exactly as it wrote them; False if any is not."""
        for name in names:
            try:
                st = (source / name).stat()
            except OSError:
                return False
            if [st.st_size, st.st_mtime_ns] != stats.get(name):
                return False
        for name in names:
            target = self.staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if link_or_copy(str(source / name), str(target)):
                self.linked[name] = list(stats[name])  # the same inode: the manifest need not stat it again
            self._written[fold(name)] = name
            self.bytes_written += stats[name][0]
        return True

    def read_bytes(self, relative: str) -> bytes:
        """Bytes of a file already written in this build."""
        with open(f"{self.staging}/{relative}", "rb") as handle:
            return handle.read()

    def read(self, relative: str) -> str:
        """Text of a file already written in this build (read as bytes by its path as a string: a price edit joins
        6,000 mirrors again into its providers' llms-full files, and pathlib's read_text took twice as long)."""
        return self.read_bytes(relative).decode("utf-8")

    @property
    def files(self) -> list[str]:
        return sorted(self._written.values())

    def commit(self) -> None:
        """Publish the staging folder. The previous tree is removed by another process while this one goes on
        (``wait`` for it): removing 30,000 files takes a fifth of a second that the caches' saving can use."""
        try:
            self._commit()
        except OSError as exc:  # the previous tree, if any, is back in place (or put back by the next command)
            raise _unwritable(self.output, exc, "cannot put the new site in place") from None

    def _commit(self) -> None:
        if self.output.is_dir() and not self.output.is_symlink() and exchange(self.staging, self.output):
            self._committed = True
            self._removal = _remove_aside(self.staging)  # now the previous build
            return
        old = self.output.with_name(f"{self.output.name}.old-{secrets.token_hex(4)}")
        had_old = self.output.exists()
        if had_old:
            os.replace(self.output, old)
        try:
            os.replace(self.staging, self.output)  # a build killed just before this leaves `old`: see recover
        except OSError:
            if had_old:
                os.replace(old, self.output)  # the published tree goes back at once
            raise
        self._committed = True
        if had_old:
            self._removal = _remove_aside(old)

    def wait(self) -> None:
        """Wait until the previous tree is gone (a build that stops before this leaves it to the next build's
        clean-up: it is a marked leftover like any other)."""
        if self._removal is not None:
            self._removal.wait()
            self._removal = None


def _unwritable(output: Path, exc: OSError, what: str) -> OutputError:
    cause, hint = os_cause(exc, output.parent)
    return OutputError(Diagnostic(str(output), field="output_dir", message=f"{what}: {cause}",
                                  hint=f"{hint}, or choose another folder with -o DIR or output_dir in mkdocs.yml; "
                                       "nothing was published"))


def _remove_aside(folder: Path) -> subprocess.Popen[bytes] | None:
    """Start removing ``folder`` in a child process (rm -rf); where there is no rm, remove it here and now."""
    rm = shutil.which("rm")
    if rm:
        try:
            return subprocess.Popen([rm, "-rf", "--", str(folder)], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)
    return None


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc before 2.28, some others)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    # Any failure (ENOSYS, EINVAL: a kernel or file system without it) leaves both folders as they were; the
    # two renames then run, and report a real problem (permissions, another device) as they always did.
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def recover(output: Path) -> None:
    """Put back a published folder that a build killed between its two renames left as ``<output>.old-*``.

    Called before anything looks at the output folder (the no-op check, the previous build's manifest)."""
    parent = output.parent
    if output.exists() or output.is_symlink() or not parent.is_dir():
        return
    olds = [c for c in parent.iterdir() if c.name.startswith(f"{output.name}.old-") and c.is_dir()
            and not c.is_symlink() and (c / MARKER).exists()]
    if olds:  # only one build at a time is between its two renames; the newest if several were ever left
        os.replace(max(olds, key=lambda c: c.stat().st_mtime_ns), output)


def clean_stale(output: Path) -> None:
    """Remove staging and old folders left by killed builds (only ones carrying our marker), after putting
    back a published folder that one of them left renamed."""
    recover(output)
    parent = output.parent
    if not parent.is_dir():
        return
    for candidate in parent.iterdir():
        name = candidate.name
        if name.startswith((f"{output.name}.tmp-", f"{output.name}.old-")) and candidate.is_dir() \
                and not candidate.is_symlink() and (candidate / MARKER).exists():
            shutil.rmtree(candidate, ignore_errors=True)
