"""Organisations and projects: setting up an organisation, the funder's portfolio, and a
project's pages (create, detail, edit, delete)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..access import Can, get_project_for, organisations_where, role_capabilities
from ..downloads import private_download
from ..forms.projects import OrganisationForm, ProjectDeleteForm, ProjectForm
from ..forms.sharing import PortfolioFilterForm
from ..models import Assessment, Organisation
from ..portfolio_rows import portfolio_csv as rows_csv
from ..portfolio_rows import rows_html, rows_of
from ..selectors import dashboard_memberships
from ..selectors.portfolio import (
    PAGE_SIZE,
    Filters,
    portfolio_charts,
    portfolio_page,
)
from ..selectors.sharing import cohort_choices, milestones_due, waiting_for


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


def _portfolio(request: HttpRequest):
    """The filters asked for and whether they are valid."""
    form = PortfolioFilterForm(request.GET or None, cohorts=cohort_choices(request.user))
    valid = form.is_valid() if request.GET else True
    filters = (
        Filters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
        if request.GET and valid
        else Filters()
    )
    return form, valid, filters


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """Every project shared with the user's organisations, one row each with its latest
    submission, its progress since the baseline and its review; filters, charts, and the offers
    waiting for an answer."""
    form, valid, filters = _portfolio(request)
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    start = (page_number - 1) * PAGE_SIZE
    totals, rows = portfolio_page(request.user, filters, start, start + PAGE_SIZE)
    pages = max(1, -(-totals.n // PAGE_SIZE))
    if page_number > pages:  # past the last page, as an old link may be: show the last one
        page_number = pages
        start = (page_number - 1) * PAGE_SIZE
        totals, rows = portfolio_page(request.user, filters, start, start + PAGE_SIZE)
    verdict_chart, gate_chart = portfolio_charts(totals)
    on_page = rows_of(rows)
    memberships = dashboard_memberships(request.user)
    funders = [
        m.organisation for m in memberships if m.organisation.kind == Organisation.Kind.FUNDER
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "checklists/portfolio.html",
        {
            "funder_names": ", ".join(organisation.name for organisation in funders),
            "can_create_project": any(
                Can.CREATE_PROJECT in role_capabilities(m.role) for m in memberships
            ),
            "form": form,
            "filtered": bool(request.GET.keys() - {"page"}),
            "rows": on_page,
            "rows_html": rows_html(on_page),
            "totals": totals,
            "verdict_chart": verdict_chart,
            "gate_chart": gate_chart,
            "page_number": page_number,
            "pages": pages,
            "query": query.urlencode(),
            "offers": waiting_for(request.user, requests=False)[0],
        },
        status=200 if valid else 400,
    )


@login_required
def portfolio_csv(request: HttpRequest) -> HttpResponse:
    """The portfolio's rows under the same filters, every page of them."""
    _form, valid, filters = _portfolio(request)
    if not valid:
        return HttpResponseBadRequest(_("These filters are not valid."))
    body = rows_csv(portfolio_page(request.user, filters)[1]).encode("utf-8-sig")
    return private_download(
        body, content_type="text/csv; charset=utf-8", filename="westcheck-portfolio.csv"
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
        {
            "project": project,
            "assessments": assessments,
            "caps": project.caps,
            # What funders' cohorts ask of this project: its members' to-do.
            "milestones_due": milestones_due(project.pk) if Can.VIEW_SHARES in project.caps else [],
        },
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
