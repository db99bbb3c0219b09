"""System checks of the settings the app itself relies on (registered in apps.py)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - compared, not bound


@register(Tags.security, deploy=True)
def check_site_root(app_configs, **kwargs) -> list[Warning]:
    """SITE_ROOT must be the public https address: reports print it for anyone to check them."""
    root = getattr(settings, "SITE_ROOT", "") or ""
    parts = urlsplit(root)
    if parts.scheme == "https" and parts.hostname and parts.hostname not in LOCAL_HOSTS:
        return []
    return [
        Warning(
            f"SITE_ROOT is {root!r}: readiness reports print it for anyone to check them.",
            hint="Set SITE_ROOT to the site's public https address, e.g. https://westcheck.example.org.",
            id="checklists.W001",
        )
    ]
