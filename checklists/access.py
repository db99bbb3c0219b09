"""Who may do what: the one access policy.

A person's capabilities on an object come from three things, and only this module combines
them: their role in the organisation that owns it (owner, editor, viewer), the per-project
grants an owner gave them as an outside collaborator (django-guardian object permissions),
and the object's state (a submitted assessment is locked). Views, exports, PDFs, management
commands and templates ask for capabilities; none of them re-derives a rule.

Someone with no capability on an object gets 404, so that outsiders cannot even learn that it
exists; someone who may see it but not do what they asked gets 403.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from .accounts import normalise_email
from .catalog import checklist_version
from .models import (
    Assessment,
    ChecklistVersion,
    Cohort,
    DataExport,
    EvidenceFile,
    Invitation,
    Membership,
    Organisation,
    Project,
    ProjectUserObjectPermission,
    Share,
    ShareRequest,
    Submission,
    User,
)


class Can(StrEnum):
    VIEW = "view"
    EXPORT = "export"
    EDIT_ANSWERS = "edit_answers"
    SUBMIT = "submit"
    START_ASSESSMENT = "start_assessment"
    # The follow-up of gaps goes on after submission: unlike EDIT_ANSWERS, not locked by it.
    PLAN_ACTIONS = "plan_actions"
    VIEW_ACTIVITY = "view_activity"
    VIEW_ORGANISATION_ACTIVITY = "view_organisation_activity"
    EXPORT_ACTIVITY = "export_activity"
    CREATE_PROJECT = "create_project"
    EDIT_PROJECT = "edit_project"
    DELETE_PROJECT = "delete_project"
    MANAGE_COLLABORATORS = "manage_collaborators"
    # Who works on a project and the organisation's members: members' business, not a guest's.
    VIEW_PEOPLE = "view_people"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_ORGANISATION = "manage_organisation"
    # Sharing submissions with other organisations: members see who has access, owners decide.
    VIEW_SHARES = "view_shares"
    SHARE = "share"
    # A recipient's member under a reviewer share, who is an owner or editor there.
    REVIEW = "review"
    # Writing in a share's comment threads: owners and editors on either side of the share.
    # Not locked by submission: the conversation is about what was submitted.
    COMMENT = "comment"
    # Evidence files that hold, or may hold, personal data: the organisation's owners and
    # editors alone, never its viewers, collaborators or any other organisation.
    VIEW_RESTRICTED_EVIDENCE = "view_restricted_evidence"
    # Taking a file out of the trash with a new deletion date: how long the organisation keeps
    # its evidence is its members' decision, and not locked by submission.
    KEEP_EVIDENCE = "keep_evidence"
    # The organisation's rights over its data: an archive of everything, deleting everything.
    # Owners only: an archive holds every file, restricted ones included.
    MANAGE_DATA = "manage_data"


class Capabilities(frozenset):
    """What one person may do with one object. Templates ask `{% if caps.edit_answers %}`."""

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return name in self


NOTHING = Capabilities()

_VIEWER = {Can.VIEW, Can.EXPORT}
_MEMBER_VIEWER = _VIEWER | {Can.VIEW_PEOPLE, Can.VIEW_SHARES}
_EDITOR = _MEMBER_VIEWER | {
    Can.EDIT_ANSWERS,
    Can.SUBMIT,
    Can.START_ASSESSMENT,
    Can.PLAN_ACTIONS,
    Can.VIEW_ACTIVITY,
    Can.CREATE_PROJECT,
    Can.EDIT_PROJECT,
    Can.COMMENT,
    Can.VIEW_RESTRICTED_EVIDENCE,
    Can.KEEP_EVIDENCE,
}
ROLE_CAPABILITIES: dict[str, Capabilities] = {
    # Reviewing is what a recipient does with a share, never with the organisation's own work.
    Membership.Role.OWNER: Capabilities(set(Can) - {Can.REVIEW}),
    Membership.Role.EDITOR: Capabilities(_EDITOR),
    Membership.Role.VIEWER: Capabilities(_MEMBER_VIEWER),
}

# Per-project grants to people outside the organisation, as django-guardian permissions on the
# project. A collaborator works on that project's assessments; the project itself, its other
# people and the organisation stay the owners' business.
VIEW_GRANT = "view_project"
EDIT_GRANT = "change_project"
GRANTS: dict[str, frozenset[str]] = {
    VIEW_GRANT: frozenset(_VIEWER),
    EDIT_GRANT: frozenset(
        _VIEWER
        | {Can.EDIT_ANSWERS, Can.SUBMIT, Can.START_ASSESSMENT, Can.PLAN_ACTIONS}
        | {Can.VIEW_ACTIVITY}
    ),
}
# What a submitted assessment no longer allows, whoever asks.
LOCKED_BY_SUBMISSION = frozenset({Can.EDIT_ANSWERS, Can.SUBMIT})


def role_capabilities(role: str | None) -> Capabilities:
    """What a member with this role may do; nothing for someone who is not a member."""
    return ROLE_CAPABILITIES.get(role, NOTHING)


def grant_capabilities(codenames) -> Capabilities:
    found: set[str] = set()
    for codename in codenames:
        found |= GRANTS.get(codename, frozenset())
    return Capabilities(found)


def assessment_capabilities(project_caps: frozenset[str], assessment: Assessment) -> Capabilities:
    if assessment.is_submitted:
        return Capabilities(project_caps - LOCKED_BY_SUBMISSION)
    return Capabilities(project_caps)


def require(caps: frozenset[str], need: str, *, collaborator: bool = False) -> None:
    """404 for no access at all, 403 for access without this capability."""
    if not caps:
        raise Http404
    if need not in caps:
        if collaborator:
            raise PermissionDenied(_("Your access to this project does not allow this."))
        raise PermissionDenied(_("Your role in this organisation does not allow this."))


# --- Fetching one object for a request ---------------------------------------------------


def get_checklist_version(slug: str, version: str) -> ChecklistVersion:
    """Published checklist versions are public: anyone may read them."""
    return get_object_or_404(ChecklistVersion.objects.defer("document"), slug=slug, version=version)


def _one(queryset: QuerySet, pk: int):
    try:
        # get() rather than first(): no ORDER BY to build, a measurable share of these queries.
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        return None


def _as_member(queryset: QuerySet, memberships: str, user: User) -> QuerySet:
    """Only rows of the user's organisations, each with the user's `role` there.

    An inner join rather than a subquery: it compiles in about half the time, which every page
    of a project or an assessment pays. A person has at most one membership per organisation.
    """
    return queryset.filter(**{f"{memberships}__user": user.pk}).annotate(
        role=F(f"{memberships}__role")
    )


def _as_collaborator(queryset: QuerySet, grants: str, user: User, pk: int):
    """The object through the user's grants on its project (one row per grant), or None."""
    rows = list(
        queryset.filter(pk=pk, **{f"{grants}__user": user.pk}).annotate(
            grant=F(f"{grants}__permission__codename")
        )
    )
    if not rows:
        return None
    found = rows[0]
    found.role = None
    found.grant_codenames = frozenset(r.grant for r in rows)
    return found


def _project_caps(obj) -> tuple[Capabilities, bool]:
    if obj.role is not None:
        return role_capabilities(obj.role), False
    return grant_capabilities(obj.grant_codenames), True


def get_organisation_for(user: User, pk: int, need: str = Can.VIEW) -> Organisation:
    """Organisations are their members' business: collaborators on one project get 404."""
    if not user.is_authenticated:
        raise Http404
    organisation = _one(_as_member(Organisation.objects, "memberships", user), pk)
    organisation_caps = role_capabilities(organisation.role) if organisation else NOTHING
    require(organisation_caps, need)
    organisation.caps = organisation_caps
    return organisation


def get_project_for(user: User, pk: int, need: str = Can.VIEW) -> Project:
    """The project with its organisation; `project.caps` is what the user may do with it.

    One query for members; collaborators and outsiders pay a second one.
    """
    if not user.is_authenticated:
        raise Http404
    base = Project.objects.select_related("organisation")
    project = _one(_as_member(base, "organisation__memberships", user), pk)
    if project is None:
        project = _as_collaborator(base, "grants", user, pk)
    if project is None:
        raise Http404
    project.caps, collaborator = _project_caps(project)
    project.is_collaborator = collaborator
    require(project.caps, need, collaborator=collaborator)
    return project


def get_assessment_for(user: User, pk: int, need: str = Can.VIEW) -> Assessment:
    """The assessment with its project, organisation, submitter's name and submission (if any),
    and its checklist version from memory; `assessment.caps` is what the user may do with it.

    One query for members; collaborators and outsiders pay a second one. Asking to change a
    submitted assessment is refused (403) with a message that says it is locked.
    """
    if not user.is_authenticated:
        raise Http404
    # With its submission's number and milestone (for the pages' headers), not its snapshot.
    base = (
        Assessment.objects.select_related("project__organisation", "submission")
        .defer("submission__answers", "submission__summary")
        .annotate(submitter_name=F("submitted_by__name"))
    )
    assessment = _one(_as_member(base, "project__organisation__memberships", user), pk)
    if assessment is None:
        assessment = _as_collaborator(base, "project__grants", user, pk)
    if assessment is None:
        raise Http404
    project_caps, collaborator = _project_caps(assessment)
    assessment.checklist = checklist_version(assessment.checklist_id)
    assessment.caps = assessment_capabilities(project_caps, assessment)
    assessment.is_collaborator = collaborator
    if need in project_caps and need not in assessment.caps:
        raise PermissionDenied(
            _(
                "This assessment has been submitted and can no longer be changed. Start a new assessment from it to make changes."
            )
        )
    require(assessment.caps, need, collaborator=collaborator)
    return assessment


def get_evidence_for(user: User, pk: int, need: str = Can.VIEW) -> EvidenceFile:
    """An evidence file, with `evidence.assessment` as get_assessment_for gives it (its caps
    included), for someone who may do `need` with that assessment. A restricted file is refused
    (403) to those who may see the assessment but not such files."""
    # A file in the trash, or past its deletion date, is gone for everyone on the very next
    # request; only its restoring (need=KEEP_EVIDENCE) still finds it.
    files = EvidenceFile.objects.filter(pk=pk)
    if need != Can.KEEP_EVIDENCE:
        files = files.live()
    evidence = files.first()
    if evidence is None or not user.is_authenticated:
        raise Http404
    evidence.assessment = get_assessment_for(user, evidence.assessment_id, need)
    if evidence.restricted:
        require(
            evidence.assessment.caps,
            Can.VIEW_RESTRICTED_EVIDENCE,
            collaborator=evidence.assessment.is_collaborator,
        )
    return evidence


def get_data_export_for(user: User, organisation_pk: int, pk: int) -> DataExport:
    """An archive of the organisation's data that can still be downloaded, for its owners
    (Can.MANAGE_DATA): 404 for people outside the organisation, 403 for its other members.
    An archive past its seven days is gone (404) on the very next request."""
    organisation = get_organisation_for(user, organisation_pk, Can.MANAGE_DATA)
    export = DataExport.objects.downloadable().filter(organisation=organisation, pk=pk).first()
    if export is None:
        raise Http404
    export.organisation = organisation
    return export


def get_invitation_for(user: User, pk: int) -> Invitation:
    """An invitation is its addressee's business: the one sent to the user's address, answered
    or not (its page says which), with whom it is from and what it is for; 404 for anyone else.

    The organisation's side of an invitation (resend, cancel) goes through get_organisation_for.
    """
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Invitation.objects.select_related("organisation", "project", "invited_by"),
        pk=pk,
        email=normalise_email(user.email),
    )


# --- Shares, from the recipient's side ---------------------------------------------------------


def shared_capabilities(share_role: str, member_role: str) -> Capabilities:
    """What a member of the receiving organisation may do with a live share: read it and
    download it; comment on it when they may edit there; review it too when the share is a
    reviewer's."""
    caps = {Can.VIEW, Can.EXPORT}
    if member_role in (Membership.Role.OWNER, Membership.Role.EDITOR):
        caps.add(Can.COMMENT)
        if share_role == Share.Role.REVIEWER:
            caps.add(Can.REVIEW)
    return Capabilities(caps)


def live_shares() -> QuerySet[Share]:
    """Shares in force: accepted, neither revoked nor expired. Every recipient's access goes
    through this filter, in the same query that fetches the share: a share revoked or expired
    is refused on the very next request, with nothing to wait for."""
    return Share.objects.filter(status=Share.Status.ACTIVE, expires_at__gt=timezone.now())


def get_share_for(user: User, pk: int, need: str = Can.VIEW) -> Share:
    """A live share received by one of the user's organisations, with its project, owner
    organisation, recipient and first submission; `share.caps` is what the user may do.

    404 for anyone else, the owner organisation's own people included (they have the preview),
    and for everyone once the share is revoked or expired. Recipients never re-share: no
    capability here lets them.
    """
    if not user.is_authenticated:
        raise Http404
    base = (
        live_shares()
        .select_related("project__organisation", "recipient", "submission")
        .defer("submission__answers", "submission__summary")
    )
    share = _one(
        base.filter(recipient__memberships__user=user.pk).annotate(
            member_role=F("recipient__memberships__role")
        ),
        pk,
    )
    if share is None:
        raise Http404
    share.caps = shared_capabilities(share.role, share.member_role)
    require(share.caps, need)
    return share


def shared_submissions(share: Share) -> QuerySet[Submission]:
    """The submissions a share covers: the one shared, and with follows_later every later one
    of the project, by number."""
    covered = Submission.objects.filter(project=share.project_id)
    if share.follows_later:
        return covered.filter(number__gte=share.submission.number)
    return covered.filter(pk=share.submission_id)


def get_shared_submission(share: Share, number: int | None = None) -> Submission:
    """One submission the share covers (the latest when `number` is None), or 404."""
    # With the assessment's frozen profile: which questions applied (selectors.sharing).
    covered = shared_submissions(share).select_related("assessment")
    found = covered.filter(number=number) if number is not None else covered.order_by("-number")
    submission = found.first()
    if submission is None:
        raise Http404
    return submission


def get_accepted_share_of(assessment: Assessment, share_pk: int) -> Share:
    """The owner's side of a share: one of the assessment's project that was accepted, live or
    ended (its comment threads stay readable to the owner organisation), with its recipient
    and first submission; 404 otherwise. The caller has fetched the assessment with
    get_assessment_for, which decides what the user may do (`assessment.caps`)."""
    return get_object_or_404(
        Share.objects.select_related("recipient", "submission").defer(
            "submission__answers", "submission__summary"
        ),
        pk=share_pk,
        project=assessment.project_id,
        recipient__isnull=False,
    )


def get_offer_for(user: User, pk: int) -> Share:
    """A share offered to the user's address, waiting or answered (its page says which);
    404 for anyone else. The owner's side of a share goes through get_assessment_for."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Share.objects.select_related("project__organisation", "submission", "created_by"),
        pk=pk,
        recipient_email=normalise_email(user.email),
    )


# --- Cohorts and requests: the recipient's side of asking -----------------------------------


def _as_member_of(queryset: QuerySet, organisation: str, user: User) -> QuerySet:
    """As _as_member, for rows that have a `role` of their own: the user's is `member_role`."""
    return queryset.filter(**{f"{organisation}__memberships__user": user.pk}).annotate(
        member_role=F(f"{organisation}__memberships__role")
    )


def get_cohort_for(user: User, pk: int, need: str = Can.VIEW) -> Cohort:
    """A cohort of one of the user's organisations: its members follow it, its owners run it
    (Can.MANAGE_ORGANISATION); 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    cohort = _one(_as_member_of(Cohort.objects.select_related("funder"), "funder", user), pk)
    if cohort is None:
        raise Http404
    cohort.caps = role_capabilities(cohort.member_role)
    require(cohort.caps, need)
    return cohort


def get_cohort_by_code(user: User, code: str) -> Cohort:
    """The cohort a join code names, for whoever holds the code (404 otherwise)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Cohort.objects.select_related("funder"), join_code=code.upper())


def get_request_for(user: User, pk: int) -> ShareRequest:
    """A request made to the user's address (404 for anyone else)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        ShareRequest.objects.select_related("requester", "requested_by"),
        pk=pk,
        to_email=normalise_email(user.email),
    )


def get_request_made(user: User, pk: int, need: str = Can.VIEW) -> ShareRequest:
    """A request made by one of the user's organisations; its owners may withdraw it
    (Can.SHARE)."""
    if not user.is_authenticated:
        raise Http404
    request = _one(
        _as_member_of(ShareRequest.objects.select_related("requester"), "requester", user), pk
    )
    if request is None:
        raise Http404
    request.caps = role_capabilities(request.member_role)
    require(request.caps, need)
    return request


# --- Everything a person may see -----------------------------------------------------------


def organisations_where(user: User, need: str) -> QuerySet[Organisation]:
    """The organisations in which the user's role gives this capability, by name."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if need in caps]
    return Organisation.objects.filter(
        memberships__user=user.pk, memberships__role__in=roles
    ).order_by("name")


def granted_projects(user: User) -> QuerySet[Project]:
    """Projects of other organisations that the user works on as a collaborator."""
    return (
        Project.objects.filter(grants__user=user.pk)
        .exclude(organisation__memberships__user=user.pk)
        .distinct()
    )


def visible_projects(user: User) -> QuerySet[Project]:
    """Every project the user may see: their organisations' and those granted to them."""
    granted = ProjectUserObjectPermission.objects.filter(user=user.pk).values("content_object")
    return Project.objects.filter(
        Q(organisation__in=Membership.objects.filter(user=user.pk).values("organisation"))
        | Q(pk__in=granted)
    )


def visible_assessments(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(project__in=visible_projects(user))


def project_grants(user: User, project_ids) -> dict[int, Capabilities]:
    """The capabilities given by grants, for each of these projects granted to the user."""
    codenames: dict[int, set[str]] = {}
    for project_id, codename in ProjectUserObjectPermission.objects.filter(
        user=user.pk, content_object__in=list(project_ids)
    ).values_list("content_object", "permission__codename"):
        codenames.setdefault(project_id, set()).add(codename)
    return {pk: grant_capabilities(names) for pk, names in codenames.items()}


def project_capabilities(user: User, projects) -> None:
    """Set `project.caps` on each of these projects, from `project.role` (the user's role in its
    organisation) or, where that is None, from the user's grants on it (1 query if any)."""
    granted = [project.pk for project in projects if project.role is None]
    grants = project_grants(user, granted) if granted else {}
    for project in projects:
        project.caps = (
            role_capabilities(project.role)
            if project.role is not None
            else grants.get(project.pk, NOTHING)
        )
