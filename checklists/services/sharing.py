"""Sharing submissions with other organisations: offering, answering, revoking, extending.

Each change is an audit event in the owner organisation's trail, in the same transaction; so is
each time a recipient opens or downloads what was shared, which the owner's access page reads.
E-mails go through the task queue (westcheck.mail).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .. import audit, sharing
from ..access import live_shares
from ..accounts import normalise_email
from ..catalog import catalog
from ..links import url
from ..models import (
    AuditEvent,
    Cohort,
    CohortMilestone,
    Membership,
    Organisation,
    Share,
    ShareRequest,
    Submission,
    User,
)
from . import reviews
from .mail import notify

Kind = AuditEvent.Kind


def expiry_problem(expires_at: datetime) -> str:
    """What is wrong with a share's or a request's end ("" if nothing): the one home of the
    rule that it lies in the future, three years at most from now."""
    now = timezone.now()
    if expires_at <= now:
        return _("Choose an expiry date in the future.")
    if expires_at > now + Share.LONGEST_TERM:
        return _("A share can last three years at most.")
    return ""


DELETION_PENDING = _lazy(
    "This organisation is to be deleted: nothing more can be shared until an owner cancels "
    "the deletion."
)


def _clean_terms(
    *, detail: str, sections: list[str], role: str, expires_at: datetime, submission: Submission
) -> list[str]:
    """Refuse terms a share cannot have; the sections kept, in the checklist's order."""
    if submission.project.organisation.deletion_due_at is not None:
        raise ValidationError(DELETION_PENDING)
    errors = {}
    if detail not in sharing.LEVELS:
        errors["detail"] = _("Choose how much to share.")
    if role not in Share.Role.values:
        errors["role"] = _("Choose what the recipient may do.")
    keys = [info.key for info in catalog(submission.checklist).sections]
    unknown = set(sections) - set(keys)
    if unknown:
        errors["sections"] = _("These are not sections of the checklist: %(keys)s.") % {
            "keys": ", ".join(sorted(unknown))
        }
    elif detail == sharing.SECTIONS and not sections:
        errors["sections"] = _("Choose at least one section to share, or share the summary.")
    if problem := expiry_problem(expires_at):
        errors["expires_at"] = problem
    if errors:
        raise ValidationError(errors)
    return [key for key in keys if key in set(sections)] if detail == sharing.SECTIONS else []


def _event_data(share: Share, **more) -> dict:
    return {
        "share": share.pk,
        "to": share.recipient.name if share.recipient_id else share.recipient_email,
        "submission": share.submission.number,
        "detail": share.detail,
        **more,
    }


@transaction.atomic
def share_offer(
    *,
    submission: Submission,
    email: str,
    detail: str,
    sections: list[str],
    role: str,
    follows_later: bool,
    expires_at: datetime,
    message: str,
    user: User,
    site: str,
) -> Share:
    """Offer a submission to someone who owns an organisation; nothing reaches them until an
    owner of the receiving organisation accepts (share_accept)."""
    email = normalise_email(email)
    kept = _clean_terms(
        detail=detail, sections=sections, role=role, expires_at=expires_at, submission=submission
    )
    organisation = submission.project.organisation
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is a member of %(organisation)s and already sees it.")
                % {"email": email, "organisation": organisation.name}
            }
        )
    waiting = Share.objects.filter(
        project=submission.project_id,
        recipient_email=email,
        status=Share.Status.OFFERED,
        expires_at__gt=timezone.now(),
    )
    if waiting.exists():
        raise ValidationError(
            {
                "email": _(
                    "An offer to %(email)s is already waiting. Withdraw it first to change it."
                )
                % {"email": email}
            }
        )
    share = Share.objects.create(
        project=submission.project,
        submission=submission,
        follows_later=follows_later,
        recipient_email=email,
        detail=detail,
        sections=kept,
        role=role,
        message=message.strip(),
        expires_at=expires_at,
        created_by=user,
    )
    audit.record(
        Kind.SHARE_OFFERED,
        organisation=organisation,
        actor=user,
        assessment=submission.assessment,
        data=_event_data(share, role=role, sections=kept, follows_later=follows_later),
    )
    notify(
        "share_offered",
        [email],
        {"share": share, "link": site.rstrip("/") + url("checklists:share-offer", share.pk)},
    )
    return share


def _locked(share: Share) -> Share:
    # Lock the share's row alone: its recipient is null until accepted, and PostgreSQL refuses
    # FOR UPDATE on the nullable side of an outer join.
    return (
        Share.objects.select_for_update(of=("self",))
        .select_related("project__organisation", "submission__assessment", "recipient")
        .get(pk=share.pk)
    )


@transaction.atomic
def share_accept(*, share: Share, organisation: Organisation, user: User, site: str) -> Share:
    """An owner of `organisation` accepts an offer made to their address: the share is live."""
    share = _locked(share)
    if not share.is_waiting:
        raise ValidationError(_("This offer is no longer open."))
    if share.recipient_email != normalise_email(user.email):
        raise ValidationError(_("This offer was made to another address."))
    if not Membership.objects.filter(
        organisation=organisation, user=user, role=Membership.Role.OWNER
    ).exists():
        raise ValidationError({"organisation": _("Choose an organisation you own.")})
    if organisation.pk == share.project.organisation_id:
        raise ValidationError({"organisation": _("This is the organisation that shares it.")})
    if organisation.deletion_due_at is not None:
        raise ValidationError({"organisation": DELETION_PENDING})
    share.recipient = organisation
    share.status = Share.Status.ACTIVE
    share.decided_by, share.decided_at = user, timezone.now()
    share.save(update_fields=["recipient", "status", "decided_by", "decided_at"])
    if share.role == Share.Role.REVIEWER:
        reviews.open_round(share, _latest_covered(share))
    audit.record(
        Kind.SHARE_ACCEPTED,
        organisation=share.project.organisation,
        actor=user,
        assessment=share.submission.assessment,
        data=_event_data(share),
    )
    if share.created_by is not None:
        notify(
            "share_accepted",
            [share.created_by.email],
            {"share": share, "link": _access_link(share, site)},
        )
    return share


@transaction.atomic
def share_decline(*, share: Share, user: User) -> Share:
    share = _locked(share)
    if not share.is_waiting:
        raise ValidationError(_("This offer is no longer open."))
    share.status = Share.Status.DECLINED
    share.decided_by, share.decided_at = user, timezone.now()
    share.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        Kind.SHARE_DECLINED,
        organisation=share.project.organisation,
        actor=user,
        assessment=share.submission.assessment,
        data=_event_data(share),
    )
    return share


@transaction.atomic
def share_end(*, share: Share, user: User, site: str, end_reason: str = "") -> Share:
    """Revoke a live share, or withdraw an offer not yet answered. Effective on the recipient's
    next request: access.live_shares leaves it out from now on."""
    share = _locked(share)
    share.end_reason = end_reason
    if share.status == Share.Status.ACTIVE:
        share.status, kind = Share.Status.REVOKED, Kind.SHARE_REVOKED
    elif share.status == Share.Status.OFFERED:
        share.status, kind = Share.Status.WITHDRAWN, Kind.SHARE_WITHDRAWN
    else:
        raise ValidationError(_("This share has already ended."))
    share.ended_by, share.ended_at = user, timezone.now()
    share.save(update_fields=["status", "ended_by", "ended_at", "end_reason"])
    audit.record(
        kind,
        organisation=share.project.organisation,
        actor=user,
        assessment=share.submission.assessment,
        data=_event_data(share),
    )
    if kind == Kind.SHARE_REVOKED:
        owners = list(
            User.objects.filter(
                memberships__organisation=share.recipient_id,
                memberships__role=Membership.Role.OWNER,
            ).values_list("email", flat=True)
        )
        notify("share_revoked", owners, {"share": share, "deleted": bool(end_reason)})
    return share


@transaction.atomic
def share_extend(*, share: Share, expires_at: datetime, user: User) -> Share:
    """Move a share's expiry (later or earlier); an expired share can be given more time."""
    share = _locked(share)
    if share.status not in (Share.Status.ACTIVE, Share.Status.OFFERED):
        raise ValidationError(_("This share has ended; offer a new one instead."))
    if problem := expiry_problem(expires_at):
        raise ValidationError({"expires_at": problem})
    before = share.expires_at
    share.expires_at = expires_at
    share.save(update_fields=["expires_at"])
    audit.record(
        Kind.SHARE_EXTENDED,
        organisation=share.project.organisation,
        actor=user,
        assessment=share.submission.assessment,
        data=_event_data(
            share, before=before.date().isoformat(), after=expires_at.date().isoformat()
        ),
    )
    return share


def share_record_access(
    *, share: Share, submission: Submission, user: User, fmt: str | None = None
) -> None:
    """Note in the owner's trail that a recipient opened (fmt None) or downloaded a submission:
    the owner's access page shows who last did so."""
    audit.record(
        Kind.SHARE_DOWNLOADED if fmt else Kind.SHARE_VIEWED,
        organisation=share.project.organisation_id,
        actor=user,
        project=share.project_id,
        data={
            "share": share.pk,
            "to": share.recipient.name,
            "submission": submission.number,
            **({"format": fmt} if fmt else {}),
        },
    )


def _latest_covered(share: Share) -> Submission:
    if not share.follows_later:
        return share.submission
    return Submission.objects.filter(project=share.project_id).order_by("-number").first()


def _access_link(share: Share, site: str) -> str:
    return site.rstrip("/") + url("checklists:assessment-sharing", share.submission.assessment_id)


# --- Shares the recipient asked for: requests and cohorts -------------------------------------


def _check_lowered(*, asked_detail, asked_sections, detail, sections) -> None:
    if sharing.exceeds(
        asked_detail=asked_detail, asked_sections=asked_sections, detail=detail, sections=sections
    ):
        raise ValidationError({"detail": _("You may share less than they asked for, never more.")})


def _owns(user: User, organisation_id: int) -> bool:
    return Membership.objects.filter(
        organisation=organisation_id, user=user, role=Membership.Role.OWNER
    ).exists()


def _grant(
    *,
    submission: Submission,
    recipient: Organisation,
    detail: str,
    sections: list[str],
    role: str,
    follows_later: bool,
    expires_at: datetime,
    user: User,
    cohort: Cohort | None = None,
    message: str = "",
) -> Share:
    """A share the recipient asked for, given by an owner of the submission's organisation:
    both sides have consented, so it is live at once."""
    organisation = submission.project.organisation
    if not _owns(user, organisation.pk):
        raise ValidationError(
            _("Only an owner of %(name)s can share its work.") % {"name": organisation.name}
        )
    if recipient.pk == organisation.pk:
        raise ValidationError(_("This is your own organisation: its members already see it."))
    kept = _clean_terms(
        detail=detail, sections=sections, role=role, expires_at=expires_at, submission=submission
    )
    now = timezone.now()
    share = Share.objects.create(
        project=submission.project,
        submission=submission,
        follows_later=follows_later,
        recipient_email=normalise_email(user.email),
        recipient=recipient,
        cohort=cohort,
        detail=detail,
        sections=kept,
        role=role,
        message=message,
        status=Share.Status.ACTIVE,
        expires_at=expires_at,
        created_by=user,
        decided_by=user,
        decided_at=now,
    )
    audit.record(
        Kind.SHARE_GRANTED,
        organisation=organisation,
        actor=user,
        assessment=submission.assessment,
        data=_event_data(share, role=role, sections=kept, follows_later=follows_later)
        | ({"cohort": cohort.name} if cohort else {}),
    )
    if role == Share.Role.REVIEWER:
        reviews.open_round(share, _latest_covered(share))
    return share


def _owner_emails(organisation_id: int) -> list[str]:
    return sorted(
        User.objects.filter(
            memberships__organisation=organisation_id, memberships__role=Membership.Role.OWNER
        ).values_list("email", flat=True)
    )


@transaction.atomic
def cohort_create(
    *,
    funder: Organisation,
    name: str,
    description: str,
    detail: str,
    sections: list[str],
    role: str,
    term_days: int,
    user: User,
) -> Cohort:
    if detail not in sharing.LEVELS or role not in Share.Role.values:
        raise ValidationError(_("Choose the detail and the role to ask for."))
    if not 1 <= term_days <= Share.LONGEST_TERM.days:
        raise ValidationError({"term_days": _("Shares last from 1 day to three years.")})
    if Cohort.objects.filter(funder=funder, name=name.strip()).exists():
        raise ValidationError(
            {"name": _("%(name)s already has a cohort of that name.") % {"name": funder.name}}
        )
    cohort = Cohort.objects.create(
        funder=funder,
        name=name.strip(),
        description=description.strip(),
        detail=detail,
        sections=sections if detail == sharing.SECTIONS else [],
        role=role,
        term_days=term_days,
        created_by=user,
    )
    audit.record(
        Kind.COHORT_CREATED,
        organisation=funder,
        actor=user,
        data={"cohort": cohort.pk, "name": cohort.name, "detail": detail, "role": role},
    )
    return cohort


@transaction.atomic
def cohort_set_open(*, cohort: Cohort, is_open: bool, user: User) -> Cohort:
    cohort.is_open = is_open
    cohort.save(update_fields=["is_open"])
    audit.record(
        Kind.COHORT_CHANGED,
        organisation=cohort.funder_id,
        actor=user,
        data={"cohort": cohort.pk, "name": cohort.name, "open": is_open},
    )
    return cohort


@transaction.atomic
def cohort_milestone_request(
    *, cohort: Cohort, milestone: str, due_date, user: User
) -> CohortMilestone:
    """Ask the cohort's grantees for a submission marked `milestone` by `due_date`."""
    if milestone not in Submission.Milestone.values:
        raise ValidationError({"milestone": _("Choose a milestone.")})
    if due_date <= timezone.localdate():
        raise ValidationError({"due_date": _("Choose a date in the future.")})
    if cohort.milestones.filter(milestone=milestone).exists():
        raise ValidationError(
            {"milestone": _("This milestone is already requested: its date is on the page.")}
        )
    requested = CohortMilestone.objects.create(
        cohort=cohort, milestone=milestone, due_date=due_date, created_by=user
    )
    audit.record(
        Kind.COHORT_CHANGED,
        organisation=cohort.funder_id,
        actor=user,
        data={
            "cohort": cohort.pk,
            "name": cohort.name,
            "milestone": milestone,
            "due": due_date.isoformat(),
        },
    )
    return requested


@transaction.atomic
def cohort_join(
    *,
    cohort: Cohort,
    submission: Submission,
    detail: str,
    sections: list[str],
    follows_later: bool,
    user: User,
    site: str,
) -> Share:
    """A grantee's owner shares a submission with the cohort's funder, on the cohort's terms
    or lower, for the cohort's term."""
    if not cohort.is_open:
        raise ValidationError(_("This cohort no longer takes new grantees."))
    _check_lowered(
        asked_detail=cohort.detail, asked_sections=cohort.sections, detail=detail, sections=sections
    )
    if live_shares().filter(cohort=cohort, project=submission.project_id).exists():
        raise ValidationError(_("This project is already shared with the cohort."))
    share = _grant(
        submission=submission,
        recipient=cohort.funder,
        detail=detail,
        sections=sections,
        role=cohort.role,
        follows_later=follows_later,
        expires_at=timezone.now() + timedelta(days=cohort.term_days),
        user=user,
        cohort=cohort,
    )
    notify(
        "cohort_joined",
        _owner_emails(cohort.funder_id),
        {
            "share": share,
            "cohort": cohort,
            "link": site.rstrip("/") + url("checklists:shared", share.pk),
        },
    )
    return share


@transaction.atomic
def share_request(
    *,
    requester: Organisation,
    email: str,
    purpose: str,
    detail: str,
    sections: list[str],
    role: str,
    expires_at: datetime,
    user: User,
    site: str,
) -> ShareRequest:
    """Ask an owner of another organisation for a share, saying why."""
    email = normalise_email(email)
    errors = {}
    if not purpose.strip():
        errors["purpose"] = _("Say what you need it for: they decide on that.")
    if detail not in sharing.LEVELS:
        errors["detail"] = _("Choose how much to ask for.")
    if role not in Share.Role.values:
        errors["role"] = _("Choose what you ask to do.")
    if problem := expiry_problem(expires_at):
        errors["expires_at"] = problem
    if Membership.objects.filter(organisation=requester, user__email__iexact=email).exists():
        errors["email"] = _("%(email)s is a member of %(organisation)s.") % {
            "email": email,
            "organisation": requester.name,
        }
    if errors:
        raise ValidationError(errors)
    request = ShareRequest.objects.create(
        requester=requester,
        requested_by=user,
        to_email=email,
        purpose=purpose.strip(),
        detail=detail,
        sections=sections if detail == sharing.SECTIONS else [],
        role=role,
        expires_at=expires_at,
    )
    audit.record(
        Kind.SHARE_REQUESTED,
        organisation=requester,
        actor=user,
        data={"request": request.pk, "of": email, "detail": detail, "role": role},
    )
    notify(
        "share_requested",
        [email],
        {
            "request": request,
            "link": site.rstrip("/") + url("checklists:share-request", request.pk),
        },
    )
    return request


def _locked_request(request: ShareRequest) -> ShareRequest:
    return (
        ShareRequest.objects.select_for_update(of=("self",))
        .select_related("requester")
        .get(pk=request.pk)
    )


@transaction.atomic
def share_request_grant(
    *,
    request: ShareRequest,
    submission: Submission,
    detail: str,
    sections: list[str],
    follows_later: bool,
    expires_at: datetime,
    user: User,
    site: str,
) -> Share:
    """Answer a request with a share of one's own submission: at most what was asked."""
    request = _locked_request(request)
    if not request.is_waiting:
        raise ValidationError(_("This request is no longer open."))
    if request.to_email != normalise_email(user.email):
        raise ValidationError(_("This request was made to another address."))
    _check_lowered(
        asked_detail=request.detail,
        asked_sections=request.sections,
        detail=detail,
        sections=sections,
    )
    if expires_at > request.expires_at:
        raise ValidationError(
            {
                "expires_at": _("They asked until %(date)s: choose that day or earlier.")
                % {"date": timezone.localdate(request.expires_at).isoformat()}
            }
        )
    share = _grant(
        submission=submission,
        recipient=request.requester,
        detail=detail,
        sections=sections,
        role=request.role,
        follows_later=follows_later,
        expires_at=expires_at,
        user=user,
        message=request.purpose,
    )
    request.status, request.share = ShareRequest.Status.GRANTED, share
    request.decided_by, request.decided_at = user, timezone.now()
    request.save(update_fields=["status", "share", "decided_by", "decided_at"])
    if request.requested_by is not None:
        notify(
            "share_granted",
            [request.requested_by.email],
            {
                "request": request,
                "share": share,
                "link": site.rstrip("/") + url("checklists:shared", share.pk),
            },
        )
    return share


@transaction.atomic
def share_request_decline(*, request: ShareRequest, user: User) -> ShareRequest:
    request = _locked_request(request)
    if not request.is_waiting:
        raise ValidationError(_("This request is no longer open."))
    request.status = ShareRequest.Status.DECLINED
    request.decided_by, request.decided_at = user, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        Kind.SHARE_REQUEST_DECLINED,
        organisation=request.requester_id,
        actor=user,
        data={"request": request.pk, "of": request.to_email},
    )
    return request


@transaction.atomic
def share_request_withdraw(*, request: ShareRequest, user: User) -> ShareRequest:
    request = _locked_request(request)
    if request.status != ShareRequest.Status.WAITING:
        raise ValidationError(_("This request is no longer open."))
    request.status = ShareRequest.Status.WITHDRAWN
    request.decided_by, request.decided_at = user, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        Kind.SHARE_REQUEST_WITHDRAWN,
        organisation=request.requester_id,
        actor=user,
        data={"request": request.pk, "of": request.to_email},
    )
    return request
