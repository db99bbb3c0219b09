"""The dashboard's project cards, drawn in Python as the long lists of answer_lists.py are.

A user may see a few dozen projects. Each card has a dozen values, links and sentences; through
the template engine, with each lookup, tag and filter costing microseconds, and a URL, a
translation and a date format per card, the cards were most of the dashboard's drawing. Here
each URL comes from a pattern reversed once (links.url_maker), each sentence and label is
translated once per page, and each day and count is put into words once per page.

Every value is escaped with the standard library's html.escape, which Django's escape wraps:
they are all plain strings (from the database, or translated), and the wrapper's checks for
lazy and safe strings took as long again as the escaping.
"""

from __future__ import annotations

from datetime import date
from html import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .links import url_maker
from .models import Assessment, Project


def project_cards_html(projects) -> SafeString:
    """The <li> cards of the dashboard's project list. `projects` are
    selectors.DashboardProject, with `can_edit` set."""
    project_url = url_maker("checklists:project-detail")
    assessment_url = url_maker("checklists:assessment-detail")
    create_url = url_maker("checklists:assessment-create")
    stages = {key: escape(str(label)) for key, label in Project.Stage.choices}
    statuses = {key: escape(str(label)) for key, label in Assessment.Status.choices}
    # The numbers put into these need no escaping.
    answered = escape(_("%(answered)s of %(applicable)s questions answered"))
    updated = escape(_("updated %(when)s"))
    no_assessment = escape(_("No assessment yet."))
    start = escape(_("Start one"))
    zone = timezone.get_current_timezone()
    days: dict[date, str] = {}  # "updated 1 Dec 2026" by day
    earlier_lines: dict[int, str] = {}  # "2 earlier assessments" by count
    cards = []
    for project in projects:
        href = escape(project_url(project.pk))
        head = (
            '\n  <li class="card mb-3"><div class="card-body">\n'
            f'    <h2 class="h5 card-title mb-1"><a href="{href}">{escape(project.name)}</a></h2>\n'
            f'    <p class="small text-body-secondary mb-2">{escape(project.organisation_name)} · '
            f"{stages.get(project.stage) or escape(project.stage)} · {escape(project.countries)}</p>"
        )
        latest = project.latest
        if latest is None:
            link = (
                f' <a href="{escape(create_url(project.pk))}">{start}</a>'
                if project.can_edit
                else ""
            )
            cards.append(f'{head}\n    <p class="mb-0 small">{no_assessment}{link}</p>')
        else:
            day = timezone.localtime(latest.updated_at, zone).date()
            if day not in days:
                days[day] = updated % {"when": escape(date_format(day, "j M Y"))}
            progress = answered % {
                "answered": latest.answered_count,
                "applicable": latest.applicable_count,
            }
            cards.append(
                f'{head}\n    <p class="mb-0"><a href="{escape(assessment_url(latest.pk))}">'
                f"{escape(latest.title)}</a>\n"
                f'      <span class="badge status-{escape(latest.status)}">'
                f"{statuses.get(latest.status) or escape(latest.status)}</span>\n"
                f'      <span class="small text-body-secondary">{progress} · {days[day]}</span></p>'
            )
            earlier = project.assessment_count - 1
            if earlier > 0:
                if earlier not in earlier_lines:
                    earlier_lines[earlier] = escape(
                        ngettext(
                            "%(earlier)s earlier assessment",
                            "%(earlier)s earlier assessments",
                            earlier,
                        )
                        % {"earlier": earlier}
                    )
                cards.append(
                    f'\n    <p class="small mb-0 mt-1"><a href="{href}">'
                    f"{earlier_lines[earlier]}</a></p>"
                )
        cards.append("\n  </div></li>")
    return mark_safe("".join(cards))  # noqa: S308 - every value above is escaped
