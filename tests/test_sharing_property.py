"""For any share, nothing its recipient can fetch holds a field above the share's detail.

The world: Threadline Apparel submits a baseline in which every answer carries marker strings
(evidence notes EVID-<key>-X, links https://evidence.example/<key>/proof, not-applicable
justifications JUST-<key>-X, action owners OWNER-<key>-X) and the submitter is "Sub
Mitter-Name". Hypothesis draws a share's terms (detail, sections, expired or not, revoked or
not); Brightline Buyers' owner accepts it and fetches every URL of it: the page, the numbered
page, the PDF (its text, through pypdf), the CSV and the JSON.

Each example adds a share to the same world, inside the test's transaction: the shares are
independent of each other, so what one shows does not depend on the others.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from checklists import services
from checklists.catalog import catalog
from checklists.models import Organisation, Share
from checklists.selectors import rating_labels
from checklists.services import sharing as sharing_services
from tests.conftest import SITE, person
from tests.test_walkthrough import PROFILE, applicable_questions, record

pytestmark = pytest.mark.django_db

SUBMITTER = "Sub Mitter-Name"
# Ratings given in turn to the questions that do not take a justification: some of each.
RATINGS = ("in_place_with_evidence", "in_place", "planned", "not_started")


def evidence(key: str) -> str:
    return f"EVID-{key}-X"


def link(key: str) -> str:
    return f"https://evidence.example/{key}/proof"


def justification(key: str) -> str:
    return f"JUST-{key}-X"


def action_owner(key: str) -> str:
    return f"OWNER-{key}-X"


@dataclass
class World:
    baseline: object
    submitter: object
    recipient: object
    brand: Organisation
    section_keys: list[str]
    section_of: dict[str, str]
    answers: dict[str, dict]  # question key -> the fields given
    action_keys: list[str]
    labels: dict[str, str]  # rating key -> label


@pytest.fixture
def world(checklist) -> World:
    submitter = person("sub@threadline.example", SUBMITTER)
    organisation = services.organisation_create(
        name="Threadline Apparel", kind=Organisation.Kind.BRAND, owner=submitter
    )
    project = services.project_create(organisation=organisation, created_by=submitter, **PROFILE)
    baseline = services.assessment_start(
        project=project, checklist=checklist, title="Baseline", started_by=submitter
    )
    answers = {}
    for index, question in enumerate(applicable_questions(baseline)):
        key = question.key
        fields = {"evidence_note": evidence(key), "evidence_links": (link(key),)}
        if question.na_allowed:
            fields.update(rating="not_applicable", na_justification=justification(key))
        else:
            fields["rating"] = RATINGS[index % len(RATINGS)]
        answers[key] = fields
    record(baseline, submitter, answers)
    services.assessment_submit(assessment=baseline, user=submitter, milestone="baseline")
    baseline.refresh_from_db()
    gaps = baseline.submission.summary["gaps"]
    assert gaps, "the world needs gaps, for the action plan"
    questions = {q.key: q for q in checklist.questions.filter(key__in=gaps)}
    for key in gaps:
        services.action_update(
            assessment=baseline,
            question=questions[key],
            owner=action_owner(key),
            due_date=date(2027, 3, 31),
            status="open",
            user=submitter,
        )
    bruno = person("bruno@buyers.example", "Bruno Buyer")
    brand = services.organisation_create(
        name="Brightline Buyers", kind=Organisation.Kind.BRAND, owner=bruno
    )
    content = catalog(checklist)
    return World(
        baseline=baseline,
        submitter=submitter,
        recipient=bruno,
        brand=brand,
        section_keys=[s.key for s in content.sections],
        section_of={q.key: q.section_key for q in content.questions},
        answers=answers,
        action_keys=list(gaps),
        labels=rating_labels(checklist.scoring),
    )


def shared_urls(share: Share) -> dict[str, str]:
    return {
        "page": reverse("checklists:shared", args=[share.pk]),
        "numbered": reverse("checklists:shared-submission", args=[share.pk, 1]),
        "pdf": reverse("checklists:shared-report-pdf", args=[share.pk, 1]),
        "csv": reverse("checklists:shared-export", args=[share.pk, 1, "csv"]),
        "json": reverse("checklists:shared-export", args=[share.pk, 1, "json"]),
    }


def pdf_text(body: bytes) -> str:
    """The PDF's text without any whitespace: a line may break inside a marker or a link."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return squeeze(text)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def html_answers(html: str) -> dict[str, str]:
    """Each question listed under the page's Answers, with what its answer shows."""
    return {
        key: shown
        for key, shown in re.findall(
            r"<dt><strong>([\d.]+)</strong>.*?</dt>\s*<dd>(.*?)</dd>", html, flags=re.S
        )
    }


terms = st.fixed_dictionaries(
    {
        "detail": st.sampled_from(["summary", "sections", "full"]),
        # Sections only count under "sections": drawn always, so that a stray list at another
        # detail is tried too.
        "sections": st.sets(st.sampled_from([str(n) for n in range(1, 10)]), min_size=1),
        "expired": st.booleans(),
        "revoked": st.booleans(),
    }
)


@settings(
    max_examples=25,
    # No shrinking: each example renders a PDF, and the drawn terms are readable as they are.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(terms=terms)
# Every level is tried whatever is drawn.
@example(terms={"detail": "summary", "sections": {"1"}, "expired": False, "revoked": False})
@example(terms={"detail": "full", "sections": {"1"}, "expired": False, "revoked": False})
@example(terms={"detail": "sections", "sections": {"3", "7"}, "expired": False, "revoked": False})
def test_nothing_a_recipient_fetches_holds_a_field_above_the_shares_detail(world, terms):
    sections = sorted(terms["sections"] & set(world.section_keys))
    if terms["detail"] == "sections" and not sections:
        sections = [world.section_keys[0]]
    share = sharing_services.share_offer(
        submission=world.baseline.submission,
        email=world.recipient.email,
        detail=terms["detail"],
        sections=sections,
        role="viewer",
        follows_later=False,
        expires_at=timezone.now() + timedelta(days=30),
        message="",
        user=world.submitter,
        site=SITE,
    )
    share = sharing_services.share_accept(
        share=share, organisation=world.brand, user=world.recipient, site=SITE
    )
    if terms["expired"]:
        # Time passes: the expiry date is behind us (share_extend refuses a date in the past).
        Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    if terms["revoked"]:
        sharing_services.share_end(share=share, user=world.submitter, site=SITE)

    client = Client()
    client.force_login(world.recipient)
    urls = shared_urls(share)
    if terms["expired"] or terms["revoked"]:
        for url in urls.values():
            assert client.get(url).status_code == 404, url
        return

    fetched = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        fetched[name] = response.content
    html = {name: fetched[name].decode() for name in ("page", "numbered")}
    texts = {
        **html,
        "pdf": pdf_text(fetched["pdf"]),
        "csv": fetched["csv"].decode("utf-8-sig"),
        "json": fetched["json"].decode(),
    }

    detail = terms["detail"]
    shown = {
        "summary": set(),
        "sections": set(sections),
        "full": set(world.section_keys),
    }[detail]
    answers_shown = {key for key in world.answers if world.section_of[key] in shown}
    full = detail == "full"

    def present(text: str, marker: str, fmt: str) -> bool:
        return squeeze(marker) in text if fmt == "pdf" else marker in text

    for fmt, text in texts.items():
        # Evidence, links and names: at full detail only, and then all of them.
        for key in world.answers:
            assert present(text, evidence(key), fmt) is full, (fmt, key)
            assert present(text, link(key), fmt) is full, (fmt, key)
        for key in world.action_keys:
            assert present(text, action_owner(key), fmt) is full, (fmt, key)
        # The CSV has a row per question and no column for who submitted.
        assert present(text, SUBMITTER, fmt) is (full and fmt != "csv"), fmt
        # Justifications: of the sections shown, and only those.
        for key, fields in world.answers.items():
            if "na_justification" in fields:
                assert present(text, justification(key), fmt) is (key in answers_shown), (fmt, key)

    # Ratings, question by question, where the format says which question a rating belongs to.
    for fmt in ("page", "numbered"):
        listed = html_answers(html[fmt])
        assert set(listed) <= {key for key in world.section_of if world.section_of[key] in shown}
        rated = {key for key, cell in listed.items() if 'class="shared-rating"' in cell}
        assert rated == answers_shown, fmt
        for key in rated:
            label = world.labels[world.answers[key]["rating"]]
            assert f'<span class="shared-rating">{label}</span>' in listed[key], (fmt, key)

    rows = list(csv.DictReader(io.StringIO(texts["csv"])))
    assert len(rows) == len(world.section_of)
    for row in rows:
        key = row["question"]
        cells = [row["rating"], row["rating_label"]]
        if key in answers_shown:
            assert all(cells), (key, row)
        else:
            assert not any(cells), (key, row)

    data = json.loads(texts["json"])
    assert data["detail"] == detail
    assert {a["question"] for a in data["answers"]} == answers_shown
    for answer in data["answers"]:
        assert answer["rating"] == world.answers[answer["question"]]["rating"]
        assert ("evidence_note" in answer) is full
    assert data["submission"]["submitted_by"] == (SUBMITTER if full else "")
    for action in data["actions"]:
        assert ("owner" in action) is full
        assert ("due_date" in action) is (detail != "summary")

    # The PDF says which question a rating belongs to only by its place on the page: count
    # the labels. Section titles, questions and the verdict carry none of them (checked at
    # summary detail, where no answer is shown).
    counted = {label: texts["pdf"].count(squeeze(label)) for label in world.labels.values()}
    expected = dict.fromkeys(world.labels.values(), 0)
    for key in answers_shown:
        rating_label = world.labels[world.answers[key]["rating"]]
        for label in world.labels.values():
            if squeeze(label) in squeeze(rating_label):
                expected[label] += 1
    assert counted == expected
