"""Loading checklist files: the bundled WEST checklist, malformed and hostile files, published
versions that never change, and the diff between versions."""

import itertools
import time
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from checklists import content
from checklists.content import evaluate_condition
from checklists.models import ChecklistVersion, Question, Section

pytestmark = pytest.mark.django_db

SLUG = "west-operations-checklist"
BUNDLED = next(p for p in content.bundled_fixture_paths() if p.name.endswith("2019-03.yaml"))
TEXT = BUNDLED.read_text(encoding="utf-8")

SECTION_TITLES = [
    "Define the project purpose and mission",
    "Understand the local context and acceptance",
    "Establish a mechanism for remedy",
    "Verify a safe and enabling environment",
    "Verify accessibility for vulnerable groups",
    "Assess and mitigate privacy risks",
    "Develop a plan of action for getting informed consent",
    "Create opportunities for ownership",
    "Define how results will be used and shared",
]
QUESTIONS_PER_SECTION = [7, 6, 6, 5, 4, 14, 7, 5, 6]
QUESTION_KEYS = [
    f"{section}.{number}"
    for section, count in enumerate(QUESTIONS_PER_SECTION, start=1)
    for number in range(1, count + 1)
]
Q11_TEXT = "How will the collection of workers' data benefit those who provide data?"
Q96_TEXT = (
    "What new communication pathways can potentially emerge from this work; how to support these?"
)
Q11_REWORDED = "How will collecting workers' data benefit the workers who provide it?"
FORMAT_PROBLEM = "checklist: format 2 is not supported (expected 1)"


# --- Helpers -----------------------------------------------------------------------------


def edit(text, old, new, after=None):
    """Replace the first `old` (after the first `after`, if given); return text and its line."""
    at = text.index(old, text.index(after) if after else 0)
    return text[:at] + new + text[at + len(old) :], text.count("\n", 0, at) + 1


def line_of(text, needle):
    return text.count("\n", 0, text.index(needle)) + 1


def new_version(version="2099-01", text=TEXT):
    assert text.count('version: "2019-03"\n') == 1
    return edit(text, 'version: "2019-03"\n', f'version: "{version}"\n')[0]


NEW = new_version()


def write(tmp_path, text, name="checklist.yaml"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def load(*paths):
    out, err = StringIO(), StringIO()
    call_command("load_checklist", *paths, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def load_refused(*paths):
    """Run load_checklist expecting a refusal; return the error and the problems it printed."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("load_checklist", *paths, stdout=out, stderr=err, no_color=True)
    assert out.getvalue() == ""
    return str(refused.value), err.getvalue().splitlines()


def diff(old, new):
    out = StringIO()
    call_command("diff_checklist", old, new, stdout=out, no_color=True)
    return out.getvalue()


def database_state():
    return (
        ChecklistVersion.objects.count(),
        Section.objects.count(),
        Question.objects.count(),
        sorted(ChecklistVersion.objects.values_list("slug", "version", "content_hash")),
    )


@pytest.fixture
def unchanged():
    """Assert at the end of the test that no checklist content was written or changed."""
    before = database_state()
    yield
    assert database_state() == before
    assert not ChecklistVersion.objects.filter(version__startswith="2099").exists()
    assert Question.objects.get(checklist__version="2019-03", key="1.1").text == Q11_TEXT


def problem(path, line, message):
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


# --- 1. The bundled checklist ---------------------------------------------------------------


@pytest.fixture
def bundled():
    return ChecklistVersion.objects.get(slug=SLUG, version="2019-03")


def test_bundled_checklist_is_loaded_with_nine_sections_and_sixty_questions(bundled):
    assert ChecklistVersion.objects.filter(slug=SLUG).count() == 1
    assert bundled.title == "WEST Principles Operations Checklist"
    assert bundled.sections.count() == 9
    assert bundled.questions.count() == 60
    assert len(QUESTION_KEYS) == 60


def test_bundled_sections_have_the_papers_titles_in_order(bundled):
    sections = list(bundled.sections.order_by("position").values_list("position", "key", "title"))
    assert sections == [
        (number, str(number), title) for number, title in enumerate(SECTION_TITLES, start=1)
    ]


def test_bundled_questions_are_numbered_in_order_from_1_1_to_9_6(bundled):
    questions = list(
        bundled.questions.order_by("position").values_list("position", "key", "section__key")
    )
    assert questions == [
        (position, key, key.split(".")[0]) for position, key in enumerate(QUESTION_KEYS, start=1)
    ]
    first = bundled.questions.get(key="1.1")
    assert first.text == Q11_TEXT
    assert first.critical is True
    assert first.principles == ["P1"]
    assert first.na == Question.NotApplicable.NOT_ALLOWED
    assert bundled.questions.get(key="9.6").text == Q96_TEXT


def test_bundled_questions_that_depend_on_the_project_profile_say_so(bundled):
    assert bundled.questions.get(key="2.4").applies_if == {
        "field": "migrant_workers",
        "equals": True,
    }
    condition = bundled.questions.get(key="6.13").applies_if
    assert condition["field"] == "channels"
    assert condition["includes"] == "social_media"
    assert evaluate_condition(condition, {"channels": ["sms", "social_media"]})
    assert bundled.questions.get(key="1.1").applies_if is None


def test_bundled_scoring_rules_are_stored_as_published(bundled):
    scoring = bundled.scoring
    assert scoring == yaml.safe_load(TEXT)["scoring"]
    assert [rating["key"] for rating in scoring["scale"]] == [
        "not_started",
        "planned",
        "in_place",
        "in_place_with_evidence",
    ]
    assert scoring["met_rating"] == "in_place"
    assert scoring["weights"] == {"critical": 2, "standard": 1}
    assert scoring["gates"] == {
        "flags": ["remedy", "consent", "privacy"],
        "verdict_cap": "not_ready",
    }
    assert [(level["key"], level["min_score"]) for level in scoring["levels"]] == [
        ("ready", 80),
        ("ready_with_conditions", 50),
        ("not_ready", 0),
    ]
    assert bundled.content_hash == content.content_hash(content.read_checklist_file(BUNDLED))


# --- 2. Malformed files ------------------------------------------------------------------
# Each case starts from the bundled file under the new version 2099-01 and breaks one thing;
# it returns the broken text, the line the problem must be reported at, and the problem.


def wrong_format_number(t):
    t, line = edit(t, "format: 1\n", "format: 2\n")
    return t, line, FORMAT_PROBLEM


def missing_required_top_level_key(t):
    t, _ = edit(t, "language: en\n", "")
    return t, line_of(t, "format: 1"), "checklist: missing required key 'language'"


def unknown_top_level_key(t):
    t, _ = edit(t, "language: en\n", "language: en\ncolour: blue\n")
    allowed = (
        "enablers, flags, format, language, phases, principles, scoring, sections, slug, "
        "source, subtitle, title, version"
    )
    return t, line_of(t, "colour: blue"), f"checklist: unknown key 'colour' (allowed: {allowed})"


def bad_slug(t):
    t, line = edit(t, f"slug: {SLUG}\n", "slug: West_Operations\n")
    return t, line, "checklist: slug must be lower-case letters, digits and hyphens"


def bad_version_identifier(t):
    t, line = edit(t, 'version: "2099-01"', 'version: "2099 01"')
    return t, line, "checklist: version must be letters, digits, '.' and '-' (e.g. 2019-03)"


def unknown_phase_on_principle(t):
    t, line = edit(t, "phase: utilize_data}", "phase: utilise}")
    return t, line, "principle P8: unknown phase 'utilise'"


def unknown_flag_key_in_flags_list(t):
    privacy = line_of(t, "- {key: privacy,")
    lines = t.splitlines(keepends=True)
    lines.insert(privacy, '  - {key: bribery, label: "Bribery", description: "Bribes."}\n')
    return (
        "".join(lines),
        privacy + 1,
        "flags: unknown flag 'bribery' (known: remedy, consent, privacy)",
    )


def points_not_increasing(t):
    t, line = edit(t, "points: 2,", "points: 1,", after="{key: in_place,")
    return t, line, "rating in_place: ratings go from worst to best: points must increase"


def weight_zero(t):
    t, line = edit(t, "weights: {critical: 2,", "weights: {critical: 0,")
    return t, line, "scoring.weights: 'critical' must be greater than 0"


def met_rating_not_on_the_scale(t):
    t, line = edit(t, "met_rating: in_place\n", "met_rating: done\n")
    return t, line, "scoring: met_rating 'done' is not a rating of the scale"


def gates_verdict_cap_not_a_level(t):
    t, line = edit(t, "verdict_cap: not_ready\n", "verdict_cap: blocked\n")
    return t, line, "scoring.gates: verdict_cap 'blocked' is not a level"


def threshold_out_of_range(t):
    t, line = edit(t, "min_score: 80,", "min_score: 120,", after="{key: ready,")
    return t, line, "level ready: 'min_score' is a percentage: between 0 and 100, not 120"


def levels_not_ordered_best_first(t):
    t, line = edit(t, "min_score: 50,", "min_score: 90,", after="{key: ready_with_conditions,")
    return (
        t,
        line,
        "level ready_with_conditions: levels go from best to worst: 'min_score' must not increase",
    )


def last_level_not_zero(t):
    t, line = edit(t, "min_answered: 0,", "min_answered: 10,", after="{key: not_ready,")
    return (
        t,
        line,
        "level not_ready: the last level must have min_score 0 and min_answered 0, "
        "so every assessment gets a verdict",
    )


def eight_sections_instead_of_nine(t):
    data = yaml.safe_load(t)
    del data["sections"][8]
    return yaml.safe_dump(data, sort_keys=False), None, "sections: expected 9 sections, found 8"


def duplicate_question_key(t):
    t, line = edit(t, '- key: "1.2"\n', '- key: "1.1"\n')
    return t, line, "question 1.1: duplicate question key '1.1'"


def question_key_out_of_order(t):
    t, line = edit(t, '- key: "3.2"\n', '- key: "3.7"\n')
    return (
        t,
        line,
        "question 3.7: question key must be \"3.2\" (questions are numbered in order), not '3.7'",
    )


def missing_question_key(t):
    t, _ = edit(t, "        na: not_allowed\n", "", after='- key: "9.6"')
    return t, line_of(t, '- key: "9.6"'), "question 9.6: missing required key 'na'"


def unknown_question_key(t):
    t, line = edit(t, "critical: true\n", "critical: true\n        colour: red\n", after='"1.1"')
    allowed = "applies_if, critical, enablers, evidence, flags, guidance, key, na, principles, text"
    return t, line + 1, f"question 1.1: unknown key 'colour' (allowed: {allowed})"


def empty_question_text(t):
    t, line = edit(t, f'text: "{Q11_TEXT}"', 'text: "   "')
    return t, line, "question 1.1: 'text' must not be empty"


def question_text_too_long(t):
    t, line = edit(t, f'text: "{Q11_TEXT}"', f'text: "{"x" * 2001}"')
    return t, line, "question 1.1: 'text' is 2001 characters; the limit is 2000"


def unknown_principle_on_question(t):
    t, line = edit(t, "principles: [P1]", "principles: [P1, P9]", after='- key: "1.1"')
    known = ", ".join(f"P{n}" for n in range(1, 9))
    return t, line, f"question 1.1: unknown principle 'P9' (known: {known})"


def unknown_flag_on_question(t):
    t, line = edit(t, "flags: []", "flags: [bribery]", after='- key: "1.1"')
    return t, line, "question 1.1: unknown flag 'bribery' (known: consent, privacy, remedy)"


def na_value_not_allowed(t):
    t, line = edit(t, "na: not_allowed", "na: sometimes", after='- key: "1.1"')
    return (
        t,
        line,
        "question 1.1: 'na' must be one of not_allowed, allowed_with_justification, "
        "not 'sometimes'",
    )


def critical_as_the_string_yes(t):
    t, line = edit(t, "critical: true", 'critical: "yes"', after='- key: "1.1"')
    return t, line, "question 1.1: 'critical' must be true or false"


def critical_as_an_unquoted_yes(t):
    # YAML 1.1 would read yes as true; the loader keeps only true/false as booleans.
    t, line = edit(t, "critical: true", "critical: yes", after='- key: "1.1"')
    return t, line, "question 1.1: 'critical' must be true or false"


def applies_if_unknown_profile_field(t):
    t, line = edit(t, "field: migrant_workers", "field: nationality", after='- key: "2.4"')
    return (
        t,
        line,
        "question 2.4 applies_if: unknown profile field 'nationality' "
        "(known: migrant_workers, minorities_present, channels, stage)",
    )


def applies_if_wrong_operator(t):
    t, line = edit(t, "equals: true", "includes: true", after='- key: "2.4"')
    return t, line, "question 2.4 applies_if: 'migrant_workers' takes exactly one of: equals"


def applies_if_not_true_or_false(t):
    t, line = edit(t, "equals: true", 'equals: "yes"', after='- key: "5.1"')
    return t, line, "question 5.1 applies_if: 'minorities_present' is true or false, not 'yes'"


def applies_if_unknown_channel(t):
    t, line = edit(t, "includes: social_media", "includes: carrier_pigeon", after='"6.13"')
    return (
        t,
        line,
        "question 6.13 applies_if: unknown value 'carrier_pigeon' for 'channels' "
        "(known: sms, ivr, hotline, smartphone_app, web, social_media, in_person)",
    )


def duplicate_yaml_mapping_key(t):
    t, _ = edit(t, "language: en\n", 'language: en\ntitle: "Again"\n')
    return t, line_of(t, 'title: "Again"'), "YAML: duplicate key 'title'"


def yaml_syntax_error(t):
    t, line = edit(t, "critical: true\n", "critical: true: false\n", after='- key: "1.1"')
    return t, line, "YAML: mapping values are not allowed here"


def yaml_tab_indentation(t):
    t, line = edit(t, "        critical: true\n", "\tcritical: true\n", after='- key: "1.1"')
    return t, line, "YAML: found character '\\t' that cannot start any token"


MALFORMED = [
    wrong_format_number,
    missing_required_top_level_key,
    unknown_top_level_key,
    bad_slug,
    bad_version_identifier,
    unknown_phase_on_principle,
    unknown_flag_key_in_flags_list,
    points_not_increasing,
    weight_zero,
    met_rating_not_on_the_scale,
    gates_verdict_cap_not_a_level,
    threshold_out_of_range,
    levels_not_ordered_best_first,
    last_level_not_zero,
    eight_sections_instead_of_nine,
    duplicate_question_key,
    question_key_out_of_order,
    missing_question_key,
    unknown_question_key,
    empty_question_text,
    question_text_too_long,
    unknown_principle_on_question,
    unknown_flag_on_question,
    na_value_not_allowed,
    critical_as_the_string_yes,
    critical_as_an_unquoted_yes,
    applies_if_unknown_profile_field,
    applies_if_wrong_operator,
    applies_if_not_true_or_false,
    applies_if_unknown_channel,
    duplicate_yaml_mapping_key,
    yaml_syntax_error,
    yaml_tab_indentation,
]


@pytest.mark.parametrize("break_file", MALFORMED, ids=[f.__name__ for f in MALFORMED])
def test_malformed_file_is_refused_with_the_problem_and_its_line(tmp_path, unchanged, break_file):
    text, line, message = break_file(NEW)
    assert text != NEW
    path = write(tmp_path, text)
    error, problems = load_refused(path)
    assert error == "1 problem found; nothing was loaded."
    assert problems == [problem(path, line, message)]


def test_some_problems_are_reported_at_the_exact_line_of_the_file(tmp_path, unchanged):
    """The line numbers above are computed from the text; these are spelled out."""
    cases = [
        (wrong_format_number, 17),
        (bad_slug, 18),
        (duplicate_yaml_mapping_key, 23),
        (applies_if_unknown_profile_field, line_of(TEXT, "field: migrant_workers")),
    ]
    for break_file, line in cases:
        text, _, message = break_file(NEW)
        path = write(tmp_path, text, f"{break_file.__name__}.yaml")
        assert load_refused(path)[1] == [f"{path}:{line}: {message}"]
    assert line_of(TEXT, "format: 1") == 17  # the fixture's header comment is 16 lines


def test_the_unbroken_new_version_used_by_the_malformed_cases_is_valid():
    document = content.parse_checklist(NEW.encode(), "new.yaml")
    assert document["version"] == "2099-01"


def test_load_without_files_or_with_a_missing_file_is_refused(tmp_path, unchanged):
    with pytest.raises(
        CommandError, match=r"^Name at least one checklist file, or use --bundled\.$"
    ):
        load()
    missing = str(tmp_path / "missing.yaml")
    assert load_refused(missing)[1] == [f"{missing}: cannot read: No such file or directory"]


# --- 3. Hostile files --------------------------------------------------------------------


def test_alias_bomb_is_refused_at_the_first_alias_without_expanding(tmp_path, unchanged):
    names = "abcdefghij"
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    started = time.perf_counter()
    error, problems = load_refused(path)
    assert time.perf_counter() - started < 1
    assert error == "1 problem found; nothing was loaded."
    assert problems == [f"{path}:2: YAML: aliases (*name) are not allowed in checklist files"]


def test_even_a_harmless_alias_is_refused(tmp_path, unchanged):
    text, _ = edit(NEW, "enablers: [E1]", "enablers: &e1 [E1]", after='- key: "1.1"')
    text, line = edit(text, "flags: []", "flags: *e1", after='- key: "1.2"')
    path = write(tmp_path, text)
    assert load_refused(path)[1] == [
        f"{path}:{line}: YAML: aliases (*name) are not allowed in checklist files"
    ]


def padded(size):
    """The new version, padded with a trailing comment to exactly `size` bytes."""
    raw = NEW.encode() + b"#"
    return raw + b"x" * (size - len(raw) - 1) + b"\n"


def test_file_over_the_size_limit_is_refused(tmp_path, unchanged):
    assert content.MAX_FILE_BYTES == 1_000_000
    path = write(tmp_path, padded(content.MAX_FILE_BYTES + 1))
    assert load_refused(path)[1] == [f"{path}: file is 1,000,001 bytes; the limit is 1,000,000"]


def test_file_far_over_the_size_limit_is_reported_with_its_real_size(tmp_path, unchanged):
    path = write(tmp_path, padded(3_000_000))
    assert load_refused(path)[1] == [f"{path}: file is 3,000,000 bytes; the limit is 1,000,000"]


def test_file_of_exactly_the_size_limit_loads(tmp_path):
    path = write(tmp_path, padded(content.MAX_FILE_BYTES))
    assert Path(path).stat().st_size == content.MAX_FILE_BYTES
    load(path)
    assert ChecklistVersion.objects.get(slug=SLUG, version="2099-01").questions.count() == 60


def test_non_utf8_bytes_are_refused_with_the_line(tmp_path, unchanged):
    raw = NEW.encode().replace(b"benefit those who", b"b\xe9n\xe9fit those who", 1)
    path = write(tmp_path, raw)
    offset = raw.index(b"\xe9")
    line = raw[:offset].count(b"\n") + 1
    assert line == line_of(NEW, f'text: "{Q11_TEXT}"')
    assert load_refused(path)[1] == [
        f"{path}:{line}: not valid UTF-8 (byte {offset}); save the file as UTF-8"
    ]


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
        "!!python/name:os.system",
        "!foo en",
    ],
)
def test_unknown_yaml_tags_are_refused_and_never_run(tmp_path, unchanged, tag):
    marker = tmp_path / "pwned"
    text, line = edit(NEW, "language: en\n", f"language: {tag.format(marker=marker)}\n")
    path = write(tmp_path, text)
    assert load_refused(path)[1] == [
        f"{path}:{line}: YAML: unknown tag; only plain YAML values are allowed"
    ]
    assert not marker.exists()


def test_merge_key_is_refused(tmp_path, unchanged):
    text, line = edit(NEW, "critical: true\n", "<<: {critical: true}\n", after='- key: "1.1"')
    path = write(tmp_path, text)
    assert load_refused(path)[1] == [f"{path}:{line}: YAML: merge keys (<<) are not allowed"]


def test_control_character_is_refused(tmp_path, unchanged):
    text, _ = edit(NEW, "benefit those who", "benefit\x07 those who")
    path = write(tmp_path, text)
    error, problems = load_refused(path)
    assert error == "1 problem found; nothing was loaded."
    line = line_of(NEW, f'text: "{Q11_TEXT}"')
    assert problems == [f"{path}:{line}: YAML: control character #x0007 is not allowed"]


def test_deeply_nested_lists_are_refused_with_a_message(tmp_path, unchanged):
    text = NEW + "deep: " + "[" * 100_000 + "]" * 100_000 + "\n"
    path = write(tmp_path, text)
    error, problems = load_refused(path)
    assert error == "1 problem found; nothing was loaded."
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")


@pytest.mark.parametrize("language", ['""', '"' + "english, as spoken" + '"'])
def test_bad_language_is_refused_with_a_message(tmp_path, unchanged, language):
    path = write(tmp_path, edit(NEW, "language: en\n", f"language: {language}\n")[0])
    error, problems = load_refused(path)
    assert error == "1 problem found; nothing was loaded."
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")


@pytest.mark.parametrize(
    ("old", "new"),
    [("weights: {critical: 2,", "weights: {critical: .nan,"), ("points: 3,", "points: .inf,")],
)
def test_not_a_number_in_the_scoring_rules_is_refused_with_a_message(tmp_path, unchanged, old, new):
    path = write(tmp_path, edit(NEW, old, new)[0])
    error, problems = load_refused(path)
    assert error == "1 problem found; nothing was loaded."
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")


# --- 4. Several problems at once --------------------------------------------------------


def test_every_problem_in_a_file_is_reported_in_one_run(tmp_path, unchanged):
    text, format_line = edit(NEW, "format: 1\n", "format: 2\n")
    text, rating_line = edit(text, "met_rating: in_place\n", "met_rating: done\n")
    text, principle_line = edit(
        text, "principles: [P1]", "principles: [P1, P9]", after='- key: "1.1"'
    )
    path = write(tmp_path, text)
    error, problems = load_refused(path)
    assert error == "3 problems found; nothing was loaded."
    known = ", ".join(f"P{n}" for n in range(1, 9))
    assert problems == [
        f"{path}:{format_line}: {FORMAT_PROBLEM}",
        f"{path}:{rating_line}: scoring: met_rating 'done' is not a rating of the scale",
        f"{path}:{principle_line}: question 1.1: unknown principle 'P9' (known: {known})",
    ]


def test_problems_in_several_files_are_all_reported(tmp_path, unchanged):
    first = write(tmp_path, wrong_format_number(NEW)[0], "first.yaml")
    text, line, message = bad_slug(new_version("2099-02"))
    second = write(tmp_path, text, "second.yaml")
    error, problems = load_refused(first, second)
    assert error == "2 problems found; nothing was loaded."
    assert problems == [f"{first}:17: {FORMAT_PROBLEM}", f"{second}:{line}: {message}"]


# --- 5. One transaction --------------------------------------------------------------------


def test_a_good_file_is_not_loaded_when_the_next_file_is_bad(tmp_path, unchanged):
    good = write(tmp_path, new_version("2099-02"), "good.yaml")
    bad = write(tmp_path, wrong_format_number(NEW)[0], "bad.yaml")
    assert load_refused(good, bad) == (
        "1 problem found; nothing was loaded.",
        [f"{bad}:17: {FORMAT_PROBLEM}"],
    )


def test_a_good_file_is_rolled_back_when_the_next_conflicts_with_a_published_version(
    tmp_path, unchanged
):
    # The second file is valid, so the first is already written when the second is refused.
    good = write(tmp_path, new_version("2099-02"), "good.yaml")
    changed = write(tmp_path, edit(TEXT, Q11_TEXT, Q11_REWORDED)[0], "changed.yaml")
    error, problems = load_refused(good, changed)
    assert error == "1 problem found; nothing was loaded."
    assert "give your changes a new version identifier" in problems[0]


def test_the_same_version_in_two_files_is_refused(tmp_path, unchanged):
    first = write(tmp_path, NEW, "first.yaml")
    second = write(tmp_path, NEW.replace("# WEST", "# A copy of WEST", 1), "second.yaml")
    assert load_refused(first, second)[1] == [
        f"{second}: {SLUG} 2099-01 is also defined in {first}"
    ]


# --- 6. Published versions never change -------------------------------------------------


def test_changing_a_published_version_is_refused_and_asks_for_a_new_version(
    tmp_path, unchanged, bundled
):
    path = write(tmp_path, edit(TEXT, Q11_TEXT, Q11_REWORDED)[0])
    digest = content.content_hash(content.read_checklist_file(path))
    assert digest != bundled.content_hash
    error, problems = load_refused(path)
    assert error == "1 problem found; nothing was loaded."
    assert problems == [
        f"{path}: version 2019-03: {SLUG} 2019-03 is already published with different content "
        f"(hash {bundled.content_hash[:12]}, this file {digest[:12]}). Published versions never "
        "change: give your changes a new version identifier and load that."
    ]


def test_loading_the_bundled_file_again_changes_nothing(unchanged):
    message = f"{SLUG} 2019-03 is already loaded with identical content; nothing to do.\n"
    assert load(str(BUNDLED)) == (message, "")
    out, err = StringIO(), StringIO()
    call_command("load_checklist", "--bundled", stdout=out, stderr=err, no_color=True)
    assert (out.getvalue(), err.getvalue()) == (message, "")


@pytest.mark.parametrize(
    "reformat",
    [
        pytest.param(
            lambda t: (
                "# Reformatted.\n"
                + "".join(line for line in t.splitlines(keepends=True) if not line.startswith("#"))
                .replace("\n\n", "\n")
                .replace("{key: design, title:", "{ key: design,   title:")
                .replace("met_rating: in_place", "met_rating: in_place   # the bar for 'met'")
            ),
            id="comments-and-whitespace",
        ),
        pytest.param(lambda t: yaml.safe_dump(yaml.safe_load(t), width=60), id="re-dumped"),
    ],
)
def test_comments_and_layout_do_not_count_as_changed_content(tmp_path, unchanged, reformat):
    text = reformat(TEXT)
    assert text != TEXT
    path = write(tmp_path, text)
    assert load(path) == (
        f"{SLUG} 2019-03 is already loaded with identical content; nothing to do.\n",
        "",
    )


# --- 7. New versions and the diff between versions ------------------------------------------


def reworded_version(version="2099-01"):
    text = edit(new_version(version), f'text: "{Q11_TEXT}"', f'text: "{Q11_REWORDED}"')[0]
    return edit(text, "min_score: 80,", "min_score: 85,", after="{key: ready,")[0]


def test_a_new_version_loads_next_to_the_published_one(tmp_path, bundled):
    path = write(tmp_path, reworded_version())
    assert load(path) == (
        f"Loaded {SLUG} 2099-01 from {path}: 9 sections, 60 questions.\n",
        "",
    )
    version = ChecklistVersion.objects.get(slug=SLUG, version="2099-01")
    assert version.source_file == path
    assert version.questions.get(key="1.1").text == Q11_REWORDED
    assert version.scoring["levels"][0]["min_score"] == 85
    assert bundled.questions.get(key="1.1").text == Q11_TEXT
    assert ChecklistVersion.objects.count() == 2
    assert Section.objects.count() == 18
    assert Question.objects.count() == 120


def test_diff_between_loaded_versions_shows_reworded_questions_and_changed_rules(tmp_path):
    load(write(tmp_path, reworded_version()))
    assert diff("2019-03", f"{SLUG}@2099-01") == (
        f"--- {SLUG} 2019-03\n"
        f"+++ {SLUG} 2099-01\n"
        "Reworded 1.1:\n"
        f"  - {Q11_TEXT}\n"
        f"  + {Q11_REWORDED}\n"
        "Rule scoring.levels[ready].min_score: 80 -> 85\n"
        "0 added, 0 removed, 1 reworded, 0 re-tagged, 0 section titles and 1 rules changed.\n"
    )


def test_diff_between_a_loaded_version_and_a_file(tmp_path, unchanged):
    path = write(tmp_path, reworded_version())
    output = diff(f"{SLUG}@2019-03", path)
    assert output.startswith(f"--- {SLUG} 2019-03\n+++ {path} ({SLUG} 2099-01)\nReworded 1.1:\n")
    assert "Rule scoring.levels[ready].min_score: 80 -> 85\n" in output


def test_diff_shows_removed_and_added_questions(tmp_path, unchanged):
    data = yaml.safe_load(new_version("2099-03"))
    data["sections"][8]["questions"].pop()
    removed = write(tmp_path, yaml.safe_dump(data), "removed.yaml")
    assert diff("2019-03", removed) == (
        f"--- {SLUG} 2019-03\n"
        f"+++ {removed} ({SLUG} 2099-03)\n"
        f"Removed 9.6: {Q96_TEXT}\n"
        "0 added, 1 removed, 0 reworded, 0 re-tagged, 0 section titles and 0 rules changed.\n"
    )
    assert diff(removed, str(BUNDLED)).splitlines()[2] == f"Added 9.6: {Q96_TEXT}"


def test_diff_shows_retagged_questions_and_renamed_sections(tmp_path, unchanged):
    data = yaml.safe_load(new_version())
    data["sections"][1]["title"] = "Understand the local context"
    data["sections"][5]["questions"][12]["critical"] = True
    path = write(tmp_path, yaml.safe_dump(data))
    assert diff("2019-03", path).splitlines()[2:] == [
        "Section 2: Understand the local context and acceptance -> Understand the local context",
        "Changed 6.13 critical: false -> true",
        "0 added, 0 removed, 0 reworded, 1 re-tagged, 1 section titles and 0 rules changed.",
    ]


def test_diff_of_identical_versions_says_no_differences(tmp_path, unchanged):
    assert diff("2019-03", str(BUNDLED)) == (
        f"--- {SLUG} 2019-03\n+++ {BUNDLED} ({SLUG} 2019-03)\nNo differences.\n"
    )
    assert diff("2019-03", f"{SLUG}@2019-03").endswith("\nNo differences.\n")


def test_diff_with_an_unknown_version_or_an_invalid_file_is_refused(tmp_path, unchanged):
    with pytest.raises(CommandError) as refused:
        diff("2019-03", "2042-01")
    assert str(refused.value) == "'2042-01' is neither a file nor a loaded version."
    with pytest.raises(CommandError) as refused:
        diff("other-checklist@2019-03", "2019-03")
    assert str(refused.value) == "'other-checklist@2019-03' is neither a file nor a loaded version."
    bad = write(tmp_path, wrong_format_number(NEW)[0])
    with pytest.raises(CommandError) as refused:
        diff("2019-03", bad)
    assert str(refused.value) == f"{bad} is not a valid checklist:\n{bad}:17: {FORMAT_PROBLEM}"


# --- 8. Conditions on the project profile -----------------------------------------------


@pytest.mark.parametrize(
    ("condition", "profile", "applies"),
    [
        (None, {}, True),
        ({}, {"migrant_workers": False}, True),
        ({"field": "migrant_workers", "equals": True}, {"migrant_workers": True}, True),
        ({"field": "migrant_workers", "equals": True}, {"migrant_workers": False}, False),
        ({"field": "migrant_workers", "equals": True}, {}, False),
        ({"field": "minorities_present", "equals": False}, {"minorities_present": False}, True),
        (
            {"field": "channels", "includes": "social_media"},
            {"channels": ["sms", "social_media"]},
            True,
        ),
        ({"field": "channels", "includes": "social_media"}, {"channels": ["sms", "ivr"]}, False),
        ({"field": "channels", "includes": "social_media"}, {"channels": []}, False),
        ({"field": "channels", "includes": "social_media"}, {"channels": None}, False),
        ({"field": "channels", "includes": "social_media"}, {}, False),
        ({"field": "stage", "in": ["pilot", "live"]}, {"stage": "pilot"}, True),
        ({"field": "stage", "in": ["pilot", "live"]}, {"stage": "planning"}, False),
        ({"field": "stage", "in": ["pilot", "live"]}, {}, False),
        ({"field": "stage", "equals": "live"}, {"stage": "live"}, True),
        ({"field": "stage", "equals": "live"}, {"stage": "pilot"}, False),
    ],
)
def test_a_question_applies_only_to_projects_whose_profile_matches(condition, profile, applies):
    assert evaluate_condition(condition, profile) is applies


def test_an_unknown_condition_operator_is_an_error():
    with pytest.raises(ValueError, match="unknown condition"):
        evaluate_condition({"field": "stage", "matches": "li*"}, {"stage": "live"})
