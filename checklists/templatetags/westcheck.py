"""Template filters for westcheck pages and reports."""

import unicodedata

from django import template
from django.template.defaultfilters import stringfilter, truncatechars
from django.utils.translation import pgettext_lazy

from checklists.charts import chart_html
from checklists.models import Project

register = template.Library()


@register.filter
def channel_label(value: str) -> str:
    """The readable, translated name of a project channel key ("social_media" -> "Social media")."""
    return str(dict(Project.Channel.choices).get(value, value))


# Short codes of the default scale's ratings; a scale with other keys gets their first letters.
RATING_CODES = {
    "not_started": pgettext_lazy("rating code: not started", "0"),
    "planned": pgettext_lazy("rating code: planned", "P"),
    "in_place": pgettext_lazy("rating code: in place", "IP"),
    "in_place_with_evidence": pgettext_lazy("rating code: in place with evidence", "E"),
    "not_applicable": pgettext_lazy("rating code: not applicable", "n/a"),
    "": pgettext_lazy("rating code: not answered", "?"),
}


@register.filter
def rating_code(value: str | None) -> str:
    """A short code for a rating, printed in the heat map cells next to their colour."""
    value = value or ""
    return str(RATING_CODES.get(value, value[:2].upper()))


@register.filter
def fields_with_errors(form) -> list:
    """The bound fields of `form` that have errors, in the form's order."""
    return [field for field in form if field.errors]


@register.simple_tag
def bar_chart(chart, title: str, chart_id: str):
    """A bar chart from checklists.charts.bar_chart: {% bar_chart chart title "id" %}."""
    return chart_html(chart, title, chart_id)


@register.filter(is_safe=True)
@stringfilter
def shorten(value: str, length: int) -> str:
    """Django's truncatechars, without its walk through every character of a text that is
    short enough anyway, as most notes are: the review page shows up to 60 of them."""
    if len(value) <= int(length):
        # What truncatechars gives back for a text it does not cut.
        return unicodedata.normalize("NFC", value)
    return truncatechars(value, length)
