"""What an evidence file is, told by its content, never by its name: the kinds accepted, the
reasons for refusing the others, and what is stored of an image.

Evidence sits beside plans about vulnerable workers, so a file is accepted only when its bytes
are one of a short list of document and image kinds. Kinds that can run code when opened (HTML,
SVG, executables, documents with macros, PDFs with JavaScript) or hide other files (archives,
e-mails) are refused with the reason, so that people know what to upload instead. Images are
decoded and encoded again, which drops their location, device and other metadata.

`inspect` reads the upload in chunks (a 10 MB file is never held in memory whole, except an image,
which must be decoded to be cleaned) and either returns what to store or raises `FileRefused`.
Nothing here touches the database or the storage.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import threading
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

CHUNK = 64 * 1024
# An archive-based document may not unpack to more than this, nor any of its parts be more than
# RATIO times smaller packed than unpacked: past either, it is built to exhaust the server.
UNPACKED_LIMIT = 200 * 1024 * 1024
RATIO = 200
ZIP_ENTRIES = 5000
# An image is decoded to be cleaned: past this many pixels it is refused rather than decoded.
IMAGE_PIXELS = 50_000_000
NAME_LENGTH = 120


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    extension: str
    content_type: str


KINDS = {
    kind.key: kind
    for kind in (
        Kind("pdf", "PDF", "pdf", "application/pdf"),
        Kind("png", "PNG", "png", "image/png"),
        Kind("jpeg", "JPEG", "jpg", "image/jpeg"),
        Kind("webp", "WebP", "webp", "image/webp"),
        Kind(
            "docx",
            "DOCX",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Kind(
            "xlsx",
            "XLSX",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        Kind(
            "pptx",
            "PPTX",
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        Kind("odt", "ODT", "odt", "application/vnd.oasis.opendocument.text"),
        Kind("ods", "ODS", "ods", "application/vnd.oasis.opendocument.spreadsheet"),
        Kind("csv", "CSV", "csv", "text/csv"),
        Kind("txt", "TXT", "txt", "text/plain"),
    )
}
IMAGES = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
# The part that tells an Office Open XML package's kind.
OOXML = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}


class FileRefused(ValueError):
    """The file is not stored; the message says why, in words for the person uploading it."""


@dataclass(frozen=True)
class Inspected:
    kind: Kind
    name: str  # the name to show: cleaned, with the extension of its kind
    size: int  # of what is stored
    sha256: str  # of what is stored
    replacement: bytes | None = None  # what to store instead of the upload (a cleaned image)


def accepted_kinds() -> str:
    return ", ".join(kind.label for kind in KINDS.values())


def clean_name(name: str, kind: Kind) -> str:
    """The file name to show and to offer on download: no folders, no control or direction
    characters (which can make "fdp.exe" read as "exe.pdf"), at most NAME_LENGTH characters,
    ending in the extension of what the file is."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        char for char in name if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )
    name = " ".join(name.split()).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[: NAME_LENGTH - len(kind.extension) - 1] or "evidence"
    return f"{stem}.{kind.extension}"


def inspect(upload: BinaryIO, name: str, limit: int) -> Inspected:
    """Tell what `upload` (a readable, seekable file) is, or raise FileRefused with why."""
    size, digest, head, pdf_script, text_problem = _read(upload, limit)
    if size == 0:
        raise FileRefused(_("The file is empty."))
    key = _kind_of(head, upload, text_problem, name)
    if key == "pdf" and pdf_script:
        raise FileRefused(
            _(
                "This PDF contains JavaScript, which could run when it is opened. Save it again "
                "without it (for example, print it to a new PDF) and upload that."
            )
        )
    kind = KINDS[key]
    if key in IMAGES:
        cleaned = _clean_image(upload, IMAGES[key])
        return Inspected(
            kind,
            clean_name(name, kind),
            len(cleaned),
            hashlib.sha256(cleaned).hexdigest(),
            replacement=cleaned,
        )
    return Inspected(kind, clean_name(name, kind), size, digest)


# A PDF name is a slash and letters ending at a delimiter; /JS and /JavaScript start scripts.
PDF_SCRIPT = re.compile(rb"/(?:JavaScript|JS)(?=[\s/<>\[\]()%{}]|$)")


def _read(upload: BinaryIO, limit: int):
    """One pass over the upload: its size (refused past `limit`), sha256, first bytes, whether
    it names a PDF script, and whether it fails as UTF-8 text (the reason, or "")."""
    upload.seek(0)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, head, tail = 0, b"", b""
    pdf_script, text_problem = False, ""
    while chunk := upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileRefused(
                _("The file is larger than %(limit)s. Make it smaller or split it.")
                % {"limit": _megabytes(limit)}
            )
        digest.update(chunk)
        if len(head) < 4096:
            head = (head + chunk)[:4096]
        # A name may straddle two chunks: search each chunk with the end of the one before.
        if PDF_SCRIPT.search(tail + chunk):
            pdf_script = True
        tail = chunk[-16:]
        if not text_problem:
            if b"\x00" in chunk:
                text_problem = "binary"
            else:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    text_problem = "encoding"
    if not text_problem:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            text_problem = "encoding"
    upload.seek(0)
    return size, digest.hexdigest(), head, pdf_script, text_problem


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB"


def _kind_of(head: bytes, upload: BinaryIO, text_problem: str, name: str) -> str:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _package_kind(upload)
    _refuse_known(head, text=not text_problem)
    if not text_problem:
        return _text_kind(head, name)
    raise FileRefused(
        _("This kind of file is not accepted. Accepted: %(kinds)s.") % {"kinds": accepted_kinds()}
    )


# Windows, Linux and macOS programs.
PROGRAMS = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa", b"\xca\xfe\xba\xbe")
# gzip, 7-Zip, RAR, bzip2, xz, and an empty zip.
ARCHIVES = (b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ", b"PK\x05\x06")


def _refuse_known(head: bytes, text: bool) -> None:
    """Refuse, saying why, the kinds people most often try that are never accepted."""
    if head.startswith(b"#!"):
        raise FileRefused(_("Programs and scripts are not accepted as evidence."))
    if text:  # the kinds below are binary: a text that starts alike is still a text
        return
    if head.startswith(PROGRAMS):
        raise FileRefused(_("Programs and scripts are not accepted as evidence."))
    if head.startswith(ARCHIVES) or head[257:262] == b"ustar":
        raise FileRefused(
            _("Archives are not accepted: they can hide other files. Upload the files inside.")
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FileRefused(
            _(
                "Old Office and Outlook files (.doc, .xls, .ppt, .msg) are not accepted: they can "
                "carry macros. Save the document as PDF, DOCX, XLSX or PPTX."
            )
        )


MARKUP = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|svg|\?xml|head|body|script)", re.I)
MAIL_HEADER = re.compile(
    rb"^(?:received|return-path|mime-version|message-id|delivered-to|x-mailer|dkim-signature):",
    re.I | re.M,
)


def _text_kind(head: bytes, name: str) -> str:
    if MARKUP.match(head):
        raise FileRefused(
            _(
                "HTML, SVG and XML files are not accepted: they can run scripts when opened. Save "
                "the page or drawing as PDF or PNG."
            )
        )
    if len(MAIL_HEADER.findall(head)) >= 2:
        raise FileRefused(
            _(
                "E-mail files are not accepted: they carry people's addresses and often "
                "attachments. Save the message as PDF, leaving out what is not evidence."
            )
        )
    return "csv" if str(name).lower().rstrip(" .").endswith(".csv") else "txt"


def _package_kind(upload: BinaryIO) -> str:
    """An Office Open XML or OpenDocument file (each a zip package), or a refusal."""
    try:
        with zipfile.ZipFile(upload) as package:
            entries = package.infolist()
            if len(entries) > ZIP_ENTRIES:
                raise FileRefused(_("This file has too many parts to be a document."))
            unpacked = 0
            for entry in entries:
                unpacked += entry.file_size
                if unpacked > UNPACKED_LIMIT or entry.file_size > RATIO * max(
                    entry.compress_size, 1024
                ):
                    raise FileRefused(
                        _("This file unpacks to far more than its size: it is refused.")
                    )
            names = {entry.filename for entry in entries}
            if any(n.lower().endswith("vbaproject.bin") or n.lower().startswith("basic/") for n in names):  # fmt: skip
                raise FileRefused(
                    _(
                        "Documents with macros are not accepted. Save it without macros (as DOCX, "
                        "XLSX or PPTX) and upload that."
                    )
                )
            if "[Content_Types].xml" in names:
                for part, key in OOXML.items():
                    if part in names:
                        return key
            if "mimetype" in names:
                with package.open("mimetype") as entry:
                    key = OPEN_DOCUMENT.get(entry.read(100).strip())
                if key:
                    return key
    except FileRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise FileRefused(_("This file is damaged: it could not be read.")) from None
    finally:
        upload.seek(0)
    raise FileRefused(
        _("Archives are not accepted: they can hide other files. Upload the files inside.")
    )


# WeasyPrint, once imported, lets Pillow load truncated images (filling in what is missing) for
# the whole process; an upload must be refused as damaged instead. The setting is a global of
# Pillow's: it is turned off around the decoding alone, one decoding at a time.
_strict = threading.Lock()


@contextmanager
def _truncated_images_refused():
    from PIL import ImageFile

    with _strict:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _clean_image(upload: BinaryIO, pillow_format: str) -> bytes:
    """The image encoded again from its pixels, turned upright, without its metadata (EXIF with
    the place and the device, XMP, comments)."""
    from PIL import Image, ImageOps

    upload.seek(0)
    try:
        with _truncated_images_refused(), Image.open(upload, formats=[pillow_format]) as image:
            if image.width * image.height > IMAGE_PIXELS:
                raise FileRefused(_("This image has too many pixels. Make it smaller."))
            image.load()
            upright = ImageOps.exif_transpose(image)
            if upright.mode == "P":  # a palette image keeps its transparency as RGBA
                upright = upright.convert("RGBA")
            # A new image holds the pixels alone: nothing of the upload's metadata comes along.
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)
            out = io.BytesIO()
            options = {"quality": 90} if pillow_format in {"JPEG", "WEBP"} else {}
            clean.save(out, format=pillow_format, **options)
    except FileRefused:
        raise
    except Exception:  # Pillow raises many kinds on a damaged or hostile image
        raise FileRefused(_("This image is damaged: it could not be read.")) from None
    finally:
        upload.seek(0)
    return out.getvalue()
