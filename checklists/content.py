"""Checklist fixtures: reading the YAML format, validating it strictly, hashing its content.

The format is documented in docs/checklist-format.md. Validation collects every problem it
finds instead of stopping at the first, so an author can fix a file in one pass; each problem
names the file, the line and the item (section, question, rule) it is about.

Nothing here touches the database: `parse_checklist` turns bytes into a plain, validated
document, and `services.checklist_version_import` stores it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FORMAT = 1
MAX_FILE_BYTES = 1_000_000
MAX_TEXT_LENGTH = 2_000
SECTION_COUNT = 9  # the WEST Operations Checklist has nine sections
KNOWN_FLAGS = ("remedy", "consent", "privacy")
NA_POLICIES = ("not_allowed", "allowed_with_justification")

# Project profile fields that a question's `applies_if` may read, with the values they take.
CHANNELS = ("sms", "ivr", "hotline", "smartphone_app", "web", "social_media", "in_person")
STAGES = ("planning", "pilot", "live")
PROFILE_FIELDS: dict[str, dict[str, Any]] = {
    "migrant_workers": {"kind": "bool", "operators": ("equals",)},
    "minorities_present": {"kind": "bool", "operators": ("equals",)},
    "channels": {"kind": "multi", "operators": ("includes",), "choices": CHANNELS},
    "stage": {"kind": "choice", "operators": ("equals", "in"), "choices": STAGES},
}

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


class ChecklistError(Exception):
    """One or more problems with checklist content; str() lists them all, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- Reading YAML safely ------------------------------------------------------------------


class _Mapping(dict):
    """A dict that remembers the line of each of its keys."""

    line: int = 0
    lines: dict


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases (no "billion laughs") and with duplicate keys refused."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in checklist files", event.start_mark
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    yield mapping
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise yaml.constructor.ConstructorError(
                None, None, "merge keys (<<) are not allowed", key_node.start_mark
            )
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"keys must be text, not {key!r}", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)

# YAML 1.1 reads yes/no/on/off as booleans (so `na: no` would silently become false); here only
# true and false are booleans, as in YAML 1.2, and anything else stays text for the checks.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def decode_utf8(raw: bytes, name: str) -> str | Problem:
    """The file's text, or the problem (with its line) that makes it not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(
            name, line, "", f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        )


def _read_yaml(raw: bytes, name: str, size: int | None = None) -> Any:
    """Parse YAML bytes; `size` is the whole file's size when only its start was read."""
    if len(raw) > MAX_FILE_BYTES:
        size = max(size or 0, len(raw))
        message = f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
        raise ChecklistError([Problem(name, None, "", message)])
    text = decode_utf8(raw, name)
    if isinstance(text, Problem):
        raise ChecklistError([text])
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in message:
            message = "unknown tag; only plain YAML values are allowed"
        raise ChecklistError(
            [Problem(name, mark.line + 1 if mark else None, "", f"YAML: {message}")]
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ChecklistError(
            [
                Problem(
                    name, line, "", f"YAML: control character #x{exc.character:04x} is not allowed"
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ChecklistError([Problem(name, None, "", f"YAML: {exc}")]) from None
    except RecursionError:
        raise ChecklistError(
            [Problem(name, None, "", "YAML: lists or mappings are nested too deeply")]
        ) from None


# --- Validation -------------------------------------------------------------------------


@dataclass
class _Validator:
    name: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, node: Any, key: str | None, where: str, message: str) -> None:
        line = None
        if isinstance(node, _Mapping):
            line = node.lines.get(key, node.line) if key else node.line
        self.problems.append(Problem(self.name, line, where, message))

    def mapping(
        self,
        node: Any,
        where: str,
        required: dict[str, Any],
        optional: dict[str, Any] | None = None,
    ) -> bool:
        """Check keys and value types of a mapping; report missing, unknown and mistyped keys."""
        optional = optional or {}
        if not isinstance(node, dict):
            self.problems.append(Problem(self.name, None, where, "must be a mapping (key: value)"))
            return False
        for key in required:
            if key not in node:
                self.add(node, None, where, f"missing required key '{key}'")
        for key, value in node.items():
            expected = required.get(key, optional.get(key))
            if expected is None:
                allowed = ", ".join(sorted({*required, *optional}))
                self.add(node, key, where, f"unknown key '{key}' (allowed: {allowed})")
            elif not _is_type(value, expected):
                self.add(node, key, where, f"'{key}' must be {_type_name(expected)}")
        return True

    def text(self, node: dict, key: str, where: str, limit: int = MAX_TEXT_LENGTH) -> None:
        value = node.get(key)
        if isinstance(value, str):
            if not value.strip():
                self.add(node, key, where, f"'{key}' must not be empty")
            elif len(value) > limit:
                self.add(
                    node, key, where, f"'{key}' is {len(value)} characters; the limit is {limit}"
                )


def _is_type(value: Any, expected: Any) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        # .nan and .inf are YAML floats, but no rule can be computed with them.
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if expected == "texts":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, expected)


def _type_name(expected: Any) -> str:
    return {
        str: "text",
        bool: "true or false",
        int: "a whole number",
        "number": "a number",
        list: "a list",
        dict: "a mapping",
        "texts": "a list of texts",
    }[expected]


def validate(data: Any, name: str) -> dict:
    """Validate a parsed checklist document; return it as plain data or raise ChecklistError."""
    v = _Validator(name)
    if not v.mapping(
        data,
        "checklist",
        required={
            "format": int,
            "slug": str,
            "version": str,
            "title": str,
            "language": str,
            "source": dict,
            "phases": list,
            "principles": list,
            "enablers": list,
            "flags": list,
            "scoring": dict,
            "sections": list,
        },
        optional={"subtitle": str},
    ):
        raise ChecklistError(v.problems)
    if data.get("format") not in (None, FORMAT) and isinstance(data.get("format"), int):
        v.add(
            data,
            "format",
            "checklist",
            f"format {data['format']} is not supported (expected {FORMAT})",
        )
    if isinstance(data.get("slug"), str) and not SLUG_RE.match(data["slug"]):
        v.add(data, "slug", "checklist", "slug must be lower-case letters, digits and hyphens")
    if isinstance(data.get("version"), str) and not VERSION_RE.match(data["version"]):
        v.add(
            data,
            "version",
            "checklist",
            "version must be letters, digits, '.' and '-' (e.g. 2019-03)",
        )
    for key in ("title", "subtitle"):
        v.text(data, key, "checklist", limit=200)
    if isinstance(data.get("language"), str) and not LANGUAGE_RE.match(data["language"]):
        v.add(
            data,
            "language",
            "checklist",
            "language must be a language code such as en, fr or pt-BR",
        )
    if isinstance(data.get("source"), dict):
        source = data["source"]
        v.mapping(
            source,
            "source",
            required={"title": str, "date": str, "publisher": str, "attribution": str},
            optional={"authors": "texts", "section": str, "url": str},
        )
        for key in ("title", "date", "publisher", "attribution"):
            v.text(source, key, "source")

    phases = _validate_list(v, data, "phases", {"key": str, "title": str})
    principles = _validate_list(
        v, data, "principles", {"key": str, "number": int, "title": str, "phase": str}
    )
    for p in principles.values():
        if isinstance(p.get("phase"), str) and p["phase"] not in phases:
            v.add(p, "phase", f"principle {p.get('key')}", f"unknown phase '{p['phase']}'")
    enablers = _validate_list(
        v, data, "enablers", {"key": str, "number": int, "short": str, "text": str}
    )
    flags = _validate_list(v, data, "flags", {"key": str, "label": str, "description": str})
    for f in flags.values():
        if f.get("key") not in KNOWN_FLAGS:
            v.add(
                f,
                "key",
                "flags",
                f"unknown flag '{f.get('key')}' (known: {', '.join(KNOWN_FLAGS)})",
            )

    _validate_scoring(v, data.get("scoring"), set(flags))
    _validate_sections(v, data.get("sections"), set(principles), set(enablers), set(flags))

    if v.problems:
        raise ChecklistError(v.problems)
    return _plain(data)


def _validate_list(v: _Validator, data: dict, name: str, required: dict) -> dict[str, dict]:
    """Validate a list of keyed items; return them by key."""
    items = data.get(name)
    if not isinstance(items, list):
        return {}
    if not items:
        v.add(data, name, name, "must not be empty")
    result = {}
    for item in items:
        if v.mapping(item, name, required) and isinstance(item.get("key"), str):
            for text_key in required:
                if required[text_key] is str:
                    v.text(item, text_key, f"{name} {item['key']}")
            if item["key"] in result:
                v.add(item, "key", name, f"duplicate key '{item['key']}'")
            result[item["key"]] = item
    return result


def _validate_scoring(v: _Validator, scoring: Any, flags: set) -> None:
    if not isinstance(scoring, dict):
        return
    v.mapping(
        scoring,
        "scoring",
        required={
            "scale": list,
            "not_applicable": dict,
            "weights": dict,
            "met_rating": str,
            "gates": dict,
            "levels": list,
        },
    )
    scale = scoring.get("scale") if isinstance(scoring.get("scale"), list) else []
    if len(scale) < 2:
        v.add(scoring, "scale", "scoring.scale", "needs at least two ratings")
    ratings = set()
    last_points = None
    for rating in scale:
        if not v.mapping(
            rating,
            "scoring.scale",
            required={"key": str, "label": str, "points": "number", "description": str},
            optional={"requires_evidence": bool},
        ):
            continue
        where = f"rating {rating.get('key')}"
        if isinstance(rating.get("key"), str):
            if not KEY_RE.match(rating["key"]):
                v.add(rating, "key", where, "keys are lower-case letters, digits and underscores")
            if rating["key"] in ratings:
                v.add(rating, "key", "scoring.scale", f"duplicate key '{rating['key']}'")
            ratings.add(rating["key"])
        points = rating.get("points")
        if _is_type(points, "number"):
            if points < 0:
                v.add(rating, "points", where, "points must not be negative")
            if last_points is not None and points <= last_points:
                v.add(
                    rating, "points", where, "ratings go from worst to best: points must increase"
                )
            last_points = points
    if isinstance(scoring.get("not_applicable"), dict):
        v.mapping(
            scoring["not_applicable"], "scoring.not_applicable", {"label": str, "description": str}
        )
    if isinstance(scoring.get("weights"), dict):
        weights = scoring["weights"]
        v.mapping(weights, "scoring.weights", {"critical": "number", "standard": "number"})
        for key in ("critical", "standard"):
            if _is_type(weights.get(key), "number") and weights[key] <= 0:
                v.add(weights, key, "scoring.weights", f"'{key}' must be greater than 0")
    if (
        isinstance(scoring.get("met_rating"), str)
        and ratings
        and scoring["met_rating"] not in ratings
    ):
        v.add(
            scoring,
            "met_rating",
            "scoring",
            f"met_rating '{scoring['met_rating']}' is not a rating of the scale",
        )

    levels: dict[str, dict] = {}
    previous = None
    for level in scoring.get("levels") if isinstance(scoring.get("levels"), list) else []:
        if not v.mapping(
            level,
            "scoring.levels",
            required={
                "key": str,
                "label": str,
                "min_score": "number",
                "min_answered": "number",
                "description": str,
            },
            optional={"max_unmet_critical": int},
        ):
            continue
        where = f"level {level.get('key')}"
        if isinstance(level.get("key"), str):
            if level["key"] in levels:
                v.add(level, "key", "scoring.levels", f"duplicate key '{level['key']}'")
            levels[level["key"]] = level
        for key in ("min_score", "min_answered"):
            value = level.get(key)
            if _is_type(value, "number") and not 0 <= value <= 100:
                v.add(level, key, where, f"'{key}' is a percentage: between 0 and 100, not {value}")
        if _is_type(level.get("max_unmet_critical"), int) and level["max_unmet_critical"] < 0:
            v.add(level, "max_unmet_critical", where, "must not be negative")
        if previous is not None:
            for key in ("min_score", "min_answered"):
                both = _is_type(level.get(key), "number") and _is_type(previous.get(key), "number")
                if both and level[key] > previous[key]:
                    v.add(
                        level,
                        key,
                        where,
                        f"levels go from best to worst: '{key}' must not increase",
                    )
        previous = level
    if isinstance(scoring.get("levels"), list):
        if not levels:
            v.add(scoring, "levels", "scoring.levels", "needs at least one level")
        elif previous is not None and (previous.get("min_score"), previous.get("min_answered")) != (
            0,
            0,
        ):
            v.add(
                previous,
                None,
                f"level {previous.get('key')}",
                "the last level must have min_score 0 and min_answered 0, so every assessment gets a verdict",
            )

    gates = scoring.get("gates")
    if isinstance(gates, dict) and v.mapping(
        gates, "scoring.gates", {"flags": "texts", "verdict_cap": str}
    ):
        for flag in gates.get("flags") or []:
            if isinstance(flag, str) and flag not in flags:
                v.add(gates, "flags", "scoring.gates", f"unknown flag '{flag}'")
        cap = gates.get("verdict_cap")
        if isinstance(cap, str) and levels and cap not in levels:
            v.add(gates, "verdict_cap", "scoring.gates", f"verdict_cap '{cap}' is not a level")


def _validate_sections(
    v: _Validator, sections: Any, principles: set, enablers: set, flags: set
) -> None:
    if not isinstance(sections, list):
        return
    if len(sections) != SECTION_COUNT:
        v.problems.append(
            Problem(
                v.name,
                None,
                "sections",
                f"expected {SECTION_COUNT} sections, found {len(sections)}",
            )
        )
    question_keys: set = set()
    for number, section in enumerate(sections, start=1):
        if not v.mapping(
            section,
            f"section {number}",
            {"key": str, "title": str, "questions": list},
            {"intro": str},
        ):
            continue
        if section.get("key") != str(number):
            v.add(
                section,
                "key",
                f"section {number}",
                f'section key must be "{number}" (sections are numbered in order), not {section.get("key")!r}',
            )
        v.text(section, "title", f"section {number}", limit=200)
        v.text(section, "intro", f"section {number}")
        questions = section.get("questions") if isinstance(section.get("questions"), list) else []
        if not questions and isinstance(section.get("questions"), list):
            v.add(section, "questions", f"section {number}", "has no questions")
        for index, question in enumerate(questions, start=1):
            _validate_question(
                v, question, f"{number}.{index}", principles, enablers, flags, question_keys
            )


def _validate_question(
    v: _Validator, q: Any, expected_key: str, principles: set, enablers: set, flags: set, seen: set
) -> None:
    where = f"question {q.get('key', expected_key) if isinstance(q, dict) else expected_key}"
    if not v.mapping(
        q,
        where,
        required={
            "key": str,
            "text": str,
            "principles": "texts",
            "enablers": "texts",
            "flags": "texts",
            "critical": bool,
            "na": str,
            "evidence": "texts",
            "guidance": dict,
        },
        optional={"applies_if": dict},
    ):
        return
    key = q.get("key")
    if isinstance(key, str):
        if key in seen:
            v.add(q, "key", where, f"duplicate question key '{key}'")
        elif key != expected_key:
            v.add(
                q,
                "key",
                where,
                f'question key must be "{expected_key}" (questions are numbered in order), not {key!r}',
            )
        seen.add(key)
    v.text(q, "text", where)
    for name, known in (("principles", principles), ("enablers", enablers), ("flags", flags)):
        values = q.get(name)
        if not _is_type(values, "texts"):
            continue
        if name != "flags" and not values:
            v.add(q, name, where, f"'{name}' must name at least one")
        if len(set(values)) != len(values):
            v.add(q, name, where, f"'{name}' lists the same item twice")
        for value in values:
            if value not in known:
                v.add(
                    q,
                    name,
                    where,
                    f"unknown {name[:-1]} '{value}' (known: {', '.join(sorted(known))})",
                )
    if isinstance(q.get("na"), str) and q["na"] not in NA_POLICIES:
        v.add(q, "na", where, f"'na' must be one of {', '.join(NA_POLICIES)}, not '{q['na']}'")
    if _is_type(q.get("evidence"), "texts") and not q["evidence"]:
        v.add(q, "evidence", where, "'evidence' must give at least one example")
    guidance = q.get("guidance")
    if isinstance(guidance, dict) and v.mapping(
        guidance, f"{where} guidance", {"why": str, "good": str}, {"see": "texts"}
    ):
        v.text(guidance, "why", f"{where} guidance")
        v.text(guidance, "good", f"{where} guidance")
    condition = q.get("applies_if")
    if isinstance(condition, dict):
        _validate_condition(v, condition, where)


def _validate_condition(v: _Validator, condition: dict, where: str) -> None:
    where = f"{where} applies_if"
    name = condition.get("field")
    if not isinstance(name, str):
        v.add(condition, None, where, "needs 'field': the project profile field it reads")
        return
    spec = PROFILE_FIELDS.get(name)
    if spec is None:
        v.add(
            condition,
            "field",
            where,
            f"unknown profile field '{name}' (known: {', '.join(PROFILE_FIELDS)})",
        )
        return
    operators = [key for key in condition if key != "field"]
    if len(operators) != 1 or operators[0] not in spec["operators"]:
        v.add(
            condition, None, where, f"'{name}' takes exactly one of: {', '.join(spec['operators'])}"
        )
        return
    operator = operators[0]
    value = condition[operator]
    if spec["kind"] == "bool":
        if not isinstance(value, bool):
            v.add(condition, operator, where, f"'{name}' is true or false, not {value!r}")
    elif operator == "in":
        if not _is_type(value, "texts") or not value or not set(value) <= set(spec["choices"]):
            v.add(condition, operator, where, f"'in' needs a list of: {', '.join(spec['choices'])}")
    elif value not in spec["choices"]:
        v.add(
            condition,
            operator,
            where,
            f"unknown value {value!r} for '{name}' (known: {', '.join(spec['choices'])})",
        )


def _plain(node: Any) -> Any:
    """Strip line bookkeeping: dicts, lists and scalars only, ready for JSON."""
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node


# --- Entry points -----------------------------------------------------------------------


def parse_checklist(raw: bytes, name: str) -> dict:
    """Read and validate a checklist file's bytes; raise ChecklistError listing every problem."""
    return validate(_read_yaml(raw, name), name)


def read_limited(path: Path, limit: int) -> tuple[bytes, int]:
    """A file's first `limit` + 1 bytes (enough to know it is too large) and its whole size.

    Never reads more, so a huge file costs no memory. Raises OSError.
    """
    with path.open("rb") as f:
        return f.read(limit + 1), os.fstat(f.fileno()).st_size


def read_checklist_file(path: Path | str) -> dict:
    path = Path(path)
    try:
        raw, size = read_limited(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise ChecklistError(
            [Problem(str(path), None, "", f"cannot read: {exc.strerror}")]
        ) from None
    return validate(_read_yaml(raw, str(path), size=size), str(path))


def content_hash(document: dict) -> str:
    """SHA-256 of the document's canonical JSON: comments and layout do not count as content."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def bundled_fixture_paths() -> list[Path]:
    return sorted((Path(__file__).parent / "fixtures").glob("*.yaml"))


def evaluate_condition(condition: dict | None, profile: dict) -> bool:
    """Whether a question applies to a project with this profile (no condition: it always does)."""
    if not condition:
        return True
    value = profile.get(condition["field"])
    if "equals" in condition:
        return value == condition["equals"]
    if "includes" in condition:
        return condition["includes"] in (value or ())
    if "in" in condition:
        return value in condition["in"]
    raise ValueError(f"unknown condition {condition!r}")


# --- Comparing versions -----------------------------------------------------------------

QUESTION_ATTRIBUTES = ("principles", "enablers", "flags", "critical", "na", "applies_if")


def _questions(document: dict) -> dict[str, dict]:
    return {q["key"]: q for s in document["sections"] for q in s["questions"]}


def _changes(old: Any, new: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Differences between two plain values, as (path, old, new); keyed lists match by key."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in [*old, *(k for k in new if k not in old)]:
            changes += _changes(old.get(key), new.get(key), f"{path}.{key}")
        return changes
    keyed = (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(i, dict) and "key" in i for i in [*old, *new])
    )
    if keyed:
        old_items, new_items = {i["key"]: i for i in old}, {i["key"]: i for i in new}
        changes = []
        for key in [*old_items, *(k for k in new_items if k not in old_items)]:
            changes += _changes(old_items.get(key), new_items.get(key), f"{path}[{key}]")
        if [k for k in old_items if k in new_items] != [k for k in new_items if k in old_items]:
            changes.append((f"{path} order", list(old_items), list(new_items)))
        return changes
    return [] if old == new else [(path, old, new)]


def diff_documents(old: dict, new: dict) -> dict[str, list]:
    """What changed between two checklist versions: questions, sections and rules."""
    old_q, new_q = _questions(old), _questions(new)
    old_s = {s["key"]: s["title"] for s in old["sections"]}
    new_s = {s["key"]: s["title"] for s in new["sections"]}
    return {
        "added": [new_q[k] for k in new_q if k not in old_q],
        "removed": [old_q[k] for k in old_q if k not in new_q],
        "reworded": [
            (k, old_q[k]["text"], new_q[k]["text"])
            for k in old_q
            if k in new_q and old_q[k]["text"] != new_q[k]["text"]
        ],
        "retagged": [
            (k, attribute, old_q[k].get(attribute), new_q[k].get(attribute))
            for k in old_q
            if k in new_q
            for attribute in QUESTION_ATTRIBUTES
            if old_q[k].get(attribute) != new_q[k].get(attribute)
        ],
        "sections": [
            (k, old_s.get(k), new_s.get(k))
            for k in [*old_s, *(k for k in new_s if k not in old_s)]
            if old_s.get(k) != new_s.get(k)
        ],
        "rules": _changes(old["scoring"], new["scoring"], "scoring"),
    }
