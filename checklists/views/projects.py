"""Organisations and projects: setting up an organisation, the funder's portfolio, and a
project's pages (create, detail, edit, delete)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..access import Can, get_project_for, organisations_where
from ..catalog import checklist_version
from ..forms.projects import OrganisationForm, ProjectDeleteForm, ProjectForm
from ..models import Assessment, Organisation
from ..selectors import dashboard_memberships
from ..selectors.reviews import latest_rounds
from ..selectors.sharing import offers_waiting, shares_received


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(owner=request.user, **form.cleaned_data)
        messages.success(
            request, _("%(name)s is set up. You are its owner.") % {"name": organisation.name}
        )
        if organisation.kind == Organisation.Kind.FUNDER:
            # A funder mostly follows its grantees' work: their assessments arrive there.
            return redirect("checklists:portfolio")
        return redirect("checklists:project-create")
    return render(request, "checklists/organisation_form.html", {"form": form})


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """What other organisations share with the user's: offers waiting for an answer, then the
    live shares, one row per project with the latest submission each covers."""
    funders = [
        m.organisation
        for m in dashboard_memberships(request.user)
        if m.organisation.kind == Organisation.Kind.FUNDER
    ]
    received = shares_received(request.user)
    rounds = latest_rounds(received)
    for share in received:
        share.latest_round = rounds.get(share.pk)
        levels = {
            level["key"]: level
            for level in checklist_version(share.submission.checklist_id).scoring["levels"]
        }
        share.latest_verdict_label = levels.get(share.latest_verdict, {}).get(
            "label", share.latest_verdict
        )
    can_create = organisations_where(request.user, Can.CREATE_PROJECT).exists()
    return render(
        request,
        "checklists/portfolio.html",
        {
            "funder_names": ", ".join(organisation.name for organisation in funders),
            "can_create_project": can_create,
            "received": received,
            "offers": list(offers_waiting(request.user)),
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    organisations = organisations_where(request.user, Can.CREATE_PROJECT)
    if not organisations.exists():
        messages.info(request, _("First tell us about your organisation."))
        return redirect("checklists:organisation-create")
    form = ProjectForm(request.POST or None, organisation_choices=organisations)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        project = services.project_create(
            organisation=fields.pop("organisation"), created_by=request.user, **fields
        )
        messages.success(request, _("Project created. Start an assessment when you are ready."))
        return redirect(project)
    return render(request, "checklists/project_form.html", {"form": form})


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for(request.user, pk, Can.VIEW)
    assessments = project.assessments.select_related("checklist", "started_by", "submission").only(
        "pk",
        "title",
        "status",
        "created_at",
        "updated_at",
        "submitted_at",
        "project_id",
        "checklist__title",
        "checklist__version",
        "started_by__name",
        "last_section",
        "submission__number",
        "submission__milestone",
    )
    return render(
        request,
        "checklists/project_detail.html",
        {"project": project, "assessments": assessments, "caps": project.caps},
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for(request.user, pk, Can.EDIT_PROJECT)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        services.project_update(project=project, user=request.user, **form.cleaned_data)
        messages.success(
            request, _("Project profile saved. Questions that depend on it are updated.")
        )
        return redirect(project)
    return render(request, "checklists/project_form.html", {"form": form, "project": project})


@login_required
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a project with all its assessments (owners). Submitted assessments are records
    others may rely on: with any, the project's name must be typed again."""
    project = get_project_for(request.user, pk, Can.DELETE_PROJECT)
    counts = project.assessments.aggregate(
        total=Count("pk"), submitted=Count("pk", filter=Q(status=Assessment.Status.SUBMITTED))
    )
    form = ProjectDeleteForm(
        request.POST if request.method == "POST" else None,
        name_to_type=project.name if counts["submitted"] else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.project_delete(
                project=project,
                user=request.user,
                confirm_name=form.cleaned_data.get("confirm_name", ""),
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, messages_ in errors.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(request, _("Project %(name)s deleted.") % {"name": project.name})
            return redirect("checklists:dashboard")
    return render(
        request,
        "checklists/project_delete.html",
        {"project": project, "form": form, **counts},
        status=422 if form.errors else 200,
    )
