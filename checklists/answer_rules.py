"""An answer's value and every rule about it, in one place.

The walk-through's form, the autosave, the file import and the services all check an answer
here, so that a rule cannot be stricter in one of them than in another. Problems come back
keyed by the field they are about (rating, na_justification, evidence_note, evidence_links),
so each caller can put them where a person will see them. No database: plain values in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.utils.translation import gettext as _

from .content import evaluate_condition
from .scoring import NOT_APPLICABLE

# An answer's limits. The model's columns, the form's fields and the import read these.
MAX_JUSTIFICATION = 2000
MAX_NOTE = 5000
MAX_LINKS = 10
TEXT_LIMITS = {"na_justification": MAX_JUSTIFICATION, "evidence_note": MAX_NOTE}

_validate_url = URLValidator(schemes=["http", "https"])


class QuestionRules(Protocol):
    key: str
    na_allowed: bool
    applies_if: Any


@dataclass(frozen=True)
class AnswerValue:
    """What an answer says: a rating (a key of the scale, not_applicable, or "" for none), why
    it does not apply, the evidence note and links."""

    rating: str = ""
    na_justification: str = ""
    evidence_note: str = ""
    evidence_links: tuple[str, ...] = ()

    def as_tuple(self) -> tuple:
        return (self.rating, self.na_justification, self.evidence_note, tuple(self.evidence_links))


def parse_links(text: str) -> list[str]:
    """Links typed one per line, without blank lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def problems(
    value: AnswerValue,
    question: QuestionRules,
    scoring: Mapping[str, Any],
    profile: Mapping[str, Any] | None = None,
    *,
    skip: frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """What is wrong with this answer to this question, by field; empty when nothing is.

    `profile` (the project's) also checks that the question applies; `skip` leaves out fields
    already refused elsewhere, so that a field is not reported twice.
    """
    found: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        if field not in skip:
            found.setdefault(field, []).append(message)

    for field, limit in TEXT_LIMITS.items():
        try:
            MaxLengthValidator(limit)(getattr(value, field))
        except ValidationError as error:
            add(field, " ".join(error.messages))
    _link_problems(value.evidence_links, add)
    scale = {r["key"]: r for r in scoring["scale"]}
    if profile is not None and not evaluate_condition(question.applies_if, profile):
        add(
            "rating",
            _("This question does not apply to the project's profile, so it cannot be answered."),
        )
    elif value.rating == NOT_APPLICABLE:
        if not question.na_allowed:
            add("rating", _("This question cannot be marked not applicable."))
        elif not value.na_justification.strip() and "na_justification" not in found:
            add("na_justification", _("Say why this question does not apply."))
    elif value.rating and value.rating not in scale:
        add(
            "rating",
            _("“%(rating)s” is not a rating of this checklist.") % {"rating": value.rating[:40]},
        )
    elif (
        scale.get(value.rating, {}).get("requires_evidence")
        and not (value.evidence_note.strip() or value.evidence_links)
        and not ({"evidence_note", "evidence_links"} & set(found) | skip)
    ):
        add("evidence_note", _evidence_needed(scoring))
    return found


def validate(
    value: AnswerValue,
    question: QuestionRules,
    scoring: Mapping[str, Any],
    profile: Mapping[str, Any] | None = None,
) -> None:
    """Raise a ValidationError naming each field that is wrong, each message with its question."""
    found = problems(value, question, scoring, profile)
    if found:
        raise ValidationError(
            {
                field: [
                    _("Question %(key)s: %(problem)s") % {"key": question.key, "problem": message}
                    for message in messages
                ]
                for field, messages in found.items()
            }
        )


def _link_problems(links, add) -> None:
    if len(links) > MAX_LINKS:
        add(
            "evidence_links",
            _("Give at most %(n)d links; put the rest in one shared folder.") % {"n": MAX_LINKS},
        )
        return
    for link in links:
        try:
            if not isinstance(link, str):
                raise ValidationError("not text")
            _validate_url(link)
        except ValidationError:
            shown = link[:80] if isinstance(link, str) else repr(link)[:80]
            add(
                "evidence_links",
                _("“%(link)s” is not a web address starting with http:// or https://.")
                % {"link": shown},
            )


def _evidence_needed(scoring: Mapping[str, Any]) -> str:
    # Name the best rating that needs no evidence, as the way out ("In place" in 2019-03).
    plain = [r["label"] for r in scoring["scale"] if not r.get("requires_evidence")]
    if plain:
        return _("Add a note or a link showing the evidence, or choose “%(rating)s”.") % {
            "rating": plain[-1]
        }
    return _("Add a note or a link showing the evidence.")
