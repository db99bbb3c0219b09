"""Measure each main page's server time against a bare template view, on a throwaway database.

Figures, not tests: nothing here passes or fails. See docs/performance.md for how to read them.
"""

from __future__ import annotations

import math
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import django
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from checklists import services
from checklists.content import evaluate_condition
from checklists.forms import AnswerForm, answer_fingerprint
from checklists.models import (
    Answer,
    Assessment,
    ChecklistVersion,
    Membership,
    Organisation,
    Project,
    Question,
    User,
)

TARGET_RATIO = 4.0
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PLAIN_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"

ORGANISATIONS = [
    ("Northwind Apparel", Organisation.Kind.BRAND),
    ("VoiceLink Technologies", Organisation.Kind.TECHNOLOGY_PROVIDER),
    ("Fair Harvest Foundation", Organisation.Kind.FUNDER),
    ("Workers' Rights Centre", Organisation.Kind.NGO),
    ("Mekong Seafood Processing", Organisation.Kind.EMPLOYER),
    ("Atlas Electronics", Organisation.Kind.BRAND),
    ("Open Voice Cooperative", Organisation.Kind.NGO),
    ("Southern Build Group", Organisation.Kind.EMPLOYER),
]
COUNTRIES = ["Bangladesh", "Malaysia", "Thailand", "Viet Nam", "Kenya", "Mexico", "India", "Peru"]
NOTES = [
    "Written procedure agreed with partners; copy kept in the project folder.",
    "Minutes of the worker consultation in March record the decision and who is responsible.",
    "The data protection impact assessment covers this; signed by the DPO.",
    "Training attendance sheets for all hotline operators, renewed every six months.",
    "Contract clause 7.2 with the technology provider; reviewed by our legal team.",
    "Escalation flow chart posted at each site and translated into the workers' languages.",
]
LINKS = ["https://intranet.example/west/evidence", "https://docs.example/procedures/remedy.pdf"]
# Ratings of fully answered assessments, roughly as teams answer them.
RATING_WEIGHTS = {
    "in_place_with_evidence": 40,
    "in_place": 30,
    "planned": 15,
    "not_started": 5,
    services.NOT_APPLICABLE: 10,
}


@dataclass
class Targets:
    """The objects whose pages are measured, and the counts of what was seeded."""

    member: User
    checklist: ChecklistVersion
    project: Project
    answered: Assessment  # every question answered, still a draft
    partial: Assessment  # some questions unanswered: the review page lists them
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Page:
    """One measured request: how to send it, what status it must get, what to note afterwards."""

    name: str
    send: Callable[[], HttpResponse]
    status: int = 200
    after: Callable[[HttpResponse], None] | None = None
    times: list[float] = field(default_factory=list)
    queries: int = 0


class Command(BaseCommand):
    help = (
        "Measure page server times against a bare template view, on a throwaway database "
        "seeded with realistic data. Never touches the configured database's data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--requests", type=int, default=200, help="Timed requests per page (default 200)."
        )
        parser.add_argument(
            "--warmup", type=int, default=20, help="Untimed requests per page first (default 20)."
        )
        parser.add_argument(
            "--assessments", type=int, default=200, help="Assessments to seed (default 200)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed for the data.")

    def handle(self, *args, **options) -> None:
        if options["requests"] < 1 or options["warmup"] < 0 or options["assessments"] < 4:
            raise CommandError("Give at least 1 request, 0 warm-up requests and 4 assessments.")
        started = time.perf_counter()
        storages, static_note = _static_storages()
        overrides = {
            "ROOT_URLCONF": "westcheck.bench_urls",
            "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        if storages:
            overrides["STORAGES"] = storages
        with throwaway_database() as database_note:
            seed_started = time.perf_counter()
            with transaction.atomic():
                targets = seed(options["assessments"], random.Random(options["seed"]))
            seed_seconds = time.perf_counter() - seed_started
            with override_settings(**overrides):
                pages = build_pages(targets)
                measure(pages, options["requests"], options["warmup"])
            self._report(pages, targets, options, database_note, static_note, seed_seconds)
        self.stdout.write(f"Total time: {time.perf_counter() - started:.1f} s")

    def _report(self, pages, targets, options, database_note, static_note, seed_seconds) -> None:
        out = self.stdout.write
        db = settings.DATABASES["default"]
        out("")
        out(f"westcheck benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
        out(
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"{_cpu_model()}, {os.cpu_count()} cores"
        )
        out(
            f"Database: {database_note}, CONN_MAX_AGE={db.get('CONN_MAX_AGE', 0)}, "
            f"CONN_HEALTH_CHECKS={db.get('CONN_HEALTH_CHECKS', False)}"
        )
        out(f"DEBUG={settings.DEBUG}, static files: {static_note}")
        c = targets.counts
        out(
            f"Data: {c['organisations']} organisations, {c['projects']} projects, "
            f"{c['assessments']} assessments ({c['answered']} fully answered, "
            f"{c['submitted']} of them submitted), {c['answers']} answers; seeded in "
            f"{seed_seconds:.1f} s"
        )
        out(
            f"The member's dashboard lists {c['member_projects']} projects with "
            f"{c['member_assessments']} assessments; the measured project has "
            f"{c['project_assessments']}; the measured assessment has {c['measured_answers']} "
            f"answers to {c['questions']} questions"
        )
        out(
            f"{options['requests']} timed requests per page after {options['warmup']} warm-up, "
            "pages interleaved; server time through Django's test Client (no network)"
        )
        out("")
        # A Markdown table: readable here, and pasted as it is into docs/performance.md.
        bare = statistics.median(pages[0].times)
        width = max(len(page.name) for page in pages)
        out(
            f"| {'page':<{width}} | median ms | p90 ms | queries | x bare | {TARGET_RATIO:g}x target |"
        )
        out(f"|{'-' * (width + 2)}|----------:|-------:|--------:|-------:|-----------|")
        over = []
        for page in pages:
            median = statistics.median(page.times)
            ratio = median / bare
            if ratio > TARGET_RATIO:
                over.append(page.name)
            out(
                f"| {page.name:<{width}} | {median * 1000:>9.2f} | {_p90(page.times) * 1000:>6.2f} "
                f"| {page.queries:>7} | {ratio:>6.1f} | {'OVER' if ratio > TARGET_RATIO else 'ok':<9} |"
            )
        out("")
        if over:
            out(self.style.WARNING(f"Over the {TARGET_RATIO:g}x target: {', '.join(over)}"))
        else:
            out(self.style.SUCCESS(f"Every page is within {TARGET_RATIO:g}x of the bare view."))


# --- Throwaway database --------------------------------------------------------------------


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Create a fresh database beside the configured one, migrate it, and drop it afterwards.

    Django's test-database machinery does the work: SQLite gets a file in a temporary directory
    (a file, like production, not the in-memory database tests use), PostgreSQL a
    `test_<name>_bench` database on the same server. The configured database is never written.
    """
    test_settings = connection.settings_dict["TEST"]
    old_test_name = test_settings.get("NAME")
    directory = None
    if connection.vendor == "sqlite":
        directory = tempfile.mkdtemp(prefix="westcheck-bench-")
        test_settings["NAME"] = os.path.join(directory, "bench.sqlite3")
    else:
        test_settings["NAME"] = f"test_{connection.settings_dict['NAME']}_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield _database_description()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        test_settings["NAME"] = old_test_name
        if directory:
            shutil.rmtree(directory, ignore_errors=True)


def _database_description() -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} (temporary file)"
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor} (database {connection.settings_dict['NAME']})"
    return connection.display_name


def _static_storages() -> tuple[dict | None, str]:
    """Keep the configured static storage when its manifest exists, else use plain storage."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    try:
        staticfiles_storage.url("css/app.css")
    except ValueError:
        # Manifest storage without collectstatic: every {% static %} would raise.
        plain = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_STORAGE}}
        return plain, "plain StaticFilesStorage (no collectstatic manifest found)"
    return None, f"{backend.rsplit('.', 1)[-1]} from {settings.STATIC_ROOT}"


# --- Data ----------------------------------------------------------------------------------


def seed(assessment_count: int, rng: random.Random) -> Targets:
    """Organisations, members, projects and assessments, all written through the services."""
    checklist = ChecklistVersion.objects.order_by("-version").first()
    if checklist is None:
        raise CommandError("No checklist version was loaded by migrate.")
    questions = list(checklist.questions.order_by("position"))
    project_count = max(2, round(assessment_count / 4))
    organisation_count = min(len(ORGANISATIONS), project_count)

    member = User.objects.create_user(email="member@bench.example", name="Morgan Member")
    organisations, owners = [], {}
    for i, (name, kind) in enumerate(ORGANISATIONS[:organisation_count]):
        owner = member if i == 0 else _person(f"owner{i}")
        organisation = services.organisation_create(name=name, kind=kind, owner=owner)
        for n, role in enumerate([Membership.Role.EDITOR, Membership.Role.VIEWER]):
            Membership.objects.create(
                organisation=organisation, user=_person(f"team{i}-{n}"), role=role
            )
        organisations.append(organisation)
        owners[organisation.pk] = owner
    # The member also sees a second organisation's work, as Dana does in the demo data.
    if organisation_count > 1:
        Membership.objects.create(
            organisation=organisations[1], user=member, role=Membership.Role.VIEWER
        )

    # Bigger organisations first: the member's own has the most projects.
    weights = [organisation_count - i for i in range(organisation_count)]
    projects = [
        _project(
            organisations[0], member, rng, name="Worker hotline for garment suppliers", full=True
        )
    ]
    for n in range(1, project_count):
        organisation = rng.choices(organisations, weights)[0]
        projects.append(
            _project(organisation, owners[organisation.pk], rng, name=f"Worker voice programme {n}")
        )

    counts = {"answered": 0, "submitted": 0}

    def start(project, title, share, submit=False):
        starter = owners[project.organisation_id]
        assessment = services.assessment_start(
            project=project, checklist=checklist, title=title, started_by=starter
        )
        _answer(assessment, starter, questions, share, rng)
        counts["answered"] += share == 1.0
        if submit:
            services.assessment_submit(assessment=assessment, user=starter, missing=[])
            counts["submitted"] += 1
        return assessment

    main = projects[0]
    start(main, "Baseline, September 2026", 1.0, submit=True)
    answered = start(main, "Follow-up, November 2026", 1.0)
    partial = start(main, "Second follow-up, January 2027", 0.7)
    start(main, "Pilot review, March 2027", 0.05)
    for n in range(assessment_count - 4):
        project = rng.choice(projects)
        kind = rng.random()
        if kind < 0.6:  # most assessments are finished; one in eight of those is submitted
            start(project, f"Assessment {n}", 1.0, submit=rng.random() < 0.125)
        elif kind < 0.85:
            start(project, f"Assessment {n} (in progress)", rng.uniform(0.3, 0.9))
        else:
            start(project, f"Assessment {n} (just started)", rng.uniform(0.0, 0.1))

    counts.update(
        organisations=Organisation.objects.count(),
        projects=Project.objects.count(),
        assessments=Assessment.objects.count(),
        answers=Answer.objects.count(),
        member_projects=Project.objects.filter(organisation__memberships__user=member).count(),
        member_assessments=Assessment.objects.filter(
            project__organisation__memberships__user=member
        ).count(),
        project_assessments=main.assessments.count(),
        measured_answers=answered.answers.count(),
        questions=len(questions),
    )
    return Targets(member, checklist, main, answered, partial, counts)


def _person(handle: str) -> User:
    return User.objects.create_user(email=f"{handle}@bench.example", name=handle.title())


def _project(organisation, created_by, rng, *, name: str, full: bool = False) -> Project:
    """A project; `full` gives it a profile under which every question applies."""
    channels = rng.sample([c for c in Project.Channel.values], rng.randint(1, 3))
    if full and "social_media" not in channels:
        channels.append("social_media")
    return services.project_create(
        organisation=organisation,
        created_by=created_by,
        name=name,
        description="Anonymous reporting and regular pulse surveys for workers at partner sites.",
        countries=", ".join(rng.sample(COUNTRIES, rng.randint(1, 3))),
        sector=rng.choice(Project.Sector.values),
        stage=rng.choice(Project.Stage.values),
        channels=channels,
        migrant_workers=full or rng.random() < 0.5,
        minorities_present=full or rng.random() < 0.5,
        women_share=rng.randint(10, 90),
        technology_provider="VoiceLink Technologies",
        local_partners="Workers' Rights Centre",
        unions="",
    )


def _answer(assessment, user, questions: list[Question], share: float, rng) -> None:
    """Answer `share` of the questions that apply, in one save, as the walk-through does."""
    profile = assessment.project.profile
    ratings, weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())
    changes = []
    for question in questions:
        if not evaluate_condition(question.applies_if, profile) or rng.random() >= share:
            continue
        rating = rng.choices(ratings, weights)[0]
        if rating == services.NOT_APPLICABLE and not question.na_allowed:
            rating = "in_place"
        note = ""
        if rating == "in_place_with_evidence" or rng.random() < 0.5:
            note = " ".join(rng.sample(NOTES, rng.randint(1, 3)))
        links = tuple(rng.sample(LINKS, rng.randint(1, 2))) if rng.random() < 0.2 else ()
        changes.append(
            services.AnswerChange(
                question=question,
                rating=rating,
                na_justification="No such case in this project."
                if rating == services.NOT_APPLICABLE
                else "",
                evidence_note=note,
                evidence_links=links,
            )
        )
    services.answers_record(assessment=assessment, user=user, changes=changes)


# --- Pages ---------------------------------------------------------------------------------


def build_pages(targets: Targets) -> list[Page]:
    """The measured requests, the bare template view first (the ratios are to it)."""
    anonymous = Client(enforce_csrf_checks=True)
    member = Client(enforce_csrf_checks=True)
    member.force_login(targets.member, backend=MODEL_BACKEND)

    answered, partial, checklist = targets.answered, targets.partial, targets.checklist
    section = max(
        answered.checklist.sections.all(), key=lambda s: s.questions.count()
    )  # the longest section: the heaviest walk-through page
    section_url = f"/assessments/{answered.pk}/sections/{section.key}/"
    member.get(section_url, secure=True)  # sets the CSRF cookie, as the browser's first GET does
    token = member.cookies[settings.CSRF_COOKIE_NAME].value
    answers = {
        q.key: AnswerForm.initial_for(a)
        for q, a in (
            (q, Answer.objects.filter(assessment=answered, question=q).first())
            for q in section.questions.order_by("position")
        )
    }
    first, second = list(answers)[:2]
    autosave, whole = _Toggle(answered, first), _Toggle(answered, second)

    def get(client, url):
        return lambda: client.get(url, secure=True)

    def post(data):
        return lambda: member.post(
            section_url,
            {"csrfmiddlewaretoken": token, **data()},
            secure=True,
            headers={"referer": f"https://testserver{section_url}"},
        )

    def autosave_data():
        return {"autosave": first, **autosave.fields()}

    def whole_form_data():
        data = {"action": "continue"}
        for key, initial in answers.items():
            if key == second:
                data.update(whole.fields())
            else:
                data.update(_fields(key, initial))
        return data

    def autosaved(response):
        body = response.json()
        if body.get("status") != "saved" or body["revision"] != autosave.revision + 1:
            raise CommandError(f"The autosave was not saved: {body}")
        autosave.saved()

    return [
        Page("bare template view (baseline)", get(anonymous, "/__bench__/bare/")),
        Page("home (public)", get(anonymous, "/")),
        Page("checklist version page", get(anonymous, checklist.get_absolute_url())),
        Page("dashboard (signed in)", get(member, "/home/")),
        Page("project detail", get(member, targets.project.get_absolute_url())),
        Page("assessment detail (verdict, charts)", get(member, answered.get_absolute_url())),
        Page(f"section {section.key} page (GET)", get(member, section_url)),
        Page(f"section {section.key} autosave POST", post(autosave_data), after=autosaved),
        Page(
            f"section {section.key} whole-form POST",
            post(whole_form_data),
            status=302,
            after=lambda response: whole.saved(),
        ),
        Page("review page", get(member, f"/assessments/{partial.pk}/review/")),
        Page("login page", get(anonymous, "/accounts/login/")),
    ]


class _Toggle:
    """One answer whose rating each save flips between In place and Planned."""

    def __init__(self, assessment: Assessment, key: str):
        answer = Answer.objects.get(assessment=assessment, question__key=key)
        self.key = key
        self.rating = answer.rating
        self.note = answer.evidence_note
        self.links = list(answer.evidence_links)
        self.na_justification = answer.na_justification
        self.revision = answer.revision

    def _next_rating(self) -> str:
        return "planned" if self.rating == "in_place" else "in_place"

    def fields(self) -> dict[str, str]:
        seen = answer_fingerprint(self.rating, self.na_justification, self.note, self.links)
        return _fields(
            self.key,
            {
                "rating": self._next_rating(),
                "na_justification": "",
                "evidence_note": self.note,
                "evidence_links": "\n".join(self.links),
                "revision": self.revision,
                "seen": seen,
            },
        )

    def saved(self) -> None:
        self.rating, self.na_justification = self._next_rating(), ""
        self.revision += 1


def _fields(key: str, values: dict) -> dict[str, str]:
    """The form fields of one question, as the browser posts them (no rating when none)."""
    return {f"q{key}-{name}": str(value) for name, value in values.items() if value != ""}


# --- Measuring -----------------------------------------------------------------------------


def _request(page: Page) -> HttpResponse:
    """One request as a WSGI server runs it, database connection handling included.

    Django's test client switches off the closing of old connections around its requests; a
    real server closes them when CONN_MAX_AGE has passed (0: after every request) and runs
    the health check on a persistent one. Do the same, so that those costs are measured too.
    """
    close_old_connections()
    response = page.send()
    close_old_connections()
    return response


def _checked(page: Page, response: HttpResponse) -> None:
    if response.status_code != page.status:
        raise CommandError(
            f"{page.name}: expected status {page.status}, got {response.status_code}: "
            f"{response.content[:300]!r}"
        )
    if page.after:
        page.after(response)


def measure(pages: list[Page], requests: int, warmup: int) -> None:
    """Warm up, count queries, then time the pages in turn, round after round.

    Interleaving spreads any noise from the rest of the machine evenly over the pages, so that
    the ratios to the bare view stay fair even when the absolute times wobble.
    """
    for page in pages:
        for _ in range(warmup):
            _checked(page, _request(page))
        with CaptureQueriesContext(connection) as queries:
            _checked(page, _request(page))
        page.queries = len(queries)
    for _ in range(requests):
        for page in pages:
            start = time.perf_counter()
            response = _request(page)
            page.times.append(time.perf_counter() - start)
            _checked(page, response)


def _p90(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
