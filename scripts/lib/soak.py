"""Soak westcheck: many people walking through assessments at once, for a bounded time, against
the multi-process topology of scripts/lib/topology.py; then check that no saved answer was lost.

Each simulated person (a thread with their own account and session) does the walk-through's
mix, each request through one of the instances at random (a load balancer without sticky
sessions): section pages, autosaves of one question (JSON back with a revision), whole-form
posts of a section (the no-JavaScript path), the review page, the report page and now and then
the report PDF. Every person has an assessment of their own, and all of them edit a few shared
ones, concentrated on two sections, so that the same answer is edited at once: a conflict
(409) is a correct answer there, and an error on an assessment that nobody else edits.

Every save carries a unique evidence note. Each save the server acknowledges is recorded with
its revision: the autosave's JSON says it; a whole-form post redirects only when every change
was stored, each at the revision it was made from plus one. At the end every touched answer is
read back through each instance (section pages) and the export JSON: its stored value must be
the value of the acknowledged save with the highest revision, no two acknowledged saves may
share a revision with different values (two people told "saved as revision r" for different
answers: one of them was lost), and every instance must show the same.

Run it with scripts/soak; `python -m scripts.lib.soak --help` lists the options. It exits
non-zero when a request failed (5xx, time-out, an unexpected status) or an update was lost.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

from scripts.lib.topology import (
    REQUEST_TIMEOUT,
    Browser,
    Form,
    Jar,
    Response,
    Topology,
    TopologyError,
    answer_form,
    autosave,
    postgres_server,
    section_path,
    topology,
    whole_form,
)

# How often each kind of request comes, as weights. A PDF costs as much CPU as 100-200 pages.
MIX = {
    "section page": 30,
    "autosave": 40,
    "whole-form post": 8,
    "review page": 10,
    "report page": 10,
    "report PDF": 0.3,
}
KINDS = ["log-in", *MIX]
HOT_SECTIONS = 2  # the shared assessments' edits go to their first sections only
SHARED_SHARE = 0.5  # of the requests that go to a shared assessment
READERS = 8  # requests at once when reading the answers back


@dataclass(frozen=True)
class Ack:
    """A save the server acknowledged: this value is stored as this revision of the answer."""

    assessment: int
    question: str
    revision: int
    rating: str
    note: str
    how: str  # "autosave" or "whole-form post"
    client: int


@dataclass
class View:
    """A section page as a person has it open: its form, updated by autosaves as the JS does."""

    assessment: int
    section: str
    form: Form
    keys: list[str]


@dataclass
class Tally:
    """One client's figures; merged at the end."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    error_kinds: Counter = field(default_factory=Counter)
    conflicts: Counter = field(default_factory=Counter)
    acks: list[Ack] = field(default_factory=list)
    touched: set[tuple[int, str]] = field(default_factory=set)

    def merge(self, other: Tally) -> None:
        for kind, times in other.times.items():
            self.times[kind].extend(times)
        self.errors += other.errors
        self.error_kinds.update(other.error_kinds)
        self.conflicts.update(other.conflicts)
        self.acks += other.acks
        self.touched |= other.touched


class SignedOut(Exception):
    pass


class Person(threading.Thread):
    def __init__(self, n: int, site: Topology, own: int, shared: list[int], seed: int):
        super().__init__(name=f"person-{n}", daemon=True)
        self.n = n
        self.site = site
        self.email = site.seeded.accounts[n]
        self.password = site.seeded.password
        self.own = own
        self.shared = shared
        self.rng = random.Random(seed * 1000 + n)
        self.tally = Tally()
        self.views: dict[tuple[int, str], View] = {}
        self.saves = 0
        self.browser = Browser(self.rng.choice(site.urls))
        self.deadline = 0.0
        self.ready = threading.Event()
        self.go = threading.Event()
        sections = list(site.seeded.sections)
        self.hot = sections[:HOT_SECTIONS]
        self.all_sections = [s for s in sections if site.seeded.sections[s]]

    # --- requests --------------------------------------------------------------------------

    def _browser(self) -> Browser:
        return self.browser.on(self.rng.choice(self.site.urls))

    def _error(self, kind: str, what: str) -> None:
        self.tally.error_kinds[kind] += 1
        if len(self.tally.errors) < 50:
            self.tally.errors.append(f"{kind}: {what}")

    def _send(self, kind: str, what: str, call) -> Response | None:
        """Send one request through a random instance: `call(browser)` sends it. Errors are
        counted; a redirect to the log-in page (the session was lost) raises SignedOut."""
        browser = self._browser()
        start = time.perf_counter()
        try:
            response = call(browser)
        except (OSError, TimeoutError, http.client.HTTPException) as exc:
            self.tally.times[kind].append(time.perf_counter() - start)
            self._error(kind, f"{what} via {browser.url}: {type(exc).__name__}: {exc}")
            return None
        self.tally.times[kind].append(response.elapsed)
        if response.status >= 500:
            self._error(kind, f"via {browser.url}: {response.describe()}")
            return None
        if response.status == 302 and response.location.startswith("/accounts/login/"):
            self._error(kind, f"signed out: {what} via {browser.url}")
            raise SignedOut
        return response

    def _get(self, kind: str, path: str) -> Response | None:
        return self._send(kind, f"GET {path}", lambda browser: browser.get(path))

    def _expect(self, kind: str, response: Response | None, status: int, content: str) -> bool:
        if response is None:
            return False
        if response.status != status or content not in response.content_type:
            self._error(kind, f"expected {status} {content}, got {response.describe()}")
            return False
        return True

    def login(self) -> None:
        def call(browser: Browser) -> Response:
            start = time.perf_counter()
            page = browser.get("/accounts/login/")
            response = browser.submit(page, {"username": self.email, "password": self.password})
            response.elapsed = time.perf_counter() - start  # both requests
            return response

        response = self._send("log-in", "logging in", call)
        if response is not None and (response.status != 302 or response.location != "/home/"):
            self._error("log-in", response.describe())

    # --- the walk-through ------------------------------------------------------------------

    def run(self) -> None:
        try:
            self.login()
            self.ready.set()
            self.go.wait()
            while time.monotonic() < self.deadline:
                try:
                    self.step()
                except SignedOut:
                    self.views.clear()
                    self.login()
        except Exception as exc:  # reported as an error of the run, not a lost thread
            self._error("crash", "".join(traceback.format_exception(exc))[-1500:])
        finally:
            self.ready.set()

    def pick(self) -> tuple[int, str]:
        if self.rng.random() < SHARED_SHARE:
            return self.rng.choice(self.shared), self.rng.choice(self.hot)
        return self.own, self.rng.choice(self.all_sections)

    def step(self) -> None:
        kind = self.rng.choices(list(MIX), list(MIX.values()))[0]
        assessment, section = self.pick()
        if kind == "section page":
            self.load(assessment, section)
        elif kind in {"autosave", "whole-form post"}:
            view = self.views.get((assessment, section)) or self.load(assessment, section)
            if view is not None:
                (self.autosave if kind == "autosave" else self.whole_form)(view)
        elif kind == "review page":
            response = self._get(kind, f"/assessments/{assessment}/review/")
            self._expect(kind, response, 200, "text/html")
        elif kind == "report page":
            response = self._get(kind, f"/assessments/{assessment}/report/")
            self._expect(kind, response, 200, "text/html")
        elif kind == "report PDF":
            response = self._get(kind, f"/assessments/{assessment}/report.pdf")
            if self._expect(
                kind, response, 200, "application/pdf"
            ) and not response.body.startswith(b"%PDF"):
                self._error(kind, "the PDF does not start with %PDF")

    def load(self, assessment: int, section: str, path: str | None = None) -> View | None:
        path = path or section_path(assessment, section)
        response = self._get("section page", path)
        if not self._expect("section page", response, 200, "text/html"):
            return None
        try:
            form = answer_form(response)
        except RuntimeError as exc:
            self._error("section page", str(exc))
            return None
        keys = self.site.seeded.sections[section]
        view = self.views[(assessment, section)] = View(assessment, section, form, keys)
        return view

    def new_value(self) -> tuple[str, str]:
        self.saves += 1
        rating = self.rng.choice(self.site.seeded.ratings)
        return rating, f"Soak: person {self.n}, save {self.saves}."

    def _conflict(self, kind: str, view: View, response: Response) -> None:
        self.tally.conflicts[kind] += 1
        # The page is stale: a person reloads it.
        self.views.pop((view.assessment, view.section), None)
        if view.assessment == self.own:
            self._error(
                kind, f"a conflict on an assessment that nobody else edits: {response.describe()}"
            )

    def autosave(self, view: View) -> None:
        key = self.rng.choice(view.keys)
        rating, note = self.new_value()
        path = section_path(view.assessment, view.section)
        try:
            response = self._send(
                "autosave",
                f"POST {path}",
                lambda browser: autosave(
                    browser, path, view.form, key, rating=rating, evidence_note=note
                ),
            )
        finally:
            self.tally.touched.add((view.assessment, view.section))
        if response is None:
            self.views.pop((view.assessment, view.section), None)
            return
        try:
            body = response.json() if "json" in response.content_type else {}
        except ValueError:
            body = {}
        if response.status == 200 and body.get("status") == "saved":
            revision = body["revision"]
            self.tally.acks.append(
                Ack(view.assessment, key, revision, rating, note, "autosave", self.n)
            )
            # As static/js/autosave.js does: the page now holds this revision of the answer.
            for name, value in (
                ("rating", rating),
                ("evidence_note", note),
                ("revision", str(revision)),
                ("seen", body["seen"]),
            ):
                view.form.set(f"q{key}-{name}", value)
        elif response.status == 409 and body.get("status") == "conflict":
            self._conflict("autosave", view, response)
        else:
            self.views.pop((view.assessment, view.section), None)
            self._error("autosave", response.describe())

    def whole_form(self, view: View) -> None:
        kind = "whole-form post"
        keys = self.rng.sample(view.keys, k=min(2, len(view.keys)))
        changes, values = {}, {}
        for key in keys:
            rating, note = self.new_value()
            values[key] = (rating, note)
            changes[key] = {"rating": rating, "evidence_note": note}
        path = section_path(view.assessment, view.section)
        # After a post the browser shows another page: this one must be loaded again.
        self.views.pop((view.assessment, view.section), None)
        try:
            response = self._send(
                kind, f"POST {path}", lambda browser: whole_form(browser, path, view.form, changes)
            )
        finally:
            self.tally.touched.add((view.assessment, view.section))
        if response is None:
            return
        following = response.location
        if response.status == 302 and following.startswith(f"/assessments/{view.assessment}/"):
            for key, (rating, note) in values.items():
                revision = int(view.form.get(f"q{key}-revision") or 0) + 1
                self.tally.acks.append(
                    Ack(view.assessment, key, revision, rating, note, kind, self.n)
                )
            section = following.rstrip("/").rsplit("/", 1)[-1]
            if "/sections/" in following and self.site.seeded.sections.get(section):
                self.load(view.assessment, section)  # the browser follows the redirect
        elif response.status == 409:
            self._conflict(kind, view, response)
        else:
            self._error(kind, response.describe())


# --- After the run: what is stored ---------------------------------------------------------


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    unacknowledged: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    answers: int = 0


def read_back(site: Topology, tally: Tally) -> tuple[dict, list[str]]:
    """Every touched answer as each instance's section pages show it, and as the export JSON
    has it."""
    stored: dict[tuple[int, str], tuple[str, str, int]] = {}
    problems: list[str] = []
    reader = Browser(site.urls[0])
    login = reader.login(site.seeded.accounts[0], site.seeded.password)
    if login.status != 302:
        return stored, [f"Could not log in to read the answers back: {login.describe()}"]

    def browser(url: str) -> Browser:
        jar = Jar()  # one each: the reads run in parallel
        jar.cookies.update(reader.cookies)
        return Browser(url, jar=jar)

    def read_section(assessment: int, section: str) -> list[str]:
        path = section_path(assessment, section)
        seen: dict[str, tuple[str, tuple]] = {}
        found = []
        for url in site.urls:
            page = browser(url).get(path)
            if page.status != 200:
                found.append(f"Reading {path} through {url}: {page.describe()}")
                continue
            form = answer_form(page)
            for key in site.seeded.sections[section]:
                value = (
                    form.get(f"q{key}-rating") or "",
                    form.get(f"q{key}-evidence_note") or "",
                    int(form.get(f"q{key}-revision") or 0),
                )
                if key in seen and seen[key][1] != value:
                    found.append(
                        f"Assessment {assessment}, {key}: {seen[key][0]} shows {seen[key][1]}, "
                        f"{url} shows {value}"
                    )
                seen.setdefault(key, (url, value))
        for key, (_url, value) in seen.items():
            stored[(assessment, key)] = value
        return found

    def read_export(assessment: int) -> list[str]:
        export = browser(site.urls[-1]).get(f"/assessments/{assessment}/export.json")
        if export.status != 200:
            return [f"Export of assessment {assessment}: {export.describe()}"]
        found = []
        for answer in export.json()["answers"]:
            page = stored.get((assessment, answer["question"]))
            if page and (answer["rating"] or "", answer["evidence_note"]) != page[:2]:
                found.append(
                    f"Assessment {assessment}, {answer['question']}: the export has "
                    f"{answer['rating']!r} {answer['evidence_note']!r}, the page {page[:2]}"
                )
        return found

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        for found in pool.map(lambda target: read_section(*target), sorted(tally.touched)):
            problems += found
        for found in pool.map(read_export, sorted({a for a, _ in tally.touched})):
            problems += found
    return stored, problems


def judge(tally: Tally, stored: dict) -> Verdict:
    verdict = Verdict()
    by_answer: dict[tuple[int, str], list[Ack]] = defaultdict(list)
    for ack in tally.acks:
        by_answer[(ack.assessment, ack.question)].append(ack)
    verdict.answers = len(by_answer)
    for (assessment, key), acks in sorted(by_answer.items()):
        where = f"assessment {assessment}, question {key}"
        by_revision: dict[int, set] = defaultdict(set)
        for ack in acks:
            by_revision[ack.revision].add((ack.rating, ack.note, ack.how, ack.client))
        for revision, told in sorted(by_revision.items()):
            if len({(rating, note) for rating, note, _, _ in told}) > 1:
                verdict.lost.append(
                    f"{where}: {len(told)} saves were each told revision {revision}: "
                    + "; ".join(f"person {c} ({how}) {r} {n!r}" for r, n, how, c in sorted(told))
                )
        last = max(acks, key=lambda ack: ack.revision)
        if (assessment, key) not in stored:
            verdict.lost.append(f"{where}: not read back")
            continue
        rating, note, revision = stored[(assessment, key)]
        # Several values told the same revision are reported above, once.
        latest = {(ack.rating, ack.note) for ack in acks if ack.revision == last.revision}
        if (rating, note) in latest and revision == last.revision:
            continue
        if revision > last.revision:
            verdict.unacknowledged.append(
                f"{where}: stored revision {revision} {rating} {note!r}, but the last save "
                f"anyone was told of is revision {last.revision} {last.rating} {last.note!r}"
            )
        else:
            verdict.lost.append(
                f"{where}: stored revision {revision} {rating} {note!r}, but person "
                f"{last.client} was told revision {last.revision} {last.rating} {last.note!r} "
                f"was saved ({last.how})"
            )
    return verdict


# --- Running and reporting -----------------------------------------------------------------


def _percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def soak(site: Topology, args: argparse.Namespace) -> int:
    shared = site.seeded.assessments[args.clients :]
    people = [
        Person(n, site, site.seeded.assessments[n], shared, args.seed) for n in range(args.clients)
    ]
    print(f"Logging {args.clients} people in...", flush=True)
    mark = time.monotonic()
    for person in people:
        person.start()
    for person in people:
        person.ready.wait(timeout=REQUEST_TIMEOUT * 2)
    started = time.monotonic()
    phases = {"log-in": started - mark}
    for person in people:
        person.deadline = started + args.duration
        person.go.set()
    print(f"Walking through assessments for {args.duration:g} s...", flush=True)
    for person in people:
        person.join(timeout=args.duration + REQUEST_TIMEOUT * 2)
    elapsed = time.monotonic() - started
    stuck = [person.name for person in people if person.is_alive()]

    tally = Tally()
    for person in people:
        tally.merge(person.tally)
    print("Reading every touched answer back...", flush=True)
    mark = time.monotonic()
    stored, problems = read_back(site, tally)
    verdict = judge(tally, stored)
    verdict.disagreements = problems
    phases.update({"walk-through": elapsed, "read-back": time.monotonic() - mark})

    print()
    print(
        f"westcheck soak: {args.clients} people for {args.duration:g} s ({elapsed:.1f} s with "
        f"the last requests), {len(shared)} shared assessments, seed {args.seed}"
    )
    print(site.describe())
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print()
    print(table(tally))
    print()
    total = sum(len(times) for kind, times in tally.times.items())
    errors = sum(tally.error_kinds.values())
    acks = len(tally.acks)
    print(f"requests: {total} ({total / elapsed:.0f}/s during the run)")
    print(
        f"errors (5xx, time-outs, unexpected answers): {errors}"
        + (f" ({', '.join(f'{k} {v}' for k, v in tally.error_kinds.items())})" if errors else "")
    )
    print(
        f"conflicts (409, the correct answer to a stale edit): {sum(tally.conflicts.values())}"
        f" ({tally.conflicts['autosave']} autosaves, {tally.conflicts['whole-form post']} "
        "whole-form posts)"
    )
    print(f"acknowledged saves: {acks} to {verdict.answers} answers, all read back")
    print(f"lost updates: {len(verdict.lost)}")
    print(f"stored without acknowledgement: {len(verdict.unacknowledged)}")
    print(f"instances or export disagreeing: {len(verdict.disagreements)}")
    print("phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items()))
    failures = []
    for title, items in (
        ("Errors", tally.errors),
        ("Lost updates", verdict.lost),
        ("Stored without acknowledgement", verdict.unacknowledged),
        ("Disagreements", verdict.disagreements),
        ("People still running at the end", stuck),
    ):
        if items:
            failures.append(title)
            print(f"\n{title} (first 15):")
            for item in items[:15]:
                print(f"  {item}")
    if tally.errors:
        print("\nThe processes' logs, last lines:\n" + site.logs(lines=30))
    if failures:
        print(f"\nSOAK FAILED: {', '.join(failures).lower()}.")
        return 1
    print("\nSoak passed: no errors, no lost updates.")
    return 0


def table(tally: Tally) -> str:
    rows = [(kind, tally.times.get(kind, [])) for kind in KINDS]
    everything = [t for _, times in rows for t in times]
    rows.append(("all", everything))
    width = max(len(kind) for kind, _ in rows)
    lines = [
        f"| {'request':<{width}} | count | errors | p50 ms | p95 ms | max ms |",
        f"|{'-' * (width + 2)}|------:|-------:|-------:|-------:|-------:|",
    ]
    for kind, times in rows:
        errors = (
            sum(tally.error_kinds.values()) if kind == "all" else tally.error_kinds.get(kind, 0)
        )
        if not times:
            lines.append(
                f"| {kind:<{width}} | {0:>5} | {errors:>6} | {'-':>6} | {'-':>6} | {'-':>6} |"
            )
            continue
        p50, p95 = _percentile(times, 0.5) * 1000, _percentile(times, 0.95) * 1000
        lines.append(
            f"| {kind:<{width}} | {len(times):>5} | {errors:>6} | {p50:>6.0f} | {p95:>6.0f} "
            f"| {max(times) * 1000:>6.0f} |"
        )
    return "\n".join(lines)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/soak",
        description="Many people walking through assessments at once, against several gunicorn "
        "instances, a task worker and Redis, on a throwaway database; then a check that no "
        "acknowledged save was lost. Exits 1 on any error or lost update.",
    )
    parser.add_argument("--clients", type=int, default=20, help="people at once (default 20)")
    parser.add_argument(
        "--duration", type=float, default=60, help="seconds of walking through (default 60)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        help="a PostgreSQL server to create the throwaway database on (postgres://user@host:port/"
        "any); without it --database postgres starts a throwaway cluster",
    )
    parser.add_argument(
        "--redis",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a redis-server as the shared cache (default: when redis-server is installed; "
        "with CI=true it must be)",
    )
    parser.add_argument("--instances", type=int, default=2, help="gunicorn instances (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="workers each (default 2)")
    parser.add_argument(
        "--shared", type=int, default=2, help="assessments everyone edits (default 2)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the walk")
    parser.add_argument("--keep", action="store_true", help="keep the logs and database files")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.shared < 1:
        parser.error("give at least 1 client, 1 shared assessment and a positive duration")
    if args.duration > 3600:
        parser.error("a soak is bounded: at most 3600 s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    in_ci = os.environ.get("CI", "").lower() == "true"
    if args.redis is None:
        args.redis = shutil.which("redis-server") is not None
        if not args.redis:
            if in_ci:
                print("error: redis-server is not installed; CI soaks with Redis.", file=sys.stderr)
                return 2
            print(
                "redis-server not installed: soaking without Redis (apt-get install redis-server)"
            )

    def say(text: str) -> None:
        print(text, flush=True)

    started = time.monotonic()
    try:
        with ExitStack() as stack:
            database = "sqlite"
            if args.database == "postgres":
                database = args.postgres_url or stack.enter_context(postgres_server(say=say))
            site = stack.enter_context(
                topology(
                    database=database,
                    instances=args.instances,
                    workers=args.workers,
                    redis=args.redis,
                    accounts=args.clients,
                    assessments=args.clients + args.shared,
                    keep=args.keep,
                    say=say,
                )
            )
            status = soak(site, args)
    except TopologyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: everything was stopped.", file=sys.stderr)
        return 130
    print(f"Total time: {time.monotonic() - started:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
