"""What a share lets its recipient see: the one home of the detail levels' rules.

Pure functions over plain data. Everything a recipient is shown (the shared page, its PDF, its
CSV and JSON, the owner's preview of them) is drawn from the SharedSubmission that `redact`
returns, never from the submission itself, so that no page, file or later feature can show a
field above the share's detail by forgetting to leave it out.

The levels (docs/sharing.md):

- summary: the verdict, the gate states, section and principle scores, which questions are
  gaps, and the action plan's items (which question, what status);
- sections: and, for the sections the owner chose, each answer's rating and its
  not-applicable justification, and the actions' due dates;
- full: every section, with the evidence notes and links, the list of evidence files (what each
  is, to download while the file is kept), the actions' owners and the name of who submitted.

People's names (who submitted, who owns an action) are shared at full detail only. Restricted
evidence files (their uploader said they contain, or may contain, personal data) are never
shared, at any detail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

SUMMARY, SECTIONS, FULL = "summary", "sections", "full"
LEVELS = (SUMMARY, SECTIONS, FULL)

# The fields of a frozen answer (submissions.frozen_answers) each level shows.
ANSWER_FIELDS: dict[str, tuple[str, ...]] = {
    SUMMARY: (),
    SECTIONS: ("rating", "na_justification"),
    FULL: ("rating", "na_justification", "evidence_note", "evidence_links"),
}
# The fields of an action each level shows, besides its question and status.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    SUMMARY: (),
    SECTIONS: ("due_date",),
    FULL: ("due_date", "owner"),
}


# The fields of an evidence file (submissions.frozen_files) a share shows, at full detail only.
FILE_FIELDS = ("id", "name", "kind", "size", "sha256", "uploaded_at")


def rank(detail: str) -> int:
    return LEVELS.index(detail)


def at_most(detail: str, ceiling: str) -> str:
    """The lower of two levels: an owner may lower what was asked, never raise it."""
    return detail if rank(detail) <= rank(ceiling) else ceiling


def shows_names(detail: str) -> bool:
    return detail == FULL


def sections_shown(detail: str, chosen: Iterable[str], section_keys: Sequence[str]) -> tuple:
    """The sections whose answers the level shows, in the checklist's order."""
    if detail == FULL:
        return tuple(section_keys)
    if detail == SECTIONS:
        wanted = set(chosen)
        return tuple(key for key in section_keys if key in wanted)
    return ()


@dataclass(frozen=True)
class SharedAction:
    key: str
    status: str
    due_date: date | None = None
    owner: str = ""


@dataclass(frozen=True)
class SharedSubmission:
    """A submission as one share shows it. Fields above the share's detail are left empty."""

    detail: str
    sections_shown: tuple[str, ...]
    number: int
    milestone: str
    integrity_hash: str
    verdict: str
    score: float | None
    answered: int
    applicable: int
    gates: dict[str, str]
    section_scores: dict[str, float | None]
    principle_scores: dict[str, float | None]
    gaps: tuple[str, ...]
    blocking_gaps: tuple[str, ...]
    actions: tuple[SharedAction, ...]
    # Question key -> the answer's shared fields (ANSWER_FIELDS), for sections_shown only.
    answers: dict[str, dict] = field(default_factory=dict)
    submitted_by_name: str = ""
    # Question key -> its evidence files (FILE_FIELDS), at full detail, never restricted ones.
    evidence: dict[str, tuple[dict, ...]] = field(default_factory=dict)

    def shows_file(self, file_id: int) -> bool:
        return any(f["id"] == file_id for files in self.evidence.values() for f in files)

    def shows(self, section_key: str) -> bool:
        return section_key in self.sections_shown


def redact(
    *,
    detail: str,
    chosen_sections: Iterable[str],
    section_of: Mapping[str, str],
    section_keys: Sequence[str],
    number: int,
    milestone: str,
    integrity_hash: str,
    summary: Mapping,
    answers: Iterable[Mapping],
    actions: Iterable[Mapping],
    submitted_by_name: str,
    evidence: Iterable[Mapping] = (),
) -> SharedSubmission:
    """The submission as a share of `detail` shows it.

    `section_of` maps each question key to its section's key; `summary`, `answers` and
    `evidence` are a Submission's (submissions.summary_of, frozen_answers, frozen_files); each
    action is a mapping with key, status, due_date and owner.
    """
    if detail not in LEVELS:
        raise ValueError(f"unknown detail level {detail!r}")
    shown = sections_shown(detail, chosen_sections, section_keys)
    answer_fields = ANSWER_FIELDS[detail]
    action_fields = ACTION_FIELDS[detail]
    shared_answers = {}
    if answer_fields:
        for answer in answers:
            if section_of.get(answer["key"]) in shown:
                shared_answers[answer["key"]] = {name: answer[name] for name in answer_fields}
    shared_files: dict[str, list[dict]] = {}
    if detail == FULL:
        for file in evidence:
            if not file["restricted"] and section_of.get(file["key"]) in shown:
                shared_files.setdefault(file["key"], []).append(
                    {name: file[name] for name in FILE_FIELDS}
                )
    return SharedSubmission(
        detail=detail,
        sections_shown=shown,
        number=number,
        milestone=milestone,
        integrity_hash=integrity_hash,
        verdict=summary["verdict"],
        score=summary["score"],
        answered=summary["answered"],
        applicable=summary["applicable"],
        gates=dict(summary["gates"]),
        section_scores=dict(summary["sections"]),
        principle_scores=dict(summary["principles"]),
        gaps=tuple(summary["gaps"]),
        blocking_gaps=tuple(summary["blocking_gaps"]),
        actions=tuple(
            SharedAction(
                key=action["key"],
                status=action["status"],
                **{name: action[name] for name in action_fields},
            )
            for action in actions
        ),
        answers=shared_answers,
        submitted_by_name=submitted_by_name if shows_names(detail) else "",
        evidence={key: tuple(files) for key, files in shared_files.items()},
    )


def exceeds(
    *,
    asked_detail: str,
    asked_sections: Iterable[str],
    detail: str,
    sections: Iterable[str],
) -> bool:
    """Whether terms chosen by an owner show more than a recipient asked for: a request or a
    cohort may be answered with less, never with more."""
    if rank(detail) > rank(asked_detail):
        return True
    # Chosen sections under a request for chosen sections must be among those asked for.
    return (
        detail == SECTIONS and asked_detail == SECTIONS and not set(sections) <= set(asked_sections)
    )
