"""Working together: members and their roles, invitations, and per-project collaborators."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from .. import audit
from ..access import EDIT_GRANT, VIEW_GRANT
from ..accounts import normalise_email
from ..links import url
from ..models import (
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    Project,
    ProjectUserObjectPermission,
    User,
)

Kind = AuditEvent.Kind
Role = Membership.Role

# Resending is rate-limited per invitation: people can fix a typo'd spam filter, but nobody can
# use westcheck to flood an inbox.
RESEND_AFTER = timedelta(minutes=10)
MAX_SENDS = 5


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _grant_codenames(role: str) -> list[str]:
    """A collaborator who edits may also view."""
    return [VIEW_GRANT, EDIT_GRANT] if role == Role.EDITOR else [VIEW_GRANT]


# --- Invitations -------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    invited_by: User,
    site: str,
    project: Project | None = None,
) -> Invitation:
    """Invite someone by e-mail to the organisation, or (with a project) to that project alone.

    `site` is the scheme and host the link starts with. The e-mail goes through the task queue.
    """
    email = normalise_email(email)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if project is not None and role == Role.OWNER:
        raise ValidationError({"role": _("A collaborator can edit or view, not own.")})
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        member = Membership.objects.filter(organisation=organisation, user=existing).first()
        if member is not None and project is None:
            raise ValidationError(
                {
                    "email": _("%(email)s is already a member of %(organisation)s.")
                    % {"email": email, "organisation": organisation.name}
                }
            )
        if member is not None:
            raise ValidationError(
                {
                    "email": _(
                        "%(email)s is a member of %(organisation)s and already sees every project."
                    )
                    % {"email": email, "organisation": organisation.name}
                }
            )
        if (
            project is not None
            and ProjectUserObjectPermission.objects.filter(
                user=existing, content_object=project
            ).exists()
        ):
            raise ValidationError(
                {
                    "email": _(
                        "%(email)s already works on this project. Change their access in the list below."
                    )
                    % {"email": email}
                }
            )
    pending = Invitation.objects.filter(
        organisation=organisation, project=project, email=email, status=Invitation.Status.PENDING
    ).first()
    if pending is not None and not pending.is_expired:
        raise ValidationError(
            {
                "email": _(
                    "An invitation to %(email)s is already waiting. Send it again from the list."
                )
                % {"email": email}
            }
        )
    if pending is not None:
        # An expired invitation gives way to the new one.
        _decide(pending, Invitation.Status.CANCELLED, invited_by)
        audit.record(
            Kind.INVITATION_CANCELLED,
            organisation=organisation,
            actor=invited_by,
            project=project,
            data={"email": email, "invitation": pending.pk, "expired": True},
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        organisation=organisation,
        project=project,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=invited_by,
        created_at=now,
        last_sent_at=now,
        expires_at=now + Invitation.VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    audit.record(
        Kind.MEMBER_INVITED,
        organisation=organisation,
        actor=invited_by,
        project=project,
        data={"email": email, "role": role, "invitation": invitation.pk},
    )
    _send_invitation(invitation, token, site)
    # Only in memory, for the caller that must hand the link on itself (demo data, tests):
    # the database keeps the hash alone.
    invitation.token = token
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, user: User, site: str) -> Invitation:
    """Send the invitation again with a new link (the old one stops working) and 14 more days."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation was already answered or cancelled."))
    now = timezone.now()
    if invitation.send_count >= MAX_SENDS:
        raise ValidationError(
            _("This invitation was sent %(n)d times already. Cancel it and check the address.")
            % {"n": invitation.send_count}
        )
    if now - invitation.last_sent_at < RESEND_AFTER:
        raise ValidationError(
            _(
                "This invitation was sent less than %(minutes)d minutes ago. Wait a little before sending it again."
            )
            % {"minutes": int(RESEND_AFTER.total_seconds() // 60)}
        )
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.last_sent_at = now
    invitation.expires_at = now + Invitation.VALID_FOR
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "last_sent_at", "expires_at", "send_count"])
    audit.record(
        Kind.INVITATION_RESENT,
        organisation=invitation.organisation_id,
        actor=user,
        project=invitation.project_id,
        data={"email": invitation.email, "invitation": invitation.pk},
    )
    _send_invitation(invitation, token, site)
    invitation.token = token
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, user: User) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation was already answered or cancelled."))
    _decide(invitation, Invitation.Status.CANCELLED, user)
    audit.record(
        Kind.INVITATION_CANCELLED,
        organisation=invitation.organisation_id,
        actor=user,
        project=invitation.project_id,
        data={"email": invitation.email, "invitation": invitation.pk},
    )


def invitation_problem(invitation: Invitation | None, user: User | None = None) -> str:
    """Why this invitation cannot be answered now by this person, or "" when it can."""
    if invitation is None:
        return _(
            "This invitation link is not valid. Check that you copied all of it, or ask for a new invitation."
        )
    if invitation.status == Invitation.Status.ACCEPTED:
        return _("This invitation has already been accepted.")
    if invitation.status == Invitation.Status.DECLINED:
        return _("This invitation was declined.")
    if invitation.status == Invitation.Status.CANCELLED:
        return _("This invitation was cancelled. Ask for a new one if you still need access.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask the person who invited you to send it again.")
    if user is not None and normalise_email(user.email) != invitation.email:
        return _(
            "This invitation is for %(email)s, but you are logged in as %(you)s. Log in with the invited address to answer it."
        ) % {"email": invitation.email, "you": user.email}
    return ""


def _answering(token: str | None, invitation: Invitation | None) -> Invitation | None:
    """The invitation being answered, locked: found by its link's token, or, for a person
    answering from their list of invitations, as given (it is checked to be theirs all the
    same, by its address)."""
    found = Invitation.objects.select_for_update(of=("self",)).select_related(
        "organisation", "project"
    )
    if token is not None:
        return found.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise ValueError("Give the invitation's token or the invitation.")
    return found.filter(pk=invitation.pk).first()


@transaction.atomic
def invitation_accept(
    *, user: User, token: str | None = None, invitation: Invitation | None = None
) -> Invitation:
    """Join the organisation, or the project, that the invitation is for."""
    invitation = _answering(token, invitation)
    problem = invitation_problem(invitation, user)
    if problem:
        raise ValidationError(problem)
    _decide(invitation, Invitation.Status.ACCEPTED, user)
    if invitation.project is None:
        Membership.objects.get_or_create(
            organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
        )
        audit.record(
            Kind.MEMBER_JOINED,
            organisation=invitation.organisation,
            actor=user,
            subject=user,
            data={"role": invitation.role, "invitation": invitation.pk},
        )
    else:
        _grant(invitation.project, user, invitation.role)
        audit.record(
            Kind.COLLABORATOR_GRANTED,
            organisation=invitation.organisation,
            actor=user,
            project=invitation.project,
            subject=user,
            data={"access": invitation.role, "invitation": invitation.pk},
        )
    return invitation


@transaction.atomic
def invitation_decline(
    *, user: User, token: str | None = None, invitation: Invitation | None = None
) -> Invitation:
    invitation = _answering(token, invitation)
    problem = invitation_problem(invitation, user)
    if problem:
        raise ValidationError(problem)
    _decide(invitation, Invitation.Status.DECLINED, user)
    audit.record(
        Kind.INVITATION_DECLINED,
        organisation=invitation.organisation_id,
        actor=user,
        project=invitation.project_id,
        data={"email": invitation.email, "invitation": invitation.pk},
    )
    return invitation


def _decide(invitation: Invitation, status: str, user: User) -> None:
    invitation.status = status
    invitation.decided_at = timezone.now()
    invitation.decided_by = user
    invitation.save(update_fields=["status", "decided_at", "decided_by"])


def _send_invitation(invitation: Invitation, token: str, site: str) -> None:
    context = {
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "link": site.rstrip("/") + url("checklists:invitation", token),
        "days": Invitation.VALID_FOR.days,
    }
    subject = render_to_string("email/invitation_subject.txt", context).strip()
    body = render_to_string("email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


# --- Members -------------------------------------------------------------------------------


def _owners_left(organisation_id: int, without: Membership) -> int:
    return (
        Membership.objects.select_for_update()
        .filter(organisation_id=organisation_id, role=Role.OWNER)
        .exclude(pk=without.pk)
        .count()
    )


@transaction.atomic
def member_change_role(*, membership: Membership, role: str, user: User) -> Membership:
    """Give a member another role; an organisation always keeps at least one owner."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER and not _owners_left(membership.organisation_id, membership):
        raise ValidationError(
            _("An organisation needs at least one owner. Make someone else an owner first.")
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        Kind.MEMBER_ROLE_CHANGED,
        organisation=membership.organisation_id,
        actor=user,
        subject=membership.user,
        data={"old": old, "new": role},
    )
    return membership


@transaction.atomic
def ownership_hand_over(*, organisation: Organisation, to: Membership, user: User) -> None:
    """Make another member an owner and the current owner an editor, in one step."""
    mine = Membership.objects.select_for_update().get(organisation=organisation, user=user)
    if to.organisation_id != organisation.pk or to.user_id == user.pk:
        raise ValidationError(_("Choose another member of this organisation."))
    member_change_role(membership=to, role=Role.OWNER, user=user)
    member_change_role(membership=mine, role=Role.EDITOR, user=user)


@transaction.atomic
def member_remove(*, membership: Membership, user: User) -> None:
    """Remove a member (or, when `user` is the member, leave). Their grants on the
    organisation's projects go with them: a grant must not outlive the reason for it."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=membership.pk)
    )
    if membership.role == Role.OWNER and not _owners_left(membership.organisation_id, membership):
        raise ValidationError(
            _("An organisation needs at least one owner. Make someone else an owner first.")
        )
    leaving = membership.user_id == user.pk
    ProjectUserObjectPermission.objects.filter(
        user=membership.user, content_object__organisation=membership.organisation_id
    ).delete()
    membership.delete()
    audit.record(
        Kind.MEMBER_LEFT if leaving else Kind.MEMBER_REMOVED,
        organisation=membership.organisation_id,
        actor=user,
        subject=membership.user,
        data={"role": membership.role},
    )


# --- Collaborators ---------------------------------------------------------------------------


def _grant(project: Project, person: User, role: str) -> None:
    ProjectUserObjectPermission.objects.filter(user=person, content_object=project).delete()
    for codename in _grant_codenames(role):
        assign_perm(codename, person, project)


@transaction.atomic
def collaborator_change(*, project: Project, person: User, role: str, user: User) -> None:
    """Switch a collaborator between editing and viewing."""
    if role not in (Role.EDITOR, Role.VIEWER):
        raise ValidationError({"role": _("A collaborator can edit or view, not own.")})
    if not ProjectUserObjectPermission.objects.filter(user=person, content_object=project).exists():
        raise ValidationError(_("This person does not work on this project."))
    _grant(project, person, role)
    audit.record(
        Kind.COLLABORATOR_GRANTED,
        organisation=project.organisation_id,
        actor=user,
        project=project,
        subject=person,
        data={"access": role},
    )


@transaction.atomic
def collaborator_revoke(*, project: Project, person: User, user: User) -> None:
    for codename in (EDIT_GRANT, VIEW_GRANT):
        remove_perm(codename, person, project)
    audit.record(
        Kind.COLLABORATOR_REVOKED,
        organisation=project.organisation_id,
        actor=user,
        project=project,
        subject=person,
    )
