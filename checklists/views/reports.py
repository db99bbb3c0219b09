"""Reports, actions, verification, exports: the readiness report as a page and as a PDF, the
action plan, checking a report's integrity hash (by its team, and by anyone who holds a
submitted report), and CSV and JSON exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .. import services
from ..access import Can, get_assessment_for
from ..downloads import private_download
from ..selectors import assessment_gaps, assessment_state, report_integrity
from ..selectors.verification import report_validity


@login_required
def assessment_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The readiness report as a web page: the same content as the PDF."""
    from ..reports import assessment_report_context

    assessment = get_assessment_for(request.user, pk, Can.VIEW)
    # A page shows the answers as they are now: no report date, unlike a PDF.
    context = {**assessment_report_context(assessment), "generated_at": None}
    return render(request, "checklists/report_preview.html", context)


@login_required
def assessment_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from .. import reports  # WeasyPrint is slow to import: only processes that render PDFs pay
    from ..data_exchange import export_filename

    assessment = get_assessment_for(request.user, pk, Can.EXPORT)
    body = reports.assessment_report_pdf(assessment, reuse=True)
    services.download_record(assessment=assessment, user=request.user, fmt="pdf")
    return private_download(
        body,
        content_type="application/pdf",
        filename=export_filename(assessment, "pdf", kind="report"),
        inline=True,
    )


@login_required
def assessment_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan the work on each gap: an owner, a due date and a status."""
    from ..forms.actions import (
        ActionForm,
        action_input_texts,
        action_inputs_html,
        bound_action_inputs_html,
    )
    from ..reports import action_plan

    assessment = get_assessment_for(
        request.user, pk, Can.PLAN_ACTIONS if request.method == "POST" else Can.VIEW
    )
    can_edit = Can.PLAN_ACTIONS in assessment.caps
    state = assessment_state(assessment, answerers=False)
    # Only the plan: not the whole report's context with its integrity hash.
    items, unanswered = action_plan(state, assessment_gaps(state))
    forms, status = None, 200
    if request.method == "POST":
        forms = [
            ActionForm(
                request.POST,
                prefix=f"a{item['key']}",
                initial=ActionForm.initial_for(item["action"]),
            )
            for item in items
        ]
        if all(form.is_valid() for form in forms):
            for item, form in zip(items, forms, strict=True):
                if not form.has_changed():
                    continue
                if form.cleaned_data["status"]:
                    services.action_update(
                        assessment=assessment,
                        question=item["question"],
                        user=request.user,
                        **form.cleaned_data,
                    )
                else:
                    services.action_clear(
                        assessment=assessment, question=item["question"], user=request.user
                    )
            messages.success(request, _("Action plan saved."))
            return redirect("checklists:assessment-actions", assessment.pk)
        status = 422
    # Only a refused save draws its forms, as sent; otherwise each action's inputs are drawn
    # from its values and no form is built.
    texts = action_input_texts() if can_edit else None
    for n, item in enumerate(items):
        if texts is None:
            item["inputs"] = None
        elif forms is not None:
            item["inputs"] = bound_action_inputs_html(forms[n], texts)
        else:
            initial = ActionForm.initial_for(item["action"])
            item["inputs"] = action_inputs_html(f"a{item['key']}", initial, {}, texts)
    plan = render_to_string(
        "checklists/_action_plan.html",
        {
            "assessment": assessment,
            "items": items,
            "can_edit": can_edit,
            "unanswered_keys": [q.key for q in unanswered],
        },
    )
    return render(
        request,
        "checklists/assessment_actions.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "plan": plan,
            "can_edit": can_edit,
        },
        status=status,
    )


@login_required
def assessment_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the integrity hash printed on a report against the live answers."""
    from ..forms.actions import VerifyForm

    assessment = get_assessment_for(request.user, pk, Can.VIEW)
    form = VerifyForm(request.GET or None)
    outcome = None
    if form.is_valid():
        current, _files = report_integrity(assessment)
        outcome = "match" if current.startswith(form.cleaned_data["hash"]) else "mismatch"
    return render(
        request,
        "checklists/assessment_verify.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "form": form,
            "outcome": outcome,
            "typed": request.GET.get("hash", "")[:200],
        },
    )


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone, without an account, checks a submitted report by the hash printed on it: only
    whether it is current or superseded, and when (selectors/verification.py)."""
    from ..forms.actions import PublicVerifyForm

    form = PublicVerifyForm(request.GET or None)
    validity = (
        report_validity(form.cleaned_data["hash"], form.cleaned_data["share"])
        if form.is_valid()
        else None
    )
    response = render(
        request,
        "checklists/verify.html",
        {
            "form": form,
            "validity": validity,
            "typed": request.GET.get("hash", "")[:200],
            "typed_share": request.GET.get("share", "")[:40],
        },
    )
    # A result page is a bookmark for the person who holds the report, not for search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def assessment_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    from ..data_exchange import assessment_csv, assessment_json, export_filename

    assessment = get_assessment_for(request.user, pk, Can.EXPORT)
    state = assessment_state(assessment)
    if fmt == "csv":
        # With a byte order mark, spreadsheet programs read accents correctly.
        body, content_type = assessment_csv(state).encode("utf-8-sig"), "text/csv; charset=utf-8"
    elif fmt == "json":
        body, content_type = assessment_json(state).encode(), "application/json"
    else:
        raise Http404
    services.download_record(assessment=assessment, user=request.user, fmt=fmt)
    return private_download(
        body, content_type=content_type, filename=export_filename(assessment, fmt)
    )
