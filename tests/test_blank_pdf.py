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
