"""Reads that join: everything a page needs about an assessment, in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from .. import submissions
from ..catalog import Catalog, QuestionInfo, SectionInfo, catalog, checklist_version
from ..content import evaluate_condition
from ..links import url_maker
from ..models import (
    Answer,
    Assessment,
    EvidenceFile,
    Membership,
    Project,
    ProjectUserObjectPermission,
    User,
)
from ..scoring import NOT_APPLICABLE, Result, answer_counts, score_assessment


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


@dataclass(frozen=True, slots=True)
class DashboardMembership:
    """The user's membership of an organisation, as the dashboard names it."""

    organisation_id: int
    organisation_name: str
    kind: str
    role: str
    deletion_due_at: datetime | None = None  # when its owners asked for it to be deleted

    @property
    def role_label(self) -> str:
        return dict(Membership.Role.choices).get(self.role, self.role)


@dataclass(frozen=True, slots=True)
class ProfileFields:
    """The fields of a project that its profile is made of, and the profile, as Project.profile
    makes it."""

    migrant_workers: bool
    minorities_present: bool
    channels: list[str]
    stage: str

    profile = property(Project.profile.fget)


@dataclass(slots=True)
class LatestAssessment:
    """A project's latest assessment as its dashboard card shows it, and the profile that
    decides which questions apply, as Assessment.profile gives it.

    Plain values, as StoredAnswer: an Assessment with its Project took half again as long to
    load, most of it building the two model instances.
    """

    pk: int
    title: str
    status: str
    checklist_id: int
    profile_snapshot: dict | None
    updated_at: datetime
    project: ProfileFields
    # Counted as AssessmentState counts them (_count_answers).
    answered_count: int = 0
    applicable_count: int = 0

    Status = Assessment.Status  # what is_submitted compares with
    is_submitted = property(Assessment.is_submitted.fget)
    profile = property(Assessment.profile.fget)


@dataclass(slots=True)
class DashboardProject:
    """A project as its dashboard card shows it, with its latest assessment (or None)."""

    pk: int
    name: str
    stage: str
    countries: str
    organisation_name: str
    role: str | None  # the user's role in the project's organisation; None: granted to them
    latest: LatestAssessment | None = None
    grants: set[str] = field(default_factory=set)  # guardian codenames, on a granted project
    assessment_count: int = 0
    can_edit: bool = False  # set by the view, from the role


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What the signed-in home lists (dashboard_contents)."""

    memberships: list[DashboardMembership]  # by organisation name
    projects: list[DashboardProject]  # by organisation name, then project name


def dashboard_contents(user: User) -> Dashboard:
    """The user's organisations and their projects, each project with its latest assessment
    and how many of its questions are answered (3 queries).

    Only the latest assessments are loaded in full, with their answers' ratings; the others are
    a row each of the first query, a few numbers and names, which is all their count needs.
    """
    # One row per assessment of each project of each of the user's organisations (or one with
    # None for a project without, or an organisation without projects), latest first. Plain
    # values and joins: projects as model instances, with a subquery for the latest
    # assessment's key and another for the count, and the organisations in a query of their
    # own, took three times as long, mostly in Django building the SQL and the instances.
    rows = (
        Membership.objects.filter(user=user)
        .values_list(
            "organisation_id",
            "organisation__name",
            "organisation__kind",
            "role",
            "organisation__deletion_due_at",
            "organisation__projects__pk",
            "organisation__projects__name",
            "organisation__projects__stage",
            "organisation__projects__countries",
            "organisation__projects__assessments__pk",
        )
        .order_by(
            "organisation__name",
            "organisation_id",
            "organisation__projects__name",
            "organisation__projects__pk",
            "-organisation__projects__assessments__created_at",
            "-organisation__projects__assessments__pk",
        )
    )
    memberships: dict[int, DashboardMembership] = {}
    projects: dict[int, DashboardProject] = {}
    latest_pks: list[int] = []
    for (
        organisation_id,
        organisation_name,
        kind,
        role,
        deletion_due_at,
        pk,
        name,
        stage,
        countries,
        assessment_pk,
    ) in rows:
        if organisation_id not in memberships:
            memberships[organisation_id] = DashboardMembership(
                organisation_id, organisation_name, kind, role, deletion_due_at
            )
        if pk is None:
            continue
        project = projects.get(pk)
        if project is None:
            project = projects[pk] = DashboardProject(
                pk, name, stage, countries, organisation_name, role
            )
            if assessment_pk is not None:
                latest_pks.append(assessment_pk)
        if assessment_pk is not None:
            project.assessment_count += 1
    _add_granted_projects(user, projects, latest_pks)
    latest = (
        Assessment.objects.filter(pk__in=latest_pks)
        .values_list(
            "pk",
            "title",
            "status",
            "checklist_id",
            "profile_snapshot",
            "updated_at",
            "project_id",
            "project__migrant_workers",
            "project__minorities_present",
            "project__channels",
            "project__stage",
        )
        .order_by()
    )
    ratings: dict[int, dict[int, str]] = {pk: {} for pk in latest_pks}
    for assessment_id, question_id, rating in Answer.objects.filter(
        assessment_id__in=latest_pks
    ).values_list("assessment_id", "question_id", "rating"):
        ratings[assessment_id][question_id] = rating
    # The project's fields last, in ProfileFields' order.
    for pk, title, status, checklist_id, snapshot, updated_at, project_id, *profile in latest:
        assessment = LatestAssessment(
            pk, title, status, checklist_id, snapshot, updated_at, ProfileFields(*profile)
        )
        content = catalog(checklist_version(checklist_id))
        assessment.answered_count, assessment.applicable_count = _count_answers(
            ratings[pk], content.question_pks, _set_aside(content, assessment.profile)
        )
        projects[project_id].latest = assessment
    return Dashboard(list(memberships.values()), list(projects.values()))


def _add_granted_projects(user: User, projects: dict, latest_pks: list[int]) -> None:
    """Projects of other organisations granted to the user as a collaborator, after their own
    (1 query; 2 for a collaborator): one row per grant and assessment, latest first, as
    dashboard_contents reads them.

    Most people have no grant: the first query is the cheap one, so that they do not pay for
    building the second, which joins five tables.
    """
    grants: dict[int, set[str]] = {}
    for pk, codename in ProjectUserObjectPermission.objects.filter(user=user.pk).values_list(
        "content_object_id", "permission__codename"
    ):
        grants.setdefault(pk, set()).add(codename)
    granted = [pk for pk in grants if pk not in projects]  # a member sees it with their role
    if not granted:
        return
    rows = (
        Project.objects.filter(pk__in=granted)
        .values_list("pk", "name", "stage", "countries", "organisation__name", "assessments__pk")
        .order_by(
            "organisation__name",
            "name",
            "pk",
            "-assessments__created_at",
            "-assessments__pk",
        )
    )
    for pk, name, stage, countries, organisation_name, assessment_pk in rows:
        project = projects.get(pk)
        if project is None:
            project = projects[pk] = DashboardProject(
                pk, name, stage, countries, organisation_name, None, grants=grants[pk]
            )
            if assessment_pk is not None:
                latest_pks.append(assessment_pk)
        if assessment_pk is not None:
            project.assessment_count += 1


def dashboard_memberships(user: User) -> list[Membership]:
    """The user's memberships with their organisations, by name (1 query)."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


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
    content = catalog(checklist)
    set_aside = _set_aside(content, profile)
    return Progress(
        tuple(
            SectionProgress(info.key, info.title, *_count_answers(ratings, questions, set_aside))
            for info, questions in zip(content.sections, content.section_question_pks, strict=True)
        )
    )


def _set_aside(content: Catalog, profile: dict) -> frozenset[int]:
    """The questions that the profile rules out: only those with a condition can be."""
    return frozenset(
        pk for pk, condition in content.conditions if not evaluate_condition(condition, profile)
    )


def _count_answers(
    ratings: dict[int, str], questions: frozenset[int], set_aside: frozenset[int]
) -> tuple[int, int]:
    """(answered, applicable) among `questions`, as the full state counts them: a question the
    profile sets aside has the rating not_applicable, one without an answer the rating "", and
    scoring.answer_counts says what each rating counts for.

    Set operations pick the ratings, and answer_counts runs once per rating rather than once
    per question: the dashboard counts this for the latest assessment of every project.
    """
    applying = questions - set_aside
    every = [ratings[pk] for pk in ratings.keys() & applying]
    every += [""] * (len(applying) - len(every))
    every += [NOT_APPLICABLE] * (len(questions) - len(applying))
    answered = applicable = 0
    for rating in set(every):
        n = every.count(rating)
        counts = answer_counts(rating)
        applicable += counts[0] * n
        answered += counts[1] * n
    return answered, applicable


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
                "good": q.guidance.get("good", ""),
                "question": q,
                "href": f"{links[gap.section]}#q-{gap.key}",
            }
        )
    return gaps


def assessment_summary(state: AssessmentState) -> dict:
    """What the dashboard and the report show first: verdict, reasons, gaps and charts."""
    from ..charts import bar_chart

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


def next_level_of(state: AssessmentState) -> dict | None:
    """The fewest answers to improve for the next better verdict (scoring.next_level_steps),
    each with its question's text, link and the rating to reach; None at the best level."""
    from ..scoring import next_level_steps

    rules = state.assessment.checklist.scoring
    levels = {level["key"]: level for level in rules["levels"]}
    labels = rating_labels(rules)
    links = section_links(state.assessment)
    questions = {q.key: q for q in state.questions}
    plan = next_level_steps(
        rules,
        catalog(state.assessment.checklist).scoring_questions,
        {key: q.rating for key, q in questions.items()},
        state.result,
    )
    if plan is None:
        return None
    return {
        "level": levels[plan.level],
        "reaches": levels[plan.reaches],
        "steps": [
            {
                "key": step.key,
                "text": questions[step.key].text,
                "href": f"{links[questions[step.key].section_key]}#q-{step.key}",
                "rating_label": labels.get(step.rating, "") if step.rating else "",
                "to_label": labels[step.to],
                "blocking": step.blocking,
            }
            for step in plan.steps
        ],
    }


def verdict_of(state: AssessmentState) -> dict:
    """The verdict (level dict) and its reasons as sentences, blocking gaps first, without the
    gaps and charts of assessment_summary."""
    checklist = state.assessment.checklist
    rules = checklist.scoring
    result = state.result
    levels = {level["key"]: level for level in rules["levels"]}
    texts = {q.key: q.text for q in state.questions}
    return {
        "verdict": levels[result.verdict],
        "reasons": _reason_texts(result, rules, texts, checklist.flags),
    }


def section_links(assessment: Assessment) -> dict[str, str]:
    """The URL of each section's page, by section key: lists of questions link to them."""
    link = url_maker("checklists:assessment-section", assessment.pk)
    return {info.key: link(info.key) for info in catalog(assessment.checklist).sections}


def integrity_hash(state: AssessmentState) -> str:
    """SHA-256 over the checklist version's content hash, every answer and the evidence files in
    force, as printed on reports (1 query, for the files).

    Anyone holding a report can compare it with the live assessment: if an answer, a note, a
    link or a file changed since the report was made, the hash differs. Who answered and when do
    not count. The arithmetic lives in submissions.answers_hash, which every submission's hash
    comes from.
    """
    assessment = state.assessment
    return submissions.answers_hash(
        assessment.checklist.content_hash, _frozen_answers(state), frozen_evidence(assessment)
    )


def _frozen_answers(state: AssessmentState) -> list[dict]:
    return submissions.frozen_answers((q.key, q.answer) for q in state.questions)


def frozen_evidence(assessment: Assessment) -> list[dict]:
    """The assessment's evidence files in force, in the checklist's order, as a submission keeps
    them (submissions.frozen_files; 1 query)."""
    order = enumerate(catalog(assessment.checklist).questions)
    questions = {q.pk: (position, q.key) for position, q in order}
    files = sorted(
        EvidenceFile.objects.live()
        .filter(assessment=assessment)
        .only(
            "pk", "question_id", "name", "kind", "size", "sha256", "personal_data", "uploaded_at"
        ),
        key=lambda f: (questions[f.question_id][0], f.uploaded_at, f.pk),
    )
    return submissions.frozen_files((questions[f.question_id][1], f) for f in files)


def report_integrity(
    assessment: Assessment, state: AssessmentState | None = None
) -> tuple[str, list[dict]]:
    """The integrity hash a report of the assessment prints, and the evidence files it lists.

    A submitted assessment's come from its submission, as frozen: a file purged since stays
    listed, and the hash stays the one printed on every report of it. A draft's are worked out
    from its answers (from `state`, or 1 query) and its files in force (1 query).
    """
    if assessment.is_submitted:
        try:
            submission = assessment.submission
        except ObjectDoesNotExist:
            submission = None
        if submission is not None:
            return submission.integrity_hash, list(submission.evidence or [])
    files = frozen_evidence(assessment)
    if state is not None:
        answers = _frozen_answers(state)
    else:
        found = _answers(assessment, answerers=False)
        answers = submissions.frozen_answers(
            (q.key, found.get(q.pk)) for q in catalog(assessment.checklist).questions
        )
    return submissions.answers_hash(assessment.checklist.content_hash, answers, files), files


def submission_snapshot(state: AssessmentState) -> submissions.Snapshot:
    """What submitting the assessment in this state freezes: its answers and evidence files,
    their integrity hash (the one its report prints) and its scores, verdict, gate states and
    gaps."""
    checklist = state.assessment.checklist
    return submissions.snapshot(
        checklist.scoring,
        state.result,
        checklist.content_hash,
        _frozen_answers(state),
        frozen_evidence(state.assessment),
    )


GROUP_BLOCKING_GAPS_ABOVE = 3


def _reason_texts(result, rules: dict, texts: dict, flags: dict) -> list[str]:
    """The verdict's reasons as sentences; many blocking gaps are grouped by flag, one line each,
    so that the reasons stay readable and the gaps themselves are listed in full below them."""
    from django.utils.translation import gettext as _

    from ..scoring import BLOCKING_GAP, reason_text

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
