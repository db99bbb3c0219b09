"""The portfolio: one row per project shared with the user's organisations, read from the
submissions' stored summaries.

A row is a live share (the most detailed one, when a project is shared with the user's
organisations more than once) with:

- its latest covered submission: the project's latest for a share following later
  submissions, the shared one otherwise (number, date, milestone, checklist version, verdict,
  score, gate states, section scores);
- its baseline: the first submission shared, to which the latest is compared;
- the review state of the latest submission under the share.

The database does the work: the latest submission is joined to each share by the unique
(project, number) index, and filtering, sorting, counting and paging all happen in SQL. A page
costs one query whatever the number of grantees: the totals and charts over every row the filters
select, and the fifty rows shown. Everything here is at summary detail, which every share shows: a portfolio
never shows more than the least detailed share could.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..access import live_shares
from ..models import (
    Cohort,
    Membership,
    Organisation,
    Project,
    ReviewRound,
    Share,
    Submission,
    User,
)
from ..submissions import gates_from_text

GATES = ("remedy", "consent", "privacy")
VERDICTS = ("not_ready", "ready_with_conditions", "ready")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    cohort: int | None = None
    verdict: str = ""
    gate: str = ""  # a gate blocking on the latest submission
    review: str = ""  # a ReviewRound status, or "none"
    missing: str = ""  # a milestone none of the covered submissions has
    country: str = ""
    channel: str = ""
    stage: str = ""
    sort: str = "organisation"


@dataclass
class Facts:
    """What a row shows of one submission."""

    id: int
    number: int
    milestone: str
    submitted_at: datetime | None  # read for the latest submission only
    checklist_id: int
    verdict: str
    score: float | None
    gates_text: str = ""  # submissions.gates_text: read as a dict only where it is shown
    sections: dict = field(default_factory=dict)  # read for the latest submission only

    @property
    def gates(self) -> dict[str, str]:
        return gates_from_text(self.gates_text)

    def blocks(self, gate: str) -> bool:
        return f"{gate}:blocking" in self.gates_text


@dataclass
class PortfolioRow:
    share_id: int
    project_id: int
    project_name: str
    organisation_name: str
    cohort_id: int | None
    cohort_name: str
    countries: str
    stage: str
    detail: str
    role: str
    expires_at: datetime
    latest: Facts
    baseline: Facts
    review: str | None = None

    @property
    def score_change(self) -> float | None:
        """None with nothing to compare: a lone baseline has no change, not a change of 0."""
        if not self.compared or self.latest.score is None or self.baseline.score is None:
            return None
        return self.latest.score - self.baseline.score

    @property
    def versions_differ(self) -> bool:
        return self.latest.checklist_id != self.baseline.checklist_id

    @property
    def compared(self) -> bool:
        return self.latest.id != self.baseline.id

    def get_detail_display(self) -> str:
        return str(dict(Share.Detail.choices).get(self.detail, self.detail))


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, in lower case, with its wildcards escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The rows' shares (%(received)s: the live ones received by the user's organisations, one per
# project, compiled from access.live_shares so that liveness has one home), each joined to its
# baseline (b: the first submission shared) and to its latest covered submission (l) through the
# unique (project, number) index.
FROM = f"""
FROM (%(received)s) s
JOIN {Project._meta.db_table} p ON p.id = s.project_id
JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id
JOIN {Submission._meta.db_table} b ON b.id = s.submission_id
JOIN {Submission._meta.db_table} l ON l.project_id = s.project_id AND l.number = CASE
    WHEN s.follows_later THEN (
        SELECT MAX(x.number) FROM {Submission._meta.db_table} x WHERE x.project_id = s.project_id
    )
    ELSE b.number END
WHERE s.place = 1
"""  # noqa: S608 (table names and constants only: every value is a parameter)
# What the totals and the sort need of every selected row, named so that both read them from
# the `selected` rows as x.
NARROW = """
s.id AS share, l.id AS latest, b.id AS baseline, LOWER(o.name) AS organisation_key,
LOWER(p.name) AS project_key, l.verdict AS verdict, l.gates AS gates, l.score AS score,
b.score AS baseline_score, l.milestone AS milestone, b.milestone AS baseline_milestone,
l.checklist_id AS checklist, b.checklist_id AS baseline_checklist, l.submitted_at AS submitted_at
"""
COMPARED = "x.latest <> x.baseline"
PAIR = (
    f"{COMPARED} AND x.baseline_milestone = '{Submission.Milestone.BASELINE}' "
    f"AND x.milestone = '{Submission.Milestone.ENDLINE}'"
)
TOTALS = [
    "COUNT(x.share)",
    *(f"COUNT(CASE WHEN x.verdict = '{v}' THEN 1 END)" for v in VERDICTS),
    *(f"COUNT(CASE WHEN x.gates LIKE '%%{g}:blocking%%' THEN 1 END)" for g in GATES),
    f"COUNT(CASE WHEN {PAIR} THEN 1 END)",
    f"AVG(CASE WHEN {PAIR} THEN x.score - x.baseline_score END)",
    f"COUNT(CASE WHEN {COMPARED} AND x.checklist <> x.baseline_checklist THEN 1 END)",
]
NAMES = "x.organisation_key, x.project_key, x.share"
CHANGE = f"CASE WHEN {COMPARED} THEN x.score - x.baseline_score END"  # as PortfolioRow.score_change
VERDICT_RANK = (
    "CASE x.verdict "
    + " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(VERDICTS))
    + " ELSE 9 END"
)
ORDER = {
    "organisation": NAMES,
    "verdict": f"{VERDICT_RANK}, x.score ASC NULLS FIRST, {NAMES}",
    "score": f"x.score ASC NULLS LAST, {NAMES}",
    "-score": f"x.score DESC NULLS LAST, {NAMES}",
    "change": f"{CHANGE} ASC NULLS LAST, {NAMES}",
    "-change": f"{CHANGE} DESC NULLS LAST, {NAMES}",
    "oldest": f"x.submitted_at ASC, {NAMES}",
    "newest": f"x.submitted_at DESC, {NAMES}",
}
REVIEW = (
    f"(SELECT r.status FROM {ReviewRound._meta.db_table} r "  # noqa: S608
    "WHERE r.share_id = s.id AND r.submission_id = l.id)"
)
SECTIONS = {
    "postgresql": "l.summary -> 'sections'",
    "sqlite": "json_extract(l.summary, '$.sections')",
}
# What a row shows, read only for the rows of the page.
COLUMNS = f"""
s.id, s.project_id, p.name, o.name, s.cohort_id, c.name, p.countries, p.stage, s.detail,
s.role, s.expires_at, {REVIEW},
l.id, l.number, l.milestone, l.submitted_at, l.checklist_id, l.verdict, l.score, l.gates,
%(sections)s,
b.id, b.number, b.milestone, b.checklist_id, b.verdict, b.score, b.gates
"""


def _page(selected: str, order: str, limit: str, columns: str) -> str:
    """The totals over every selected row, then the page's rows with what they show.

    One statement: the selected rows are worked out once for both (a common table expression
    used twice is computed once, on SQLite and PostgreSQL alike), and the costlier columns only
    for the page. With no row on the page (none selected, or a page past the last) it is one
    row of totals.
    """
    return f"""
WITH selected AS ({selected}),
totals AS (SELECT {", ".join(TOTALS)} FROM selected x),
page AS (SELECT * FROM selected x ORDER BY {order}{limit})
SELECT totals.*, {columns}
FROM totals
LEFT JOIN page x ON TRUE
LEFT JOIN {Share._meta.db_table} s ON s.id = x.share
LEFT JOIN {Project._meta.db_table} p ON p.id = s.project_id
LEFT JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id
LEFT JOIN {Cohort._meta.db_table} c ON c.id = s.cohort_id
LEFT JOIN {Submission._meta.db_table} b ON b.id = x.baseline
LEFT JOIN {Submission._meta.db_table} l ON l.id = x.latest
ORDER BY {order}
"""  # noqa: S608 (table names and constants only: every value is a parameter)


def _where(filters: Filters) -> tuple[str, list]:
    """The filters as SQL conditions on the rows, with their parameters."""
    sql, params = [], []
    if filters.cohort:
        sql.append("s.cohort_id = %s")
        params.append(filters.cohort)
    if filters.country:
        sql.append("LOWER(p.countries) LIKE %s ESCAPE '\\'")
        params.append(_like(filters.country))
    if filters.channel:
        # The JSON list as text holds each channel in quotes, on SQLite and PostgreSQL alike.
        sql.append("LOWER(CAST(p.channels AS TEXT)) LIKE %s ESCAPE '\\'")
        params.append(_like(f'"{filters.channel}"'))
    if filters.stage:
        sql.append("p.stage = %s")
        params.append(filters.stage)
    if filters.verdict in VERDICTS:
        sql.append("l.verdict = %s")
        params.append(filters.verdict)
    if filters.gate in GATES:
        sql.append("l.gates LIKE %s")
        params.append(f"%{filters.gate}:blocking%")
    if filters.review == "none":
        sql.append(f"{REVIEW} IS NULL")
    elif filters.review in ReviewRound.Status.values:
        sql.append(f"{REVIEW} = %s")
        params.append(filters.review)
    if filters.missing in Submission.Milestone.values:
        sql.append(
            f"NOT EXISTS (SELECT 1 FROM {Submission._meta.db_table} m "  # noqa: S608
            "WHERE m.project_id = s.project_id AND m.milestone = %s "
            "AND m.number BETWEEN b.number AND l.number)"
        )
        params.append(filters.missing)
    return "".join(f"\nAND {condition}" for condition in sql), params


def _received(user: User) -> tuple[str, list]:
    """The live shares received by the user's organisations, each with its place among those of
    its project: 1 for the most detailed (the latest, between equals)."""
    live, params = (
        live_shares()
        .filter(recipient__in=Membership.objects.filter(user=user.pk).values("organisation"))
        .order_by()
        .values("id", "project_id", "submission_id", "follows_later", "cohort_id", "detail")
        .query.sql_with_params()
    )
    rank = (
        f"CASE t.detail WHEN '{Share.Detail.FULL}' THEN 2 "
        f"WHEN '{Share.Detail.SECTIONS}' THEN 1 ELSE 0 END"
    )
    sql = (
        "SELECT t.*, ROW_NUMBER() OVER ("  # noqa: S608 (constants only)
        f"PARTITION BY t.project_id ORDER BY {rank} DESC, t.id DESC) AS place FROM ({live}) t"
    )
    return sql, params


def _selected(user: User, filters: Filters) -> tuple[str, list]:
    """The rows the filters select, with the NARROW columns, as SQL and its parameters."""
    received, received_params = _received(user)
    where, where_params = _where(filters)
    sql = f"SELECT {NARROW} " + FROM % {"received": received} + where
    return sql, [*received_params, *where_params]


def _moment(value) -> datetime:
    """A timestamp as the database hands it back to raw SQL: text on SQLite (UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _json(value) -> dict:
    if isinstance(value, str):
        value = json.loads(value)
    return value or {}


@dataclass
class Aggregates:
    n: int
    verdicts: dict[str, int]
    gates_blocking: dict[str, int]
    # Over the grantees whose first shared submission is a baseline and whose latest an
    # endline: how many, and their mean change of score.
    progress_n: int
    progress_change: float | None
    versions_differ: int = 0


def portfolio_page(
    user: User, filters: Filters = Filters(), start: int = 0, stop: int | None = None
) -> tuple[Aggregates, list[PortfolioRow]]:
    """The totals over every row the filters select, and those rows, sorted, from `start` to
    `stop` (1 query)."""
    selected, params = _selected(user, filters)
    limit = "" if stop is None else f"\nLIMIT {max(0, int(stop) - int(start))} OFFSET {int(start)}"
    order = ORDER.get(filters.sort, NAMES)
    columns = COLUMNS % {"sections": SECTIONS[connection.vendor]}
    sql = _page(selected, order, limit, columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    n, *counts = found[0][: len(TOTALS)]
    verdicts, counts = counts[: len(VERDICTS)], counts[len(VERDICTS) :]
    gates, (progress_n, progress_change, versions_differ) = (
        counts[: len(GATES)],
        counts[len(GATES) :],
    )
    totals = Aggregates(
        n=n,
        verdicts=dict(zip(VERDICTS, verdicts, strict=True)),
        gates_blocking=dict(zip(GATES, gates, strict=True)),
        progress_n=progress_n,
        progress_change=None if progress_change is None else float(progress_change),
        versions_differ=versions_differ,
    )
    rows = [_row(values[len(TOTALS) :]) for values in found if values[len(TOTALS)]]
    return totals, rows


def _row(values) -> PortfolioRow:
    (share, project, project_name, organisation, cohort, cohort_name, countries, stage,
     detail, role, expires_at, review) = values[:12]  # fmt: skip
    return PortfolioRow(
        share_id=share,
        project_id=project,
        project_name=project_name,
        organisation_name=organisation,
        cohort_id=cohort,
        cohort_name=cohort_name or "",
        countries=countries,
        stage=stage,
        detail=detail,
        role=role,
        expires_at=_moment(expires_at),
        review=review,
        latest=Facts(
            *values[12:15], _moment(values[15]), *values[16:19], values[19] or "", _json(values[20])
        ),
        baseline=Facts(values[21], values[22], values[23], None, *values[24:27], values[27] or ""),
    )


def days_since(moment: datetime | None) -> int | None:
    return None if moment is None else (timezone.now() - moment).days


def portfolio_charts(totals: Aggregates):
    """The verdict distribution and the gates' prevalence, as bar charts in percent of n."""
    from django.utils.translation import gettext as _

    from ..charts import bar_chart

    def share_of(count: int) -> float | None:
        return None if not totals.n else 100 * count / totals.n

    verdict_names = {
        "not_ready": _("Not ready"),
        "ready_with_conditions": _("Ready with conditions"),
        "ready": _("Ready"),
    }
    gate_names = {"remedy": _("Remedy"), "consent": _("Informed consent"), "privacy": _("Privacy")}
    verdicts = bar_chart(
        [
            (f"{verdict_names[v]} ({count} / {totals.n})", share_of(count), "")
            for v, count in totals.verdicts.items()
        ]
    )
    gates = bar_chart(
        [
            (f"{gate_names[g]} ({count} / {totals.n})", share_of(count), "")
            for g, count in totals.gates_blocking.items()
        ]
    )
    return verdicts, gates
