"""The audit trail: written with every change, append-only in the database, chained by hash."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from checklists import audit, services
from checklists.models import AuditEvent, Organisation

pytestmark = pytest.mark.django_db

Kind = AuditEvent.Kind


@pytest.fixture
def organisation(owner) -> Organisation:
    return services.organisation_create(name="Brand Co", kind="brand", owner=owner)


def events(organisation) -> list[tuple[str, int]]:
    return list(
        AuditEvent.objects.filter(organisation=organisation)
        .order_by("sequence")
        .values_list("kind", "sequence")
    )


def test_creating_an_organisation_is_the_first_event_of_its_chain(organisation, owner):
    event = AuditEvent.objects.get(organisation=organisation)
    assert (event.kind, event.sequence, event.actor, event.previous_hash) == (
        Kind.ORGANISATION_CREATED,
        1,
        owner,
        audit.GENESIS,
    )
    assert event.actor_name == "Olivia Owner <olivia@brand.example>"


def test_a_raw_update_of_an_event_is_refused_by_the_database(organisation):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE checklists_auditevent SET kind = 'member.removed'")
    assert events(organisation) == [(Kind.ORGANISATION_CREATED, 1)]


def test_a_raw_delete_of_an_event_is_refused_by_the_database(organisation):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM checklists_auditevent")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(organisation=organisation).delete()
    assert events(organisation) == [(Kind.ORGANISATION_CREATED, 1)]


def test_an_update_is_refused_even_during_an_erasure(organisation):
    with pytest.raises(IntegrityError, match="append-only"), audit.erasure("test"):
        AuditEvent.objects.filter(organisation=organisation).update(kind="member.removed")
    assert events(organisation) == [(Kind.ORGANISATION_CREATED, 1)]


def test_an_erasure_may_delete_events_and_leaves_no_marker_behind(organisation):
    from checklists.models import AuditErasure

    with audit.erasure("organisation erased"):
        AuditEvent.objects.filter(organisation=organisation).delete()
    assert events(organisation) == []
    assert not AuditErasure.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncating_the_events_is_refused_on_postgresql(organisation):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE checklists_auditevent")


def test_each_organisations_events_are_numbered_and_chained(organisation, owner, outsider):
    other = services.organisation_create(name="Other", kind="ngo", owner=outsider)
    services.organisation_update(organisation=organisation, user=owner, name="Brand", kind="brand")
    assert events(organisation) == [(Kind.ORGANISATION_CREATED, 1), (Kind.ORGANISATION_CHANGED, 2)]
    assert events(other) == [(Kind.ORGANISATION_CREATED, 1)]
    first, second = AuditEvent.objects.filter(organisation=organisation).order_by("sequence")
    assert second.previous_hash == first.hash
    assert second.data == {
        "old": {"name": "Brand Co", "kind": "brand", "evidence_keep_days": 365},
        "new": {"name": "Brand", "kind": "brand", "evidence_keep_days": 365},
    }
    assert audit.verify_chain(organisation.pk) == (2, None)


def test_verify_audit_reports_the_first_event_whose_content_does_not_match(organisation, owner):
    services.organisation_update(organisation=organisation, user=owner, name="Brand", kind="brand")
    last = AuditEvent.objects.get(organisation=organisation, sequence=2)
    # An event forged behind the app's back: inserting is allowed, but its hash cannot be right
    # unless the forger recomputes the whole chain after it.
    forged = AuditEvent(
        organisation=organisation,
        sequence=3,
        created_at=last.created_at,
        kind=Kind.MEMBER_REMOVED,
        actor=owner,
        actor_name="someone else",
        data={},
        previous_hash=last.hash,
        hash="f" * 64,
    )
    AuditEvent.objects.bulk_create([forged])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 broken chain"):
        call_command("verify_audit", str(organisation.pk), stdout=out)
    assert "chain broken at event 3: its content does not match its hash" in out.getvalue()


def test_verify_audit_reports_a_missing_event(organisation, owner):
    for name in ("A", "B", "C"):
        services.organisation_update(organisation=organisation, user=owner, name=name, kind="brand")
    with audit.erasure("test"):
        AuditEvent.objects.filter(organisation=organisation, sequence=3).delete()
    assert audit.verify_chain(organisation.pk)[1] == audit.BrokenLink(
        organisation.pk, 3, "event 3 is missing"
    )


def test_verify_audit_says_every_intact_chain_is_intact(organisation, outsider):
    services.organisation_create(name="Other", kind="ngo", owner=outsider)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().count("chain intact") == 2


def test_verify_audit_refuses_an_unknown_organisation():
    with pytest.raises(CommandError, match="No organisation"):
        call_command("verify_audit", "999")


# --- Changes made through the pages ----------------------------------------------------------


def test_renaming_the_organisation_on_its_page_saves_it_and_records_the_change(
    client, organisation, owner
):
    client.force_login(owner)
    url = reverse("checklists:organisation-edit", args=[organisation.pk])
    response = client.post(url, {"name": "Brand Company", "kind": "ngo", "evidence_keep_days": 365})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.kind) == ("Brand Company", "ngo")
    (event,) = AuditEvent.objects.filter(organisation=organisation, kind=Kind.ORGANISATION_CHANGED)
    assert event.data == {
        "old": {"name": "Brand Co", "kind": "brand", "evidence_keep_days": 365},
        "new": {"name": "Brand Company", "kind": "ngo", "evidence_keep_days": 365},
    }


def test_editing_a_project_on_its_page_records_what_changed(client, project, owner):
    client.force_login(owner)
    profile = {
        "name": "Dhaka hotline, second phase",
        "description": "",
        "countries": "Bangladesh",
        "sector": "apparel",
        "channels": ["hotline", "sms"],
        "migrant_workers": "False",
        "minorities_present": "False",
        "women_share": "",
        "technology_provider": "",
        "local_partners": "",
        "unions": "",
        "stage": "planning",
    }
    response = client.post(reverse("checklists:project-edit", args=[project.pk]), profile)
    assert response.status_code == 302
    (event,) = AuditEvent.objects.filter(project=project, kind=Kind.PROJECT_CHANGED)
    assert event.data == {
        "fields": ["name", "channels"],
        "old": {"name": "Dhaka garment hotline", "channels": ["hotline"]},
        "new": {"name": "Dhaka hotline, second phase", "channels": ["hotline", "sms"]},
    }
