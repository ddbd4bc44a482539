"""Charts drawn on the server as SVG: horizontal bars and lines, no JavaScript.

Each chart is a ``viewBox`` that scales to the width of its box, so the same markup
serves a phone and a desk.  Values are integers (fen or counts); axis and bar labels
are short 元 amounts (1.2 万, 3,560).  Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

WIDTH = 360
BAR = 18
GAP = 8
LABEL_WIDTH = 74
VALUE_WIDTH = 64
COLOURS = ("#c8561a", "#2e7d4f")


def short_yuan(fen: int) -> str:
    """A compact 元 figure for a label, exact to what it shows (Decimal, no float):
    880,000 fen → "8,800", 12,345,600 fen → "12.35万", 68,80 fen → "68.80"."""
    yuan = Decimal(fen) / 100
    for unit, name in ((Decimal(100_000_000), "亿"), (Decimal(10_000), "万")):
        if abs(yuan) >= unit:
            return f"{(yuan / unit).quantize(Decimal('0.01'), ROUND_HALF_UP)}{name}"
    return f"{yuan:,.2f}" if fen % 100 else f"{fen // 100:,}"


def _text(value: int, money: bool) -> str:
    return short_yuan(value) if money else f"{value:,}"


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str, money: bool = True) -> Markup:
    """One horizontal bar per (label, value); negative values (net refunds) draw no bar."""
    if not rows:
        return Markup(f'<p class="muted chart-empty">{escape(title)}：这段时间没有数据。</p>')
    top = max(max(v for _, v in rows), 1)
    height = len(rows) * (BAR + GAP) + GAP
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
             f"<title>{escape(title)}</title>"]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR + GAP)
        length = max(value, 0) * span / top
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{y + BAR * 0.72:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" rx="3" '
            f'fill="{COLOURS[0]}"><title>{escape(label)}：{escape(_text(value, money))}</title>'
            f'</rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 4:.1f}" '
            f'y="{y + BAR * 0.72:.1f}">{escape(_text(value, money))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _ticks(top: int, count: int = 4) -> list[int]:
    """Round gridline values from 0 up to at least ``top``."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [int(step * i) for i in range(count + 1)]


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *,
               title: str, money: bool = True) -> Markup:
    """Lines over the same x labels (months), each series (name, values) its colour."""
    if not labels:
        return Markup(f'<p class="muted chart-empty">{escape(title)}：这段时间没有数据。</p>')
    left, right, top_pad, bottom = 52, 22, 12, 34
    height = 200
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    ticks = _ticks(max([max(values, default=0) for _, values in series] + [0]))
    ceiling = ticks[-1] or 1
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top_pad + plot_h - max(v, 0) * plot_h / ceiling

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    for tick in ticks:
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{WIDTH - right}" '
                     f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
                     f'<text class="chart-axis" x="{left - 4}" y="{y(tick) + 3:.1f}" '
                     f'text-anchor="end">{escape(_text(tick, money))}</text>')
    every = max(1, -(-len(labels) // 8))  # at most 8 month labels on the axis
    for i, name in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f'<text class="chart-axis" x="{x(i):.1f}" y="{height - bottom + 16}" '
                         f'text-anchor="middle">{escape(name)}</text>')
    # the first series last, so that it is drawn on top where two lines meet
    for index, (name, values) in reversed(list(enumerate(series))):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                     f'points="{points}"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(labels[i])} {escape(name)}：'
                         f'{escape(_text(v, money))}</title></circle>')
    for index, (name, _) in enumerate(series):
        lx = left + index * 130
        parts.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" rx="2" '
                     f'fill="{COLOURS[index % len(COLOURS)]}"/>'
                     f'<text class="chart-axis" x="{lx + 14}" y="{height - 3}">'
                     f'{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
