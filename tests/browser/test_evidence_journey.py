"""Evidence files in a browser, without JavaScript: an editor goes from a question to its files
by keyboard, uploads a page disguised as a PDF (refused, saying why), then the real document,
finds it listed beside the answer, and deletes it. Every page is checked by axe-core, at 1280
and 375 pixels.
"""

import pytest
from playwright.sync_api import expect

from checklists.models import EvidenceFile
from tests.browser.test_teams_journey import NARROW, WIDE
from tests.browser.test_walkthrough_journey import (  # noqa: F401 (fixtures)
    assessment,
    log_in,
    question,
    section_url,
    tab_to,
    team,
)

# ruff: noqa: F811

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_an_editor_attaches_evidence_to_an_answer(
    site, page, visit_without_javascript, team, assessment, tmp_path
):
    visit = visit_without_javascript
    log_in(page, site, team["amina"])
    page.goto(section_url(site, assessment, "3"))
    attach = question(page, "3.1").get_by_role("link", name="Attach a file")
    tab_to(page, attach)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Evidence files for question 3.1")).to_be_visible()
    expect(page.get_by_text("No workers' personal data")).to_be_visible()
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        visit.check(f"evidence-page-{viewport['width']}")

    disguised = tmp_path / "Grievance procedure.pdf"
    disguised.write_bytes(b"<!doctype html><html><script>alert(1)</script></html>")
    page.locator("#id_file").set_input_files(disguised)
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "HTML, SVG and XML files are not accepted"
    )
    visit.check("disguised-file-refused")
    assert not EvidenceFile.objects.exists()

    real = tmp_path / "Grievance procedure.pdf"
    real.write_bytes(PDF)
    page.locator("#id_file").set_input_files(real)
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Grievance procedure.pdf is attached to this answer.")).to_be_visible()
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        visit.check(f"file-listed-{viewport['width']}")

    page.get_by_role("link", name="Back to section 3").click()
    expect(
        question(page, "3.1").get_by_role("link", name="Grievance procedure.pdf")
    ).to_be_visible()
    visit.check("section-with-file")

    question(page, "3.1").get_by_role("link", name="Add or delete files").click()
    page.get_by_role("button", name="Delete Grievance procedure.pdf").click()
    expect(page.get_by_text("Grievance procedure.pdf is deleted.")).to_be_visible()
    expect(page.get_by_text("No file is attached to this answer.")).to_be_visible()
    visit.check("file-deleted")
