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
from dataclasses import dataclass


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
