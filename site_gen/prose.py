"""Flag prose that contradicts the numeric fields, where it can be checked.

PipeLLM's reference page said "1 million token context" in its overview while
its metadata said 128K.  A number in the prose that is tied to the words
"context" or "context window" is compared with ``limits.context_window``; a
difference of more than 10% (vendors round 1,047,576 to "1 million") is a
warning with the line of the sentence.
"""

from __future__ import annotations

import re

from .errors import Diagnostic

_SCALE = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}
_NUMBER = r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>k|m|thousand|million)?"
_TOKENS_CONTEXT = r"tokens?(?:\s+of)?\s+context"
_PATTERNS = [
    re.compile(_NUMBER + r"[- ]" + _TOKENS_CONTEXT, re.IGNORECASE),
    re.compile(r"context(?: window| length)?\s+of\s+(?:up to\s+|about\s+|around\s+)?" + _NUMBER + r"\b",
               re.IGNORECASE),
]
# The same patterns, case-sensitive, for ASCII text lowered first (context_claims): an ignore-case pattern has no
# literal prefix for the regular expression engine to search for, and tried at every position it took ~80 µs
# for a 4.5 KB body, ~1 s of CPU in a cold 10,000-model build.
_NUMBER_FIRST, _CONTEXT_FIRST = (re.compile(pattern.pattern) for pattern in _PATTERNS)
_ANCHOR = re.compile(_TOKENS_CONTEXT)
_BEFORE_ANCHOR = frozenset("0123456789,.-" + "".join(_SCALE))
"""Every character the first pattern can match before its "token" (digits, separators, scales; and spaces,
tested apart): a match using a given "token" starts no further back than they reach."""


def context_claims(text: str) -> list[tuple[int, int]]:
    """(line offset, tokens) for every context-window figure stated in ``text``."""
    if not text.isascii():  # where lowering may not match as ignoring case does (the Kelvin sign, the long s)
        return sorted(_claim(text, match) for pattern in _PATTERNS for match in pattern.finditer(text))
    lowered = text.lower()
    claims = [_claim(text, match) for match in _CONTEXT_FIRST.finditer(lowered)]
    claims += [_claim(text, match) for match in _number_first(lowered)]
    return sorted(claims)


def _number_first(text: str) -> list[re.Match[str]]:
    """What ``_NUMBER_FIRST.finditer(text)`` finds, without trying the pattern at every position: only where
    "token(s) (of) context" follows (found by its literal prefix), from as far back as its number can start.

    finditer takes the leftmost match, then the next one from where it ended. Every match holds one "token",
    at an anchor; between its start and that "token" are only characters of ``_BEFORE_ANCHOR`` and spaces, so
    the leftmost match at or after ``end`` starts at a digit between ``end`` (or the first such character
    before the next anchor) and that anchor, or uses a later anchor."""
    found: list[re.Match[str]] = []
    end = 0
    for anchor in _ANCHOR.finditer(text):
        at = anchor.start()
        if at < end:  # the "token" of the match just found
            continue
        start = at
        while start > end and (text[start - 1] in _BEFORE_ANCHOR or text[start - 1].isspace()):
            start -= 1
        for position in range(start, at):
            if text[position].isdigit() and (match := _NUMBER_FIRST.match(text, position)):
                found.append(match)
                end = match.end()
                break
    return found


def _claim(text: str, match: re.Match[str]) -> tuple[int, int]:
    number = float(match.group("num").replace(",", ""))
    scale = _SCALE.get((match.group("scale") or "").lower(), 1)
    return text.count("\n", 0, match.start()), int(number * scale)


def check_context(path: str, body: str, body_line: int, context_window: int | None) -> list[Diagnostic]:
    if context_window is None:
        return []
    out = []
    for offset, claimed in context_claims(body):
        if abs(claimed - context_window) > 0.1 * context_window:
            out.append(Diagnostic(path, body_line + offset, 1, "body",
                                  f"the prose states a context window of {claimed:,} tokens, "
                                  f"but limits.context_window is {context_window:,}",
                                  "correct the prose or the number", severity="warning"))
    return out
