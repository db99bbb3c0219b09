"""Server-rendered bar charts: geometry and SVG markup, with no script and no web font.

The same SVG is used in pages and in PDF reports. It is written here rather than in a
template: a chart has a few hundred elements, and Django's template engine took 1 ms per chart
to draw them, the largest single cost of an assessment's page after a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

# The site's colours; both text colours have over 7:1 contrast on white.
TEXT = "#1f2a2c"
MUTED_TEXT = "#3d4a4c"
TRACK = "#e3ecec"
BAR = "#0b5560"
MARK = "#a4262c"

WIDTH = 640
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
ROW_GAP = 10
BAR_WIDTH = 520  # room on the right for the value


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # percent, None when nothing applies
    y: int
    width: float
    value_text: str
    href: str = ""


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int
    bar_width: int
    bar_height: int
    marks: list[tuple[float, str]]  # (x, label) of threshold lines


def bar_chart(
    rows: list[tuple[str, float | None, str]], *, thresholds: list[tuple[float, str]] = ()
) -> Chart:
    """Rows of (label, percent or None, link); thresholds of (percent, label) drawn as lines."""
    bars = []
    y = 0
    for label, value, href in rows:
        width = 0 if value is None else BAR_WIDTH * max(0.0, min(value, 100.0)) / 100
        text = _("n/a") if value is None else f"{value:.0f}%"
        bars.append(
            Bar(label=label, value=value, y=y, width=round(width, 1), value_text=text, href=href)
        )
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    marks = [(round(BAR_WIDTH * p / 100, 1), label) for p, label in thresholds]
    return Chart(
        bars=bars,
        height=max(y, 1),
        width=WIDTH,
        bar_width=BAR_WIDTH,
        bar_height=BAR_HEIGHT,
        marks=marks,
    )


def _number(value: float) -> str:
    """A coordinate as the template engine printed it: 12, 12.5."""
    return f"{value:g}"


def chart_svg(chart: Chart, title: str, chart_id: str) -> SafeString:
    """The chart as an accessible SVG figure: a title, and a description that reads every
    value out, for screen readers and for text extracted from a PDF."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    description = "; ".join(f"{bar.label}: {bar.value_text}" for bar in chart.bars)
    marks_text = "".join(
        f'<text x="{_number(x)}" y="-6" font-size="11" fill="{MUTED_TEXT}" '
        f'text-anchor="middle">{escape(label)}</text>'
        for x, label in chart.marks
    )
    marks_lines = "".join(
        f'<line x1="{_number(x)}" x2="{_number(x)}" y1="16" y2="34" stroke="{MARK}" '
        f'stroke-width="1.5" stroke-dasharray="3 2"/>'
        for x, _label in chart.marks
    )
    bars = []
    for bar in chart.bars:
        label = (
            f'<text x="0" y="13" font-size="13" fill="{TEXT}">'
            f"{escape(Truncator(bar.label).chars(80))}</text>"
        )
        if bar.href:
            label = f'<a href="{escape(bar.href)}">{label}</a>'
        bars.append(
            f'<g transform="translate(0 {bar.y})">{label}'
            f'<rect x="0" y="18" width="{chart.bar_width}" height="{chart.bar_height}" '
            f'fill="{TRACK}" rx="2"/>'
            f'<rect x="0" y="18" width="{_number(bar.width)}" height="{chart.bar_height}" '
            f'fill="{BAR}" rx="2"/>{marks_lines}'
            f'<text x="{chart.bar_width + 8}" y="30" font-size="13" font-weight="bold" '
            f'fill="{TEXT}">{escape(bar.value_text)}</text></g>'
        )
    # The box is focusable so that keyboard users can scroll it when a narrow screen makes it
    # scroll.
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<div class="chart-box" tabindex="0" role="group" aria-label="{escape(title)}">'
        f'<svg class="bar-chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 -20 {chart.width} {chart.height + 20}" width="100%" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="DejaVu Sans, Verdana, sans-serif">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>'
        f"{marks_text}{''.join(bars)}</svg></div>"
    )
