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
_PATTERNS = [
    re.compile(_NUMBER + r"[- ]tokens?(?:\s+of)?\s+context", re.IGNORECASE),
    re.compile(r"context(?: window| length)?\s+of\s+(?:up to\s+|about\s+|around\s+)?" + _NUMBER + r"\b",
               re.IGNORECASE),
]


def context_claims(text: str) -> list[tuple[int, int]]:
    """(line offset, tokens) for every context-window figure stated in ``text``."""
    claims = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            number = float(match.group("num").replace(",", ""))
            scale = _SCALE.get((match.group("scale") or "").lower(), 1)
            claims.append((text.count("\n", 0, match.start()), int(number * scale)))
    return sorted(claims)


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
