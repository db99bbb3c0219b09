"""Long lists of questions with their answers, drawn in Python: the review page's table, the
report's gaps, appendix and action table (the report preview and the PDF share them) and the
action plan's items.

Each shows up to 60 questions with a dozen values each. Django's template engine spent
several milliseconds a page on them, as each variable lookup, filter and translation tag
costs it microseconds; written out here, as the charts are (charts.py), they take a fraction
of that. The markup is the one the templates had, and every value in it is escaped.
"""

from __future__ import annotations

import unicodedata

from django.template.defaultfilters import truncatechars
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .markup import escape, lines

NONE = "\N{EN DASH}"  # in place of an owner or a due date not given


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
                notes += _note(why, lines(answer.na_justification))
            if answer and answer.evidence_note:
                notes += _note(evidence, lines(answer.evidence_note))
            if answer and answer.evidence_links:
                notes += _note(links, _links(answer.evidence_links))
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


def gap_cards_html(gaps: list[dict]) -> SafeString:
    """The report's cards of blocking gaps (selectors.assessment_gaps): each question with its
    flags, its rating, the evidence recorded for it and what good looks like."""
    critical = f'<span class="badge badge-critical">{escape(_("Critical"))}</span>'
    rating, evidence, good = _card_headings()
    not_answered = escape(_("Not answered"))
    none_recorded = escape(_("None recorded"))
    cards = []
    for gap in gaps:
        flags = "".join(
            f'<span class="badge flag-{escape(flag["key"])}">{escape(flag["label"])}</span> '
            for flag in gap["flag_items"]
        )
        facts = (
            f"{rating}{escape(gap['rating_label']) or not_answered}</td></tr>\n"
            f"{evidence}{_evidence(gap['question'].answer) or none_recorded}</td></tr>\n"
            f"{good}{escape(gap['good'])}</td></tr>"
        )
        cards.append(_card("gap-card", gap, flags + critical, facts))
    return mark_safe("".join(cards))  # noqa: S308 - every value above is escaped


def _evidence(answer) -> str:
    """What a gap card says of the evidence: the note as written (a reader weighing a gap wants
    the team's own words, not "recorded"), then the links; empty when there is neither."""
    if answer is None:
        return ""
    parts = []
    if answer.evidence_note:
        parts.append(lines(answer.evidence_note))
    if answer.evidence_links:
        parts.append(_links(answer.evidence_links))
    return "<br>".join(parts)


def _links(links: list[str]) -> str:
    return ", ".join(
        f'<a class="link" href="{escape(link)}" rel="noopener noreferrer">{escape(link)}</a>'
        for link in links
    )


def condition_cards_html(conditions: list[dict]) -> SafeString:
    """The report's cards of the other unmet critical questions (selectors.assessment_summary's
    conditions): each with its rating and what good looks like."""
    critical = f'<span class="badge badge-critical">{escape(_("Critical"))}</span>'
    rating, _evidence, good = _card_headings()
    cards = [
        _card(
            "gap-card condition-card",
            condition,
            critical,
            f"{rating}{escape(condition['rating_label'])}</td></tr>\n"
            f"{good}{escape(condition['good'])}</td></tr>",
        )
        for condition in conditions
    ]
    return mark_safe("".join(cards))  # noqa: S308 - every value above is escaped


def _card_headings() -> tuple[str, str, str]:
    return tuple(
        f'      <tr><th scope="row">{escape(heading)}</th><td>'
        for heading in (_("Current rating"), _("Evidence"), _("What good looks like"))
    )


def _card(classes: str, gap: dict, badges: str, facts: str) -> str:
    return (
        f'\n  <div class="{classes}">\n'
        f'    <p class="gap-head"><span class="gap-key">{escape(gap["key"])}</span> {badges}</p>\n'
        f'    <p class="gap-question">{escape(gap["text"])}</p>\n'
        f'    <table class="gap-facts">\n{facts}\n    </table>\n  </div>\n  '
    )


def gap_table_html(gaps: list[dict]) -> SafeString:
    """The report's table of the gaps that do not block, with its heading: each question with
    its flags and rating."""
    not_answered = escape(_("Not answered"))
    rows = "".join(
        f"<tr><td><strong>{escape(gap['key'])}</strong> {escape(gap['text'])}</td>"
        f"<td>{', '.join(escape(flag['label']) for flag in gap['flag_items'])}</td>"
        f"<td>{escape(gap['rating_label']) or not_answered}</td></tr>"
        for gap in gaps
    )
    heads = "".join(
        f'<th scope="col">{escape(heading)}</th>'
        for heading in (_("Question"), _("Flags"), _("Rating"))
    )
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<h3 class="sub-title">{escape(_("Other gaps in remedy, consent and privacy"))}</h3>\n'
        '  <table class="data-table gap-table">\n'
        f"    <thead><tr>{heads}</tr></thead>\n"
        f"    <tbody>{rows}</tbody>\n  </table>"
    )


def action_table_html(items: list[dict]) -> SafeString:
    """The report's action plan (reports.action_plan) as a table, with the sentence that
    introduces it: each question with its rating, the next step, and the planned action's owner,
    due date and status."""
    blocking = f' · <span class="nowrap">{escape(_("blocking gap"))}</span>'
    critical = f" · {escape(_('critical'))}"
    met, aim = escape(_("Met.")), escape(_("Evidence to aim for:"))
    not_planned = escape(_("Not planned"))
    rows = []
    for item in items:
        if item["met"]:
            step = met
        else:
            step = escape(item["next_step"])
            if item["evidence"] and item["rating"]:
                wanted = "; ".join(escape(e) for e in item["evidence"])
                step += f' <span class="muted">{aim} {wanted}.</span>'
        action = item["action"]
        when = date_format(item["due_date"], "j M Y") if item["due_date"] else ""
        row_class = ' class="is-blocking"' if item["blocking"] else ""
        badge = blocking if item["blocking"] else critical if item["critical"] else ""
        rows.append(
            f"\n      <tr{row_class}>\n"
            f"        <td><strong>{escape(item['key'])}</strong> {escape(item['text'])}<br>"
            f'<span class="muted"><span class="nowrap">{escape(item["rating_label"])}</span>'
            f"{badge}</span></td>\n"
            f"        <td>{step}</td>\n"
            f"        <td>{escape(item['owner'] or NONE)}</td>\n"
            f"        <td>{escape(when or NONE)}</td>\n"
            f"        <td>{escape(item['status_label']) if action else not_planned}</td>\n"
            "      </tr>\n    "
        )
    heads = "".join(
        f'<th scope="col">{escape(heading)}</th>'
        for heading in (
            _("Question"),
            _("Recommended next step"),
            _("Owner"),
            _("Due"),
            _("Status"),
        )
    )
    intro = _(
        "Every applicable question that is not yet met, most urgent first: blocking gaps, then "
        "the other critical questions, the other gaps in remedy, consent and privacy, and the "
        "rest."
    )
    return mark_safe(  # noqa: S308 - every value above is escaped
        f"<p>{escape(intro)}</p>\n"
        f'  <div class="table-scroll" tabindex="0" role="group" aria-label="{escape(_("Action plan"))}">'
        '<table class="data-table action-table">\n'
        f"    <thead><tr>{heads}</tr></thead>\n"
        f"    <tbody>\n    {''.join(rows)}\n    </tbody>\n  </table></div>"
    )


def action_items_html(items: list[dict]) -> SafeString:
    """The action plan's items (reports.action_plan), each with its form's inputs when it has
    them (`item["inputs"]`, forms.actions.action_inputs_html) and its planned action in words
    otherwise."""
    blocking = f'<span class="badge text-bg-danger">{escape(_("Blocking"))}</span> '
    critical = f'<span class="badge text-bg-light border">{escape(_("Critical"))}</span> '
    rating, met, aim = escape(_("Rating:")), escape(_("Met.")), escape(_("Evidence to aim for:"))
    owner, due, status, not_planned = (
        escape(_("Owner")),
        escape(_("Due")),
        escape(_("Status")),
        escape(_("Not planned")),
    )
    parts = []
    for item in items:
        key = escape(item["key"])
        badge = blocking if item["blocking"] else critical if item["critical"] else ""
        if item["met"]:
            step = met
        else:
            step = escape(item["next_step"])
            if item["evidence"] and item["rating"]:
                wanted = escape("; ".join(item["evidence"]))
                step += f' <span class="text-body-secondary">{aim} {wanted}.</span>'
        if item["inputs"] is not None:
            plan = item["inputs"]
        else:
            action = item["action"]
            when = date_format(item["due_date"], "j M Y") if item["due_date"] else ""
            plan = (
                f'<p class="small mb-0">{owner}: {escape(item["owner"] or NONE)} · '
                f"{due}: {escape(when or NONE)} · {status}: "
                f"{escape(item['status_label']) if action else not_planned}</p>"
            )
        parts.append(
            f'\n<section class="action-item{" blocking" if item["blocking"] else ""}" '
            f'aria-labelledby="action-{key}">\n'
            f'  <h2 id="action-{key}" class="h6 mb-1">{badge}<strong>{key}</strong> '
            f"{escape(item['text'])}</h2>\n"
            f'  <p class="small mb-2">{rating} {escape(item["rating_label"])} · {step}</p>\n'
            f"  {plan}\n</section>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
