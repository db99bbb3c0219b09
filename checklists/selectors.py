"""Reads that join: everything a page needs about an assessment, in a constant number of queries."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .catalog import QuestionInfo, SectionInfo, catalog, checklist_version
from .content import evaluate_condition
from .links import url_maker
from .models import Answer, Assessment, Membership, Project, User
from .scoring import NOT_APPLICABLE, Result, answer_counts, score_assessment


class QuestionState:
    """A checklist question as one assessment sees it: its answer, whether it applies, its state.

    Carries the question's own fields, copied from the shared, frozen QuestionInfo rather than
    read through `__getattr__`: templates look every attribute up by name, and a fallback that
    runs only after a failed lookup made each of them several times slower.
    """

    def __init__(self, info: QuestionInfo):
        self.__dict__.update(vars(info))
        self.info = info
        self.answer: StoredAnswer | None = None
        self.applies = True
        self.rating: str | None = None
        self.state = "unanswered"
        self.rating_label = ""

    @property
    def na_allowed(self) -> bool:
        return self.info.na_allowed


@dataclass
class SectionState:
    info: SectionInfo
    questions: list[QuestionState]
    answered: int = 0
    applicable: int = 0

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def title(self) -> str:
        return self.info.title

    @property
    def intro(self) -> str:
        return self.info.intro


@dataclass
class AssessmentState:
    assessment: Assessment
    sections: list[SectionState]
    result: Result = field(repr=False)

    @property
    def questions(self) -> list[QuestionState]:
        return [q for s in self.sections for q in s.questions]

    @property
    def answered_count(self) -> int:
        """Applicable questions with a rating (scoring.answer_counts)."""
        return sum(s.answered for s in self.sections)

    @property
    def applicable_count(self) -> int:
        """Questions neither set aside by the profile nor marked not applicable."""
        return sum(s.applicable for s in self.sections)

    @property
    def unanswered(self) -> list[QuestionState]:
        return [q for q in self.questions if q.state == "unanswered"]

    def section(self, key: str) -> SectionState | None:
        return next((s for s in self.sections if s.key == key), None)


def dashboard_memberships(user: User) -> list[Membership]:
    """The user's memberships with their organisations, by name (1 query)."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def dashboard_projects(user: User) -> list[Project]:
    """The projects of the user's organisations, each with its latest assessment (3 queries).

    `project.latest` is that assessment, with its `progress`, or None; `project.assessment_count`
    counts them all; `project.role` is the user's role in its organisation. Only the latest are
    loaded: a project with a long history costs no more than a new one.
    """
    assessments = Assessment.objects.filter(project=OuterRef("pk"))
    # Subqueries rather than a join with GROUP BY: a GROUP BY over every selected column took
    # Django longer to build than the database took to run it.
    projects = list(
        Project.objects.filter(organisation__memberships__user=user)
        .select_related("organisation")
        .only(
            "pk",
            "name",
            "stage",
            "countries",
            "migrant_workers",
            "minorities_present",
            "channels",
            "updated_at",
            "organisation__name",
        )
        .annotate(
            role=F("organisation__memberships__role"),
            latest_pk=Subquery(assessments.order_by("-created_at", "-pk").values("pk")[:1]),
            assessment_count=Coalesce(
                Subquery(
                    assessments.order_by().values("project").annotate(n=Count("pk")).values("n")
                ),
                0,
            ),
        )
        .order_by("organisation__name", "name")
    )
    wanted = [p.latest_pk for p in projects if p.latest_pk]
    latest = {
        a.pk: a
        for a in Assessment.objects.filter(pk__in=wanted).only(
            "pk",
            "title",
            "status",
            "checklist_id",
            "profile_snapshot",
            "created_at",
            "updated_at",
            "project_id",
        )
    }
    ratings: dict[int, dict[int, str]] = {pk: {} for pk in latest}
    for assessment_id, question_id, rating in Answer.objects.filter(
        assessment_id__in=list(latest)
    ).values_list("assessment_id", "question_id", "rating"):
        ratings[assessment_id][question_id] = rating
    for project in projects:
        project.latest = latest.get(project.latest_pk)
        if project.latest is not None:
            assessment = project.latest
            assessment.project = project
            assessment.checklist = checklist_version(assessment.checklist_id)
            assessment.progress = _progress(
                assessment.checklist, assessment.profile, ratings[assessment.pk]
            )
    return projects


def rating_labels(scoring: dict) -> dict[str, str]:
    labels = {r["key"]: r["label"] for r in scoring["scale"]}
    labels[NOT_APPLICABLE] = scoring["not_applicable"]["label"]
    return labels


def _section_state(info: SectionInfo, answers: dict, profile: dict, labels: dict) -> SectionState:
    """A section's questions with their answers (by question pk), applicability and state."""
    section = SectionState(info=info, questions=[QuestionState(q) for q in info.questions])
    for q in section.questions:
        q.answer = answers.get(q.pk)
        q.applies = evaluate_condition(q.applies_if, profile)
        if not q.applies:
            q.rating, q.state = NOT_APPLICABLE, "set_aside"
        elif q.answer and q.answer.rating:
            q.rating = q.answer.rating
            q.state = "not_applicable" if q.rating == NOT_APPLICABLE else "answered"
        applicable, answered = answer_counts(q.rating)
        section.applicable += applicable
        section.answered += answered
        q.rating_label = labels.get(q.rating or "", "")
    return section


class StoredAnswer(NamedTuple):
    """An answer as the pages of an assessment read it: its values, and who gave it and when
    when those were asked for (see _answers).

    Plain values rather than Answer instances, and only the columns pages show: building 60
    model instances was the largest part of every assessment page's state. A named tuple is
    made from a row in C, in a quarter of a frozen dataclass's time.
    """

    question_id: int
    rating: str
    na_justification: str
    evidence_note: str
    evidence_links: list[str]
    revision: int
    answered_at: datetime | None = None
    answerer_name: str | None = None

    has_evidence = property(Answer.has_evidence.fget)


ANSWER_VALUES = (
    "question_id",
    "rating",
    "na_justification",
    "evidence_note",
    "evidence_links",
    "revision",
)


def _answers(
    assessment: Assessment, question_ids: list[int] | None = None, *, answerers: bool = True
) -> dict:
    """The assessment's answers by question primary key, as StoredAnswer (1 query).

    With `answerers=False` they come without who answered and when: only the read-only
    section page and the exports show those, and the join and a date per answer were a
    measurable share of every other page.
    """
    answers = Answer.objects.filter(assessment=assessment)
    if question_ids is not None:
        answers = answers.filter(question_id__in=question_ids)
    # The name alone: a joined User object per answer cost more than the rest of the state.
    who = ("answered_at", "answered_by__name") if answerers else ()
    return {row[0]: StoredAnswer(*row) for row in answers.values_list(*ANSWER_VALUES, *who)}


def assessment_state(assessment: Assessment, *, answerers: bool = True) -> AssessmentState:
    """Sections, questions with their answers and applicability, and the scores (1 query once
    the checklist version is in memory).

    Each question gets `answer` (or None), `applies` (False when the project's profile rules it
    out), `rating` (what scoring sees) and `state`: unanswered, answered, not_applicable or
    set_aside. Each section gets `answered` and `applicable` counts. Pages that do not show who
    gave each answer and when pass `answerers=False` (see _answers).
    """
    content = catalog(assessment.checklist)
    answers = _answers(assessment, answerers=answerers)
    profile = assessment.profile
    labels = rating_labels(content.document["scoring"])
    sections = [_section_state(info, answers, profile, labels) for info in content.sections]
    ratings = {q.key: q.rating for section in sections for q in section.questions}
    result = score_assessment(content.document["scoring"], content.scoring_questions, ratings)
    return AssessmentState(assessment=assessment, sections=sections, result=result)


def section_page_state(
    assessment: Assessment, info: SectionInfo, *, answerers: bool = True
) -> tuple[Progress, SectionState]:
    """What a section's page shows: the progress of every section, counted from the ratings as
    the full state counts them, and this section's questions as assessment_state has them,
    without the scores (1 query, for all the answers)."""
    answers = _answers(assessment, answerers=answerers)
    profile = assessment.profile
    ratings = {pk: answer.rating for pk, answer in answers.items()}
    labels = rating_labels(catalog(assessment.checklist).document["scoring"])
    return (
        _progress(assessment.checklist, profile, ratings),
        _section_state(info, answers, profile, labels),
    )


@dataclass(frozen=True)
class SectionProgress:
    key: str
    title: str
    answered: int
    applicable: int


@dataclass(frozen=True)
class Progress:
    """Answered and applicable questions, per section and in all (scoring.answer_counts)."""

    sections: tuple[SectionProgress, ...]

    @property
    def answered_count(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def applicable_count(self) -> int:
        return sum(s.applicable for s in self.sections)

    @property
    def first_open(self) -> str | None:
        """The first section with an unanswered question."""
        return next((s.key for s in self.sections if s.answered < s.applicable), None)


def progress_of(state: AssessmentState) -> Progress:
    """The progress of an assessment whose full state this request has anyway."""
    return Progress(
        tuple(SectionProgress(s.key, s.title, s.answered, s.applicable) for s in state.sections)
    )


def _progress(checklist, profile: dict, ratings: dict[int, str]) -> Progress:
    """Progress from the ratings alone (by question primary key), counted as the state counts."""
    sections = []
    for info in catalog(checklist).sections:
        # Tallied by rating first, so that answer_counts runs per rating rather than per
        # question: the dashboard counts this for every project's latest assessment.
        tally = Counter(
            ratings.get(q.pk, "") if evaluate_condition(q.applies_if, profile) else NOT_APPLICABLE
            for q in info.questions
        )
        answered = applicable = 0
        for rating, n in tally.items():
            counts = answer_counts(rating)
            applicable += counts[0] * n
            answered += counts[1] * n
        sections.append(SectionProgress(info.key, info.title, answered, applicable))
    return Progress(tuple(sections))


def assessment_gaps(state: AssessmentState) -> list[dict]:
    """The gaps in remedy, consent and privacy, blocking ones marked, each with a link to its
    question: what the assessment page, the report and the action plan list."""
    checklist = state.assessment.checklist
    questions = {q.key: q for q in state.questions}
    labels = rating_labels(checklist.scoring)
    flags = checklist.flags
    links = section_links(state.assessment)
    gaps = []
    for gap in state.result.gaps:
        q = questions[gap.key]
        gaps.append(
            {
                "key": gap.key,
                "section": gap.section,
                "text": q.text,
                "blocking": gap.blocking,
                "critical": gap.critical,
                "flag_items": [flags[f] for f in gap.flags if f in flags],
                "rating": gap.rating,
                "rating_label": labels.get(gap.rating, "") if gap.rating else _("Not answered"),
                "has_evidence": bool(q.answer and q.answer.has_evidence),
                "good": q.guidance.get("good", ""),
                "question": q,
                "href": f"{links[gap.section]}#q-{gap.key}",
            }
        )
    return gaps


def assessment_summary(state: AssessmentState) -> dict:
    """What the dashboard and the report show first: verdict, reasons, gaps and charts."""
    from .charts import bar_chart

    checklist = state.assessment.checklist
    rules = checklist.scoring
    result = state.result
    questions = {q.key: q for q in state.questions}
    levels = {level["key"]: level for level in rules["levels"]}
    labels = rating_labels(rules)
    flags = checklist.flags
    texts = {key: q.text for key, q in questions.items()}
    links = section_links(state.assessment)
    gaps = assessment_gaps(state)
    thresholds = [
        (float(level["min_score"]), f"{level['label']} {level['min_score']:g}%")
        for level in rules["levels"]
        if 0 < level["min_score"] < 100
    ]
    section_rows = [
        (f"{s.key}. {s.title}", result.sections[s.key].percent, "") for s in state.sections
    ]
    principle_rows = [
        (f"{p['number']}. {p['title']}", result.principles[p["key"]].percent, "")
        for p in checklist.content["principles"]
        if p["key"] in result.principles
    ]
    return {
        "verdict": levels[result.verdict],
        "reasons": _reason_texts(result, rules, texts, flags),
        "gaps": gaps,
        "blocking_gaps": [g for g in gaps if g["blocking"]],
        # Critical questions below the met rating that carry no gate flag: the conditions of a
        # "ready with conditions" verdict.
        "conditions": [
            {
                "key": key,
                "section": questions[key].section_key,
                "text": questions[key].text,
                "rating_label": questions[key].rating_label or _("Not answered"),
                "good": questions[key].guidance.get("good", ""),
                "href": f"{links[questions[key].section_key]}#q-{key}",
            }
            for key in result.unmet_critical
            if key not in {gap.key for gap in result.gaps}
        ],
        "section_chart": bar_chart(section_rows, thresholds=thresholds),
        "principle_chart": bar_chart(principle_rows, thresholds=thresholds),
        "rating_labels": labels,
    }


def section_links(assessment: Assessment) -> dict[str, str]:
    """The URL of each section's page, by section key: lists of questions link to them."""
    link = url_maker("checklists:assessment-section", assessment.pk)
    return {info.key: link(info.key) for info in catalog(assessment.checklist).sections}


def integrity_hash(state: AssessmentState) -> str:
    """SHA-256 over the checklist version's content hash and every answer, as printed on reports.

    Anyone holding a report can compare it with the live assessment: if an answer, a note or a
    link changed since the report was made, the hash differs. Who answered and when do not count.
    """
    answers = [
        [
            q.key,
            q.answer.rating,
            q.answer.na_justification,
            q.answer.evidence_note,
            list(q.answer.evidence_links),
        ]
        for q in state.questions
        if q.answer is not None
    ]
    payload = json.dumps(
        [state.assessment.checklist.content_hash, answers],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


GROUP_BLOCKING_GAPS_ABOVE = 3


def _reason_texts(result, rules: dict, texts: dict, flags: dict) -> list[str]:
    """The verdict's reasons as sentences; many blocking gaps are grouped by flag, one line each,
    so that the reasons stay readable and the gaps themselves are listed in full below them."""
    from django.utils.translation import gettext as _

    from .scoring import BLOCKING_GAP, reason_text

    # Flags are named inside sentences ("a blocking gap in remedy").
    labels = {k: f["label"].lower() for k, f in flags.items()}
    blocking = [r for r in result.reasons if r.kind == BLOCKING_GAP]
    # Every reason, in scoring's order (docs/scoring.md): under a gate cap, the shortfalls
    # from the better levels still say what else stands between the team and them.
    others = [
        reason_text(r, rules, texts, flag_labels=labels)
        for r in result.reasons
        if r.kind != BLOCKING_GAP
    ]
    if len(blocking) <= GROUP_BLOCKING_GAPS_ABOVE:
        return [reason_text(r, rules, texts, flag_labels=labels) for r in blocking] + others
    by_flag: dict[str, list[str]] = {}
    for reason in blocking:
        by_flag.setdefault(reason.flag, []).extend(reason.questions)
    met = next(r["label"] for r in rules["scale"] if r["key"] == rules["met_rating"])
    grouped = [
        _(
            "Blocking gaps in %(flag)s: %(keys)s. Critical questions about %(flag_lower)s must be %(met)s before deployment."
        )
        % {
            "flag": labels.get(flag, flag),
            "flag_lower": labels.get(flag, flag).lower(),
            "keys": ", ".join(keys),
            "met": met,
        }
        for flag, keys in by_flag.items()
    ]
    return grouped + others
