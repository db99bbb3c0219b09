"""Measure each main page's server time against a bare template view, on a throwaway database.

By default over real HTTP: after seeding, the command starts gunicorn (one sync worker) on
127.0.0.1 against the throwaway database, signs in over HTTP, and times each request from sending
it to reading the whole response. With --in-process, Django's test Client calls the handler
directly (no server, no network): the mode for profiling (--profile). Query counts always come
from an in-process pass, and the readiness report's PDF is always timed in-process.

Figures, not tests: nothing here passes or fails. See docs/performance.md for how to read them.
"""

from __future__ import annotations

import cProfile
import http.client
import io
import json
import math
import os
import platform
import pstats
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.cookies import SimpleCookie
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from urllib.parse import quote, urlencode

import django
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection, transaction
from django.template.loader import render_to_string
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from checklists import services
from checklists.content import evaluate_condition
from checklists.forms.answers import AnswerForm, answer_fingerprint
from checklists.models import (
    Action,
    Answer,
    Assessment,
    ChecklistVersion,
    Membership,
    Organisation,
    Project,
    Question,
    User,
)
from scripts.lib.bench.portfolio import seed_portfolio

# Every page, rendered fresh, against the bare view: per database, as the extra round trips of
# a client-server database cost more than SQLite's calls into the same process.
TARGET_RATIOS = {"sqlite": 8.0, "postgresql": 12.0}
PDF_RATIO_TARGET = 1.3  # the report PDF against WeasyPrint alone on the same HTML
PDF_SECONDS_TARGET = 1.0
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PLAIN_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
URLENCODED = "application/x-www-form-urlencoded"
REPORT_TEMPLATE = "checklists/pdf/assessment_report.html"
BLANK_TEMPLATE = "checklists/pdf/blank_checklist.html"

# The HTTP server: loopback only, one sync worker, so that each figure is one request's time.
HOST = "127.0.0.1"
SETTINGS_SHIM = "westcheck_bench_settings"  # written into the temporary directory
STARTUP_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
REQUEST_TIMEOUT = 60  # seconds for one request (gunicorn's worker timeout is the same)
STOP_TIMEOUT = 10  # seconds for gunicorn to stop after SIGTERM before it is killed

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
ACTION_OWNERS = ["Programme manager", "VoiceLink Technologies", "Workers' Rights Centre", "HR lead"]
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
    answered: Assessment  # every question answered, still a draft: the walk-through pages
    partial: Assessment  # some questions unanswered: the review page lists them
    reported: Assessment  # every question answered, submitted, half its gaps planned: the report
    integrity_short: str  # the reported assessment's hash as printed on the report
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Reply:
    """A response, whichever way it came: status, body and headers."""

    status: int
    body: bytes
    headers: object  # has .get(name), case-insensitive

    def describe(self) -> str:
        location = self.headers.get("Location")
        if location:
            return f"status {self.status} to {location}"
        return f"status {self.status}: {self.body[:200]!r}"


@dataclass
class Page:
    """One measured request: what to send, as whom, what status it must get, what to note after."""

    name: str
    path: str
    who: str = "anonymous"  # or "member": the signed-in person
    method: str = "GET"
    data: Callable[[], dict[str, str]] | None = None  # the fields of a POST, without the CSRF token
    encoding: str = "multipart"  # of a POST: "multipart" (fetch with FormData) or "urlencoded"
    headers: dict[str, str] = field(default_factory=dict)
    referer: str = ""  # the page a POST is sent from
    status: int = 200
    after: Callable[[Reply], None] | None = None
    times: list[float] = field(default_factory=list)
    queries: int | None = None
    error: str = ""  # why the page was dropped: it failed, and the other pages went on


@dataclass
class Timing:
    """Seconds per run: wall clock, and this process's CPU time (which a busy machine inflates less)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @contextmanager
    def run(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)


@dataclass
class PdfFigures:
    """The timings of each step, and what was rendered."""

    runs: int
    report: Timing = field(default_factory=Timing)  # assessment_report_pdf(assessment)
    render_pdf: Timing = field(default_factory=Timing)  # render_pdf(html) on the same HTML
    weasyprint: Timing = field(default_factory=Timing)  # WeasyPrint alone on the same HTML
    context: Timing = field(default_factory=Timing)  # assessment_report_context(assessment)
    template: Timing = field(default_factory=Timing)  # render_to_string of the report template
    blank: Timing = field(default_factory=Timing)  # blank_checklist_pdf(version)
    blank_weasyprint: Timing = field(default_factory=Timing)
    report_pages: int = 0
    report_bytes: int = 0
    blank_pages: int = 0
    context_queries: int = 0
    partial_context_queries: int = 0


def _named(pages: list[Page], names: str) -> list[Page]:
    """The pages whose name contains one of the comma-separated names, in any case."""
    needles = [n.strip().lower() for n in names.split(",") if n.strip()]
    chosen = [page for page in pages if any(n in page.name.lower() for n in needles)]
    if not chosen:
        known = ", ".join(page.name for page in pages)
        raise CommandError(f"No page name contains {names!r}. Pages: {known}")
    return chosen


class Command(BaseCommand):
    help = (
        "Measure page server times against a bare template view, over HTTP to gunicorn (or "
        "in-process), on a throwaway database seeded with realistic data, and time the "
        "readiness report PDF. Never touches the configured database's data."
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
        parser.add_argument(
            "--grantees",
            type=int,
            default=500,
            help="Grantee organisations sharing with the member's fund (default 500).",
        )
        parser.add_argument(
            "--submissions-per-grantee",
            type=int,
            default=10,
            help="Submissions each grantee shares (default 10: 5,000 with 500 grantees).",
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="Call Django's handler through the test Client instead of HTTP to gunicorn.",
        )
        parser.add_argument(
            "--pdf-runs",
            type=int,
            default=7,
            help="Timed runs of each PDF step (default 7; 0 skips the PDFs).",
        )
        parser.add_argument(
            "--time-limit",
            type=float,
            default=900,
            help="Stop the timed rounds after this many seconds (default 900).",
        )
        parser.add_argument(
            "--profile",
            metavar="NAME",
            help="Profile (cProfile, in-process) the pages whose name contains NAME (or one of "
            "several, comma-separated) instead of timing all pages; --requests requests each.",
        )
        parser.add_argument(
            "--pages",
            metavar="NAME",
            help="Time only the pages whose name contains NAME (or one of several, "
            "comma-separated), and the bare view they are compared with.",
        )

    def handle(self, *args, **options) -> None:
        if options["requests"] < 1 or options["warmup"] < 0 or options["assessments"] < 4:
            raise CommandError("Give at least 1 request, 0 warm-up requests and 4 assessments.")
        if options["pdf_runs"] < 0 or options["time_limit"] <= 0:
            raise CommandError("Give 0 or more PDF runs and a positive time limit.")
        if options["profile"]:
            options["in_process"] = True
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="westcheck-bench-") as directory:
            self._run(directory, options)
        self.stdout.write(f"Total time: {time.perf_counter() - started:.1f} s")

    def _run(self, directory: str, options: dict) -> None:
        over_http = not options["in_process"]
        phases: dict[str, float] = {}
        mark = time.perf_counter()
        static_overrides, static_env, static_note = _static_setup(directory, collect=over_http)
        if over_http and static_env:
            phases["collectstatic"] = time.perf_counter() - mark
        overrides = {
            "STORAGES": {
                **settings.STORAGES,
                "evidence": {
                    **settings.STORAGES["evidence"],
                    "OPTIONS": {"location": os.path.join(directory, "evidence")},
                },
            },
            "ROOT_URLCONF": "scripts.lib.bench.urls",
            "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            **static_overrides,
        }
        server_note = ""
        with throwaway_database(directory) as database_note:
            mark = time.perf_counter()
            with transaction.atomic():
                targets = seed(options["assessments"], random.Random(options["seed"]))
                targets.counts.update(
                    seed_portfolio(
                        targets.member,
                        targets.checklist,
                        random.Random(options["seed"]),
                        options["grantees"],
                        options["submissions_per_grantee"],
                    )
                )
            password = secrets.token_urlsafe(16)
            if over_http:  # signing in over HTTP needs a password; hashing it takes a moment
                targets.member.set_password(password)
                targets.member.save(update_fields=["password"])
            phases["seeding"] = time.perf_counter() - mark
            with override_settings(**overrides):
                pages = build_pages(targets)
                if options["pages"]:
                    pages = [pages[0], *_named(pages[1:], options["pages"])]
                in_process = InProcessClient(targets.member)
                if options["profile"]:
                    self._profile(pages, in_process, options)
                    return
                mark = time.perf_counter()
                if over_http:
                    count_queries(pages, in_process, warmup=1)
                    with gunicorn_server(directory, static_env) as server:
                        client = HttpClient(server.port)
                        client.sign_in(targets.member.email, password)
                        rounds = measure(
                            pages,
                            client,
                            options["requests"],
                            options["warmup"],
                            options["time_limit"],
                        )
                        server_note = server.description
                        upload = measure_upload(client, server, targets)
                    if any(page.error.startswith(HttpClient.label) for page in pages):
                        server_note += "\n" + server.log_tail()
                else:
                    upload = None
                    count_queries(pages, in_process, warmup=options["warmup"])
                    rounds = measure(
                        pages, in_process, options["requests"], 0, options["time_limit"]
                    )
                phases["pages"] = time.perf_counter() - mark
                figures = None
                if options["pdf_runs"]:
                    mark = time.perf_counter()
                    figures = measure_pdfs(targets, options["pdf_runs"])
                    phases["PDFs"] = time.perf_counter() - mark
            self._report(
                pages,
                figures,
                targets,
                options,
                rounds,
                database_note,
                static_note,
                server_note,
                phases,
            )
            if upload is not None:
                self.stdout.write(upload)

    def _profile(self, pages: list[Page], client: InProcessClient, options: dict) -> None:
        for page in _named(pages, options["profile"]):
            for _ in range(options["warmup"]):
                _attempt(page, client)
            profiler = cProfile.Profile()
            for _ in range(options["requests"]):
                profiler.enable()
                _attempt(page, client)
                profiler.disable()
            if page.error:
                raise CommandError(f"{page.name}: {page.error}")
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream)
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(20)
            self.stdout.write(f"\n{page.name}: {options['requests']} requests, in-process")
            self.stdout.write(stream.getvalue())

    def _report(
        self,
        pages,
        figures,
        targets,
        options,
        rounds,
        database_note,
        static_note,
        server_note,
        phases,
    ) -> None:
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
        out(
            "Load average (1, 5, 15 min) at the end: "
            + ", ".join(f"{load:.1f}" for load in os.getloadavg())
            + " (the machine may be shared: compare ratios, not absolute times)"
        )
        c = targets.counts
        out(
            f"Data: {c['organisations']} organisations, {c['projects']} projects, "
            f"{c['assessments']} assessments ({c['answered']} fully answered, "
            f"{c['submitted']} of them submitted), {c['answers']} answers; seeded in "
            f"{phases['seeding']:.1f} s"
        )
        out(
            f"The member's dashboard lists {c['member_projects']} projects with "
            f"{c['member_assessments']} assessments; the measured project has "
            f"{c['project_assessments']}; the measured assessment has {c['measured_answers']} "
            f"answers to {c['questions']} questions; the reported one (submitted) has "
            f"{c['report_answers']} answers, {c['report_gaps']} gaps, {c['report_actions']} "
            "of them with a planned action"
        )
        if options["in_process"]:
            how = "server time through Django's test Client (no server, no network)"
        else:
            how = (
                f"over HTTP to {server_note.splitlines()[0]}: time from sending the request to "
                "reading the whole response; query counts from one in-process request per page"
            )
        out(
            f"{rounds} timed requests per page after {options['warmup']} warm-up, "
            f"pages interleaved; {how}"
        )
        if rounds < options["requests"]:
            out(
                self.style.WARNING(
                    f"Stopped after {rounds} of {options['requests']} rounds: the time limit of "
                    f"{options['time_limit']:g} s was reached."
                )
            )
        out("")
        self._page_table(pages)
        failed = [page for page in pages if page.error]
        for page in failed:
            out(self.style.ERROR(f"FAILED {page.name}: {page.error}"))
        if failed and not options["in_process"] and "\n" in server_note:
            out("Last lines of gunicorn's log:")
            out(server_note.split("\n", 1)[1])
        if figures:
            out("")
            self._pdf_report(figures, targets)
        out("")
        out("Phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items()))

    def _page_table(self, pages: list[Page]) -> None:
        out = self.stdout.write
        # A Markdown table: readable here, and pasted as it is into docs/performance.md.
        bare = statistics.median(pages[0].times)
        width = max(len(page.name) for page in pages)
        target = TARGET_RATIOS.get(connection.vendor, min(TARGET_RATIOS.values()))
        out(f"| {'page':<{width}} | median ms | p90 ms | queries | x bare | {target:g}x target |")
        out(f"|{'-' * (width + 2)}|----------:|-------:|--------:|-------:|-----------|")
        over = []
        for page in pages:
            queries = "-" if page.queries is None else page.queries
            if page.error or not page.times:
                out(
                    f"| {page.name:<{width}} | {'-':>9} | {'-':>6} | {queries:>7} | {'-':>6} "
                    f"| {'FAILED':<9} |"
                )
                continue
            median = statistics.median(page.times)
            ratio = median / bare
            if ratio > target:
                over.append(page.name)
            out(
                f"| {page.name:<{width}} | {median * 1000:>9.2f} | {_p90(page.times) * 1000:>6.2f} "
                f"| {queries:>7} | {ratio:>6.1f} | {'OVER' if ratio > target else 'ok':<9} |"
            )
        out("")
        if over:
            out(self.style.WARNING(f"Over the {target:g}x target: {', '.join(over)}"))
        else:
            out(self.style.SUCCESS(f"Every page measured is within {target:g}x of the bare view."))

    def _pdf_report(self, f: PdfFigures, targets: Targets) -> None:
        out = self.stdout.write
        c = targets.counts
        report = statistics.median(f.report.wall)
        floor = statistics.median(f.weasyprint.wall)
        ratio = report / floor
        out(
            f"Readiness report PDF of the reported assessment ({c['report_answers']} answers with "
            f"evidence notes, {c['report_gaps']} gaps): {f.report_pages} pages, "
            f"{f.report_bytes / 1024:.0f} KB; median of {f.runs} runs after one warm-up run, "
            "in-process, steps interleaved"
        )
        out("")
        rows = [
            ("assessment_report_pdf(assessment)", f.report),
            ("  report context (assessment_report_context)", f.context),
            ("  report template (render_to_string)", f.template),
            ("render_pdf(html, title=...) on the same HTML", f.render_pdf),
            ("WeasyPrint alone on the same HTML (floor)", f.weasyprint),
            ("blank checklist PDF (blank_checklist_pdf)", f.blank),
            ("WeasyPrint alone on the blank checklist's HTML", f.blank_weasyprint),
        ]
        width = max(len(name) for name, _ in rows)
        out(f"| {'step':<{width}} | median ms | min ms | max ms | CPU median ms |")
        out(f"|{'-' * (width + 2)}|----------:|-------:|-------:|--------------:|")
        for name, timing in rows:
            times = timing.wall
            out(
                f"| {name:<{width}} | {statistics.median(times) * 1000:>9.0f} "
                f"| {min(times) * 1000:>6.0f} | {max(times) * 1000:>6.0f} "
                f"| {statistics.median(timing.cpu) * 1000:>13.0f} |"
            )
        out("")
        verdict = "ok" if ratio <= PDF_RATIO_TARGET else "OVER"
        line = (
            f"Report PDF / WeasyPrint alone: {ratio:.2f} (target <= {PDF_RATIO_TARGET:g}): "
            f"{verdict}; report PDF {report:.2f} s: "
            f"{'under' if report < PDF_SECONDS_TARGET else 'NOT under'} {PDF_SECONDS_TARGET:g} s"
        )
        good = ratio <= PDF_RATIO_TARGET and report < PDF_SECONDS_TARGET
        out(self.style.SUCCESS(line) if good else self.style.WARNING(line))
        # Less noisy than the ratio of two medians of a few runs on a shared machine.
        parts = statistics.median(f.context.wall) + statistics.median(f.template.wall)
        out(
            f"From the parts: (WeasyPrint alone + context + template) / WeasyPrint alone = "
            f"{(floor + parts) / floor:.3f}; the app adds {parts * 1000:.0f} ms to WeasyPrint's work"
        )
        out(
            f"Building the report context: {f.context_queries} queries "
            f"({f.partial_context_queries} for the assessment with {c['partial_answers']} answers "
            "and no actions)"
        )
        out(
            f"Blank checklist PDF: {statistics.median(f.blank.wall):.2f} s, {f.blank_pages} pages "
            f"({statistics.median(f.blank.wall) / statistics.median(f.blank_weasyprint.wall):.2f}x "
            "WeasyPrint alone)"
        )


# --- Throwaway database --------------------------------------------------------------------


@contextmanager
def throwaway_database(directory: str) -> Iterator[str]:
    """Create a fresh database beside the configured one, migrate it, and drop it afterwards.

    Django's test-database machinery does the work: SQLite gets a file in the command's temporary
    directory (a file, like production and so that gunicorn can open it, not the in-memory
    database tests use), PostgreSQL a `test_<name>_bench` database on the same server. The
    configured database is never written.
    """
    test_settings = connection.settings_dict["TEST"]
    old_test_name = test_settings.get("NAME")
    if connection.vendor == "sqlite":
        test_settings["NAME"] = os.path.join(directory, "bench.sqlite3")
    else:
        test_settings["NAME"] = f"test_{connection.settings_dict['NAME']}_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(
            connection.settings_dict["NAME"]
        ):
            raise CommandError("The throwaway SQLite database must be a file, not in memory.")
        yield _database_description()
    finally:
        _wait_for_other_sessions()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        test_settings["NAME"] = old_test_name


def _wait_for_other_sessions(timeout: float = 10.0) -> None:
    """PostgreSQL refuses to drop a database while gunicorn's session is still closing."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def _database_description() -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} (temporary file)"
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor} (database {connection.settings_dict['NAME']})"
    return connection.display_name


def _static_setup(directory: str, *, collect: bool) -> tuple[dict, dict, str]:
    """Settings overrides for this process, environment for gunicorn, and a description.

    The configured storage is kept when its manifest exists (scripts/bench runs collectstatic).
    Otherwise, over HTTP the command runs collectstatic into its temporary directory, so that
    gunicorn serves pages as in production; in-process it falls back to plain storage.
    """
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    short = backend.rsplit(".", 1)[-1]
    try:
        staticfiles_storage.url("css/app.css")
    except ValueError:
        pass  # manifest storage without collectstatic: every {% static %} would raise
    else:
        return {}, {}, f"{short} from {settings.STATIC_ROOT}"
    if not collect:
        plain = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_STORAGE}}
        return {"STORAGES": plain}, {}, "plain StaticFilesStorage (no collectstatic manifest found)"
    root = os.path.join(directory, "static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    note = f"{short}, collected by the command into a temporary STATIC_ROOT"
    return {"STATIC_ROOT": root}, {"STATIC_ROOT": root}, note


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
            services.assessment_submit(assessment=assessment, user=starter)
            counts["submitted"] += 1
        return assessment

    main = projects[0]
    reported = start(main, "Baseline, September 2026", 1.0, submit=True)
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
    # After the rest, and without the random generator, so that the data above stays the same.
    gaps, planned, integrity_short = _plan_actions(reported, member)

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
        partial_answers=partial.answers.count(),
        report_answers=reported.answers.count(),
        report_gaps=gaps,
        report_actions=planned,
        questions=len(questions),
    )
    return Targets(member, checklist, main, answered, partial, reported, integrity_short, counts)


def _plan_actions(assessment: Assessment, user: User) -> tuple[int, int, str]:
    """Plan every other gap of the report's assessment, as a team does after submitting.

    Returns the number of gaps, of planned actions, and the integrity hash as the report prints it.
    """
    from checklists.reports import assessment_report_context

    gaps = assessment_report_context(assessment)["actions"]
    questions = {
        q.key: q
        for q in Question.objects.filter(
            checklist=assessment.checklist_id, key__in=[gap["key"] for gap in gaps]
        )
    }
    statuses = list(Action.Status.values)
    planned = 0
    for n, gap in enumerate(gaps[::2]):
        services.action_update(
            assessment=assessment,
            question=questions[gap["key"]],
            user=user,
            owner=ACTION_OWNERS[n % len(ACTION_OWNERS)],
            due_date=date(2027, 1 + n % 6, 15),
            status=statuses[n % len(statuses)],
        )
        planned += 1
    return len(gaps), planned, assessment_report_context(assessment)["integrity_short"]


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
    answered, partial, checklist = targets.answered, targets.partial, targets.checklist
    reported = targets.reported
    section = max(
        answered.checklist.sections.all(), key=lambda s: s.questions.count()
    )  # the longest section: the heaviest walk-through page
    section_url = f"/assessments/{answered.pk}/sections/{section.key}/"
    answers = {
        q.key: AnswerForm.initial_for(a)
        for q, a in (
            (q, Answer.objects.filter(assessment=answered, question=q).first())
            for q in section.questions.order_by("position")
        )
    }
    first, second = list(answers)[:2]
    autosave, whole = _Toggle(answered, first), _Toggle(answered, second)

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

    def autosaved(reply: Reply):
        body = json.loads(reply.body)
        if body.get("status") != "saved" or body["revision"] != autosave.revision + 1:
            raise CommandError(f"The autosave was not saved: {body}")
        autosave.saved()

    verify_url = f"/assessments/{reported.pk}/verify/?hash={quote(targets.integrity_short)}"
    return [
        Page("bare template view (baseline)", "/__bench__/bare/"),
        Page("home (public)", "/"),
        Page("checklist version page", checklist.get_absolute_url()),
        Page("dashboard (signed in)", "/home/", who="member"),
        Page("project detail", targets.project.get_absolute_url(), who="member"),
        # Every page is drawn fresh: nothing of an assessment's pages is cached. In every round
        # the two POSTs below change this assessment.
        Page("assessment detail", answered.get_absolute_url(), who="member"),
        Page(f"section {section.key} page", section_url, who="member"),
        Page(
            f"section {section.key} autosave POST",
            section_url,
            who="member",
            method="POST",
            data=autosave_data,
            headers={"X-Requested-With": "fetch"},  # as static/js/autosave.js sends it
            referer=section_url,
            after=autosaved,
        ),
        Page(
            f"section {section.key} whole-form POST",
            section_url,
            who="member",
            method="POST",
            data=whole_form_data,
            encoding="urlencoded",  # the form without JavaScript
            referer=section_url,
            status=302,
            after=lambda reply: whole.saved(),
        ),
        Page("review page", f"/assessments/{partial.pk}/review/", who="member"),
        Page("report preview (HTML)", f"/assessments/{reported.pk}/report/", who="member"),
        Page("action plan", f"/assessments/{reported.pk}/actions/", who="member"),
        Page("verify page (hash checked)", verify_url, who="member"),
        # The fund's portfolio: one row per grantee project, over every shared submission.
        Page("portfolio (first page)", "/portfolio/", who="member"),
        Page(
            "portfolio filtered (remedy blocking)",
            "/portfolio/?gate=remedy&sort=-change",
            who="member",
        ),
        Page("portfolio CSV (every row)", "/portfolio/export.csv", who="member"),
        Page("login page", "/accounts/login/"),
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


# --- Sending requests ----------------------------------------------------------------------


class InProcessClient:
    """Django's test Client, called as a WSGI server would call the handler.

    Requests are sent as HTTPS (as behind the production proxy: SSL redirect, HSTS and secure
    cookies behave as in production), CSRF checks are enforced, and the member is signed in with
    `force_login`. Django's test client switches off the closing of old connections around its
    requests; a real server closes them when CONN_MAX_AGE has passed (0: after every request)
    and runs the health check on a persistent one. This does the same, so those costs count too.
    """

    label = "in-process"

    def __init__(self, member: User):
        self.clients = {
            "anonymous": Client(enforce_csrf_checks=True),
            "member": Client(enforce_csrf_checks=True),
        }
        self.clients["member"].force_login(member, backend=MODEL_BACKEND)

    def _token(self, page: Page) -> str:
        client = self.clients[page.who]
        if settings.CSRF_COOKIE_NAME not in client.cookies:
            # The browser's first GET of the page with the form sets the CSRF cookie.
            client.get(page.referer, secure=True)
        return client.cookies[settings.CSRF_COOKIE_NAME].value

    def send(self, page: Page) -> tuple[Reply, float]:
        client = self.clients[page.who]
        headers = dict(page.headers)
        if page.method == "POST":
            data = {"csrfmiddlewaretoken": self._token(page), **page.data()}
            headers["Referer"] = f"https://testserver{page.referer}"
            if page.encoding == "urlencoded":
                body, content_type = urlencode(data), URLENCODED
            else:
                body, content_type = data, MULTIPART_CONTENT
        start = time.perf_counter()
        try:
            close_old_connections()
            if page.method == "GET":
                response = client.get(page.path, secure=True, headers=headers)
            else:
                response = client.post(
                    page.path, body, content_type=content_type, secure=True, headers=headers
                )
        finally:
            close_old_connections()
        elapsed = time.perf_counter() - start
        return Reply(response.status_code, response.content, response.headers), elapsed


class HttpClient:
    """A browser-like client over HTTP on loopback: one connection per request, cookie jars.

    gunicorn's sync worker closes the connection after each response. Requests carry
    `X-Forwarded-Proto: https` and `X-Forwarded-For`, as the production proxy sends them (the
    server runs with BEHIND_PROXY and PROXY_COUNT=1).
    """

    label = "HTTP"

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://{HOST}:{port}"  # the site as the browser sees it, behind TLS
        self.jars: dict[str, dict[str, str]] = {"anonymous": {}, "member": {}}

    def request(
        self, method: str, path: str, *, who: str, body: bytes = b"", headers: dict | None = None
    ) -> tuple[Reply, float]:
        jar = self.jars[who]
        sent = {
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "Accept-Language": "en",
            "User-Agent": "westcheck-bench",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": HOST,
            **(headers or {}),
        }
        if jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.connect()  # not timed: on loopback the handshake is done by the kernel
            start = time.perf_counter()
            conn.request(method, path, body=body if method == "POST" else None, headers=sent)
            response = conn.getresponse()
            content = response.read()
            elapsed = time.perf_counter() - start
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    jar.pop(name, None)
                else:
                    jar[name] = morsel.value
        return Reply(response.status, content, response.headers), elapsed

    def send(self, page: Page) -> tuple[Reply, float]:
        headers = dict(page.headers)
        body = b""
        if page.method == "POST":
            token = self.jars[page.who].get(settings.CSRF_COOKIE_NAME, "")
            data = {"csrfmiddlewaretoken": token, **page.data()}
            if page.encoding == "urlencoded":
                body, headers["Content-Type"] = urlencode(data).encode(), URLENCODED
            else:
                body, headers["Content-Type"] = encode_multipart(BOUNDARY, data), MULTIPART_CONTENT
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + page.referer
        return self.request(page.method, page.path, who=page.who, body=body, headers=headers)

    def sign_in(self, email: str, password: str) -> None:
        """GET the login page for the CSRF cookie and token, POST the credentials."""
        login = reverse("login")
        reply, _ = self.request("GET", login, who="member")
        if reply.status != 200:
            raise CommandError(f"Signing in over HTTP: the login page gave {reply.describe()}")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', reply.body)
        token = found.group(1).decode() if found else self.jars["member"].get("csrftoken", "")
        body = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
        headers = {
            "Content-Type": URLENCODED,
            "Origin": self.origin,
            "Referer": self.origin + login,
        }
        reply, _ = self.request("POST", login, who="member", body=body.encode(), headers=headers)
        if reply.status != 302 or settings.SESSION_COOKIE_NAME not in self.jars["member"]:
            raise CommandError(f"Signing in over HTTP failed: {reply.describe()}")
        reply, _ = self.request("GET", "/home/", who="member")
        if reply.status != 200:
            raise CommandError(f"Signed in over HTTP, but the dashboard gave {reply.describe()}")


class PageFailed(Exception):
    pass


# --- The HTTP server -----------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: str
    description: str

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:]).rstrip()
        except OSError:
            return "(no log)"


@contextmanager
def gunicorn_server(directory: str, extra_env: dict[str, str]) -> Iterator[Server]:
    """gunicorn on 127.0.0.1, one sync worker, the site's settings on the throwaway database.

    A settings module written into `directory` imports the site's settings and changes only
    the URLconf (the site's URLs plus the bare view), the database name (the throwaway
    database) and ALLOWED_HOSTS (plus 127.0.0.1). The server inherits this process's
    environment (DEBUG, SECRET_KEY, DATABASE_URL, STATIC_ROOT ...), plus BEHIND_PROXY and
    PROXY_COUNT as in production behind the TLS proxy. It is always stopped on the way out:
    SIGTERM, then SIGKILL after STOP_TIMEOUT seconds; and it gets SIGTERM if this process dies.
    """
    with open(os.path.join(directory, f"{SETTINGS_SHIM}.py"), "w") as shim:
        shim.write(
            '"""Settings of the gunicorn server started by scripts/bench."""\n\n'
            "from westcheck.settings import *  # noqa: F403\n\n"
            'ROOT_URLCONF = "scripts.lib.bench.urls"\n'
            f"ALLOWED_HOSTS = [*ALLOWED_HOSTS, {HOST!r}]  # noqa: F405\n"
            f"DATABASES['default']['NAME'] = {str(connection.settings_dict['NAME'])!r}  # noqa: F405\n"
            'EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"\n'
            # Evidence uploaded while measuring stays in the temporary directory.
            f"EVIDENCE = {os.path.join(directory, 'evidence')!r}\n"
            "STORAGES = {**STORAGES, 'evidence': {**STORAGES['evidence'], "
            "'OPTIONS': {'location': EVIDENCE}}}  # noqa: F405\n"
        )
    port = _free_port()
    log_path = os.path.join(directory, "gunicorn.log")
    env = {
        **os.environ,
        **extra_env,
        "DJANGO_SETTINGS_MODULE": SETTINGS_SHIM,
        "BEHIND_PROXY": "true",
        "PROXY_COUNT": "1",
    }
    command = [
        sys.executable, "-m", "gunicorn", "westcheck.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", "1",
        "--worker-class", "sync",
        "--timeout", str(REQUEST_TIMEOUT),
        "--graceful-timeout", "5",
        "--chdir", str(settings.BASE_DIR),
        "--pythonpath", directory,
        "--no-control-socket",
        "--log-level", "warning",
        "--error-logfile", "-",
    ]  # fmt: skip
    try:
        gunicorn = package_version("gunicorn")
    except PackageNotFoundError:
        gunicorn = "?"
    description = f"gunicorn {gunicorn} (1 sync worker) on {HOST}:{port}"
    previous = _exit_on_sigterm()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # no threads in this process
        )
        server = Server(process, port, log_path, description)
        try:
            _wait_until_ready(server)
            yield server
        finally:
            _stop(process)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _memory_kb(pid: int, field: str) -> int:
    """A line of /proc/PID/status, such as VmRSS or VmHWM (the peak), in kB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise CommandError(f"/proc/{pid}/status has no {field}.")


def measure_upload(client: HttpClient, server: Server, targets: Targets) -> str:
    """Upload an evidence file of the largest size allowed and say how far the worker's peak
    memory rose above what it held before: an upload streamed to a temporary file raises it by
    far less than the file's size."""
    try:
        with open(f"/proc/{server.process.pid}/task/{server.process.pid}/children") as children:
            worker = int(children.read().split()[0])
        with open(f"/proc/{worker}/clear_refs", "w") as clear:
            clear.write("5")  # the peak (VmHWM) starts again from what the worker holds now
    except (OSError, ValueError, IndexError) as problem:
        return f"Evidence upload: not measured ({problem})."
    size = settings.EVIDENCE_MAX_BYTES
    path = reverse("checklists:answer-evidence", args=[targets.answered.pk, "3.1"])
    client.request("GET", path, who="member")
    token = client.jars["member"].get(settings.CSRF_COOKIE_NAME, "")
    before = _memory_kb(worker, "VmRSS")
    body = encode_multipart(
        BOUNDARY,
        {
            "csrfmiddlewaretoken": token,
            "file": SimpleUploadedFile("Training record.txt", b"a" * size),
            "personal_data": "no",
            "retention_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    reply, elapsed = client.request(
        "POST",
        path,
        who="member",
        body=body,
        headers={
            "Content-Type": MULTIPART_CONTENT,
            "Origin": client.origin,
            "Referer": client.origin + path,
        },
    )
    peak = _memory_kb(worker, "VmHWM")
    outcome = "stored" if reply.status == 302 else f"answered {reply.status}"
    return (
        f"Evidence upload of {size / 1048576:g} MB: {outcome} in {elapsed:.2f} s; the worker's "
        f"peak memory rose {max(0, peak - before) / 1024:.1f} MB above the {before / 1024:.0f} MB "
        "it held before."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _exit_on_sigterm():
    """Turn SIGTERM into SystemExit, so that the server is stopped by `finally`."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return None


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM to gunicorn if this process dies (even SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if server.process.poll() is not None:
            raise CommandError(
                f"gunicorn stopped with status {server.process.returncode}:\n{server.log_tail()}"
            )
        conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
        try:
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
            raise CommandError(
                f"gunicorn's /healthz answered {response.status}:\n{server.log_tail()}"
            )
        except (ConnectionError, TimeoutError, http.client.HTTPException):
            pass  # not listening yet
        finally:
            conn.close()
        if time.monotonic() > deadline:
            raise CommandError(
                f"gunicorn did not answer within {STARTUP_TIMEOUT} s:\n{server.log_tail()}"
            )
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


# --- Measuring -----------------------------------------------------------------------------


def _attempt(page: Page, client) -> float | None:
    """Send one request and check it; a page that fails is dropped, and the others go on.

    One broken page should not hide the figures of all the others.
    """
    try:
        reply, elapsed = client.send(page)
        if reply.status != page.status:
            raise PageFailed(f"expected status {page.status}, got {reply.describe()}")
        if page.after:
            page.after(reply)
    except Exception as exc:  # reported in the table, not raised
        if not page.error:
            reason = str(exc) if isinstance(exc, PageFailed) else f"{type(exc).__name__}: {exc}"
            page.error = f"{client.label}: {reason}"
        return None
    return elapsed


def _alive(pages: list[Page]) -> list[Page]:
    alive = [page for page in pages if not page.error]
    if pages[0].error:
        raise CommandError(
            f"The bare view failed, so there is nothing to compare with: {pages[0].error}"
        )
    return alive


def count_queries(pages: list[Page], client: InProcessClient, warmup: int) -> None:
    """Warm up in-process, then count one request's queries per page."""
    for page in _alive(pages):
        for _ in range(warmup):
            _attempt(page, client)
        if page.error:
            continue
        with CaptureQueriesContext(connection) as queries:
            if _attempt(page, client) is None:
                continue
        page.queries = len(queries)


def measure(pages: list[Page], client, requests: int, warmup: int, time_limit: float) -> int:
    """Warm up, then time the pages in turn, round after round; return the rounds done.

    Interleaving spreads any noise from the rest of the machine evenly over the pages, so that
    the ratios to the bare view stay fair even when the absolute times wobble.
    """
    for page in _alive(pages):
        for _ in range(warmup):
            _attempt(page, client)
    deadline = time.monotonic() + time_limit
    for done in range(requests):
        if time.monotonic() > deadline:
            return done
        for page in _alive(pages):
            elapsed = _attempt(page, client)
            if elapsed is not None:
                page.times.append(elapsed)
    return requests


def measure_pdfs(targets: Targets, runs: int) -> PdfFigures:
    """Time the readiness report PDF against WeasyPrint alone on the same HTML, in-process.

    The floor is WeasyPrint's own work on the report's HTML, rendered once: parse, lay out and
    write the PDF with the app's options and URL fetcher, nothing of the app's around it. The
    steps are interleaved and their order rotates from run to run.
    """
    from checklists import reports
    from checklists.access import Can, get_assessment_for, get_checklist_version

    weasyprint = reports._weasyprint()  # imported once per process, as in a server
    figures = PdfFigures(runs)
    member = targets.member

    def load(assessment):  # as the view loads it: one query, its related objects joined
        return get_assessment_for(member, assessment.pk, Can.VIEW)

    def blank_version():
        return get_checklist_version(targets.checklist.slug, targets.checklist.version)

    def weasyprint_alone(html, stylesheets):
        # The stylesheets parsed anew each time, as WeasyPrint does with <link> elements.
        fetcher = reports.static_url_fetcher()
        document = weasyprint.HTML(
            string=html, base_url=reports.BASE_URL, url_fetcher=fetcher
        ).render(
            stylesheets=[
                weasyprint.CSS(filename=reports.static_path(name), url_fetcher=fetcher)
                for name in stylesheets
            ],
            **reports.PDF_OPTIONS,
        )
        document.write_pdf(**reports.PDF_OPTIONS)
        return document

    def report_alone(html):
        return weasyprint_alone(html, reports.REPORT_CSS)

    def blank_alone(html):
        return weasyprint_alone(html, reports.BLANK_CHECKLIST_CSS)

    # Warm-up: fonts, fontconfig and style caches, as a long-running worker has them.
    pdf = reports.assessment_report_pdf(load(targets.reported))
    figures.report_bytes = len(pdf)
    reports.blank_checklist_pdf(blank_version())

    assessment = load(targets.reported)
    with CaptureQueriesContext(connection) as queries:
        context = reports.assessment_report_context(assessment)
    figures.context_queries = len(queries)
    partial = load(targets.partial)
    with CaptureQueriesContext(connection) as queries:
        reports.assessment_report_context(partial)
    figures.partial_context_queries = len(queries)
    html = render_to_string(REPORT_TEMPLATE, context)
    title = f"Readiness report: {targets.reported.title}"
    blank_html = render_to_string(BLANK_TEMPLATE, reports.blank_checklist_context(blank_version()))
    figures.report_pages = len(report_alone(html).pages)
    figures.blank_pages = len(blank_alone(blank_html).pages)

    def timed(timing: Timing, work, prepare=lambda: None):
        argument = prepare()
        with timing.run():
            work(argument)

    def context_and_template(_):
        assessment = load(targets.reported)
        with figures.context.run():
            context = reports.assessment_report_context(assessment)
        with figures.template.run():
            render_to_string(REPORT_TEMPLATE, context)

    steps = [
        lambda: timed(
            figures.report, reports.assessment_report_pdf, lambda: load(targets.reported)
        ),
        lambda: context_and_template(None),
        lambda: timed(
            figures.render_pdf,
            lambda h: reports.render_pdf(h, title=title, stylesheets=reports.REPORT_CSS),
            lambda: html,
        ),
        lambda: timed(figures.weasyprint, report_alone, lambda: html),
        lambda: timed(figures.blank, reports.blank_checklist_pdf, blank_version),
        lambda: timed(figures.blank_weasyprint, blank_alone, lambda: blank_html),
    ]
    for run in range(runs):
        for step in steps[run % len(steps) :] + steps[: run % len(steps)]:
            step()
    return figures


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
