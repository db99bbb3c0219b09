"""The activity pages: what happened to an assessment, and in an organisation, read from the
audit trail; their filters, their cost, and the CSV that owners may download."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklists import audit, services
from checklists.models import AuditEvent
from tests.test_walkthrough import applicable_questions, client_for, record

pytestmark = pytest.mark.django_db

Kind = AuditEvent.Kind


@pytest.fixture
def assessment(project, checklist, owner):
    return services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=owner
    )


def assessment_activity(assessment, **query) -> tuple[str, dict]:
    return reverse("checklists:assessment-activity", args=[assessment.pk]), query


def organisation_activity(organisation, **query) -> tuple[str, dict]:
    return reverse("checklists:organisation-activity", args=[organisation.pk]), query


def answer_changes(assessment, user, count: int) -> None:
    """`count` answer changes (one audit event each), going over the questions again if needed."""
    keys = [q.key for q in applicable_questions(assessment)]
    for rating in ("planned", "in_place", "not_started"):
        if count <= 0:
            return
        record(assessment, user, dict.fromkeys(keys[:count], rating))
        count -= len(keys[:count])


@contextmanager
def recorded_on(when: datetime):
    """Events written inside are stamped `when`: the database refuses to change an event once
    written, so its time is set as it is written."""
    clock = audit.timezone
    audit.timezone = SimpleNamespace(now=lambda: when)
    try:
        yield
    finally:
        audit.timezone = clock


def shown(response) -> list[tuple[str, str]]:
    """The events on the page, newest first: (kind, who)."""
    return [(row["event"].kind, row["who"]) for row in response.context["rows"]]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- What each page costs --------------------------------------------------------------------


def queries_for(client, url: str) -> int:
    # Once before counting: the first page of the process loads the checklist into memory.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("which", ["assessment", "organisation"])
def test_an_activity_page_costs_the_same_queries_for_5_events_as_for_60(
    which, organisation, owner, editor, checklist, project
):
    client = client_for(owner)
    few = services.assessment_start(
        project=project, checklist=checklist, title="Few", started_by=owner
    )
    answer_changes(few, editor, 5)
    more = services.assessment_start(
        project=project, checklist=checklist, title="More", started_by=owner
    )
    if which == "assessment":
        answer_changes(more, owner, 60)
        urls = [reverse("checklists:assessment-activity", args=[a.pk]) for a in (few, more)]
        counts = [queries_for(client, url) for url in urls]
    else:
        url = reverse("checklists:organisation-activity", args=[organisation.pk])
        before = queries_for(client, url)
        answer_changes(more, owner, 55)
        counts = [before, queries_for(client, url)]
    # Session and user, the access check, the people for the filter, the count of events for
    # the page links, and one page of events joined with their project, assessment and person.
    assert counts == [6, 6]


# --- Filters ---------------------------------------------------------------------------------


def test_the_organisation_activity_filters_by_person_kind_and_date(
    organisation, owner, editor, assessment
):
    with recorded_on(datetime(2026, 3, 2, 12, tzinfo=UTC)):
        record(assessment, editor, {"1.1": "planned"})
    with recorded_on(datetime(2026, 3, 16, 12, tzinfo=UTC)):
        record(assessment, owner, {"1.2": "planned"})
        services.organisation_update(
            organisation=organisation, user=owner, name="Threadline", kind="brand"
        )
    client = client_for(owner)
    url = reverse("checklists:organisation-activity", args=[organisation.pk])

    by_editor = shown(client.get(url, {"person": editor.pk}))
    assert {who for _kind, who in by_editor} == {"Edith Editor"}
    assert (Kind.ANSWER_CHANGED, "Edith Editor") in by_editor

    answers = client.get(url, {"kind": Kind.ANSWER_CHANGED})
    assert shown(answers) == [
        (Kind.ANSWER_CHANGED, "Olivia Owner"),
        (Kind.ANSWER_CHANGED, "Edith Editor"),
    ]

    # The other events were written today, long after March.
    late_march = client.get(url, {"since": "2026-03-10", "until": "2026-03-31"})
    assert shown(late_march) == [
        (Kind.ORGANISATION_CHANGED, "Olivia Owner"),
        (Kind.ANSWER_CHANGED, "Olivia Owner"),
    ]

    early_march = client.get(url, {"since": "2026-03-01", "until": "2026-03-02"})
    assert shown(early_march) == [(Kind.ANSWER_CHANGED, "Edith Editor")]


def test_the_assessment_activity_filters_by_person(assessment, owner, editor):
    record(assessment, editor, {"1.1": "planned"})
    record(assessment, owner, {"1.2": "planned"})
    response = client_for(editor).get(
        reverse("checklists:assessment-activity", args=[assessment.pk]), {"person": editor.pk}
    )
    assert shown(response) == [(Kind.ANSWER_CHANGED, "Edith Editor")]
    assert "Question 1.1: rating unanswered → Planned" in response.text


@pytest.mark.parametrize("fmt", ["page", "csv"])
def test_the_organisation_activity_names_ratings_as_the_checklist_does(
    organisation, owner, editor, assessment, fmt
):
    """It showed the stored codes ("unanswered → planned", "in_place_with_evidence"), where the
    assessment's own activity showed the checklist's labels."""
    record(assessment, editor, {"1.1": "planned"})
    url = reverse("checklists:organisation-activity", args=[organisation.pk])
    query = {"kind": Kind.ANSWER_CHANGED, **({"format": "csv"} if fmt == "csv" else {})}
    response = client_for(owner).get(url, query)
    details = (
        [row[5] for row in csv_rows(response)[1:]]
        if fmt == "csv"
        else [row["text"] for row in response.context["rows"]]
    )
    assert details == ["Question 1.1: rating unanswered → Planned"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"since": "2026-02-30"}, "Enter a valid date."),
        ({"until": "last week"}, "Enter a valid date."),
        (
            {"since": "2026-03-16", "until": "2026-03-02"},
            "The first date must not be after the second.",
        ),
        (
            {"kind": "member.exploded"},
            "Select a valid choice. member.exploded is not one of the available choices.",
        ),
        ({"person": "999999"}, "Select a valid choice. 999999 is not one of the available"),
    ],
    ids=["no-such-day", "not-a-date", "since-after-until", "unknown-kind", "unknown-person"],
)
@pytest.mark.parametrize("fmt", ["page", "csv"])
def test_an_invalid_filter_is_400_with_the_reason(organisation, owner, query, error, fmt):
    if fmt == "csv":
        # Not a file of every event instead: the page, saying what is wrong.
        query = {**query, "format": "csv"}
    before = AuditEvent.objects.count()
    response = client_for(owner).get(
        reverse("checklists:organisation-activity", args=[organisation.pk]), query
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert error in response.text
    assert AuditEvent.objects.count() == before


def test_an_assessment_activity_names_only_the_people_who_acted_on_it(
    assessment, owner, viewer, collaborator
):
    # A collaborator may read the assessment's history, but not learn who else belongs to the
    # organisation: the filter offers the people who acted on this assessment, no one else.
    record(assessment, collaborator, {"1.1": "planned"})
    response = client_for(collaborator).get(
        reverse("checklists:assessment-activity", args=[assessment.pk])
    )
    assert response.status_code == 200
    assert response.context["form"].fields["person"].choices == [
        ("", "Anyone"),
        (collaborator.pk, "Carmen Collaborator"),
        (owner.pk, "Olivia Owner"),
    ]
    assert "Victor Viewer" not in response.text


def test_only_owners_are_offered_the_organisation_activity(organisation, owner, editor):
    url = reverse("checklists:organisation-activity", args=[organisation.pk])
    members = reverse("checklists:organisation-members", args=[organisation.pk])
    assert url in client_for(owner).get(members).text
    assert url not in client_for(editor).get(members).text


def test_the_assessment_page_links_to_its_activity_for_those_who_may_read_it(
    assessment, owner, editor, viewer, collaborator
):
    """The assessment's activity was reachable by typing its address only."""
    url = reverse("checklists:assessment-activity", args=[assessment.pk])
    for person in (owner, editor, collaborator):
        assert f'href="{url}"' in client_for(person).get(assessment.get_absolute_url()).text
    assert url not in client_for(viewer).get(assessment.get_absolute_url()).text


# --- The CSV ---------------------------------------------------------------------------------


def test_owners_download_the_activity_as_csv_and_that_is_recorded(organisation, owner, assessment):
    record(assessment, owner, {"1.1": "planned"})
    client = client_for(owner)
    url = reverse("checklists:assessment-activity", args=[assessment.pk])

    response = client.get(url, {"format": "csv", "kind": Kind.ANSWER_CHANGED})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    header, *rows = csv_rows(response)
    assert header[:3] == ["When (UTC)", "Who", "What"]
    assert [row[1:3] for row in rows] == [["Olivia Owner <olivia@brand.example>", "Answer changed"]]
    event = AuditEvent.objects.filter(organisation=organisation).order_by("sequence").last()
    assert (event.kind, event.actor, event.assessment_id, event.data) == (
        Kind.ACTIVITY_EXPORTED,
        owner,
        assessment.pk,
        {"format": "csv"},
    )


@pytest.mark.parametrize("which", ["assessment", "organisation"])
def test_only_owners_may_download_the_csv(which, organisation, assessment, editor, collaborator):
    if which == "assessment":
        url = reverse("checklists:assessment-activity", args=[assessment.pk])
        message = "Only the organisation&#x27;s owners can download its activity."
        people = [editor, collaborator]
    else:
        url = reverse("checklists:organisation-activity", args=[organisation.pk])
        message = "Your role in this organisation does not allow this."
        people = [editor]
    before = AuditEvent.objects.count()
    for person in people:
        client = client_for(person)
        response = client.get(url, {"format": "csv"})
        assert response.status_code == 403
        assert message in response.text
        assert "Download as CSV" not in client.get(url).text
    assert AuditEvent.objects.count() == before


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(organisation, owner, checklist):
    project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name='=HYPERLINK("http://evil.example","Open")',
        countries="Bangladesh",
        sector="apparel",
        stage="pilot",
        channels=["sms"],
        migrant_workers=False,
        minorities_present=False,
    )
    services.assessment_start(
        project=project, checklist=checklist, title="@SUM(A1:A9)", started_by=owner
    )
    response = client_for(owner).get(
        reverse("checklists:organisation-activity", args=[organisation.pk]), {"format": "csv"}
    )
    cells = [cell for row in csv_rows(response)[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","Open")' in cells  # project column and details
    assert "'@SUM(A1:A9)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
