"""Deleting a project: owners only; a project with submitted assessments asks for its name."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checklists import services
from checklists.access import EDIT_GRANT, VIEW_GRANT
from checklists.models import (
    Assessment,
    AuditEvent,
    ChecklistVersion,
    Membership,
    Project,
    User,
)
from checklists.services.teams import _grant

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def organisation(owner):
    return services.organisation_create(name="Threadline Apparel", kind="brand", owner=owner)


def _member(organisation, email, role) -> User:
    user = User.objects.create_user(email=email, name=email.split("@")[0], password=PASSWORD)
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


@pytest.fixture
def project(organisation, owner):
    return services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Dhaka <b>hotline</b>",
        countries="Bangladesh",
        sector="apparel",
        channels=["hotline"],
    )


@pytest.fixture
def assessments(project, owner):
    checklist = ChecklistVersion.objects.get(slug="west-operations-checklist")
    return [
        services.assessment_start(
            project=project, checklist=checklist, title=title, started_by=owner
        )
        for title in ("Baseline", "Endline")
    ]


def submit(assessment: Assessment) -> None:
    # As the submit service leaves it; answering all 60 questions first is tested elsewhere.
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.SUBMITTED, submitted_at=timezone.now()
    )


def snapshot() -> tuple:
    return (
        list(Project.objects.values_list("pk", flat=True)),
        list(Assessment.objects.values_list("pk", flat=True)),
        AuditEvent.objects.count(),
    )


def url(project) -> str:
    return reverse("checklists:project-delete", args=[project.pk])


def test_an_owner_deletes_a_project_without_submitted_assessments(owner, project, assessments):
    client = client_for(owner)
    page = client.get(url(project))
    assert page.status_code == 200
    assert "This deletes the project and its 2 assessments" in page.text
    assert 'name="confirm_name"' not in page.text
    response = client.post(url(project))
    assert response.status_code == 302
    assert response.url == reverse("checklists:dashboard")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Project Dhaka <b>hotline</b> deleted."
    ]
    assert not Project.objects.exists()
    assert not Assessment.objects.exists()
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.PROJECT_DELETED).get()
    assert (event.actor, event.project_id) == (owner, project.pk)
    assert event.data == {"name": "Dhaka <b>hotline</b>", "assessments": 2, "submitted": 0}


def test_a_project_with_submitted_assessments_asks_for_its_name(owner, project, assessments):
    submit(assessments[0])
    client = client_for(owner)
    page = client.get(url(project))
    assert 'name="confirm_name"' in page.text
    assert "1 assessment of this project was submitted" in page.text
    # The name is shown to copy, escaped like everything else.
    assert "The project is called “Dhaka &lt;b&gt;hotline&lt;/b&gt;”." in page.text
    before = snapshot()
    for typed in ("", "Dhaka hotline", "dhaka <b>hotline</b>"):
        response = client.post(url(project), {"confirm_name": typed})
        assert response.status_code == 422
        assert "type its name exactly to delete it" in response.text
        assert 'id="error-summary"' in response.text
        assert snapshot() == before
    response = client.post(url(project), {"confirm_name": " Dhaka <b>hotline</b> "})
    assert response.status_code == 302
    assert not Project.objects.exists()
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.PROJECT_DELETED).get()
    assert event.data["submitted"] == 1


def test_the_project_page_offers_deletion_to_owners_only(owner, organisation, project):
    editor = _member(organisation, "edith@brand.example", Membership.Role.EDITOR)
    link = f'href="{url(project)}"'
    assert link in client_for(owner).get(project.get_absolute_url()).text
    assert link not in client_for(editor).get(project.get_absolute_url()).text


@pytest.mark.parametrize("role", [Membership.Role.EDITOR, Membership.Role.VIEWER])
def test_editors_and_viewers_may_not_delete(organisation, project, assessments, role):
    member = _member(organisation, f"{role}@brand.example", role)
    client = client_for(member)
    before = snapshot()
    assert client.get(url(project)).status_code == 403
    response = client.post(url(project), {"confirm_name": project.name})
    assert response.status_code == 403
    assert "Your role in this organisation does not allow this." in response.text
    assert snapshot() == before


@pytest.mark.parametrize("grant", ["edit", "view"])
def test_collaborators_may_not_delete(outsider, project, assessments, grant):
    _grant(project, outsider, Membership.Role.EDITOR if grant == "edit" else Membership.Role.VIEWER)
    assert outsider.has_perm(VIEW_GRANT, project)
    assert outsider.has_perm(EDIT_GRANT, project) is (grant == "edit")
    client = client_for(outsider)
    before = snapshot()
    assert client.get(url(project)).status_code == 403
    assert client.post(url(project), {"confirm_name": project.name}).status_code == 403
    assert snapshot() == before


def test_outsiders_get_404_and_anonymous_visitors_are_sent_to_log_in(
    outsider, project, assessments
):
    services.organisation_create(name="Elsewhere", kind="ngo", owner=outsider)
    before = snapshot()
    client = client_for(outsider)
    assert client.get(url(project)).status_code == 404
    assert client.post(url(project), {"confirm_name": project.name}).status_code == 404
    anonymous = Client().post(url(project), {"confirm_name": project.name})
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login") + "?next=")
    assert snapshot() == before


def test_a_missing_project_is_404(owner, project):
    missing = Project.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    assert (
        client_for(owner).post(reverse("checklists:project-delete", args=[missing])).status_code
        == 404
    )
