"""The app's own escaping gives Django's text (markup.py)."""

import pytest
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from checklists.markup import escape, lines

TEXTS = [
    "",
    "plain",
    '<b>O\'Brien</b> & "co"',
    "line\r\nbreaks\rof every\nkind\n\n",
    "Zoë · 5 µs \N{EN DASH} ≥",
    42,
    None,
]


@pytest.mark.parametrize("value", [*TEXTS, mark_safe("<b>safe</b> &amp;"), gettext_lazy("Owner")])
def test_escape_is_conditional_escape(value):
    assert escape(value) == conditional_escape(value)


@pytest.mark.parametrize("text", [t for t in TEXTS if isinstance(t, str)])
def test_lines_is_linebreaksbr(text):
    assert lines(text) == linebreaksbr(text)
