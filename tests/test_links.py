"""URLs made from patterns reversed once per process are the URLs reverse() gives."""

import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from checklists.links import url, url_maker

CASES = [
    ("checklists:dashboard", ()),
    ("checklists:project-detail", (7,)),
    ("checklists:assessment-section", (12, "6")),
    ("checklists:assessment-export", (12, "csv")),
    ("checklists:version-detail", ("west-operations-checklist", "2019-03")),
]


@pytest.mark.parametrize(("viewname", "args"), CASES)
def test_url_is_what_reverse_gives(viewname, args):
    assert url(viewname, *args) == reverse(viewname, args=args)


def test_url_maker_puts_each_rows_argument_in():
    section = url_maker("checklists:assessment-section", 12)
    assert [section(key) for key in ("1", "6", "9")] == [
        reverse("checklists:assessment-section", args=[12, key]) for key in ("1", "6", "9")
    ]
    project = url_maker("checklists:project-detail")
    assert project(41) == reverse("checklists:project-detail", args=[41])


def test_arguments_that_need_quoting_are_reversed_as_usual():
    assert url("checklists:assessment-section", 12, "a b") == reverse(
        "checklists:assessment-section", args=[12, "a b"]
    )
    section = url_maker("checklists:assessment-section", 12)
    assert section("ä?") == reverse("checklists:assessment-section", args=[12, "ä?"])


def test_a_script_prefix_and_another_url_configuration_get_their_own_urls():
    before = url("checklists:project-detail", 3)
    set_script_prefix("/westcheck/")
    try:
        assert url("checklists:project-detail", 3) == "/westcheck/projects/3/"
    finally:
        set_script_prefix("/")
    assert url("checklists:project-detail", 3) == before
    with override_settings(ROOT_URLCONF="scripts.lib.bench.urls"):
        assert url("checklists:project-detail", 3) == reverse("checklists:project-detail", args=[3])
