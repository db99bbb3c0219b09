"""The assessment walk-through: organisations, projects, answering sections, review and submit.

Requests are made the way the section page's form makes them: every applicable question of the
section sends its fields (`q<key>-rating`, `-na_justification`, `-evidence_note`,
`-evidence_links`, and the hidden `-revision` and `-seen`), as rendered from
`AnswerForm.initial_for`, with the values a person chose typed over them. Unchecked radio buttons
send nothing, like a browser. The test client does not enforce CSRF.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checklists import catalog, services
from checklists.access import Can, get_organisation_for
from checklists.content import evaluate_condition
from checklists.forms.answers import ANSWER_FIELDS, AnswerForm, answer_fingerprint
from checklists.models import (
    Answer,
    Assessment,
    ChecklistVersion,
    Membership,
    Organisation,
    Project,
    Question,
    User,
)
from checklists.selectors import (
    assessment_state,
    progress_of,
    section_page_state,
)
from checklists.services.evidence import evidence_upload
from tests.conftest import audit_lock_queries

pytestmark = pytest.mark.django_db

EVIDENCE = {"rating": "in_place_with_evidence", "evidence_note": "Signed policy, version 2."}
PROFILE = {
    "name": "Dhaka garment hotline",
    "description": "A hotline for workers in three supplier factories.",
    "countries": "Bangladesh",
    "sector": Project.Sector.APPAREL,
    "channels": ["sms", "hotline"],
    "migrant_workers": False,
    "minorities_present": False,
    "women_share": 70,
    "technology_provider": "Callwise",
    "local_partners": "Awaj Foundation",
    "unions": "",
    "stage": Project.Stage.PLANNING,
}
# The profile under which all 60 questions apply (2.4, 5.1 and 6.13 are conditional).
EVERYTHING_APPLIES = {
    "migrant_workers": True,
    "minorities_present": True,
    "channels": ["sms", "social_media"],
}


# --- People and their work -----------------------------------------------------------------
# The organisation and its people (owner, editor, viewer, outsider) come from conftest.py.


@pytest.fixture
def project(organisation, owner) -> Project:
    return services.project_create(organisation=organisation, created_by=owner, **PROFILE)


@pytest.fixture
def assessment(project, checklist, owner) -> Assessment:
    return services.assessment_start(
        project=project, checklist=checklist, title="Baseline, March 2026", started_by=owner
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_owner(owner) -> Client:
    return client_for(owner)


@pytest.fixture
def as_editor(editor) -> Client:
    return client_for(editor)


@pytest.fixture
def as_viewer(viewer) -> Client:
    return client_for(viewer)


@pytest.fixture
def as_outsider(outsider) -> Client:
    return client_for(outsider)


# --- Answers and the form that sends them --------------------------------------------------


def _values(value: str | dict | None) -> dict:
    """An answer given as a rating key, or as a dict of AnswerForm fields."""
    if value is None:
        return {}
    return {"rating": value} if isinstance(value, str) else dict(value)


def record(assessment: Assessment, user: User, answers: dict[str, str | dict]) -> None:
    """Save answers through the service, each from its current revision."""
    questions = {q.key: q for q in assessment.checklist.questions.filter(key__in=answers)}
    revisions = dict(assessment.answers.values_list("question__key", "revision"))
    changes = []
    for key, value in answers.items():
        fields = _values(value)
        fields["evidence_links"] = tuple(fields.get("evidence_links", ()))
        changes.append(
            services.AnswerChange(
                question=questions[key], expected_revision=revisions.get(key, 0), **fields
            )
        )
    assert (
        services.answers_record(assessment=assessment, user=user, changes=changes).conflicts == []
    )


def applicable_questions(assessment: Assessment, section_key: str | None = None) -> list[Question]:
    project = Project.objects.get(pk=assessment.project_id)
    questions = assessment.checklist.questions.select_related("section").order_by("position")
    if section_key is not None:
        questions = questions.filter(section__key=section_key)
    return [q for q in questions if evaluate_condition(q.applies_if, project.profile)]


def answer_everything(
    assessment: Assessment, user: User, exceptions: dict[str, str | dict] | None = None
) -> None:
    """Every applicable question in place with evidence, except those given."""
    exceptions = exceptions or {}
    record(
        assessment,
        user,
        {q.key: exceptions.get(q.key, EVIDENCE) for q in applicable_questions(assessment)},
    )


def initial_for_section(assessment: Assessment, section_key: str) -> dict[str, dict]:
    """What the section page renders into each question's form, as AnswerForm.initial_for says."""
    answers = {a.question_id: a for a in assessment.answers.all()}
    return {
        q.key: AnswerForm.initial_for(answers.get(q.pk))
        for q in applicable_questions(assessment, section_key)
    }


class _FormValues(HTMLParser):
    """The values a browser would submit from a page's form fields, by field name."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and (a.get("type") != "radio" or "checked" in a):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def initial_from_page(response) -> dict[str, dict]:
    """The values each question's form was drawn with, read from the page's HTML."""
    parser = _FormValues()
    parser.feed(response.text)
    found: dict[str, dict] = {}
    for name, value in parser.values.items():
        if m := re.fullmatch(r"q(?P<key>[^-]+)-(?P<field>\w+)", name):
            found.setdefault(m["key"], {})[m["field"]] = value
    for fields in found.values():
        fields["revision"] = int(fields["revision"])
    return {
        key: {name: fields.get(name, "") for name in ANSWER_FIELDS} for key, fields in found.items()
    }


def _question_fields(key: str, initial: dict, value: str | dict | None) -> dict:
    fields = {"rating": "", "na_justification": "", "evidence_note": "", "evidence_links": ""}
    fields |= initial | _values(value)
    if isinstance(fields["evidence_links"], list | tuple):
        fields["evidence_links"] = "\n".join(fields["evidence_links"])
    data = {f"q{key}-{name}": str(v) for name, v in fields.items()}
    if not fields["rating"]:
        del data[f"q{key}-rating"]  # no radio button checked: the browser sends nothing
    return data


def section_data(
    assessment: Assessment,
    section_key: str,
    values: dict[str, str | dict] | None = None,
    *,
    initial: dict[str, dict] | None = None,
    action: str | None = "continue",
) -> dict:
    """The POST body of a section's form: every applicable question, `values` typed over."""
    values = values or {}
    initial = initial if initial is not None else initial_for_section(assessment, section_key)
    data = {}
    for key, question_initial in initial.items():
        data |= _question_fields(key, question_initial, values.get(key))
    if action is not None:
        data["action"] = action
    return data


def autosave_data(
    assessment: Assessment, key: str, value: str | dict, *, initial: dict | None = None
) -> dict:
    """What static/js/autosave.js posts: one question's fields and `autosave=<key>`."""
    section_key = key.split(".")[0]
    question_initial = initial or initial_for_section(assessment, section_key)[key]
    return {**_question_fields(key, question_initial, value), "autosave": key}


def section_url(assessment: Assessment, section_key: str) -> str:
    return reverse("checklists:assessment-section", args=[assessment.pk, section_key])


def stored(assessment: Assessment) -> dict[str, tuple]:
    return {
        a.question.key: (a.rating, a.na_justification, a.evidence_note, a.evidence_links)
        for a in assessment.answers.select_related("question")
    }


def database_snapshot() -> tuple:
    """Every answer and assessment row, to show that a refused request changed nothing."""
    answers = list(
        Answer.objects.order_by("pk").values_list(
            "pk",
            "assessment_id",
            "question_id",
            "rating",
            "na_justification",
            "evidence_note",
            "evidence_links",
            "answered_by_id",
            "answered_at",
            "revision",
        )
    )
    assessments = list(
        Assessment.objects.order_by("pk").values_list(
            "pk", "status", "last_section", "updated_at", "submitted_at", "submitted_by_id"
        )
    )
    return answers, assessments


def hidden_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- 1. Organisations, projects and starting an assessment ---------------------------------


def test_dashboard_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("checklists:dashboard"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('checklists:dashboard')}"


def test_user_without_an_organisation_is_sent_to_create_one(as_outsider):
    response = as_outsider.get(reverse("checklists:project-create"))
    assert response.status_code == 302
    assert response.url == reverse("checklists:organisation-create")
    assert message_texts(response) == ["First tell us about your organisation."]
    assert "Set up your organisation" in as_outsider.get(reverse("checklists:dashboard")).text


def test_creating_an_organisation_makes_the_user_its_owner(as_outsider, outsider):
    response = as_outsider.post(
        reverse("checklists:organisation-create"), {"name": "Awaj Foundation", "kind": "ngo"}
    )
    assert response.status_code == 302
    assert response.url == reverse("checklists:project-create")
    membership = Membership.objects.get(user=outsider)
    assert membership.organisation.name == "Awaj Foundation"
    assert membership.organisation.kind == Organisation.Kind.NGO
    assert membership.role == Membership.Role.OWNER


def _project_form(organisation: Organisation, **overrides) -> dict:
    data = {
        **PROFILE,
        "organisation": organisation.pk,
        "channels": ["sms", "social_media"],
        "migrant_workers": "True",
        "minorities_present": "False",
        "women_share": "62",
    }
    data.update(overrides)
    return data


def test_project_create_form_saves_the_profile(as_owner, organisation, owner):
    response = as_owner.post(reverse("checklists:project-create"), _project_form(organisation))
    project = Project.objects.get()
    assert response.status_code == 302
    assert response.url == project.get_absolute_url()
    assert project.organisation == organisation
    assert project.created_by == owner
    assert project.channels == ["sms", "social_media"]
    assert project.migrant_workers is True
    assert project.minorities_present is False
    assert project.women_share == 62
    assert project.profile == {
        "migrant_workers": True,
        "minorities_present": False,
        "channels": ["sms", "social_media"],
        "stage": "planning",
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"women_share": "150"}, "women_share", "Give a percentage between 0 and 100."),
        (
            {"channels": ["sms", "carrier_pigeon"]},
            "channels",
            "Select a valid choice. carrier_pigeon is not one of the available choices.",
        ),
    ],
    ids=["women_share-150", "unknown-channel"],
)
def test_project_create_form_refuses_a_bad_profile(
    as_owner, organisation, overrides, field, message
):
    response = as_owner.post(
        reverse("checklists:project-create"), _project_form(organisation, **overrides)
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    # Listed at the top too, linked to the field, however far down the form it is.
    summary = response.text[response.text.index('id="error-summary"') :]
    field_id = response.context["form"][field].id_for_label
    assert re.search(rf'<a href="#{field_id}">[^<]* \u2013 {re.escape(message)}</a>', summary)
    assert message in response.text
    assert not Project.objects.exists()


def test_project_create_offers_only_organisations_the_user_may_edit(
    as_outsider, outsider, organisation
):
    services.organisation_create(name="Awaj Foundation", kind="ngo", owner=outsider)
    response = as_outsider.post(reverse("checklists:project-create"), _project_form(organisation))
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Project.objects.exists()


def test_viewer_without_an_organisation_to_edit_is_sent_to_create_one(as_viewer):
    response = as_viewer.get(reverse("checklists:project-create"))
    assert response.status_code == 302
    assert response.url == reverse("checklists:organisation-create")


def test_starting_an_assessment_opens_section_one(as_owner, project, checklist, owner):
    response = as_owner.post(
        reverse("checklists:assessment-create", args=[project.pk]),
        {"title": "Baseline", "checklist": checklist.pk},
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response.url == section_url(assessment, "1")
    assert assessment.project == project
    assert assessment.checklist == checklist
    assert assessment.started_by == owner
    assert assessment.status == Assessment.Status.DRAFT


def _legend(html: str) -> str:
    found = re.search(r'<aside class="rating-legend".*?</aside>', html, re.S)
    assert found, "no rating legend on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found[0]))


def test_section_page_says_what_each_rating_is_worth(as_owner, assessment):
    html = as_owner.get(section_url(assessment, "1")).text
    legend = _legend(html)
    assert "Planned: 1 of 3 points" in legend
    assert "In place: 2 of 3 points" in legend
    assert "In place with evidence: 3 of 3 points" in legend
    assert "Ready needs at least 80% of the possible points." in legend
    assert "Only “In place with evidence” earns the full points." in legend
    # Once above the questions, not once per question.
    assert html.count('class="rating-legend"') == 1
    assert html.index('class="rating-legend"') < html.index('id="q-1.1"')


def test_the_rating_legend_comes_from_the_versions_rules(as_owner, assessment):
    version = assessment.checklist
    document = version.document
    document["scoring"]["scale"][2]["points"] = 5
    document["scoring"]["scale"][3]["points"] = 6
    document["scoring"]["levels"][0]["min_score"] = 90
    ChecklistVersion.objects.filter(pk=version.pk).update(
        document=document, content_hash="changed for this test"
    )
    catalog.forget()
    legend = _legend(as_owner.get(section_url(assessment, "1")).text)
    assert "In place: 5 of 6 points" in legend
    assert "Ready needs at least 90% of the possible points." in legend


def test_on_narrow_screens_the_section_list_is_a_disclosure_near_the_top(as_owner, assessment):
    html = as_owner.get(section_url(assessment, "2")).text
    jump = html.index('<details class="sections-jump d-lg-none')
    # Above the questions, with the same list as the full one kept for wide screens.
    assert jump < html.index('id="q-2.1"')
    assert '<aside class="walkthrough-nav d-none d-lg-block"' in html
    assert html.count('<nav class="section-nav"') == 2
    assert "All 9 sections" in html[jump : html.index("</summary>", jump)]


# --- 2. Who may do what --------------------------------------------------------------------
# Who may open or post to each URL, walk-through pages included, is the matrix in test_access.py.


def test_viewer_sees_sections_read_only(as_viewer, assessment, owner):
    record(assessment, owner, {"3.1": "planned"})
    response = as_viewer.get(section_url(assessment, "3"))
    assert response.status_code == 200
    assert '<form method="post" novalidate' not in response.text
    assert 'name="q3.1-rating"' not in response.text
    assert "Planned" in response.text
    assert "Answered by Olivia Owner" in response.text
    # A viewer's visit is not where the team left off.
    assert Assessment.objects.get(pk=assessment.pk).last_section == ""


def test_posting_to_another_organisations_assessment_is_404_and_changes_nothing(
    as_outsider, outsider, assessment, checklist
):
    own_organisation = services.organisation_create(name="Elsewhere", kind="ngo", owner=outsider)
    services.project_create(organisation=own_organisation, created_by=outsider, **PROFILE)
    before = database_snapshot()
    data = section_data(assessment, "3", {"3.1": EVIDENCE})
    assert as_outsider.post(section_url(assessment, "3"), data).status_code == 404
    autosave = autosave_data(assessment, "3.1", "in_place")
    assert as_outsider.post(section_url(assessment, "3"), autosave).status_code == 404
    assert database_snapshot() == before


def test_owner_may_manage_the_organisation(organisation, owner):
    found = get_organisation_for(owner, organisation.pk, Can.MANAGE_MEMBERS)
    assert found == organisation
    assert found.role == Membership.Role.OWNER


def test_viewer_sees_the_organisation_but_may_not_manage_it(organisation, viewer, editor):
    found = get_organisation_for(viewer, organisation.pk, Can.VIEW)
    assert (found, found.role) == (organisation, Membership.Role.VIEWER)
    for member in (viewer, editor):
        with pytest.raises(PermissionDenied, match="Your role in this organisation"):
            get_organisation_for(member, organisation.pk, Can.MANAGE_MEMBERS)


@pytest.mark.parametrize("perm", [Can.VIEW, Can.MANAGE_MEMBERS])
def test_outsiders_and_anonymous_visitors_cannot_tell_an_organisation_exists(
    organisation, outsider, perm
):
    # A member of another organisation is still an outsider here.
    services.organisation_create(name="Awaj Foundation", kind="ngo", owner=outsider)
    for stranger in (outsider, AnonymousUser()):
        with pytest.raises(Http404):
            get_organisation_for(stranger, organisation.pk, perm)


def test_a_missing_organisation_is_404_even_for_an_owner(organisation, owner):
    missing = Organisation.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    with pytest.raises(Http404):
        get_organisation_for(owner, missing, Can.VIEW)


# --- 3. Saving a section and moving on -----------------------------------------------------


def test_saving_a_section_stores_the_answers_and_opens_the_next(as_owner, assessment, owner):
    data = section_data(
        assessment,
        "3",
        {
            "3.1": "planned",
            "3.2": {
                "rating": "in_place_with_evidence",
                "evidence_links": ["https://intranet.example/remedy-policy.pdf"],
            },
        },
    )
    response = as_owner.post(section_url(assessment, "3"), data)
    assert response.status_code == 302
    assert response.url == section_url(assessment, "4")
    assert stored(assessment) == {
        "3.1": ("planned", "", "", []),
        "3.2": ("in_place_with_evidence", "", "", ["https://intranet.example/remedy-policy.pdf"]),
    }
    answer = assessment.answers.get(question__key="3.1")
    assert (answer.answered_by, answer.revision) == (owner, 1)


def test_saving_unchanged_answers_writes_nothing(as_owner, assessment, owner):
    record(assessment, owner, {"3.1": "planned"})
    before = database_snapshot()
    response = as_owner.post(section_url(assessment, "3"), section_data(assessment, "3"))
    assert response.status_code == 302
    answers, _ = database_snapshot()
    assert answers == before[0]


@pytest.mark.parametrize(
    ("action", "target"),
    [
        ("exit", "detail"),
        ("goto-5", "5"),
        ("previous", "2"),
        ("continue", "4"),
        ("goto-99", "4"),
    ],
)
def test_section_buttons_decide_where_to_go_after_saving(as_owner, assessment, action, target):
    data = section_data(assessment, "3", {"3.1": "planned"}, action=action)
    response = as_owner.post(section_url(assessment, "3"), data)
    assert response.status_code == 302
    expected = (
        assessment.get_absolute_url() if target == "detail" else section_url(assessment, target)
    )
    assert response.url == expected
    assert stored(assessment)["3.1"][0] == "planned"


def test_save_and_exit_says_the_answers_are_saved(as_owner, assessment):
    data = section_data(assessment, "3", {"3.1": "planned"}, action="exit")
    response = as_owner.post(section_url(assessment, "3"), data, follow=True)
    assert "Your answers are saved" in response.text


def test_the_last_section_leads_to_the_review(as_owner, assessment):
    response = as_owner.post(section_url(assessment, "9"), section_data(assessment, "9"))
    assert response.status_code == 302
    assert response.url == reverse("checklists:assessment-review", args=[assessment.pk])
    page = as_owner.get(section_url(assessment, "9")).text
    assert "Save and check your answers" in page


def test_continue_link_resumes_at_the_last_section_visited(as_owner, assessment, owner):
    detail = as_owner.get(assessment.get_absolute_url())
    assert f'href="{section_url(assessment, "1")}">Start answering<' in detail.text

    record(assessment, owner, {"1.1": "planned"})
    assert as_owner.get(section_url(assessment, "6")).status_code == 200
    assert Assessment.objects.get(pk=assessment.pk).last_section == "6"
    detail = as_owner.get(assessment.get_absolute_url())
    assert detail.context["resume_key"] == "6"
    assert f'href="{section_url(assessment, "6")}">Continue<' in detail.text


def test_unknown_section_is_404(as_owner, assessment):
    assert as_owner.get(section_url(assessment, "10")).status_code == 404


# --- 4. Tampered and invalid posts ---------------------------------------------------------


@pytest.fixture
def answered(assessment, owner) -> Assessment:
    """Section 3 partly answered, so that "nothing changed" covers existing rows too."""
    record(assessment, owner, {"3.1": "planned", "3.2": EVIDENCE})
    return assessment


def _refused(client: Client, assessment: Assessment, data: dict, section_key: str = "3"):
    before = database_snapshot()
    response = client.post(section_url(assessment, section_key), data)
    assert database_snapshot() == before
    return response


def test_unknown_question_in_the_field_names_is_400(as_owner, answered):
    data = section_data(answered, "3", {"3.1": "in_place"})
    data |= _question_fields("9.99", AnswerForm.initial_for(None), "in_place")
    response = _refused(as_owner, answered, data)
    assert response.status_code == 400
    assert (
        "This form names questions that are not in section 3 or do not apply: 9.99."
        in response.text
    )
    assert "Nothing was changed." in response.text


def test_question_of_another_section_is_400(as_owner, answered):
    data = section_data(answered, "3", {"3.1": "in_place"})
    data |= section_data(answered, "4", {"4.1": "in_place"}, action=None)
    response = _refused(as_owner, answered, data)
    assert response.status_code == 400
    assert "not in section 3 or do not apply: 4.1, 4.2, 4.3, 4.4, 4.5." in response.text


def test_question_that_does_not_apply_is_400(as_owner, assessment):
    """2.4 applies only when migrant workers are involved; this project has none."""
    assert "2.4" not in initial_for_section(assessment, "2")
    data = section_data(assessment, "2", {"2.1": "planned"})
    data |= _question_fields("2.4", AnswerForm.initial_for(None), "in_place")
    response = _refused(as_owner, assessment, data, "2")
    assert response.status_code == 400
    assert "not in section 2 or do not apply: 2.4." in response.text
    autosave = autosave_data(assessment, "2.4", "in_place", initial=AnswerForm.initial_for(None))
    assert _refused(as_owner, assessment, autosave, "2").status_code == 400


def test_a_post_over_the_size_limit_is_413_with_a_plain_message(as_owner, answered, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2_621_440  # Django's default: 2.5 MB
    data = section_data(answered, "3", {"3.4": EVIDENCE | {"evidence_note": "x" * limit}})
    response = _refused(as_owner, answered, data)
    assert response.status_code == 413
    text = response.text.replace("\N{NO-BREAK SPACE}", " ")
    assert "What you sent is too large: at most 2.5 MB can be sent at once" in text
    assert "Nothing was saved." in text
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" not in text
    assert "Request body exceeded" not in text


def test_a_post_with_too_many_fields_is_refused_with_a_plain_message(as_owner, answered, settings):
    data = section_data(answered, "3", {"3.1": "in_place"})
    data |= {f"extra-{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}
    response = _refused(as_owner, answered, data)
    assert response.status_code == 400
    assert "This form sent more fields than any page of westcheck has" in response.text
    assert "Nothing was changed." in response.text
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" not in response.text
    assert "The number of GET/POST parameters exceeded" not in response.text


@pytest.mark.parametrize(
    ("key", "value", "field", "message"),
    [
        (
            "3.1",
            "perfect",
            "rating",
            "Choose one of the ratings offered for this question.",
        ),
        (
            "3.1",
            {"rating": "not_applicable", "na_justification": "We have no workers."},
            "rating",
            "Choose one of the ratings offered for this question.",
        ),
        (
            "3.4",
            EVIDENCE | {"evidence_note": "x" * 1_000_000},
            "evidence_note",
            "Ensure this value has at most 5000 characters (it has 1000000).",
        ),
        (
            "3.4",
            {"rating": "in_place_with_evidence"},
            "evidence_note",
            "Add a note or a link showing the evidence, or choose “In place”.",
        ),
        (
            "3.4",
            {"rating": "in_place_with_evidence", "evidence_links": ["javascript:alert(1)"]},
            "evidence_links",
            "“javascript:alert(1)” is not a web address starting with http:// or https://.",
        ),
        (
            "3.4",
            {
                "rating": "in_place_with_evidence",
                "evidence_links": [f"https://files.example/{n}.pdf" for n in range(11)],
            },
            "evidence_links",
            "Give at most 10 links; put the rest in one shared folder.",
        ),
        (
            "3.4",
            {"rating": "in_place", "revision": "not a number"},
            "revision",
            "Enter a whole number.",
        ),
    ],
    ids=[
        "rating-outside-the-scale",
        "not-applicable-not-allowed",
        "one-megabyte-note",
        "evidence-rating-without-evidence",
        "javascript-link",
        "eleven-links",
        "revision-not-a-number",
    ],
)
def test_invalid_answer_is_refused_with_a_clear_error(
    as_owner, answered, key, value, field, message
):
    # 3.3 changes too: a section is saved whole or not at all.
    data = section_data(answered, "3", {key: value, "3.3": "in_place"})
    response = _refused(as_owner, answered, data)
    assert response.status_code == 422
    fields = next(q.fields for q in response.context["section"].questions if q.key == key)
    assert message in fields["errors"][field]
    assert "Some answers need your attention" in response.text
    assert message[:40] in response.text


def test_too_long_evidence_note_is_not_also_reported_as_missing(as_owner, answered):
    data = section_data(answered, "3", {"3.4": EVIDENCE | {"evidence_note": "x" * 5001}})
    response = _refused(as_owner, answered, data)
    fields = next(q.fields for q in response.context["section"].questions if q.key == "3.4")
    assert fields["errors"]["evidence_note"] == [
        "Ensure this value has at most 5000 characters (it has 5001)."
    ]


def test_too_long_justification_is_not_also_reported_as_missing(as_owner, assessment):
    value = {"rating": "not_applicable", "na_justification": "x" * 2001}
    response = _refused(as_owner, assessment, section_data(assessment, "2", {"2.1": value}), "2")
    assert response.status_code == 422
    assert "Ensure this value has at most 2000 characters (it has 2001)." in response.text
    assert "Say why this question does not apply." not in response.text
    fields = next(q.fields for q in response.context["section"].questions if q.key == "2.1")
    assert {name: errors for name, errors in fields["errors"].items() if errors} == {
        "na_justification": ["Ensure this value has at most 2000 characters (it has 2001)."]
    }
    autosave = _refused(as_owner, assessment, autosave_data(assessment, "2.1", value), "2")
    assert autosave.json()["errors"] == {
        "na_justification": ["Ensure this value has at most 2000 characters (it has 2001)."]
    }


def test_questions_sent_back_as_shown_are_neither_checked_nor_saved(as_owner, assessment):
    """Only changed questions are checked: an unchanged one cannot carry anything in, even with
    a fingerprint forged to match what it sends."""
    before = stored(assessment)
    data = section_data(assessment, "3", {"3.2": "planned"})
    data["q3.1-rating"] = "excellent"
    data["q3.1-seen"] = answer_fingerprint("excellent", "", "", [])
    response = as_owner.post(section_url(assessment, "3"), data)
    assert response.status_code == 302
    assert stored(assessment) == {**before, "3.2": ("planned", "", "", [])}
    # Without the forged fingerprint, the same value is checked and refused.
    data = section_data(assessment, "3", {"3.1": "excellent"})
    assert as_owner.post(section_url(assessment, "3"), data).status_code == 422
    assert stored(assessment) == {**before, "3.2": ("planned", "", "", [])}


def test_not_applicable_needs_a_justification(as_owner, assessment):
    data = section_data(assessment, "2", {"2.1": {"rating": "not_applicable"}})
    response = _refused(as_owner, assessment, data, "2")
    assert response.status_code == 422
    assert "Say why this question does not apply." in response.text

    data = section_data(
        assessment,
        "2",
        {"2.1": {"rating": "not_applicable", "na_justification": "Single-site pilot."}},
    )
    assert as_owner.post(section_url(assessment, "2"), data).status_code == 302
    assert stored(assessment)["2.1"] == ("not_applicable", "Single-site pilot.", "", [])


def test_posting_to_a_submitted_assessment_is_403_and_changes_nothing(as_owner, assessment, owner):
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    data = section_data(assessment, "3", {"3.1": "planned"})
    response = _refused(as_owner, assessment, data)
    assert response.status_code == 403
    assert "submitted and can no longer be changed" in response.text
    autosave = autosave_data(assessment, "3.1", "planned")
    assert _refused(as_owner, assessment, autosave).status_code == 403


def test_autosave_of_an_unknown_question_is_400(as_owner, answered):
    data = {**autosave_data(answered, "3.1", "in_place"), "autosave": "9.99"}
    response = _refused(as_owner, answered, data)
    assert response.status_code == 400
    assert "Unknown question 9.99." in response.text


# --- 5. Two people editing at once ---------------------------------------------------------


def test_stale_save_is_refused_and_shows_the_other_persons_answer(as_owner, as_editor, assessment):
    page_a = as_owner.get(section_url(assessment, "3"))
    page_b = as_editor.get(section_url(assessment, "3"))
    seen_by_a, seen_by_b = initial_from_page(page_a), initial_from_page(page_b)
    unanswered = AnswerForm.initial_for(None)
    assert (seen_by_b["3.1"]["revision"], seen_by_b["3.1"]["seen"]) == (0, unanswered["seen"])

    response = as_owner.post(
        section_url(assessment, "3"),
        section_data(assessment, "3", {"3.1": "planned"}, initial=seen_by_a),
    )
    assert response.status_code == 302

    stale = section_data(assessment, "3", {"3.1": "in_place"}, initial=seen_by_b)
    before = database_snapshot()
    response = as_editor.post(section_url(assessment, "3"), stale)
    assert response.status_code == 409
    assert database_snapshot() == before
    assert stored(assessment)["3.1"][0] == "planned"
    assert list(response.context["conflicts"]) == ["3.1"]
    assert "Olivia Owner changed this answer at" in response.text
    assert "It is now: <strong>Planned</strong>" in response.text
    assert "Nothing was saved." in response.text
    # The page keeps B's choice and carries the current revision, so saving again is deliberate.
    assert re.search(r'name="q3\.1-rating" value="in_place"[^>]*\bchecked', response.text)
    hidden = hidden_inputs(response.text)
    assert hidden["q3.1-revision"] == "1"
    assert hidden["q3.1-seen"] == answer_fingerprint("planned", "", "", [])

    again = stale | hidden
    response = as_editor.post(section_url(assessment, "3"), again)
    assert response.status_code == 302
    answer = assessment.answers.get(question__key="3.1")
    assert (answer.rating, answer.revision, answer.answered_by.name) == (
        "in_place",
        2,
        "Edith Editor",
    )


def test_stale_save_that_leaves_the_contested_answer_alone_saves_the_rest(
    as_owner, as_editor, assessment, owner
):
    seen_by_b = initial_from_page(as_editor.get(section_url(assessment, "3")))
    record(assessment, owner, {"3.1": "planned"})

    response = as_editor.post(
        section_url(assessment, "3"),
        section_data(assessment, "3", {"3.2": "in_place"}, initial=seen_by_b),
    )
    assert response.status_code == 302
    assert stored(assessment) == {"3.1": ("planned", "", "", []), "3.2": ("in_place", "", "", [])}
    assert assessment.answers.get(question__key="3.1").answered_by == owner


def test_stale_save_of_the_same_answer_is_not_a_conflict(as_editor, assessment, owner):
    seen_by_b = initial_from_page(as_editor.get(section_url(assessment, "3")))
    record(assessment, owner, {"3.1": "planned"})
    data = section_data(assessment, "3", {"3.1": "planned"}, initial=seen_by_b)
    assert as_editor.post(section_url(assessment, "3"), data).status_code == 302
    assert assessment.answers.get(question__key="3.1").revision == 1


def test_autosave_conflict_is_409_json_with_a_message(as_editor, assessment, owner):
    seen_by_b = initial_from_page(as_editor.get(section_url(assessment, "3")))
    record(assessment, owner, {"3.1": "planned"})
    before = database_snapshot()
    data = autosave_data(assessment, "3.1", "in_place", initial=seen_by_b["3.1"])
    response = as_editor.post(section_url(assessment, "3"), data)
    assert response.status_code == 409
    assert response.json() == {
        "status": "conflict",
        "message": "Olivia Owner changed this answer while you were editing. It is now: "
        "Planned. Reload the page to see it; your change was not saved.",
    }
    assert database_snapshot() == before


def test_autosave_never_hands_out_a_revision_whose_answer_was_not_seen(
    as_editor, editor, owner, assessment
):
    record(assessment, editor, {"3.1": "planned"})
    seen_by_b = initial_from_page(as_editor.get(section_url(assessment, "3")))["3.1"]
    record(assessment, owner, {"3.1": "not_started"})  # A, revision 2
    url = section_url(assessment, "3")

    refused = as_editor.post(url, autosave_data(assessment, "3.1", "in_place", initial=seen_by_b))
    assert refused.status_code == 409
    # B changes their mind and clicks "Planned" again: the page still says revision 1.
    back = as_editor.post(url, autosave_data(assessment, "3.1", "planned", initial=seen_by_b))
    if back.status_code == 200 and back.json()["status"] == "saved":
        # "Saved" must mean that what B's page shows is what is stored.
        assert stored(assessment)["3.1"][0] == "planned"
        body = back.json()
        again = as_editor.post(
            url,
            autosave_data(
                assessment,
                "3.1",
                "in_place",
                initial={"revision": body["revision"], "seen": body["seen"]},
            ),
        )
        assert again.status_code == 200
    else:
        assert back.status_code == 409
        assert stored(assessment)["3.1"][0] == "not_started"


def test_autosave_from_a_revision_that_does_not_exist_is_refused_clearly(owner, assessment):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    before = database_snapshot()
    data = autosave_data(
        assessment, "3.1", "in_place", initial={**AnswerForm.initial_for(None), "revision": 5}
    )
    response = client.post(section_url(assessment, "3"), data)
    assert database_snapshot() == before
    assert response.status_code in (400, 409)


# --- 6. Autosave -------------------------------------------------------------------------


def test_autosave_saves_one_question_and_answers_json(as_owner, assessment, owner):
    data = autosave_data(assessment, "3.1", EVIDENCE)
    assert set(data) == {
        "q3.1-rating",
        "q3.1-na_justification",
        "q3.1-evidence_note",
        "q3.1-evidence_links",
        "q3.1-revision",
        "q3.1-seen",
        "autosave",
    }
    response = as_owner.post(section_url(assessment, "3"), data)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "saved"
    assert body["revision"] == 1
    assert body["seen"] == answer_fingerprint(
        "in_place_with_evidence", "", EVIDENCE["evidence_note"], []
    )
    assert body["message"].startswith("Saved at ")
    assert stored(assessment) == {
        "3.1": ("in_place_with_evidence", "", EVIDENCE["evidence_note"], [])
    }
    # The next autosave starts from what the last one returned.
    data = autosave_data(
        assessment, "3.1", "in_place", initial={"revision": body["revision"], "seen": body["seen"]}
    )
    data["q3.1-evidence_note"] = EVIDENCE["evidence_note"]
    response = as_owner.post(section_url(assessment, "3"), data)
    assert response.json()["revision"] == 2


def test_invalid_autosave_is_422_json_with_the_errors(as_owner, answered):
    before = database_snapshot()
    data = autosave_data(answered, "3.4", {"rating": "in_place_with_evidence"})
    response = as_owner.post(section_url(answered, "3"), data)
    assert response.status_code == 422
    assert response.json() == {
        "status": "invalid",
        "errors": {
            "evidence_note": ["Add a note or a link showing the evidence, or choose “In place”."]
        },
    }
    assert database_snapshot() == before


# --- 7. Questions that depend on the project profile ---------------------------------------


def test_question_that_does_not_apply_is_set_aside_with_the_reason(as_owner, assessment):
    response = as_owner.get(section_url(assessment, "2"))
    question = next(q for q in response.context["section"].questions if q.key == "2.4")
    assert question.state == "set_aside"
    assert question.fields is None
    section_2 = re.search(r'id="q-2.4".*?</fieldset>', response.text, re.S).group(0)
    assert "Not applicable to this project." in section_2
    assert "Applies only if migrant workers are involved in the project." in section_2
    assert 'name="q2.4-' not in response.text
    assert "0 of 5 questions answered" in response.text


def test_changing_the_profile_brings_a_question_back(as_owner, assessment, owner, project):
    answer_everything(assessment, owner)
    review = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    assert review.context["unanswered"] == []
    assert "57 of 57 questions answered" in review.text

    form = _project_form(project.organisation, channels=PROFILE["channels"], migrant_workers="True")
    del form["organisation"]
    response = as_owner.post(reverse("checklists:project-edit", args=[project.pk]), form)
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).migrant_workers is True

    review = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    assert [q.key for q in review.context["unanswered"]] == ["2.4"]
    assert f'href="{section_url(assessment, "2")}#q-2.4"' in review.text
    section = as_owner.get(section_url(assessment, "2"))
    assert 'name="q2.4-evidence_note"' in section.text
    assert "5 of 6 questions answered" in section.text


# --- 8. Review, submit and follow-up ------------------------------------------------------


def test_review_lists_unanswered_questions_with_links(as_owner, assessment, owner):
    answer_everything(assessment, owner, exceptions={"3.1": "", "6.2": ""})
    response = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    assert [q.key for q in response.context["unanswered"]] == ["3.1", "6.2"]
    assert "2 questions still need an answer" in response.text
    assert f'href="{section_url(assessment, "3")}#q-3.1"' in response.text
    assert f'href="{section_url(assessment, "6")}#q-6.2"' in response.text
    # The button stays focusable, with the reason it cannot succeed yet written beside it.
    assert "disabled" not in re.search(r"<button[^>]*>Submit the assessment", response.text)[0]
    assert "can be submitted once every question listed above is answered" in response.text


def test_review_says_the_verdict_once_every_question_is_answered(as_owner, assessment, owner):
    answer_everything(assessment, owner, exceptions={"3.1": "planned"})
    response = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    assert "Every question is answered" in response.text
    assert response.context is not None
    section = re.search(
        r'<section class="alert[^"]*" aria-labelledby="ready-title">.*?</section>',
        response.text,
        re.S,
    )[0]
    # Styled by the verdict, not always green; the blocking reason comes first.
    assert "verdict-not_ready" in section
    assert "alert-success" not in section
    said = re.sub(r"<[^>]+>", "", section)
    assert re.search(r"The verdict is Not ready:\s+Blocking gap in remedy: question 3.1", said)


def test_review_of_a_ready_assessment_says_it_is_ready(as_owner, assessment, owner):
    answer_everything(assessment, owner)
    response = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    said = re.sub(r"<[^>]+>", "", response.text)
    assert "The verdict is Ready: All the conditions for Ready are met." in said
    assert "verdict-ready" in response.text


def test_review_shows_the_evidence_written_so_that_it_can_be_checked(as_owner, assessment, owner):
    answer_everything(
        assessment,
        owner,
        exceptions={
            "3.2": {
                "rating": EVIDENCE["rating"],
                "evidence_note": "Referral list signed by the union.",
                "evidence_links": ["https://files.example/referrals.pdf"],
            }
        },
    )
    response = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    assert "Evidence: Referral list signed by the union." in response.text
    assert 'href="https://files.example/referrals.pdf"' in response.text


def test_submit_with_unanswered_questions_is_refused(as_owner, assessment, owner):
    record(assessment, owner, {"3.1": "planned"})
    response = as_owner.post(
        reverse("checklists:assessment-submit", args=[assessment.pk]), follow=True
    )
    assert response.redirect_chain == [
        (reverse("checklists:assessment-review", args=[assessment.pk]), 302)
    ]
    assert "Answer every question before submitting; still unanswered: 1.1, 1.2" in response.text
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.submitted_at is None


def test_the_submit_service_itself_refuses_an_incomplete_assessment(assessment, owner):
    """Whoever calls it (a view, a command, an import), nothing incomplete gets locked."""
    record(assessment, owner, {"3.1": "planned"})
    with pytest.raises(ValidationError, match=r"still unanswered: 1\.1, 1\.2"):
        services.assessment_submit(assessment=assessment, user=owner)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_at) == (Assessment.Status.DRAFT, None)


def test_submitted_assessment_is_read_only(as_editor, editor, assessment):
    answer_everything(assessment, editor)
    response = as_editor.post(reverse("checklists:assessment-submit", args=[assessment.pk]))
    assert response.status_code == 302
    assert response.url == assessment.get_absolute_url()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_by == editor
    assert assessment.submitted_at is not None

    page = as_editor.get(section_url(assessment, "3"))
    assert page.status_code == 200
    assert '<form method="post" novalidate' not in page.text
    assert "Save and continue" not in page.text
    assert "Save and exit" not in page.text
    assert 'name="action"' not in page.text
    assert "In place with evidence" in page.text

    before = database_snapshot()
    assert (
        as_editor.post(section_url(assessment, "3"), section_data(assessment, "3")).status_code
        == 403
    )
    submit = reverse("checklists:assessment-submit", args=[assessment.pk])
    assert as_editor.post(submit).status_code == 403
    assert database_snapshot() == before
    detail = as_editor.get(assessment.get_absolute_url())
    assert "submitted" in detail.text
    assert "by Edith Editor" in detail.text


def test_editing_the_profile_does_not_change_a_submitted_assessment(
    as_owner, owner, assessment, project
):
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    assert as_owner.get(assessment.get_absolute_url()).context["verdict"]["label"] == "Ready"

    services.project_update(project=project, user=owner, migrant_workers=True)
    review = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    assert review.context["unanswered"] == []
    assert as_owner.get(assessment.get_absolute_url()).context["verdict"]["label"] == "Ready"


def test_new_assessment_from_a_submitted_one_copies_the_answers(as_owner, assessment, owner):
    answer_everything(
        assessment,
        owner,
        exceptions={
            "2.1": {"rating": "not_applicable", "na_justification": "One site only."},
            "3.1": {"rating": "planned", "evidence_note": "Draft procedure."},
            "3.2": {"rating": EVIDENCE["rating"], "evidence_links": ["https://a.example/p"]},
        },
    )
    services.assessment_submit(assessment=assessment, user=owner)
    detail = as_owner.get(assessment.get_absolute_url())
    assert "Start a new assessment from this one" in detail.text

    response = as_owner.post(reverse("checklists:assessment-copy", args=[assessment.pk]))
    follow_up = Assessment.objects.exclude(pk=assessment.pk).get()
    assert response.status_code == 302
    assert response.url == follow_up.get_absolute_url()
    assert follow_up.status == Assessment.Status.DRAFT
    assert follow_up.copied_from == assessment
    assert follow_up.title == "Follow-up to Baseline, March 2026"
    assert stored(follow_up) == stored(assessment)
    assert len(stored(follow_up)) == 57
    assert (
        as_owner.post(
            section_url(follow_up, "3"), section_data(follow_up, "3", {"3.1": "in_place"})
        ).status_code
        == 302
    )
    assert stored(assessment)["3.1"][0] == "planned"


def test_the_follow_up_gets_the_title_the_team_gives_it(as_owner, assessment, owner):
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    url = reverse("checklists:assessment-copy", args=[assessment.pk])
    assert (
        'value="Follow-up to Baseline, March 2026"'
        in as_owner.get(assessment.get_absolute_url()).text
    )
    as_owner.post(url, {"title": "  Review after the pilot, May 2027 "})
    assert Assessment.objects.exclude(pk=assessment.pk).get().title == (
        "Review after the pilot, May 2027"
    )


def test_a_follow_up_title_too_long_is_refused_and_nothing_is_created(as_owner, assessment, owner):
    answer_everything(assessment, owner)
    services.assessment_submit(assessment=assessment, user=owner)
    before = database_snapshot()
    response = as_owner.post(
        reverse("checklists:assessment-copy", args=[assessment.pk]),
        {"title": "x" * 201},
        follow=True,
    )
    assert "at most 200 characters" in response.text
    assert database_snapshot() == before


# --- 9. What the assessment page says ------------------------------------------------------


def test_one_blocking_gap_makes_the_project_not_ready(as_owner, assessment, owner):
    answer_everything(assessment, owner, exceptions={"3.1": "planned"})
    response = as_owner.get(assessment.get_absolute_url())
    assert response.context["verdict"]["label"] == "Not ready"
    assert '<span class="verdict-label">Not ready</span>' in response.text
    reasons = response.context["reasons"]
    blocking = [r for r in reasons if r.startswith("Blocking gap")]
    assert len(blocking) == 1, reasons
    assert "remedy" in blocking[0].lower()
    assert "question 3.1" in blocking[0]
    assert "is rated Planned" in blocking[0]
    assert [gap["key"] for gap in response.context["gaps"]] == ["3.1"]
    assert f'href="{section_url(assessment, "3")}#q-3.1"' in response.text
    assert "None: every question about remedy" not in response.text


def test_the_verdict_is_provisional_only_while_questions_are_unanswered(
    as_owner, assessment, owner
):
    answer_everything(assessment, owner, exceptions={"6.2": ""})
    partial = as_owner.get(assessment.get_absolute_url()).text
    assert ">provisional<" in partial
    assert "the verdict can only improve as answers come in" in partial
    answer_everything(assessment, owner, exceptions={"3.1": "planned"})
    complete = as_owner.get(assessment.get_absolute_url()).text
    assert ">provisional<" not in complete
    assert "can only improve" not in complete
    assert "this is the verdict of these answers" in complete


def test_the_overview_lists_what_would_move_the_verdict_up(as_owner, assessment, owner):
    answer_everything(assessment, owner, exceptions={"3.1": "planned"})
    response = as_owner.get(assessment.get_absolute_url())
    plan = response.context["next_level"]
    assert plan["level"]["label"] == "Ready with conditions"
    assert [(s["key"], s["to_label"], s["blocking"]) for s in plan["steps"]] == [
        ("3.1", "In place", True)
    ]
    # With everything else evidenced, clearing the one gate lifts the verdict past the next
    # level: the heading names the verdict the steps reach, not the next level.
    assert "What would make it Ready<" in response.text
    assert "Improve this answer to reach Ready:" in response.text
    section = re.search(r'<section class="mt-4 next-level".*?</section>', response.text, re.S)[0]
    assert f'href="{section_url(assessment, "3")}#q-3.1"' in section
    assert "from Planned to In place or better" in section


def test_a_blank_overview_shows_the_first_steps_and_folds_the_rest(as_owner, assessment):
    response = as_owner.get(assessment.get_absolute_url())
    steps = response.context["next_level"]["steps"]
    assert len(steps) > 5
    section = re.search(r'<section class="mt-4 next-level".*?</section>', response.text, re.S)[0]
    shown, folded = section.split("<details", 1)
    assert shown.count("<li>") == 5
    assert f"Show {len(steps) - 5} more answers</summary>" in folded
    assert folded.count("<li>") == len(steps) - 5
    assert '<ol class="next-steps" start="6">' in folded


def test_a_ready_overview_lists_no_next_level(as_owner, assessment, owner):
    answer_everything(assessment, owner)
    response = as_owner.get(assessment.get_absolute_url())
    assert response.context["next_level"] is None
    assert "What would make it" not in response.text


def test_the_overviews_one_next_step_is_the_primary_button(as_owner, assessment, owner):
    def buttons(html: str) -> list[tuple[str, str]]:
        header = html[html.index("<h1") : html.index('id="verdict-title"')]
        return re.findall(r'<a class="btn (btn-[\w-]+)" href="[^"]*">([^<]+)</a>', header)

    answer_everything(assessment, owner, exceptions={"6.2": ""})
    assert buttons(as_owner.get(assessment.get_absolute_url()).text) == [
        ("btn-primary", "Continue"),
        ("btn-outline-secondary", "Check and submit"),
    ]
    answer_everything(assessment, owner)
    assert buttons(as_owner.get(assessment.get_absolute_url()).text) == [
        ("btn-primary", "Check and submit"),
        ("btn-outline-secondary", "Change answers"),
    ]


def test_everything_in_place_with_evidence_is_ready(as_owner, assessment, owner):
    answer_everything(assessment, owner)
    response = as_owner.get(assessment.get_absolute_url())
    assert response.context["verdict"]["label"] == "Ready"
    assert '<span class="verdict-label">Ready</span>' in response.text
    assert response.context["gaps"] == []
    assert (
        "None: every question about remedy, informed consent and privacy is in place."
        in response.text
    )


# --- 10. Query counts ----------------------------------------------------------------------


def _more_projects(organisation: Organisation, owner: User, checklist, count: int) -> None:
    for n in range(count):
        project = services.project_create(
            organisation=organisation, created_by=owner, **{**PROFILE, "name": f"Project {n}"}
        )
        for title in ("Baseline", "Follow-up"):
            services.assessment_start(
                project=project, checklist=checklist, title=title, started_by=owner
            )


def test_dashboard_query_count_stays_flat_as_projects_are_added(
    as_owner, owner, editor, organisation, assessment, checklist, django_assert_num_queries
):
    url = reverse("checklists:dashboard")
    as_owner.get(url)  # the checklist version is then in memory (catalog.py)
    # 1. session, 2. user, 3. memberships with their organisations, projects and assessment
    # keys, 4. the user's grants on projects (none), 5. the latest assessments, 6. their
    # answers' ratings, 7. invitations waiting for the user's address (none), 8. shares offered
    # to it and requests for shares made to it (none), in one query.
    with django_assert_num_queries(8):
        response = as_owner.get(url)
    assert response.text.count('class="card mb-3"') == 1
    assert "earlier assessment" not in response.text
    other = services.organisation_create(name="Second Org", kind="funder", owner=owner)
    _more_projects(organisation, owner, checklist, 2)
    _more_projects(other, owner, checklist, 2)
    for name in ("Third Org", "Fourth Org"):
        services.invitation_create(
            organisation=services.organisation_create(name=name, kind="ngo", owner=editor),
            email=owner.email,
            role=Membership.Role.VIEWER,
            invited_by=editor,
            site="https://westcheck.example",
        )
    # The two invitations now waiting come with who sent them and for what, in one more.
    with django_assert_num_queries(9):
        response = as_owner.get(url)
    assert response.text.count('class="card mb-3"') == 5
    # Each new project shows its latest assessment and links to the one before it.
    assert response.text.count(">Follow-up</a>") == 4
    assert response.text.count(">Baseline</a>") == 0
    assert response.text.count("1 earlier assessment</a>") == 4
    assert response.text.count("as viewer, from Edith Editor") == 2


def test_only_people_who_may_start_an_assessment_are_offered_to_start_one(
    as_owner, as_editor, as_viewer, project
):
    url = reverse("checklists:dashboard")
    start = reverse("checklists:assessment-create", args=[project.pk])
    # In turns, so that no one is shown a list drawn for someone with other rights.
    for client, may_start in [
        (as_viewer, False),
        (as_owner, True),
        (as_viewer, False),
        (as_editor, True),
    ]:
        page = client.get(url).text
        assert "No assessment yet." in page
        assert (f'href="{start}"' in page) is may_start
        assert ("Start one" in page) is may_start
    # The link would only have led a viewer to a refusal.
    assert as_viewer.get(start).status_code == 403


def test_dashboard_shows_every_change_at_once(
    as_owner, owner, organisation, project, assessment, checklist
):
    url = reverse("checklists:dashboard")

    def progress_line() -> str:
        state = assessment_state(assessment)
        return f"{state.answered_count} of {state.applicable_count} questions answered"

    assert progress_line().startswith("0 of ")
    assert progress_line() in as_owner.get(url).text

    answer_everything(assessment, owner)
    assert not progress_line().startswith("0 of ")
    assert progress_line() in as_owner.get(url).text

    services.project_update(project=project, user=owner, name="Dhaka hotline, phase two")
    assert "Dhaka hotline, phase two" in as_owner.get(url).text

    services.assessment_submit(assessment=assessment, user=owner)
    assert "status-submitted" in as_owner.get(url).text

    services.assessment_start(
        project=project, checklist=checklist, title="Follow-up", started_by=owner
    )
    page = as_owner.get(url).text
    assert ">Follow-up</a>" in page
    assert "1 earlier assessment</a>" in page

    Organisation.objects.filter(pk=organisation.pk).update(name="Northwind Apparel Group")
    assert "Northwind Apparel Group ·" in as_owner.get(url).text

    _more_projects(organisation, owner, checklist, 1)
    assert as_owner.get(url).text.count('class="card mb-3"') == 2


def test_dashboard_counts_progress_as_the_full_state_does(
    as_owner, owner, project, assessment, checklist
):
    """The dashboard counts from the ratings alone: questions marked not applicable, questions
    the profile sets aside though they have answers, and a submitted assessment's frozen
    profile must count there as they do in the assessment's full state."""
    url = reverse("checklists:dashboard")

    def progress_line(assessment: Assessment) -> str:
        state = assessment_state(Assessment.objects.get(pk=assessment.pk))
        return f"{state.answered_count} of {state.applicable_count} questions answered"

    services.project_update(project=project, user=owner, **EVERYTHING_APPLIES)
    answer_everything(
        assessment, owner, {"2.1": {"rating": "not_applicable", "na_justification": "One site."}}
    )
    services.assessment_submit(assessment=assessment, user=owner)
    # 2.4, 5.1 and 6.13 no longer apply to the project, but still do to what was submitted.
    services.project_update(
        project=project,
        user=owner,
        migrant_workers=False,
        minorities_present=False,
        channels=["sms"],
    )
    assert progress_line(assessment) == "59 of 59 questions answered"
    assert progress_line(assessment) in as_owner.get(url).text

    follow_up = services.assessment_start(
        project=project,
        checklist=checklist,
        title="Follow-up",
        started_by=owner,
        copy_from=assessment,
    )
    assert follow_up.answers.count() == 60  # the set-aside questions' answers were copied too
    assert progress_line(follow_up) == "56 of 56 questions answered"
    page = as_owner.get(url).text
    assert ">Follow-up</a>" in page
    assert progress_line(follow_up) in page


def test_project_detail_query_count_stays_flat_as_assessments_are_added(
    as_owner, owner, project, assessment, checklist, django_assert_num_queries
):
    url = project.get_absolute_url()
    # 1. session, 2. user, 3. project with organisation and the user's role, 4. what funders'
    # cohorts ask of the project, 5. assessments with checklist and starter.
    with django_assert_num_queries(5):
        as_owner.get(url)
    for n in range(4):
        services.assessment_start(
            project=project, checklist=checklist, title=f"Round {n}", started_by=owner
        )
    with django_assert_num_queries(5):
        response = as_owner.get(url)
    assert response.text.count("<tr>") == 6  # header and five assessments


@pytest.fixture
def full_assessment(project, checklist, owner) -> Assessment:
    """An assessment of a project to which all 60 questions apply, every one answered."""
    services.project_update(project=project, user=owner, **EVERYTHING_APPLIES)
    full = services.assessment_start(
        project=project, checklist=checklist, title="Everything answered", started_by=owner
    )
    answer_everything(full, owner)
    assert full.answers.count() == 60
    return full


@pytest.fixture
def empty_assessment(full_assessment, project, checklist, owner) -> Assessment:
    return services.assessment_start(
        project=project, checklist=checklist, title="Nothing answered", started_by=owner
    )


def test_assessment_detail_query_count_does_not_grow_with_answers(
    as_owner, empty_assessment, full_assessment, django_assert_num_queries
):
    # The checklist version, its sections and questions are in memory once loaded (catalog.py):
    # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and the
    # user's role, 4. answers with who answered.
    catalog.checklist_version(empty_assessment.checklist_id)
    for assessment in (empty_assessment, full_assessment):
        with django_assert_num_queries(4):
            assert as_owner.get(assessment.get_absolute_url()).status_code == 200


def test_section_page_query_count_does_not_grow_with_answers_or_files(
    as_owner, owner, empty_assessment, full_assessment, django_assert_num_queries
):
    # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and the
    # user's role, 4. remembering the section for "Continue", 5. the answers (their ratings for
    # the progress, this section's in full), 6. the section's evidence files. No scores are
    # worked out.
    catalog.checklist_version(empty_assessment.checklist_id)
    keys = [
        q.key
        for q in catalog.catalog(full_assessment.checklist).questions
        if q.key.startswith("6.")
    ]
    for key in keys:
        for n in range(3):
            evidence_upload(
                assessment=full_assessment,
                question_key=key,
                upload=ContentFile(f"Record {n} of {key}".encode(), name=f"record-{n}.txt"),
                personal_data="no",
                retention_until=timezone.localdate() + timedelta(days=30),
                user=owner,
            )
    for assessment in (empty_assessment, full_assessment):
        with django_assert_num_queries(6):
            html = as_owner.get(section_url(assessment, "6")).content.decode()
    assert html.count("record-2.txt") == len(keys)
    # Coming back to the same section has nothing to remember.
    with django_assert_num_queries(5):
        as_owner.get(section_url(full_assessment, "6"))


def test_section_pages_count_and_show_answers_as_the_full_state_does(assessment, owner):
    """The section page counts the progress from the ratings and builds its section without
    the scores; what it shows must be what the assessment's full state says, set-aside
    questions and N/A included."""
    record(
        assessment,
        owner,
        {
            "2.1": {"rating": "not_applicable", "na_justification": "Single-site pilot."},
            "3.1": EVIDENCE,
            "3.2": "planned",
            "6.3": "not_started",
        },
    )
    state = assessment_state(assessment)
    assert any(q.state == "set_aside" for q in state.questions)
    for full in state.sections:
        progress, alone = section_page_state(assessment, full.info)
        assert progress == progress_of(state)
        assert [
            (q.key, q.applies, q.state, q.rating, q.rating_label, q.answer) for q in alone.questions
        ] == [
            (q.key, q.applies, q.state, q.rating, q.rating_label, q.answer) for q in full.questions
        ]
        assert (alone.answered, alone.applicable) == (full.answered, full.applicable)


def test_copying_60_answers_into_a_new_assessment_takes_one_insert(
    project, checklist, owner, full_assessment, django_assert_num_queries
):
    # 1. transaction, 2.-5. full_clean checks the project, checklist version, starter and
    # previous assessment exist, 6. the new assessment, 7. the previous answers, 8. their
    # copies, all in one insert, 9. the organisation's last audit event, 10. the new event,
    # 11. commit.
    with django_assert_num_queries(11 + audit_lock_queries()):
        copy = services.assessment_start(
            project=project,
            checklist=checklist,
            title="Follow-up",
            started_by=owner,
            copy_from=full_assessment,
        )
    assert stored(copy) == stored(full_assessment)
    assert {a.answered_by_id for a in copy.answers.all()} == {owner.pk}


def test_a_new_process_loads_the_checklist_once(
    as_owner, full_assessment, django_assert_num_queries
):
    catalog.forget()
    # As on any page of an assessment (session, user, assessment, answers), plus the checklist
    # version, its document, its sections and their questions.
    with django_assert_num_queries(8):
        as_owner.get(full_assessment.get_absolute_url())
    with django_assert_num_queries(4):
        as_owner.get(full_assessment.get_absolute_url())


def test_review_page_query_count_does_not_grow_with_answers(
    as_owner, empty_assessment, full_assessment, django_assert_num_queries
):
    # 1. session, 2. user, 3. assessment with project, organisation, submitter's name and the
    # user's role, 4. answers with who answered.
    catalog.checklist_version(empty_assessment.checklist_id)
    for assessment in (empty_assessment, full_assessment):
        with django_assert_num_queries(4):
            response = as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk]))
    assert response.context["unanswered"] == []


def test_saving_answers_query_count_does_not_grow_with_answers(
    as_owner, empty_assessment, full_assessment, django_assert_num_queries
):
    """Saving works from the checklist in memory: neither the other answers nor the scores."""
    catalog.checklist_version(empty_assessment.checklist_id)
    for assessment in (empty_assessment, full_assessment):
        initial = initial_for_section(assessment, "6")
        rating = "planned" if initial["6.1"].get("rating") != "planned" else "in_place"
        # 1. session, 2. user, 3. assessment with its role, 4. the transaction begins (a
        # savepoint in tests), 5. the assessment's row locked, 6. the answer locked, 7. the
        # answer written, 8. the assessment's "updated" time, 9. the organisation's last audit
        # event, 10. the events appended (one insert, however many answers changed), 11. the
        # transaction ends. The saved answer is sent back without loading it again.
        with django_assert_num_queries(11 + audit_lock_queries()):
            response = as_owner.post(
                section_url(assessment, "6"),
                autosave_data(assessment, "6.1", rating, initial=initial["6.1"]),
                headers={"X-Requested-With": "fetch"},
            )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "saved"
        assert response.json()["revision"] == assessment.answers.get(question__key="6.1").revision
        # The whole section without JavaScript: as many queries with one change as above,
        # however many questions the form carries.
        data = section_data(assessment, "6", {"6.2": rating})
        with django_assert_num_queries(11 + audit_lock_queries()):
            assert as_owner.post(section_url(assessment, "6"), data).status_code == 302
        assert stored(assessment)["6.2"][0] == rating


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"evidence_links": ("javascript:alert(1)",)}, "evidence_links", "is not a web address"),
        (
            {"evidence_links": tuple(f"https://example.org/{n}" for n in range(11))},
            "evidence_links",
            "at most 10 links",
        ),
        ({"evidence_note": "x" * 5001}, "evidence_note", "at most 5000 characters"),
        (
            {"na_justification": "x" * 2001, "rating": "not_applicable"},
            "na_justification",
            "at most 2000 characters",
        ),
        ({"rating": "done"}, "rating", "“done” is not a rating"),
    ],
)
def test_services_refuse_oversized_or_unsafe_answers_whatever_the_caller(
    assessment, owner, checklist, changes, field, message
):
    from django.core.exceptions import ValidationError

    question = checklist.questions.get(key="2.1")
    change = services.AnswerChange(**{"question": question, "rating": "in_place", **changes})
    before = database_snapshot()
    with pytest.raises(ValidationError, match=message) as refused:
        services.answers_record(assessment=assessment, user=owner, changes=[change])
    # The refusal names the field it is about, so that any caller can show it there.
    assert list(refused.value.error_dict) == [field]
    assert refused.value.error_dict[field][0].messages[0].startswith("Question 2.1: ")
    assert database_snapshot() == before


# --- Every change shows at once on every page ---------------------------------------------


def _answered_figure(html: str) -> int:
    return int(re.search(r"(\d+) of \d+ questions answered", html)[1])


def _appendix_rating(html: str, key: str) -> str:
    line = re.search(
        rf"<strong>{re.escape(key)}</strong>.*?appendix-answer\">(.*?)</span>", html, re.S
    )
    return re.sub(r"<[^>]+>", "", line[1]).strip()


def test_a_saved_answer_shows_at_once_on_every_page(as_owner, assessment):
    pages = {
        "detail": assessment.get_absolute_url(),
        "section": section_url(assessment, "3"),
        "review": reverse("checklists:assessment-review", args=[assessment.pk]),
        "report": reverse("checklists:assessment-report", args=[assessment.pk]),
        "actions": reverse("checklists:assessment-actions", args=[assessment.pk]),
    }
    for _ in range(2):  # a second look says the same
        before = {name: as_owner.get(url).text for name, url in pages.items()}
        assert _answered_figure(before["detail"]) == _answered_figure(before["review"]) == 0
        assert initial_from_page(as_owner.get(pages["section"]))["3.1"]["rating"] == ""
        assert _appendix_rating(before["report"], "3.1") == "Not answered · critical"
        assert 'id="action-3.1"' in before["actions"]

    saved = as_owner.post(pages["section"], autosave_data(assessment, "3.1", "in_place"))
    assert saved.json()["status"] == "saved"

    after = {name: as_owner.get(url).text for name, url in pages.items()}
    assert _answered_figure(after["detail"]) == _answered_figure(after["review"]) == 1
    assert initial_from_page(as_owner.get(pages["section"]))["3.1"]["rating"] == "in_place"
    assert _appendix_rating(after["report"], "3.1") == "In place · critical"
    assert 'id="action-3.1"' not in after["actions"]


def test_a_changed_profile_brings_back_a_question_at_once(as_owner, owner, project, assessment):
    review = reverse("checklists:assessment-review", args=[assessment.pk])
    assert 'name="q2.4-rating"' not in as_owner.get(section_url(assessment, "2")).text
    assert "2.4</strong>" in as_owner.get(review).text  # listed as not applicable
    services.project_update(project=project, user=owner, **EVERYTHING_APPLIES)
    assert 'name="q2.4-rating"' in as_owner.get(section_url(assessment, "2")).text
    assert re.search(r"2\.4</strong>.*?Not answered", as_owner.get(review).text, re.S)


def test_a_planned_action_shows_at_once_in_the_plan_and_the_report(as_owner, owner, assessment):
    actions = reverse("checklists:assessment-actions", args=[assessment.pk])
    report = reverse("checklists:assessment-report", args=[assessment.pk])
    assert "Amina Rahman" not in as_owner.get(actions).text + as_owner.get(report).text
    form = _FormValues()
    form.feed(as_owner.get(actions).text)
    for select in re.findall(r'<select name="([^"]+)"', as_owner.get(actions).text):
        form.values.setdefault(select, "open")
    response = as_owner.post(actions, {**form.values, "a3.1-owner": "Amina Rahman"})
    assert response.status_code == 302
    assert 'value="Amina Rahman"' in as_owner.get(actions).text
    assert "Amina Rahman" in as_owner.get(report).text


def test_viewers_and_editors_each_get_their_own_section_page(as_owner, as_viewer, assessment):
    url = section_url(assessment, "3")
    for _ in range(2):
        assert 'name="q3.1-rating"' in as_owner.get(url).text
        viewed = as_viewer.get(url).text
        assert 'name="q3.1-rating"' not in viewed
        assert "Not answered" in viewed


def test_each_person_gets_their_own_csrf_token_on_the_same_page(owner, editor, assessment):
    url = section_url(assessment, "3")
    people = [Client(enforce_csrf_checks=True) for _ in range(2)]
    people[0].force_login(owner)
    people[1].force_login(editor)
    for person, rating in zip(people, ("planned", "in_place"), strict=True):
        page = person.get(url)
        token = hidden_inputs(page.text)["csrfmiddlewaretoken"]
        data = autosave_data(assessment, "3.1", rating, initial=initial_from_page(page)["3.1"])
        response = person.post(url, {**data, "csrfmiddlewaretoken": token})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "saved"
    assert stored(assessment)["3.1"][0] == "in_place"


def test_an_answerer_renamed_in_the_admin_shows_with_the_new_name_at_once(
    as_viewer, owner, assessment
):
    record(assessment, owner, {"3.1": "in_place"})
    url = section_url(assessment, "3")
    assert "Answered by Olivia Owner" in as_viewer.get(url).text
    # As the admin saves it: nothing about the assessment changes.
    User.objects.filter(pk=owner.pk).update(name="Olivia Okafor")
    page = as_viewer.get(url).text
    assert "Answered by Olivia Okafor" in page
    assert "Olivia Owner" not in page


HOSTILE = '</textarea><script>alert("x")</script>"\' onmouseover="alert(1)'


def test_what_people_type_is_shown_as_text_on_every_page_that_draws_it(
    as_owner, as_viewer, owner, assessment
):
    record(
        assessment,
        owner,
        {
            "3.1": {"rating": "in_place_with_evidence", "evidence_note": HOSTILE},
            "2.1": {"rating": "not_applicable", "na_justification": HOSTILE},
        },
    )
    services.action_update(
        assessment=assessment,
        question=assessment.checklist.questions.get(key="3.2"),
        owner=HOSTILE,
        due_date=None,
        status="open",
        user=owner,
    )
    pages = [
        as_owner.get(section_url(assessment, "3")).text,  # in a textarea
        as_owner.get(section_url(assessment, "2")).text,
        as_viewer.get(section_url(assessment, "3")).text,  # read-only
        as_owner.get(reverse("checklists:assessment-review", args=[assessment.pk])).text,
        as_owner.get(reverse("checklists:assessment-actions", args=[assessment.pk])).text,
        as_owner.get(reverse("checklists:assessment-report", args=[assessment.pk])).text,
    ]
    for page in pages:
        assert "<script>" not in page
        assert 'onmouseover="alert' not in page
    assert "&lt;/textarea&gt;&lt;script&gt;" in pages[0]
    assert "&lt;/textarea&gt;&lt;script&gt;" in pages[2]
