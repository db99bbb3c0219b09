"""Template filters for westcheck pages and reports."""

from django import template
from django.template.defaultfilters import stringfilter

from checklists import answer_lists, charts
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
    """truncatechars, quicker on texts short enough not to be cut (answer_lists.shorten)."""
    return answer_lists.shorten(value, int(length))


@register.simple_tag
def review_rows(questions):
    """The review table's rows of one section: {% review_rows section.questions %}."""
    return answer_lists.review_rows_html(questions)


@register.simple_tag
def appendix(sections):
    """The report's appendix, every answer of every section: {% appendix state.sections %}."""
    return answer_lists.appendix_html(sections)


@register.simple_tag
def action_items(items):
    """The action plan's items with their forms: {% action_items items %}."""
    return answer_lists.action_items_html(items)
