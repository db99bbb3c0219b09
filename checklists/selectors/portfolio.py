"""The portfolio: one row per project shared with the user's organisations, read from the
submissions' stored summaries in a fixed number of queries whatever the number of rows.

A row is a live share (the most detailed one, when a project is shared with the user's
organisations more than once) with:

- its latest covered submission: the project's latest for a share following later
  submissions, the shared one otherwise (number, date, milestone, checklist version, verdict,
  score, gate states);
- its baseline: the first submission shared, to which the latest is compared;
- the review state of the latest submission under the share.

The rows are read as plain values (a few hundred small tuples), then filtered, counted and
sorted in Python: cheaper than asking the database to work out each row's latest submission in
every filter, sort and count. Everything here is at summary detail, which every share shows: a
portfolio never shows more than the least detailed share could.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    F,
    OuterRef,
    Subquery,
    When,
)
from django.utils import timezone

from ..access import live_shares
from ..models import ReviewRound, Share, Submission, User
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
    sections: dict = field(default_factory=dict)  # read for the rows shown only

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
    expires_at: datetime | None  # read for the rows shown only (with_sections)
    latest: Facts
    baseline: Facts
    review: str | None = None

    @property
    def score_change(self) -> float | None:
        if self.latest.score is None or self.baseline.score is None:
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


RANK = {Share.Detail.SUMMARY: 0, Share.Detail.SECTIONS: 1, Share.Detail.FULL: 2}


def _facts(values: tuple) -> Facts:
    pk, number, milestone, submitted_at, checklist_id, verdict, score, gates = values
    return Facts(pk, number, milestone, submitted_at, checklist_id, verdict, score, gates or "")


def _baseline(values: tuple) -> Facts:
    pk, number, milestone, checklist_id, verdict, score, gates = values
    return Facts(pk, number, milestone, None, checklist_id, verdict, score, gates or "")


FACTS = (
    "pk",
    "number",
    "milestone",
    "submitted_at",
    "checklist_id",
    "verdict",
    "score",
    "gates",
)


def portfolio_rows(user: User, filters: Filters = Filters()) -> list[PortfolioRow]:
    """Every row the filters select, sorted (3 queries, 1 with no share; 1 more with the
    milestone filter)."""
    shares = live_shares().filter(recipient__memberships__user=user.pk)
    if filters.cohort:
        shares = shares.filter(cohort=filters.cohort)
    if filters.country:
        shares = shares.filter(project__countries__icontains=filters.country)
    if filters.channel:
        # The JSON list as text holds each channel in quotes, on SQLite and PostgreSQL alike.
        shares = shares.filter(project__channels__icontains=f'"{filters.channel}"')
    if filters.stage:
        shares = shares.filter(project__stage=filters.stage)
    latest_id = Case(
        When(
            follows_later=True,
            then=Subquery(
                Submission.objects.filter(project=OuterRef("project"))
                .order_by("-number")
                .values("pk")[:1]
            ),
        ),
        default=F("submission_id"),
    )
    shares = shares.annotate(latest_id=latest_id).order_by()  # sorted in Python
    # The latest submissions and their reviews are read through the same subquery rather than
    # a list of hundreds of ids: preparing such a list's parameters cost more than the query.
    covered = shares.values("latest_id")
    found = list(
        shares.values_list(
            "pk",
            "project_id",
            "project__name",
            "project__organisation__name",
            "cohort_id",
            "cohort__name",
            "project__countries",
            "project__stage",
            "detail",
            "role",
            "follows_later",
            "latest_id",
            *(f"submission__{name}" for name in FACTS if name != "submitted_at"),
        )
    )
    # One row per project: the share that shows the most, the newest of equals.
    best: dict[int, tuple] = {}
    for values in found:
        kept = best.get(values[1])
        if kept is None or (RANK[values[8]], values[0]) > (RANK[kept[8]], kept[0]):
            best[values[1]] = values
    found = list(best.values())
    if not found:
        return []
    wanted = {row[11] for row in found}
    latest = {
        values[0]: _facts(values)
        for values in Submission.objects.filter(pk__in=covered).values_list(*FACTS)
        if values[0] in wanted
    }
    # By submission alone: with the shares' list too, SQLite probes every pair of the two.
    reviews = {
        (share, submission): status
        for share, submission, status in ReviewRound.objects.filter(
            submission__in=covered
        ).values_list("share_id", "submission_id", "status")
    }
    rows = [
        PortfolioRow(
            share_id=values[0],
            project_id=values[1],
            project_name=values[2],
            organisation_name=values[3],
            cohort_id=values[4],
            cohort_name=values[5] or "",
            countries=values[6],
            stage=values[7],
            detail=values[8],
            role=values[9],
            expires_at=None,
            latest=latest[values[11]],
            baseline=_baseline(values[12:]),
            review=reviews.get((values[0], values[11])),
        )
        for values in found
        if values[11] in latest
    ]
    rows = _filtered(rows, filters)
    return _sorted(rows, filters.sort)


def _filtered(rows: list[PortfolioRow], filters: Filters) -> list[PortfolioRow]:
    if filters.verdict in VERDICTS:
        rows = [row for row in rows if row.latest.verdict == filters.verdict]
    if filters.gate in GATES:
        rows = [row for row in rows if row.latest.blocks(filters.gate)]
    if filters.review == "none":
        rows = [row for row in rows if row.review is None]
    elif filters.review in ReviewRound.Status.values:
        rows = [row for row in rows if row.review == filters.review]
    if filters.missing in Submission.Milestone.values and rows:
        having = set(
            Submission.objects.filter(
                project__in=[row.project_id for row in rows], milestone=filters.missing
            ).values_list("project_id", "number")
        )
        rows = [
            row
            for row in rows
            if not any(
                (row.project_id, n) in having
                for n in range(row.baseline.number, row.latest.number + 1)
            )
        ]
    return rows


def _sorted(rows: list[PortfolioRow], sort: str) -> list[PortfolioRow]:
    def names(row):
        return (row.organisation_name.casefold(), row.project_name.casefold())

    def score(row, missing):
        return row.latest.score if row.latest.score is not None else missing

    def change(row, missing):
        return row.score_change if row.score_change is not None else missing

    keys = {
        "organisation": names,
        "verdict": lambda r: (
            VERDICTS.index(r.latest.verdict) if r.latest.verdict in VERDICTS else 9,
            score(r, -1),
            names(r),
        ),
        "score": lambda r: (score(r, 101), names(r)),
        "-score": lambda r: (-score(r, -1), names(r)),
        "change": lambda r: (change(r, 1000), names(r)),
        "-change": lambda r: (-change(r, -1000), names(r)),
        "oldest": lambda r: (r.latest.submitted_at, names(r)),
        "newest": lambda r: (-r.latest.submitted_at.timestamp(), names(r)),
    }
    return sorted(rows, key=keys.get(sort, names))


def with_sections(rows: list[PortfolioRow]) -> list[PortfolioRow]:
    """The rows with their latest submission's section scores and their share's expiry
    (2 queries): for the rows shown, or the CSV."""
    if not rows:
        return rows
    ids = {row.latest.id for row in rows}
    sections = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "summary__sections"))
    expiry = dict(
        Share.objects.filter(pk__in=[row.share_id for row in rows]).values_list("pk", "expires_at")
    )
    for row in rows:
        row.latest.sections = sections.get(row.latest.id) or {}
        row.expires_at = expiry.get(row.share_id)
    return rows


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


def aggregates(rows: list[PortfolioRow]) -> Aggregates:
    verdicts = Counter(row.latest.verdict for row in rows)
    blocking = Counter(gate for row in rows for gate in GATES if row.latest.blocks(gate))
    pairs = [
        row.score_change
        for row in rows
        if row.compared
        and row.baseline.milestone == Submission.Milestone.BASELINE
        and row.latest.milestone == Submission.Milestone.ENDLINE
    ]
    changes = [change for change in pairs if change is not None]
    return Aggregates(
        n=len(rows),
        verdicts={v: verdicts.get(v, 0) for v in VERDICTS},
        gates_blocking={g: blocking.get(g, 0) for g in GATES},
        progress_n=len(pairs),
        progress_change=sum(changes) / len(changes) if changes else None,
        versions_differ=sum(row.versions_differ for row in rows if row.compared),
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
