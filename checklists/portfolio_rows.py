"""The portfolio's rows as people read them: labels, the baseline -> latest change, the
section bars drawn as small SVGs (in Python: fifty rows of nine bars each would cost more as
template tags), and the CSV of the same rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .catalog import catalog, checklist_version
from .data_exchange import csv_cell
from .markup import escape
from .models import Submission
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

    @property
    def bars_svg(self) -> str:
        return section_bars(self.sections)


def _labels(checklist_id: int) -> tuple[dict, dict]:
    """The verdicts' and the gates' labels in a checklist version (kept in memory)."""
    version = checklist_version(checklist_id)
    levels = {level["key"]: level["label"] for level in version.scoring["levels"]}
    flags = {flag: info["label"] for flag, info in version.flags.items()}
    return levels, flags


def rows_of(rows: list[PortfolioRow]) -> list[Row]:
    """Rows ready to draw; `rows` carry their section scores (selectors.portfolio.with_sections)."""
    # In the language of this request.
    milestones = {key: str(label) for key, label in Submission.Milestone.choices}
    drawn = []
    for row in rows:
        latest, baseline = row.latest, row.baseline
        levels, flags = _labels(latest.checklist_id)
        baseline_levels, _flags = _labels(baseline.checklist_id)
        content = catalog(checklist_version(latest.checklist_id))
        drawn.append(
            Row(
                data=row,
                verdict_label=levels.get(latest.verdict, latest.verdict),
                baseline_verdict_label=baseline_levels.get(baseline.verdict, baseline.verdict),
                gates=[
                    (
                        latest.gates.get(gate, ""),
                        f"{flags.get(gate, gate)}: {gate_state_label(latest.gates.get(gate, ''))}",
                    )
                    for gate in GATES
                ],
                changed_gates=[
                    (
                        flags.get(gate, gate),
                        gate_state_label(baseline.gates.get(gate, "")),
                        gate_state_label(latest.gates.get(gate, "")),
                    )
                    for gate in GATES
                    if row.compared and baseline.gates.get(gate) != latest.gates.get(gate)
                ],
                sections=[(s.key, s.title, latest.sections.get(s.key)) for s in content.sections],
                days=days_since(latest.submitted_at),
                milestone_label=milestones.get(latest.milestone, ""),
                baseline_milestone_label=milestones.get(baseline.milestone, ""),
            )
        )
    return drawn


BAR_W, GAP, HEIGHT = 6, 2, 24


def section_bars(sections) -> str:
    """Nine small bars, one per section, with their scores as the image's name."""
    width = len(sections) * (BAR_W + GAP)
    described = ", ".join(
        f"{key}: {'n/a' if score is None else f'{score:.0f}%'}" for key, _title, score in sections
    )
    bars = []
    for i, (_key, _title, score) in enumerate(sections):
        h = 0 if score is None else max(1, round(HEIGHT * min(score, 100) / 100))
        x = i * (BAR_W + GAP)
        bars.append(
            f'<rect x="{x}" y="0" width="{BAR_W}" height="{HEIGHT}" fill="#e3eaec"/>'
            f'<rect x="{x}" y="{HEIGHT - h}" width="{BAR_W}" height="{h}" fill="#0b5560"/>'
        )
    return (
        f'<svg class="mini-bars" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{HEIGHT}" viewBox="0 0 {width} {HEIGHT}" role="img" '
        f'aria-label="{escape(_("Section scores") + ": " + described)}">{"".join(bars)}</svg>'
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
            *(latest.gates.get(gate, "") for gate in GATES),
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
