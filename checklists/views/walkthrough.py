"""Assessments: starting or copying one, its overview, the walk-through of its sections (with
autosave and conflicting saves), checking the answers and submitting."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..access import Can, get_assessment_for, get_project_for
from ..catalog import catalog, question_fragments, version_fragment
from ..content import evaluate_condition
from ..forms.answers import (
    AnswerForm,
    answer_fields,
    answer_fingerprint,
    answer_input_texts,
    answer_inputs_html,
    bound_answer_fields,
)
from ..forms.projects import AssessmentStartForm, AssessmentSubmitForm
from ..links import url
from ..models import Answer
from ..selectors import (
    assessment_state,
    assessment_summary,
    next_level_of,
    progress_of,
    rating_labels,
    section_links,
    section_page_state,
    verdict_of,
)
from ..selectors.evidence import visible_evidence
from ..selectors.reviews import notes_for_follow_up


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
    from ..forms.projects import AssessmentCopyForm

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
    # A follow-up shows, beside each question, what reviewers asked of the submission it
    # follows up; members only, as they alone see the organisation's shares.
    notes = notes_for_follow_up(assessment) if Can.VIEW_SHARES in assessment.caps else {}
    files = visible_evidence(assessment, [q.pk for q in section.questions])
    errors = []
    for q in section.questions:
        q.head_html = heads[q.key]
        q.files = files.get(q.pk, ())
        q.files_url = url("checklists:answer-evidence", assessment.pk, q.key)
        q.review_notes = notes.get(q.key, ())
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
            submit_form=AssessmentSubmitForm(),
        ),
    )


@login_required
@require_POST
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, Can.SUBMIT)
    form = AssessmentSubmitForm(request.POST)
    if not form.is_valid():
        # Only a forged or stale form gets here: the page offers the valid choices alone.
        messages.error(request, " ".join(form.errors.get("milestone", [])))
        return redirect("checklists:assessment-review", assessment.pk)
    try:
        services.assessment_submit(
            assessment=assessment, user=request.user, milestone=form.cleaned_data["milestone"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("checklists:assessment-review", assessment.pk)
    except services.AssessmentLocked:
        raise PermissionDenied(_("This assessment has already been submitted.")) from None
    messages.success(request, _("Assessment submitted. It is now read-only."))
    return redirect(assessment)
