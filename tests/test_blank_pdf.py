"""The blank checklist PDF for workshops, and the PDF renderer under it."""

import copy
import io
import os
import re
import socket
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from checklists import reports
from checklists.models import ChecklistVersion
from checklists.services import checklist_version_import

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
GENERATED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ATTRIBUTION = (
    "Questions: WEST Principles white paper, March 2019, Ethos Matters for the WEST community"
)
SECTION_TITLES = [
    "Define the project purpose and mission",
    "Understand the local context and acceptance",
    "Establish a mechanism for remedy",
    "Verify a safe and enabling environment",
    "Verify accessibility for vulnerable groups",
    "Assess and mitigate privacy risks",
    "Develop a plan of action for getting informed consent",
    "Create opportunities for ownership",
    "Define how results will be used and shared",
]


def bundled_version() -> ChecklistVersion:
    return ChecklistVersion.objects.get(slug="west-operations-checklist", version="2019-03")


@pytest.fixture(scope="module")
def blank_pdf(django_db_setup, django_db_blocker) -> bytes:
    # Rendering takes a second or two: once for the module. It only reads the bundled checklist.
    with django_db_blocker.unblock():
        return reports.blank_checklist_pdf(bundled_version(), generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def reader(blank_pdf) -> PdfReader:
    return PdfReader(io.BytesIO(blank_pdf))


@pytest.fixture(scope="module")
def text(reader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def short_version() -> ChecklistVersion:
    """A second published version with two sections of one question each."""
    document = copy.deepcopy(bundled_version().document)
    document["version"] = "2019-03-short"
    document["sections"] = document["sections"][:2]
    for section in document["sections"]:
        section["questions"] = section["questions"][:1]
    version, _ = checklist_version_import(document=document)
    return version


def test_blank_checklist_is_a_pdf_of_a4_pages(blank_pdf, reader):
    assert blank_pdf.startswith(b"%PDF-")
    assert 10 <= len(reader.pages) <= 20
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_blank_checklist_has_every_question_key(text):
    version = bundled_version()
    keys = list(version.questions.values_list("key", flat=True))
    assert len(keys) == 60
    for key in keys:
        assert re.search(rf"(?<![\d.]){re.escape(key)}(?![\d])", text), key


def test_blank_checklist_credits_the_white_paper_on_every_page(reader, text):
    assert ATTRIBUTION in text
    assert bundled_version().source["attribution"] in text
    for page in reader.pages:
        assert ATTRIBUTION in re.sub(r"\s+", " ", page.extract_text())


def test_blank_checklist_numbers_its_pages(reader):
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in reader.pages[0].extract_text()
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()


def test_blank_checklist_explains_the_scale_and_marks_questions(text):
    for label in ["Not started", "Planned", "In place with evidence", "Not applicable"]:
        assert label in text
    for badge in ["Critical", "Remedy", "Informed consent", "Privacy", "N/A allowed"]:
        assert badge in text
    assert "Blank checklist for workshops".upper() in text.upper()
    for field in ["Project name", "Organisation", "Date", "Participants"]:
        assert field in text


def test_blank_checklist_has_a_bookmark_per_section(reader):
    titles = [item.title for item in reader.outline]
    # Only the introduction and the sections: question headings are not bookmarks.
    assert titles == ["How to use this checklist"] + [
        f"{number}. {title}" for number, title in enumerate(SECTION_TITLES, start=1)
    ]


def test_blank_checklist_metadata_names_the_checklist(reader):
    metadata = reader.metadata
    assert "WEST Principles Operations Checklist" in metadata.title
    assert "2019-03" in metadata.title
    assert metadata.author == "westcheck"
    assert metadata["/CreationDate"] == "D:20250301093000Z"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert catalog["/MarkInfo"]["/Marked"]  # tagged PDF
    assert "/StructTreeRoot" in catalog


def test_building_the_blank_checklist_takes_three_queries_then_none(
    django_assert_num_queries, short_version
):
    for version in [bundled_version(), short_version]:
        # 1. the version's document, 2. its sections, 3. their questions; then all in memory.
        with django_assert_num_queries(3):
            reports.blank_checklist_pdf(version, generated_at=GENERATED_AT)
        with django_assert_num_queries(0):
            reports.blank_checklist_pdf(version, generated_at=GENERATED_AT)


def test_same_generation_time_gives_identical_bytes(blank_pdf):
    again = reports.blank_checklist_pdf(bundled_version(), generated_at=GENERATED_AT)
    assert again == blank_pdf


def test_generation_time_is_the_only_thing_that_changes():
    html = '<html lang="en"><body><h1>Report</h1></body></html>'
    first = reports.render_pdf(html, title="Report", generated_at=GENERATED_AT)
    later = reports.render_pdf(
        html, title="Report", generated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    assert first != later
    assert PdfReader(io.BytesIO(later)).metadata["/ModDate"] == "D:20260102030405Z"
    assert first == reports.render_pdf(html, title="Report", generated_at=GENERATED_AT)


def test_static_urls_are_read_from_disk():
    response = reports.static_url_fetcher().fetch(reports.BASE_URL + "static/css/pdf.css")
    assert response.content_type == "text/css"
    assert response.read() == (BASE_DIR / "static" / "css" / "pdf.css").read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/static/css/pdf.css",  # a static path, on another host
        "file:///etc/passwd",
        "data:text/css,body{color:red}",
        reports.BASE_URL + "media/upload.png",
        reports.BASE_URL + "static/../westcheck/settings.py",
        reports.BASE_URL + "static/%2e%2e/westcheck/settings.py",
        reports.BASE_URL + "static/css/no-such-file.css",
    ],
)
def test_anything_but_a_static_file_is_refused(url):
    with pytest.raises(reports.RefusedURL):
        reports.static_url_fetcher().fetch(url)


def test_rendering_never_touches_the_network_or_local_files(monkeypatch):
    connections = []

    def no_network(*args, **kwargs):
        connections.append(args)
        raise OSError("network access during PDF rendering")

    # urllib is what WeasyPrint's own fetcher uses, for http:// and file:// alike.
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)

    refused = []
    real_static_file_path = reports.static_file_path

    def spy(url):
        try:
            return real_static_file_path(url)
        except reports.RefusedURL:
            refused.append(url)
            raise

    monkeypatch.setattr(reports, "static_file_path", spy)
    html = """<html lang="en"><head>
        <link rel="stylesheet" href="https://example.com/remote.css"></head><body>
        <p>Logo</p><img src="http://example.com/x.png" alt=""><img src="file:///etc/hostname" alt="">
        </body></html>"""
    pdf = reports.render_pdf(html, title="Refusals", generated_at=GENERATED_AT)
    assert pdf.startswith(b"%PDF-")
    assert connections == []
    assert sorted(refused) == [
        "file:///etc/hostname",
        "http://example.com/x.png",
        "https://example.com/remote.css",
    ]


def test_importing_reports_does_not_import_weasyprint():
    # Views import reports; only processes that really render a PDF should pay for WeasyPrint.
    code = (
        "import sys, django; django.setup(); import checklists.reports; "
        "print('weasyprint' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "westcheck.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "False", result.stderr
    assert reports._weasyprint() is reports._weasyprint()


# --- Served once rendered ------------------------------------------------------------------

BLANK_URL = "/checklists/west-operations-checklist/2019-03/blank.pdf"


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The titles of the PDFs WeasyPrint is asked to render, one per rendering."""
    calls = []
    real_render_pdf = reports.render_pdf

    def counting(html, **kwargs):
        calls.append(kwargs["title"])
        return real_render_pdf(html, **kwargs)

    monkeypatch.setattr(reports, "render_pdf", counting)
    return calls


@pytest.fixture
def fresh_fingerprint():
    """Each test works out the renderer's fingerprint anew, and leaves none behind."""
    fingerprint = reports.blank_checklist_fingerprint  # a test may replace it
    fingerprint.cache_clear()
    yield
    fingerprint.cache_clear()


def test_blank_pdf_is_rendered_once_then_served_from_the_database(client, renders):
    first = client.get(BLANK_URL)
    second = client.get(BLANK_URL)
    assert len(renders) == 1
    assert first.status_code == second.status_code == 200
    assert first.content.startswith(b"%PDF-")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', first["ETag"])  # strong: not W/"..."
    assert second["Cache-Control"] == "public, max-age=86400"
    assert second["Content-Type"] == "application/pdf"
    assert second["Content-Disposition"] == (
        'inline; filename="west-operations-checklist-2019-03-blank.pdf"'
    )
    from checklists.models import RenderedDocument

    stored = RenderedDocument.objects.get()
    assert f'"{stored.key}"' == first["ETag"]
    assert (bytes(stored.content), stored.size) == (first.content, len(first.content))
    assert stored.content_type == "application/pdf"


def test_a_browser_that_has_the_blank_pdf_gets_a_304_without_the_pdf_being_read(
    client, renders, django_assert_num_queries
):
    etag = client.get(BLANK_URL)["ETag"]
    # 1. the checklist version: its content hash is part of the ETag.
    with django_assert_num_queries(1):
        response = client.get(BLANK_URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=86400"
    assert len(renders) == 1


def test_serving_a_stored_blank_pdf_takes_two_queries(client, django_assert_num_queries):
    client.get(BLANK_URL)
    # 1. the checklist version, 2. the stored PDF's bytes.
    with django_assert_num_queries(2):
        response = client.get(BLANK_URL)
    assert response.status_code == 200


def test_blank_pdf_is_not_compressed_again_and_keeps_a_strong_etag(client):
    # Its streams are compressed already; gzip would weaken the ETag to W/"...".
    response = client.get(BLANK_URL, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in response
    assert not response["ETag"].startswith("W/")
    assert response.content.startswith(b"%PDF-")


def test_a_new_renderer_renders_the_blank_pdf_again(
    client, renders, monkeypatch, fresh_fingerprint
):
    old = client.get(BLANK_URL)
    monkeypatch.setattr(reports, "blank_checklist_fingerprint", lambda: "a new template")
    new = client.get(BLANK_URL)
    assert len(renders) == 2
    assert new["ETag"] != old["ETag"]
    # A browser holding the old PDF gets the new one.
    assert client.get(BLANK_URL, HTTP_IF_NONE_MATCH=old["ETag"]).status_code == 200
    assert len(renders) == 2
    from checklists.models import RenderedDocument

    assert RenderedDocument.objects.count() == 2


def test_two_first_requests_at_once_both_get_the_pdf(client, monkeypatch):
    """Two processes may both find nothing stored and both render. The second one's insert
    meets the first one's row: it serves that row, and stores nothing."""
    from django.db.models import QuerySet

    from checklists.models import RenderedDocument

    real_pdf, real_get = reports.blank_checklist_pdf, QuerySet.get
    theirs = []

    def render_while_another_process_stores_it(version, **kwargs):
        body = real_pdf(version, **kwargs)
        theirs.append(body + b"% rendered by the other process\n")
        RenderedDocument.objects.create(
            key=reports.blank_checklist_key(version),
            content=theirs[0],
            content_type="application/pdf",
            size=len(theirs[0]),
        )
        return body

    def get_too_early_to_see_it(queryset, *args, **kwargs):
        # The other process commits between this process's look-up and its insert.
        if queryset.model is RenderedDocument and len(theirs) == 1:
            theirs.append("looked")
            raise RenderedDocument.DoesNotExist
        return real_get(queryset, *args, **kwargs)

    monkeypatch.setattr(reports, "blank_checklist_pdf", render_while_another_process_stores_it)
    monkeypatch.setattr(QuerySet, "get", get_too_early_to_see_it)
    response = client.get(BLANK_URL)
    assert response.status_code == 200
    assert response.content == theirs[0]
    assert RenderedDocument.objects.count() == 1


def test_blank_pdf_carries_the_date_its_version_was_published_not_the_time_of_rendering():
    version = bundled_version()
    metadata = PdfReader(io.BytesIO(reports.blank_checklist_pdf(version))).metadata
    published = version.loaded_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")
    assert metadata["/CreationDate"] == metadata["/ModDate"] == published


def test_renderer_fingerprint_follows_the_bytes_of_its_files_not_where_they_are(tmp_path):
    template = tmp_path / "one" / "blank.html"
    template.parent.mkdir()
    template.write_bytes(b"<p>Tick one box.</p>")
    versions = {"weasyprint": "70.0"}
    before = reports.inputs_fingerprint({"template:blank.html": str(template)}, versions)
    moved = tmp_path / "two" / "blank.html"
    moved.parent.mkdir()
    moved.write_bytes(template.read_bytes())
    assert reports.inputs_fingerprint({"template:blank.html": str(moved)}, versions) == before
    template.write_bytes(b"<p>Tick one box only.</p>")
    assert reports.inputs_fingerprint({"template:blank.html": str(template)}, versions) != before
    assert (
        reports.inputs_fingerprint({"template:blank.html": str(moved)}, {"weasyprint": "71.0"})
        != before
    )


def test_editing_a_template_of_the_blank_checklist_changes_its_key(
    settings, tmp_path, fresh_fingerprint
):
    version = bundled_version()
    before = reports.blank_checklist_key(version)
    assert reports.blank_checklist_key(version) == before
    # The same template, one line longer, found first.
    edited = tmp_path / "checklists" / "pdf" / "base.html"
    edited.parent.mkdir(parents=True)
    original = BASE_DIR / "templates" / "checklists" / "pdf" / "base.html"
    edited.write_bytes(original.read_bytes() + b"\n")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    reports.blank_checklist_fingerprint.cache_clear()
    assert reports.blank_checklist_key(version) != before


def test_every_file_the_blank_checklist_reads_is_in_its_fingerprint(monkeypatch):
    """A template or a static file added to the blank checklist must join the renderer's
    fingerprint (reports.blank_checklist_inputs), or a stored PDF would outlive a change."""
    from django.test.signals import template_rendered

    templates, static_files = set(), set()

    def on_render(sender, template, **kwargs):
        templates.add(template.origin.name)

    real_static_file_path = reports.static_file_path

    def spy(url):
        path = real_static_file_path(url)
        static_files.add(path)
        return path

    monkeypatch.setattr(reports, "static_file_path", spy)
    template_rendered.connect(on_render)
    try:
        reports.blank_checklist_pdf(bundled_version())
    finally:
        template_rendered.disconnect(on_render)
    inputs = set(reports.blank_checklist_inputs()[0].values())
    assert templates
    assert templates <= inputs
    assert static_files
    assert static_files <= inputs
