"""URLs of the site's own pages, each view's pattern reversed once per process.

Django's reverse() matches the view's patterns, quotes the arguments and checks the result on
every call: about as much work as drawing a table row, and pages link a dozen times or, in
lists, once per row. Here each view is reversed once, with marker arguments, under a key that
names everything its URLs depend on (the view, the URL configuration, the script prefix and
the language); its URLs are then the pattern's parts with the arguments put in. Arguments
that would need quoting are reversed as usual.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Arguments that no URL of ours otherwise contains, and that every URL converter accepts.
_MARKERS = ("9081726354", "9081726355", "9081726356")
# What reverse() puts into a URL unchanged: the arguments that can simply be put in.
_PLAIN = re.compile(r"[A-Za-z0-9._~-]+")

_patterns: dict[tuple, tuple[str, ...]] = {}
_lock = threading.Lock()


def _pattern(viewname: str, count: int) -> tuple[str, ...]:
    """The URL of `viewname` with `count` arguments, split where they go."""
    key = (viewname, count, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    key += (get_language(),)
    found = _patterns.get(key)
    if found is None:
        url = reverse(viewname, args=_MARKERS[:count])
        found = tuple(re.split("|".join(_MARKERS[:count]), url)) if count else (url,)
        with _lock:
            _patterns[key] = found
    return found


def url(viewname: str, *args: int | str) -> str:
    """reverse(viewname, args=args), quicker: {% link %} in templates."""
    if len(args) > len(_MARKERS) or not all(_PLAIN.fullmatch(str(arg)) for arg in args):
        return reverse(viewname, args=args)
    parts = _pattern(viewname, len(args))
    if len(parts) != len(args) + 1:  # a marker not in the URL: the pattern does not take it
        return reverse(viewname, args=args)
    return "".join(part + str(arg) for part, arg in zip(parts, (*args, ""), strict=True))


def url_maker(viewname: str, *args: int | str) -> Callable[[int | str], str]:
    """A function of one more argument that gives url(viewname, *args, argument): a list links
    each of its rows with no more than putting the row's argument in."""
    parts = _pattern(viewname, len(args) + 1)
    if len(parts) != len(args) + 2 or not all(_PLAIN.fullmatch(str(arg)) for arg in args):
        return lambda argument: reverse(viewname, args=[*args, argument])
    head = "".join(part + str(arg) for part, arg in zip(parts, args, strict=False))
    head, tail = head + parts[len(args)], parts[-1]

    def make(argument: int | str) -> str:
        if not _PLAIN.fullmatch(str(argument)):
            return reverse(viewname, args=[*args, argument])
        return f"{head}{argument}{tail}"

    return make


def site_of(request) -> str:
    """Scheme and host for links in e-mails, as the person acting reached the site."""
    return request.build_absolute_uri("/")
