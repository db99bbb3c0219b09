"""Evidence files: the page of one answer's files (with the upload form), a file's download and
its deletion."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import (
    Can,
    get_assessment_for,
    get_evidence_for,
    get_share_for,
    shared_submissions,
)
from ..catalog import catalog
from ..forms.evidence import EvidenceUploadForm
from ..links import url
from ..models import EvidenceFile
from ..selectors.evidence import trashed_evidence, visible_evidence
from ..selectors.sharing import redacted
from ..services import evidence as evidence_services

# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.EVIDENCE_MAX_BYTES + FORM_OVERHEAD


def _question(assessment, key: str):
    for section in catalog(assessment.checklist).sections:
        for question in section.questions:
            if question.key == key:
                return section, question
    raise Http404


@login_required
def answer_evidence(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """One question's evidence files: the list, and for those who may change the answers, the
    upload form with its warning about personal data."""
    uploading = request.method == "POST"
    assessment = get_assessment_for(request.user, pk, Can.EDIT_ANSWERS if uploading else Can.VIEW)
    section, question = _question(assessment, key)
    form, status = None, 200
    today = timezone.localdate()
    delete_on = evidence_services.retention_default(assessment.project.organisation, today)
    if uploading and _too_large(request):
        # Refused before the body is read: nothing of it is written to the server's disk.
        form, status = EvidenceUploadForm(delete_on=delete_on), 413
        form.refusal = _("The file is larger than %(limit)s. Make it smaller or split it.") % {
            "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
        }
    elif uploading:
        form = EvidenceUploadForm(request.POST, request.FILES, delete_on=delete_on)
        if form.is_valid():
            fields = form.cleaned_data
            try:
                evidence = evidence_services.evidence_upload(
                    assessment=assessment,
                    question_key=question.key,
                    upload=fields["file"],
                    personal_data=fields["personal_data"],
                    retention_until=fields["retention_until"],
                    about_from=fields["about_from"],
                    about_until=fields["about_until"],
                    stale_on=fields["stale_on"],
                    user=request.user,
                )
            except ValidationError as refused:
                for field, errors in refused.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("%(name)s is attached to this answer.") % {"name": evidence.name}
                )
                return redirect(url("checklists:answer-evidence", assessment.pk, question.key))
        status = 400
    elif Can.EDIT_ANSWERS in assessment.caps:
        form = EvidenceUploadForm(delete_on=delete_on)
    files = visible_evidence(assessment, [question.pk]).get(question.pk, [])
    trash = trashed_evidence(assessment, question.pk)
    keep_days = assessment.project.organisation.evidence_keep_days
    for file in trash:  # as long as the policy allows for what the file may hold
        file.restore_until = evidence_services.retention_limit(file.personal_data, today, keep_days)
    return render(
        request,
        "checklists/answer_evidence.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "section": section,
            "question": question,
            "files": files,
            "trash": trash,
            "trash_days": evidence_services.TRASH_DAYS,
            "form": form,
            "can_edit": Can.EDIT_ANSWERS in assessment.caps,
            "section_url": url("checklists:assessment-section", assessment.pk, section.key)
            + f"#q-{question.key}",
        },
        status=status,
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, as a download that no browser renders in the site's name and no cache keeps."""
    evidence = get_evidence_for(request.user, pk, Can.VIEW)
    try:
        stored = evidence_services.evidence_storage().open(evidence.stored_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    evidence_services.evidence_downloaded(evidence=evidence, user=request.user)
    return _attachment(stored, evidence)


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request.user, pk, Can.EDIT_ANSWERS)
    key = _key_of(evidence)
    evidence_services.evidence_delete(evidence=evidence, user=request.user)
    messages.success(request, _("%(name)s is deleted.") % {"name": evidence.name})
    return redirect(url("checklists:answer-evidence", evidence.assessment_id, key))


def _key_of(evidence) -> str:
    for question in catalog(evidence.assessment.checklist).questions:
        if question.pk == evidence.question_id:
            return question.key
    raise Http404


@login_required
@require_POST
def evidence_restore(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request.user, pk, Can.KEEP_EVIDENCE)
    key = _key_of(evidence)
    try:
        until = date.fromisoformat(request.POST.get("retention_until", ""))
    except ValueError:
        until = None
    try:
        evidence_services.evidence_restore(
            evidence=evidence, retention_until=until, user=request.user
        )
    except ValidationError as refused:
        for errors in refused.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("%(name)s is restored.") % {"name": evidence.name})
    return redirect(url("checklists:answer-evidence", evidence.assessment_id, key))


@login_required
@require_GET
def shared_evidence(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """A file of a shared submission, for its recipient: at full detail only, never a restricted
    one, while the share is live and the file is kept; 404 otherwise."""
    share = get_share_for(request.user, pk, Can.VIEW)
    covered = shared_submissions(share).only("pk", "assessment_id", "evidence", "number")
    submission = next(
        (s for s in covered if redacted(s, share.detail, share.sections).shows_file(file_id)),
        None,
    )
    if submission is None:
        raise Http404
    evidence = (
        EvidenceFile.objects.live()
        .filter(pk=file_id, assessment_id=submission.assessment_id)
        .select_related("assessment")
        .first()
    )
    if evidence is None or evidence.restricted:
        raise Http404
    try:
        stored = evidence_services.evidence_storage().open(evidence.stored_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    evidence_services.evidence_downloaded(evidence=evidence, user=request.user, share=share)
    return _attachment(stored, evidence)


def _attachment(stored, evidence) -> FileResponse:
    response = FileResponse(
        stored, as_attachment=True, filename=evidence.name, content_type=evidence.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Opened in the browser anyway (a link copied into the address bar), it runs nothing.
    response["Content-Security-Policy"] = "sandbox"
    return response
