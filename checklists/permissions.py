"""Access helpers: the one way each kind of object is fetched for a request.

An object the person may not see is "not found" (404), so that outsiders cannot even learn that
it exists; an object they may see but not change answers 403.
"""

from django.shortcuts import get_object_or_404

from .models import ChecklistVersion


def get_checklist_version(slug: str, version: str) -> ChecklistVersion:
    """Published checklist versions are public: anyone may read them."""
    return get_object_or_404(ChecklistVersion, slug=slug, version=version)
