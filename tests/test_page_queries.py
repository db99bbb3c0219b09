"""Query counts of the account, portfolio and project-deletion pages: pinned, and flat as the
account's organisations, projects and assessments grow."""

import pytest
from django.test import Client
from django.urls import reverse

from checklists import services
from tests.test_walkthrough import answer_everything

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _grow(owner, checklist, n: int) -> None:
    for i in range(n):
        organisation = services.organisation_create(name=f"Fund {i}", kind="funder", owner=owner)
        project = services.project_create(
            organisation=organisation,
            created_by=owner,
            name=f"Project {i}",
            countries="Kenya",
            sector="agriculture",
            stage="pilot",
            channels=["sms"],
            migrant_workers=False,
            minorities_present=False,
        )
        services.assessment_start(
            project=project, checklist=checklist, title="Baseline", started_by=owner
        )


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # 1. session, 2. user.
        ("account-settings", 2),
        # 1. session, 2. user, 3. cohorts of the user's organisations (the filter form), 4. the
        # totals and the page's rows, 5. memberships with their organisations, 6. offers
        # waiting. As many with shares: tests/test_portfolio.py.
        ("checklists:portfolio", 6),
    ],
)
def test_account_pages_make_a_fixed_number_of_queries(
    name, queries, owner, organisation, checklist, django_assert_num_queries
):
    client = _client(owner)
    url = reverse(name)
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(owner, checklist, 3)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_project_deletion_page_makes_a_fixed_number_of_queries(
    owner, project, checklist, django_assert_num_queries
):
    client = _client(owner)
    url = reverse("checklists:project-delete", args=[project.pk])
    # 1. session, 2. user, 3. the project with the owner's role, 4. its assessments counted.
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
    for title in ("Baseline", "Midline", "Endline"):
        assessment = services.assessment_start(
            project=project, checklist=checklist, title=title, started_by=owner
        )
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert "1 assessment of this project was submitted" in response.text
    assert "This deletes the project and its 3 assessments" in response.text
