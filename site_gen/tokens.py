"""Estimate how many tokens an LLM needs to read a text.

The estimate counts runs of letters, single digits and single punctuation
marks, and scales by 0.89.  Markdown catalogue pages are dense in numbers,
prices and table pipes, which BPE tokenizers split finely, so a plain
characters/4 rule undercounts them by a third.  Calibrated against OpenAI's
o200k_base tokenizer on the bundled catalogue's mirrors: within 15% on every
sampled file (tests/test_llms.py checks it with a real tokenizer).
"""

from __future__ import annotations

import re

_PIECES = re.compile(r"[^\W\d_]+|\d|[^\w\s]|_")
FACTOR = 0.89

# Every character is a letter, a space or (a piece by itself) anything else, so the count is the number of
# letter runs plus the number of other characters. For ASCII text, which a catalogue's mirrors nearly always
# are, bytes.translate finds both at C speed: ten times faster than the regular expression on a mirror, and
# the home page's 1.3 MB mirror at 10,000 models took 90 ms. Counting the runs' starts instead of splitting them
# out took a 7 KB model mirror from 31 to 21 µs. The classes come from the expression itself.
_CLASS = {c: "letter" if re.fullmatch(r"[^\W\d_]", chr(c)) else "space" if re.fullmatch(r"\s", chr(c))
          else "other" for c in range(128)}
_RUNS = bytes(ord("a") if _CLASS.get(c) == "letter" else ord(" ") for c in range(256))
"""Letters to 'a', everything else to a space: a letter run starts at the start or after a space."""
_NOT_OTHER = bytes(c for c in range(128) if _CLASS[c] != "other")


def pieces(text: str) -> int:
    """Runs of letters, digits and punctuation marks in ``text``.

    No piece spans whitespace, so the count of texts joined by newlines is the
    sum of their counts: the llms-full files are counted from their mirrors'
    counts, which the page workers find as they render.
    """
    if text.isascii():
        data = text.encode("ascii")
        runs = data.translate(_RUNS)  # a run starts at the text's start or after a space: counted, not split out
        return runs.count(b" a") + runs.startswith(b"a") + len(data.translate(None, _NOT_OTHER))
    return _PIECES.subn("", text)[1]


def from_pieces(count: int) -> int:
    return round(count * FACTOR)


def estimate_tokens(text: str) -> int:
    return from_pieces(pieces(text))
