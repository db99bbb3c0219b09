"""The site on several server processes at once: what one of them does, the others must honour.

Each test talks HTTP to two gunicorn instances (two sync workers each) started by
scripts/lib/topology.py on their own throwaway database: SQLite, or a fresh database on the
PostgreSQL server of DATABASE_URL. They run once without Redis and once with a redis-server
as the shared cache (REDIS_URL). They make no ORM calls in this process, so they need neither
pytest-django's test database nor its `db` fixture.
"""

import os
import re
import shutil
import time

import pytest

from scripts.lib.topology import (
    Browser,
    Topology,
    answer_form,
    autosave,
    section_path,
    topology,
)

pytestmark = pytest.mark.topology

IN_CI = os.environ.get("CI", "").lower() == "true"
REPLAYS = 20
MAIL_TIMEOUT = 30  # seconds for the worker to deliver an e-mail
LOCKED_OUT = "Too many failed log-in attempts"


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else "sqlite"


@pytest.fixture(scope="module", params=["without Redis", "with Redis"])
def running(request):
    redis = request.param == "with Redis"
    if redis and not shutil.which("redis-server"):
        message = "redis-server is not installed (apt-get install redis-server)"
        if IN_CI:
            pytest.fail(f"{message}; CI must test with Redis.")
        pytest.skip(message)
    # Four people, so that a lock-out or a password reset in one test leaves the others alone.
    with topology(database=_database(), redis=redis, accounts=4, assessments=2) as site:
        yield site


@pytest.fixture
def site(running: Topology):
    """The running topology; when a test fails, its processes' log lines of that test are shown
    (pytest shows what a failed test printed)."""
    marks = running.log_marks()
    yield running
    print(f"Server logs written during this test:\n{running.logs(since=marks)}")


def _signed_in(site: Topology, account: int, instance: int = 0) -> Browser:
    browser = site.browser(instance)
    response = browser.login(site.seeded.accounts[account], site.seeded.password)
    assert response.status == 302, f"Logging in failed: {response.describe()}"
    return browser


def test_a_session_logged_out_through_one_server_is_refused_by_every_server(site):
    a, b = site.urls
    browser = _signed_in(site, 0, instance=0)
    for url in (a, b, a, b, a, b):
        home = browser.on(url).get("/home/")
        assert home.status == 200, f"The dashboard through {url}: {home.describe()}"
    old_session = browser.cookies[Browser.SESSION_COOKIE]

    logout = browser.on(b).logout()
    assert logout.status == 302, logout.describe()
    assert Browser.SESSION_COOKIE not in browser.cookies

    export = f"/assessments/{site.seeded.assessments[0]}/export.json"
    served = {}
    for name, url in (("A", a), ("B", b)):
        replay = Browser(url)
        for _ in range(REPLAYS):
            # Django answers a dead session by deleting the cookie: send it again every time.
            replay.cookies[Browser.SESSION_COOKIE] = old_session
            home = replay.get("/home/")
            if not (home.status == 302 and home.location.startswith("/accounts/login/")):
                served[f"{name} /home/"] = served.get(f"{name} /home/", 0) + 1
            replay.cookies[Browser.SESSION_COOKIE] = old_session
            data = replay.get(export)
            if data.status == 200 and "json" in data.content_type:
                served[f"{name} {export}"] = served.get(f"{name} {export}", 0) + 1
    assert not served, "Logged out through B, yet the old session cookie was served: " + ", ".join(
        f"through {where} {count} of {REPLAYS} times" for where, count in served.items()
    )


def _answered_count(page) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) questions answered", page.text)
    assert found, f"No progress on {page.describe()}"
    return int(found.group(1)), int(found.group(2))


def test_an_answer_saved_through_one_server_shows_at_once_through_the_other(site):
    b = site.urls[1]
    through_a = _signed_in(site, 1, instance=0)
    through_b = through_a.on(b)
    assessment = site.seeded.assessments[1]
    detail = f"/assessments/{assessment}/"
    section = next(iter(site.seeded.sections))
    key = site.seeded.sections[section][0]
    path = section_path(assessment, section)

    # Server B's workers have drawn both pages before the change, so could show them stale.
    for _ in range(4):
        before = _answered_count(through_b.get(detail))
        page = through_b.get(path)
        assert answer_form(page).get(f"q{key}-rating") is None
    page = through_a.get(path)
    assert page.status == 200, page.describe()
    saved = autosave(
        through_a,
        path,
        answer_form(page),
        key,
        rating="planned",
        evidence_note="Saved through server A.",
    )
    assert saved.status == 200, saved.describe()
    assert saved.json()["status"] == "saved"

    for _ in range(4):  # whichever of B's workers answers
        page = through_b.get(path)
        assert page.status == 200, page.describe()
        form = answer_form(page)
        assert form.get(f"q{key}-rating") == "planned", f"B shows {key} as not rated yet"
        assert form.get(f"q{key}-evidence_note") == "Saved through server A."
        answered, applicable = _answered_count(through_b.get(detail))
        assert answered == before[0] + 1, (
            f"B's assessment page says {answered} of {applicable} answered"
        )


def test_failed_logins_through_one_server_lock_the_account_out_on_the_other(site):
    a, b = site.urls
    email = site.seeded.accounts[2]
    for n in range(5):
        attempt = Browser(a).login(email, f"wrong password {n}")
        assert attempt.status != 302, f"A wrong password was accepted: {attempt.describe()}"

    browser = Browser(b)
    right = browser.login(email, site.seeded.password)
    assert right.status != 302, "After 5 failures through A, B let the person log in"
    assert LOCKED_OUT in right.text, right.describe()
    assert Browser.SESSION_COOKIE not in browser.cookies
    home = browser.get("/home/")
    assert home.status == 302
    assert home.location.startswith("/accounts/login/")


def test_a_password_reset_asked_for_through_one_server_is_mailed_by_the_worker(site):
    if site.worker is None:
        message = "this checkout has no task worker (manage.py db_worker)"
        if IN_CI:
            pytest.fail(f"{message}: e-mail cannot be queued and delivered")
        pytest.skip(message)
    a, b = site.urls
    email = site.seeded.accounts[3]
    browser = Browser(a)
    page = browser.get("/accounts/password_reset/")
    assert page.status == 200, page.describe()
    asked = browser.submit(page, {"email": email})
    assert asked.status == 302, asked.describe()

    deadline = time.monotonic() + MAIL_TIMEOUT
    link = None
    while link is None and time.monotonic() < deadline:
        for message in site.mail_dir.glob("*"):
            text = message.read_text(errors="replace")
            found = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", text)
            if email in text and found:
                link = found.group(1)
        time.sleep(0.2)
    assert link, f"No e-mail with a reset link reached {site.mail_dir} within {MAIL_TIMEOUT} s"

    # The link works through the other server: it leads to the form for a new password.
    other = Browser(b)
    opened = other.get(link)
    assert opened.status == 302, opened.describe()
    chooser = other.get(opened.location)
    assert chooser.status == 200, chooser.describe()
    assert any(form.get("new_password1") is not None for form in chooser.forms()), (
        "The reset link did not lead to the form for a new password"
    )
