"""Validating a checklist document strictly, every problem at once."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .conditions import PROFILE_FIELDS
from .format import (
    FORMAT,
    KEY_RE,
    KNOWN_FLAGS,
    LANGUAGE_RE,
    MAX_TEXT_LENGTH,
    NA_POLICIES,
    SECTION_COUNT,
    SLUG_RE,
    VERSION_RE,
    ChecklistError,
    LinedMapping,
    Problem,
)

# --- Validation -------------------------------------------------------------------------


@dataclass
class _Validator:
    name: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, node: Any, key: str | None, where: str, message: str) -> None:
        line = None
        if isinstance(node, LinedMapping):
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
