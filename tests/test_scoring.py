"""Scoring: case by case with the bundled checklist's rules, then properties that must hold for
any answers and any valid rules. No database: the checklist is read from its YAML file."""

import itertools
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checklists import content
from checklists.scoring import (
    NOT_APPLICABLE,
    QuestionInput,
    Reason,
    Result,
    Score,
    next_level_steps,
    reason_text,
    score_assessment,
)

BASE_DIR = Path(__file__).resolve().parent.parent
BUNDLED = BASE_DIR / "checklists" / "fixtures" / "west-operations-checklist-2019-03.yaml"
DOCS = BASE_DIR / "docs" / "scoring.md"

DOCUMENT = content.read_checklist_file(BUNDLED)
RULES = DOCUMENT["scoring"]
QUESTION_DATA = [question for section in DOCUMENT["sections"] for question in section["questions"]]
QUESTIONS = tuple(
    QuestionInput(
        key=question["key"],
        section=section["key"],
        principles=tuple(question["principles"]),
        flags=tuple(question["flags"]),
        critical=question["critical"],
    )
    for section in DOCUMENT["sections"]
    for question in section["questions"]
)
BY_KEY = {question.key: question for question in QUESTIONS}
TEXTS = {question["key"]: question["text"] for question in QUESTION_DATA}
SCALE = [rating["key"] for rating in RULES["scale"]]
BEST = SCALE[-1]
LEVELS = [level["key"] for level in RULES["levels"]]
# Where the checklist allows N/A: with a justification, or automatically by the project profile.
NA_ALLOWED = {
    question["key"]
    for question in QUESTION_DATA
    if question["na"] == "allowed_with_justification" or question.get("applies_if")
}
PROPERTY = settings(max_examples=200, deadline=None)


def perfect(changes: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Every question in place with evidence, except the changes."""
    return {**{question.key: BEST for question in QUESTIONS}, **(changes or {})}


def score(ratings, rules=RULES, questions=QUESTIONS) -> Result:
    return score_assessment(rules, questions, ratings)


def texts(result: Result, rules=RULES) -> list[str]:
    return [reason_text(reason, rules) for reason in result.reasons]


# --- The bundled rules, case by case ----------------------------------------------------------


def test_the_bundled_rules_are_the_ones_these_tests_assume():
    assert SCALE == ["not_started", "planned", "in_place", "in_place_with_evidence"]
    assert LEVELS == ["ready", "ready_with_conditions", "not_ready"]
    assert len(QUESTIONS) == 60
    assert sum(question.critical for question in QUESTIONS) == 18
    assert sorted(NA_ALLOWED) == sorted(["2.1", "2.4", "5.1", "6.8", "6.9", "6.13", "7.7", "8.3"])


def test_everything_in_place_with_evidence_is_ready_without_gaps():
    result = score(perfect())

    assert result.verdict == result.uncapped_verdict == "ready"
    assert result.overall == Score(earned=234, possible=234, answered=60, applicable=60, total=60)
    assert result.overall.percent == 100
    assert result.overall.answered_percent == 100
    assert result.gaps == result.blocking_gaps == result.unmet_critical == ()
    assert result.reasons == (Reason(kind="met", level="ready"),)
    assert texts(result) == ["All the conditions for Ready are met."]


def test_nothing_answered_is_not_ready():
    result = score({})

    assert result.verdict == result.uncapped_verdict == "not_ready"
    assert result.overall == Score(earned=0, possible=234, answered=0, applicable=60, total=60)
    assert result.overall.percent == 0
    assert result.overall.answered_percent == 0
    assert len(result.unmet_critical) == 18
    assert all(gap.rating is None for gap in result.gaps)
    assert [gap.key for gap in result.blocking_gaps] == [
        "1.6", "3.1", "3.2", "3.3", "3.6", "4.3", "6.1", "6.2", "6.4", "6.6", "6.12", "6.14",
        "7.2", "7.4",
    ]  # fmt: skip
    kinds = [(reason.kind, reason.level) for reason in result.reasons]
    assert kinds == [("blocking_gap", "ready_with_conditions")] * 14 + [
        ("score_below", "ready"),
        ("answered_below", "ready"),
        ("unmet_critical", "ready"),
        ("score_below", "ready_with_conditions"),
        ("answered_below", "ready_with_conditions"),
    ]
    assert texts(result)[0] == (
        "Blocking gap in privacy: question 1.6 is not answered yet; "
        "critical privacy questions must be In place before deployment."
    )
    assert texts(result)[-2:] == [
        "The overall score is 0%; Ready with conditions needs at least 50%.",
        "0% of the applicable questions are answered (60 are not); "
        "Ready with conditions needs at least 80%.",
    ]


def test_one_planned_critical_remedy_question_caps_a_perfect_assessment_at_not_ready():
    result = score(perfect({"3.1": "planned"}))

    assert result.verdict == "not_ready"
    assert result.uncapped_verdict == "ready_with_conditions"
    assert result.overall.percent > 98
    assert [gap.key for gap in result.blocking_gaps] == ["3.1"]
    blocking = [reason for reason in result.reasons if reason.kind == "blocking_gap"]
    assert blocking == [
        Reason(
            kind="blocking_gap",
            level="ready_with_conditions",
            questions=("3.1",),
            flag="remedy",
            rating="planned",
        )
    ]
    assert reason_text(blocking[0], RULES) == (
        "Blocking gap in remedy: question 3.1 is rated Planned; "
        "critical remedy questions must be In place before deployment."
    )
    assert texts(result)[1:] == [
        "1 critical question is not yet In place (3.1); Ready allows none."
    ]


def test_an_unmet_critical_question_without_a_gate_flag_holds_back_ready_but_does_not_cap():
    result = score(perfect({"1.1": "planned"}))

    assert result.verdict == result.uncapped_verdict == "ready_with_conditions"
    assert result.unmet_critical == ("1.1",)
    assert result.blocking_gaps == result.gaps == ()  # 1.1 has no flags
    assert result.reasons == (
        Reason(kind="unmet_critical", level="ready", questions=("1.1",), needed=0, actual=1),
    )


def test_unmet_critical_questions_are_listed_in_one_sentence():
    result = score(perfect({"1.1": "planned", "2.2": "not_started", "9.1": "not_started"}))

    assert result.verdict == "ready_with_conditions"
    assert texts(result) == [
        "3 critical questions are not yet In place (1.1, 2.2, 9.1); Ready allows none."
    ]


def test_a_flagged_question_below_met_rating_is_a_gap_that_blocks_only_when_critical():
    result = score(perfect({"3.4": "planned", "6.3": None, "6.2": "not_started"}))

    assert [(gap.key, gap.blocking) for gap in result.gaps] == [
        ("6.2", True),
        ("3.4", False),
        ("6.3", False),
    ]
    assert result.gaps[2].rating is None
    assert result.verdict == "not_ready"


def test_in_place_meets_the_met_rating():
    result = score(perfect({"3.1": "in_place", "1.1": "in_place"}))

    assert result.verdict == "ready"
    assert result.gaps == result.unmet_critical == ()


def test_not_applicable_questions_leave_the_denominators():
    result = score(perfect({"2.1": NOT_APPLICABLE}))

    # Section 2: critical 2.2 (weight 2) and standard 2.3-2.6 (weight 1), at 3 points best.
    assert result.sections["2"] == Score(earned=18, possible=18, answered=5, applicable=5, total=6)
    assert result.sections["2"].percent == 100
    assert result.overall == Score(earned=231, possible=231, answered=59, applicable=59, total=60)
    assert result.verdict == "ready"


def test_a_section_where_nothing_applies_has_no_percentage():
    # The scorer takes N/A as given; which questions may be N/A is the answer form's business.
    result = score(perfect({f"5.{n}": NOT_APPLICABLE for n in range(1, 5)}))

    assert result.sections["5"] == Score(earned=0, possible=0, answered=0, applicable=0, total=4)
    assert result.sections["5"].percent is None
    assert result.sections["5"].answered_percent is None
    assert result.overall.percent == 100


def test_a_critical_question_counts_double():
    critical = score(perfect({"1.1": "not_started"}))  # critical
    standard = score(perfect({"1.2": "not_started"}))

    assert critical.sections["1"] == Score(
        earned=21, possible=27, answered=7, applicable=7, total=7
    )
    assert standard.sections["1"] == Score(
        earned=24, possible=27, answered=7, applicable=7, total=7
    )
    assert 234 - critical.overall.earned == 2 * (234 - standard.overall.earned)


def test_a_question_counts_fully_in_each_of_its_principles_and_flags():
    result = score(perfect({"4.3": "planned"}))  # P5, P3; privacy, remedy; critical

    for group in (result.principles["P5"], result.principles["P3"]):
        assert group.possible - group.earned == 4
    for group in (result.flags["privacy"], result.flags["remedy"]):
        assert group.possible - group.earned == 4
    assert result.flags["consent"].percent == 100
    assert [reason.flag for reason in result.reasons if reason.kind == "blocking_gap"] == [
        "privacy"
    ]


def test_groups_come_in_a_stable_order():
    result = score(perfect())

    assert list(result.sections) == [str(n) for n in range(1, 10)]
    assert list(result.principles) == [f"P{n}" for n in range(1, 9)]
    assert list(result.flags) == ["remedy", "consent", "privacy"]
    assert sum(section.total for section in result.sections.values()) == 60


def test_an_unknown_rating_is_refused():
    with pytest.raises(ValueError, match=r"unknown rating 'done' for question 3\.1"):
        score(perfect({"3.1": "done"}))


def test_a_question_given_twice_is_refused():
    with pytest.raises(ValueError, match=r"question 1\.1 appears twice"):
        score({}, questions=(QUESTIONS[0], QUESTIONS[0]))


def test_an_empty_rating_means_unanswered():
    assert score(perfect({"2.3": ""})) == score(perfect({"2.3": None}))
    assert score(perfect({"2.3": ""})).overall.answered == 59


def test_ratings_of_other_questions_are_ignored():
    assert score({**perfect(), "10.1": "planned"}) == score(perfect())


def test_when_nothing_applies_only_levels_that_ask_for_nothing_are_reached():
    nothing = dict.fromkeys(BY_KEY, NOT_APPLICABLE)
    result = score(nothing)

    assert result.overall.percent is None
    assert result.overall.answered_percent is None
    assert result.verdict == "not_ready"
    assert texts(result)[:2] == [
        "No question applies, so there is no overall score; Ready needs at least 80%.",
        "No question applies, so none is answered; Ready needs at least 100% answered.",
    ]

    lenient = {
        **RULES,
        "levels": [{**RULES["levels"][1], "min_score": 0, "min_answered": 0}, RULES["levels"][2]],
    }
    assert score(nothing, rules=lenient).verdict == "ready_with_conditions"


def rules_with(scale_points, levels, weights=(1, 1)) -> dict:
    return {
        **RULES,
        "scale": [
            {"key": f"r{n}", "label": f"R{n}", "points": p, "description": "."}
            for n, p in enumerate(scale_points)
        ],
        "met_rating": "r1",
        "weights": {"critical": weights[0], "standard": weights[1]},
        "gates": {"flags": [], "verdict_cap": levels[-1]["key"]},
        "levels": levels,
    }


def test_float_noise_cannot_flip_a_verdict():
    rules = rules_with(
        [0, 0.2, 0.6, 0.7, 1.0],
        [
            {"key": "good", "label": "Good", "min_score": 50, "min_answered": 0},
            {"key": "bad", "label": "Bad", "min_score": 0, "min_answered": 0},
        ],
    )
    # Three standard questions earning 0.6 + 0.7 + 0.2 of 3: exactly 50%, but not in floats.
    assert (0.6 + 0.7 + 0.2) / 3 * 100 < 50
    questions = QUESTIONS[1:4]
    result = score({"1.2": "r2", "1.3": "r3", "1.4": "r1"}, rules=rules, questions=questions)

    assert result.overall.exact_percent == 50
    assert result.overall.percent == 50.0
    assert result.verdict == "good"


def test_a_level_may_allow_some_unmet_critical_questions():
    levels = [
        {"key": "a", "label": "A", "min_score": 0, "min_answered": 0, "max_unmet_critical": 1},
        {"key": "b", "label": "B", "min_score": 0, "min_answered": 0},
    ]
    rules = rules_with([0, 1, 2], levels)

    one = score({**dict.fromkeys(BY_KEY, "r2"), "1.1": "r0"}, rules=rules)
    two = score({**dict.fromkeys(BY_KEY, "r2"), "1.1": "r0", "2.2": "r0"}, rules=rules)
    assert one.verdict == "a"
    assert two.verdict == "b"
    assert texts(two, rules) == [
        "2 critical questions are not yet R1 (1.1, 2.2); A allows at most 1."
    ]


def test_when_no_level_holds_the_verdict_is_the_last_level():
    levels = [
        {"key": "a", "label": "A", "min_score": 50, "min_answered": 0},
        {"key": "b", "label": "B", "min_score": 0, "min_answered": 0, "max_unmet_critical": 0},
    ]
    result = score({}, rules=rules_with([0, 1], levels))

    assert result.verdict == result.uncapped_verdict == "b"
    assert [reason.level for reason in result.reasons] == ["a"]


def test_score_percentages_of_a_hand_made_score():
    assert Score(earned=2, possible=3, answered=1, applicable=4, total=5).percent == 200 / 3
    assert Score(earned=2, possible=3, answered=1, applicable=4, total=5).answered_percent == 25
    assert Score(earned=0, possible=0, answered=0, applicable=0, total=5).percent is None


# --- Reasons in words ------------------------------------------------------------------------


def test_a_score_below_a_threshold_is_never_shown_rounded_up_to_it():
    def text(actual):
        return reason_text(
            Reason(kind="score_below", level="ready", needed=80, actual=actual), RULES
        )

    assert text(62.4) == "The overall score is 62%; Ready needs at least 80%."
    assert text(79.4) == "The overall score is 79%; Ready needs at least 80%."
    assert text(79.96) == "The overall score is 79.9%; Ready needs at least 80%."


def test_a_blocking_gap_can_quote_the_question_and_use_flag_labels():
    reason = Reason(kind="blocking_gap", level="ready", questions=("7.2",), flag="consent")
    flag_labels = {flag["key"]: flag["label"] for flag in DOCUMENT["flags"]}

    assert reason_text(reason, RULES, {"7.2": "Is there a plan?"}, flag_labels=flag_labels) == (
        "Blocking gap in Informed consent: question 7.2 (“Is there a plan?”) is not answered yet; "
        "critical Informed consent questions must be In place before deployment."
    )


def test_an_unknown_reason_kind_is_refused():
    with pytest.raises(ValueError, match="unknown reason kind"):
        reason_text(Reason(kind="mood", level="ready"), RULES)


# --- The worked example in docs/scoring.md ---------------------------------------------------

WORKED_EXAMPLE = {
    "2.1": NOT_APPLICABLE,
    "2.2": "in_place",
    "2.3": "planned",
    "2.4": NOT_APPLICABLE,
    "2.5": "in_place_with_evidence",
    "2.6": None,
    "3.1": "in_place_with_evidence",
    "3.2": "in_place",
    "3.3": "planned",
    "3.4": "in_place",
    "3.5": "not_started",
    "3.6": "in_place_with_evidence",
}


def test_worked_example_in_docs_matches():
    doc = " ".join(DOCS.read_text(encoding="utf-8").split())

    def quoted(*figures: str) -> None:
        for figure in figures:
            assert figure in doc, f"docs/scoring.md does not say {figure!r}"

    result = score(perfect(WORKED_EXAMPLE))

    section_2, section_3 = result.sections["2"], result.sections["3"]
    assert section_2 == Score(earned=8, possible=15, answered=3, applicable=4, total=6)
    assert round(section_2.percent, 1) == 53.3
    quoted("8 / 15 = 53.3%", "3 of its 4 applicable questions")
    assert section_3 == Score(earned=20, possible=30, answered=6, applicable=6, total=6)
    assert round(section_3.percent, 1) == 66.7
    quoted("20 / 30 = 66.7%")

    rest = [q for q in QUESTIONS if q.section not in ("2", "3")]
    assert (len(rest), sum(q.critical for q in rest)) == (48, 13)
    quoted("48 questions of the other sections", "13 critical and 35 standard", "61 × 3 = 183")  # noqa: RUF001

    assert result.overall == Score(earned=211, possible=228, answered=57, applicable=58, total=60)
    assert round(result.overall.percent, 1) == 92.5
    assert round(result.overall.answered_percent, 1) == 98.3
    quoted("211 / 228 = 92.5%", "57 of 58 = 98.3%")

    assert result.unmet_critical == ("3.3",)
    assert [(gap.key, gap.blocking) for gap in result.gaps] == [("3.3", True), ("3.5", False)]
    assert result.uncapped_verdict == "ready_with_conditions"
    assert result.verdict == "not_ready"
    sentences = texts(result)
    assert sentences == [
        "Blocking gap in remedy: question 3.3 is rated Planned; "
        "critical remedy questions must be In place before deployment.",
        "98% of the applicable questions are answered (1 is not); Ready needs every one answered.",
        "1 critical question is not yet In place (3.3); Ready allows none.",
    ]
    quoted(*sentences)

    fixed = score(perfect({**WORKED_EXAMPLE, "3.3": "in_place"}))
    assert round(fixed.overall.percent, 1) == 93.4
    assert fixed.verdict == "ready_with_conditions"
    quoted("213 / 228 = 93.4%")
    answered = score(perfect({**WORKED_EXAMPLE, "3.3": "in_place", "2.6": "in_place"}))
    assert round(answered.overall.percent, 1) == 94.3
    assert answered.verdict == "ready"
    quoted("215 / 228 = 94.3%")


# --- Properties, with the bundled rules -----------------------------------------------------


def options(question: QuestionInput) -> list[str | None]:
    """Any rating or none; N/A only where the checklist allows it."""
    return [*SCALE, *([NOT_APPLICABLE] if question.key in NA_ALLOWED else []), None]


def pick(choices: list, byte: int):
    return choices[byte % len(choices)]


# One byte per question: a single draw for all 60 is much faster than 60 draws, and shrinks the
# same way (towards the first choice).
BUNDLED_RATINGS = st.binary(min_size=len(QUESTIONS), max_size=len(QUESTIONS)).map(
    lambda raw: {q.key: pick(options(q), byte) for q, byte in zip(QUESTIONS, raw, strict=True)}
)


def groups(result: Result) -> dict[tuple[str, str], Score]:
    """Every score of a result, by (kind, key)."""
    return {
        ("overall", ""): result.overall,
        **{("section", key): s for key, s in result.sections.items()},
        **{("principle", key): s for key, s in result.principles.items()},
        **{("flag", key): s for key, s in result.flags.items()},
    }


def groups_of(question: QuestionInput) -> set[tuple[str, str]]:
    return {
        ("overall", ""),
        ("section", question.section),
        *(("principle", key) for key in question.principles),
        *(("flag", key) for key in question.flags),
    }


def improve(data, ratings: dict, scale: list[str]) -> tuple[str, dict]:
    """One answer made better: unanswered to any rating, or a rating to a higher one."""
    improvable = [
        key
        for key, rating in ratings.items()
        if rating is None or (rating != NOT_APPLICABLE and rating != scale[-1])
    ]
    assume(improvable)
    key = data.draw(st.sampled_from(improvable))
    current = ratings[key]
    better = scale if current is None else scale[scale.index(current) + 1 :]
    return key, {**ratings, key: data.draw(st.sampled_from(better))}


def check_improvement_never_hurts(rules: dict, questions, before: Result, after: Result) -> None:
    levels = [level["key"] for level in rules["levels"]]
    old, new = groups(before), groups(after)
    assert old.keys() == new.keys()
    for name, score_before in old.items():
        score_after = new[name]
        assert score_after.possible_exact == score_before.possible_exact
        if score_before.percent is not None:
            assert score_after.percent >= score_before.percent, name
        assert score_after.answered >= score_before.answered
    assert levels.index(after.verdict) <= levels.index(before.verdict)
    assert levels.index(after.uncapped_verdict) <= levels.index(before.uncapped_verdict)
    assert set(after.unmet_critical) <= set(before.unmet_critical)
    assert {gap.key for gap in after.blocking_gaps} <= {gap.key for gap in before.blocking_gaps}


def check_invariants(rules: dict, questions, ratings, result: Result) -> None:
    levels = [level["key"] for level in rules["levels"]]
    assert result.verdict in levels
    assert result.uncapped_verdict in levels
    assert levels.index(result.verdict) >= levels.index(result.uncapped_verdict)
    assert result.reasons
    for reason in result.reasons:
        assert reason_text(reason, rules, TEXTS)
    for name, group in groups(result).items():
        assert 0 <= group.earned_exact <= group.possible_exact, name
        assert 0 <= group.answered <= group.applicable <= group.total, name
        for percent in (group.percent, group.answered_percent):
            assert percent is None or 0 <= percent <= 100, name
        assert (group.percent is None) == (group.applicable == 0), name
    assert result.overall.total == len(questions)
    assert sum(section.total for section in result.sections.values()) == len(questions)

    cap = levels.index(rules["gates"]["verdict_cap"])
    if result.blocking_gaps:
        assert levels.index(result.verdict) >= cap
        if cap > 0:
            named = {r.questions[0] for r in result.reasons if r.kind == "blocking_gap"}
            assert named == {gap.key for gap in result.blocking_gaps}
    else:
        assert result.verdict == result.uncapped_verdict
    if result.verdict == levels[0]:
        assert result.reasons == (Reason(kind="met", level=levels[0]),)
    assert result.gaps[: len(result.blocking_gaps)] == result.blocking_gaps
    assert all(not gap.blocking for gap in result.gaps[len(result.blocking_gaps) :])


@PROPERTY
@given(ratings=BUNDLED_RATINGS, data=st.data())
def test_improving_an_answer_never_lowers_a_score_or_the_verdict(ratings, data):
    _, better = improve(data, ratings, SCALE)

    check_improvement_never_hurts(RULES, QUESTIONS, score(ratings), score(better))


def check_not_applicable_removes_exactly_its_question(rules, questions, ratings, key) -> None:
    question = next(q for q in questions if q.key == key)
    scale = {rating["key"]: Fraction(str(rating["points"])) for rating in rules["scale"]}
    weight = Fraction(str(rules["weights"]["critical" if question.critical else "standard"]))
    rating = ratings[key]
    earned = weight * scale[rating] if rating is not None else 0
    before = groups(score_assessment(rules, questions, ratings))
    after = groups(score_assessment(rules, questions, {**ratings, key: NOT_APPLICABLE}))
    mine = groups_of(question)

    assert before.keys() == after.keys()
    for name, old in before.items():
        new = after[name]
        assert new.total == old.total
        if name in mine:
            assert old.possible_exact - new.possible_exact == weight * max(scale.values())
            assert old.earned_exact - new.earned_exact == earned
            assert old.applicable - new.applicable == 1
            assert old.answered - new.answered == (rating is not None)
        else:
            assert new == old
            assert new.possible_exact == old.possible_exact


@PROPERTY
@given(ratings=BUNDLED_RATINGS, data=st.data())
def test_marking_a_question_not_applicable_removes_exactly_its_weight(ratings, data):
    applicable = sorted(key for key in NA_ALLOWED if ratings[key] != NOT_APPLICABLE)
    assume(applicable)
    key = data.draw(st.sampled_from(applicable))

    check_not_applicable_removes_exactly_its_question(RULES, QUESTIONS, ratings, key)


@PROPERTY
@given(ratings=BUNDLED_RATINGS)
def test_scores_gates_and_reasons_are_consistent(ratings):
    result = score(ratings)

    check_invariants(RULES, QUESTIONS, ratings, result)
    if result.blocking_gaps:
        assert result.verdict == "not_ready"


# --- Properties, with any valid rules ------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(0, 20),
    st.floats(0, 20, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
PERCENTAGES = st.one_of(
    st.integers(0, 100),
    st.floats(0, 100, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
WEIGHTS = st.one_of(st.integers(1, 5), st.floats(0.01, 10, allow_nan=False, allow_infinity=False))


@st.composite
def random_rules(draw) -> dict:
    points = sorted(draw(st.lists(NUMBERS, min_size=2, max_size=6, unique=True)))
    assume(len(set(points)) == len(points))  # 0 and 0.0 are the same number
    scale = [
        {"key": f"r{n}", "label": f"Rating {n}", "points": p, "description": "."}
        for n, p in enumerate(points)
    ]
    count = draw(st.integers(1, 4))
    scores = sorted(draw(st.lists(PERCENTAGES, min_size=count - 1, max_size=count - 1)))[::-1]
    answered = sorted(draw(st.lists(PERCENTAGES, min_size=count - 1, max_size=count - 1)))[::-1]
    levels = []
    for n, (min_score, min_answered) in enumerate(zip([*scores, 0], [*answered, 0], strict=True)):
        level = {
            "key": f"l{n}",
            "label": f"Level {n}",
            "min_score": min_score,
            "min_answered": min_answered,
            "description": ".",
        }
        unmet = draw(st.none() | st.integers(0, 20))
        if unmet is not None:
            level["max_unmet_critical"] = unmet
        levels.append(level)
    return {
        "scale": scale,
        "not_applicable": {"label": "N/A", "description": "."},
        "weights": {"critical": draw(WEIGHTS), "standard": draw(WEIGHTS)},
        "met_rating": draw(st.sampled_from([r["key"] for r in scale])),
        "gates": {
            "flags": draw(st.lists(st.sampled_from(content.KNOWN_FLAGS), unique=True)),
            "verdict_cap": draw(st.sampled_from([level["key"] for level in levels])),
        },
        "levels": levels,
    }


@st.composite
def random_case(draw) -> tuple[dict, tuple[QuestionInput, ...], dict]:
    """Random rules, the bundled questions with random critical marks, and random ratings."""
    rules = draw(random_rules())
    count = len(QUESTIONS)
    critical = draw(st.binary(min_size=count, max_size=count))
    questions = tuple(
        QuestionInput(q.key, q.section, q.principles, q.flags, bool(byte & 1))
        for q, byte in zip(QUESTIONS, critical, strict=True)
    )
    choices = [*(rating["key"] for rating in rules["scale"]), NOT_APPLICABLE, None]
    picks = draw(st.binary(min_size=count, max_size=count))
    return (
        rules,
        questions,
        {q.key: pick(choices, b) for q, b in zip(QUESTIONS, picks, strict=True)},
    )


@PROPERTY
@given(case=random_case(), data=st.data())
def test_with_any_rules_improving_an_answer_never_hurts(case, data):
    rules, questions, ratings = case
    scale = [rating["key"] for rating in rules["scale"]]
    _, better = improve(data, ratings, scale)

    before = score_assessment(rules, questions, ratings)
    after = score_assessment(rules, questions, better)
    check_improvement_never_hurts(rules, questions, before, after)


@PROPERTY
@given(case=random_case(), data=st.data())
def test_with_any_rules_not_applicable_removes_exactly_its_weight(case, data):
    rules, questions, ratings = case
    applicable = [key for key, rating in ratings.items() if rating != NOT_APPLICABLE]
    assume(applicable)
    key = data.draw(st.sampled_from(applicable))

    check_not_applicable_removes_exactly_its_question(rules, questions, ratings, key)


@PROPERTY
@given(case=random_case())
def test_with_any_rules_scores_gates_and_reasons_are_consistent(case):
    rules, questions, ratings = case

    check_invariants(rules, questions, ratings, score_assessment(rules, questions, ratings))


def test_the_documented_rule_summary_names_every_reason_kind():
    doc = DOCS.read_text(encoding="utf-8")
    for kind in ("blocking_gap", "score_below", "answered_below", "unmet_critical", "met"):
        assert f"`{kind}`" in doc, kind


# --- What would move the verdict up ---------------------------------------------------------


def steps(ratings, rules=RULES, questions=QUESTIONS):
    plan = next_level_steps(rules, questions, ratings)
    return None if plan is None else (plan.level, [(s.key, s.to, s.blocking) for s in plan.steps])


def test_a_ready_assessment_has_no_next_level():
    assert next_level_steps(RULES, QUESTIONS, perfect()) is None


def test_a_blocking_gap_comes_first_and_alone_when_it_is_enough():
    # 3.1 Planned caps a perfect assessment at Not ready; In place clears the gate, and with
    # everything else perfect the verdict moves up (to Ready, past the next level).
    assert steps(perfect({"3.1": "planned"})) == (
        "ready_with_conditions",
        [("3.1", "in_place", True)],
    )


def test_gates_come_before_any_score():
    ratings = {key: "planned" for key in BY_KEY}
    plan = next_level_steps(RULES, QUESTIONS, ratings)
    assert plan.level == "ready_with_conditions"
    result = score(ratings)
    blocking = [gap.key for gap in result.blocking_gaps]
    assert [s.key for s in plan.steps[: len(blocking)]] == blocking
    assert all(s.blocking for s in plan.steps[: len(blocking)])
    assert not any(s.blocking for s in plan.steps[len(blocking) :])
    after = score({**ratings, **{s.key: s.to for s in plan.steps}})
    assert after.verdict == "ready_with_conditions"


def test_unanswered_questions_are_the_steps_to_ready():
    plan = next_level_steps(RULES, QUESTIONS, perfect({"1.2": None, "1.3": None}))
    assert plan.level == "ready"
    assert [s.key for s in plan.steps] == ["1.2", "1.3"]
    # The lowest rating that still reaches the level: any answer counts as answered here.
    assert score(perfect({s.key: s.to for s in plan.steps})).verdict == "ready"


def test_nothing_applicable_has_no_plan():
    ratings = {key: NOT_APPLICABLE for key in BY_KEY}
    assert next_level_steps(RULES, QUESTIONS, ratings) is None


def check_plan(rules, questions, ratings) -> None:
    """The plan reaches the next level, clears blocking gaps first, and nothing shorter does."""
    levels = [level["key"] for level in rules["levels"]]
    before = score_assessment(rules, questions, ratings)
    plan = next_level_steps(rules, questions, ratings)
    if plan is None:
        return
    target = levels.index(before.verdict) - 1
    assert plan.level == levels[target]
    after = score_assessment(rules, questions, {**ratings, **{s.key: s.to for s in plan.steps}})
    assert levels.index(after.verdict) <= target
    flags = [s.blocking for s in plan.steps]
    assert flags == sorted(flags, reverse=True)
    # Brute force: no smaller set of answers, each at the best rating, reaches the level.
    best = max(rules["scale"], key=lambda r: _exact_points(r))["key"]
    open_keys = [
        q.key
        for q in questions
        if ratings.get(q.key) != NOT_APPLICABLE and ratings.get(q.key) != best
    ]
    for size in range(len(plan.steps)):
        for chosen in itertools.combinations(open_keys, size):
            tried = score_assessment(rules, questions, {**ratings, **dict.fromkeys(chosen, best)})
            assert levels.index(tried.verdict) > target, (chosen, plan)


def _exact_points(rating) -> Fraction:
    return Fraction(str(rating["points"]))


@PROPERTY
@given(case=random_case(), size=st.integers(1, 8))
def test_the_plan_is_the_fewest_answers_that_reach_the_next_level(case, size):
    rules, questions, ratings = case
    questions = questions[:size]
    check_plan(rules, questions, {q.key: ratings[q.key] for q in questions})


@PROPERTY
@given(ratings=BUNDLED_RATINGS)
def test_with_the_bundled_rules_the_plan_reaches_the_next_level(ratings):
    levels = LEVELS
    before = score(ratings)
    plan = next_level_steps(RULES, QUESTIONS, ratings)
    if before.verdict == levels[0]:
        assert plan is None
        return
    assert plan is not None
    after = score({**ratings, **{s.key: s.to for s in plan.steps}})
    assert levels.index(after.verdict) < levels.index(before.verdict)
    if plan.level != "not_ready" and before.blocking_gaps:
        assert {s.key for s in plan.steps if s.blocking} == {g.key for g in before.blocking_gaps}


def test_the_worked_examples_next_level_is_the_one_docs_name():
    assert steps(perfect(WORKED_EXAMPLE)) == (
        "ready_with_conditions",
        [("3.3", "in_place", True)],
    )
    doc = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert "the list to reach Ready with conditions is 3.3 alone" in doc


def test_when_the_scorer_disagrees_with_the_tally_no_plan_is_promised(monkeypatch, caplog):
    # Should the tally and the scorer ever part, the page lists nothing rather than steps that
    # would not move the verdict. Here the scorer ignores every improvement.
    import checklists.scoring as scoring

    ratings = perfect({"3.1": "planned"})
    real = scoring.score_assessment
    stuck = real(RULES, QUESTIONS, ratings)
    monkeypatch.setattr(scoring, "score_assessment", lambda *args: stuck)
    assert scoring.next_level_steps(RULES, QUESTIONS, ratings) is None
    assert "no plan reaches" in caplog.text


def test_the_plan_names_the_verdict_its_steps_reach():
    plan = next_level_steps(RULES, QUESTIONS, perfect({"3.1": "planned"}))
    assert (plan.level, plan.reaches) == ("ready_with_conditions", "ready")
    plan = next_level_steps(RULES, QUESTIONS, perfect({"1.2": None, "1.3": None}))
    assert (plan.level, plan.reaches) == ("ready", "ready")


def test_a_better_level_with_looser_conditions_can_be_the_shorter_way_up():
    # Levels need not be nested: here the best level asks only for a score, while the next one
    # also asks that no critical question be left unmet. Raising 1.1 alone reaches the best.
    rule = {"description": ".", "min_answered": 0}
    rules = {
        "scale": [
            {"key": f"r{n}", "label": f"Rating {n}", "points": n, "description": "."}
            for n in range(3)
        ],
        "met_rating": "r0",
        "not_applicable": {"label": "N/A", "description": "."},
        "weights": {"critical": 1, "standard": 4},
        "gates": {"flags": [], "verdict_cap": "l0"},
        "levels": [
            {**rule, "key": "l0", "label": "Level 0", "min_score": 6},
            {**rule, "key": "l1", "label": "Level 1", "min_score": 6},
            {**rule, "key": "l2", "label": "Level 2", "min_score": 6, "max_unmet_critical": 0},
            {**rule, "key": "l3", "label": "Level 3", "min_score": 0},
        ],
    }
    questions = [
        QuestionInput(key=f"1.{n}", section="1", principles=("P1",), flags=(), critical=n == 5)
        for n in range(1, 6)
    ]
    ratings = {"1.1": "r0", "1.2": "r0", "1.3": "r0", "1.4": "r0", "1.5": None}
    assert score_assessment(rules, questions, ratings).verdict == "l3"
    plan = next_level_steps(rules, questions, ratings)
    assert (plan.level, plan.reaches) == ("l2", "l0")
    assert [s.key for s in plan.steps] == ["1.1"]
    check_plan(rules, questions, ratings)
