"""Reports as PDF: a template renders to HTML, and WeasyPrint turns the HTML into bytes.

WeasyPrint reads nothing over the network: stylesheets, images and fonts named by `/static/...`
URLs come from disk through the staticfiles finders, and every other URL is refused.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import mimetypes
import os
import posixpath
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from . import links
from .catalog import catalog, version_fragment
from .models import ChecklistVersion
from .scoring import NOT_APPLICABLE, met_ratings

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


@functools.lru_cache(maxsize=8)
def outlined_text_svg(text: str, *, colour: str = "#a4262c", opacity: float = 0.13) -> str:
    """`text` in DejaVu Sans Bold as SVG paths, or "" when that cannot be drawn faithfully.

    A watermark drawn as text ends up inside the text of every page that copying, searching or
    a screen reader gets: its rotated letters come out one by one between the lines. Outlines
    are shapes, so they stay out of it. Glyphs are placed one after another without shaping,
    which is right only for scripts that need none; other texts get "" (and the caller draws
    the mark as text).
    """
    if not text or any(ord(char) >= 0x0590 for char in text):  # Hebrew and beyond are shaped
        return ""
    font_file = _bold_font_file()
    if not font_file:
        return ""
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.ttLib import TTFont

    font = TTFont(font_file, lazy=True)
    cmap, glyphs, metrics = font.getBestCmap(), font.getGlyphSet(), font["hmtx"]
    if any(ord(char) not in cmap for char in text):
        return ""
    paths, x = [], 0
    for char in text:
        name = cmap[ord(char)]
        pen = SVGPathPen(glyphs)
        glyphs[name].draw(pen)
        if pen.getCommands():
            paths.append(f'<path transform="translate({x} 0)" d="{pen.getCommands()}"/>')
        x += metrics[name][0]
    ascent, descent = font["hhea"].ascent, font["hhea"].descent
    # Font units grow upwards; SVG's y axis grows downwards.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 {-ascent} {x} {ascent - descent}" '
        f'aria-hidden="true"><g transform="scale(1 -1)" '
        f'fill="{colour}" fill-opacity="{opacity}">{"".join(paths)}</g></svg>'
    )


@functools.cache
def _bold_font_file() -> str:
    return _font_file("DejaVu Sans:bold")


def _font_file(pattern: str) -> str:
    """The font file that fontconfig, and so WeasyPrint, picks for `pattern`, or ""."""
    import shutil
    import subprocess

    if not shutil.which("fc-match"):
        return ""
    found = subprocess.run(
        ["fc-match", "--format=%{file}", pattern],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return found if found.endswith(".ttf") and os.path.isfile(found) else ""


# The stylesheets of each kind of PDF, as static file names. They are handed to WeasyPrint
# already parsed rather than named by <link> elements, which it would parse again for every
# document: about a tenth of the time of a report.
BLANK_CHECKLIST_CSS = ("css/pdf.css",)
REPORT_CSS = ("css/pdf.css", "css/charts.css", "css/report.css")


def static_path(name: str) -> str:
    """The path on disk of a static file named as in {% static %}: "css/pdf.css"."""
    return static_file_path(urljoin(BASE_URL, settings.STATIC_URL + name))


def _stylesheets(names: tuple[str, ...]) -> list:
    paths = [static_path(name) for name in names]
    # Keyed by modification time too, so that an edited stylesheet is read again.
    return [_parsed_stylesheet(path, os.stat(path).st_mtime_ns) for path in paths]


@functools.lru_cache(maxsize=16)
def _parsed_stylesheet(path: str, mtime_ns: int):
    return _weasyprint().CSS(filename=path, url_fetcher=static_url_fetcher())


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
    stylesheets: tuple[str, ...] = (),
    author: str = AUTHOR,
    language: str | None = None,
    description: str | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """Turn HTML into PDF bytes; the same inputs and `generated_at` give the same bytes.

    `stylesheets` names the static CSS files that style the HTML.
    `language` defaults to the HTML's `lang`; `generated_at` (default: now) becomes the PDF's
    creation and modification dates, the only parts of the file that change from run to run.
    """
    weasyprint = _weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=static_url_fetcher()
    ).render(stylesheets=_stylesheets(stylesheets), **PDF_OPTIONS)
    metadata = document.metadata
    metadata.title = title
    metadata.authors = [author]
    metadata.generator = AUTHOR
    if language:
        metadata.lang = language
    if description:
        metadata.description = description
    metadata.created = metadata.modified = _w3c_datetime(generated_at or timezone.now())
    return document.write_pdf(finisher=_open_with_outline, **PDF_OPTIONS)


# Rendered PDFs are kept in the cache under a hash of their whole input, so an entry can never
# be out of date: a changed answer, plan, name or report date changes the HTML and so the key.
# With REDIS_URL every process shares them; without it each keeps its own.
PDF_CACHE_SECONDS = 3600


def reused_pdf(html: str, *, stylesheets: tuple[str, ...], **metadata) -> bytes:
    """render_pdf(html, ...), or the same bytes rendered before from the very same input.

    A person on a slow link who downloads a report again, or twice by mistake, gets it without
    another second of WeasyPrint. A cache that cannot be reached only costs that second.
    """
    renderer = (
        _pdf_renderer_fingerprint(stylesheets)
        if not settings.DEBUG
        else _pdf_renderer_fingerprint.__wrapped__(stylesheets)
    )
    parts = [html, list(stylesheets), sorted((k, str(v)) for k, v in metadata.items()), renderer]
    key = "pdf:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    try:
        found = caches["default"].get(key)
    except Exception:  # a cache server that is down: render as if it were empty
        logger.warning("PDF cache unavailable; rendering", exc_info=True)
        found = None
    if found is not None:
        return found
    pdf = render_pdf(html, stylesheets=stylesheets, **metadata)
    try:
        caches["default"].set(key, pdf, PDF_CACHE_SECONDS)
    except Exception:
        logger.warning("PDF cache unavailable; not kept", exc_info=True)
    return pdf


@functools.cache
def _pdf_renderer_fingerprint(stylesheets: tuple[str, ...]) -> str:
    """What a PDF depends on besides its HTML: stylesheets, renderer code, fonts, libraries."""
    files = {f"static:{name}": static_path(name) for name in stylesheets}
    files |= {f"module:{name}": importlib.util.find_spec(name).origin for name in RENDERER_MODULES}
    files |= {f"font:{pattern}": path for pattern in FONT_PATTERNS if (path := _font_file(pattern))}
    versions = {name: importlib.metadata.version(name) for name in RENDERER_PACKAGES}
    return inputs_fingerprint(files, versions)


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
    """A printable checklist with boxes to tick and lines to write on, for offline workshops.

    Dated when the version was published (`generated_at` aside), not when it is rendered: the
    same version gives the same bytes, so that they can be stored (blank_checklist_key).
    """
    html = render_to_string("checklists/pdf/blank_checklist.html", blank_checklist_context(version))
    title = _("%(title)s (version %(version)s): blank checklist for workshops") % {
        "title": version.title,
        "version": version.version,
    }
    return render_pdf(
        html,
        stylesheets=BLANK_CHECKLIST_CSS,
        title=title,
        language=version.language,
        description=version.subtitle or None,
        generated_at=generated_at or version.loaded_at,
    )


# What the blank checklist's bytes depend on, besides its version and the language: these
# templates, its stylesheets (BLANK_CHECKLIST_CSS), the code that fills them, the translations,
# the fonts and the libraries that lay them out. tests/test_blank_pdf.py checks that every
# template and static file read while rendering is among them.
BLANK_CHECKLIST_TEMPLATES = (
    "checklists/pdf/blank_checklist.html",
    "checklists/pdf/base.html",
    "checklists/_condition.html",
)
RENDERER_MODULES = (
    "checklists.reports",
    "checklists.catalog",
    "checklists.models",
    "checklists.templatetags.westcheck",
)
RENDERER_PACKAGES = (
    "django",
    "weasyprint",
    "pydyf",
    "fonttools",
    "tinycss2",
    "cssselect2",
    "tinyhtml5",
    "pyphen",
    "pillow",
)
FONT_PATTERNS = (
    "DejaVu Sans",
    "DejaVu Sans:bold",
    "DejaVu Sans:italic",
    "DejaVu Sans:bold:italic",
)


def inputs_fingerprint(files: dict[str, str], versions: dict[str, str]) -> str:
    """A SHA-256 of files' bytes and of package versions.

    Files are named by what they are ("template:checklists/pdf/base.html"), not by where they
    are on disk: every host of a deployment gives the same fingerprint.
    """
    digest = hashlib.sha256()
    for name, path in sorted(files.items()):
        digest.update(f"{name}\0".encode() + hashlib.sha256(Path(path).read_bytes()).digest())
    for name, version in sorted(versions.items()):
        digest.update(f"{name}\0{version}\0".encode())
    return digest.hexdigest()


def blank_checklist_inputs() -> tuple[dict[str, str], dict[str, str]]:
    """The files (by name) and the package versions the blank checklist's bytes depend on."""
    files = {
        f"template:{name}": get_template(name).origin.name for name in BLANK_CHECKLIST_TEMPLATES
    }
    files |= {f"static:{name}": static_path(name) for name in BLANK_CHECKLIST_CSS}
    files |= {f"module:{name}": importlib.util.find_spec(name).origin for name in RENDERER_MODULES}
    files |= {
        f"locale:{path.relative_to(root)}": str(path)
        for root in map(Path, settings.LOCALE_PATHS)
        for path in root.glob("*/LC_MESSAGES/*.mo")
    }
    files |= {f"font:{pattern}": path for pattern in FONT_PATTERNS if (path := _font_file(pattern))}
    versions = {name: importlib.metadata.version(name) for name in RENDERER_PACKAGES}
    return files, versions


@functools.cache
def blank_checklist_fingerprint() -> str:
    """The blank checklist renderer's fingerprint, worked out once per process: a deployment
    that changes any of its inputs starts new processes."""
    return inputs_fingerprint(*blank_checklist_inputs())


def blank_checklist_key(version: ChecklistVersion) -> str:
    """The key under which the blank checklist is stored: a SHA-256 of everything its bytes
    depend on, in the language of the request."""
    # In development, the renderer is looked at every time, so that an edit shows at once.
    renderer = (
        inputs_fingerprint(*blank_checklist_inputs())
        if settings.DEBUG
        else blank_checklist_fingerprint()
    )
    parts = [
        "blank-checklist",
        version.content_hash,
        _w3c_datetime(version.loaded_at),  # the PDF's date
        translation.get_language(),
        renderer,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


# --- The assessment readiness report -----------------------------------------------------


def _next_step(rating: str | None) -> str:
    if not rating:
        return _("Answer this question first: the team may already have this in place.")
    if rating == "planned":
        return _("Carry out the plan and record the evidence.")
    return _("Agree who will put this in place, and by when.")


def action_plan(state, gaps: list[dict]) -> tuple[list[dict], list]:
    """The questions to act on, most urgent first, and the questions still to answer (1 query,
    for the planned actions; `gaps` are selectors.assessment_gaps(state)).

    Every applicable question below the met rating is an action: blocking gaps, then the other
    unmet critical questions (the conditions of a "ready with conditions" verdict), the other
    gaps in remedy, consent and privacy, and then the rest. Questions that are merely unanswered
    and neither critical nor flagged are listed apart, not as actions: answering comes first.
    A question that has an action keeps its row after it is met, so that finished work shows.
    """
    from .models import Action

    planned = {a.question_id: a for a in Action.objects.filter(assessment=state.assessment)}
    # Each label translated once per plan: get_status_display() translates every choice.
    statuses = {key: str(label) for key, label in Action.Status.choices}
    next_step = functools.cache(_next_step)  # and each step once per rating
    met_rating = met_ratings(state.assessment.checklist.scoring)
    met = {q.key for q in state.questions if q.rating in met_rating}
    gap_keys = {gap["key"]: gap for gap in gaps}
    unmet_critical = set(state.result.unmet_critical)

    def rank(q) -> int:
        gap = gap_keys.get(q.key)
        if gap and gap["blocking"]:
            return 0
        if q.key in unmet_critical:
            return 1
        if gap:
            return 2
        return 3 if q.key not in met else 4

    items, unanswered = [], []
    for q in state.questions:
        if q.state == "set_aside" or q.rating == NOT_APPLICABLE:
            continue
        action = planned.get(q.pk)
        is_met = q.key in met
        if is_met and action is None:
            continue
        urgency = rank(q)
        if q.state == "unanswered" and urgency == 3 and action is None:
            unanswered.append(q)
            continue
        gap = gap_keys.get(q.key)
        items.append(
            {
                "key": q.key,
                "question": q,
                "text": q.text,
                "rating": q.rating,
                "rating_label": q.rating_label or _("Not answered"),
                "blocking": bool(gap and gap["blocking"]),
                "critical": q.critical,
                "flag_items": gap["flag_items"] if gap else [],
                "met": is_met,
                "next_step": "" if is_met else next_step(q.rating),
                "evidence": q.evidence,
                "action": action,
                # Looked up through `action` in templates, a missing action is a slow lookup.
                "owner": action.owner if action else "",
                "due_date": action.due_date if action else None,
                "status_label": statuses.get(action.status, action.status) if action else "",
                "rank": urgency,
            }
        )
    # Stable: within a rank, the checklist's order.
    items.sort(key=lambda item: item["rank"])
    return items, unanswered


def _cover_lines(assessment, project) -> dict[str, str]:
    """The cover's status and project lines. Written here rather than in the template, where a
    date filter inside a translation block and three choice labels joined by filters were a
    tenth of the time of the report's body."""
    if assessment.submitted_at:
        status = _("Submitted on %(when)s by %(who)s") % {
            "when": date_format(timezone.localtime(assessment.submitted_at), "j F Y"),
            "who": assessment.submitter_name or "\N{EN DASH}",
        }
    else:
        status = assessment.get_status_display()
    facts = [project.countries, project.get_sector_display(), project.get_stage_display()]
    if project.channels:
        facts.append(", ".join(project.get_channels_display()))
    return {"status_line": status, "project_line": " · ".join(facts)}


def evidence_listing(files: list[dict], assessment) -> list[dict]:
    """The evidence files a report lists (submissions.frozen_files), each with when it was
    purged or deleted, if it was (1 query when there are files of a submitted assessment)."""
    from .models import EvidenceTombstone

    gone = {}
    if files and assessment.is_submitted:
        gone = dict(
            EvidenceTombstone.objects.filter(file_id__in=[f["id"] for f in files]).values_list(
                "file_id", "deleted_at"
            )
        )
    return [
        {
            **file,
            "uploaded_at": parse_datetime(file["uploaded_at"]),
            "gone_at": gone.get(file["id"]),
        }
        for file in files
    ]


def assessment_report_context(
    assessment, *, generated_at: datetime | None = None, state=None
) -> dict[str, Any]:
    """Everything the report shows, for the PDF and the HTML preview alike (2 queries, 1 when
    the caller already has the assessment's `state`)."""
    from .selectors import assessment_state, assessment_summary, report_integrity

    state = state or assessment_state(assessment, answerers=False)
    summary = assessment_summary(state)
    checklist = assessment.checklist
    project = assessment.project
    actions, unanswered = action_plan(state, summary["gaps"])
    digest, files = report_integrity(assessment, state)
    return {
        "assessment": assessment,
        "project": project,
        **_cover_lines(assessment, project),
        "organisation": assessment.project.organisation,
        "checklist": checklist,
        "source": checklist.source,
        "scoring": checklist.scoring,
        "state": state,
        "result": state.result,
        **summary,
        "actions": actions,
        "unanswered_keys": [q.key for q in unanswered],
        "other_gaps": [g for g in summary["gaps"] if not g["blocking"]],
        "integrity_hash": digest,
        "integrity_short": " ".join(digest[i : i + 4] for i in range(0, 16, 4)),
        "evidence_files": evidence_listing(files, assessment),
        "generated_at": generated_at or timezone.now(),
        "is_draft": not assessment.is_submitted,
        # Only a submitted report can be checked by someone without an account.
        "verify_url": (
            settings.SITE_ROOT.rstrip("/") + links.url("checklists:verify")
            if assessment.is_submitted
            else None
        ),
        "document_language": checklist.language,
        "section_chart_title": _("Score by section"),
        "principle_chart_title": _("Score by WEST principle"),
        "legend": version_fragment(checklist, "checklists/report/_legend.html"),
        "method": version_fragment(checklist, "checklists/report/_method.html"),
    }


def assessment_report_pdf(
    assessment, *, generated_at: datetime | None = None, reuse: bool = False
) -> bytes:
    """The readiness report as PDF bytes. With `reuse`, a report with the very same content
    and report date (to the minute, as printed) is served as rendered before (reused_pdf)."""
    if reuse:
        generated_at = (generated_at or timezone.now()).replace(second=0, microsecond=0)
    context = assessment_report_context(assessment, generated_at=generated_at)
    if context["is_draft"]:
        context["draft_mark"] = mark_safe(outlined_text_svg(_("DRAFT")))  # noqa: S308 - paths
    html = render_to_string("checklists/pdf/assessment_report.html", context)
    return (reused_pdf if reuse else render_pdf)(
        html,
        stylesheets=REPORT_CSS,
        # Named so that a folder of reports from several projects can be told apart.
        title=_("Readiness report: %(title)s · %(project)s")
        % {"title": assessment.title, "project": assessment.project.name},
        author=assessment.project.organisation.name,
        language=assessment.checklist.language,
        description=_("WEST Principles readiness report for %(project)s")
        % {"project": assessment.project.name},
        generated_at=context["generated_at"],
    )


# --- A submission under a share ---------------------------------------------------------------


def shared_footer(share, *, generated_at: datetime) -> str:
    """What every page of a PDF made under a share says: with whom, at what detail, when, and
    where anyone can check that it is still the current submission."""
    return _(
        "Shared with %(recipient)s, %(detail)s detail, %(date)s; share %(reference)s; "
        "verify at %(verify)s"
    ) % {
        "recipient": share.recipient.name,
        "detail": share.get_detail_display().lower(),
        "date": date_format(timezone.localtime(generated_at), "j M Y"),
        "reference": share.reference_display,
        "verify": settings.SITE_ROOT.rstrip("/") + links.url("checklists:verify"),
    }


def shared_report_pdf(page, *, share, generated_at: datetime | None = None) -> bytes:
    """The report of a shared submission, drawn from the share's SharedPage alone: nothing
    above the share's detail can reach it (selectors.sharing)."""
    generated_at = (generated_at or timezone.now()).replace(second=0, microsecond=0)
    context = {
        "page": page,
        "document_language": page.checklist.language,
        "footer": shared_footer(share, generated_at=generated_at),
    }
    html = render_to_string("checklists/pdf/shared_report.html", context)
    return reused_pdf(
        html,
        stylesheets=REPORT_CSS,
        title=_("Readiness report: %(project)s, submission %(number)d")
        % {"project": page.project.name, "number": page.shared.number},
        author=page.organisation_name,
        language=page.checklist.language,
        generated_at=generated_at,
    )


def cohort_report_pdf(
    cohort, *, rows, totals, charts, generated_at: datetime | None = None
) -> bytes:
    """The cohort's aggregates and one line per grantee, at summary-level fields only, which
    every share shows (selectors.portfolio)."""
    generated_at = (generated_at or timezone.now()).replace(second=0, microsecond=0)
    html = render_to_string(
        "checklists/pdf/cohort_report.html",
        {
            "cohort": cohort,
            "rows": rows,
            "totals": totals,
            "verdict_chart": charts[0],
            "gate_chart": charts[1],
            "generated_at": generated_at,
        },
    )
    return reused_pdf(
        html,
        stylesheets=REPORT_CSS,
        title=_("Cohort report: %(name)s") % {"name": cohort.name},
        author=cohort.funder.name,
        language=translation.get_language() or "en",
        generated_at=generated_at,
    )
