"""Evidence files on an answer: uploading, listing, downloading and deleting, for each person,
with the refusals that change nothing (a disguised file, one byte too many, a full quota, a
submitted assessment, a viewer), the restricted files, the stored object beside its row, and
the audit trail."""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from checklists import services
from checklists.models import AuditEvent, EvidenceFile, EvidenceTombstone
from checklists.services import evidence as evidence_services
from checklists.services import sharing as sharing_services
from checklists.services.evidence import evidence_upload
from tests.conftest import SITE, person
from tests.test_walkthrough import answer_everything, client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def assessment(project, checklist, owner):
    return services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=owner
    )


def page(assessment, key="3.1"):
    return reverse("checklists:answer-evidence", args=[assessment.pk, key])


def post(client, assessment, content=PDF, name="Grievance procedure.pdf", key="3.1", **fields):
    data = {
        "file": SimpleUploadedFile(name, content),
        "personal_data": "no",
        "retention_until": (timezone.localdate() + timedelta(days=200)).isoformat(),
        **fields,
    }
    return client.post(page(assessment, key), data)


def stored_objects(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def snapshot(root):
    return (
        list(EvidenceFile.objects.values_list("pk", flat=True)),
        stored_objects(root),
        AuditEvent.objects.count(),
    )


def test_an_editor_attaches_a_file_that_is_stored_listed_and_audited(
    assessment, editor, evidence_root
):
    response = post(client_for(editor), assessment)
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.name == "Grievance procedure.pdf"
    assert evidence.kind == "pdf"
    assert evidence.size == len(PDF)
    assert not evidence.restricted
    [stored] = stored_objects(evidence_root)
    assert stored.read_bytes() == PDF
    assert "Grievance" not in str(stored)  # the stored name says nothing of the file
    event = AuditEvent.objects.filter(kind="evidence.uploaded").get()
    assert event.data["sha256"] == evidence.sha256
    html = client_for(editor).get(page(assessment)).content.decode()
    assert "Grievance procedure.pdf" in html
    assert evidence.sha256 in html
    section = reverse("checklists:assessment-section", args=[assessment.pk, "3"])
    assert "Grievance procedure.pdf" in client_for(editor).get(section).content.decode()


def test_the_page_warns_about_personal_data_before_the_upload(assessment, owner):
    html = client_for(owner).get(page(assessment)).content.decode()
    assert html.index("No workers' personal data") < html.index('type="file"')
    assert "Does this file contain personal data?" in html


def test_the_download_is_an_attachment_no_browser_renders_and_no_cache_keeps(
    assessment, owner, viewer
):
    post(client_for(owner), assessment)
    evidence = EvidenceFile.objects.get()
    response = client_for(viewer).get(reverse("checklists:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Grievance procedure.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.filter(kind="evidence.downloaded").get()
    assert event.actor_id == viewer.pk


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"<html><script>alert(1)</script></html>", "procedure.pdf", "can run scripts"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png", "can run scripts"),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_a_refused_file_says_why_and_changes_nothing(
    assessment, owner, evidence_root, content, name, reason
):
    before = snapshot(evidence_root)
    response = post(client_for(owner), assessment, content, name)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert snapshot(evidence_root) == before


def test_a_file_one_byte_over_the_limit_changes_nothing(assessment, owner, evidence_root, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    before = snapshot(evidence_root)
    response = post(client_for(owner), assessment, b"a" * 1001, "notes.txt")
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert snapshot(evidence_root) == before
    assert post(client_for(owner), assessment, b"a" * 1000, "notes.txt").status_code == 302


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(
    assessment, owner, evidence_root, settings
):
    settings.EVIDENCE_MAX_BYTES = 1000
    before = snapshot(evidence_root)
    response = post(client_for(owner), assessment, b"a" * (200 * 1024), "notes.txt")
    assert response.status_code == 413
    assert "The file is larger than 1000" in response.content.decode()
    assert snapshot(evidence_root) == before


def test_a_file_over_the_organisations_quota_changes_nothing(
    assessment, owner, evidence_root, settings
):
    settings.EVIDENCE_QUOTA_BYTES = len(PDF) + 10
    assert post(client_for(owner), assessment).status_code == 302
    before = snapshot(evidence_root)
    response = post(client_for(owner), assessment, name="Second.pdf")
    assert response.status_code == 400
    assert "would take more than" in response.content.decode()
    assert snapshot(evidence_root) == before


def test_dates_are_checked_and_a_personal_data_file_is_kept_90_days_at_most(
    assessment, owner, evidence_root
):
    before = snapshot(evidence_root)
    as_owner = client_for(owner)
    late = (timezone.localdate() + timedelta(days=91)).isoformat()
    response = post(as_owner, assessment, personal_data="not_sure", retention_until=late)
    assert response.status_code == 400
    assert "at the latest" in response.content.decode()
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert post(as_owner, assessment, retention_until=past).status_code == 400
    assert post(as_owner, assessment, personal_data="").status_code == 400
    assert post(as_owner, assessment, personal_data="maybe").status_code == 400
    assert snapshot(evidence_root) == before
    soon = (timezone.localdate() + timedelta(days=90)).isoformat()
    assert post(as_owner, assessment, personal_data="yes", retention_until=soon).status_code == 302
    assert EvidenceFile.objects.get().restricted


def test_a_photo_is_stored_without_its_location(assessment, owner, evidence_root):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (23.0, 48.0, 0.0), 3: "E", 4: (90.0, 25.0, 0.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(out, format="JPEG", exif=exif)
    assert (
        post(client_for(owner), assessment, out.getvalue(), "notice board.jpg").status_code == 302
    )
    [stored] = stored_objects(evidence_root)
    assert b"PhoneMaker" not in stored.read_bytes()
    with Image.open(stored) as image:
        assert not image.getexif()
    assert EvidenceFile.objects.get().sha256 != ""


def test_restricted_files_are_for_owners_and_editors_alone(
    assessment, owner, editor, viewer, collaborator
):
    soon = (timezone.localdate() + timedelta(days=30)).isoformat()
    post(
        client_for(owner),
        assessment,
        name="Case file.pdf",
        personal_data="yes",
        retention_until=soon,
    )
    evidence = EvidenceFile.objects.get()
    download = reverse("checklists:evidence-download", args=[evidence.pk])
    for who in (owner, editor):
        assert client_for(who).get(download).status_code == 200
        assert "Case file.pdf" in client_for(who).get(page(assessment)).content.decode()
    for who in (viewer, collaborator):
        assert client_for(who).get(download).status_code == 403
        assert "Case file.pdf" not in client_for(who).get(page(assessment)).content.decode()


def test_who_may_do_what(assessment, owner, editor, viewer, collaborator, outsider, evidence_root):
    post(client_for(owner), assessment)
    evidence = EvidenceFile.objects.get()
    download = reverse("checklists:evidence-download", args=[evidence.pk])
    delete = reverse("checklists:evidence-delete", args=[evidence.pk])
    assert client_for(outsider).get(page(assessment)).status_code == 404
    assert client_for(outsider).get(download).status_code == 404
    assert client_for(outsider).post(delete).status_code == 404
    assert post(client_for(outsider), assessment).status_code == 404
    assert client_for(collaborator).get(download).status_code == 200
    viewing = client_for(viewer)
    assert viewing.get(page(assessment)).status_code == 200
    assert 'type="file"' not in viewing.get(page(assessment)).content.decode()
    before = snapshot(evidence_root)
    assert post(viewing, assessment).status_code == 403
    assert viewing.post(delete).status_code == 403
    assert snapshot(evidence_root) == before
    assert client_for(viewer).get(download).status_code == 200
    # Someone who may edit a project's answers, but not this organisation's other projects.
    assert client_for(collaborator).post(delete).status_code == 302
    assert not EvidenceFile.objects.exists()


def test_deleting_removes_the_row_and_then_the_stored_object(
    assessment, editor, evidence_root, django_capture_on_commit_callbacks
):
    as_editor = client_for(editor)
    post(as_editor, assessment)
    evidence = EvidenceFile.objects.get()
    assert stored_objects(evidence_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_editor.post(reverse("checklists:evidence-delete", args=[evidence.pk]))
    assert response.status_code == 302
    assert not EvidenceFile.objects.exists()
    assert stored_objects(evidence_root) == []
    assert AuditEvent.objects.filter(kind="evidence.deleted").count() == 1
    download = reverse("checklists:evidence-download", args=[evidence.pk])
    assert as_editor.get(download).status_code == 404


def test_a_submitted_assessments_evidence_is_final(assessment, owner, evidence_root):
    post(client_for(owner), assessment)
    evidence = EvidenceFile.objects.get()
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    before = snapshot(evidence_root)
    as_owner = client_for(owner)
    assert post(as_owner, assessment, name="Late.pdf").status_code == 403
    assert (
        as_owner.post(reverse("checklists:evidence-delete", args=[evidence.pk])).status_code == 403
    )
    assert snapshot(evidence_root) == before
    assert (
        as_owner.get(reverse("checklists:evidence-download", args=[evidence.pk])).status_code == 200
    )


def test_a_failed_row_leaves_no_stored_object(assessment, owner, evidence_root, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("checklists.services.evidence.audit.record", broken)
    upload = SimpleUploadedFile("procedure.pdf", PDF)
    with pytest.raises(RuntimeError):
        evidence_upload(
            assessment=assessment,
            question_key="3.1",
            upload=upload,
            personal_data="no",
            retention_until=timezone.localdate() + timedelta(days=10),
            user=owner,
        )
    assert not EvidenceFile.objects.exists()
    assert stored_objects(evidence_root) == []


def test_an_unknown_question_is_404(assessment, owner):
    assert client_for(owner).get(page(assessment, "99.9")).status_code == 404


# --- Deletion dates: the trash, restoring, the purge and stray objects ----------------------


def uploaded(assessment, owner, days=10, personal_data="no", name="procedure.pdf"):
    return evidence_upload(
        assessment=assessment,
        question_key="3.1",
        upload=SimpleUploadedFile(name, PDF),
        personal_data=personal_data,
        retention_until=timezone.localdate() + timedelta(days=days),
        user=owner,
    )


def purge() -> str:
    out = io.StringIO()
    call_command("purge_expired_evidence", stdout=out)
    return out.getvalue()


def expire(evidence) -> None:
    """As if its deletion date had passed."""
    yesterday = timezone.localdate() - timedelta(days=1)
    EvidenceFile.objects.filter(pk=evidence.pk).update(retention_until=yesterday)


def age_in_trash(evidence, days=evidence_services.TRASH_DAYS + 1) -> None:
    EvidenceFile.objects.filter(pk=evidence.pk).update(
        trashed_at=timezone.now() - timedelta(days=days)
    )


def test_a_file_past_its_deletion_date_is_gone_at_once_then_trashed_then_purged(
    assessment, owner, viewer, evidence_root
):
    evidence = uploaded(assessment, owner, days=1)
    download = reverse("checklists:evidence-download", args=[evidence.pk])
    assert client_for(viewer).get(download).status_code == 200
    expire(evidence)
    # Before the daily job runs, the file is out of every list and download already.
    assert client_for(viewer).get(download).status_code == 404
    assert "procedure.pdf" not in client_for(viewer).get(page(assessment)).content.decode()
    # Its owners see it in the trash, where it can be restored.
    assert "In the trash" in client_for(owner).get(page(assessment)).content.decode()
    assert "moved to the trash: 1; purged: 0" in purge()
    assert stored_objects(evidence_root)
    assert "moved to the trash: 0; purged: 0" in purge()
    age_in_trash(evidence)
    assert "moved to the trash: 0; purged: 1" in purge()
    assert not EvidenceFile.objects.exists()
    assert stored_objects(evidence_root) == []
    tombstone = EvidenceTombstone.objects.get()
    assert tombstone.sha256 == evidence.sha256
    assert tombstone.reason == "retention"
    assert tombstone.size == len(PDF)
    kinds = list(
        AuditEvent.objects.filter(kind__startswith="evidence.")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "evidence.uploaded",
        "evidence.downloaded",
        "evidence.trashed",
        "evidence.purged",
    ]


def test_a_trashed_file_is_restored_with_a_new_date_by_an_owner_or_editor(
    assessment, owner, editor, viewer
):
    evidence = uploaded(assessment, owner, days=1)
    expire(evidence)
    purge()
    restore = reverse("checklists:evidence-restore", args=[evidence.pk])
    until = (timezone.localdate() + timedelta(days=100)).isoformat()
    assert client_for(viewer).post(restore, {"retention_until": until}).status_code == 403
    assert client_for(editor).post(restore, {"retention_until": until}).status_code == 302
    evidence.refresh_from_db()
    assert evidence.trashed_at is None
    assert evidence.retention_until.isoformat() == until
    assert "moved to the trash: 0; purged: 0" in purge()
    assert AuditEvent.objects.filter(kind="evidence.restored").count() == 1


def test_restoring_a_personal_data_file_keeps_its_90_day_cap(assessment, owner):
    evidence = uploaded(assessment, owner, days=1, personal_data="yes")
    expire(evidence)
    purge()
    restore = reverse("checklists:evidence-restore", args=[evidence.pk])
    too_late = (timezone.localdate() + timedelta(days=200)).isoformat()
    response = client_for(owner).post(restore, {"retention_until": too_late}, follow=True)
    assert "at the latest" in response.content.decode()
    client_for(owner).post(restore, {"retention_until": "not a date"})
    evidence.refresh_from_db()
    assert evidence.trashed_at is not None


def test_a_purge_stopped_half_way_is_finished_by_the_next_run(
    assessment, owner, evidence_root, monkeypatch
):
    evidence = uploaded(assessment, owner, days=1)
    expire(evidence)
    purge()
    age_in_trash(evidence)
    storage_class = type(evidence_services.evidence_storage())

    def stopped(self, name):
        raise OSError("the disk went away")

    # Stopped before the stored object could go: the row and the object are both still there.
    with monkeypatch.context() as patched:
        patched.setattr(storage_class, "delete", stopped)
        with pytest.raises(OSError, match="the disk went away"):
            purge()
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()
    assert len(stored_objects(evidence_root)) == 1

    # Stopped after the object went, before its row: the row is in the trash, never shown.
    real_delete = storage_class.delete

    def delete_then_stop(self, name):
        real_delete(self, name)
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(storage_class, "delete", delete_then_stop)
        with pytest.raises(KeyboardInterrupt):
            purge()
    assert stored_objects(evidence_root) == []
    assert EvidenceFile.objects.filter(pk=evidence.pk, trashed_at__isnull=False).exists()

    assert "purged: 1" in purge()
    assert not EvidenceFile.objects.exists()
    assert stored_objects(evidence_root) == []
    assert EvidenceTombstone.objects.count() == 1


def test_stray_stored_objects_are_swept_once_old_enough(assessment, owner, evidence_root):
    kept = uploaded(assessment, owner, days=30)
    stray = evidence_root / str(kept.organisation_id) / "left-behind"
    stray.write_bytes(b"an object whose row was deleted")
    assert "without a row deleted: 0" in purge()  # it may be an upload under way
    two_hours_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    os.utime(stray, (two_hours_ago, two_hours_ago))
    assert "without a row deleted: 1" in purge()
    assert not stray.exists()
    assert [p.name for p in stored_objects(evidence_root)] == [kept.stored_name.split("/")[1]]


def test_the_dry_run_changes_nothing(assessment, owner, evidence_root):
    expire(uploaded(assessment, owner, days=1))
    before = snapshot(evidence_root)
    out = io.StringIO()
    call_command("purge_expired_evidence", "--dry-run", stdout=out)
    assert "would move to the trash: 1; would purge: 0" in out.getvalue()
    assert snapshot(evidence_root) == before


def test_a_member_deleting_a_file_leaves_a_tombstone(
    assessment, editor, django_capture_on_commit_callbacks
):
    evidence = uploaded(assessment, editor)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(editor).post(reverse("checklists:evidence-delete", args=[evidence.pk]))
    tombstone = EvidenceTombstone.objects.get()
    assert (tombstone.reason, tombstone.deleted_by) == ("deleted", editor)
    assert tombstone.sha256 == evidence.sha256


# --- Reports and exports list files, never their content ------------------------------------


def test_the_report_and_the_json_export_list_files_without_their_content(assessment, owner):
    uploaded(assessment, owner, name="procedure.pdf")
    uploaded(assessment, owner, name="Case of Jane.pdf", personal_data="yes")
    as_owner = client_for(owner)
    report = as_owner.get(reverse("checklists:assessment-report", args=[assessment.pk])).text
    assert "Evidence files" in report
    assert "procedure.pdf" in report
    assert hashlib.sha256(PDF).hexdigest() in report
    assert "Case of Jane" not in report  # a restricted file's name is never printed
    assert "Restricted: may contain personal data" in report
    exported = as_owner.get(
        reverse("checklists:assessment-export", args=[assessment.pk, "json"])
    ).json()
    files = exported["evidence_files"]
    assert [(f["question"], f["name"], f["restricted"]) for f in files] == [
        ("3.1", "procedure.pdf", False),
        ("3.1", None, True),
    ]
    assert files[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert "%PDF" not in json.dumps(exported["evidence_files"])


def test_a_submitted_report_keeps_its_hash_and_says_when_a_file_was_purged(
    assessment, owner, evidence_root
):
    evidence = uploaded(assessment, owner, days=1)
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    submission = assessment.submission
    report_url = reverse("checklists:assessment-report", args=[assessment.pk])
    assert "procedure.pdf" in client_for(owner).get(report_url).text
    expire(evidence)
    purge()
    age_in_trash(evidence)
    purge()
    assert stored_objects(evidence_root) == []
    report = client_for(owner).get(report_url)
    assert report.context["integrity_hash"] == submission.integrity_hash
    text = report.text
    assert "procedure.pdf" in text
    assert f"Evidence purged on {timezone.localdate():%-d %B %Y}" in text
    verify = reverse("checklists:assessment-verify", args=[assessment.pk])
    checked = client_for(owner).get(verify, {"hash": submission.integrity_hash[:16]})
    assert checked.context["outcome"] == "match"


def test_the_report_costs_the_same_with_many_files(assessment, owner, django_assert_num_queries):
    report_url = reverse("checklists:assessment-report", args=[assessment.pk])
    as_owner = client_for(owner)
    as_owner.get(report_url)
    with django_assert_num_queries(6):
        as_owner.get(report_url)
    for n in range(6):
        uploaded(assessment, owner, name=f"record-{n}.pdf")
    with django_assert_num_queries(6):
        assert "record-5.pdf" in as_owner.get(report_url).text


# --- Through a share: full detail only, never a restricted file -----------------------------


@pytest.fixture
def funder():
    fatima = person("fatima@fund.example", "Fatima Funder")
    services.organisation_create(name="Open Voices Fund", kind="funder", owner=fatima)
    return fatima


def shared_with(assessment, owner, funder, detail, sections=()):
    offered = sharing_services.share_offer(
        submission=assessment.submission,
        email=funder.email,
        detail=detail,
        sections=list(sections),
        role="viewer",
        follows_later=False,
        expires_at=timezone.now() + timedelta(days=30),
        message="",
        user=owner,
        site=SITE,
    )
    return sharing_services.share_accept(
        share=offered, organisation=funder.memberships.get().organisation, user=funder, site=SITE
    )


def test_a_full_share_lists_and_serves_files_but_never_a_restricted_one(assessment, owner, funder):
    kept = uploaded(assessment, owner, name="procedure.pdf")
    secret = uploaded(assessment, owner, name="Case of Jane.pdf", personal_data="yes")
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    share = shared_with(assessment, owner, funder, "full")
    as_funder = client_for(funder)
    page_html = as_funder.get(reverse("checklists:shared", args=[share.pk])).text
    assert "procedure.pdf" in page_html
    assert "Case of Jane" not in page_html
    download = reverse("checklists:shared-evidence", args=[share.pk, kept.pk])
    response = as_funder.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Security-Policy"] == "sandbox"
    event = AuditEvent.objects.filter(kind="evidence.downloaded").get()
    assert (event.organisation_id, event.data["share"]) == (kept.organisation_id, share.pk)
    restricted = reverse("checklists:shared-evidence", args=[share.pk, secret.pk])
    assert as_funder.get(restricted).status_code == 404
    # Revoked: gone on the very next request.
    sharing_services.share_end(share=share, user=owner, site=SITE)
    assert as_funder.get(download).status_code == 404


def test_below_full_detail_no_file_is_shared(assessment, owner, funder):
    kept = uploaded(assessment, owner, name="procedure.pdf")
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    share = shared_with(assessment, owner, funder, "sections", ["3"])
    as_funder = client_for(funder)
    assert "procedure.pdf" not in as_funder.get(reverse("checklists:shared", args=[share.pk])).text
    download = reverse("checklists:shared-evidence", args=[share.pk, kept.pk])
    assert as_funder.get(download).status_code == 404


def test_a_file_of_another_assessment_is_not_served_through_a_share(
    assessment, owner, funder, project, checklist
):
    uploaded(assessment, owner, name="procedure.pdf")
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    share = shared_with(assessment, owner, funder, "full")
    other = services.assessment_start(
        project=project, checklist=checklist, title="Draft", started_by=owner
    )
    elsewhere = uploaded(other, owner, name="draft notes.pdf")
    download = reverse("checklists:shared-evidence", args=[share.pk, elsewhere.pk])
    assert client_for(funder).get(download).status_code == 404
    assert client_for(owner).get(download).status_code == 404


def test_the_files_page_costs_the_same_with_many_files(
    assessment, owner, django_assert_num_queries
):
    # 1. session, 2. user, 3. assessment with project, organisation and the user's role,
    # 4. the question's files in force, 5. those in the trash.
    as_owner = client_for(owner)
    as_owner.get(page(assessment))
    with django_assert_num_queries(5):
        as_owner.get(page(assessment))
    for n in range(5):
        uploaded(assessment, owner, name=f"record-{n}.pdf")
    with django_assert_num_queries(5):
        assert "record-4.pdf" in as_owner.get(page(assessment)).text


# --- The organisation's retention policy, and reminders to refresh ----------------------------


def test_the_upload_form_starts_from_the_organisations_policy_and_refuses_to_go_past_it(
    assessment, owner, organisation, evidence_root
):
    organisation.evidence_keep_days = 30
    organisation.save()
    as_owner = client_for(owner)
    in_30_days = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert f'value="{in_30_days}"' in as_owner.get(page(assessment)).content.decode()
    before = snapshot(evidence_root)
    in_31_days = (timezone.localdate() + timedelta(days=31)).isoformat()
    response = post(as_owner, assessment, retention_until=in_31_days)
    assert response.status_code == 400
    assert "Your organisation keeps evidence files until" in response.content.decode()
    assert snapshot(evidence_root) == before
    assert post(as_owner, assessment, retention_until=in_30_days).status_code == 302


def test_a_policy_shorter_than_90_days_also_caps_personal_data_files(
    assessment, owner, organisation
):
    organisation.evidence_keep_days = 20
    organisation.save()
    response = post(
        client_for(owner),
        assessment,
        personal_data="yes",
        retention_until=(timezone.localdate() + timedelta(days=21)).isoformat(),
    )
    assert response.status_code == 400
    assert not EvidenceFile.objects.exists()


def test_an_owner_sets_the_policy_within_the_sites_limit(organisation, owner, editor, settings):
    settings.EVIDENCE_RETENTION_DAYS = 400
    edit = reverse("checklists:organisation-edit", args=[organisation.pk])
    fields = {"name": organisation.name, "kind": organisation.kind}
    as_owner = client_for(owner)
    response = as_owner.post(edit, {**fields, "evidence_keep_days": "401"})
    assert response.status_code == 200
    assert "less than or equal to 400" in response.content.decode()
    assert as_owner.post(edit, {**fields, "evidence_keep_days": "0"}).status_code == 200
    organisation.refresh_from_db()
    assert organisation.evidence_keep_days == 365
    assert as_owner.post(edit, {**fields, "evidence_keep_days": "180"}).status_code == 302
    organisation.refresh_from_db()
    assert organisation.evidence_keep_days == 180
    event = AuditEvent.objects.filter(kind="organisation.changed").latest("pk")
    assert event.data["new"]["evidence_keep_days"] == 180
    assert client_for(editor).post(edit, {**fields, "evidence_keep_days": "1"}).status_code == 403
    organisation.refresh_from_db()
    assert organisation.evidence_keep_days == 180


def test_the_service_refuses_a_policy_past_the_sites_limit(organisation, owner, settings):
    from django.core.exceptions import ValidationError

    settings.EVIDENCE_RETENTION_DAYS = 400
    with pytest.raises(ValidationError):
        services.organisation_update(
            organisation=organisation,
            user=owner,
            name=organisation.name,
            kind=organisation.kind,
            evidence_keep_days=401,
        )
    organisation.refresh_from_db()
    assert organisation.evidence_keep_days == 365


def due_for_refresh(evidence, days_ago=0):
    EvidenceFile.objects.filter(pk=evidence.pk).update(
        stale_on=timezone.localdate() - timedelta(days=days_ago)
    )


def test_owners_and_editors_are_reminded_once_of_files_due_a_refresh(
    assessment, owner, editor, viewer, evidence_root
):
    from tests.conftest import sent_mail

    fresh = uploaded(assessment, owner, days=60, name="fresh.pdf")
    EvidenceFile.objects.filter(pk=fresh.pk).update(
        stale_on=timezone.localdate() + timedelta(days=1)
    )
    due = uploaded(assessment, owner, days=60, name="Consent script.pdf")
    private = uploaded(assessment, owner, days=60, personal_data="yes", name="Case of Ana.pdf")
    gone = uploaded(assessment, owner, days=60, name="expired.pdf")
    for evidence in (due, private, gone):
        due_for_refresh(evidence, days_ago=2)
    expire(gone)
    assert "Reminded of files due a refresh: 2;" in purge()
    [message] = [m for m in sent_mail() if "refreshed" in m["subject"]]
    assert sorted(message["to"]) == sorted([owner.email, editor.email])
    assert viewer.email not in message["to"]
    assert message["subject"] == "2 evidence files are due to be refreshed"
    assert "Consent script.pdf" in message["body"]
    assert "question 3.1" in message["body"]
    # A file that may hold personal data is named only by its kind outside the app.
    assert "Ana" not in message["body"]
    assert "A PDF file that may hold personal data" in (message["body"])
    assert "fresh.pdf" not in message["body"]
    assert "expired.pdf" not in message["body"]
    assert "Reminded of files due a refresh: 0;" in purge()
    assert len([m for m in sent_mail() if "refreshed" in m["subject"]]) == 1


def test_a_file_due_a_refresh_says_so_where_it_is_listed(assessment, owner, editor):
    due = uploaded(assessment, owner, days=60, name="Consent script.pdf")
    as_editor = client_for(editor)
    assert "out of date since" not in as_editor.get(page(assessment)).content.decode()
    due_for_refresh(due)
    text = as_editor.get(page(assessment)).content.decode()
    assert "out of date since" in text
    assert "attach a newer version" in text
    section = reverse("checklists:assessment-section", args=[assessment.pk, "3"])
    assert "(out of date)" in as_editor.get(section).content.decode()
