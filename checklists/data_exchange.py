"""Assessments as files: JSON that another westcheck installation can import, and CSV for
spreadsheets.

The JSON format is documented in docs/assessment-json.md. An export carries the whole checklist
document, the project's profile, the answers and a summary of the scores; an import reads only
the checklist's identity and hash, the title and the answers, and checks them as strictly as the
checklist loader checks a fixture: every problem is collected (each named by its JSON path, such
as `answers[3].rating`) and reported together, and if there is one, nothing is written.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import answer_rules, services, sharing
from .catalog import catalog
from .content import Problem, decode_utf8, evaluate_condition, read_limited
from .models import Answer, Assessment, ChecklistVersion, Project, Question, User
from .selectors import AssessmentState, rating_labels, report_integrity

FORMAT = "westcheck-assessment"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 2_000_000
MAX_ANSWERS = 1_000  # far more than any checklist has questions; bounds the work on a bad file
IMPORTED_SUFFIX = " (imported)"
TITLE_LENGTH = 200  # Assessment.title's max_length

# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Column names and the yes/no values stay the same in every language: scripts and spreadsheet
# filters rely on them. The texts meant for reading (questions, rating labels) are translated.
CSV_COLUMNS = (
    "section",
    "key",
    "question",
    "critical",
    "flags",
    "applies",
    "applies_reason",
    "rating",
    "rating_label",
    "na_justification",
    "evidence_note",
    "evidence_links",
    "answered_by",
    "answered_at",
)


class AssessmentFileError(Exception):
    """One or more problems with an assessment file; str() lists them all, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- Export ------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _exported(question: Question) -> bool:
    """Whether a question's stored answer belongs in an export.

    An answer kept on a question this project's profile sets aside does not count in the scores
    and could not be imported, and an answer with nothing in it is the same as no answer.
    """
    answer = question.answer
    return (
        question.applies
        and answer is not None
        and bool(answer.rating or answer.evidence_note or answer.evidence_links)
    )


def assessment_to_dict(state: AssessmentState) -> dict:
    """The whole assessment as plain JSON-able data (the format of docs/assessment-json.md)."""
    assessment = state.assessment
    checklist = assessment.checklist
    project = assessment.project
    result = state.result
    levels = {level["key"]: level for level in checklist.scoring["levels"]}
    digest, files = report_integrity(assessment, state)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(timezone.now()),
        "checklist": {
            "slug": checklist.slug,
            "version": checklist.version,
            "title": checklist.title,
            "content_hash": checklist.content_hash,
            "document": checklist.content,
        },
        "project": {
            "name": project.name,
            "organisation": project.organisation.name,
            "countries": project.country_list,
            "sector": project.sector,
            "stage": project.stage,
            "channels": list(project.channels),
            "migrant_workers": project.migrant_workers,
            "minorities_present": project.minorities_present,
            "women_share": project.women_share,
            "technology_provider": project.technology_provider,
            "local_partners": project.local_partners,
            "unions": project.unions,
        },
        "assessment": {
            "title": assessment.title,
            "status": assessment.status,
            "created_at": _iso(assessment.created_at),
            "submitted_at": _iso(assessment.submitted_at),
            # Only the name is read: the rest of the person's row has no business in an export.
            "started_by": User.objects.filter(pk=assessment.started_by_id)
            .values_list("name", flat=True)
            .first(),
            "integrity_hash": digest,
        },
        "answers": [
            {
                "question": q.key,
                "rating": q.answer.rating or None,
                "na_justification": q.answer.na_justification,
                "evidence_note": q.answer.evidence_note,
                "evidence_links": list(q.answer.evidence_links),
                "answered_by": q.answer.answerer_name or None,
                "answered_at": _iso(q.answer.answered_at),
            }
            for q in state.questions
            if _exported(q)
        ],
        # What each evidence file is, as the integrity hash covers it; never its content.
        "evidence_files": [
            {
                "question": file["key"],
                "name": file["name"] or None,
                "type": file["kind"],
                "size": file["size"],
                "sha256": file["sha256"],
                "restricted": file["restricted"],
                "uploaded_at": file["uploaded_at"],
            }
            for file in files
        ],
        "summary": {
            "verdict": result.verdict,
            "verdict_label": levels[result.verdict]["label"],
            "score": _percent(result.overall.percent),
            "sections": {s.key: _percent(result.sections[s.key].percent) for s in state.sections},
            "blocking_gaps": [gap.key for gap in result.blocking_gaps],
        },
    }


def assessment_json(state: AssessmentState) -> str:
    """The export as JSON text, indented so that it can be read and compared."""
    return json.dumps(assessment_to_dict(state), indent=2, ensure_ascii=False) + "\n"


def export_filename(assessment: Assessment, extension: str, *, kind: str = "assessment") -> str:
    """A file name that says what the file is: assessment-12-baseline-2026.json."""
    words = re.sub(r"[^a-z0-9]+", "-", assessment.title.lower()).strip("-")[:60].strip("-")
    return f"{kind}-{assessment.pk}{'-' + words if words else ''}.{extension}"


def csv_cell(value: str) -> str:
    """Neutralise a cell that a spreadsheet would run as a formula."""
    # Spreadsheet programs skip leading spaces and read look-alikes such as the full-width
    # equals sign (U+FF1D) as the plain one; NFKC maps such look-alikes to the signs they mean.
    first = unicodedata.normalize("NFKC", value.lstrip()[:1])
    if value.startswith(FORMULA_STARTS) or first.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _condition_text(condition: dict | None) -> str:
    if not condition:
        return ""
    return render_to_string("checklists/_condition.html", {"condition": condition}).strip()


def assessment_csv(state: AssessmentState) -> str:
    """One row per question of the checklist, answered or not, under a header row.

    Cells a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first, also
    after spaces or as a full-width look-alike such as U+FF1D) get a leading apostrophe: notes and
    links are user text, and funders open these files in Excel.
    Save the text as UTF-8 with a byte order mark ("utf-8-sig") so that Excel reads accents.
    """
    flags = state.assessment.checklist.flags
    labels = rating_labels(state.assessment.checklist.scoring)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for section in state.sections:
        for q in section.questions:
            answer = q.answer if _exported(q) else None
            rating = answer.rating if answer else ""
            row = [
                f"{section.key}. {section.title}",
                q.key,
                q.text,
                "yes" if q.critical else "no",
                ", ".join(flags[f]["label"] if f in flags else f for f in q.flags),
                "yes" if q.applies else "no",
                _condition_text(q.applies_if),
                rating,
                labels.get(rating, "") if rating else "",
                answer.na_justification if answer else "",
                answer.evidence_note if answer else "",
                " | ".join(answer.evidence_links) if answer else "",
                answer.answerer_name if answer else "",
                _iso(answer.answered_at) if answer else "",
            ]
            writer.writerow([csv_cell(str(value or "")) for value in row])
    return out.getvalue()


# --- A submission under a share ------------------------------------------------------------

SHARED_CSV_COLUMNS = (
    "section",
    "question",
    "text",
    "gap",
    "blocking",
    "rating",
    "rating_label",
    "na_justification",
    "evidence_note",
    "evidence_links",
    "action_status",
    "action_due",
    "action_owner",
)


def shared_csv(page) -> str:
    """One row per question, with only what the share's detail shows (selectors.sharing's
    SharedPage): the cells above it stay empty. Formula-safe like assessment_csv."""
    shared = page.shared
    answers = {q["key"]: q for section in page.sections for q in section["questions"]}
    actions = {action["key"]: action for action in page.actions}
    gaps = set(shared.gaps)
    content = catalog(page.checklist)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SHARED_CSV_COLUMNS)
    for section in content.sections:
        for q in section.questions:
            shown = answers.get(q.key)
            answer = (shown or {}).get("answer") or {}
            action = actions.get(q.key, {})
            row = [
                f"{section.key}. {section.title}",
                q.key,
                q.text,
                "yes" if q.key in gaps else "no",
                "yes" if q.key in shared.blocking_gaps else "no",
                answer.get("rating", ""),
                shown["rating_label"] if shown and answer else "",
                answer.get("na_justification", ""),
                answer.get("evidence_note", ""),
                " | ".join(answer.get("evidence_links", ())),
                action.get("status_label", ""),
                action["due_date"].isoformat() if action.get("due_date") else "",
                action.get("owner", ""),
            ]
            writer.writerow([csv_cell(str(value or "")) for value in row])
    return out.getvalue()


def _shared_action(action, detail: str) -> dict:
    fields = {"question": action.key, "status": action.status}
    for name in sharing.ACTION_FIELDS[detail]:
        value = getattr(action, name)
        fields[name] = value.isoformat() if name == "due_date" and value else value
    return fields


def shared_json(page, *, share) -> str:
    """The shared submission as JSON: what SharedPage holds, and the terms of the share."""
    shared = page.shared
    data = {
        "format": "westcheck-shared-submission",
        "format_version": 1,
        "project": page.project.name,
        "organisation": page.organisation_name,
        "shared_with": share.recipient.name,
        "share_reference": share.reference_display,
        "detail": shared.detail,
        "sections_shared": list(shared.sections_shown),
        "expires_at": _iso(share.expires_at),
        "checklist": {"slug": page.checklist.slug, "version": page.checklist.version},
        "submission": {
            "number": shared.number,
            "milestone": shared.milestone,
            "submitted_at": _iso(page.submitted_at),
            "submitted_by": shared.submitted_by_name,
            "integrity_hash": shared.integrity_hash,
        },
        "verdict": shared.verdict,
        "score": _percent(shared.score),
        "answered": shared.answered,
        "applicable": shared.applicable,
        "gates": shared.gates,
        "section_scores": {k: _percent(v) for k, v in shared.section_scores.items()},
        "principle_scores": {k: _percent(v) for k, v in shared.principle_scores.items()},
        "gaps": list(shared.gaps),
        "blocking_gaps": list(shared.blocking_gaps),
        "actions": [_shared_action(action, shared.detail) for action in shared.actions],
        "answers": [{"question": key, **fields} for key, fields in shared.answers.items()],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- Reading a file ----------------------------------------------------------------------


def _too_large(name: str, size: int) -> AssessmentFileError:
    return AssessmentFileError(
        [Problem(name, None, "", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")]
    )


def read_assessment_file(path: Path | str) -> bytes:
    """A file's bytes, never reading more than the limit; raise AssessmentFileError if it can't."""
    path = Path(path)
    try:
        raw, size = read_limited(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise AssessmentFileError(
            [Problem(str(path), None, "", f"cannot read: {exc.strerror}")]
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(str(path), max(size, len(raw)))
    return raw


class _DuplicateKey(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(f"duplicate key {key!r}")
        result[key] = value
    return result


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(raw: bytes, name: str) -> Any:
    """Bytes to JSON data: UTF-8 (a byte order mark is allowed), no duplicate keys, no NaN."""
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(name, len(raw))
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    text = decode_utf8(raw, name)
    if isinstance(text, Problem):
        raise AssessmentFileError([text])
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise AssessmentFileError(
            [Problem(name, exc.lineno, "", f"not valid JSON: {exc.msg} (column {exc.colno})")]
        ) from None
    except ValueError as exc:  # duplicate keys, NaN, integers of thousands of digits
        message = str(exc)
        if "integer string conversion" in message:
            message = "a number has too many digits"
        raise AssessmentFileError([Problem(name, None, "", f"not valid JSON: {message}")]) from None
    except RecursionError:
        raise AssessmentFileError(
            [Problem(name, None, "", "not valid JSON: lists or objects are nested too deeply")]
        ) from None


# --- Checking what a file says -----------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


class _Checker:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.name, None, where, message))

    def fail(self) -> AssessmentFileError:
        return AssessmentFileError(self.problems)

    def keys(self, node: Any, where: str, required: tuple, optional: tuple = ()) -> bool:
        """Check that `node` is an object with the required keys and no unknown ones."""
        if not isinstance(node, dict):
            self.add(where, f"must be an object, not {_kind(node)}")
            return False
        for key in required:
            if key not in node:
                self.add(where, f"missing required key '{key}'")
        for key in node:
            if key not in required and key not in optional:
                allowed = ", ".join(sorted((*required, *optional)))
                self.add(where, f"unknown key '{key}' (allowed: {allowed})")
        return True

    def text(
        self, node: dict, key: str, where: str, limit: int, required: bool = False
    ) -> str | None:
        """The text at node[key] ('' when absent), or None after reporting what is wrong."""
        value = node.get(key, "")
        path = _join(where, key)
        if not isinstance(value, str):
            if key in node:
                self.add(path, f"must be text, not {_kind(value)}")
            return None
        if required and not value.strip():
            self.add(path, "must not be empty")
            return None
        if len(value) > limit:
            self.add(path, f"is {len(value):,} characters; the limit is {limit:,}")
            return None
        if "\x00" in value:
            # The database refuses NUL characters; nothing a person types contains one.
            self.add(path, "must not contain NUL characters")
            return None
        return value


def _links(check: _Checker, node: dict, where: str) -> tuple | None:
    """The links as given, when they are a list; their number and form are answer rules."""
    links = node.get("evidence_links", [])
    if not isinstance(links, list):
        check.add(
            _join(where, "evidence_links"), f"must be a list of web addresses, not {_kind(links)}"
        )
        return None
    return tuple(links)


def _check_answer(
    check: _Checker,
    node: Any,
    where: str,
    questions: dict[str, Question] | None,
    seen: dict[str, str],
    checklist: ChecklistVersion | None,
    profile: dict,
) -> services.AnswerChange | None:
    """Check one entry of `answers`; return it as a change when it is right."""
    before = len(check.problems)
    if not check.keys(
        node,
        where,
        required=("question", "rating"),
        optional=(
            "na_justification",
            "evidence_note",
            "evidence_links",
            "answered_by",
            "answered_at",
        ),
    ):
        return None
    key = node.get("question")
    question = None
    if "question" in node and not isinstance(key, str):
        check.add(
            _join(where, "question"), f'must be a question key such as "1.1", not {_kind(key)}'
        )
    elif isinstance(key, str):
        if key in seen:
            check.add(
                _join(where, "question"),
                f"question {key} is answered twice (also at {seen[key]})",
            )
        else:
            seen[key] = where
            if questions is not None:
                question = questions.get(key)
                if question is None:
                    check.add(
                        _join(where, "question"),
                        f"unknown question '{key}' (this checklist has {_key_range(questions)})",
                    )
    rating = node.get("rating")
    if rating is None:
        rating = ""
    elif not isinstance(rating, str):
        check.add(_join(where, "rating"), f"must be a rating key or null, not {_kind(rating)}")
    justification = check.text(node, "na_justification", where, Answer.MAX_JUSTIFICATION)
    note = check.text(node, "evidence_note", where, Answer.MAX_NOTE)
    links = _links(check, node, where)
    if len(check.problems) > before or question is None or checklist is None:
        return None
    change = services.AnswerChange(
        question=question,
        rating=rating,
        na_justification=justification,
        evidence_note=note,
        evidence_links=links,
    )
    found = answer_rules.problems(change.value, question, checklist.scoring, profile)
    # A question the profile sets aside is refused as a whole, not for its rating.
    applies = evaluate_condition(question.applies_if, profile)
    for field, messages in found.items():
        check.add(
            _join(where, field if applies else "question"),
            " ".join(f"Question {key}: {message}" for message in messages),
        )
    if found:
        return None
    if rating != services.NOT_APPLICABLE and justification.strip():
        # The app keeps a justification only with not_applicable; importing it would drop it.
        check.add(
            _join(where, "na_justification"),
            "only an answer rated not_applicable has a justification; remove it or rate the "
            "question not_applicable",
        )
        return None
    return change


def _key_range(questions: dict[str, Question]) -> str:
    keys = list(questions)
    return f"{keys[0]} to {keys[-1]}" if keys else "no questions"


def _title(title: str) -> str:
    """The file's title marked as imported, shortened to fit if it must be."""
    room = TITLE_LENGTH - len(IMPORTED_SUFFIX)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + IMPORTED_SUFFIX


def check_assessment_data(
    data: Any, *, name: str, project: Project
) -> tuple[ChecklistVersion, str, list[services.AnswerChange]]:
    """Check parsed JSON against this installation and the target project.

    Return the checklist version, the new assessment's title and the answers to record, or raise
    AssessmentFileError listing every problem.
    """
    check = _Checker(name)
    if not isinstance(data, dict):
        check.add("", f"must be a JSON object ({{...}}), not {_kind(data)}")
        raise check.fail()
    # A file of another kind or version would only produce noise below: stop at the first.
    if data.get("format") != FORMAT:
        found = json.dumps(data["format"])[:80] if "format" in data else "no 'format' key"
        check.add("format", f'not a westcheck assessment file (expected "{FORMAT}", found {found})')
        raise check.fail()
    version = data.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        found = json.dumps(version)[:20] if "format_version" in data else "none"
        check.add(
            "format_version",
            f"version {found} is not supported; this installation reads version {FORMAT_VERSION}",
        )
        raise check.fail()
    check.keys(
        data,
        "",
        required=("format", "format_version", "checklist", "assessment", "answers"),
        # The files themselves are not in the file: their list is read as the summary is, for
        # people, and a new assessment starts without files.
        optional=("exported_at", "project", "summary", "evidence_files"),
    )

    checklist = None
    node = data.get("checklist")
    if "checklist" in data and check.keys(
        node, "checklist", ("slug", "version", "content_hash"), ("title", "document")
    ):
        for key in ("slug", "version", "content_hash"):
            if key in node and not isinstance(node[key], str):
                check.add(_join("checklist", key), f"must be text, not {_kind(node[key])}")
        slug, number, digest = node.get("slug"), node.get("version"), node.get("content_hash")
        if isinstance(slug, str) and isinstance(number, str):
            found = ChecklistVersion.objects.filter(slug=slug, version=number).first()
            if found is None:
                check.add(
                    "checklist",
                    f"{slug} {number} is not loaded in this installation; load that checklist "
                    f"version (python manage.py load_checklist) before importing",
                )
            elif isinstance(digest, str) and digest != found.content_hash:
                check.add(
                    "checklist.content_hash",
                    f"this file was made with a different checklist content: {slug} {number} "
                    f"here has hash {found.content_hash[:12]}, the file {digest[:12]}",
                )
            elif isinstance(digest, str):
                checklist = found

    title = None
    node = data.get("assessment")
    if "assessment" in data and check.keys(
        node,
        "assessment",
        ("title",),
        ("status", "created_at", "submitted_at", "started_by", "integrity_hash"),
    ):
        # A missing title is reported once, as a missing key, not also as an empty one.
        title = check.text(node, "title", "assessment", TITLE_LENGTH, required="title" in node)

    changes = []
    answers = data.get("answers")
    if "answers" in data:
        if not isinstance(answers, list):
            check.add("answers", f"must be a list, not {_kind(answers)}")
        elif len(answers) > MAX_ANSWERS:
            check.add("answers", f"has {len(answers):,} entries; the limit is {MAX_ANSWERS:,}")
        else:
            questions = (
                {q.key: q for q in checklist.questions.order_by("position")} if checklist else None
            )
            profile = project.profile
            seen: dict[str, str] = {}
            for index, item in enumerate(answers):
                change = _check_answer(
                    check, item, f"answers[{index}]", questions, seen, checklist, profile
                )
                if change is not None:
                    changes.append(change)

    if check.problems:
        raise check.fail()
    return checklist, _title(title), changes


def import_assessment(raw: bytes, *, name: str, project: Project, user: User) -> Assessment:
    """Start a draft assessment in `project` from an exported file, with all its answers.

    `name` names the file in problems. Raise AssessmentFileError listing every problem; then
    nothing is written. The new assessment is always a draft: submitting it is for the team
    that imported it to decide.
    """
    data = parse_json(raw, name)
    checklist, title, changes = check_assessment_data(data, name=name, project=project)
    with transaction.atomic():
        assessment = services.assessment_start(
            project=project, checklist=checklist, title=title, started_by=user
        )
        conflicts = services.answers_record(
            assessment=assessment, user=user, changes=changes
        ).conflicts
        if conflicts:  # a new assessment has no answers to conflict with
            raise RuntimeError(f"unexpected conflicts importing {name}: {conflicts}")
    return assessment
