"""The portfolio's rows as people read them: labels, the baseline -> latest change, the
section bars as small SVGs, the table's rows as HTML, and the CSV of the same rows.

The rows are drawn in Python, as the dashboard's cards are (project_cards.py): fifty rows of a
dozen values, links, sentences and nine bars each cost most of the page through template tags.
Labels and sentences are translated once per page; every value is escaped with html.escape.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html import escape as html_escape

from django.utils.dates import MONTHS_3
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .catalog import catalog, checklist_version
from .data_exchange import csv_cell
from .links import url, url_maker
from .markup import escape
from .models import Share, Submission
from .selectors.portfolio import GATES, PortfolioRow, days_since
from .selectors.sharing import gate_state_label


@dataclass
class Row:
    data: PortfolioRow
    verdict_label: str
    baseline_verdict_label: str
    gates: list[tuple[str, str]]  # (state, "Remedy: Blocking")
    changed_gates: list[tuple[str, str, str]]  # (gate label, then, now) where they differ
    sections: list[tuple[str, str, float | None]]  # (key, title, score)
    days: int | None
    milestone_label: str
    baseline_milestone_label: str


def _labels(checklist_id: int) -> tuple[dict, dict]:
    """The verdicts' and the gates' labels in a checklist version (kept in memory)."""
    version = checklist_version(checklist_id)
    levels = {level["key"]: level["label"] for level in version.scoring["levels"]}
    flags = {flag: info["label"] for flag, info in version.flags.items()}
    return levels, flags


def rows_of(rows: list[PortfolioRow]) -> list[Row]:
    """Rows ready to draw."""
    # In the language of this request.
    milestones = {key: str(label) for key, label in Submission.Milestone.choices}
    states = {state: gate_state_label(state) for state in ("met", "blocking", "unanswered", "")}
    labels: dict[int, tuple[dict, dict]] = {}  # per version: most rows share one or two
    contents: dict[int, object] = {}
    drawn = []
    for row in rows:
        latest, baseline = row.latest, row.baseline
        now, then = latest.gates, baseline.gates
        for version in (latest.checklist_id, baseline.checklist_id):
            if version not in labels:
                labels[version] = _labels(version)
                contents[version] = catalog(checklist_version(version))
        levels, flags = labels[latest.checklist_id]
        baseline_levels = labels[baseline.checklist_id][0]
        content = contents[latest.checklist_id]
        drawn.append(
            Row(
                data=row,
                verdict_label=levels.get(latest.verdict, latest.verdict),
                baseline_verdict_label=baseline_levels.get(baseline.verdict, baseline.verdict),
                gates=[
                    (now.get(gate, ""), f"{flags.get(gate, gate)}: {states.get(now.get(gate, ''))}")
                    for gate in GATES
                ],
                changed_gates=[
                    (
                        flags.get(gate, gate),
                        states.get(then.get(gate, "")),
                        states.get(now.get(gate, "")),
                    )
                    for gate in GATES
                    if row.compared and then.get(gate) != now.get(gate)
                ],
                sections=[(s.key, s.title, latest.sections.get(s.key)) for s in content.sections],
                days=days_since(latest.submitted_at),
                milestone_label=milestones.get(latest.milestone, ""),
                baseline_milestone_label=milestones.get(baseline.milestone, ""),
            )
        )
    return drawn


BAR_W, GAP, HEIGHT = 6, 2, 24


class SectionBars:
    """Nine small bars, one per section, with their scores as the image's name.

    Made once per page: a bar at a position and height is drawn once, and the image's name is
    translated once, however many rows there are.
    """

    def __init__(self):
        self.name = escape(_("Section scores"))
        self.rects: dict[tuple[int, int], str] = {}

    def _rect(self, i: int, h: int) -> str:
        key = (i, h)
        if key not in self.rects:
            x = i * (BAR_W + GAP)
            self.rects[key] = (
                f'<rect x="{x}" y="0" width="{BAR_W}" height="{HEIGHT}" fill="#e3eaec"/>'
                f'<rect x="{x}" y="{HEIGHT - h}" width="{BAR_W}" height="{h}" fill="#0b5560"/>'
            )
        return self.rects[key]

    def __call__(self, sections) -> str:
        width = len(sections) * (BAR_W + GAP)
        described = ", ".join(
            f"{key}: {'n/a' if score is None else f'{score:.0f}%'}"
            for key, _title, score in sections
        )
        bars = "".join(
            self._rect(i, 0 if score is None else max(1, round(HEIGHT * min(score, 100) / 100)))
            for i, (_key, _title, score) in enumerate(sections)
        )
        return (
            f'<svg class="mini-bars" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{HEIGHT}" viewBox="0 0 {width} {HEIGHT}" role="img" '
            f'aria-label="{self.name}: {html_escape(described)}">{bars}</svg>'
        )


CSV_COLUMNS = (
    "organisation",
    "project",
    "cohort",
    "countries",
    "stage",
    "submission",
    "milestone",
    "submitted",
    "days_since",
    "verdict",
    "score",
    *GATES,
    *(f"section_{n}" for n in range(1, 10)),
    "baseline_submission",
    "baseline_milestone",
    "baseline_verdict",
    "baseline_score",
    "score_change",
    "checklist_versions_differ",
    "review",
    "detail",
    "shared_until",
)


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}"


def portfolio_csv(rows: list[PortfolioRow]) -> str:
    """The rows selected, every page of them, formula-safe; `rows` carry their sections."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        latest, baseline = row.latest, row.baseline
        gates = latest.gates
        scores = [latest.sections.get(str(n)) for n in range(1, 10)]
        days = days_since(latest.submitted_at)
        cells = [
            row.organisation_name,
            row.project_name,
            row.cohort_name,
            row.countries,
            row.stage,
            latest.number,
            latest.milestone,
            latest.submitted_at.date().isoformat(),
            "" if days is None else days,
            latest.verdict,
            _pct(latest.score),
            *(gates.get(gate, "") for gate in GATES),
            *(_pct(s) for s in scores),
            baseline.number,
            baseline.milestone,
            baseline.verdict,
            _pct(baseline.score),
            _pct(row.score_change),
            "yes" if row.versions_differ else "no",
            row.review or "",
            row.detail,
            date_format(row.expires_at, "Y-m-d"),
        ]
        writer.writerow([csv_cell(str(cell)) for cell in cells])
    return out.getvalue()


def rows_html(rows: list[Row]) -> SafeString:
    """The <tr> rows of the portfolio's table.

    Whatever fifty rows share is worked out once: translated words, dates, "n days ago", the
    labels' escaped text, the bars.
    """
    e = html_escape
    shared_url = url_maker("checklists:shared")
    submission = e(_("Submission %(number)s"))
    from_submission = e(_("From submission %(number)s"))
    points = e(_("points"))
    same = e(_("The first submission shared is the latest."))
    versions = e(_("different checklist versions"))
    not_yet = e(_("not yet"))
    reviews = {
        "open": e(_("In review")),
        "changes_requested": e(_("Changes requested")),
        "accepted": e(_("Accepted")),
    }
    details = {key: e(str(label)) for key, label in Share.Detail.choices}
    until = e(_("until %(date)s"))
    months = {n: e(str(name).title()) for n, name in MONTHS_3.items()}  # date format "M"
    bars = SectionBars()
    escaped: dict[str, str] = {}
    ago_text: dict[int | None, str] = {None: ""}

    def text(value: str) -> str:
        """A label's escaped text: labels repeat from row to row."""
        if value not in escaped:
            escaped[value] = e(value)
        return escaped[value]

    def day(moment) -> str:
        return f"{moment.day} {months[moment.month]} {moment.year}"  # "j M Y"

    def ago(days: int | None) -> str:
        if days not in ago_text:
            if days <= 0:  # submitted within the last 24 hours
                phrase = _("today")
            else:
                phrase = ngettext("%(days)d day ago", "%(days)d days ago", days) % {"days": days}
            ago_text[days] = ", " + e(phrase)
        return ago_text[days]

    out = []
    for row in rows:
        r = row.data
        latest = r.latest
        milestone = f" ({text(row.milestone_label.lower())})" if row.milestone_label else ""
        score = (
            f'<br><span class="small">{latest.score:.0f}%</span>'
            if latest.score is not None
            else ""
        )
        gates = "".join(
            f'<li class="gate-{text(state)}">{text(label)}</li>' for state, label in row.gates
        )
        if not r.compared:
            change = same
        else:
            parts = [from_submission % {"number": r.baseline.number}]
            if row.baseline_milestone_label:
                parts.append(f" ({text(row.baseline_milestone_label.lower())})")
            parts.append(": ")
            if r.score_change is not None:
                sign = "+" if r.score_change >= 0 else ""
                parts.append(f"<strong>{sign}{r.score_change:.0f} {points}</strong>")
            if row.baseline_verdict_label != row.verdict_label:
                parts.append(f"<br>{text(row.baseline_verdict_label)} → {text(row.verdict_label)}")
            parts.extend(
                f"<br>{text(label)}: {text(then)} → {text(now)}"
                for label, then, now in row.changed_gates
            )
            if r.versions_differ:
                parts.append(f'<br><span class="badge text-bg-warning">{versions}</span>')
            change = "".join(parts)
        if r.review:
            review = (
                f'<a href="{e(url("checklists:shared-review", r.share_id, latest.number))}">'
                f"{reviews.get(r.review) or text(r.review)}</a>"
            )
        else:
            review = not_yet if r.role == Share.Role.REVIEWER else "\N{EN DASH}"
        cohort = f" · {e(r.cohort_name)}" if r.cohort_name else ""
        out.append(
            "\n  <tr>"
            f'<td><a href="{e(shared_url(r.share_id))}">{e(r.project_name)}</a><br>'
            f'<span class="small">{e(r.organisation_name)}{cohort}</span></td>'
            f'<td class="small">{submission % {"number": latest.number}}{milestone}<br>'
            f"{day(latest.submitted_at)}{ago(row.days)}</td>"
            f'<td><span class="verdict-chip verdict-{text(latest.verdict)}">'
            f"{text(row.verdict_label)}</span>{score}</td>"
            f'<td class="small"><ul class="list-unstyled mb-0">{gates}</ul></td>'
            f"<td>{bars(row.sections)}</td>"
            f'<td class="small">{change}</td>'
            f'<td class="small">{review}</td>'
            f'<td class="small">{details.get(r.detail) or text(r.detail)}<br>'
            f"{until % {'date': day(r.expires_at)}}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)
