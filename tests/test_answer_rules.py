"""The rules about an answer, on plain values: what the form, autosave, import and services share."""

from types import SimpleNamespace

import pytest

from checklists.answer_rules import MAX_LINKS, MAX_NOTE, AnswerValue, parse_links, problems

SCORING = {
    "scale": [
        {"key": "not_in_place", "label": "Not in place"},
        {"key": "in_place", "label": "In place"},
        {
            "key": "in_place_with_evidence",
            "label": "In place with evidence",
            "requires_evidence": True,
        },
    ],
    "not_applicable": {"label": "Not applicable"},
}
QUESTION = SimpleNamespace(
    key="2.4", na_allowed=True, applies_if={"field": "migrant_workers", "equals": True}
)
PROFILE = {"migrant_workers": True, "minorities_present": False, "channels": [], "stage": "pilot"}


def check(**value) -> dict[str, list[str]]:
    return problems(AnswerValue(**value), QUESTION, SCORING, PROFILE)


def test_a_plain_rating_has_no_problem():
    assert check(rating="in_place") == {}
    assert check(rating="") == {}


@pytest.mark.parametrize(
    ("value", "field", "start"),
    [
        ({"rating": "done"}, "rating", "“done” is not a rating"),
        ({"rating": "not_applicable"}, "na_justification", "Say why"),
        (
            {"rating": "in_place_with_evidence", "evidence_note": "  "},
            "evidence_note",
            "Add a note",
        ),
        ({"rating": "in_place", "evidence_note": "x" * (MAX_NOTE + 1)}, "evidence_note", "Ensure"),
        ({"rating": "in_place", "evidence_links": ("ftp://x",)}, "evidence_links", "“ftp://x”"),
        (
            {
                "rating": "in_place",
                "evidence_links": tuple(f"https://e.org/{n}" for n in range(11)),
            },
            "evidence_links",
            f"Give at most {MAX_LINKS} links",
        ),
    ],
)
def test_each_problem_is_named_by_its_field(value, field, start):
    found = check(**value)
    assert list(found) == [field]
    assert found[field][0].startswith(start)


def test_the_way_out_of_a_missing_evidence_is_the_best_rating_needing_none():
    assert check(rating="in_place_with_evidence")["evidence_note"] == [
        "Add a note or a link showing the evidence, or choose “In place”."
    ]


def test_a_question_the_profile_sets_aside_cannot_be_answered():
    found = problems(
        AnswerValue("in_place"), QUESTION, SCORING, {**PROFILE, "migrant_workers": False}
    )
    assert list(found) == ["rating"]


def test_not_applicable_where_the_question_forbids_it_is_a_rating_problem():
    strict = SimpleNamespace(key="1.1", na_allowed=False, applies_if=None)
    found = problems(AnswerValue("not_applicable", "Not for us."), strict, SCORING)
    assert list(found) == ["rating"]


def test_a_field_refused_elsewhere_is_not_reported_twice():
    value = AnswerValue("not_applicable", "x" * 3000)
    assert list(problems(value, QUESTION, SCORING)) == ["na_justification"]
    assert problems(value, QUESTION, SCORING, skip=frozenset({"na_justification"})) == {}


def test_links_are_read_one_per_line_without_blank_lines():
    assert parse_links(" https://a.org \n\n  https://b.org\n") == ["https://a.org", "https://b.org"]
