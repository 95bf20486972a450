"""Inline SVG charts, made at build time: no script, no external request.

Each chart is an <svg role="img"> with a <title> naming what it shows; the page
keeps the same data in a table beside it, which is what screen readers and
crawlers read.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape

from .formats import price, short_tokens

WIDTH, HEIGHT, PAD_L, PAD_B, PAD_T, PAD_R = 640, 240, 64, 36, 16, 16
SERIES = (("input", "Input", "#0b5cad"), ("output", "Output", "#c2410c"), ("cache_read", "Cache read", "#15803d"))


def price_history(points: list, title: str) -> str:
    """One line per price kind over dated axes; empty when fewer than two dated points."""
    if len(points) < 2:
        return ""
    dates = [p.date for p in points]
    start, end = min(dates), max(dates)
    span = max((end - start).days, 1)
    values = [getattr(p, k) for p in points for k, _, _ in SERIES if getattr(p, k) is not None]
    if not values:
        return ""
    top = max(values) * 1.1 or 1.0

    def x(day: dt.date) -> float:
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (day - start).days / span

    def y(value: float) -> float:
        return HEIGHT - PAD_B - (HEIGHT - PAD_B - PAD_T) * value / top

    parts = [_frame(f"{title}: price per 1M tokens over time")]
    for i in range(5):
        value = top * i / 4
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'class="grid"/><text x="{PAD_L - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                     f'{escape(price(value) if value else "$0")}</text>')
    for day in sorted({start, end, start + (end - start) / 2}):
        parts.append(f'<text x="{x(day):.1f}" y="{HEIGHT - 12}" text-anchor="middle">{day.isoformat()}</text>')
    legend_x = PAD_L
    for key, label, colour in SERIES:
        series = [(p.date, getattr(p, key)) for p in points if getattr(p, key) is not None]
        if not series:
            continue
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for i, (d, v) in enumerate(series))
        steps = "".join(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>' for d, v in series)
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>{steps}')
        parts.append(f'<rect x="{legend_x}" y="2" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{legend_x + 14}" y="11">{label}</text>')
        legend_x += 90
    return "".join(parts) + "</svg>"


def benchmarks(rows: list, title: str) -> str:
    """Horizontal bars for benchmark scores in percent; empty when none is a percentage."""
    bars = [(b.name + (f" ({b.variant})" if b.variant else ""), b.score) for b in rows
            if (b.metric or "").lower().startswith(("percent", "accuracy", "success", "resolve", "pass"))
            and 0 <= b.score <= 100]
    if not bars:
        return ""
    height = 24 * len(bars) + 20
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="bench-title">'
             f'<title id="bench-title">{escape(title)}: benchmark scores in percent</title>']
    for i, (name, score) in enumerate(bars):
        top = 8 + 24 * i
        width = (WIDTH - 260) * score / 100
        parts.append(f'<text x="0" y="{top + 13}">{escape(name[:34])}</text>'
                     f'<rect x="220" y="{top}" width="{width:.1f}" height="16" fill="#0b5cad"/>'
                     f'<text x="{226 + width:.1f}" y="{top + 13}">{score:g}%</text>')
    return "".join(parts) + "</svg>"


def scatter(rows: list, title: str) -> str:
    """Input price against context window, both on log scales, one dot per model."""
    dots = [(r.context_window, r.input, r.title) for r in rows if r.context_window and r.input]
    if len(dots) < 2:
        return ""
    cmin, cmax = math.log10(min(d[0] for d in dots)), math.log10(max(d[0] for d in dots))
    pmin, pmax = math.log10(min(d[1] for d in dots)), math.log10(max(d[1] for d in dots))

    def x(c: int) -> float:
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (math.log10(c) - cmin) / max(cmax - cmin, 1e-9)

    def y(p: float) -> float:
        return HEIGHT - PAD_B - (HEIGHT - PAD_B - PAD_T) * (math.log10(p) - pmin) / max(pmax - pmin, 1e-9)

    parts = [_frame(f"{title}: input price per 1M tokens against context window, log scales")]
    for c in sorted({min(d[0] for d in dots), max(d[0] for d in dots)}):
        parts.append(f'<text x="{x(c):.1f}" y="{HEIGHT - 12}" text-anchor="middle">{short_tokens(c)}</text>')
    for p in sorted({min(d[1] for d in dots), max(d[1] for d in dots)}):
        parts.append(f'<text x="{PAD_L - 6}" y="{y(p) + 4:.1f}" text-anchor="end">{escape(price(p))}</text>')
    parts.append('<g fill="#0b5cad" fill-opacity=".35">')
    parts += [f'<circle cx="{x(c):.0f}" cy="{y(p):.0f}" r="2.5"/>' for c, p, _ in dots]
    parts.append("</g>")
    return "".join(parts) + "</svg>"


def _frame(label: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">'
            f'<title>{escape(label)}</title>'
            f'<line x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{HEIGHT - PAD_B}" class="axis"/>'
            f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{HEIGHT - PAD_B}" y2="{HEIGHT - PAD_B}" class="axis"/>')
