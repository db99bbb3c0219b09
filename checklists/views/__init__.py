"""Views: find the object through its access helper, run the form, call a service."""

import re

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LogoutView
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..access import (
    Can,
    get_assessment_for,
    get_checklist_version,
    get_project_for,
    grant_capabilities,
    organisations_where,
    role_capabilities,
)
from ..accounts import normalise_email
from ..catalog import catalog, question_fragments, version_fragment
from ..content import evaluate_condition
from ..downloads import private_download, public_document
from ..forms import (
    AnswerForm,
    AssessmentStartForm,
    OrganisationForm,
    ProjectDeleteForm,
    ProjectForm,
    answer_fields,
    answer_fingerprint,
    answer_input_texts,
    answer_inputs_html,
    bound_answer_fields,
)
from ..links import url
from ..models import Answer, Assessment, ChecklistVersion, Organisation
from ..selectors import (
    assessment_gaps,
    assessment_state,
    assessment_summary,
    dashboard_contents,
    dashboard_memberships,
    integrity_hash,
    next_level_of,
    progress_of,
    rating_labels,
    section_links,
    section_page_state,
    verdict_of,
)
from ..selectors.teams import invitations_for


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "checklists/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The signed-in home: the user's organisations, their projects and latest assessments."""
    contents = dashboard_contents(request.user)
    for project in contents.projects:
        caps = (
            role_capabilities(project.role)
            if project.role is not None
            else grant_capabilities(project.grants)
        )
        project.can_edit = Can.START_ASSESSMENT in caps
    return render(
        request,
        "checklists/dashboard.html",
        {
            "memberships": contents.memberships,
            "projects": contents.projects,
            "can_create_project": any(
                Can.CREATE_PROJECT in role_capabilities(m.role) for m in contents.memberships
            ),
            "invitations": invitations_for(request.user),
            "funder": any(m.kind == Organisation.Kind.FUNDER for m in contents.memberships),
        },
    )


def logout_page(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST logs out (Django's LogoutView)."""
    if request.method == "POST":
        return LogoutView.as_view()(request)
    if not request.user.is_authenticated:
        return redirect("checklists:home")
    return render(request, "registration/logout_confirm.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from the e-mailed link, and lift the account's log-in lock-out."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        # The lock-out page sends people here; whoever can read the account's mail may log in
        # with the new password at once, from any address.
        axes_reset(username=normalise_email(form.user.email))
        return response


def checklist_list(request: HttpRequest) -> HttpResponse:
    versions = ChecklistVersion.objects.order_by("slug", "-version").only(
        "slug", "version", "title", "subtitle", "document", "loaded_at"
    )
    return render(request, "checklists/checklist_list.html", {"versions": versions})


def checklist_detail(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    checklist = get_checklist_version(slug, version)
    content = catalog(checklist)
    sections, questions = content.sections, content.questions
    context = {
        "checklist": checklist,
        "sections": sections,
        "question_count": len(questions),
        "critical_count": sum(q.critical for q in questions),
        "scoring": checklist.scoring,
        "source": checklist.source,
    }
    return render(request, "checklists/checklist_detail.html", context)


def checklist_blank_pdf(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    """The blank checklist: rendered once for each version, language and renderer, and then
    served from the database to every process (reports.blank_checklist_key)."""
    from .. import reports  # WeasyPrint is slow to import: only processes that render PDFs pay

    checklist = get_checklist_version(slug, version)
    return public_document(
        request,
        key=reports.blank_checklist_key(checklist),
        render=lambda: reports.blank_checklist_pdf(checklist),
        content_type="application/pdf",
        filename=f"{checklist.slug}-{checklist.version}-blank.pdf",
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the app can reach its database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


# --- Organisations and projects ------------------------------------------------------------


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
    """A funder's view of its grantees' assessments: empty until grantees can share them."""
    funders = [
        m.organisation
        for m in dashboard_memberships(request.user)
        if m.organisation.kind == Organisation.Kind.FUNDER
    ]
    can_create = organisations_where(request.user, Can.CREATE_PROJECT).exists()
    return render(
        request,
        "checklists/portfolio.html",
        {
            "funder_names": ", ".join(organisation.name for organisation in funders),
            "can_create_project": can_create,
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
    assessments = project.assessments.select_related("checklist", "started_by").only(
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


# --- Assessments ---------------------------------------------------------------------------


@login_required
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for(request.user, pk, Can.START_ASSESSMENT)
    form = AssessmentStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assessment = services.assessment_start(
            project=project, started_by=request.user, **form.cleaned_data
        )
        first = assessment.checklist.sections.order_by("position").values_list("key", flat=True)[0]
        return redirect("checklists:assessment-section", assessment.pk, first)
    return render(request, "checklists/assessment_start.html", {"form": form, "project": project})


@login_required
@require_POST
def assessment_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a follow-up assessment with this one's answers as its starting point."""
    from ..forms import AssessmentCopyForm

    previous = get_assessment_for(request.user, pk, Can.START_ASSESSMENT)
    project = previous.project
    form = AssessmentCopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["title"]))
        return redirect(previous)
    assessment = services.assessment_start(
        project=project,
        checklist=previous.checklist,
        title=form.cleaned_data["title"].strip() or _follow_up_title(previous),
        started_by=request.user,
        copy_from=previous,
    )
    messages.success(
        request,
        _("A new draft starts from the answers of “%(title)s”.") % {"title": previous.title},
    )
    return redirect(assessment)


def _follow_up_title(previous) -> str:
    return _("Follow-up to %(title)s") % {"title": previous.title}


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, Can.VIEW)
    state = assessment_state(assessment, answerers=False)
    progress = progress_of(state)
    summary = render_to_string(
        "checklists/_assessment_summary.html",
        {
            **_assessment_context(request, assessment, state),
            **assessment_summary(state),
            "next_level": next_level_of(state),
            "section_chart_title": _("Score by section"),
            "principle_chart_title": _("Score by WEST principle"),
        },
    )
    return render(
        request,
        "checklists/assessment_detail.html",
        {
            **_page_context(assessment, progress),
            "summary": summary,
            "resume_key": assessment.last_section
            or progress.first_open
            or progress.sections[0].key,
            "can_copy": Can.START_ASSESSMENT in assessment.caps,
            "copy_title": _follow_up_title(assessment),
        },
    )


def _page_context(assessment, progress, **extra) -> dict:
    """What every page of an assessment shows around its main part."""
    return {
        "assessment": assessment,
        "project": assessment.project,
        "checklist": assessment.checklist,
        "progress": progress,
        "can_edit": Can.EDIT_ANSWERS in assessment.caps,
        **extra,
    }


def _assessment_context(request, assessment, state, **extra) -> dict:
    can_edit = Can.EDIT_ANSWERS in assessment.caps
    return {
        "assessment": assessment,
        "project": assessment.project,
        "checklist": assessment.checklist,
        "state": state,
        "result": state.result,
        "can_edit": can_edit,
        **extra,
    }


QUESTION_FIELD = re.compile(r"^(?:initial-)?q(?P<key>[^-]+)-")


@login_required
def assessment_section(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """One section of the walk-through: every question of the section in one form.

    Without JavaScript the whole section is saved at once; with it, static/js/autosave.js posts
    one question at a time (`autosave=<key>`) and gets JSON back.
    """
    assessment = get_assessment_for(
        request.user, pk, Can.EDIT_ANSWERS if request.method == "POST" else Can.VIEW
    )
    info = next((s for s in catalog(assessment.checklist).sections if s.key == key), None)
    if info is None:
        raise Http404
    if request.method == "POST":
        return _save_section(request, assessment, info)
    if Can.EDIT_ANSWERS in assessment.caps:
        services.assessment_visit_section(assessment=assessment, section_key=key)
    return _render_section(request, assessment, info, [])


def _render_section(request, assessment, info, forms, conflicts=None, status=200):
    """Draw a section; `forms` are the bound forms of a refused post, if any."""
    editable = Can.EDIT_ANSWERS in assessment.caps
    # Only the read-only answers say who gave them and when.
    progress, section = section_page_state(assessment, info, answerers=not editable)
    keys = [s.key for s in progress.sections]
    position = keys.index(info.key)
    scoring = assessment.checklist.scoring
    labels = rating_labels(scoring)
    by_key = {form.question.key: form for form in forms}
    heads = question_fragments(assessment.checklist, "checklists/_question_head.html")
    texts = answer_input_texts() if editable else {}
    errors = []
    for q in section.questions:
        q.head_html = heads[q.key]
        q.conflict = (conflicts or {}).get(q.key)
        q.conflict_rating_label = labels.get(q.conflict.rating, "") if q.conflict else ""
        q.fields = None
        if editable and q.applies:
            form = by_key.get(q.key)
            q.fields = (
                bound_answer_fields(form, scoring)
                if form is not None
                else answer_fields(q, scoring, values=AnswerForm.initial_for(q.answer))
            )
            q.inputs_html = answer_inputs_html(q, q.fields, texts)
            errors.extend((q, anchor, message) for anchor, message in q.fields["error_links"])
    questions = render_to_string(
        "checklists/_section_questions.html",
        {
            "section": section,
            "can_edit": editable,
            "project_edit_url": (
                url("checklists:project-edit", assessment.project_id)
                if editable and Can.EDIT_PROJECT in assessment.caps
                else ""
            ),
        },
    )
    current = progress.sections[position]
    links = section_links(assessment)
    count = _("%(answered)s of %(applicable)s")
    section_nav = render_to_string(
        "checklists/_section_nav.html",
        {
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "href": links[s.key],
                    "current": s.key == info.key,
                    "done": s.answered == s.applicable,
                    "count": count % {"answered": s.answered, "applicable": s.applicable},
                }
                for s in progress.sections
            ],
            "count_pattern": count % {"answered": "{answered}", "applicable": "{applicable}"},
            "as_buttons": editable,
        },
    )
    return render(
        request,
        "checklists/assessment_section.html",
        _page_context(
            assessment,
            progress,
            # Not "section": the questions' own context names the state's section so.
            current=current,
            section_nav=section_nav,
            section_intro=info.intro,
            questions=questions,
            rating_legend=version_fragment(assessment.checklist, "checklists/_rating_legend.html"),
            previous=progress.sections[position - 1] if position > 0 else None,
            following=progress.sections[position + 1] if position + 1 < len(keys) else None,
            position=position + 1,
            section_count=len(keys),
            errors=errors,
            conflicts=conflicts or {},
        ),
        status=status,
    )


def _save_section(request, assessment, info):
    scoring = assessment.checklist.scoring
    profile = assessment.profile
    # From the checklist in memory: saving one answer needs neither the others nor the scores.
    questions = [q for q in info.questions if evaluate_condition(q.applies_if, profile)]
    allowed = {q.key for q in questions}
    posted = {m["key"] for name in request.POST if (m := QUESTION_FIELD.match(name))}
    unknown = posted - allowed
    if unknown:
        # Only a tampered or outdated form can name questions that are not on this page.
        raise BadRequest(
            _(
                "This form names questions that are not in section %(section)s or do not apply: %(keys)s."
            )
            % {"section": info.key, "keys": ", ".join(sorted(unknown))}
        )
    autosave = request.POST.get("autosave")
    if autosave is not None and autosave not in allowed:
        raise BadRequest(_("Unknown question %(key)s.") % {"key": autosave[:20]})
    if autosave is not None:
        targets = [q for q in questions if q.key == autosave]
    else:
        targets = [q for q in questions if not AnswerForm.sent_as_shown(request.POST, f"q{q.key}")]
    forms = [
        AnswerForm(request.POST, question=q, scoring=scoring, prefix=f"q{q.key}") for q in targets
    ]
    if not all(f.is_valid() for f in forms):
        if autosave:
            return JsonResponse({"status": "invalid", "errors": forms[0].errors}, status=422)
        return _render_section(request, assessment, info, forms, status=422)

    changes = [
        services.AnswerChange(
            question=f.question,
            **dict(
                zip(
                    ("rating", "na_justification", "evidence_note", "evidence_links"),
                    f.values(),
                    strict=True,
                )
            ),
            expected_revision=f.cleaned_data["revision"],
        )
        for f in forms
        if f.changed_by_user()
    ]
    try:
        recorded = services.answers_record(
            assessment=assessment, user=request.user, changes=changes
        )
    except services.AssessmentLocked:
        raise PermissionDenied(
            _("This assessment has been submitted and can no longer be changed.")
        ) from None
    except ValidationError as exc:
        raise BadRequest(" ".join(exc.messages)) from None

    if recorded.conflicts:
        if autosave:
            _change, answer = recorded.conflicts[0]
            return JsonResponse(_conflict_json(answer, scoring), status=409)
        return _render_conflicts(request, assessment, info, forms, recorded.conflicts)

    if autosave:
        question = forms[0].question
        if question.pk in recorded.answers:
            answer = recorded.answers[question.pk]
        else:  # sent unchanged: nothing was recorded, but someone else may have saved
            answer = Answer.objects.filter(assessment=assessment, question_id=question.pk).first()
        return _autosave_response(answer, forms[0], scoring)

    action = request.POST.get("action", "continue")
    keys = [s.key for s in catalog(assessment.checklist).sections]
    position = keys.index(info.key)
    previous = keys[position - 1] if position > 0 else None
    following = keys[position + 1] if position + 1 < len(keys) else None
    if action == "exit":
        messages.success(
            request, _("Your answers are saved. Come back any time: you will resume here.")
        )
        return redirect(assessment)
    if action.startswith("goto-") and action[5:] in keys:
        return redirect("checklists:assessment-section", assessment.pk, action[5:])
    if action == "previous" and previous:
        return redirect("checklists:assessment-section", assessment.pk, previous)
    if following:
        return redirect("checklists:assessment-section", assessment.pk, following)
    return redirect("checklists:assessment-review", assessment.pk)


def _autosave_response(answer, form, scoring) -> JsonResponse:
    """Hand out a revision only together with the values it stands for.

    If the stored answer is not what this person sent (they put back what they first saw, but
    someone else has saved since), that is a conflict: the page must not adopt a revision whose
    values it does not show.
    """
    values = form.values()
    if services.answer_values(answer) != (values[0], values[1], values[2], tuple(values[3])):
        return JsonResponse(_conflict_json(answer, scoring), status=409)
    return JsonResponse(
        {
            "status": "saved",
            "revision": answer.revision if answer else 0,
            "message": _("Saved at %(time)s") % {"time": timezone.localtime().strftime("%H:%M %Z")},
            "seen": answer_fingerprint(*values),
        }
    )


def _conflict_json(answer, scoring) -> dict:
    labels = rating_labels(scoring)
    if answer is None:
        return {
            "status": "conflict",
            "message": _(
                "This answer changed while you were editing: it is now not answered. Reload the page; your change was not saved."
            ),
        }
    return {
        "status": "conflict",
        "message": _(
            "%(name)s changed this answer while you were editing. It is now: %(rating)s. Reload the page to see it; your change was not saved."
        )
        % {
            "name": answer.answered_by or _("Someone"),
            "rating": labels.get(answer.rating, _("not answered")),
        },
    }


def _render_conflicts(request, assessment, info, forms, conflicts):
    """Show each conflicting answer as it now is; saving again deliberately replaces it."""
    data = request.POST.copy()
    by_key = {}
    for change, answer in conflicts:
        prefix = f"q{change.question.key}"
        current = AnswerForm.initial_for(answer)
        data[f"{prefix}-revision"] = current["revision"]
        data[f"{prefix}-seen"] = current["seen"]
        # No stored answer: show the conflict as "not answered" all the same.
        by_key[change.question.key] = answer or Answer(rating="")
    forms = [
        AnswerForm(
            data,
            question=f.question,
            scoring=assessment.checklist.scoring,
            prefix=f.prefix,
        )
        for f in forms
    ]
    for f in forms:
        f.is_valid()
    messages.error(
        request,
        _(
            "Someone else saved some of these answers while you were editing. Nothing was saved. Compare the answers below, then save again to keep yours."
        ),
    )
    return _render_section(request, assessment, info, forms, conflicts=by_key, status=409)


@login_required
def assessment_review(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Check your answers": everything still unanswered, with links back, and the submit button."""
    assessment = get_assessment_for(request.user, pk, Can.VIEW)
    state = assessment_state(assessment, answerers=False)
    progress = progress_of(state)
    links = section_links(assessment)
    for section in state.sections:
        section.href = links[section.key]
    unanswered = state.unanswered
    for q in unanswered:
        q.href = f"{links[q.section_key]}#q-{q.key}"
    part_context = {**_page_context(assessment, progress), "state": state, "unanswered": unanswered}
    if not unanswered:
        # Every question is answered: the verdict is no longer provisional, so say it here.
        part_context.update(verdict_of(state))
    return render(
        request,
        "checklists/assessment_review.html",
        _page_context(
            assessment,
            progress,
            unanswered_part=render_to_string("checklists/_review_unanswered.html", part_context),
            answers_part=render_to_string("checklists/_review_answers.html", part_context),
        ),
    )


@login_required
@require_POST
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, Can.SUBMIT)
    try:
        services.assessment_submit(assessment=assessment, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("checklists:assessment-review", assessment.pk)
    except services.AssessmentLocked:
        raise PermissionDenied(_("This assessment has already been submitted.")) from None
    messages.success(request, _("Assessment submitted. It is now read-only."))
    return redirect(assessment)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 with the reason, so that a refused form says what was wrong (and that nothing changed).

    Only the app's own refusals (BadRequest) are worded for people; Django's, such as a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE, name settings and internals, so they get words of ours.
    """
    if isinstance(exception, RequestDataTooBig):
        context = {
            "title": _("Too much to send"),
            "exception": _(
                "What you sent is too large: at most %(size)s can be sent at once. Nothing was saved."
            )
            % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            "advice": _(
                "Shorten the longest notes, or put long documents in a shared folder and link to them, then save again."
            ),
        }
        return render(request, "400.html", context, status=413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        context = {
            "exception": _(
                "This form sent more fields than any page of westcheck has, so it was not read."
            )
        }
    elif isinstance(exception, BadRequest) and exception.args:
        context = {"exception": exception.args[0]}
    else:
        context = {}
    return render(request, "400.html", context, status=400)


# --- Reports, actions, verification, exports -------------------------------------------------


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
    from ..forms import (
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
    from ..forms import VerifyForm

    assessment = get_assessment_for(request.user, pk, Can.VIEW)
    form = VerifyForm(request.GET or None)
    outcome = None
    if form.is_valid():
        current = integrity_hash(assessment_state(assessment, answerers=False))
        outcome = "match" if current.startswith(form.cleaned_data["hash"]) else "mismatch"
    return render(
        request,
        "checklists/assessment_verify.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "form": form,
            "outcome": outcome,
            "typed": request.GET.get("hash", "")[:80],
        },
    )


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
