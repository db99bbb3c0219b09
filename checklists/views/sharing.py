"""Sharing submissions: the owner's access page, preview and offer; the recipient's offer page,
shared pages, PDFs and exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import (
    Can,
    get_assessment_for,
    get_offer_for,
    get_share_for,
    get_shared_submission,
    shared_submissions,
)
from ..catalog import catalog
from ..downloads import private_download
from ..forms.sharing import ShareAcceptForm, ShareExtendForm, ShareTermsForm
from ..links import site_of
from ..models import Share, Submission
from ..selectors.reviews import review_state
from ..selectors.sharing import (
    owned_organisations,
    requests_waiting,
    share_timeline,
    shared_page,
    shares_of,
)
from ..services import sharing as sharing_services


def _submission_of(assessment) -> Submission:
    """The assessment's submission with its snapshot; only submissions are ever shared."""
    if not assessment.is_submitted:
        raise Http404
    submission = Submission.objects.select_related("project__organisation").get(
        assessment=assessment.pk
    )
    submission.assessment = assessment
    return submission


def _terms_form(assessment, data=None, *, initial=None) -> ShareTermsForm:
    sections = [(s.key, f"{s.key}. {s.title}") for s in catalog(assessment.checklist).sections]
    return ShareTermsForm(data, sections=sections, initial=initial)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal shown on the form, beside the field it is about when it names one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, texts in error.message_dict.items():
        form.add_error(name if name in form.fields else None, texts)


def _sharing_page(request, assessment, form=None, extend_forms=None, status=200):
    submission = _submission_of(assessment) if assessment.is_submitted else None
    return render(
        request,
        "checklists/sharing/access.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "submission": submission,
            "rows": shares_of(submission) if submission else [],
            "timeline": share_timeline(assessment.project_id, assessment.project.organisation_id)
            if submission
            else [],
            "form": form or _terms_form(assessment),
            "extend_forms": extend_forms or {},
            # Requests for shares made to this owner: answered with any of their submissions.
            "requests": requests_waiting(request.user) if Can.SHARE in assessment.caps else [],
            "caps": assessment.caps,
        },
        status=status,
    )


@login_required
def assessment_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has access to this submission, at what detail and until when; offer a new share."""
    assessment = get_assessment_for(request.user, pk, Can.VIEW_SHARES)
    # Back from the preview to change the terms: the form starts from them.
    initial = {name: request.GET.get(name) for name in request.GET if name != "sections"}
    if request.GET.getlist("sections"):
        initial["sections"] = request.GET.getlist("sections")
    form = _terms_form(assessment, initial=initial) if initial else None
    return _sharing_page(request, assessment, form=form)


@login_required
def share_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly what the recipient would see under these terms, before anything is offered."""
    assessment = get_assessment_for(request.user, pk, Can.SHARE)
    submission = _submission_of(assessment)
    form = _terms_form(assessment, request.GET)
    if not form.is_valid():
        return _sharing_page(request, assessment, form=form, status=400)
    terms = form.cleaned_data
    page = shared_page(submission, assessment.project, terms["detail"], terms["sections"])
    return render(
        request,
        "checklists/sharing/preview.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "page": page,
            "terms": terms,
            "query": request.GET.urlencode(),
            "form": form,
        },
    )


@login_required
@require_POST
def share_create(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, Can.SHARE)
    submission = _submission_of(assessment)
    form = _terms_form(assessment, request.POST)
    if form.is_valid():
        terms = form.cleaned_data
        try:
            share = sharing_services.share_offer(
                submission=submission,
                email=terms["email"],
                detail=terms["detail"],
                sections=terms["sections"],
                role=terms["role"],
                follows_later=terms["follows_later"],
                expires_at=terms["expires_at"],
                message=terms["message"],
                user=request.user,
                site=site_of(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Offered to %(email)s. Nothing is shared until an owner of their organisation accepts."
                )
                % {"email": share.recipient_email},
            )
            return redirect("checklists:assessment-sharing", assessment.pk)
    return _sharing_page(request, assessment, form=form, status=400)


def _owned_share(assessment, share_pk: int) -> Share:
    return get_object_or_404(
        Share.objects.select_related("recipient", "submission"),
        pk=share_pk,
        project=assessment.project_id,
    )


@login_required
@require_POST
def share_end(request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
    """Revoke a share, or withdraw an offer: the recipient's next request is refused."""
    assessment = get_assessment_for(request.user, pk, Can.SHARE)
    share = _owned_share(assessment, share_pk)
    try:
        ended = sharing_services.share_end(share=share, user=request.user, site=site_of(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        if ended.status == Share.Status.REVOKED:
            messages.success(
                request,
                _("Revoked: %(name)s no longer has access.") % {"name": ended.recipient.name},
            )
        else:
            messages.success(request, _("Offer withdrawn."))
    return redirect("checklists:assessment-sharing", assessment.pk)


@login_required
@require_POST
def share_extend(request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, Can.SHARE)
    share = _owned_share(assessment, share_pk)
    form = ShareExtendForm(request.POST, prefix=f"s{share.pk}")
    if form.is_valid():
        try:
            sharing_services.share_extend(
                share=share, expires_at=form.cleaned_data["expires_at"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The expiry date is changed."))
            return redirect("checklists:assessment-sharing", assessment.pk)
    return _sharing_page(request, assessment, extend_forms={share.pk: form}, status=400)


# --- The recipient's side --------------------------------------------------------------------


@login_required
def share_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """An offer made to the user's address: accept it for an organisation they own, or not."""
    share = get_offer_for(request.user, pk)
    organisations = [
        o for o in owned_organisations(request.user) if o.pk != share.project.organisation_id
    ]
    form = ShareAcceptForm(
        request.POST if request.method == "POST" else None, organisations=organisations
    )
    problem = "" if share.is_waiting else _("This offer is no longer open.")
    if request.method == "POST" and not problem:
        choice = request.POST.get("answer")
        try:
            if choice == "decline":
                sharing_services.share_decline(share=share, user=request.user)
                messages.info(request, _("Offer declined."))
                return redirect("checklists:dashboard")
            if choice == "accept" and form.is_valid():
                organisation = next(
                    o for o in organisations if o.pk == form.cleaned_data["organisation"]
                )
                accepted = sharing_services.share_accept(
                    share=share, organisation=organisation, user=request.user, site=site_of(request)
                )
                messages.success(
                    request,
                    _("Accepted for %(organisation)s.") % {"organisation": organisation.name},
                )
                return redirect("checklists:shared", accepted.pk)
            if choice not in ("accept", "decline"):
                problem = _("Choose to accept or to decline the offer.")
        except ValidationError as error:
            problem = _error_text(error)
    return render(
        request,
        "checklists/sharing/offer.html",
        {"share": share, "form": form, "organisations": organisations, "problem": problem},
        status=400 if request.method == "POST" and (problem or form.errors) else 200,
    )


@login_required
def shared(request: HttpRequest, pk: int, number: int | None = None) -> HttpResponse:
    """A submission as the share shows it: the latest it covers, or the one numbered."""
    share = get_share_for(request.user, pk, Can.VIEW)
    submission = get_shared_submission(share, number)
    page = shared_page(submission, share.project, share.detail, share.sections)
    sharing_services.share_record_access(share=share, submission=submission, user=request.user)
    review = review_state(share, submission)
    return render(
        request,
        "checklists/sharing/shared.html",
        {
            "share": share,
            "submission": submission,
            "page": page,
            "review": review,
            "timeline": share_timeline(share.project_id, share.project.organisation_id, share),
            "covered": list(
                shared_submissions(share)
                .order_by("-number")
                .values("number", "milestone", "submitted_at", "verdict")
            ),
        },
    )


@login_required
def shared_report_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    from .. import reports

    share = get_share_for(request.user, pk, Can.EXPORT)
    submission = get_shared_submission(share, number)
    page = shared_page(submission, share.project, share.detail, share.sections)
    body = reports.shared_report_pdf(page, share=share)
    sharing_services.share_record_access(
        share=share, submission=submission, user=request.user, fmt="pdf"
    )
    return private_download(
        body,
        content_type="application/pdf",
        filename=_filename(share, submission, "pdf"),
        inline=True,
    )


@login_required
def shared_export(request: HttpRequest, pk: int, number: int, fmt: str) -> HttpResponse:
    from ..data_exchange import shared_csv, shared_json

    share = get_share_for(request.user, pk, Can.EXPORT)
    submission = get_shared_submission(share, number)
    page = shared_page(submission, share.project, share.detail, share.sections)
    if fmt == "csv":
        body, content_type = shared_csv(page).encode("utf-8-sig"), "text/csv; charset=utf-8"
    elif fmt == "json":
        body, content_type = shared_json(page, share=share).encode(), "application/json"
    else:
        raise Http404
    sharing_services.share_record_access(
        share=share, submission=submission, user=request.user, fmt=fmt
    )
    return private_download(
        body, content_type=content_type, filename=_filename(share, submission, fmt)
    )


def _filename(share: Share, submission: Submission, extension: str) -> str:
    from django.utils.text import slugify

    name = slugify(share.project.name)[:60] or "project"
    return f"{name}-submission-{submission.number}-{share.detail}.{extension}"
