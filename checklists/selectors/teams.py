"""Reads about people: an organisation's members and invitations, a project's collaborators."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone

from ..access import EDIT_GRANT
from ..accounts import normalise_email
from ..models import (
    Invitation,
    Membership,
    Organisation,
    Project,
    ProjectUserObjectPermission,
    User,
)


def organisation_members(organisation: Organisation) -> list[Membership]:
    """Members with their accounts, owners first, then by name (1 query)."""
    order = {Membership.Role.OWNER: 0, Membership.Role.EDITOR: 1, Membership.Role.VIEWER: 2}
    members = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .only("pk", "role", "created_at", "organisation_id", "user__name", "user__email", "user_id")
    )
    members.sort(key=lambda m: (order.get(m.role, 9), m.user.name.casefold(), m.user.email))
    return members


def pending_invitations(
    *, organisation: Organisation | None = None, project: Project | None = None
):
    """Invitations not yet answered (expired ones included, marked so), newest first (1 query)."""
    invitations = Invitation.objects.filter(status=Invitation.Status.PENDING).select_related(
        "invited_by"
    )
    if project is not None:
        invitations = invitations.filter(project=project)
    else:
        invitations = invitations.filter(organisation=organisation, project__isnull=True)
    return list(invitations.order_by("-created_at"))


class Collaborator:
    def __init__(self, user: User, can_edit: bool, since):
        self.user, self.can_edit, self.since = user, can_edit, since


def project_collaborators(project: Project) -> list[Collaborator]:
    """People outside the organisation who work on this project, by name (1 query)."""
    people: dict[int, Collaborator] = {}
    for grant in (
        ProjectUserObjectPermission.objects.filter(content_object=project)
        .select_related("user", "permission")
        .order_by("created_at")
    ):
        found = people.setdefault(grant.user_id, Collaborator(grant.user, False, grant.created_at))
        found.can_edit = found.can_edit or grant.permission.codename == EDIT_GRANT
    return sorted(people.values(), key=lambda c: (c.user.name.casefold(), c.user.email))


def invitations_for(user: User) -> list[Invitation]:
    """Invitations waiting for the user's address, that can still be accepted, newest first
    (1 query; 2 when there are some).

    Every dashboard asks, and most people have none: the first query is the cheap one, so that
    they do not pay for building the second, which joins three tables.
    """
    waiting = list(
        Invitation.objects.filter(
            email=normalise_email(user.email),
            status=Invitation.Status.PENDING,
            expires_at__gt=timezone.now(),
        ).values_list("pk", flat=True)
    )
    if not waiting:
        return []
    return list(
        Invitation.objects.filter(pk__in=waiting)
        .select_related("organisation", "project", "invited_by")
        .order_by("-created_at")
    )


def invitation_for_token(token_hash: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation", "project", "invited_by")
        .filter(token_hash=token_hash)
        .first()
    )


def member_for(organisation: Organisation, pk: int) -> Membership:
    """One membership of this organisation (404 for another's)."""
    return get_object_or_404(
        Membership.objects.select_related("user"), organisation=organisation, pk=pk
    )


__all__ = [
    "Collaborator",
    "invitation_for_token",
    "invitations_for",
    "member_for",
    "organisation_members",
    "pending_invitations",
    "project_collaborators",
]
