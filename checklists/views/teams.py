"""Pages for working together: an organisation's members and invitations, answering an
invitation, and a project's outside collaborators."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..access import Can, get_invitation_for, get_organisation_for, get_project_for
from ..forms.projects import OrganisationEditForm
from ..forms.teams import AccessForm, CollaboratorForm, InvitationForm, RoleForm
from ..links import site_of, url
from ..models import Invitation, Membership, Organisation, Project, User
from ..selectors.teams import (
    invitation_for_token,
    member_for,
    organisation_members,
    pending_invitations,
    project_collaborators,
)
from ..services.teams import invitation_problem, token_hash


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- An organisation's members ---------------------------------------------------------------


@login_required
def members_page(request: HttpRequest, pk: int, invite_form=None, status=200) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.VIEW_PEOPLE)
    members = organisation_members(organisation)
    mine = next((m for m in members if m.user_id == request.user.pk), None)
    context = {
        "organisation": organisation,
        "caps": organisation.caps,
        "members": members,
        "mine": mine,
        "owners": sum(1 for m in members if m.role == Membership.Role.OWNER),
        "roles": Membership.Role.choices,
    }
    if organisation.caps.manage_members:
        context["invitations"] = pending_invitations(organisation=organisation)
        context["invite_form"] = invite_form or InvitationForm()
    return render(request, "checklists/organisation_members.html", context, status=status)


@login_required
@require_POST
def member_invite(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_MEMBERS)
    return _invite(
        request,
        InvitationForm(request.POST),
        organisation=organisation,
        back=url("checklists:organisation-members", organisation.pk),
        page=lambda form: members_page(request, pk, invite_form=form, status=400),
    )


def _invite(
    request: HttpRequest,
    form: InvitationForm,
    *,
    organisation: Organisation,
    back: str,
    page: Callable[[InvitationForm], HttpResponse],
    project: Project | None = None,
) -> HttpResponse:
    """Send the invitation `form` asks for, to the organisation or (with a project) to that
    project alone; then go `back`. A refused one draws the form again, with its errors, through
    `page`."""
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation,
                project=project,
                invited_by=request.user,
                site=site_of(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works for %(days)d days.")
                % {"email": invitation.email, "days": Invitation.VALID_FOR.days},
            )
            return redirect(back)
    return page(form)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _organisation_invitation(request: HttpRequest, pk: int, invitation_pk: int):
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_MEMBERS)
    invitation = get_object_or_404(
        Invitation, pk=invitation_pk, organisation=organisation, project__isnull=True
    )
    return organisation, invitation


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    organisation, invitation = _organisation_invitation(request, pk, invitation_pk)
    return _resend(request, invitation, url("checklists:organisation-members", organisation.pk))


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    organisation, invitation = _organisation_invitation(request, pk, invitation_pk)
    return _cancel(request, invitation, url("checklists:organisation-members", organisation.pk))


def _resend(request, invitation: Invitation, back: str) -> HttpResponse:
    try:
        services.invitation_resend(invitation=invitation, user=request.user, site=site_of(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Invitation sent again to %(email)s.") % {"email": invitation.email}
        )
    return redirect(back)


def _cancel(request, invitation: Invitation, back: str) -> HttpResponse:
    try:
        services.invitation_cancel(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Invitation to %(email)s cancelled.") % {"email": invitation.email}
        )
    return redirect(back)


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_MEMBERS)
    membership = member_for(organisation, member_pk)
    form = RoleForm(request.POST)
    back = url("checklists:organisation-members", organisation.pk)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    try:
        services.member_change_role(
            membership=membership, role=form.cleaned_data["role"], user=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    messages.success(
        request,
        _("%(name)s is now %(role)s.")
        % {
            "name": membership.user,
            "role": Membership.Role(form.cleaned_data["role"]).label.lower(),
        },
    )
    if membership.user_id == request.user.pk and form.cleaned_data["role"] != Membership.Role.OWNER:
        return redirect("checklists:dashboard")
    return redirect(back)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Owners remove members; every member may remove themselves (leave)."""
    organisation = get_organisation_for(request.user, pk, Can.VIEW)
    membership = member_for(organisation, member_pk)
    leaving = membership.user_id == request.user.pk
    if not leaving:
        organisation = get_organisation_for(request.user, pk, Can.MANAGE_MEMBERS)
    try:
        services.member_remove(membership=membership, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("checklists:organisation-members", organisation.pk)
    if leaving:
        messages.success(request, _("You have left %(name)s.") % {"name": organisation.name})
        return redirect("checklists:dashboard")
    messages.success(
        request,
        _("%(name)s no longer belongs to %(organisation)s.")
        % {"name": membership.user, "organisation": organisation.name},
    )
    return redirect("checklists:organisation-members", organisation.pk)


@login_required
@require_POST
def ownership_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_MEMBERS)
    back = url("checklists:organisation-members", organisation.pk)
    try:
        to = member_for(organisation, int(request.POST.get("member", "")))
    except ValueError:
        messages.error(request, _("Choose the member who will own the organisation."))
        return redirect(back)
    try:
        services.ownership_hand_over(organisation=organisation, to=to, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    messages.success(
        request,
        _("%(name)s now owns %(organisation)s; you are an editor.")
        % {"name": to.user, "organisation": organisation.name},
    )
    return redirect(back)


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_ORGANISATION)
    form = OrganisationEditForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_update(
            organisation=organisation, user=request.user, **form.cleaned_data
        )
        messages.success(request, _("Organisation saved."))
        return redirect("checklists:organisation-members", organisation.pk)
    return render(
        request, "checklists/organisation_edit.html", {"form": form, "organisation": organisation}
    )


# --- Answering an invitation ---------------------------------------------------------------


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation's link opens: who invites whom to what, accept or decline.

    Someone not logged in is asked to log in or sign up with the invited address, and comes
    back here afterwards. A used, cancelled, expired or forged link says so, and nothing else.
    """
    return _answer_invitation(request, invitation_for_token(token_hash(token)), token=token)


@login_required
def invitation_received(request: HttpRequest, pk: int) -> HttpResponse:
    """The same page, opened from the list of invitations waiting for the user's address
    (the e-mail's link holds the only copy of the token)."""
    return _answer_invitation(request, get_invitation_for(request.user, pk))


def _answer_invitation(
    request: HttpRequest, found: Invitation | None, token: str | None = None
) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    problem = invitation_problem(found, user)
    if request.method == "POST" and not problem and user is not None:
        choice = request.POST.get("answer")
        try:
            if choice == "accept":
                accepted = services.invitation_accept(token=token, invitation=found, user=user)
                messages.success(request, _accepted_message(accepted))
                return redirect(accepted.project or "checklists:dashboard")
            if choice == "decline":
                services.invitation_decline(token=token, invitation=found, user=user)
                messages.info(request, _("Invitation declined."))
                return redirect("checklists:dashboard")
            problem = _("Choose to accept or to decline the invitation.")
        except ValidationError as error:
            problem = _error_text(error)
    return render(
        request,
        "checklists/invitation.html",
        {"invitation": found, "problem": problem, "here": request.get_full_path()},
        status=_invitation_status(found, problem),
    )


def _invitation_status(found: Invitation | None, problem: str) -> int:
    if found is None:
        return 404
    if not problem:
        return 200
    if found.status != Invitation.Status.PENDING or found.is_expired:
        return 410  # gone for good: used, declined, cancelled or expired
    return 403  # right link, wrong account; or no choice made


def _accepted_message(invitation: Invitation) -> str:
    if invitation.project is not None:
        return _("You now work on %(project)s.") % {"project": invitation.project.name}
    return _("Welcome to %(organisation)s.") % {"organisation": invitation.organisation.name}


# --- A project's collaborators -------------------------------------------------------------


@login_required
def project_people(request: HttpRequest, pk: int, invite_form=None, status=200) -> HttpResponse:
    project = get_project_for(request.user, pk, Can.VIEW_PEOPLE)
    context = {
        "project": project,
        "caps": project.caps,
        "collaborators": project_collaborators(project),
    }
    if project.caps.manage_collaborators:
        context["invitations"] = pending_invitations(project=project)
        context["invite_form"] = invite_form or CollaboratorForm()
        context["access_form"] = AccessForm
    return render(request, "checklists/project_people.html", context, status=status)


@login_required
@require_POST
def collaborator_invite(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for(request.user, pk, Can.MANAGE_COLLABORATORS)
    return _invite(
        request,
        CollaboratorForm(request.POST),
        organisation=project.organisation,
        project=project,
        back=url("checklists:project-people", project.pk),
        page=lambda form: project_people(request, pk, invite_form=form, status=400),
    )


def _project_invitation(request: HttpRequest, pk: int, invitation_pk: int):
    project = get_project_for(request.user, pk, Can.MANAGE_COLLABORATORS)
    return project, get_object_or_404(Invitation, pk=invitation_pk, project=project)


@login_required
@require_POST
def collaborator_invitation_resend(request: HttpRequest, pk: int, invitation_pk: int):
    project, invitation = _project_invitation(request, pk, invitation_pk)
    return _resend(request, invitation, url("checklists:project-people", project.pk))


@login_required
@require_POST
def collaborator_invitation_cancel(request: HttpRequest, pk: int, invitation_pk: int):
    project, invitation = _project_invitation(request, pk, invitation_pk)
    return _cancel(request, invitation, url("checklists:project-people", project.pk))


def _collaborator(project, user_pk: int) -> User:
    people = {c.user.pk: c.user for c in project_collaborators(project)}
    if user_pk not in people:
        raise Http404
    return people[user_pk]


@login_required
@require_POST
def collaborator_change(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    project = get_project_for(request.user, pk, Can.MANAGE_COLLABORATORS)
    person = _collaborator(project, user_pk)
    form = AccessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        services.collaborator_change(
            project=project, person=person, role=form.cleaned_data["role"], user=request.user
        )
        messages.success(request, _("Access changed for %(name)s.") % {"name": person})
    return redirect("checklists:project-people", project.pk)


@login_required
@require_POST
def collaborator_revoke(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    project = get_project_for(request.user, pk, Can.MANAGE_COLLABORATORS)
    person = _collaborator(project, user_pk)
    services.collaborator_revoke(project=project, person=person, user=request.user)
    messages.success(
        request,
        _("%(name)s no longer works on %(project)s.") % {"name": person, "project": project.name},
    )
    return redirect("checklists:project-people", project.pk)
