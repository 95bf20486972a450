"""Split a content file into YAML front matter and a markdown body.

Reads bytes, so encoding problems get a position: a UTF-8 BOM is dropped,
CRLF and CR become LF (both give byte-identical output, see bad-inputs #19/#20),
UTF-16 and invalid UTF-8 are errors.  The delimiter is a line that is exactly
``---``; trailing spaces or tabs after it are accepted (bad-inputs #15: decided
in favour of the author, since editors add them invisibly).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from . import yamlsafe
from .errors import Diagnostic

MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A content file's front matter (parsed, with positions) and its body."""

    path: str
    front: yamlsafe.Document
    body: str
    body_line: int
    """1-based line of the file where the body starts."""
    front_line: int = 2
    """1-based line of the file where the YAML text starts."""


class FrontMatterError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def decode(path: str, data: bytes, cap: int = MAX_FILE_BYTES) -> str:
    """Decode a file's bytes as UTF-8 text with LF line endings."""
    if len(data) > cap:
        raise FrontMatterError(Diagnostic(path, message=f"file too large ({len(data)} bytes > {cap} bytes)",
                                          hint="split the prose or move data out of the file"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        raise FrontMatterError(Diagnostic(path, 1, 1, message="UTF-16 not supported; found a UTF-16 file",
                                          hint="save the file as UTF-8"))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FrontMatterError(Diagnostic(
            path, line, col, message=f"invalid UTF-8 byte 0x{data[exc.start]:02X}",
            hint="save the file as UTF-8 (it looks like Latin-1 or Windows-1252)")) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_utf16(data: bytes) -> bool:
    head = data[:64]
    return len(head) >= 4 and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4)


def _is_delimiter(line: str) -> bool:
    return line.rstrip(" \t") == "---"


def split(path: str, text: str, required: bool = True) -> tuple[str | None, int, str, int]:
    """Return (yaml_text, yaml_first_line, body, body_first_line)."""
    lines = text.split("\n")
    if not lines or not _is_delimiter(lines[0]):
        if required:
            raise FrontMatterError(Diagnostic(
                path, 1, 1, message="expected front matter starting with '---' on line 1, found "
                + (repr(lines[0][:40]) if lines and lines[0] else "an empty first line"),
                hint="content pages need YAML front matter between two '---' lines"))
        return None, 0, text, 1
    for index in range(1, len(lines)):
        if _is_delimiter(lines[index]):
            yaml_text = "\n".join(lines[1:index]) + "\n"
            body = "\n".join(lines[index + 1:])
            return yaml_text, 2, body, index + 2
    raise FrontMatterError(Diagnostic(path, 1, 1, message="unterminated front matter starting at line 1",
                                      hint="add a closing '---' line after the front matter"))


def parse(path: str, data: bytes, positions: bool = True) -> SourceFile:
    """Read a content file's bytes into a :class:`SourceFile`, or raise FrontMatterError.

    ``positions=False``: the front matter without positions (yamlsafe.load_data), for a loader that reads a
    file again with them when it finds a problem; yamlsafe.Declined when that reading cannot vouch for it.
    """
    text = decode(path, data)
    yaml_text, yaml_line, body, body_line = split(path, text)
    assert yaml_text is not None
    size = len(yaml_text.encode("utf-8"))
    if size > MAX_FRONT_MATTER_BYTES:
        raise FrontMatterError(Diagnostic(
            path, 1, 1, message=f"file too large: front matter is {size} bytes > {MAX_FRONT_MATTER_BYTES} bytes",
            hint="move long data into the body or split the file"))
    bad = _bad_character(text)
    if bad is not None:
        line, col, char = bad
        raise FrontMatterError(Diagnostic(
            path, line, col, message=f"control character U+{ord(char):04X} is not allowed",
            hint="remove it; it would make the HTML and XML outputs invalid"))
    if not positions:
        return SourceFile(path, yamlsafe.Document(yamlsafe.load_data(yaml_text), {}, {}), body, body_line, yaml_line)
    try:
        document = yamlsafe.load(yaml_text, line_offset=yaml_line - 1)
    except yamlsafe.YAMLProblem as problem:
        raise FrontMatterError(problem.diagnostic(path)) from None
    if not isinstance(document.data, dict):
        found = "nothing" if document.data is None else ("a list" if isinstance(document.data, list)
                                                         else f"a scalar ({document.data!r})")
        raise FrontMatterError(Diagnostic(path, yaml_line if document.data is not None else 1, 1,
                                          message=f"front matter must be a mapping, found {found}",
                                          hint="write 'key: value' lines between the '---' lines"))
    return SourceFile(path, document, body, body_line, yaml_line)


_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def _bad_character(text: str) -> tuple[int, int, str] | None:
    """First C0/C1-control, non-character or lone surrogate: these make XML outputs invalid."""
    match = _BAD_CHARS.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    return line, col, match.group()

