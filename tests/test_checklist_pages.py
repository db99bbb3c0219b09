"""The public checklist pages: the list of versions and a version's questions and guidance."""

import copy
import gzip
import re

import pytest
from django.urls import reverse

from checklists.content import read_checklist_file
from checklists.models import ChecklistVersion
from checklists.services import checklist_version_import

pytestmark = pytest.mark.django_db

BUNDLED = ("west-operations-checklist", "2019-03")
DETAIL = reverse("checklists:version-detail", args=BUNDLED)


@pytest.fixture
def bundled():
    return ChecklistVersion.objects.get(slug=BUNDLED[0], version=BUNDLED[1])


@pytest.fixture
def small_version(bundled):
    """The same checklist cut down to one question per section."""
    document = copy.deepcopy(bundled.document)
    document["version"] = "2099-small"
    for section in document["sections"]:
        section["questions"] = section["questions"][:1]
    version, _ = checklist_version_import(document=document)
    return version


def test_version_list_is_public_and_links_each_version(client, bundled):
    response = client.get(reverse("checklists:version-list"))
    assert response.status_code == 200
    assert bundled.get_absolute_url() in response.text
    assert reverse("checklists:version-blank-pdf", args=BUNDLED) in response.text
    assert (
        "Source: White Paper: Realizing the Benefits of Worker Reporting Digital Tools, March 2019"
        in response.text
    )


def test_version_page_shows_every_question_in_order_without_signing_in(client, bundled):
    response = client.get(DETAIL)
    assert response.status_code == 200
    keys = re.findall(r'<li class="question" id="q-(\d\.\d+)">', response.text)
    assert keys == list(bundled.questions.values_list("key", flat=True))
    assert len(keys) == 60
    for question in bundled.questions.all():
        assert f"{question.text}" in response.content.decode().replace("&#x27;", "'")


def test_version_page_attributes_the_white_paper(client):
    text = client.get(DETAIL).text
    assert "WEST Principles white paper (March 2019)" in text
    assert "Ethos Matters for the WEST" in text


def test_version_page_shows_flags_principles_guidance_and_conditions(client, bundled):
    text = client.get(DETAIL).text
    question = bundled.questions.get(key="3.1")
    for flag in ["Remedy", "Privacy", "Informed consent"]:
        assert 'class="badge flag flag-' in text
        assert flag in text
    assert "Principle 1: Start with Integrity &amp; Purpose" in text
    assert "Guidance for 3.1" in text
    assert question.guidance["why"].split(".")[0] in text.replace("&#x27;", "'")
    assert "Applies only if migrant workers are involved" in text
    assert "Applies only if the project uses this channel: Social media." in text


def test_version_page_explains_the_rating_scale_and_gates(client, bundled):
    text = client.get(DETAIL).text
    for rating in bundled.scoring["scale"]:
        assert rating["label"] in text
    assert "Not ready" in text


def test_unknown_version_is_404(client):
    assert (
        client.get(
            reverse("checklists:version-detail", args=["west-operations-checklist", "1999-01"])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("checklists:version-blank-pdf", args=["nope", "2019-03"])).status_code
        == 404
    )


def test_version_page_query_count_does_not_grow_with_questions(
    client, bundled, small_version, django_assert_num_queries
):
    for url in (DETAIL, small_version.get_absolute_url()):
        # First view in this process: 1. the version, 2. its document, 3. its sections,
        # 4. their questions; published content never changes, so then it stays in memory.
        with django_assert_num_queries(4):
            assert client.get(url).status_code == 200
        # Afterwards: 1. the version.
        with django_assert_num_queries(1):
            assert client.get(url).status_code == 200


def test_version_list_query_count_does_not_grow_with_versions(
    client, bundled, django_assert_num_queries
):
    with django_assert_num_queries(1):
        client.get(reverse("checklists:version-list"))
    document = copy.deepcopy(bundled.document)
    for n in range(3):
        checklist_version_import(document={**document, "version": f"2099-0{n + 1}"})
    with django_assert_num_queries(1):
        response = client.get(reverse("checklists:version-list"))
    assert response.text.count('class="card mb-3"') == 4


def test_version_page_stays_light_when_compressed(client):
    response = client.get(DETAIL)
    assert len(gzip.compress(response.content)) < 40 * 1024


def test_bundled_file_matches_what_is_stored(bundled):
    from django.conf import settings

    document = read_checklist_file(settings.BASE_DIR / bundled.source_file)
    assert document == bundled.document
