"""Server-rendered bar charts and the report's heat map: no script, no web font, the same
markup in pages and PDF reports.

Each row is HTML text (its label and value) above a small SVG bar. Text in HTML wraps and
reflows: a long label in a second language stays whole and readable on a phone, screen readers
read it as text, and browsers and PDF viewers lay it out with the page's own font. Only the bar
and the threshold marks, plain shapes, are SVG. (WeasyPrint also lays SVG text out a letter
at a time, which made two charts of text a tenth of a report's rendering time.)

The markup is written here rather than in a template: a chart has a hundred elements, and
Django's template engine took about a millisecond per chart to draw them (the heat map, with
its 60 cells, about two).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .markup import escape

# The site's colours; the bar colour has over 7:1 contrast on white.
TRACK = "#e3ecec"
BAR = "#0b5560"
MARK = "#a4262c"

# The SVG's own units: a bar is drawn in a 100 x 10 box that CSS stretches to the row's width
# (preserveAspectRatio="none"), so that widths and marks are simply percentages.
WIDTH = 100
HEIGHT = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # percent, None when nothing applies
    width: float  # percent of the track, clamped to 0-100
    value_text: str
    href: str = ""


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    marks: list[tuple[float, str]]  # (percent, label) of threshold lines


def bar_chart(
    rows: list[tuple[str, float | None, str]], *, thresholds: list[tuple[float, str]] = ()
) -> Chart:
    """Rows of (label, percent or None, link); thresholds of (percent, label) drawn as lines."""
    bars = [
        Bar(
            label=label,
            value=value,
            width=0 if value is None else round(max(0.0, min(value, 100.0)), 1),
            value_text=_("n/a") if value is None else f"{value:.0f}%",
            href=href,
        )
        for label, value, href in rows
    ]
    return Chart(bars=bars, marks=[(round(p, 1), label) for p, label in thresholds])


def _number(value: float) -> str:
    return f"{value:g}"


def chart_html(chart: Chart, title: str, chart_id: str) -> SafeString:
    """The chart as a list named `title`: each item reads "label value" as text."""
    marks = "".join(
        f'<line x1="{_number(x)}" x2="{_number(x)}" y1="0" y2="{HEIGHT}" stroke="{MARK}" '
        f'stroke-width="0.6" stroke-dasharray="1.5 1"/>'
        for x, _label in chart.marks
    )
    rows = []
    for bar in chart.bars:
        label = escape(bar.label)
        if bar.href:
            label = f'<a href="{escape(bar.href)}">{label}</a>'
        rows.append(
            f'<li class="bar-row"><span class="bar-label">{label}</span> '
            f'<span class="bar-value">{escape(bar.value_text)}</span>'
            f'<svg class="bar" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'preserveAspectRatio="none" aria-hidden="true" focusable="false">'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{TRACK}"/>'
            f'<rect width="{_number(bar.width)}" height="{HEIGHT}" fill="{BAR}"/>{marks}</svg></li>'
        )
    legend = ""
    if chart.marks:
        legend = (
            '<p class="bar-legend"><svg class="bar-legend-mark" xmlns="http://www.w3.org/2000/svg" '
            'viewBox="0 0 4 10" aria-hidden="true" focusable="false">'
            f'<line x1="2" x2="2" y1="0" y2="10" stroke="{MARK}" stroke-width="1.2" '
            'stroke-dasharray="2.5 1.5"/></svg> '
            + escape(
                _("Dashed lines: the score each verdict needs (%(marks)s).")
                % {"marks": ", ".join(label for _x, label in chart.marks)}
            )
            + "</p>"
        )
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<ul class="bar-chart" id="{escape(chart_id)}" aria-label="{escape(title)}">'
        f"{''.join(rows)}</ul>{legend}"
    )


# Short codes of the default scale's ratings; a scale with other keys gets their first letters.
RATING_CODES = {
    "not_started": pgettext_lazy("rating code: not started", "0"),
    "planned": pgettext_lazy("rating code: planned", "P"),
    "in_place": pgettext_lazy("rating code: in place", "IP"),
    "in_place_with_evidence": pgettext_lazy("rating code: in place with evidence", "E"),
    "not_applicable": pgettext_lazy("rating code: not applicable", "n/a"),
    "": pgettext_lazy("rating code: not answered", "?"),
}


def rating_code(value: str | None) -> str:
    """A short code for a rating, printed in the heat map cells next to their colour."""
    value = value or ""
    return str(RATING_CODES.get(value, value[:2].upper()))


def heatmap_rows_html(sections) -> SafeString:
    """A table row per section (selectors.SectionState) with a cell per question: its rating
    as a colour and a code, its rating's name as the cell's title, critical questions starred."""
    # What a cell shows of its rating (class, title and code), drawn once per rating and heat map.
    ratings: dict[tuple[str, str], tuple[str, str, str]] = {}
    rows = []
    for section in sections:
        cells = []
        for q in section.questions:
            rating = q.rating or ""
            shown = ratings.get((rating, q.rating_label))
            if shown is None:
                shown = ratings[rating, q.rating_label] = (
                    escape(rating or "none"),
                    escape(q.rating_label),
                    escape(rating_code(rating)),
                )
            css, title, code = shown
            star, critical = ("*", " is-critical") if q.critical else ("", "")
            cells.append(
                f'<span class="cell rating-{css}{critical}" title="{title}">{escape(q.key)}{star}'
                f"<small>{code}</small></span>"
            )
        rows.append(
            f'\n      <tr><th scope="row">{escape(section.key)}. {escape(section.title)}</th>\n'
            f"        <td>{''.join(cells)}</td>\n      </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every text above is escaped
