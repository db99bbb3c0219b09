"""Security headers that Django 5.2 does not set by itself, and compression for pages."""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware


class ContentSecurityPolicyMiddleware:
    """Send the CONTENT_SECURITY_POLICY setting as a header on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if response.get("Content-Type", "").startswith("text/html"):
            # Pages may be kept, but must be checked again (a 304 when unchanged) and never
            # shared by a proxy: they can show a signed-in person's projects.
            response.headers.setdefault("Cache-Control", "private, no-cache")
        return response


class PageGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, except for PDFs.

    A PDF's streams are compressed already: gzip saves about 5% of a blank checklist, costs
    time on every download, and turns a stored PDF's strong ETag into a weak one.
    """

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("application/pdf"):
            return response
        return super().process_response(request, response)
