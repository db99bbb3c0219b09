"""Reports as PDF: a template renders to HTML, and WeasyPrint turns the HTML into bytes.

WeasyPrint reads nothing over the network: stylesheets, images and fonts named by `/static/...`
URLs come from disk through the staticfiles finders, and every other URL is refused.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import os
import posixpath
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .catalog import catalog
from .models import ChecklistVersion

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)

AUTHOR = "westcheck"

# Root-relative URLs in the HTML ("/static/css/pdf.css") resolve against this origin. The
# `.invalid` top-level domain never resolves (RFC 2606); the fetcher below never connects anyway.
BASE_URL = "http://westcheck.invalid/"

# Tagged for screen readers and reflow; subset fonts and compressed object streams keep it small.
PDF_OPTIONS: dict[str, Any] = {
    "pdf_tags": True,
    "uncompressed_pdf": False,
    "full_fonts": False,
    "optimize_images": True,
}


class RefusedURL(ValueError):
    """A URL that the PDF renderer will not fetch: only static files on disk are allowed."""


@functools.cache
def _weasyprint():
    # Importing WeasyPrint takes about half a second: pay it once, and only when rendering.
    import weasyprint

    return weasyprint


def static_file_path(url: str) -> str:
    """Return the path on disk of the static file that `url` names; raise RefusedURL otherwise."""
    prefix = urlsplit(urljoin(BASE_URL, settings.STATIC_URL))
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc) or not parts.path.startswith(
        prefix.path
    ):
        raise RefusedURL(f"not a static file URL, refused: {url}")
    name = unquote(parts.path[len(prefix.path) :])
    normalised = posixpath.normpath(name) if name else ""
    if (
        not normalised
        or normalised.startswith(("../", "/"))
        or normalised in {".", ".."}
        or "\\" in name
        or "\0" in name
    ):
        raise RefusedURL(f"not a static file name, refused: {url}")
    path = finders.find(normalised)
    if path is None:
        # After collectstatic, {% static %} may give a hashed name that only STATIC_ROOT holds.
        try:
            path = staticfiles_storage.path(normalised)
        except NotImplementedError:  # a remote storage: not on this disk
            path = None
    if not path or not os.path.isfile(path):
        raise RefusedURL(f"no such static file: {normalised}")
    return path


@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Serve static files from disk; refuse everything else, network and file:// alike."""

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            try:
                path = static_file_path(url)
            except RefusedURL as exc:
                logger.warning("PDF rendering: %s", exc)
                raise
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as f:
                body = f.read()
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticFilesFetcher


def static_url_fetcher():
    """A WeasyPrint URL fetcher that reads static files from disk and nothing else."""
    return _fetcher_class()(fail_on_errors=False)


def _w3c_datetime(moment: datetime) -> str:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open_with_outline(document, pdf) -> None:
    # Show the title rather than the file name, and open the bookmarks panel.
    import pydyf

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    pdf.catalog["PageMode"] = "/UseOutlines"


def render_pdf(
    html: str,
    *,
    title: str,
    language: str | None = None,
    description: str | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """Turn HTML into PDF bytes; the same inputs and `generated_at` give the same bytes.

    `language` defaults to the HTML's `lang`; `generated_at` (default: now) becomes the PDF's
    creation and modification dates, the only parts of the file that change from run to run.
    """
    weasyprint = _weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=static_url_fetcher()
    ).render(**PDF_OPTIONS)
    metadata = document.metadata
    metadata.title = title
    metadata.authors = [AUTHOR]
    metadata.generator = AUTHOR
    if language:
        metadata.lang = language
    if description:
        metadata.description = description
    metadata.created = metadata.modified = _w3c_datetime(generated_at or timezone.now())
    return document.write_pdf(finisher=_open_with_outline, **PDF_OPTIONS)


# --- The blank checklist ------------------------------------------------------------------


def blank_checklist_context(version: ChecklistVersion) -> dict[str, Any]:
    content = catalog(version)
    sections, questions, document = content.sections, content.questions, content.document
    return {
        "checklist": version,
        "document_language": version.language,
        "sections": sections,
        "question_count": len(questions),
        "critical_count": sum(q.critical for q in questions),
        "scoring": document["scoring"],
        "source": document["source"],
        "flags": document["flags"],
    }


def blank_checklist_pdf(
    version: ChecklistVersion, *, generated_at: datetime | None = None
) -> bytes:
    """A printable checklist with boxes to tick and lines to write on, for offline workshops."""
    html = render_to_string("checklists/pdf/blank_checklist.html", blank_checklist_context(version))
    title = _("%(title)s (version %(version)s): blank checklist for workshops") % {
        "title": version.title,
        "version": version.version,
    }
    return render_pdf(
        html,
        title=title,
        language=version.language,
        description=version.subtitle or None,
        generated_at=generated_at,
    )


# --- The assessment readiness report -----------------------------------------------------


def _next_step(gap: dict) -> str:
    if not gap["rating"]:
        return _("Answer this question first: the team may already have this in place.")
    if gap["rating"] == "planned":
        return _("Carry out the plan and record the evidence.")
    return _("Agree who will put this in place, and by when.")


def assessment_report_context(
    assessment, *, generated_at: datetime | None = None, state=None
) -> dict[str, Any]:
    """Everything the report shows, for the PDF and the HTML preview alike (2 queries, 1 when
    the caller already has the assessment's `state`)."""
    from .models import Action
    from .selectors import assessment_state, assessment_summary, integrity_hash

    state = state or assessment_state(assessment)
    summary = assessment_summary(state)
    checklist = assessment.checklist
    questions = {q.key: q for q in state.questions}
    planned = {a.question_id: a for a in Action.objects.filter(assessment=assessment)}
    unmet_critical = [
        key
        for key in state.result.unmet_critical
        if key not in {gap["key"] for gap in summary["gaps"]}
    ]
    actions = []
    for gap in summary["gaps"] + [
        {
            "key": key,
            "question": questions[key],
            "rating": questions[key].rating,
            "rating_label": questions[key].rating_label,
            "blocking": False,
            "flag_items": [],
            "text": questions[key].text,
            "good": questions[key].guidance.get("good", ""),
        }
        for key in unmet_critical
    ]:
        question = gap["question"]
        actions.append({**gap, "next_step": _next_step(gap), "action": planned.get(question.pk)})
    digest = integrity_hash(state)
    return {
        "assessment": assessment,
        "project": assessment.project,
        "organisation": assessment.project.organisation,
        "checklist": checklist,
        "source": checklist.source,
        "scoring": checklist.scoring,
        "state": state,
        "result": state.result,
        **summary,
        "actions": actions,
        "other_gaps": [g for g in summary["gaps"] if not g["blocking"]],
        "integrity_hash": digest,
        "integrity_short": " ".join(digest[i : i + 4] for i in range(0, 16, 4)),
        "generated_at": generated_at or timezone.now(),
        "is_draft": not assessment.is_submitted,
        "document_language": checklist.language,
        "section_chart_title": _("Score by section"),
        "principle_chart_title": _("Score by WEST principle"),
    }


def assessment_report_pdf(assessment, *, generated_at: datetime | None = None) -> bytes:
    context = assessment_report_context(assessment, generated_at=generated_at)
    html = render_to_string("checklists/pdf/assessment_report.html", context)
    return render_pdf(
        html,
        title=_("Readiness report: %(title)s") % {"title": assessment.title},
        language=assessment.checklist.language,
        description=_("WEST Principles readiness report for %(project)s")
        % {"project": assessment.project.name},
        generated_at=context["generated_at"],
    )
