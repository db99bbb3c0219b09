"""The readiness report: gaps first, honest about drafts, verifiable, and only for members."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from checklists import catalog, services
from checklists.access import get_assessment_for
from checklists.forms.actions import (
    ActionForm,
    action_input_texts,
    action_inputs_html,
    bound_action_inputs_html,
)
from checklists.models import Assessment, ChecklistVersion, Membership, Organisation
from checklists.reports import assessment_report_pdf
from checklists.selectors import assessment_state, integrity_hash, report_integrity
from tests.conftest import audit_lock_queries

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def checklist():
    return ChecklistVersion.objects.get(slug="west-operations-checklist", version="2019-03")


@pytest.fixture
def organisation(owner):
    return services.organisation_create(name="Northwind", kind=Organisation.Kind.BRAND, owner=owner)


@pytest.fixture
def project(organisation, owner):
    return services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Dhaka hotline",
        countries="Bangladesh",
        sector="apparel",
        stage="pilot",
        channels=["hotline"],
        migrant_workers=False,
        minorities_present=False,
    )


def answer_everything(assessment, user, rating="in_place_with_evidence", overrides=None):
    overrides = overrides or {}
    state = assessment_state(assessment)
    changes = [
        services.AnswerChange(
            question=q,
            rating=overrides.get(q.key, rating),
            evidence_note="Procedure on file."
            if overrides.get(q.key, rating) == "in_place_with_evidence"
            else "",
        )
        for q in state.questions
        if q.applies
    ]
    services.answers_record(assessment=assessment, user=user, changes=changes)


@pytest.fixture
def gappy(project, checklist, owner):
    """Everything in place with evidence, except two blocking gaps (3.1 remedy, 7.2 consent)."""
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=owner
    )
    answer_everything(assessment, owner, overrides={"3.1": "planned", "7.2": "not_started"})
    return assessment


@pytest.fixture
def perfect(project, checklist, owner):
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Perfect", started_by=owner
    )
    answer_everything(assessment, owner)
    return assessment


def pdf_text(assessment) -> str:
    fresh = Assessment.objects.select_related(
        "project__organisation", "checklist", "submitted_by"
    ).get(pk=assessment.pk)
    reader = PdfReader(io.BytesIO(assessment_report_pdf(fresh, generated_at=WHEN)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_shows_the_verdict_and_every_blocking_gap_before_the_scores(gappy):
    text = pdf_text(gappy)
    scores = text.index("Scores\n")
    assert text.index("Readiness verdict: Not ready") < scores
    for key in ["3.1", "7.2"]:
        card = re.search(rf"(?m)^{re.escape(key)} .*Critical$", text)
        assert card, key
        assert card.start() < scores
    assert "How will you respond to emergency situations" in text[:scores]
    assert "What good looks like" in text[:scores]
    assert "None recorded" in text[:scores]


def test_a_fully_evidenced_assessment_has_no_gaps_and_the_best_verdict(perfect):
    text = pdf_text(perfect)
    assert "Readiness verdict: Ready\n" in text or "Readiness verdict: Ready " in text
    assert "Not ready" not in text.split("Method")[0]
    assert "None. Every critical question about remedy" in text
    assert "No gaps: there is nothing to plan." in text


def test_draft_mark_appears_only_until_submission(perfect, owner):
    text = pdf_text(perfect)
    assert "DRAFT" in text
    # The watermark across each page is drawn as shapes: its letters do not end up one by one
    # in the text that readers copy or search.
    assert not re.search(r"(?m)^\s*(DRAFT|[DRAFT])\s*$", text)
    services.assessment_submit(assessment=perfect, user=owner)
    text = pdf_text(perfect)
    assert "DRAFT" not in text
    assert "Submitted" in text


def test_watermark_outlines_fall_back_to_text_for_scripts_that_need_shaping():
    from checklists.reports import outlined_text_svg

    outlined = outlined_text_svg("BROUILLON")
    assert outlined.count("<path") == len("BROUILLON")
    assert "BROUILLON" not in outlined
    assert outlined_text_svg("مسودة") == ""


def test_action_plan_lists_every_unmet_question_most_urgent_first(
    client, owner, project, checklist
):
    """Blocking gaps, then other critical questions, other flagged gaps and the rest; plain
    unanswered questions are named apart; a planned action stays once its question is met."""
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Mixed", started_by=owner
    )
    answer_everything(
        assessment,
        owner,
        overrides={"3.1": "planned", "9.1": "planned", "4.5": "not_started", "1.2": "planned"},
    )
    question = checklist.questions.get(key="1.3")
    services.action_update(
        assessment=assessment,
        question=question,
        owner="Ana",
        due_date=None,
        status="done",
        user=owner,
    )
    answer = assessment.answers.get(question__key="1.4")
    answer.delete()
    client.force_login(owner)
    response = client.get(reverse("checklists:assessment-actions", args=[assessment.pk]))
    items = response.context["items"]
    assert [item["key"] for item in items] == ["3.1", "9.1", "4.5", "1.2", "1.3"]
    assert [item["met"] for item in items] == [False, False, False, False, True]
    assert "Not answered yet, so not planned: question 1.4." in response.text
    assert "Carry out the plan and record the evidence." in response.text


def test_same_inputs_and_date_give_identical_bytes(gappy):
    first = assessment_report_pdf(gappy, generated_at=WHEN)
    assert first == assessment_report_pdf(gappy, generated_at=WHEN)
    assert first.startswith(b"%PDF")


def test_pdf_has_metadata_and_an_outline(gappy):
    reader = PdfReader(io.BytesIO(assessment_report_pdf(gappy, generated_at=WHEN)))
    assert reader.metadata.title == "Readiness report: Baseline · Dhaka hotline"
    assert reader.metadata.author == "Northwind"
    assert reader.metadata["/Creator"] == "westcheck"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == [
        "Verdict and blocking gaps",
        "Scores",
        "Action plan",
        "Appendix: every answer",
        "Method",
    ]
    # The appendix's sections are bookmarks under the appendix.
    appendix = reader.outline[titles.index("Appendix: every answer") + 1]
    assert [item.title for item in appendix][:2] == [
        "1. Define the project purpose and mission",
        "2. Understand the local context and acceptance",
    ]
    pages = [page.extract_text() for page in reader.pages]
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, 1))


def _page_lines(page) -> list[str]:
    """The lines of text of a PDF page from the top down, each of its pieces left to right."""
    pieces: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((y, x, text.strip()))

    page.extract_text(visitor_text=visit)
    lines: list[list[tuple[float, float, str]]] = []
    for piece in sorted(pieces, reverse=True):
        # Pieces of one line sit within a point or two of each other; lines are 10 points apart.
        if lines and lines[-1][0][0] - piece[0] < 3:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return [" ".join(text for _y, _x, text in sorted(line, key=lambda p: p[1])) for line in lines]


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
def test_running_header_names_the_part_or_section_a_page_opens_with(gappy, owner, submitted):
    if submitted:  # no watermark
        services.assessment_submit(assessment=gappy, user=owner)
    fresh = Assessment.objects.select_related(
        "project__organisation", "checklist", "submitted_by"
    ).get(pk=gappy.pk)
    reader = PdfReader(io.BytesIO(assessment_report_pdf(fresh, generated_at=WHEN)))
    parts = ["Verdict and blocking gaps", "Scores", "Action plan", "Appendix: every answer"]
    sections = [f"{s.key}. {s.title}" for s in assessment_state(fresh).sections]
    headings = [*parts, *sections, "Method"]
    carried_over = None  # the last part or section begun on an earlier page
    opened_in_the_middle = 0
    for number, page in enumerate(reader.pages[1:], start=2):
        header, *body = _page_lines(page)
        # The header line is the assessment's title on the left, the running title on the right.
        title = header.removeprefix("Baseline").removeprefix(" · DRAFT").strip()
        begun_here = [line for line in body if line in headings]
        if body[0] in headings:
            assert title == body[0], f"page {number}"
        else:
            # The page goes on with a part or section from the page before: that is its title,
            # even when another one begins further down.
            assert title == carried_over, f"page {number}"
            opened_in_the_middle += bool(begun_here)
        carried_over = begun_here[-1] if begun_here else carried_over
    # The report has such pages, or the test has tested nothing.
    assert opened_in_the_middle >= 2


def test_footer_hash_is_the_integrity_hash_and_verification_accepts_it(client, owner, gappy):
    digest = integrity_hash(assessment_state(gappy))
    short = " ".join(digest[i : i + 4] for i in range(0, 16, 4))
    assert f"Integrity {short}" in pdf_text(gappy)
    client.force_login(owner)
    url = reverse("checklists:assessment-verify", args=[gappy.pk])
    response = client.get(url, {"hash": short})
    assert response.context["outcome"] == "match"
    assert "The report matches." in response.text
    # The box keeps the hash as it was typed, spaces and all.
    assert f'value="{short}"' in response.text


def test_hash_from_the_answers_alone_is_the_reports_hash(owner, project, few_answers, all_answers):
    # Answers to questions the profile now sets aside still count, as on the report.
    services.project_update(
        project=project, user=owner, migrant_workers=False, minorities_present=False
    )
    for assessment in (few_answers, all_answers):
        fresh = get_assessment_for(owner, assessment.pk)
        assert report_integrity(fresh)[0] == integrity_hash(assessment_state(fresh))
    assert any(q.state == "set_aside" and q.answer for q in assessment_state(fresh).questions)


def test_verification_rejects_a_report_whose_answers_changed(client, owner, gappy):
    before = integrity_hash(assessment_state(gappy))
    question = gappy.checklist.questions.get(key="3.1")
    answer = gappy.answers.get(question=question)
    services.answers_record(
        assessment=gappy,
        user=owner,
        changes=[
            services.AnswerChange(
                question=question, rating="in_place", expected_revision=answer.revision
            )
        ],
    )
    client.force_login(owner)
    response = client.get(
        reverse("checklists:assessment-verify", args=[gappy.pk]), {"hash": before[:16]}
    )
    assert response.context["outcome"] == "mismatch"
    assert "does not match" in response.text


def test_verification_explains_a_malformed_hash(client, owner, gappy):
    client.force_login(owner)
    response = client.get(
        reverse("checklists:assessment-verify", args=[gappy.pk]), {"hash": "not-a-hash"}
    )
    assert response.context["outcome"] is None
    assert "Type the hash as printed on the report" in response.text


def test_html_preview_shows_the_same_report(client, owner, gappy):
    client.force_login(owner)
    response = client.get(reverse("checklists:assessment-report", args=[gappy.pk]))
    assert response.status_code == 200
    text = response.text
    assert text.index("Verdict and blocking gaps") < text.index("All answers at a glance")
    assert "How will you respond to emergency situations" in text


def test_report_preview_query_count_does_not_grow_with_answers(
    client, owner, project, checklist, gappy, django_assert_num_queries
):
    empty = services.assessment_start(
        project=project, checklist=checklist, title="Empty", started_by=owner
    )
    client.force_login(owner)
    # session, user, assessment (+project, organisation, submitter's name, role), answers,
    # actions, the evidence files in force (for the hash and the list); the checklist version
    # with its questions is in memory (catalog.py)
    catalog.checklist_version(checklist.pk)
    for assessment in (empty, gappy):
        with django_assert_num_queries(6):
            assert (
                client.get(
                    reverse("checklists:assessment-report", args=[assessment.pk])
                ).status_code
                == 200
            )


def test_action_plan_lists_each_gap_and_saves_owner_due_date_and_status(client, owner, gappy):
    client.force_login(owner)
    url = reverse("checklists:assessment-actions", args=[gappy.pk])
    response = client.get(url)
    keys = [item["key"] for item in response.context["items"]]
    assert keys[:2] == ["3.1", "7.2"]
    data = {}
    for key in keys:
        data.update({f"a{key}-owner": "", f"a{key}-due_date": "", f"a{key}-status": ""})
    data.update(
        {"a3.1-owner": "Dana (HR)", "a3.1-due_date": "2026-12-15", "a3.1-status": "in_progress"}
    )
    assert client.post(url, data).status_code == 302
    action = gappy.actions.get()
    assert (action.question.key, action.owner, str(action.due_date), action.status) == (
        "3.1",
        "Dana (HR)",
        "2026-12-15",
        "in_progress",
    )
    assert "Dana (HR)" in " ".join(pdf_text(gappy).split())


def test_not_planned_is_the_default_and_choosing_it_again_takes_the_plan_back(client, owner, gappy):
    client.force_login(owner)
    url = reverse("checklists:assessment-actions", args=[gappy.pk])
    response = client.get(url)
    # Both the page and the report say "Not planned" for a gap nobody has taken on.
    assert re.search(r'<option value="" selected>Not planned</option>', response.text)
    keys = [item["key"] for item in response.context["items"]]
    blank = {}
    for key in keys:
        blank.update({f"a{key}-owner": "", f"a{key}-due_date": "", f"a{key}-status": ""})
    # An owner alone is a plan, and it starts open.
    assert client.post(url, {**blank, "a7.2-owner": "Consent lead"}).status_code == 302
    action = gappy.actions.get()
    assert (action.question.key, action.status) == ("7.2", "open")
    assert client.post(url, blank).status_code == 302
    assert not gappy.actions.exists()
    assert "Not planned" in " ".join(pdf_text(gappy).split())


def test_action_plan_refuses_a_bad_date_and_saves_nothing(client, owner, gappy):
    client.force_login(owner)
    url = reverse("checklists:assessment-actions", args=[gappy.pk])
    keys = [item["key"] for item in client.get(url).context["items"]]
    data = {}
    for key in keys:
        data.update({f"a{key}-owner": "X", f"a{key}-due_date": "", f"a{key}-status": "open"})
    data["a3.1-due_date"] = "31/31/2026"
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Enter a valid date." in response.text
    assert not gappy.actions.exists()


@pytest.mark.parametrize(
    ("data", "initial"),
    [
        (None, {}),
        (None, {"owner": "O'Brien <team> & co", "due_date": date(2027, 3, 9), "status": "done"}),
        (None, {"owner": "Ana", "due_date": None, "status": "open"}),
        ({"a1.2-owner": "", "a1.2-due_date": "", "a1.2-status": ""}, {}),
        ({"a1.2-owner": "x" * 201, "a1.2-due_date": "31/31/2026", "a1.2-status": "bogus"}, {}),
        ({"a1.2-owner": "Bob & <Alice>", "a1.2-due_date": "2027-05-01"}, {"status": "open"}),
    ],
)
def test_action_inputs_are_the_markup_of_djangos_own_widgets(data, initial):
    """The action plan draws its inputs without the widget templates (action_inputs_html):
    the same inputs, values, selection, attributes and errors as the form renders them."""
    form = ActionForm(data, prefix="a1.2", initial=initial)
    texts = action_input_texts()
    if form.is_bound:
        form.is_valid()
        drawn = bound_action_inputs_html(form, texts)
    else:
        drawn = action_inputs_html("a1.2", initial, {}, texts)
    controls = re.findall(r"<input[^>]*>|<select.*?</select>", drawn, flags=re.DOTALL)
    assert controls == [str(field) for field in form]
    labels = re.findall(r'<label class="form-label small" for="([^"]+)">([^<]*)</label>', drawn)
    assert labels == [(field.id_for_label, str(field.label)) for field in form]
    shown = [
        re.findall(r'<p class="invalid-feedback d-block">([^<]*)</p>', cell)
        for cell in drawn.split('<div class="col-md-4">')[1:]
    ]
    assert shown == [[escape(error) for error in field.errors] for field in form]
    # An input marked invalid is described by its errors: the id it names is there.
    for described in re.findall(r'aria-describedby="([^"]+)"', drawn):
        assert f'id="{described}"' in drawn


def test_the_team_plans_actions_after_submitting_but_answers_stay_locked(client, owner, gappy):
    """Submitting freezes the answers; the follow-up on the gaps only starts then."""
    services.assessment_submit(assessment=gappy, user=owner)
    client.force_login(owner)
    url = reverse("checklists:assessment-actions", args=[gappy.pk])
    response = client.get(url)
    assert "Save the action plan" in response.text
    data = {}
    for item in response.context["items"]:
        key = item["key"]
        data.update({f"a{key}-owner": "", f"a{key}-due_date": "", f"a{key}-status": ""})
    data.update({"a7.2-owner": "Consent lead", "a7.2-status": "in_progress"})
    assert client.post(url, data).status_code == 302
    assert gappy.actions.get().owner == "Consent lead"
    section = reverse("checklists:assessment-section", args=[gappy.pk, "3"])
    assert client.post(section, {"q3.1-rating": "in_place"}).status_code == 403
    assert gappy.answers.get(question__key="3.1").rating == "planned"


def test_viewer_can_read_the_report_but_not_plan_actions(client, gappy, django_user_model):
    viewer = django_user_model.objects.create_user(email="v@example.org", name="Vera", password="x")
    Membership.objects.create(
        organisation=gappy.project.organisation, user=viewer, role=Membership.Role.VIEWER
    )
    client.force_login(viewer)
    assert client.get(reverse("checklists:assessment-report", args=[gappy.pk])).status_code == 200
    assert (
        client.post(reverse("checklists:assessment-actions", args=[gappy.pk]), {}).status_code
        == 403
    )


REPORT_ENDPOINTS = [
    ("assessment-report", []),
    ("assessment-report-pdf", []),
    ("assessment-actions", []),
    ("assessment-verify", []),
    ("assessment-export", ["csv"]),
    ("assessment-export", ["json"]),
]


@pytest.mark.parametrize(("name", "args"), REPORT_ENDPOINTS)
def test_outsiders_get_404_for_reports_exports_and_verification(
    client, outsider, gappy, name, args
):
    client.force_login(outsider)
    url = reverse(f"checklists:{name}", args=[gappy.pk, *args])
    assert client.get(url).status_code == 404
    assert client.post(url, {"a3.1-owner": "Mallory", "a3.1-status": "done"}).status_code == 404
    assert not gappy.actions.exists()
    client.logout()
    assert client.get(reverse(f"checklists:{name}", args=[gappy.pk, *args])).status_code == 302


@pytest.mark.parametrize(("name", "args"), REPORT_ENDPOINTS)
def test_no_browser_or_proxy_keeps_a_copy_of_a_downloaded_report_or_export(
    client, owner, gappy, name, args
):
    client.force_login(owner)
    response = client.get(reverse(f"checklists:{name}", args=[gappy.pk, *args]))
    assert response.status_code == 200
    if response["Content-Type"].startswith("text/html"):
        # A page may be kept by the browser, and is checked again before it is shown.
        assert response["Cache-Control"] == "private, no-cache"
    else:
        # A file holds the answers and notes of the assessment: nothing may store it.
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response


def test_members_download_the_pdf(client, owner, gappy):
    client.force_login(owner)
    response = client.get(reverse("checklists:assessment-report-pdf", args=[gappy.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_render_report_command_writes_the_pdf(tmp_path, gappy):
    out = tmp_path / "report.pdf"
    call_command(
        "render_report",
        str(gappy.pk),
        "-o",
        str(out),
        "--generated-at",
        "2026-11-23T10:00:00+00:00",
        stdout=io.StringIO(),
    )
    assert out.read_bytes() == assessment_report_pdf(gappy, generated_at=WHEN)


def test_members_download_csv_and_json_exports(client, owner, gappy):
    import csv
    import json

    client.force_login(owner)
    response = client.get(reverse("checklists:assessment-export", args=[gappy.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 61
    response = client.get(reverse("checklists:assessment-export", args=[gappy.pk, "json"]))
    data = json.loads(response.content)
    assert data["assessment"]["integrity_hash"] == integrity_hash(assessment_state(gappy))
    assert (
        client.get(reverse("checklists:assessment-export", args=[gappy.pk, "xml"])).status_code
        == 404
    )


# --- Query counts ----------------------------------------------------------------------------

# The profile under which all 60 questions apply (2.4, 5.1 and 6.13 are conditional).
EVERYTHING_APPLIES = {
    "migrant_workers": True,
    "minorities_present": True,
    "channels": ["sms", "social_media"],
}


def _plan(assessment, user, key, owner):
    services.action_update(
        assessment=assessment,
        question=assessment.checklist.questions.get(key=key),
        owner=owner,
        due_date=None,
        status="open",
        user=user,
    )


@pytest.fixture
def few_answers(project, checklist, owner):
    """A draft with three answers, two of them blocking gaps, and an action on one."""
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Just started", started_by=owner
    )
    services.answers_record(
        assessment=assessment,
        user=owner,
        changes=[
            services.AnswerChange(
                question=checklist.questions.get(key="1.1"),
                rating="in_place_with_evidence",
                evidence_note="Procedure on file.",
            ),
            services.AnswerChange(question=checklist.questions.get(key="3.1"), rating="planned"),
            services.AnswerChange(
                question=checklist.questions.get(key="7.2"), rating="not_started"
            ),
        ],
    )
    _plan(assessment, owner, "3.1", "Dana (HR)")
    return assessment


@pytest.fixture
def all_answers(project, checklist, owner):
    """All 60 questions apply and are answered, with the same two blocking gaps, each with an
    action planned."""
    services.project_update(project=project, user=owner, **EVERYTHING_APPLIES)
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Everything answered", started_by=owner
    )
    answer_everything(assessment, owner, overrides={"3.1": "planned", "7.2": "not_started"})
    assert assessment.answers.count() == 60
    _plan(assessment, owner, "3.1", "Dana (HR)")
    _plan(assessment, owner, "7.2", "Consent lead")
    return assessment


@pytest.fixture
def few_and_all(client, owner, few_answers, all_answers):
    """Both assessments, for an owner whose session is in the cache, with the checklist version
    and its questions in memory (catalog.py), as in a process that has served a page before."""
    client.force_login(owner)
    catalog.checklist_version(few_answers.checklist_id)
    return few_answers, all_answers


def test_action_plan_query_count_does_not_grow_with_answers(
    client, few_and_all, django_assert_num_queries
):
    for assessment in few_and_all:
        url = reverse("checklists:assessment-actions", args=[assessment.pk])
        # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and
        # the user's role, 4. answers with who answered (the state), 5. the planned actions.
        with django_assert_num_queries(5):
            response = client.get(url)
        assert response.status_code == 200
        assert {"3.1", "7.2"} <= {item["key"] for item in response.context["items"]}
        assert 'value="Dana (HR)"' in response.text
    assert 'value="Consent lead"' in response.text


def test_verification_query_count_does_not_grow_with_answers(
    client, few_and_all, django_assert_num_queries
):
    for assessment in few_and_all:
        printed = integrity_hash(assessment_state(assessment))[:16]
        url = reverse("checklists:assessment-verify", args=[assessment.pk])
        # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and
        # the user's role, 4. answers and 5. evidence files in force (for the hash).
        with django_assert_num_queries(5):
            response = client.get(url, {"hash": printed})
        assert response.context["outcome"] == "match"


def test_csv_export_query_count_does_not_grow_with_answers(
    client, few_and_all, django_assert_num_queries
):
    import csv

    for assessment in few_and_all:
        url = reverse("checklists:assessment-export", args=[assessment.pk, "csv"])
        # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and
        # the user's role, 4. answers with who answered, 5. the organisation's last audit event,
        # 6. the download's event.
        with django_assert_num_queries(6 + audit_lock_queries()):
            response = client.get(url)
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 60
        rated = [row for row in rows if row["rating"]]
        assert len(rated) == assessment.answers.count()


def test_json_export_query_count_does_not_grow_with_answers(
    client, few_and_all, django_assert_num_queries
):
    import json

    for assessment in few_and_all:
        url = reverse("checklists:assessment-export", args=[assessment.pk, "json"])
        # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and
        # the user's role, 4. answers with who answered, 5. the evidence files in force, 6. who
        # started the assessment (its name), 7. the organisation's last audit event, 8. the
        # download's event.
        with django_assert_num_queries(8 + audit_lock_queries()):
            response = client.get(url)
        assert response.status_code == 200
        data = json.loads(response.content)
        assert len(data["answers"]) == assessment.answers.count()
        assert data["assessment"]["started_by"] == "Olivia Owner"


def test_pdf_query_count_does_not_grow_with_answers(client, few_and_all, django_assert_num_queries):
    for assessment in few_and_all:
        url = reverse("checklists:assessment-report-pdf", args=[assessment.pk])
        # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and
        # the user's role, 4. answers with who answered, 5. the planned actions, 6. the evidence
        # files in force. Fonts and stylesheets come from disk, not the database. 7. the
        # organisation's last audit event, 8. the download's event.
        with django_assert_num_queries(8 + audit_lock_queries()):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")


def test_not_applicable_counts_as_neither_answered_nor_applicable_on_every_page(
    client, owner, project, checklist
):
    """One definition of "answered": the scores', on the pages, the report and the PDF alike."""
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Draft", started_by=owner
    )
    questions = {q.key: q for q in catalog.catalog(checklist).questions}
    services.answers_record(
        assessment=assessment,
        user=owner,
        changes=[
            services.AnswerChange(
                question=questions["2.1"],
                rating="not_applicable",
                na_justification="The provider needs no licence there.",
            ),
            services.AnswerChange(question=questions["3.1"], rating="in_place"),
        ],
    )
    state = assessment_state(assessment)
    overall, applicable = state.result.overall, state.result.overall.applicable
    set_aside = sum(q.state == "set_aside" for q in state.questions)
    assert (overall.answered, overall.total - applicable) == (1, set_aside + 1)
    client.force_login(owner)
    pages = {
        "detail": assessment.get_absolute_url(),
        "review": reverse("checklists:assessment-review", args=[assessment.pk]),
        "report": reverse("checklists:assessment-report", args=[assessment.pk]),
        "dashboard": reverse("checklists:dashboard"),
    }
    for name, url in pages.items():
        text = client.get(url).text
        assert f"1 of {applicable} " in text, name
        assert f" of {applicable + 1} " not in text, name
    assert f"1 of {applicable} questions are answered" in client.get(pages["detail"]).text
    assert f"1 of {applicable} applicable questions" in pdf_text(assessment)
    # Section 2: six questions, 2.4 set aside by the profile and 2.1 marked not applicable.
    section = client.get(reverse("checklists:assessment-section", args=[assessment.pk, "2"]))
    assert "0 of 4 questions answered" in section.text


def test_every_reason_of_the_worked_example_shows_on_the_page_and_in_the_pdf(
    client, owner, organisation, checklist
):
    """docs/scoring.md's worked example: a blocking gap caps the verdict, and the shortfalls
    from Ready are reasons too. People need all three, blocking gap first."""
    from tests.test_scoring import WORKED_EXAMPLE, perfect

    project = services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Worked example",
        countries="Bangladesh",
        sector="apparel",
        stage="pilot",
        channels=["hotline", "social_media"],
        migrant_workers=False,
        minorities_present=True,
    )
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Worked example", started_by=owner
    )
    questions = {q.key: q for q in catalog.catalog(checklist).questions}
    services.answers_record(
        assessment=assessment,
        user=owner,
        changes=[
            services.AnswerChange(
                question=questions[key],
                rating=rating,
                na_justification="Does not apply here." if rating == "not_applicable" else "",
                evidence_note="On file." if rating == "in_place_with_evidence" else "",
            )
            for key, rating in perfect(WORKED_EXAMPLE).items()
            if rating and key != "2.4"
        ],
    )
    assert assessment_state(assessment).result.verdict == "not_ready"
    reasons = [
        "Blocking gap in remedy: question 3.3",
        "98% of the applicable questions are answered (1 is not); Ready needs every one answered.",
        "1 critical question is not yet In place (3.3); Ready allows none.",
    ]
    client.force_login(owner)
    page = " ".join(client.get(assessment.get_absolute_url()).text.split())
    printed = " ".join(pdf_text(assessment).split())
    for text in (page, printed):
        positions = [text.find(reason) for reason in reasons]
        assert -1 not in positions, [r for r, at in zip(reasons, positions, strict=True) if at < 0]
        assert positions == sorted(positions)


def _count_renders(monkeypatch) -> list:
    from checklists import reports

    calls = []
    render = reports.render_pdf

    def counting(*args, **kwargs):
        calls.append(1)
        return render(*args, **kwargs)

    monkeypatch.setattr(reports, "render_pdf", counting)
    return calls


def test_downloading_an_unchanged_report_again_does_not_render_it_again(
    client, owner, gappy, monkeypatch
):
    renders = _count_renders(monkeypatch)
    # The report is dated to the minute: two downloads either side of a minute's turn are two
    # reports. Hold the clock still, so that the test never straddles one.
    frozen = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr("checklists.reports.timezone.now", lambda: frozen)
    client.force_login(owner)
    url = reverse("checklists:assessment-report-pdf", args=[gappy.pk])
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert first.content.startswith(b"%PDF")
    assert len(renders) == 1


def test_a_changed_answer_shows_in_the_very_next_report_pdf(client, owner, gappy, monkeypatch):
    renders = _count_renders(monkeypatch)
    client.force_login(owner)
    url = reverse("checklists:assessment-report-pdf", args=[gappy.pk])
    before = client.get(url).content
    questions = {q.key: q for q in catalog.catalog(gappy.checklist).questions}
    services.answers_record(
        assessment=gappy,
        user=owner,
        changes=[
            services.AnswerChange(
                question=questions["3.1"],
                rating="in_place",
                expected_revision=gappy.answers.get(question__key="3.1").revision,
            )
        ],
    )
    after = client.get(url).content
    assert after != before
    assert len(renders) == 2
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(after)).pages).replace(
        "\n", " "
    )
    assert "Blocking gap in remedy: question 3.1" not in text


def test_the_report_pdf_downloads_while_the_cache_server_is_down(
    client, owner, gappy, settings, tmp_path
):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"unix://{tmp_path}/no-redis-here.sock",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        client.force_login(owner)
        response = client.get(reverse("checklists:assessment-report-pdf", args=[gappy.pk]))
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
    finally:
        caches["default"].close()


def test_a_blocking_gaps_card_shows_the_evidence_note_and_links(client, owner, gappy):
    services.answers_record(
        assessment=gappy,
        user=owner,
        changes=[
            services.AnswerChange(
                question=gappy.checklist.questions.get(key="3.1"),
                rating="planned",
                evidence_note="Draft protocol agreed with the Mirpur clinic.",
                evidence_links=["https://example.org/protocol"],
                expected_revision=gappy.answers.get(question__key="3.1").revision,
            )
        ],
    )
    text = pdf_text(gappy)
    card = text[re.search(r"(?m)^3\.1 .*Critical$", text).start() : text.index("Scores\n")]
    assert "Draft protocol agreed with the Mirpur clinic." in card
    assert "https://example.org/protocol" in card
    assert "Recorded" not in text
    client.force_login(owner)
    html = client.get(reverse("checklists:assessment-report", args=[gappy.pk])).text
    card = html[html.index('<span class="gap-key">3.1</span>') :]
    card = card[: card.index("</table>")]
    assert "Draft protocol agreed with the Mirpur clinic." in card
    assert 'href="https://example.org/protocol"' in card
    # 7.2 has no evidence at all.
    card = html[html.index('<span class="gap-key">7.2</span>') :]
    assert "None recorded" in card[: card.index("</table>")]


def test_no_part_of_the_pdf_runs_past_the_right_margin(gappy, owner):
    # Long owners and every gap planned: the action table is at its widest.
    for question in gappy.checklist.questions.all()[:20]:
        services.action_update(
            assessment=gappy,
            question=question,
            user=owner,
            owner="Operations Manager (Dhaka office), Supplier Relations",
            due_date=date(2027, 3, 10),
            status="in_progress",
        )
    from django.template.loader import render_to_string

    from checklists.reports import REPORT_CSS, _stylesheets, _weasyprint, assessment_report_context

    html = render_to_string(
        "checklists/pdf/assessment_report.html",
        assessment_report_context(gappy, generated_at=WHEN),
    )
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html).render(stylesheets=_stylesheets(REPORT_CSS))
    overflowing = []
    for number, page in enumerate(document.pages, 1):
        box = page._page_box
        right = box.content_box_x() + box.width + 0.5  # half a point for rounding
        stack = list(box.children)
        while stack:
            child = stack.pop()
            if type(child).__name__ == "MarginBox":
                continue
            end = child.position_x + child.margin_width()
            if end > right and getattr(child, "element_tag", None):
                overflowing.append((number, child.element_tag, round(end - right)))
            stack.extend(getattr(child, "children", []))
    assert not overflowing
