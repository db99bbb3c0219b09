"""Organisations and their projects."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..models import Assessment, AuditEvent, Membership, Organisation, Project, User

Kind = AuditEvent.Kind


@transaction.atomic
def organisation_create(*, name: str, kind: str, owner: User) -> Organisation:
    organisation = Organisation(name=name, kind=kind)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, user=owner, role=Membership.Role.OWNER)
    audit.record(
        Kind.ORGANISATION_CREATED,
        organisation=organisation,
        actor=owner,
        data={"name": name, "kind": kind},
    )
    return organisation


def _stored(instance, *fields: str) -> dict:
    """The values as the database holds them. Not the instance's: a ModelForm bound to it has
    already set the new values on it by the time a view calls the service."""
    return type(instance).objects.filter(pk=instance.pk).values(*fields).get()


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    user: User,
    name: str,
    kind: str,
    evidence_keep_days: int | None = None,
) -> Organisation:
    """Rename the organisation, change its kind or its evidence retention policy (owners only:
    see access.py)."""
    fields = ["name", "kind", "evidence_keep_days"]
    before = _stored(organisation, *fields)
    if evidence_keep_days is None:
        evidence_keep_days = before["evidence_keep_days"]
    if evidence_keep_days > settings.EVIDENCE_RETENTION_DAYS:
        raise ValidationError(
            {
                "evidence_keep_days": _("This site keeps evidence files for %(days)d days at most.")
                % {"days": settings.EVIDENCE_RETENTION_DAYS}
            }
        )
    organisation.name, organisation.kind = name, kind
    organisation.evidence_keep_days = evidence_keep_days
    organisation.full_clean()
    after = {"name": name, "kind": kind, "evidence_keep_days": evidence_keep_days}
    if after != before:
        organisation.save(update_fields=fields)
        audit.record(
            Kind.ORGANISATION_CHANGED,
            organisation=organisation,
            actor=user,
            data={"old": before, "new": after},
        )
    return organisation


PROJECT_FIELDS = (
    "name",
    "description",
    "countries",
    "sector",
    "channels",
    "migrant_workers",
    "minorities_present",
    "women_share",
    "technology_provider",
    "local_partners",
    "unions",
    "stage",
)
# Fields whose old and new values an event keeps (the others are free text: "changed" is enough).
_PROFILE_FIELDS = ("name", "sector", "channels", "migrant_workers", "minorities_present", "stage")


@transaction.atomic
def project_create(*, organisation: Organisation, created_by: User, **fields) -> Project:
    project = Project(organisation=organisation, created_by=created_by)
    _project_save(project, fields)
    audit.record(
        Kind.PROJECT_CREATED,
        organisation=organisation,
        actor=created_by,
        project=project,
        data={"name": project.name},
    )
    return project


@transaction.atomic
def project_update(*, project: Project, user: User, **fields) -> Project:
    before = _stored(project, *PROJECT_FIELDS)
    _project_save(project, fields)
    changed = [name for name in PROJECT_FIELDS if getattr(project, name) != before[name]]
    if changed:
        audit.record(
            Kind.PROJECT_CHANGED,
            organisation=project.organisation_id,
            actor=user,
            project=project,
            data={
                "fields": changed,
                "old": {n: before[n] for n in changed if n in _PROFILE_FIELDS},
                "new": {n: getattr(project, n) for n in changed if n in _PROFILE_FIELDS},
            },
        )
    return project


@transaction.atomic
def project_delete(*, project: Project, user: User, confirm_name: str = "") -> None:
    """Delete a project with its assessments, answers and plans.

    A project with a submitted assessment holds a record others may rely on: deleting it asks
    for the project's name, typed again.
    """
    submitted = project.assessments.filter(status=Assessment.Status.SUBMITTED).count()
    if submitted and confirm_name.strip() != project.name:
        raise ValidationError(
            {
                "confirm_name": _(
                    "This project has submitted assessments: type its name exactly to delete it."
                )
            }
        )
    audit.record(
        Kind.PROJECT_DELETED,
        organisation=project.organisation_id,
        actor=user,
        project=project,
        data={
            "name": project.name,
            "assessments": project.assessments.count(),
            "submitted": submitted,
        },
    )
    project.delete()


def touch(assessment: Assessment) -> None:
    """Record that the assessment's answers or plan changed: lists show when it was updated."""
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())


def _project_save(project: Project, fields: dict) -> Project:
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"unknown project fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(project, name, value)
    invalid = [c for c in project.channels if c not in Project.Channel.values]
    if invalid:
        raise ValidationError({"channels": _("Unknown channel: %(c)s") % {"c": ", ".join(invalid)}})
    project.full_clean()
    project.save()
    return project
