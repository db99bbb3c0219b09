"""Published checklist content, read once per process and kept in memory.

A published version never changes (see services.checklist_version_import), so its sections,
questions and rules can be loaded once and shared by every request: pages then spend no
queries and no JSON parsing on the 60 questions. The objects here are frozen; what a request
adds (an answer, a state, a form) goes on the per-request wrappers in selectors.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .models import ChecklistVersion, Question, Section
from .scoring import QuestionInput


@dataclass(frozen=True)
class QuestionInfo:
    pk: int
    key: str
    position: int
    section_key: str
    text: str
    principles: tuple[str, ...]
    enablers: tuple[str, ...]
    flags: tuple[str, ...]
    critical: bool
    na: str
    evidence: tuple[str, ...]
    guidance: dict
    applies_if: dict | None
    principle_items: tuple[dict, ...]
    enabler_items: tuple[dict, ...]
    flag_items: tuple[dict, ...]

    @property
    def na_allowed(self) -> bool:
        return self.na == Question.NotApplicable.WITH_JUSTIFICATION


@dataclass(frozen=True)
class SectionInfo:
    pk: int
    key: str
    position: int
    title: str
    intro: str
    questions: tuple[QuestionInfo, ...]


@dataclass(frozen=True)
class Catalog:
    """One checklist version's content: its document and its sections with their questions."""

    document: dict
    sections: tuple[SectionInfo, ...]

    @property
    def questions(self) -> tuple[QuestionInfo, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def section_question_pks(self) -> tuple[frozenset[int], ...]:
        """The primary keys of each section's questions, in the order of `sections`."""
        return tuple(frozenset(q.pk for q in s.questions) for s in self.sections)

    @cached_property
    def question_pks(self) -> frozenset[int]:
        """The primary keys of all the version's questions."""
        return frozenset(q.pk for q in self.questions)

    @cached_property
    def conditions(self) -> tuple[tuple[int, dict], ...]:
        """(question pk, applies_if) of the questions that apply to some projects only: the
        only ones that a project's profile can set aside."""
        return tuple((q.pk, q.applies_if) for q in self.questions if q.applies_if)

    @cached_property
    def scoring_questions(self) -> tuple[QuestionInput, ...]:
        """The questions as scoring reads them, in the checklist's order: the same for every
        assessment of the version, so made once."""
        return tuple(
            QuestionInput(
                key=q.key,
                section=q.section_key,
                principles=q.principles,
                flags=q.flags,
                critical=q.critical,
            )
            for q in self.questions
        )


_catalogs: dict[tuple, Catalog] = {}
_versions: dict[int, ChecklistVersion] = {}
_fragments: dict[tuple, dict[str, str]] = {}
_lock = threading.Lock()


def checklist_version(pk: int) -> ChecklistVersion:
    """The version with this primary key, without its document, from memory after the first
    call in this process (1 query).

    Every request for an assessment needs its version; loading it with the assessment costs a
    join and a dozen columns each time. A published version is never changed, and never
    deleted (the admin refuses, and assessments protect theirs), so a primary key names the same
    version for the life of the process. Treat the object as read-only: requests share it.
    """
    found = _versions.get(pk)
    if found is None:
        found = ChecklistVersion.objects.defer("document").get(pk=pk)
        with _lock:
            _versions[pk] = found
    return found


def forget() -> None:
    """Drop everything kept in memory (tests, whose rolled-back databases reuse primary keys)."""
    with _lock:
        _catalogs.clear()
        _versions.clear()
        _fragments.clear()


def _cache_key(version: ChecklistVersion) -> tuple:
    # The primary key alone could be reused by another version in a test database rolled back
    # and loaded again; the content hash and load time cannot.
    return (version.pk, version.content_hash, version.loaded_at)


def catalog(version: ChecklistVersion) -> Catalog:
    """The version's content, from memory after the first call in this process (3 queries)."""
    key = _cache_key(version)
    found = _catalogs.get(key)
    if found is None:
        found = _load(version)
        with _lock:
            _catalogs[key] = found
    return found


def _load(version: ChecklistVersion) -> Catalog:
    document: Any = (
        ChecklistVersion.objects.filter(pk=version.pk).values_list("document", flat=True).get()
    )
    principles = {p["key"]: p for p in document["principles"]}
    enablers = {e["key"]: e for e in document["enablers"]}
    flags = {f["key"]: f for f in document["flags"]}
    questions: dict[int, list[QuestionInfo]] = {}
    sections = list(Section.objects.filter(checklist=version.pk).order_by("position"))
    keys = {s.pk: s.key for s in sections}
    for q in Question.objects.filter(checklist=version.pk).order_by("position"):
        questions.setdefault(q.section_id, []).append(
            QuestionInfo(
                pk=q.pk,
                key=q.key,
                position=q.position,
                section_key=keys[q.section_id],
                text=q.text,
                principles=tuple(q.principles),
                enablers=tuple(q.enablers),
                flags=tuple(q.flags),
                critical=q.critical,
                na=q.na,
                evidence=tuple(q.evidence),
                guidance=q.guidance,
                applies_if=q.applies_if,
                principle_items=tuple(principles[k] for k in q.principles),
                enabler_items=tuple(enablers[k] for k in q.enablers),
                flag_items=tuple(flags[k] for k in q.flags),
            )
        )
    return Catalog(
        document=document,
        sections=tuple(
            SectionInfo(
                pk=s.pk,
                key=s.key,
                position=s.position,
                title=s.title,
                intro=s.intro,
                questions=tuple(questions.get(s.pk, ())),
            )
            for s in sections
        ),
    )


def question_fragments(version: ChecklistVersion, template_name: str) -> dict[str, str]:
    """Each question of the version rendered once with `template_name`, by question key.

    Tags and guidance are the same for every assessment: pages paste these instead of running
    the same includes for every question of every request. Cached per process and language.
    """
    from django.template.loader import get_template
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    key = (*_cache_key(version), template_name, get_language())
    found = _fragments.get(key)
    if found is None:
        template = get_template(template_name)
        found = {
            q.key: mark_safe(template.render({"question": q}))  # noqa: S308 (our own template)
            for q in catalog(version).questions
        }
        with _lock:
            _fragments[key] = found
    return found


def version_fragment(version: ChecklistVersion, template_name: str) -> str:
    """`template_name` rendered once with the version's content (`checklist`, `scoring`,
    `source`, and from the scoring rules `best_points`, `best_ratings` and `top_level`), such as
    the method part of every report. Cached per process and language."""
    from django.template.loader import get_template
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    key = (*_cache_key(version), template_name, get_language())
    found = _fragments.get(key)
    if found is None:
        document = catalog(version).document
        scoring = document["scoring"]
        best = max((rating["points"] for rating in scoring["scale"]), default=0)
        context = {
            "checklist": version,
            "scoring": scoring,
            "source": document["source"],
            # The points of the best rating, and the ratings that earn them.
            "best_points": best,
            "best_ratings": [r for r in scoring["scale"] if r["points"] == best],
            "top_level": scoring["levels"][0] if scoring["levels"] else None,
        }
        found = mark_safe(get_template(template_name).render(context))  # noqa: S308 (our own template)
        with _lock:
            _fragments[key] = found
    return found
