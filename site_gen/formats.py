"""How values are shown to readers, in HTML and markdown alike.

Unknown and zero are different values and are shown differently
(``unknown`` versus ``$0 (free)``); nothing here invents a default.
"""

from __future__ import annotations

import datetime as dt
import functools

UNKNOWN = "unknown"

MODALITY_NAMES = {"text": "Text", "image": "Image", "audio": "Audio", "video": "Video", "pdf": "PDF",
                  "file": "File", "embedding": "Embedding"}
PRICE_NAMES = {
    "input": "Input",
    "output": "Output",
    "cache_read": "Cache read",
    "cache_write": "Cache write",
    "reasoning": "Reasoning",
    "input_audio": "Audio input",
    "output_audio": "Audio output",
    "input_image": "Image input",
    "output_image": "Image output",
}
CAPABILITY_NAMES = {
    "tool_use": "Tool use",
    "structured_output": "Structured output",
    "reasoning": "Reasoning",
    "vision": "Vision",
    "computer_use": "Computer use",
    "prompt_caching": "Prompt caching",
}
STATUS_NAMES = {"active": "Active", "preview": "Preview", "alpha": "Alpha", "beta": "Beta",
                "deprecated": "Deprecated", "retired": "Retired", "removed-upstream": "Removed upstream"}


def tokens(value: int | None) -> str:
    """``1,047,576 tokens (1M)``."""
    if value is None:
        return UNKNOWN
    return f"{value:,} tokens ({short_tokens(value)})"


def short_tokens(value: int | None) -> str:
    """``1M``, ``128K``, ``32K``: the figure vendors use in prose and tables.

    An exact decimal figure wins (128,000 is 128K); otherwise a round binary
    one (32,768 is 32K; 1,047,576 is within 0.1% of 1,048,576, so 1M);
    otherwise one decimal place (204.8K).  The exact figure is always shown
    beside it where space allows.
    """
    if value is None:
        return UNKNOWN
    for suffix, decimal, binary in (("M", 1_000_000, 1_048_576), ("K", 1_000, 1_024)):
        if value < decimal:
            continue
        if value % decimal == 0:
            return f"{value // decimal}{suffix}"
        scaled = round(value / binary)
        if abs(value - scaled * binary) <= 0.001 * value:
            return f"{scaled}{suffix}"
        return f"{value / decimal:.1f}".rstrip("0").rstrip(".") + suffix
    return str(value)


def price(value: float | None) -> str:
    """``$0.40``, ``$0.075``, ``$0 (free)``, or ``unknown``."""
    if value is None:
        return UNKNOWN
    if value == 0:
        return "$0 (free)"
    text = f"{value:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"${int(whole):,}.{frac.ljust(2, '0')}"


def tristate(value: str) -> str:
    return {"yes": "Yes", "no": "No"}.get(value, "Unknown")


def modalities(values: list[str] | None) -> str:
    if values is None:
        return UNKNOWN
    if not values:
        return "none"
    return ", ".join(MODALITY_NAMES.get(v, v) for v in values)


def date(value: dt.date | str | None) -> str:
    if value is None:
        return UNKNOWN
    return value.isoformat() if isinstance(value, dt.date) else value


def yes_no(value: bool | None) -> str:
    return UNKNOWN if value is None else ("Yes" if value else "No")


def status(value: str) -> str:
    return STATUS_NAMES.get(value, value)


def stamp(moment: dt.datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``: ``2026-03-27T06:53:30.752Z``."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


FIELD_NAMES = {
    "limits.context_window": "Context window",
    "limits.max_output": "Max output",
    "knowledge_cutoff": "Knowledge cutoff",
    "pricing.input": "Input price",
    "pricing.output": "Output price",
    "pricing.cache_read": "Cache read price",
    "pricing.cache_write": "Cache write price",
    "pricing.tiers": "Context tiers",
}


def fact(value: object, field: str) -> str:
    """A sourced value, formatted for the field it belongs to."""
    if field.startswith("pricing.") and field != "pricing.tiers" and isinstance(value, (int, float)):
        return price(float(value))
    if field.startswith("limits.") and isinstance(value, int):
        return tokens(value)
    return UNKNOWN if value is None else str(value)


# A model page shows ~90 prices and token counts, most of them several times (its own prices in the glance, the
# price table and the availability rows): the templates take each figure's text from a small table of the
# latest ones. Typed, so that an int and an equal float keep their own texts. Small: on the 10,000-model
# benchmark corpus, with ~50,000 distinct prices, a table of 65,536 held 13 MB more in each process for
# ~0.02 ms a page more than this one saves.
FILTERS = {
    "fact": fact,
    "tokens": tokens,
    "short_tokens": functools.lru_cache(maxsize=1024, typed=True)(short_tokens),
    "price": functools.lru_cache(maxsize=1024, typed=True)(price),
    "tristate": tristate,
    "modalities": modalities,
    "date": date,
    "yes_no": yes_no,
    "status": status,
}
