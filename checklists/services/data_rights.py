"""An organisation's rights over its data: taking all of it out in one archive, and having
all of it deleted.

An owner asks; a task builds the archive (build_data_export, run by `manage.py db_worker`),
saying how far it has got as it goes; owners download it for KEPT_FOR; the daily job deletes it
then (data_export_purge_expired). Each step is an event of the organisation's audit trail.

Deleting: an owner types the organisation's name; its shares to others end at once; after
DELETION_GRACE, unless an owner cancels, organisation_purge_due (daily) deletes every row and
stored file of it, its audit trail included.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tasks import task

from .. import audit
from ..models import (
    Action,
    Answer,
    Assessment,
    AuditEvent,
    Cohort,
    CohortMilestone,
    Comment,
    CommentThread,
    DataExport,
    EvidenceFile,
    EvidenceTombstone,
    Invitation,
    Membership,
    Organisation,
    Project,
    ProjectUserObjectPermission,
    ReviewMark,
    ReviewRound,
    Share,
    ShareRequest,
    Submission,
    User,
)
from ..stored_objects import sweep_unnamed
from .mail import notify

logger = logging.getLogger(__name__)
Kind = AuditEvent.Kind
Status = DataExport.Status
CHUNK = 1024 * 1024
# An archive is saved before its row names it; one younger than this may be a build finishing.
BUILD_GRACE = timedelta(hours=1)


def exports_storage():
    return storages["exports"]


def data_export_request(*, organisation: Organisation, user: User) -> DataExport:
    """Queue the building of an archive of all the organisation's data; while one is being
    built, return that one rather than start another."""
    try:
        with transaction.atomic():
            export = DataExport.objects.create(organisation=organisation, requested_by=user)
            audit.record(
                Kind.DATA_EXPORT_REQUESTED,
                organisation=organisation,
                actor=user,
                data={"export": export.pk},
            )
            # The task's row is written in this transaction: no archive is asked for without
            # a task to build it, nor a task for an archive nobody asked for.
            build_data_export.enqueue(export.pk)
    except IntegrityError:
        # Someone asked at the same moment (one_export_in_progress): theirs is being built.
        return DataExport.objects.get(
            organisation=organisation, status__in=(Status.QUEUED, Status.BUILDING)
        )
    return export


@task()
def build_data_export(export_id: int) -> None:
    data_export_build(export_id)


def data_export_build(export_id: int) -> None:
    """Build the archive. A build whose worker died is started again from the beginning when
    its task is queued again (task_queue.py); the row says BUILDING meanwhile."""
    claimed = DataExport.objects.filter(
        pk=export_id, status__in=(Status.QUEUED, Status.BUILDING)
    ).update(status=Status.BUILDING, done=0)
    if not claimed:
        return  # built, failed or deleted since it was asked for
    export = DataExport.objects.select_related("organisation").get(pk=export_id)
    try:
        with tempfile.TemporaryFile() as archive:
            _write_archive(export, archive)
            digest, size = _digest(archive)
            stored = exports_storage().save(
                f"{export.organisation_id}/{secrets.token_urlsafe(24)}.zip", File(archive)
            )
    except Exception:
        logger.exception("The archive of organisation %s failed.", export.organisation_id)
        DataExport.objects.filter(pk=export_id).update(
            status=Status.FAILED, finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    finished = DataExport.objects.filter(pk=export_id, status=Status.BUILDING).update(
        status=Status.READY,
        stored_name=stored,
        size=size,
        sha256=digest,
        finished_at=now,
        expires_at=now + DataExport.KEPT_FOR,
    )
    if not finished:
        # The organisation was deleted while its archive was built: keep nothing of it.
        exports_storage().delete(stored)


def _digest(archive) -> tuple[str, int]:
    archive.seek(0)
    sha = hashlib.sha256()
    size = 0
    while chunk := archive.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    archive.seek(0)
    return sha.hexdigest(), size


def _rows(queryset, *, exclude: Iterable[str] = ()) -> list[dict]:
    """Every column of every row, as stored: an export of everything hides nothing of the
    organisation's own data. Only what would let someone act as another (token hashes) and
    where files lie on the server are left out."""
    fields = [
        f.attname for f in queryset.model._meta.concrete_fields if f.attname not in set(exclude)
    ]
    return list(queryset.order_by("pk").values(*fields))


def organisation_records(organisation: Organisation) -> dict[str, list[dict]]:
    """All of the organisation's rows, table by table."""
    projects = Project.objects.filter(organisation=organisation)
    assessments = Assessment.objects.filter(project__organisation=organisation)
    # Shares it gave and shares it received: both sides see them, reviews and comments too.
    shares = Share.objects.filter(Q(project__organisation=organisation) | Q(recipient=organisation))
    members = Membership.objects.filter(organisation=organisation).select_related("user")
    grants = ProjectUserObjectPermission.objects.filter(content_object__organisation=organisation)
    return {
        "organisation": _rows(Organisation.objects.filter(pk=organisation.pk)),
        "members": [
            {
                "name": m.user.name,
                "email": m.user.email,
                "role": m.role,
                "member_since": m.created_at,
            }
            for m in members.order_by("pk")
        ],
        "invitations": _rows(
            Invitation.objects.filter(Q(organisation=organisation) | Q(project__in=projects)),
            exclude=["token_hash"],
        ),
        "collaborators": [
            {
                "project_id": grant.content_object_id,
                "name": grant.user.name,
                "email": grant.user.email,
                "permission": grant.permission.codename,
            }
            for grant in grants.select_related("user", "permission").order_by("pk")
        ],
        "projects": _rows(projects),
        "assessments": _rows(assessments),
        "answers": _rows(Answer.objects.filter(assessment__in=assessments)),
        "actions": _rows(Action.objects.filter(assessment__in=assessments)),
        "submissions": _rows(Submission.objects.filter(project__organisation=organisation)),
        "evidence_files": _rows(
            EvidenceFile.objects.filter(organisation=organisation), exclude=["stored_name"]
        ),
        "evidence_tombstones": _rows(EvidenceTombstone.objects.filter(organisation=organisation)),
        "shares": _rows(shares),
        "share_requests": _rows(
            ShareRequest.objects.filter(Q(requester=organisation) | Q(share__in=shares))
        ),
        "cohorts": _rows(Cohort.objects.filter(funder=organisation)),
        "cohort_milestones": _rows(CohortMilestone.objects.filter(cohort__funder=organisation)),
        "review_rounds": _rows(ReviewRound.objects.filter(share__in=shares)),
        "review_marks": _rows(ReviewMark.objects.filter(round__share__in=shares)),
        "comment_threads": _rows(CommentThread.objects.filter(share__in=shares)),
        "comments": _rows(Comment.objects.filter(thread__share__in=shares)),
    }


def _json(data) -> bytes:
    return (json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n").encode()


def _readme(organisation: Organisation, when) -> str:
    return _(
        "All the data of %(name)s in westcheck, as it was on %(when)s.\n\n"
        "organisation.json   every table of the organisation's data: members, projects,\n"
        "                    assessments, answers, actions, submissions, evidence files'\n"
        "                    details, shares given and received, requests, cohorts, reviews\n"
        "                    and comments\n"
        "audit-trail.json    the organisation's audit trail, each event with its hash\n"
        "assessments/        each assessment as westcheck's assessment file (it can be\n"
        "                    imported again) and its readiness report as PDF\n"
        "evidence/           the evidence files, including those that may hold personal\n"
        "                    data: keep this archive as safely as you keep them\n"
    ) % {"name": organisation.name, "when": when.strftime("%Y-%m-%d %H:%M UTC")}


def _write_archive(export: DataExport, archive) -> None:
    from ..data_exchange import assessment_json
    from ..reports import assessment_report_pdf
    from ..selectors import assessment_state
    from .evidence import evidence_storage

    organisation = export.organisation
    assessments = list(
        Assessment.objects.filter(project__organisation=organisation)
        .select_related("project__organisation", "checklist")
        .order_by("pk")
    )
    files = list(
        EvidenceFile.objects.filter(organisation=organisation, trashed_at__isnull=True).order_by(
            "pk"
        )
    )
    total = 2 + 2 * len(assessments) + len(files)
    DataExport.objects.filter(pk=export.pk).update(total=total)
    done = 0

    def step():
        nonlocal done
        done += 1
        DataExport.objects.filter(pk=export.pk).update(done=done)

    now = timezone.now()
    folder = f"westcheck-{slugify(organisation.name) or organisation.pk}-{now:%Y-%m-%d}"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"{folder}/README.txt", _readme(organisation, now))
        zipped.writestr(f"{folder}/organisation.json", _json(organisation_records(organisation)))
        step()
        events = AuditEvent.objects.filter(organisation=organisation)
        zipped.writestr(f"{folder}/audit-trail.json", _json(_rows(events)))
        step()
        for assessment in assessments:
            name = (
                f"{folder}/assessments/{assessment.pk}-{slugify(assessment.title) or 'assessment'}"
            )
            state = assessment_state(assessment)
            zipped.writestr(f"{name}.json", assessment_json(state))
            step()
            zipped.writestr(f"{name}.pdf", assessment_report_pdf(assessment))
            step()
        storage = evidence_storage()
        for file in files:
            target = f"{folder}/evidence/{file.pk}-{file.name}"
            try:
                with (
                    storage.open(file.stored_name, "rb") as source,
                    zipped.open(target, "w") as out,
                ):
                    while chunk := source.read(CHUNK):
                        out.write(chunk)
            except FileNotFoundError:
                logger.warning("Evidence file %s has no stored object.", file.pk)
            step()


def data_export_downloaded(*, export: DataExport, user: User) -> None:
    audit.record(
        Kind.DATA_EXPORT_DOWNLOADED,
        organisation=export.organisation_id,
        actor=user,
        data={"export": export.pk, "sha256": export.sha256},
    )


def data_export_purge_expired(*, now=None) -> int:
    """Delete the archives past their seven days; return how many. The row stays, saying
    when the archive was made and that it is gone."""
    now = now or timezone.now()
    purged = 0
    for export in list(DataExport.objects.filter(status=Status.READY, expires_at__lte=now)):
        # The row first: from then on nothing offers the archive. An object left behind by a
        # failure in between is deleted by data_export_sweep.
        if DataExport.objects.filter(pk=export.pk, status=Status.READY).update(
            status=Status.EXPIRED, stored_name=""
        ):
            exports_storage().delete(export.stored_name)
            purged += 1
    return purged


def data_export_sweep(*, now=None) -> int:
    """Delete stored archives that no row names (a build or a purge stopped half way), once
    older than a build takes; return how many."""
    now = now or timezone.now()

    def named(names: list[str]) -> set[str]:
        return set(
            DataExport.objects.filter(stored_name__in=names).values_list("stored_name", flat=True)
        )

    return sweep_unnamed(exports_storage(), named, older_than=now - BUILD_GRACE)


# --- Deleting everything ------------------------------------------------------------------------

# Between an owner's request and the purge: long enough to notice a mistake, or a malicious
# owner, and cancel; short enough that "delete" means deleted.
DELETION_GRACE = timedelta(days=7)


def _members(organisation: Organisation) -> list[str]:
    return list(
        User.objects.filter(memberships__organisation=organisation, is_active=True).values_list(
            "email", flat=True
        )
    )


def organisation_deletion_schedule(
    *, organisation: Organisation, user: User, typed_name: str, site: str
) -> Organisation:
    """Ask for everything of the organisation to be deleted after DELETION_GRACE. Everything it
    shares with others ends at once, and what it asked others for is withdrawn: recipients see
    that the owner withdrew it. ValidationError when the name typed is not the organisation's."""
    from .sharing import share_end

    if typed_name.strip() != organisation.name.strip():
        raise ValidationError(
            {"name": _("Type the organisation's name exactly as it is shown, to confirm.")}
        )
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.deletion_due_at is not None:
            raise ValidationError(_("This organisation is already to be deleted."))
        now = timezone.now()
        locked.deletion_due_at = now + DELETION_GRACE
        locked.deletion_requested_by = user
        locked.save(update_fields=["deletion_due_at", "deletion_requested_by"])
        given = Share.objects.filter(
            project__organisation=locked, status__in=(Share.Status.ACTIVE, Share.Status.OFFERED)
        )
        for share in given.select_related("project__organisation", "submission__assessment"):
            share_end(share=share, user=user, site=site, end_reason=Share.EndReason.OWNER_DELETED)
        ShareRequest.objects.filter(requester=locked, status=ShareRequest.Status.WAITING).update(
            status=ShareRequest.Status.WITHDRAWN, decided_by=user, decided_at=now
        )
        audit.record(
            Kind.DELETION_SCHEDULED,
            organisation=locked,
            actor=user,
            data={"due": locked.deletion_due_at.isoformat()},
        )
        notify(
            "organisation_deletion",
            _members(locked),
            {"organisation": locked, "by": user, "due": locked.deletion_due_at},
        )
    organisation.deletion_due_at = locked.deletion_due_at
    organisation.deletion_requested_by = user
    return organisation


@transaction.atomic
def organisation_deletion_cancel(*, organisation: Organisation, user: User) -> None:
    """Keep the organisation after all. What was shared stays ended: sharing again is a new
    consent."""
    if not Organisation.objects.filter(
        pk=organisation.pk, deletion_due_at__gt=timezone.now()
    ).update(deletion_due_at=None, deletion_requested_by=None):
        raise ValidationError(
            _("This organisation is not to be deleted, or no longer can be kept.")
        )
    organisation.deletion_due_at = organisation.deletion_requested_by = None
    audit.record(Kind.DELETION_CANCELLED, organisation=organisation, actor=user)


def organisation_purge_due(*, now=None) -> int:
    """Delete every organisation whose grace period is over: every row, and then every stored
    file; return how many organisations.

    The rows go in one transaction (the audit trail's guard lifted for it alone); the stored
    objects after it commits. A process stopped in between leaves objects that no row names,
    which the evidence and archive sweeps delete."""
    from .evidence import evidence_storage

    now = now or timezone.now()
    purged = 0
    for pk in list(
        Organisation.objects.filter(deletion_due_at__lte=now).values_list("pk", flat=True)
    ):
        with audit.erasure(f"organisation {pk} deleted at its owners' request"):
            organisation = (
                Organisation.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, deletion_due_at__lte=now)
                .first()
            )
            if organisation is None:
                continue  # cancelled, or being purged by another run
            AuditEvent.objects.filter(organisation=organisation).delete()
            organisation.delete()
        # Every object the organisation stored is in its folder (its id), whether a row still
        # named it or not: an object a failed deletion left behind goes too.
        for storage in (evidence_storage(), exports_storage()):
            _delete_folder(storage, str(pk))
        logger.info("Organisation %s deleted at its owners' request.", pk)
        purged += 1
    return purged


def _delete_folder(storage, folder: str) -> None:
    try:
        _folders, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        storage.delete(f"{folder}/{name}")
