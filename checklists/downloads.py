"""Files to download: how each kind may be kept by browsers and proxies, said in one place."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def private_download(
    body: bytes, *, content_type: str, filename: str, inline: bool = False
) -> HttpResponse:
    """A file of one organisation's assessment, which no cache may store.

    Reports and exports hold answers, evidence notes and the names of the people who gave
    them: a shared computer's browser or a proxy must not keep a copy.
    """
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
