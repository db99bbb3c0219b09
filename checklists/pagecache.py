"""Parts of assessment pages, rendered once per revision of the assessment.

Working out an assessment's state (60 questions, their answers, the scores) and drawing its
verdict, charts, answer lists or report takes several times longer than serving the page
around them, and most views of an assessment come between two changes to it: a funder
reading the report, a colleague checking progress, a team moving between sections.

Every service that changes what these parts show (answers, submission, actions, the project's
profile) raises `Assessment.revision`, and every key below carries it. A change therefore
makes new keys; entries under old revisions are never read again and age out of the cache.
Nothing is invalidated by hand.

A cached part holds only what every member with the same rights sees: never a CSRF token, a
message or a form bound to someone's post. Views put those around the parts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .catalog import SectionInfo
from .models import Assessment
from .selectors import (
    AssessmentState,
    SectionState,
    assessment_state,
    integrity_hash,
    section_progress,
    section_state,
)

CACHE = "pages"
# Entries also expire, so that a cache shared by several processes does not keep parts of
# assessments nobody opens any more.
TIMEOUT = 7 * 24 * 3600


@dataclass(frozen=True)
class SectionProgress:
    key: str
    title: str
    answered: int
    applicable: int


@dataclass(frozen=True)
class Progress:
    """What the page around the cached parts needs to know of the state (a few hundred bytes)."""

    sections: tuple[SectionProgress, ...]
    answered_count: int
    applicable_count: int
    first_open: str | None  # the first section with an unanswered question


def _cache_key(kind: str, *parts) -> str:
    """A key of plain characters, with the language and time zone every rendered part shows."""
    return ":".join(
        str(part)
        for part in (
            kind,
            *parts,
            translation.get_language(),
            timezone.get_current_timezone_name(),
        )
    )


class AssessmentPages:
    """One request's access to the cached parts of one assessment's pages.

    The full state is worked out only when something asked for is not in the cache, and then
    at most once per request.
    """

    def __init__(self, assessment: Assessment):
        self.assessment = assessment
        self._state: AssessmentState | None = None

    @property
    def state(self) -> AssessmentState:
        if self._state is None:
            self._state = assessment_state(self.assessment)
        return self._state

    def _key(self, name: str, *vary) -> str:
        return _cache_key("assessment", self.assessment.pk, self.assessment.revision, name, *vary)

    def progress(self) -> Progress:
        """Counts of answered and applicable questions. Worked out from the full state when
        this request has it anyway, else from the answers' ratings alone: no scores."""

        def compute() -> Progress:
            if self._state is not None:
                counts = [(s.info, s.answered, s.applicable) for s in self._state.sections]
            else:
                counts = section_progress(self.assessment)
            return Progress(
                sections=tuple(
                    SectionProgress(info.key, info.title, answered, applicable)
                    for info, answered, applicable in counts
                ),
                answered_count=sum(answered for _info, answered, _applicable in counts),
                applicable_count=sum(applicable for _info, _answered, applicable in counts),
                first_open=next(
                    (info.key for info, answered, applicable in counts if answered < applicable),
                    None,
                ),
            )

        return cached_value(self._key("progress"), compute)

    def section(self, info: SectionInfo) -> SectionState:
        """One section's questions with their answers: from the full state when this request
        has it, else only that section's answers are loaded."""
        if self._state is not None:
            return self._state.section(info.key)
        return section_state(self.assessment, info)

    def integrity(self) -> str:
        """The integrity hash that reports print (selectors.integrity_hash)."""
        return cached_value(self._key("integrity"), lambda: integrity_hash(self.state))

    def part(self, name: str, template: str, context: Callable[[], dict], *vary) -> SafeString:
        """`template` rendered with `context()`, from the cache when this revision has it.

        `vary` names whatever else the part depends on, such as the viewer's rights.
        """
        return cached_html(self._key(name, *vary), lambda: render_to_string(template, context()))


def cached_value(key: str, compute: Callable[[], object]):
    """The value kept under `key`, or `compute()` and kept."""
    found = caches[CACHE].get(key)
    if found is None:
        found = compute()
        caches[CACHE].set(key, found, TIMEOUT)
    return found


def cached_html(key: str, render: Callable[[], str]) -> SafeString:
    """The HTML kept under `key`, or `render()` and kept. `key` must name everything it shows."""
    html = caches[CACHE].get(key)
    if html is None:
        html = str(render())
        caches[CACHE].set(key, html, TIMEOUT)
    return mark_safe(html)  # noqa: S308 - rendered by a template, escaped there


def cached_blocks(
    items: list, render: Callable[[object], str], key: Callable[[object], str]
) -> list[SafeString]:
    """Each item's block, in order: from the cache, or `render(item)` and kept.

    A section page drawn again because one answer changed draws only that one question; the
    others, and every unanswered question of any assessment of the same checklist version, come
    from the cache. `key(item)` must name everything the block shows.
    """
    keys = [key(item) for item in items]
    found = caches[CACHE].get_many(keys)
    fresh = {}
    blocks = []
    for item, item_key in zip(items, keys, strict=True):
        html = found.get(item_key)
        if html is None:
            html = fresh[item_key] = str(render(item))
        blocks.append(mark_safe(html))  # noqa: S308 - rendered by a template, escaped there
    if fresh:
        caches[CACHE].set_many(fresh, TIMEOUT)
    return blocks


def question_key(checklist, question, *vary) -> str:
    """The cache key of a question's block: its checklist version, its answer's revision, and
    whatever else (`vary`) the block depends on."""
    answer = question.answer
    return _cache_key(
        "question",
        checklist.pk,
        checklist.content_hash[:16],
        question.key,
        answer.pk if answer else 0,
        answer.revision if answer else 0,
        *vary,
    )


def _digest(*parts) -> str:
    """A short, safe key part for any text: names, or a long list of fingerprints."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def project_list_key(memberships) -> str:
    """The cache key of the dashboard's project list: the organisations (with their names and
    the user's role, which decides the links offered), and the fingerprint of their projects
    and assessments (selectors.dashboard_memberships)."""
    return _cache_key(
        "project-list",
        _digest(
            *(
                (
                    m.organisation_id,
                    m.organisation.name,
                    m.role,
                    m.project_count,
                    m.projects_changed,
                    m.assessment_count,
                    m.assessment_revisions,
                    m.assessments_changed,
                )
                for m in memberships
            )
        ),
    )


def project_card_key(project) -> str:
    """The cache key of a project's card on the dashboard: the project, whether the user may
    edit it, and its latest assessment at its revision."""
    latest = project.latest
    return _cache_key(
        "project-card",
        project.pk,
        "edit" if project.can_edit else "view",
        project.updated_at.timestamp(),
        # The card shows the organisation's name: any text, so hashed into a safe key.
        _digest(project.organisation.name),
        project.assessment_count,
        latest.pk if latest else 0,
        latest.revision if latest else 0,
        latest.answered if latest else 0,
    )
