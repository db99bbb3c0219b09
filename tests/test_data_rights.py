"""An organisation's rights over its data: an archive of everything, built by the task worker,
downloadable by its owners for seven days; and deleting everything, after a grace period."""

# The fixtures come from test_sharing.py, imported by name: pytest finds them so.
# ruff: noqa: F811

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from checklists import services
from checklists.models import AuditEvent, DataExport
from checklists.services import data_rights
from checklists.services.evidence import evidence_upload
from tests.conftest import database_state, person, sent_mail
from tests.test_sharing import bruno, fatima, fund, rex  # noqa: F401 (fixtures)
from tests.test_tasks import run_worker
from tests.test_walkthrough import answer_everything, client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def assessment(project, checklist, owner):
    return services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=owner
    )


def attach(assessment, owner, name, content=PDF, personal_data="no"):
    return evidence_upload(
        assessment=assessment,
        question_key="3.1",
        upload=SimpleUploadedFile(name, content),
        personal_data=personal_data,
        retention_until=timezone.localdate() + timedelta(days=30),
        user=owner,
    )


def data_page(organisation):
    return reverse("checklists:organisation-data", args=[organisation.pk])


def ask(client, organisation):
    return client.post(reverse("checklists:data-export-create", args=[organisation.pk]))


def download(client, export):
    return client.get(
        reverse("checklists:data-export-download", args=[export.organisation_id, export.pk])
    )


def archive_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def member(zipped, suffix) -> bytes:
    [name] = [n for n in zipped.namelist() if n.endswith(suffix)]
    return zipped.read(name)


def test_an_owner_gets_every_table_the_reports_the_trail_and_every_file(
    organisation, owner, assessment, exports_root
):
    answer_everything(assessment, owner)
    attach(assessment, owner, "Grievance procedure.pdf")
    services.assessment_submit(assessment=assessment, user=owner)
    follow_up = services.assessment_start(
        project=assessment.project,
        checklist=assessment.checklist,
        title="Midline",
        started_by=owner,
        copy_from=assessment,
    )
    private = attach(follow_up, owner, "Case notes.txt", b"A worker's case.", "yes")
    # Another organisation's work is in nobody else's archive.
    stranger = person("stranger@other.example", "Stranger")
    other = services.organisation_create(name="Other Org", kind="ngo", owner=stranger)
    services.project_create(
        organisation=other,
        created_by=stranger,
        name="Not theirs",
        countries="Kenya",
        sector="agriculture",
        stage="planning",
        channels=["sms"],
        migrant_workers=False,
        minorities_present=False,
    )

    export = data_rights.data_export_request(organisation=organisation, user=owner)
    data_rights.data_export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.percent == 100
    response = download(client_for(owner), export)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    zipped = archive_of(response)
    records = json.loads(member(zipped, "/organisation.json"))
    assert [p["name"] for p in records["projects"]] == ["Dhaka garment hotline"]
    assert {a["title"] for a in records["assessments"]} == {"Baseline", "Midline"}
    assert len(records["answers"]) >= 50
    assert len(records["submissions"]) == 1
    assert {m["email"] for m in records["members"]} == {owner.email}
    assert "stored_name" not in records["evidence_files"][0]
    assert "Not theirs" not in json.dumps(records)
    trail = json.loads(member(zipped, "/audit-trail.json"))
    assert trail[0]["kind"] == "organisation.created"
    assert all(e["hash"] for e in trail)
    assert "assessment.submitted" in {e["kind"] for e in trail}
    assert member(zipped, f"/{assessment.pk}-baseline.pdf").startswith(b"%PDF")
    exported = json.loads(member(zipped, f"/{assessment.pk}-baseline.json"))
    assert exported["assessment"]["title"] == "Baseline"
    # Every file, restricted ones too: the archive is for the organisation's owners.
    assert member(zipped, "-Grievance procedure.pdf") == PDF
    assert member(zipped, f"/evidence/{private.pk}-Case notes.txt") == b"A worker's case."
    assert "may hold personal" in member(zipped, "/README.txt").decode()
    kinds = list(AuditEvent.objects.filter(kind__startswith="data.").values_list("kind", flat=True))
    assert sorted(kinds) == ["data.export_downloaded", "data.export_requested"]


def test_the_page_shows_progress_and_reloads_itself_until_ready(organisation, owner):
    as_owner = client_for(owner)
    assert ask(as_owner, organisation).status_code == 302
    export = DataExport.objects.get()
    DataExport.objects.filter(pk=export.pk).update(status="building", done=3, total=12)
    page = as_owner.get(data_page(organisation)).content.decode()
    assert '<progress class="d-block w-100" id="progress-' in page
    assert 'value="25"' in page
    assert '<meta http-equiv="refresh" content="5">' in page
    data_rights.data_export_build(export.pk)
    page = as_owner.get(data_page(organisation)).content.decode()
    assert "Download the archive" in page
    assert 'http-equiv="refresh"' not in page


def test_asking_twice_builds_one_archive(organisation, owner):
    as_owner = client_for(owner)
    ask(as_owner, organisation)
    ask(as_owner, organisation)
    assert DataExport.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="build_data_export").count() == 1
    assert AuditEvent.objects.filter(kind="data.export_requested").count() == 1


def test_other_members_and_outsiders_get_nothing(
    organisation, owner, editor, viewer, collaborator, outsider, exports_root
):
    export = data_rights.data_export_request(organisation=organisation, user=owner)
    data_rights.data_export_build(export.pk)
    for someone, status in ((editor, 403), (viewer, 403), (collaborator, 404), (outsider, 404)):
        client = client_for(someone)
        assert download(client, export).status_code == status
        assert client.get(data_page(organisation)).status_code == status
        assert ask(client, organisation).status_code == status
    assert DataExport.objects.count() == 1
    assert not AuditEvent.objects.filter(kind="data.export_downloaded").exists()
    # An archive asked for in one organisation cannot be reached through another's address.
    outsiders_own = services.organisation_create(name="Theirs", kind="ngo", owner=outsider)
    url = reverse("checklists:data-export-download", args=[outsiders_own.pk, export.pk])
    assert client_for(outsider).get(url).status_code == 404


def test_an_archive_is_gone_the_moment_its_seven_days_end_then_deleted(
    organisation, owner, exports_root
):
    export = data_rights.data_export_request(organisation=organisation, user=owner)
    data_rights.data_export_build(export.pk)
    export.refresh_from_db()
    assert (exports_root / export.stored_name).exists()
    assert export.expires_at - export.finished_at == timedelta(days=7)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert download(client_for(owner), export).status_code == 404
    out = io.StringIO()
    call_command("purge_expired_exports", stdout=out)
    assert "Expired archives deleted: 1;" in out.getvalue()
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert export.stored_name == ""
    assert not any(p.is_file() for p in exports_root.rglob("*"))
    assert "Deleted 7 days after it was built." in (
        client_for(owner).get(data_page(organisation)).content.decode()
    )


def test_a_failed_build_says_so_and_keeps_nothing(organisation, owner, exports_root, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(data_rights, "_write_archive", broken)
    export = data_rights.data_export_request(organisation=organisation, user=owner)
    with pytest.raises(OSError, match="disk full"):
        data_rights.data_export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED
    assert not any(p.is_file() for p in exports_root.rglob("*"))
    assert "could not be built" in client_for(owner).get(data_page(organisation)).content.decode()
    # A new one can be asked for.
    assert ask(client_for(owner), organisation).status_code == 302
    assert DataExport.objects.filter(status="queued").count() == 1


def test_a_stray_archive_is_swept_once_old(organisation, owner, exports_root):
    folder = exports_root / str(organisation.pk)
    folder.mkdir()
    (folder / "left-behind.zip").write_bytes(b"PK")
    assert data_rights.data_export_sweep() == 0
    later = timezone.now() + data_rights.BUILD_GRACE + timedelta(minutes=1)
    assert data_rights.data_export_sweep(now=later) == 1
    assert not (folder / "left-behind.zip").exists()


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_builds_the_archive_an_owner_asked_for(organisation, owner, exports_root):
    as_owner = client_for(owner)
    response = ask(as_owner, organisation)
    assert response.status_code == 302
    page = as_owner.get(response["Location"]).content.decode()
    assert "Waiting to start" in page
    run_worker()
    export = DataExport.objects.get()
    assert export.status == DataExport.Status.READY
    zipped = archive_of(download(as_owner, export))
    assert json.loads(member(zipped, "/organisation.json"))["organisation"][0]["name"] == (
        organisation.name
    )


# --- Deleting everything ----------------------------------------------------------------------


def delete_url(organisation):
    return reverse("checklists:organisation-delete", args=[organisation.pk])


def every_row() -> dict[str, set]:
    """Every row of every table, by table: what a deletion must leave as it found it."""
    return {
        model._meta.label: set(model._base_manager.values_list("pk", flat=True))
        for model in apps.get_models()
    }


def stored_files(*roots) -> list:
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


def build_a_whole_organisation(owner, checklist, fund, fatima, rex, bruno, editor_person, received):
    """An organisation with something in every table it can touch."""
    from checklists.models import Membership
    from checklists.services import comments as comment_services
    from checklists.services import sharing as sharing_services
    from tests.conftest import invite_and_accept
    from tests.test_sharing import accepted, offer, submit

    doomed = services.organisation_create(name="Doomed Textiles", kind="brand", owner=owner)
    invite_and_accept(doomed, editor_person, Membership.Role.EDITOR, invited_by=owner)
    project = services.project_create(
        organisation=doomed,
        created_by=owner,
        name="Doomed hotline",
        countries="Bangladesh",
        sector="apparel",
        stage="planning",
        channels=["hotline"],
        migrant_workers=False,
        minorities_present=False,
    )
    draft = services.assessment_start(
        project=project, checklist=checklist, title="Draft", started_by=owner
    )
    attach(draft, owner, "Procedure.pdf")
    gone = attach(draft, owner, "Old.pdf")
    from checklists.services.evidence import evidence_delete

    evidence_delete(evidence=gone, user=owner)  # leaves a tombstone
    baseline = submit(project, checklist, owner, gaps={"3.1": "planned"}, milestone="baseline")
    services.action_update(
        assessment=baseline,
        question=checklist.questions.get(key="3.1"),
        owner="Ana",
        due_date=None,
        status="in_progress",
        user=owner,
    )
    share = accepted(
        offer(baseline, owner, detail="sections", sections=["3"], role="reviewer"), fatima, fund
    )
    client_for(rex).post(
        reverse("checklists:shared-review", args=[share.pk, 1]),
        {"m-3.1": "needs_change", "n-3.1": "Who answers?", "action": "save"},
    )
    comment_services.comment_add(
        share=share,
        question_key="3.1",
        body="Who answers at night?",
        commentable={"3.1"},
        side="recipient",
        user=rex,
        site="http://testserver/",
    )
    # A share the doomed organisation received, and a cohort it runs.
    accepted(offer(received, bruno, email=owner.email), owner, doomed)
    sharing_services.cohort_create(
        funder=doomed,
        name="Doomed cohort",
        description="",
        detail="summary",
        sections=[],
        role="viewer",
        term_days=365,
        user=owner,
    )
    services.invitation_create(
        organisation=doomed,
        project=project,
        email="partner@ngo.example",
        role="editor",
        invited_by=owner,
        site="http://testserver/",
    )
    export = data_rights.data_export_request(organisation=doomed, user=owner)
    data_rights.data_export_build(export.pk)
    return doomed, share


def test_deleting_everything_leaves_no_row_and_no_stored_file_of_the_organisation(
    checklist, fund, fatima, rex, bruno, evidence_root, exports_root
):
    from tests.test_sharing import submit

    someone = person("olga@doomed.example", "Olga Owner")
    colleague = person("eddie@doomed.example", "Eddie Editor")
    theirs = services.project_create(
        organisation=bruno.memberships.get().organisation,
        created_by=bruno,
        name="Brightline SMS",
        countries="Kenya",
        sector="agriculture",
        stage="planning",
        channels=["sms"],
        migrant_workers=False,
        minorities_present=False,
    )
    received = submit(theirs, checklist, bruno)
    before = every_row()
    others_files = stored_files(evidence_root, exports_root)
    doomed, share = build_a_whole_organisation(
        someone, checklist, fund, fatima, rex, bruno, colleague, received
    )
    assert stored_files(evidence_root, exports_root) != others_files
    as_owner = client_for(someone)

    response = as_owner.post(delete_url(doomed), {"name": "Doomed Textiles"})
    assert response.status_code == 302
    # What it shared with others is withdrawn at once, and the recipient told why.
    share.refresh_from_db()
    assert share.status == "revoked"
    assert share.end_reason == "owner_deleted"
    assert client_for(rex).get(reverse("checklists:shared", args=[share.pk])).status_code == 404
    told = [m for m in sent_mail() if fatima.email in m["to"] and "deleting" in m["body"]]
    assert len(told) == 1
    verify = client_for(rex).get(
        reverse("checklists:verify"),
        {"hash": share.submission.integrity_hash, "share": share.reference},
    )
    assert "Withdrawn by the owner" in verify.content.decode()
    # Nothing goes before its seven days are over.
    assert "Organisations deleted: 0" in command("purge_deleted_organisations")

    later = timezone.now() + data_rights.DELETION_GRACE + timedelta(minutes=1)
    assert data_rights.organisation_purge_due(now=later) == 1

    after = every_row()
    # Only what is not the organisation's may remain: the people's accounts and their log-in
    # records (they may work elsewhere), the mail queue, and other organisations' records.
    grown = {label: rows - before[label] for label, rows in after.items() if rows - before[label]}
    allowed = {
        "checklists.User",
        "django_tasks_database.DBTaskResult",
        "axes.AccessLog",
        "checklists.AuditEvent",
        "checklists.Notice",
        "sessions.Session",
    }
    assert set(grown) <= allowed, grown
    assert not AuditEvent.objects.filter(organisation_id=doomed.pk).exists()
    # The brand's trail keeps its own record of what it shared, and with whom: its chain is
    # its own, and the deleted organisation's request cannot rewrite it.
    kept = AuditEvent.objects.filter(pk__in=grown["checklists.AuditEvent"])
    assert {(e.organisation_id, e.kind) for e in kept} == {
        (received.project.organisation_id, "share.offered"),
        (received.project.organisation_id, "share.accepted"),
    }
    assert stored_files(evidence_root, exports_root) == others_files
    # The brand that shared with it keeps its own work; the fund keeps nothing of it.
    assert received.submission.__class__.objects.filter(pk=received.submission.pk).exists()
    assert client_for(rex).get(reverse("checklists:portfolio")).status_code == 200
    assert "Doomed" not in client_for(rex).get(reverse("checklists:portfolio")).content.decode()
    # Its people keep their accounts.
    assert client_for(someone).get(reverse("checklists:dashboard")).status_code == 200


def command(name: str) -> str:
    out = io.StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


def test_the_name_must_be_typed_and_nothing_changes_otherwise(organisation, owner, editor):
    from tests.test_sharing import accepted  # noqa: F401

    as_owner, as_editor = client_for(owner), client_for(editor)
    before = database_state()
    for typed in ("", "threadline apparel", "Threadline"):
        response = as_owner.post(delete_url(organisation), {"name": typed})
        assert response.status_code == 400
        assert "Type the organisation" in response.content.decode()
    assert as_editor.post(delete_url(organisation), {"name": organisation.name}).status_code == 403
    assert database_state() == before


def test_an_owner_cancels_within_the_grace_period(organisation, owner, editor):
    as_owner = client_for(owner)
    as_owner.post(delete_url(organisation), {"name": organisation.name})
    organisation.refresh_from_db()
    assert organisation.deletion_due_at is not None
    page = client_for(editor).get(reverse("checklists:dashboard")).content.decode()
    assert "is to be deleted on" in page
    told = [m for m in sent_mail() if "is to be deleted" in m["subject"]]
    assert sorted(a for m in told for a in m["to"]) == sorted([owner.email, editor.email])
    cancel = reverse("checklists:organisation-delete-cancel", args=[organisation.pk])
    assert client_for(editor).post(cancel).status_code == 403
    assert as_owner.post(cancel).status_code == 302
    organisation.refresh_from_db()
    assert organisation.deletion_due_at is None
    later = timezone.now() + data_rights.DELETION_GRACE + timedelta(days=1)
    assert data_rights.organisation_purge_due(now=later) == 0
    kinds = AuditEvent.objects.filter(kind__startswith="data.deletion").values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == ["data.deletion_cancelled", "data.deletion_scheduled"]


def test_an_organisation_to_be_deleted_shares_nothing_more(organisation, owner, project, checklist):
    from tests.test_sharing import offer, submit

    baseline = submit(project, checklist, owner)
    client_for(owner).post(delete_url(organisation), {"name": organisation.name})
    with pytest.raises(ValidationError, match="to be deleted"):
        offer(baseline, owner)
