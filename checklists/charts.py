"""Server-rendered bar charts: geometry computed here, drawn by templates/checklists/_bars.svg.

The same SVG is used in pages and in PDF reports, so it needs no script and no web font.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

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
