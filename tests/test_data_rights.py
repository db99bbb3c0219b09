"""An organisation's rights over its data: an archive of everything, built by the task worker,
downloadable by its owners for seven days."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from checklists import services
from checklists.models import AuditEvent, DataExport
from checklists.services import data_rights
from checklists.services.evidence import evidence_upload
from tests.conftest import person
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
