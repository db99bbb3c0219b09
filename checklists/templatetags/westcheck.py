"""Template filters and tags for westcheck pages and reports."""

import threading

from django import template
from django.conf import settings
from django.template.defaultfilters import stringfilter
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from checklists import answer_lists, charts, links
from checklists.models import Project
from checklists.project_cards import project_cards_html

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
def gap_cards(gaps):
    """The report's cards of blocking gaps: {% gap_cards blocking_gaps %}."""
    return answer_lists.gap_cards_html(gaps)


@register.simple_tag
def condition_cards(conditions):
    """The report's cards of the other unmet critical questions: {% condition_cards conditions %}."""
    return answer_lists.condition_cards_html(conditions)


@register.simple_tag
def gap_table(gaps):
    """The report's table of the other gaps: {% gap_table other_gaps %}."""
    return answer_lists.gap_table_html(gaps)


@register.simple_tag
def action_table(items):
    """The report's action plan table: {% action_table actions %}."""
    return answer_lists.action_table_html(items)


@register.simple_tag
def action_items(items):
    """The action plan's items with their forms: {% action_items items %}."""
    return answer_lists.action_items_html(items)


@register.simple_tag
def project_cards(projects):
    """The dashboard's project cards: {% project_cards projects %}."""
    return project_cards_html(projects)


_headers: dict[tuple, str] = {}
_headers_lock = threading.Lock()


@register.simple_tag(takes_context=True)
def site_header(context):
    """The header of every page, _site_header.html, drawn once per process for each language,
    signed-in state and current page: the key names everything the header shows (with the URL
    configuration, script prefix and favicon URL that its links come from), so it is never
    stale. Its five URL reversals and translations were a tenth of a small page's time."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else None
    signed_in = bool(context.get("user") and context["user"].is_authenticated)
    key = (
        get_language(),
        signed_in,
        current,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
        static("img/favicon.svg"),
    )
    found = _headers.get(key)
    if found is None:
        html = get_template("_site_header.html").render(
            {"signed_in": signed_in, "current": current}
        )
        found = mark_safe(html)  # noqa: S308 - our own template, rendered with autoescaping
        with _headers_lock:
            _headers[key] = found
    return found


@register.simple_tag
def link(viewname, *args):
    """{% url %} for the site's own pages, from a pattern reversed once per process (links.py)."""
    return links.url(viewname, *args)
