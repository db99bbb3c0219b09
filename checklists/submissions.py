"""What a submission freezes: the answers, their integrity hash and the scores, as plain data.

Pure functions over plain data, like scoring.py: the submitting service feeds them an
assessment's state (selectors.submission_snapshot), and migration 0014 feeds them the rows of
assessments submitted before submissions existed, so both build the same snapshot the same way.
docs/sharing.md describes the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .scoring import Result

MET, BLOCKING, UNANSWERED = "met", "blocking", "unanswered"


class AnswerLike(Protocol):
    rating: str
    na_justification: str
    evidence_note: str
    evidence_links: list[str]


@dataclass(frozen=True)
class Snapshot:
    answers: list[dict]
    summary: dict
    integrity_hash: str
    evidence: list[dict] = ()

    @property
    def verdict(self) -> str:
        return self.summary["verdict"]

    @property
    def score(self) -> float | None:
        return self.summary["score"]

    @property
    def gates(self) -> str:
        return gates_text(self.summary["gates"])


def frozen_answers(answers: Iterable[tuple[str, AnswerLike | None]]) -> list[dict]:
    """(question key, answer or None) in the checklist's order, as a submission keeps them: the
    questions with an answer row, whatever it says, exactly as the integrity hash covers them."""
    return [
        {
            "key": key,
            "rating": answer.rating,
            "na_justification": answer.na_justification,
            "evidence_note": answer.evidence_note,
            "evidence_links": list(answer.evidence_links),
        }
        for key, answer in answers
        if answer is not None
    ]


class FileLike(Protocol):
    pk: int
    name: str
    kind: str
    size: int
    sha256: str
    restricted: bool
    uploaded_at: Any


def frozen_files(files: Iterable[tuple[str, FileLike]]) -> list[dict]:
    """(question key, evidence file) in the checklist's order, as a submission keeps them: what
    each file is, never its content. A restricted file's name, which may hold personal data, is
    left out."""
    return [
        {
            "id": file.pk,
            "key": key,
            "name": "" if file.restricted else file.name,
            "kind": file.kind,
            "size": file.size,
            "sha256": file.sha256,
            "restricted": file.restricted,
            "uploaded_at": file.uploaded_at.isoformat(),
        }
        for key, file in files
    ]


def answers_hash(content_hash: str, answers: list[dict], files: list[dict] = ()) -> str:
    """SHA-256 over the checklist version's content hash, the answers (frozen_answers) and the
    evidence files (frozen_files), as reports print it: selectors.integrity_hash and every
    submission compute it here.

    Without files the payload is what it was before files existed, so that the hashes of older
    reports and submissions still come out the same.
    """
    rows = [
        [a["key"], a["rating"], a["na_justification"], a["evidence_note"], a["evidence_links"]]
        for a in answers
    ]
    content = [content_hash, rows]
    if files:
        content.append([[f["key"], f["name"], f["kind"], f["size"], f["sha256"]] for f in files])
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def gate_states(rules: Mapping[str, Any], result: Result) -> dict[str, str]:
    """Each gate flag of the rules (`gates.flags`) as met, blocking or unanswered.

    A gate is decided by its blocking gaps (scoring.py: applicable critical questions with the
    flag that are below `met_rating`): "blocking" when one of them is rated (answered, not
    good enough), else "unanswered" when one of them has no rating yet, else "met" (every
    applicable critical question with the flag is met, or none applies).
    """
    states = {}
    for flag in rules["gates"]["flags"]:
        ratings = [gap.rating for gap in result.blocking_gaps if flag in gap.flags]
        if any(rating is not None for rating in ratings):
            states[flag] = BLOCKING
        elif ratings:
            states[flag] = UNANSWERED
        else:
            states[flag] = MET
    return states


def summary_of(rules: Mapping[str, Any], result: Result) -> dict:
    """The scores a submission keeps, so that lists never score again (docs/sharing.md)."""
    return {
        "verdict": result.verdict,
        "score": result.overall.percent,
        "answered": result.overall.answered,
        "applicable": result.overall.applicable,
        "gates": gate_states(rules, result),
        "sections": {key: score.percent for key, score in result.sections.items()},
        "principles": {key: score.percent for key, score in result.principles.items()},
        "gaps": [gap.key for gap in result.gaps],
        "blocking_gaps": [gap.key for gap in result.blocking_gaps],
    }


def snapshot(
    rules: Mapping[str, Any],
    result: Result,
    content_hash: str,
    answers: list[dict],
    files: list[dict] = (),
) -> Snapshot:
    """What a submission freezes, from the rules, the scoring result, the checklist version's
    content hash, the answers (frozen_answers) and the evidence files (frozen_files)."""
    # As the JSON columns will read back, so that what is compared later is what is stored.
    return Snapshot(
        answers=json.loads(json.dumps(answers)),
        summary=json.loads(json.dumps(summary_of(rules, result))),
        integrity_hash=answers_hash(content_hash, answers, files),
        evidence=json.loads(json.dumps(list(files))),
    )


def gates_text(gates: Mapping[str, str]) -> str:
    """The gate states as a short text column ("remedy:blocking consent:met ..."): lists read
    it for every row without decoding the summary's JSON."""
    return " ".join(f"{flag}:{state}" for flag, state in gates.items())


def gates_from_text(text: str | None) -> dict[str, str]:
    return dict(part.split(":", 1) for part in (text or "").split())


def person_name(user) -> str:
    """Who submitted, as the submission keeps it once their account may be gone."""
    if user is None:
        return ""
    return user.name or user.email


def changed_keys(
    before: Iterable[Mapping], after: Iterable[Mapping], fields: Iterable[str] | None = None
) -> set[str]:
    """The question keys whose frozen answer (frozen_answers) differs between two submissions,
    an answer given in one and not the other included: what a reviewer must look at again.
    With `fields`, only those fields count (what a share shows: sharing.ANSWER_FIELDS)."""
    names = tuple(fields) if fields is not None else None

    def seen(answers: Iterable[Mapping]) -> dict[str, tuple]:
        return {
            answer["key"]: tuple(
                answer[n] if n != "evidence_links" else tuple(answer[n])
                for n in (names or sorted(answer))
            )
            for answer in answers
        }

    old, new = seen(before), seen(after)
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
