"""Evidence files: attaching one to an answer, and deleting it.

The upload is checked by its content first (evidence_files.inspect); what is stored is the upload,
or the image encoded again without its metadata, under a random name in the "evidence" storage.
The stored object and its row come and go together: the object is written before the row and
deleted if the row cannot be written; the row is deleted before the object. Any failure in
between leaves at most an object that no row names, never a row that names no object.

Files can be added and deleted while the assessment is a draft: a submission is what was
submitted, evidence included.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..catalog import catalog
from ..evidence_files import FileRefused, inspect
from ..models import (
    Assessment,
    AuditEvent,
    EvidenceFile,
    EvidenceTombstone,
    Membership,
    Organisation,
    User,
)
from ..stored_objects import sweep_unnamed
from .mail import notify

Kind = AuditEvent.Kind
PersonalData = EvidenceFile.PersonalData


def evidence_storage():
    return storages["evidence"]


def _final() -> PermissionDenied:
    return PermissionDenied(_("This assessment has been submitted: its evidence is final."))


def _lock_draft(assessment_pk: int) -> None:
    """Lock the assessment's row, as submitting does, and refuse if it is no longer a draft:
    a file lands or goes before a submission freezes the list of files, or not at all."""
    if (
        not Assessment.objects.select_for_update()
        .filter(pk=assessment_pk, status=Assessment.Status.DRAFT)
        .exists()
    ):
        raise _final()


def retention_limit(personal_data: str, today: date, keep_days: int) -> date:
    """The latest day a file may be kept until, under its organisation's policy (`keep_days`)
    and the site's limits: sooner when it holds, or may hold, personal data."""
    days = min(keep_days, settings.EVIDENCE_RETENTION_DAYS)
    if personal_data != PersonalData.NO:
        days = min(days, settings.EVIDENCE_RESTRICTED_DAYS)
    return today + timedelta(days=days)


def retention_default(organisation: Organisation, today: date) -> date:
    """The deletion date an upload form starts from: the organisation's policy."""
    return retention_limit(PersonalData.NO, today, organisation.evidence_keep_days)


def _check_dates(
    *,
    keep_days: int,
    personal_data: str,
    retention_until: date | None,
    about_from: date | None,
    about_until: date | None,
    stale_on: date | None,
) -> dict[str, str]:
    errors = {}
    today = timezone.localdate()
    if personal_data not in PersonalData.values:
        errors["personal_data"] = _("Say whether the file contains personal data.")
    if retention_until is None:
        errors["retention_until"] = _("Say when the file must be deleted.")
    elif retention_until <= today:
        errors["retention_until"] = _("The day to delete the file must be after today.")
    elif personal_data in PersonalData.values and retention_until > (
        limit := retention_limit(personal_data, today, keep_days)
    ):
        errors["retention_until"] = (
            _(
                "A file that contains, or may contain, personal data is kept until %(date)s at "
                "the latest."
            )
            if personal_data != PersonalData.NO
            else _("Your organisation keeps evidence files until %(date)s at the latest.")
        ) % {"date": limit.isoformat()}
    if about_from and about_until and about_from > about_until:
        errors["about_until"] = _("The period ends before it starts.")
    if stale_on and retention_until and stale_on > retention_until:
        errors["stale_on"] = _("The file is deleted before then: choose an earlier day.")
    return errors


def evidence_upload(
    *,
    assessment: Assessment,
    question_key: str,
    upload: File,
    personal_data: str,
    retention_until: date | None,
    user: User,
    about_from: date | None = None,
    about_until: date | None = None,
    stale_on: date | None = None,
) -> EvidenceFile:
    """Attach a file to the assessment's answer to one question; ValidationError (by field)
    when the file or the dates are refused, with nothing stored."""
    if assessment.is_submitted:
        raise _final()
    question = next((q for q in catalog(assessment.checklist).questions if q.key == question_key), None)  # fmt: skip
    if question is None:
        raise ValidationError({"question": _("This checklist has no such question.")})
    errors = _check_dates(
        keep_days=assessment.project.organisation.evidence_keep_days,
        personal_data=personal_data,
        retention_until=retention_until,
        about_from=about_from,
        about_until=about_until,
        stale_on=stale_on,
    )
    if errors:
        raise ValidationError(errors)
    try:
        found = inspect(upload, getattr(upload, "name", ""), settings.EVIDENCE_MAX_BYTES)
    except FileRefused as refused:
        raise ValidationError({"file": str(refused)}) from None

    storage = evidence_storage()
    organisation_id = assessment.project.organisation_id
    # The stored name says nothing of the file: an organisation's folder and random letters.
    stored = storage.save(
        f"{organisation_id}/{secrets.token_urlsafe(24)}",
        ContentFile(found.replacement) if found.replacement is not None else upload,
    )
    try:
        with transaction.atomic():
            _lock_draft(assessment.pk)
            # One upload at a time per organisation, so that two at once cannot both take the
            # last of the quota.
            Organisation.objects.select_for_update().filter(pk=organisation_id).first()
            used = (
                EvidenceFile.objects.filter(organisation_id=organisation_id).aggregate(
                    total=Sum("size")
                )["total"]
                or 0
            )
            if used + found.size > settings.EVIDENCE_QUOTA_BYTES:
                raise ValidationError(
                    {
                        "file": _(
                            "Your organisation's evidence files would take more than its "
                            "%(quota)s. Delete files you no longer need first."
                        )
                        % {"quota": _size(settings.EVIDENCE_QUOTA_BYTES)}
                    }
                )
            evidence = EvidenceFile.objects.create(
                organisation_id=organisation_id,
                assessment=assessment,
                question_id=question.pk,
                name=found.name,
                kind=found.kind.key,
                content_type=found.kind.content_type,
                size=found.size,
                sha256=found.sha256,
                stored_name=stored,
                personal_data=personal_data,
                about_from=about_from,
                about_until=about_until,
                stale_on=stale_on,
                retention_until=retention_until,
                uploaded_by=user,
            )
            audit.record(
                Kind.EVIDENCE_UPLOADED,
                organisation=organisation_id,
                actor=user,
                project=assessment.project_id,
                assessment=assessment,
                data={
                    "file": evidence.pk,
                    "question": question.key,
                    "name": evidence.name,
                    "sha256": evidence.sha256,
                    "size": evidence.size,
                    "restricted": evidence.restricted,
                },
            )
    except BaseException:
        storage.delete(stored)
        raise
    return evidence


def _size(count: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(count))


def evidence_downloaded(*, evidence: EvidenceFile, user: User, share=None) -> None:
    """An event of the owner organisation's trail, saying which share it came through, if
    any: the owners see who downloaded their files."""
    data = {"file": evidence.pk, "name": evidence.name, "sha256": evidence.sha256}
    if share is not None:
        data.update(share=share.pk, recipient=share.recipient.name if share.recipient else "")
    audit.record(
        Kind.EVIDENCE_DOWNLOADED,
        organisation=evidence.organisation_id,
        actor=user,
        project=evidence.assessment.project_id,
        assessment=evidence.assessment,
        data=data,
    )


def _tombstone(evidence: EvidenceFile, *, reason: str, user: User | None) -> None:
    EvidenceTombstone.objects.get_or_create(
        file_id=evidence.pk,
        defaults={
            "organisation_id": evidence.organisation_id,
            "assessment_id": evidence.assessment_id,
            "question_id": evidence.question_id,
            "kind": evidence.kind,
            "size": evidence.size,
            "sha256": evidence.sha256,
            "uploaded_at": evidence.uploaded_at,
            "deleted_at": timezone.now(),
            "deleted_by": user,
            "reason": reason,
        },
    )


def evidence_delete(*, evidence: EvidenceFile, user: User) -> None:
    """Delete the file: its row (leaving a tombstone) and audit event first, then the stored
    object once that is committed. A process that dies in between leaves an object no row
    names, which evidence_sweep deletes."""
    if evidence.assessment.is_submitted:
        raise _final()
    stored = evidence.stored_name
    with transaction.atomic():
        _lock_draft(evidence.assessment_id)
        _tombstone(evidence, reason=EvidenceTombstone.Reason.DELETED, user=user)
        deleted, _rows = EvidenceFile.objects.filter(pk=evidence.pk).delete()
        if not deleted:  # deleted by someone else a moment ago: nothing left to do
            transaction.set_rollback(True)
            return
        audit.record(
            Kind.EVIDENCE_DELETED,
            organisation=evidence.organisation_id,
            actor=user,
            project=evidence.assessment.project_id,
            assessment=evidence.assessment,
            data={"file": evidence.pk, "name": evidence.name, "sha256": evidence.sha256},
        )
        transaction.on_commit(lambda: evidence_storage().delete(stored))


# How long a file stays in the trash, restorable, before it is purged.
TRASH_DAYS = 7


def evidence_remind_stale(*, today: date | None = None) -> int:
    """Tell each organisation's owners and editors, once, which of its files in force have
    reached their refresh date; return how many files they were told of.

    Each file is marked in the transaction that queues its e-mail, and only where no run has
    marked it yet, so two runs at once, on any machines, tell nobody twice."""
    today = today or timezone.localdate()
    due = EvidenceFile.objects.live().filter(stale_on__lte=today, stale_reminded_at__isnull=True)
    told = 0
    for organisation_id in list(due.values_list("organisation_id", flat=True).distinct()):
        with transaction.atomic():
            files = list(
                due.filter(organisation_id=organisation_id)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("assessment__project", "question")
                .order_by("assessment_id", "question__position", "pk")
            )
            if not files:
                continue
            EvidenceFile.objects.filter(pk__in=[f.pk for f in files]).update(
                stale_reminded_at=timezone.now()
            )
            people = User.objects.filter(
                is_active=True,
                memberships__organisation=organisation_id,
                memberships__role__in=(Membership.Role.OWNER, Membership.Role.EDITOR),
            ).values_list("email", flat=True)
            # Restricted files are named only by their kind: an e-mail is read outside the app.
            notify("evidence_stale", list(people), {"files": files})
            told += len(files)
    return told


# A stored object that no row names is left alone this long: its upload may be under way.
ORPHAN_GRACE = timedelta(hours=1)


def evidence_trash_expired(*, today: date | None = None) -> int:
    """Move every file whose deletion date has passed to the trash; return how many."""
    today = today or timezone.localdate()
    moved = 0
    expired = EvidenceFile.objects.filter(trashed_at__isnull=True, retention_until__lt=today)
    for pk in list(expired.values_list("pk", flat=True)):
        with transaction.atomic():
            evidence = (
                EvidenceFile.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, trashed_at__isnull=True)
                .select_related("assessment")
                .first()
            )
            if evidence is None:
                continue
            evidence.trashed_at = timezone.now()
            evidence.save(update_fields=["trashed_at"])
            audit.record(
                Kind.EVIDENCE_TRASHED,
                organisation=evidence.organisation_id,
                actor=None,
                project=evidence.assessment.project_id,
                assessment=evidence.assessment,
                data={"file": evidence.pk, "name": evidence.name, "sha256": evidence.sha256},
            )
            moved += 1
    return moved


def evidence_restore(*, evidence: EvidenceFile, retention_until: date | None, user: User) -> None:
    """Take a file out of the trash (or off its way there) with a new deletion date."""
    errors = _check_dates(
        keep_days=evidence.organisation.evidence_keep_days,
        personal_data=evidence.personal_data,
        retention_until=retention_until,
        about_from=None,
        about_until=None,
        stale_on=None,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = EvidenceFile.objects.filter(pk=evidence.pk).update(
            trashed_at=None, retention_until=retention_until
        )
        if not updated:
            return
        audit.record(
            Kind.EVIDENCE_RESTORED,
            organisation=evidence.organisation_id,
            actor=user,
            project=evidence.assessment.project_id,
            assessment=evidence.assessment,
            data={"file": evidence.pk, "name": evidence.name, "until": retention_until.isoformat()},
        )


def evidence_purge_trash(*, now=None) -> int:
    """Purge the files in the trash for TRASH_DAYS: each gets its tombstone, then its stored
    object goes, then its row. Stopped anywhere, a later run finishes the job: a row whose
    object is gone is in the trash, never shown, and is deleted next time."""
    now = now or timezone.now()
    storage = evidence_storage()
    purged = 0
    due = EvidenceFile.objects.filter(trashed_at__lte=now - timedelta(days=TRASH_DAYS))
    for pk in list(due.values_list("pk", flat=True)):
        evidence = EvidenceFile.objects.filter(pk=pk).select_related("assessment").first()
        if evidence is None:
            continue
        with transaction.atomic():
            _tombstone(evidence, reason=EvidenceTombstone.Reason.RETENTION, user=None)
        storage.delete(evidence.stored_name)
        with transaction.atomic():
            if EvidenceFile.objects.filter(pk=pk).delete()[0]:
                audit.record(
                    Kind.EVIDENCE_PURGED,
                    organisation=evidence.organisation_id,
                    actor=None,
                    project=evidence.assessment.project_id,
                    assessment=evidence.assessment,
                    data={"file": pk, "sha256": evidence.sha256, "size": evidence.size},
                )
                purged += 1
    return purged


def evidence_sweep(*, now=None) -> int:
    """Delete stored objects that no row names (left by a process stopped between deleting a
    row and its object), once they are older than ORPHAN_GRACE; return how many."""
    now = now or timezone.now()

    def named(names: list[str]) -> set[str]:
        return set(
            EvidenceFile.objects.filter(stored_name__in=names).values_list("stored_name", flat=True)
        )

    return sweep_unnamed(evidence_storage(), named, older_than=now - ORPHAN_GRACE)
