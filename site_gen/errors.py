"""Diagnostics and the exception tree.

Every problem a user can cause is a :class:`Diagnostic`: where it is
(``path:line:col``), which field, what was expected, what was found, and a
hint when one can be guessed.  Library code collects diagnostics and raises
one :class:`SiteGenError` carrying all of them; only the CLI prints them.

Exception tree::

    SiteGenError            every user-facing failure; .diagnostics holds all problems
    ├── ConfigError         mkdocs.yml is missing or invalid
    ├── ContentError        content files fail to parse, validate, or cross-check
    ├── RenderError         a template failed while rendering a page
    └── OutputError         the output directory is unsafe or cannot be written
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located as precisely as the input allows."""

    path: str
    """File the problem is in, as given (relative to the project where possible)."""
    line: int = 0
    """1-based line, or 0 when the problem is about the file as a whole."""
    col: int = 0
    """1-based column, or 0 when unknown."""
    field: str = ""
    """Dotted field path inside the file (``pricing.input``), or empty."""
    message: str = ""
    """What was expected and what was found."""
    hint: str = ""
    """A guess at the fix, or empty."""
    severity: str = dataclasses.field(default="error", compare=False)
    """``error`` fails the run; ``warning`` fails it only under ``--strict``."""

    def format(self) -> str:
        loc = self.path
        if self.line:
            loc += f":{self.line}:{self.col or 1}"
        parts = [loc]
        if self.field:
            parts.append(self.field)
        text = ": ".join(parts) + ": "
        if self.severity != "error":
            text += f"{self.severity}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.format()


class SiteGenError(Exception):
    """A failure caused by the user's input or environment, with every problem found."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(path="site-gen", message=diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = sorted(diagnostics, key=_sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def __reduce__(self) -> tuple[type, tuple[list[Diagnostic]]]:
        """Keep every diagnostic when the error crosses from a worker process to the build."""
        return self.__class__, (self.diagnostics,)


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.path, d.line, d.col, d.field, d.message)


class ConfigError(SiteGenError):
    """mkdocs.yml is missing, unreadable or invalid."""


class ContentError(SiteGenError):
    """One or more content files are invalid."""


class ContentChanged(ContentError):
    """A content file was edited, moved or removed while the build was reading it: building again will see it."""


class RenderError(SiteGenError):
    """A template failed while rendering."""


class OutputError(SiteGenError):
    """The output directory is unsafe or could not be written."""


_CAUSES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the file system is full", "free space on {disk}"),
    errno.EDQUOT: ("your disk quota is used up", "free space within your quota on {disk}"),
    errno.EACCES: ("permission denied", "make {where} writable for this user"),
    errno.EPERM: ("the operation is not permitted", "make {where} writable for this user"),
    errno.EROFS: ("the file system is read-only", "use a folder on a writable file system"),
    errno.EMFILE: ("too many files are open", "raise the limit (ulimit -n) or build with fewer processes (-j)"),
    errno.ENFILE: ("the system has too many files open", "close other programs or build with fewer processes (-j)"),
    errno.ENAMETOOLONG: ("a path is too long for the file system",
                         "use shorter routes in mkdocs.yml, or a folder with a shorter path"),
    errno.EFBIG: ("a file is larger than this system allows", "raise the file size limit (ulimit -f)"),
    errno.EIO: ("the disk reported an input/output error", "check the disk (dmesg), then run it again"),
    errno.ENOENT: ("a folder it was writing into is gone", "another program removed it meanwhile; run it again"),
    errno.ENOTDIR: ("a file is where a folder should be", "remove or rename the file in the way"),
    errno.EEXIST: ("a file is in the way", "remove or rename what is in the way"),
    errno.EISDIR: ("a folder is where a file should be", "remove or rename the folder in the way"),
}


def os_cause(exc: OSError, where: Path | str | None = None) -> tuple[str, str]:
    """What a failed file operation means, in words (the system's own text after it, for searching), and the fix
    to try first. ``where``: the folder written to, named by the hint (a full disk's hint shows the free space of
    its file system)."""
    found = _CAUSES.get(exc.errno or 0)
    system = exc.strerror or str(exc)
    if found is None:
        return system, "check free disk space and permissions"
    cause, hint = found
    disk, place = "the disk", "the folder" if where is None else str(Path(where).absolute())
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) and where is not None:
        folder = Path(place)
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        try:
            usage = shutil.disk_usage(folder)
            disk = (f"the file system of {folder} ({_size(usage.total)} in all, {_size(usage.free)} free when "
                    "it stopped)")
        except OSError:
            disk = f"the file system of {folder}"
    return f"{cause} [{system}]", hint.format(disk=disk, where=place)


_READ_FIXES = {errno.EACCES: "make it readable for this user, with chmod a+r for one",
               errno.EPERM: "make it readable for this user, with chmod a+r for one",
               errno.ENOENT: "it was removed or moved while the build was running; run it again"}
_READ_AS_WRITE = (errno.EIO, errno.EMFILE, errno.ENFILE)
"""Causes a read shares with a write: said as _CAUSES says them."""


def read_hint(exc: OSError) -> str:
    """The fix to try first for a file that could not be read ("" when there is no better guess)."""
    code = exc.errno or 0
    if code in _READ_AS_WRITE:
        return "{}: {}".format(*_CAUSES[code])
    return _READ_FIXES.get(code, "")


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return ""  # pragma: no cover - the loop always returns


def describe(value: object) -> str:
    """Describe a found value for an error message: its text and its type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"string {shown!r}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def not_regular(path: Path | str, st: os.stat_result | None = None, *, links: bool = False) -> str:
    """What ``path`` is, when it is neither a regular file nor a link to one: a named pipe would block its reader
    for ever, a device would be read without end, and a loader that looks for files only (Jinja's, for templates)
    would pass over any of them without a word. "" for a regular file, or one that cannot be stat'ed (reported
    when it is read). ``st``: its lstat, when the caller has it. ``links``: a link to a missing file is described
    too (for a reader that would pass over it, not report it)."""
    try:
        if st is None or stat.S_ISLNK(st.st_mode):
            st = os.stat(path)
    except OSError:
        return f"a link to a missing file ({os.readlink(path)})" if links and os.path.islink(path) else ""
    if stat.S_ISREG(st.st_mode):
        return ""
    mode = st.st_mode
    return ("a directory" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a special file")
