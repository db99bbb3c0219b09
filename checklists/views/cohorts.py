"""Shares the recipient asks for: a funder's cohorts, which grantees join with a code, and
requests to one organisation's owner; and the grantee's answer to both."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import (
    Can,
    get_cohort_by_code,
    get_cohort_for,
    get_request_for,
    get_request_made,
    organisations_where,
)
from ..catalog import catalog, checklist_version
from ..downloads import private_download
from ..forms.sharing import (
    CohortForm,
    GrantForm,
    MilestoneRequestForm,
    RequestGrantForm,
    ShareRequestForm,
)
from ..links import site_of, url
from ..models import ChecklistVersion, Submission
from ..portfolio_rows import rows_of
from ..selectors.portfolio import (
    Filters,
    portfolio_charts,
    portfolio_page,
)
from ..selectors.sharing import (
    cohort_progress,
    cohort_shares,
    cohorts_of,
    own_submissions,
    requests_made,
)
from ..services import sharing as sharing_services
from .sharing import _add_errors


def _section_choices() -> list[tuple[str, str]]:
    # Cohorts and requests ask by the sections of the current checklist; a grantee's
    # submission of an older version shares the sections with the same keys.
    latest = ChecklistVersion.objects.order_by("-version").values_list("pk", flat=True).first()
    return [(s.key, f"{s.key}. {s.title}") for s in catalog(checklist_version(latest)).sections]


@login_required
def cohorts(request: HttpRequest) -> HttpResponse:
    """The cohorts of the user's organisations, and a new one (owners)."""
    owned = list(organisations_where(request.user, Can.MANAGE_ORGANISATION))
    form = CohortForm(
        request.POST if request.method == "POST" else None,
        organisations=owned,
        sections=_section_choices(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            funder = next((o for o in owned if o.pk == data["organisation"]), None)
            try:
                cohort = sharing_services.cohort_create(
                    funder=funder,
                    name=data["name"],
                    description=data["description"],
                    detail=data["detail"],
                    sections=data["sections"],
                    role=data["role"],
                    term_days=data["term_days"],
                    user=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Cohort created: send its join link to your grantees."))
                return redirect("checklists:cohort", cohort.pk)
        status = 400
    return render(
        request,
        "checklists/sharing/cohorts.html",
        {"cohorts": cohorts_of(request.user), "form": form if owned else None},
        status=status,
    )


@login_required
def cohort(request: HttpRequest, pk: int) -> HttpResponse:
    """The cohort: its join link, its grantees and the milestones it asks for."""
    cohort = get_cohort_for(
        request.user, pk, Can.MANAGE_ORGANISATION if request.method == "POST" else Can.VIEW
    )
    form = MilestoneRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sharing_services.cohort_milestone_request(
                    cohort=cohort,
                    milestone=form.cleaned_data["milestone"],
                    due_date=form.cleaned_data["due_date"],
                    user=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Asked: each grantee sees it as a to-do."))
                return redirect("checklists:cohort", cohort.pk)
        status = 400
    shares = cohort_shares(cohort)
    asked, done = cohort_progress(cohort, shares)
    for share in shares:
        share.milestones = [(m, (share.project_id, m.milestone) in done) for m in asked]
    return render(
        request,
        "checklists/sharing/cohort.html",
        {
            "cohort": cohort,
            "form": form,
            "asked": asked,
            "shares": shares,
            "join_link": site_of(request).rstrip("/")
            + url("checklists:cohort-join", cohort.join_code),
        },
        status=status,
    )


@login_required
def cohort_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The cohort's aggregates and a line per grantee, as a PDF."""
    from .. import reports

    cohort = get_cohort_for(request.user, pk, Can.VIEW)
    filters = Filters(cohort=cohort.pk)
    totals, rows = portfolio_page(request.user, filters)
    body = reports.cohort_report_pdf(
        cohort, rows=rows_of(rows), totals=totals, charts=portfolio_charts(totals)
    )
    return private_download(
        body,
        content_type="application/pdf",
        filename=f"cohort-{slugify(cohort.name)[:60] or cohort.pk}.pdf",
        inline=True,
    )


@login_required
@require_POST
def cohort_open(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request.user, pk, Can.MANAGE_ORGANISATION)
    is_open = request.POST.get("open") == "1"
    sharing_services.cohort_set_open(cohort=cohort, is_open=is_open, user=request.user)
    messages.success(
        request,
        _("The cohort takes new grantees.")
        if is_open
        else _("The cohort is closed to new grantees."),
    )
    return redirect("checklists:cohort", cohort.pk)


def _grant_form(form_class, data, *, asked_detail, asked_sections, submissions, initial=None):
    return form_class(
        data,
        submissions=submissions,
        asked_detail=asked_detail,
        asked_sections=asked_sections,
        section_choices=_section_choices(),
        initial=initial,
    )


def _submission(pk: int) -> Submission:
    # One of the form's choices, the user's own: the service checks again that they own it.
    return Submission.objects.select_related("project__organisation", "assessment").get(pk=pk)


@login_required
def cohort_join(request: HttpRequest, code: str) -> HttpResponse:
    """A grantee's owner shares a submission with the cohort's funder."""
    cohort = get_cohort_by_code(request.user, code)
    submissions = own_submissions(request.user)
    form = _grant_form(
        GrantForm,
        request.POST if request.method == "POST" else None,
        asked_detail=cohort.detail,
        asked_sections=cohort.sections,
        submissions=submissions,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                share = sharing_services.cohort_join(
                    cohort=cohort,
                    submission=_submission(data["submission"]),
                    detail=data["detail"],
                    sections=data["sections"],
                    follows_later=data["follows_later"],
                    user=request.user,
                    site=site_of(request),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Shared with %(funder)s for %(cohort)s.")
                    % {"funder": cohort.funder.name, "cohort": cohort.name},
                )
                return redirect("checklists:assessment-sharing", share.submission.assessment_id)
        status = 400
    return render(
        request,
        "checklists/sharing/cohort_join.html",
        {"cohort": cohort, "form": form, "submissions": submissions},
        status=status,
    )


@login_required
def share_requests(request: HttpRequest) -> HttpResponse:
    """The requests the user's organisations made, and a new one (owners)."""
    owned = list(organisations_where(request.user, Can.SHARE))
    form = ShareRequestForm(
        request.POST if request.method == "POST" else None,
        organisations=owned,
        sections=_section_choices(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = sharing_services.share_request(
                    requester=next(o for o in owned if o.pk == data["organisation"]),
                    email=data["email"],
                    purpose=data["purpose"],
                    detail=data["detail"],
                    sections=data["sections"],
                    role=data["role"],
                    expires_at=data["expires_at"],
                    user=request.user,
                    site=site_of(request),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, _("Request sent to %(email)s.") % {"email": made.to_email}
                )
                return redirect("checklists:share-requests")
        status = 400
    return render(
        request,
        "checklists/sharing/requests.html",
        {"form": form if owned else None, "made": requests_made(request.user)},
        status=status,
    )


@login_required
@require_POST
def share_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    made = get_request_made(request.user, pk, Can.SHARE)
    try:
        sharing_services.share_request_withdraw(request=made, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Request withdrawn."))
    return redirect("checklists:share-requests")


@login_required
def share_request(request: HttpRequest, pk: int) -> HttpResponse:
    """A request made to the user's address: grant it with a submission, or decline it."""
    asked = get_request_for(request.user, pk)
    submissions = own_submissions(request.user)
    form = _grant_form(
        RequestGrantForm,
        request.POST
        if request.method == "POST" and request.POST.get("answer") == "grant"
        else None,
        asked_detail=asked.detail,
        asked_sections=asked.sections,
        submissions=submissions,
        initial={"expires_at": asked.expires_at.date()},
    )
    problem = "" if asked.is_waiting else _("This request is no longer open.")
    if request.method == "POST" and not problem:
        answer = request.POST.get("answer")
        try:
            if answer == "decline":
                sharing_services.share_request_decline(request=asked, user=request.user)
                messages.info(request, _("Request declined."))
                return redirect("checklists:dashboard")
            if answer == "grant" and form.is_valid():
                data = form.cleaned_data
                share = sharing_services.share_request_grant(
                    request=asked,
                    submission=_submission(data["submission"]),
                    detail=data["detail"],
                    sections=data["sections"],
                    follows_later=data["follows_later"],
                    expires_at=data["expires_at"],
                    user=request.user,
                    site=site_of(request),
                )
                messages.success(
                    request, _("Shared with %(name)s.") % {"name": asked.requester.name}
                )
                return redirect("checklists:assessment-sharing", share.submission.assessment_id)
            if answer not in ("grant", "decline"):
                problem = _("Choose to share or to decline.")
        except ValidationError as error:
            _add_errors(form, error)
    failed = request.method == "POST" and (problem or form.errors)
    return render(
        request,
        "checklists/sharing/request.html",
        {"asked": asked, "form": form, "submissions": submissions, "problem": problem},
        status=400 if failed else 200,
    )
