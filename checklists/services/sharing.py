"""Sharing submissions with other organisations: offering, answering, revoking, extending.

Each change is an audit event in the owner organisation's trail, in the same transaction; so is
each time a recipient opens or downloads what was shared, which the owner's access page reads.
E-mails go through the task queue (westcheck.mail).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, sharing
from ..accounts import normalise_email
from ..catalog import catalog
from ..links import url
from ..models import AuditEvent, Membership, Organisation, Share, Submission, User
from . import reviews
from .mail import send_templated

Kind = AuditEvent.Kind


def _clean_terms(
    *, detail: str, sections: list[str], role: str, expires_at: datetime, submission: Submission
) -> list[str]:
    """Refuse terms a share cannot have; the sections kept, in the checklist's order."""
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
    now = timezone.now()
    if expires_at <= now:
        errors["expires_at"] = _("Choose an expiry date in the future.")
    elif expires_at > now + Share.LONGEST_TERM:
        errors["expires_at"] = _("A share can last three years at most.")
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
    send_templated(
        "share_offered",
        [email],
        {"share": share, "link": site.rstrip("/") + url("checklists:share-offer", share.pk)},
    )
    return share


def _locked(share: Share) -> Share:
    return (
        Share.objects.select_for_update()
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
        send_templated(
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
def share_end(*, share: Share, user: User, site: str) -> Share:
    """Revoke a live share, or withdraw an offer not yet answered. Effective on the recipient's
    next request: access.live_shares leaves it out from now on."""
    share = _locked(share)
    if share.status == Share.Status.ACTIVE:
        share.status, kind = Share.Status.REVOKED, Kind.SHARE_REVOKED
    elif share.status == Share.Status.OFFERED:
        share.status, kind = Share.Status.WITHDRAWN, Kind.SHARE_WITHDRAWN
    else:
        raise ValidationError(_("This share has already ended."))
    share.ended_by, share.ended_at = user, timezone.now()
    share.save(update_fields=["status", "ended_by", "ended_at"])
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
        send_templated("share_revoked", owners, {"share": share})
    return share


@transaction.atomic
def share_extend(*, share: Share, expires_at: datetime, user: User) -> Share:
    """Move a share's expiry (later or earlier); an expired share can be given more time."""
    share = _locked(share)
    if share.status not in (Share.Status.ACTIVE, Share.Status.OFFERED):
        raise ValidationError(_("This share has ended; offer a new one instead."))
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": _("Choose an expiry date in the future.")})
    if expires_at > now + Share.LONGEST_TERM:
        raise ValidationError({"expires_at": _("A share can last three years at most.")})
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
