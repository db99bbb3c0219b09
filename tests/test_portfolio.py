"""The funder's portfolio: one row per shared project with its latest submission, its progress
since the baseline and its review; filters, sort, pages, charts with their n, and the CSV of
what is on screen.

Open Voices Fund (owner Fatima) receives: Threadline Apparel's hotline (a baseline with
remedy and consent gaps, then an endline that closed them, shared following later
submissions in the cohort "Worker Voice Fund 2027") and a second grantee's SMS survey (one
baseline, pinned, outside any cohort).
"""

# The fixtures come from test_sharing.py, imported by name: pytest finds them so.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from checklists import services
from checklists.models import Organisation, Share
from checklists.services import sharing as sharing_services
from tests.conftest import SITE, person
from tests.test_sharing import (  # noqa: F401 (fixtures)
    PROFILE,
    accepted,
    baseline,
    client_for,
    fatima,
    fund,
    offer,
    project,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(fund, fatima):
    return sharing_services.cohort_create(
        funder=fund,
        name="Worker Voice Fund 2027",
        description="",
        detail="summary",
        sections=[],
        role="reviewer",
        term_days=365,
        user=fatima,
    )


@pytest.fixture
def hotline(baseline, owner, project, checklist, cohort):
    """Baseline (not ready) then endline (gaps closed), shared in the cohort."""
    share = sharing_services.cohort_join(
        cohort=cohort,
        submission=baseline.submission,
        detail="summary",
        sections=[],
        follows_later=True,
        user=owner,
        site=SITE,
    )
    submit(project, checklist, owner, title="Endline", copy_from=baseline, milestone="endline")
    return share


@pytest.fixture
def survey(checklist, fatima, fund):
    """Another grantee's SMS survey: one baseline, pinned, ready."""
    tariq = person("tariq@provider.example", "Tariq Provider")
    provider = services.organisation_create(
        name="VoiceLink", kind=Organisation.Kind.TECHNOLOGY_PROVIDER, owner=tariq
    )
    other = services.project_create(
        organisation=provider,
        created_by=tariq,
        **{**PROFILE, "name": "=SMS survey", "countries": "Malaysia", "channels": ["sms"]},
    )
    first = submit(other, checklist, tariq, milestone="baseline")
    return accepted(offer(first, tariq), fatima, fund)


def rows(client, **query) -> list[str]:
    page = client.get(reverse("checklists:portfolio"), query)
    assert page.status_code == 200
    html = page.content.decode()
    return re.findall(r'<a href="/shared/\d+/">([^<]+)</a>', html)


def test_one_row_per_project_with_its_latest_submission_and_progress(hotline, survey, fatima):
    as_fatima = client_for(fatima)
    html = as_fatima.get(reverse("checklists:portfolio")).content.decode()
    assert rows(as_fatima) == ["Dhaka garment hotline", "=SMS survey"]
    hotline_row = html[html.index("Dhaka garment hotline") : html.index("=SMS survey")]
    assert "Submission 2 (endline)" in hotline_row
    assert ", today</td>" in hotline_row  # submitted just now: not "0 days ago"
    assert "From submission 1 (baseline):" in hotline_row
    assert "Not ready → Ready" in hotline_row
    assert "Remedy: Blocking → Met" in hotline_row
    assert "Worker Voice Fund 2027" in hotline_row
    assert "In review" in hotline_row
    # Charts say their n; progress counts only grantees with a baseline and an endline.
    assert "Verdicts (n = 2)" in html
    assert "Ready (2 / 2)" in html
    assert "over the 1 grantee with both" in html


def test_filters_select_rows(hotline, survey, cohort, fatima):
    as_fatima = client_for(fatima)
    assert rows(as_fatima, cohort=cohort.pk) == ["Dhaka garment hotline"]
    assert rows(as_fatima, missing="endline") == ["=SMS survey"]
    assert rows(as_fatima, country="malay") == ["=SMS survey"]
    assert rows(as_fatima, channel="hotline") == ["Dhaka garment hotline"]
    assert rows(as_fatima, channel="social_media") == []
    assert rows(as_fatima, channel="sms") == ["Dhaka garment hotline", "=SMS survey"]
    assert rows(as_fatima, review="open") == ["Dhaka garment hotline"]
    assert rows(as_fatima, review="none") == ["=SMS survey"]
    assert rows(as_fatima, verdict="not_ready") == []
    assert rows(as_fatima, sort="-change") == ["Dhaka garment hotline", "=SMS survey"]
    html = as_fatima.get(reverse("checklists:portfolio"), {"verdict": "ready"}).content.decode()
    assert "Verdicts (n = 2)" in html


def test_every_sort_orders_the_rows(hotline, survey, fatima):
    """The sorts happen in the database: each is checked against the rows' own figures."""
    as_fatima = client_for(fatima)
    table = list(
        csv.DictReader(
            io.StringIO(
                as_fatima.get(reverse("checklists:portfolio-csv")).content.decode("utf-8-sig")
            )
        )
    )
    names = {"'=SMS survey": "=SMS survey"}
    by = {names.get(row["project"], row["project"]): row for row in table}
    hotline_first = ["Dhaka garment hotline", "=SMS survey"]
    survey_first = hotline_first[::-1]
    # Threadline Apparel comes before VoiceLink; the hotline's endline came before the survey.
    assert rows(as_fatima, sort="organisation") == hotline_first
    assert rows(as_fatima, sort="oldest") == hotline_first
    assert rows(as_fatima, sort="newest") == survey_first
    # Both are ready with the same score: equals fall back to the organisation's name.
    assert by["Dhaka garment hotline"]["score"] == by["=SMS survey"]["score"]
    assert rows(as_fatima, sort="score") == hotline_first
    assert rows(as_fatima, sort="-score") == hotline_first
    assert rows(as_fatima, sort="verdict") == hotline_first
    # Only the hotline has a change since its baseline: rows without one come last either way.
    assert rows(as_fatima, sort="change") == hotline_first
    assert rows(as_fatima, sort="-change") == hotline_first


def test_search_text_is_matched_literally(hotline, survey, fatima):
    as_fatima = client_for(fatima)
    assert rows(as_fatima, country="%") == []
    assert rows(as_fatima, country="_") == []
    assert rows(as_fatima, country="MALAY") == ["=SMS survey"]


def test_the_filters_chosen_stay_chosen(hotline, survey, cohort, fatima):
    html = (
        client_for(fatima)
        .get(
            reverse("checklists:portfolio"),
            {"cohort": cohort.pk, "country": 'Malay"<', "sort": "newest"},
        )
        .content.decode()
    )
    assert f'<option value="{cohort.pk}" selected>Worker Voice Fund 2027</option>' in html
    assert '<option value="newest" selected>' in html
    assert 'value="Malay&quot;&lt;"' in html
    assert html.count(" selected>") == 8  # one option chosen in each of the eight lists


def test_a_blocking_gate_filter_finds_the_projects_it_blocks(baseline, owner, fatima, fund):
    accepted(offer(baseline, owner), fatima, fund)
    as_fatima = client_for(fatima)
    assert rows(as_fatima, gate="remedy") == ["Dhaka garment hotline"]
    assert rows(as_fatima, gate="privacy") == []


def test_bad_filters_are_refused(hotline, fatima):
    as_fatima = client_for(fatima)
    for query in ({"verdict": "great"}, {"cohort": "x"}, {"sort": "; DROP TABLE"}):
        response = as_fatima.get(reverse("checklists:portfolio"), query)
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert as_fatima.get(reverse("checklists:portfolio-csv"), query).status_code == 400


def test_a_project_shared_twice_is_one_row_at_the_most_detailed_share(
    baseline, owner, fatima, fund
):
    summary = accepted(offer(baseline, owner), fatima, fund)
    full = accepted(offer(baseline, owner, detail="full"), fatima, fund)
    html = client_for(fatima).get(reverse("checklists:portfolio")).content.decode()
    assert html.count("Dhaka garment hotline</a>") == 1
    assert f'href="/shared/{full.pk}/"' in html
    assert f'href="/shared/{summary.pk}/"' not in html


def test_a_revoked_share_leaves_the_portfolio(hotline, survey, owner, fatima):
    sharing_services.share_end(share=hotline, user=owner, site=SITE)
    assert rows(client_for(fatima)) == ["=SMS survey"]


def test_the_csv_is_what_is_on_screen_and_formula_safe(hotline, survey, fatima):
    as_fatima = client_for(fatima)
    response = as_fatima.get(reverse("checklists:portfolio-csv"), {"channel": "sms"})
    assert response["Cache-Control"] == "private, no-store"
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["project"] for row in table] == ["Dhaka garment hotline", "'=SMS survey"]
    hotline_row = table[0]
    assert hotline_row["submission"] == "2"
    assert hotline_row["baseline_submission"] == "1"
    assert hotline_row["verdict"] == "ready"
    assert hotline_row["baseline_verdict"] == "not_ready"
    assert hotline_row["remedy"] == "met"
    assert hotline_row["cohort"] == "Worker Voice Fund 2027"
    assert float(hotline_row["score_change"]) > 0
    # Summary fields only: nothing a summary share does not show.
    assert "evidence" not in ",".join(table[0].keys())
    # A lone baseline has no change to report, rather than a change of 0.
    assert table[1]["score_change"] == ""
    only = as_fatima.get(reverse("checklists:portfolio-csv"), {"missing": "endline"})
    assert [
        r["project"] for r in csv.DictReader(io.StringIO(only.content.decode("utf-8-sig")))
    ] == ["'=SMS survey"]


def test_pages_of_rows(hotline, survey, fatima, monkeypatch):
    monkeypatch.setattr("checklists.views.projects.PAGE_SIZE", 1)
    as_fatima = client_for(fatima)
    assert rows(as_fatima) == ["Dhaka garment hotline"]
    assert rows(as_fatima, page=2) == ["=SMS survey"]
    assert rows(as_fatima, page=99) == ["=SMS survey"]
    assert (
        "Page 2 of 2"
        in as_fatima.get(reverse("checklists:portfolio"), {"page": 2}).content.decode()
    )


def test_the_portfolio_costs_the_same_for_one_project_or_many(
    hotline, survey, fatima, checklist, fund, django_assert_num_queries
):
    as_fatima = client_for(fatima)
    as_fatima.get(reverse("checklists:portfolio"))
    with django_assert_num_queries(QUERIES_PORTFOLIO):
        as_fatima.get(reverse("checklists:portfolio"))
    for n in range(3):
        owner = person(f"grantee{n}@ngo.example", f"Grantee {n}")
        organisation = services.organisation_create(name=f"NGO {n}", kind="ngo", owner=owner)
        other = services.project_create(
            organisation=organisation, created_by=owner, **{**PROFILE, "name": f"Project {n}"}
        )
        accepted(offer(submit(other, checklist, owner), owner), fatima, fund)
    assert Share.objects.filter(status="active").count() == 5
    with django_assert_num_queries(QUERIES_PORTFOLIO):
        html = as_fatima.get(reverse("checklists:portfolio")).content.decode()
    assert "Verdicts (n = 5)" in html


QUERIES_PORTFOLIO = 6


def test_offers_waiting_for_the_funder_are_listed_above_the_rows(baseline, owner, fatima, fund):
    """The portfolio lists the offers waiting for the person's answer; requests waiting for
    them are answered from the dashboard and never listed here."""
    offer(baseline, owner)
    tariq = person("tariq@provider.example", "Tariq Provider")
    provider = services.organisation_create(name="VoiceLink", kind="ngo", owner=tariq)
    sharing_services.share_request(
        requester=provider,
        email=fatima.email,
        purpose="Due diligence.",
        detail="summary",
        sections=[],
        role="viewer",
        expires_at=timezone.now() + timedelta(days=30),
        user=tariq,
        site=SITE,
    )
    html = client_for(fatima).get(reverse("checklists:portfolio")).content.decode()
    assert "Offers waiting for your answer" in html
    assert 'Threadline Apparel offers to share "Dhaka garment hotline"' in html
    assert "VoiceLink" not in html
