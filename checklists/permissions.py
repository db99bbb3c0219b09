"""Access helpers: the one way each kind of object is fetched for a request.

Members of the organisation that owns a project have the permissions of their role. Anyone
else gets 404, so that outsiders cannot even learn that an object exists; a member whose role
does not allow the action gets 403. Sharing an assessment with another organisation will grant
django-guardian object permissions (see Assessment.Meta.permissions) and be resolved here too, so
that no view has to know how access was granted.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .catalog import checklist_version
from .models import Assessment, ChecklistVersion, Membership, Organisation, Project, User

VIEW = "view"
EDIT = "edit"
# Planning the follow-up of gaps (the action plan) goes on after an assessment is submitted:
# unlike EDIT, it is not refused on a locked assessment.
PLAN = "plan"
MANAGE = "manage"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Membership.Role.OWNER: frozenset({VIEW, EDIT, PLAN, MANAGE}),
    Membership.Role.EDITOR: frozenset({VIEW, EDIT, PLAN}),
    Membership.Role.VIEWER: frozenset({VIEW}),
}


def get_checklist_version(slug: str, version: str) -> ChecklistVersion:
    """Published checklist versions are public: anyone may read them."""
    return get_object_or_404(ChecklistVersion.objects.defer("document"), slug=slug, version=version)


def role_permissions(role: str | None) -> frozenset[str]:
    """What a member with this role may do; nothing for someone who is not a member."""
    return ROLE_PERMISSIONS.get(role, frozenset())


def _check(permissions: frozenset[str], perm: str) -> None:
    if not permissions:
        raise Http404
    if perm not in permissions:
        raise PermissionDenied(_("Your role in this organisation does not allow this."))


def _one(queryset, user: User, pk: int):
    """The object with this primary key, or 404: for outsiders and for missing objects alike."""
    if not user.is_authenticated:
        raise Http404
    try:
        # get() rather than first(): no ORDER BY to build, a measurable share of these queries.
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def _membership_role(queryset, memberships: str, user: User):
    """Only rows of the user's organisations, each with the user's `role` there.

    An inner join rather than a subquery: outsiders' rows are simply not found (404), and the
    query compiles in about half the time, which every page of a project or an assessment pays.
    A person has at most one membership per organisation.
    """
    return queryset.filter(**{f"{memberships}__user": user.pk}).annotate(
        role=F(f"{memberships}__role")
    )


def get_organisation_for(user: User, pk: int, perm: str = VIEW) -> Organisation:
    organisation = _one(_membership_role(Organisation.objects, "memberships", user), user, pk)
    _check(role_permissions(organisation.role), perm)
    return organisation


def get_project_for(user: User, pk: int, perm: str = VIEW) -> Project:
    """The project with its organisation, in one query; `project.permissions` lists what the user may do."""
    project = _one(
        _membership_role(
            Project.objects.select_related("organisation"), "organisation__memberships", user
        ),
        user,
        pk,
    )
    project.permissions = role_permissions(project.role)
    _check(project.permissions, perm)
    return project


def get_assessment_for(user: User, pk: int, perm: str = VIEW) -> Assessment:
    """The assessment with its project, organisation and submitter's name, in one query, and its
    checklist version from memory.

    Editing a submitted assessment is refused (403) whatever the role: it is locked.
    """
    assessment = _one(
        _membership_role(
            Assessment.objects.select_related("project__organisation").annotate(
                submitter_name=F("submitted_by__name")
            ),
            "project__organisation__memberships",
            user,
        ),
        user,
        pk,
    )
    assessment.checklist = checklist_version(assessment.checklist_id)
    assessment.permissions = role_permissions(assessment.role)
    _check(assessment.permissions, perm)
    if perm == EDIT and assessment.is_submitted:
        raise PermissionDenied(
            _(
                "This assessment has been submitted and can no longer be changed. Start a new assessment from it to make changes."
            )
        )
    return assessment


def editable_organisations(user: User):
    """Organisations in which the user may create and edit projects."""
    return Organisation.objects.filter(
        memberships__user=user,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.EDITOR],
    ).order_by("name")
