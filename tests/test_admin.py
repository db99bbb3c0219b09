"""The admin: organisations, members, invitations and grants for support; the audit trail read
only."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from checklists import services
from checklists.models import (
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    ProjectUserObjectPermission,
)
from checklists.services.teams import _grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        email="admin@westcheck.example", name="Ada Admin", password="correct horse battery"
    )


@pytest.fixture
def as_admin(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def data(owner, outsider):
    """One of everything: an organisation with a member, an invitation, a grant, events."""
    organisation = services.organisation_create(
        name="Threadline Apparel", kind="brand", owner=owner
    )
    project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Dhaka hotline",
        countries="Bangladesh",
        sector="apparel",
        channels=["hotline"],
    )
    invitation = services.invitation_create(
        organisation=organisation,
        email="amina@ngo.example",
        role=Membership.Role.EDITOR,
        invited_by=owner,
        site="https://westcheck.example",
    )
    _grant(project, outsider, Membership.Role.VIEWER)
    return {
        Organisation: organisation,
        Membership: Membership.objects.get(organisation=organisation),
        Invitation: invitation,
        ProjectUserObjectPermission: ProjectUserObjectPermission.objects.get(user=outsider),
        AuditEvent: AuditEvent.objects.filter(organisation=organisation).first(),
    }


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:checklists_{model._meta.model_name}_{view}", args=args)


MODELS = [Organisation, Membership, Invitation, ProjectUserObjectPermission, AuditEvent]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_admin_pages_load_for_a_superuser(as_admin, data, model):
    obj = data[model]
    changelist = as_admin.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert as_admin.get(admin_url(model, "change", obj.pk)).status_code == 200
    assert as_admin.get(admin_url(model, "changelist"), {"q": "a"}).status_code == 200
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        assert as_admin.get(admin_url(model, "add")).status_code == 200


def test_the_admin_is_for_staff_only(client, owner, data):
    client.force_login(owner)
    response = client.get(admin_url(Organisation, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_organisation_shows_its_members_inline(as_admin, data, owner):
    page = as_admin.get(admin_url(Organisation, "change", data[Organisation].pk))
    assert 'name="memberships-0-role"' in page.text
    assert f'name="memberships-0-user" value="{owner.pk}"' in page.text


def test_the_audit_trail_cannot_be_added_to_changed_or_deleted_in_the_admin(as_admin, data):
    model_admin = admin.site._registry[AuditEvent]
    request = as_admin.get(admin_url(AuditEvent, "changelist")).wsgi_request
    event = data[AuditEvent]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert model_admin.has_view_permission(request, event)
    assert "delete_selected" not in model_admin.get_actions(request)
    before = list(AuditEvent.objects.values())
    assert as_admin.get(admin_url(AuditEvent, "add")).status_code == 403
    assert (
        as_admin.post(admin_url(AuditEvent, "add"), {"kind": "project.created"}).status_code == 403
    )
    assert as_admin.get(admin_url(AuditEvent, "delete", event.pk)).status_code == 403
    assert (
        as_admin.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    )
    assert (
        as_admin.post(admin_url(AuditEvent, "change", event.pk), {"kind": "x"}).status_code == 403
    )
    page = as_admin.get(admin_url(AuditEvent, "change", event.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert event.hash in page.text
    assert list(AuditEvent.objects.values()) == before


def test_an_invitations_token_hash_is_shown_read_only_and_none_is_added(as_admin, data):
    invitation = data[Invitation]
    request = as_admin.get(admin_url(Invitation, "changelist")).wsgi_request
    assert not admin.site._registry[Invitation].has_add_permission(request)
    page = as_admin.get(admin_url(Invitation, "change", invitation.pk))
    assert invitation.token_hash in page.text
    assert 'name="token_hash"' not in page.text
    # Posting a new hash changes nothing of it.
    as_admin.post(
        admin_url(Invitation, "change", invitation.pk),
        {
            "status": "pending",
            "role": "editor",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
            "token_hash": "0" * 64,
        },
    )
    invitation.refresh_from_db()
    assert invitation.token_hash != "0" * 64
    assert as_admin.get(admin_url(Invitation, "add")).status_code == 403


def test_organisations_are_not_deleted_from_the_admin(as_admin, data):
    organisation = data[Organisation]
    assert as_admin.get(admin_url(Organisation, "delete", organisation.pk)).status_code == 403
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_a_grant_offers_only_the_project_permissions(as_admin, data):
    page = as_admin.get(admin_url(ProjectUserObjectPermission, "add"))
    options = page.context["adminform"].form.fields["permission"].queryset
    assert sorted(options.values_list("codename", flat=True)) == [
        "change_project",
        "view_project",
    ]
