"""Evidence files are told by their content: each accepted kind, and each refusal with its
reason, for files built here byte by byte (a renamed page, a zip bomb, a PDF with a script, a
photo with its location)."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile

import pytest
from PIL import Image

from checklists.evidence_files import CHUNK, KINDS, FileRefused, clean_name, inspect

MB = 1024 * 1024
LIMIT = 10 * MB


def check(content: bytes, name: str = "evidence.bin", limit: int = LIMIT):
    return inspect(io.BytesIO(content), name, limit)


def refused(content: bytes, name: str = "evidence.bin", limit: int = LIMIT) -> str:
    with pytest.raises(FileRefused) as caught:
        check(content, name, limit)
    return str(caught.value)


def package(parts: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DOCX = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}


def image(fmt: str, mode: str = "RGB", size=(40, 30), **save) -> bytes:
    picture = Image.new(mode, size, "red" if mode != "P" else 1)
    out = io.BytesIO()
    picture.save(out, format=fmt, **save)
    return out.getvalue()


def test_a_pdf_is_accepted_with_its_hash_and_size():
    found = check(PDF, "Grievance procedure.pdf")
    assert found.kind.key == "pdf"
    assert found.name == "Grievance procedure.pdf"
    assert found.size == len(PDF)
    assert found.sha256 == hashlib.sha256(PDF).hexdigest()
    assert found.replacement is None


def test_a_page_renamed_pdf_is_refused_as_html():
    message = refused(b"<!DOCTYPE html><html><script>alert(1)</script></html>", "policy.pdf")
    assert "HTML, SVG and XML files are not accepted" in message


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'\xef\xbb\xbf  <?xml version="1.0"?><svg/>',
        b"\n\n<HTML><body>hi</body></HTML>",
    ],
    ids=["svg", "xml-svg", "html"],
)
def test_svg_and_markup_are_refused_whatever_their_name(content):
    assert "can run scripts" in refused(content, "drawing.png")


def test_a_pdf_with_javascript_is_refused():
    hostile = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>")
    assert "contains JavaScript" in refused(hostile, "form.pdf")
    short = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /AA << /O << /JS (app.alert(1)) >> >>")
    assert "contains JavaScript" in refused(short, "form.pdf")


def test_a_script_name_split_across_two_reads_is_found():
    padding = b"%" + b" " * (CHUNK - len(PDF) - 4) + b"\n"
    hostile = PDF + padding + b"/JavaScript (x)\n"
    assert hostile.index(b"/JavaScript") < CHUNK < hostile.index(b"/JavaScript") + 11
    assert "contains JavaScript" in refused(hostile)


def test_a_pdf_naming_a_font_that_starts_with_js_is_not_a_script():
    assert check(PDF.replace(b"/Pages 2 0 R", b"/Font /JSans /Pages 2 0 R")).kind.key == "pdf"


def test_a_file_one_byte_over_the_limit_is_refused_and_one_at_it_accepted():
    assert "larger than 10 MB" in refused(b"a" * (LIMIT + 1), "notes.txt")
    assert check(b"a" * LIMIT, "notes.txt").size == LIMIT


def test_the_upload_is_read_in_chunks_not_whole():
    reads = []

    class Counting(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    inspect(Counting(b"a" * (3 * CHUNK)), "notes.txt", LIMIT)
    assert reads
    assert all(0 < size <= CHUNK for size in reads)


def test_an_empty_file_is_refused():
    assert "empty" in refused(b"", "nothing.pdf")


@pytest.mark.parametrize(
    ("parts", "kind"),
    [
        (DOCX, "docx"),
        ({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}, "xlsx"),
        ({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}, "pptx"),
        ({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}, "odt"),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
            "ods",
        ),
    ],
)
def test_office_documents_are_told_by_their_parts(parts, kind):
    found = check(package(parts), "Consent script.zip")
    assert found.kind.key == kind
    assert found.name == f"Consent script.{KINDS[kind].extension}"


def test_a_zip_bomb_named_docx_is_refused():
    bomb = package({**DOCX, "word/media/fill.bin": b"\0" * (50 * MB)})
    assert len(bomb) < MB
    assert "unpacks to far more than its size" in refused(bomb, "training record.docx")


def test_a_document_with_macros_is_refused():
    macro = package({**DOCX, "word/vbaProject.bin": b"Attribute VB_Name"})
    assert "macros" in refused(macro, "record.docx")


def test_a_plain_zip_is_refused_as_an_archive():
    assert "Archives are not accepted" in refused(package({"a.txt": b"hello"}), "files.docx")


@pytest.mark.parametrize(
    "content",
    [
        gzip.compress(b"hello", mtime=0),
        b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 40,
        b"Rar!\x1a\x07\x00" + b"\0" * 40,
        b"notes.txt".ljust(257, b"\0") + b"ustar\x0000" + b"\0" * 300,
    ],
    ids=["gzip", "7z", "rar", "tar"],
)
def test_archives_are_refused(content):
    assert "Archives are not accepted" in refused(content, "evidence.pdf")


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 100,
        b"\x7fELF\x02\x01\x01\x00" + b"\0" * 100,
        b"#!/bin/sh\nrm -rf /\n",
    ],
    ids=["windows", "linux", "script"],
)
def test_programs_and_scripts_are_refused(content):
    assert "Programs and scripts" in refused(content, "report.pdf")


def test_a_text_that_starts_like_a_program_is_still_a_text():
    assert check(b"MZ region: 12 sites visited\n", "visits.txt").kind.key == "txt"


def test_old_office_and_outlook_files_are_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert "Old Office and Outlook files" in refused(ole, "minutes.doc")


def test_an_email_file_is_refused():
    mail = (
        b"Return-Path: <worker@example.org>\r\nReceived: from mx.example.org\r\n"
        b"MIME-Version: 1.0\r\nSubject: grievance\r\n\r\nMy supervisor...\r\n"
    )
    assert "E-mail files are not accepted" in refused(mail, "message.txt")


def test_utf8_text_is_accepted_as_csv_or_txt_by_its_name():
    table = "site,hotline calls\nDhaka,12\nSão Paulo,3\n".encode()
    assert check(table, "calls.CSV").kind.key == "csv"
    assert check(table, "calls").kind.key == "txt"


@pytest.mark.parametrize(
    "content", ["café".encode("latin-1"), b"text\0with a nul byte"], ids=["latin-1", "nul"]
)
def test_text_that_is_not_utf8_is_refused(content):
    assert "not accepted" in refused(content, "notes.txt")


def test_a_photo_loses_its_location_and_device_and_is_turned_upright():
    picture = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show upright
    exif[0x8825] = {1: "N", 2: (23.0, 48.0, 0.0), 3: "E", 4: (90.0, 25.0, 0.0)}  # GPS
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif, comment=b"taken at the factory gate")
    original = out.getvalue()
    assert b"PhoneMaker" in original

    found = check(original, "IMG_0042.JPG")
    assert found.kind.key == "jpeg"
    assert found.name == "IMG_0042.jpg"
    stored = found.replacement
    assert found.size == len(stored)
    assert found.sha256 == hashlib.sha256(stored).hexdigest()
    assert b"PhoneMaker" not in stored
    assert b"factory gate" not in stored
    with Image.open(io.BytesIO(stored)) as cleaned:
        assert not cleaned.getexif()
        assert cleaned.size == (20, 40)


def test_a_png_loses_its_text_chunks_and_keeps_its_transparency():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Worker, +880 1711 000000")
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([255, 0, 0, 0, 255, 0])
    out = io.BytesIO()
    palette.save(out, format="PNG", pnginfo=info, transparency=0)
    found = check(out.getvalue(), "diagram.png")
    assert b"Jane Worker" not in found.replacement
    with Image.open(io.BytesIO(found.replacement)) as cleaned:
        assert cleaned.mode == "RGBA"
        assert cleaned.getpixel((0, 0))[3] == 0


def test_a_webp_is_encoded_again():
    found = check(image("WEBP"), "photo.webp")
    assert found.kind.key == "webp"
    assert found.replacement.startswith(b"RIFF")


@pytest.mark.parametrize("lenient", [False, True], ids=["pillow-default", "weasyprint-loaded"])
def test_a_damaged_image_is_refused(monkeypatch, lenient):
    """Even once WeasyPrint has told Pillow, for the whole process, to fill in truncated
    images."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    truncated = image("JPEG", size=(200, 200))
    assert "damaged" in refused(truncated[: len(truncated) // 2], "scan.jpg")
    assert "damaged" in refused(image("PNG", size=(200, 200))[:120], "scan.png")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is lenient


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded():
    huge = image("PNG", mode="1", size=(8000, 8000))
    assert len(huge) < MB
    assert "too many pixels" in refused(huge, "poster.png")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\dana\\Desktop\\plan.pdf", "plan.pdf"),
        ("report\u202efdp.exe", "reportfdp.pdf"),
        ("  spaced \t out\n name .pdf ", "spaced out name.pdf"),
        ("", "evidence.pdf"),
        ("...", "evidence.pdf"),
        ("procedure.docx", "procedure.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_the_shown_name_is_cleaned_and_ends_as_the_file_is(name, shown):
    assert clean_name(name, KINDS["pdf"]) == shown
