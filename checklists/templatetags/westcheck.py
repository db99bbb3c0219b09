"""Template filters for westcheck pages and reports."""

import unicodedata

from django import template
from django.template.defaultfilters import stringfilter, truncatechars

from checklists import charts
from checklists.models import Project

register = template.Library()


@register.filter
def channel_label(value: str) -> str:
    """The readable, translated name of a project channel key ("social_media" -> "Social media")."""
    return str(dict(Project.Channel.choices).get(value, value))


@register.filter
def rating_code(value: str | None) -> str:
    """A short code for a rating, printed in the heat map cells next to their colour."""
    return charts.rating_code(value)


@register.filter
def fields_with_errors(form) -> list:
    """The bound fields of `form` that have errors, in the form's order."""
    return [field for field in form if field.errors]


@register.simple_tag
def bar_chart(chart, title: str, chart_id: str):
    """A bar chart from checklists.charts.bar_chart: {% bar_chart chart title "id" %}."""
    return charts.chart_html(chart, title, chart_id)


@register.simple_tag
def heatmap_rows(sections):
    """The rows of the report's heat map, a cell per question: {% heatmap_rows state.sections %}."""
    return charts.heatmap_rows_html(sections)


@register.filter(is_safe=True)
@stringfilter
def shorten(value: str, length: int) -> str:
    """Django's truncatechars, without its walk through every character of a text that is
    short enough anyway, as most notes are: the review page shows up to 60 of them."""
    if len(value) <= int(length):
        # What truncatechars gives back for a text it does not cut.
        return unicodedata.normalize("NFC", value)
    return truncatechars(value, length)
