"""The two long lists of answers, drawn in Python: the review page's table and the report's
appendix (the report preview and the PDF share it).

Each shows every question of an assessment with its answer, up to 60 rows of a dozen values.
Django's template engine spent several milliseconds a page on them, as each variable lookup,
filter and translation tag costs it microseconds; written out here, as the charts are
(charts.py), they take a fraction of that. The markup is the one the templates had, and every
value in it is escaped.
"""

from __future__ import annotations

import unicodedata

from django.template.defaultfilters import linebreaksbr, truncatechars
from django.template.loader import render_to_string
from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def shorten(text: str, length: int) -> str:
    """Django's truncatechars, without its walk through every character of a text that is
    short enough anyway, as most notes are."""
    if len(text) <= length:
        return unicodedata.normalize("NFC", text)  # what truncatechars gives back uncut
    return truncatechars(text, length)


def review_rows_html(questions) -> SafeString:
    """The rows of one section's table on the review page: each question with its answer,
    notes and links shortened. `questions` are selectors.QuestionState."""
    set_aside = escape(_("Not applicable to this project"))
    not_answered = f'<span class="not-answered">{escape(_("Not answered"))}</span>'
    evidence = escape(_("Evidence:"))
    rows = []
    for q in questions:
        answer = q.answer
        if q.state == "set_aside":
            cell = set_aside
        elif q.state == "unanswered":
            cell = not_answered
        else:
            cell = f"<strong>{escape(q.rating_label)}</strong>"
            if answer and answer.na_justification:
                cell += f": {escape(shorten(answer.na_justification, 300))}"
            if answer and answer.evidence_note:
                note = escape(shorten(answer.evidence_note, 300))
                cell += f'\n<br><span class="small">{evidence} {note}</span>'
            if answer and answer.evidence_links:
                cell += "\n" + "".join(
                    f'<br><a class="small review-link" href="{escape(link)}" '
                    f'rel="noopener noreferrer">{escape(shorten(link, 80))}</a>'
                    for link in answer.evidence_links
                )
        rows.append(
            f'\n      <tr class="state-{escape(q.state)}">\n'
            f"        <td><strong>{escape(q.key)}</strong> {escape(q.text)}</td>\n"
            f"        <td>\n          {cell}\n        </td>\n      </tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


def appendix_html(sections) -> SafeString:
    """The report's appendix: every question of every section (selectors.SectionState) with
    its rating, then its reason for not applying, evidence note and links, if any."""
    set_aside = escape(_("Not applicable to this project"))
    not_answered = f"<strong>{escape(_('Not answered'))}</strong>"
    critical = f'<span class="nowrap"> · {escape(_("critical"))}</span>'
    why, evidence, links = (
        escape(_("Why it does not apply:")),
        escape(_("Evidence:")),
        escape(_("Links:")),
    )
    parts = []
    for section in sections:
        parts.append(
            f'\n  <h3 class="appendix-section section-title">'
            f"{escape(section.key)}. {escape(section.title)}</h3>"
        )
        for q in section.questions:
            if q.state == "set_aside":
                condition = render_to_string(
                    "checklists/_condition.html", {"condition": q.applies_if}
                )
                rating = f"{set_aside}: {condition}"
            elif q.state == "unanswered":
                rating = not_answered
            else:
                rating = f"<strong>{escape(q.rating_label)}</strong>"
            notes = ""
            answer = q.answer
            if answer and answer.na_justification:
                notes += _note(why, linebreaksbr(answer.na_justification))
            if answer and answer.evidence_note:
                notes += _note(evidence, linebreaksbr(answer.evidence_note))
            if answer and answer.evidence_links:
                notes += _note(
                    links,
                    ", ".join(
                        f'<a class="link" href="{escape(link)}" rel="noopener noreferrer">'
                        f"{escape(link)}</a>"
                        for link in answer.evidence_links
                    ),
                )
            parts.append(
                '\n  <div class="appendix-item">\n'
                # The rating ends the question's own paragraph: a line less per question, a
                # page less in all.
                f'    <p class="appendix-question"><strong>{escape(q.key)}</strong> '
                f"{escape(q.text)}\n"
                f'      <span class="appendix-answer">{rating}'
                f"{critical if q.critical else ''}</span></p>{notes}\n  </div>"
            )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _note(label: str, html: str) -> str:
    return f'\n    <p class="appendix-note"><em>{label}</em> {html}</p>'
