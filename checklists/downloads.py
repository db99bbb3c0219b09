"""Files to download: how each kind may be kept by browsers and proxies, said in one place."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header

from .models import RenderedDocument

# Public documents are the same for everyone; a day is short enough for a new one to reach
# people soon after a deployment, which gives it a new ETag.
PUBLIC_MAX_AGE = 24 * 3600


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


def public_document(
    request: HttpRequest,
    *,
    key: str,
    render: Callable[[], bytes],
    content_type: str,
    filename: str,
) -> HttpResponse:
    """A document that is the same for everyone and never changes under `key`.

    Rendered once and stored (stored_document); any cache may keep it, and a browser that
    has it (If-None-Match: the key) gets a 304 before the bytes are even read.
    """
    etag = f'"{key}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(
            stored_document(key, render=render, content_type=content_type),
            content_type=content_type,
        )
        response["Content-Disposition"] = content_disposition_header(False, filename)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


def stored_document(key: str, *, render: Callable[[], bytes], content_type: str) -> bytes:
    """The bytes stored under `key`, or `render()` stored under it first.

    `key` must be a hash of everything the bytes depend on: what is stored is never checked
    again. Processes that find nothing may render at the same time; only the first insert
    stores its bytes, and the others serve those.
    """
    content = RenderedDocument.objects.filter(key=key).values_list("content", flat=True).first()
    if content is None:
        body = render()
        document, _created = RenderedDocument.objects.get_or_create(
            key=key, defaults={"content": body, "content_type": content_type, "size": len(body)}
        )
        content = document.content
    return bytes(content)
