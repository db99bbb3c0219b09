"""Reviewing a shared submission: marks on the shared questions, then changes requested or
acceptance, bound to the submission's hash; notes beside the questions of the follow-up;
marks carried over where the answer did not change.

The world is test_sharing.py's: Threadline Apparel shares its baseline (gaps 3.1 and 7.2) with
Open Voices Fund, sections 3 and 7, as reviewer, following later submissions. Rex, an editor
at the fund, reviews; Vera, a viewer there, reads.
"""

# The fixtures come from test_sharing.py, imported by name: pytest finds them so.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse

from checklists.models import AuditEvent, ReviewMark, ReviewRound, Share
from tests.conftest import database_state, sent_mail
from tests.test_sharing import (  # noqa: F401 (fixtures)
    accepted,
    baseline,
    bruno,
    client_for,
    fatima,
    fund,
    offer,
    project,
    rex,
    submit,
    vera,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def share(baseline, owner, fatima, fund):
    return accepted(
        offer(
            baseline,
            owner,
            detail="sections",
            sections=["3", "7"],
            role="reviewer",
            follows_later=True,
        ),
        fatima,
        fund,
    )


def review_url(share, number=1) -> str:
    return reverse("checklists:shared-review", args=[share.pk, number])


def marks(**given) -> dict:
    """A review form's fields: marks by question key ("3.1"="needs_change"), notes as
    note_3_1="..."."""
    data = {}
    for name, value in given.items():
        if name.startswith("note_"):
            data[f"n-{name[5:].replace('_', '.')}"] = value
        else:
            data[f"m-{name.replace('_', '.')}"] = value
    return data


def test_accepting_a_reviewer_share_opens_a_round(share, baseline):
    round_ = ReviewRound.objects.get()
    assert (round_.share, round_.submission, round_.status) == (share, baseline.submission, "open")


def test_the_reviewer_marks_questions_and_requests_changes(share, rex, baseline, owner):
    as_rex = client_for(rex)
    page = as_rex.get(review_url(share)).content.decode()
    assert 'name="m-3.1"' in page
    assert 'name="m-7.2"' in page
    assert 'name="m-1.1"' not in page  # section 1 is not shared
    response = as_rex.post(
        review_url(share),
        {
            **marks(**{"3_1": "needs_change", "note_3_1": "Who answers at night?", "3_2": "ok"}),
            "note": "Close the emergency gap before the pilot.",
            "action": "request_changes",
        },
    )
    assert response.status_code == 302
    round_ = ReviewRound.objects.get()
    assert round_.status == "changes_requested"
    assert round_.decided_by_name == "Rex Reviewer"
    assert {m.question_key: (m.mark, m.note) for m in round_.marks.all()} == {
        "3.1": ("needs_change", "Who answers at night?"),
        "3.2": ("ok", ""),
    }
    message = sent_mail()[-1]
    assert message["to"] == ["olivia@brand.example"]
    assert "requests changes" in message["subject"]
    assert reverse("checklists:assessment-reviews", args=[baseline.pk]) in message["body"]
    kinds = list(
        AuditEvent.objects.filter(kind__startswith="review.")
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == ["review.marked", "review.changes_requested"]

    # The grantee reads the notes, question by question.
    notes = client_for(owner).get(reverse("checklists:assessment-reviews", args=[baseline.pk]))
    text = notes.content.decode()
    assert "Open Voices Fund: changes requested" in text
    assert "Who answers at night?" in text
    assert "Close the emergency gap before the pilot." in text


def test_the_follow_up_shows_the_notes_beside_each_question(
    share, rex, baseline, owner, project, checklist
):
    client_for(rex).post(
        review_url(share),
        {
            **marks(**{"3_1": "needs_change", "note_3_1": "Who answers at night?"}),
            "action": "request_changes",
        },
    )
    from checklists import services

    follow_up = services.assessment_start(
        project=project,
        checklist=checklist,
        title="Follow-up",
        started_by=owner,
        copy_from=baseline,
    )
    section = (
        client_for(owner)
        .get(reverse("checklists:assessment-section", args=[follow_up.pk, "3"]))
        .content.decode()
    )
    note = section.index("Who answers at night?")
    assert section.index('id="q-3.1"') < note < section.index('id="q-3.2"')
    assert "Open Voices Fund: needs change" in section
    # Other sections carry no note.
    assert (
        "review-note"
        not in client_for(owner)
        .get(reverse("checklists:assessment-section", args=[follow_up.pk, "1"]))
        .content.decode()
    )


def test_marks_carry_over_where_the_answer_did_not_change(
    share, rex, baseline, owner, project, checklist
):
    client_for(rex).post(
        review_url(share),
        {
            **marks(**{"3_1": "needs_change", "3_2": "ok", "7_1": "needs_clarification"}),
            "action": "request_changes",
        },
    )
    follow_up = submit(
        project,
        checklist,
        owner,
        title="Follow-up",
        copy_from=baseline,
        gaps={"7.2": "not_started"},
    )
    second = ReviewRound.objects.get(submission=follow_up.submission)
    assert second.status == "open"
    carried = {m.question_key: (m.mark, m.carried_from) for m in second.marks.all()}
    # 3.1 changed (planned -> in place with evidence): its mark must be given again.
    assert carried == {"3.2": ("ok", 1), "7.1": ("needs_clarification", 1)}
    page = client_for(rex).get(review_url(share, 2)).content.decode()
    q31 = page[page.index('id="r-3.1"') : page.index('id="r-3.2"')]
    assert ">changed<" in q31
    q32 = page[page.index('id="r-3.2"') : page.index('id="r-3.3"')]
    assert "mark carried over from submission 1" in q32
    assert ">changed<" not in q32


def test_an_acceptance_belongs_to_the_submission_accepted(
    share, rex, fatima, baseline, owner, project, checklist
):
    client_for(rex).post(review_url(share), {"action": "accept"})
    first = ReviewRound.objects.get()
    assert first.status == "accepted"
    assert first.accepted_hash == baseline.submission.integrity_hash
    follow_up = submit(project, checklist, owner, title="Follow-up", copy_from=baseline)
    later = client_for(fatima).get(reverse("checklists:shared", args=[share.pk])).content.decode()
    assert f"Submission {follow_up.submission.number} is in review." in later
    assert "Submission 1 was accepted; that acceptance does not extend to this one." in later
    earlier = (
        client_for(fatima)
        .get(reverse("checklists:shared-submission", args=[share.pk, 1]))
        .content.decode()
    )
    assert "Accepted: by Rex Reviewer" in earlier


def test_the_recipients_viewer_reads_the_review_but_cannot_mark(share, vera):
    as_vera = client_for(vera)
    page = as_vera.get(review_url(share))
    assert page.status_code == 200
    assert 'name="m-3.1"' not in page.content.decode()
    before = database_state()
    response = as_vera.post(review_url(share), {**marks(**{"3_1": "ok"}), "action": "accept"})
    assert response.status_code == 403
    assert database_state() == before


def test_a_viewer_share_has_no_review(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner, detail="full"), fatima, fund)
    as_fatima = client_for(fatima)
    assert as_fatima.get(review_url(share)).status_code == 404
    assert as_fatima.post(review_url(share), {"action": "accept"}).status_code == 403
    assert not ReviewRound.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (marks(**{"1_1": "ok"}), "Question 1.1 is not one this share shows."),
        (marks(**{"3_1": "great"}), "Choose a mark for question 3.1."),
        (marks(**{"3_1": "ok", "note_3_1": "x" * 2001}), "longer than 2000 characters"),
        (marks(**{"note_3_1": "A note without a mark"}), "or clear its note"),
        ({"action": "request_changes"}, "Mark the questions that need change"),
        ({"action": "publish"}, "Choose to save, to request changes or to accept."),
        ({"action": "accept", "note": "y" * 2001}, "longer than 2000 characters"),
    ],
)
def test_a_tampered_review_changes_nothing(share, rex, data, error):
    as_rex = client_for(rex)
    before = database_state()
    response = as_rex.post(review_url(share), {"action": "save", **data})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert database_state() == before


def test_a_decided_review_is_closed(share, rex):
    as_rex = client_for(rex)
    as_rex.post(review_url(share), {"action": "accept"})
    before = database_state()
    response = as_rex.post(
        review_url(share), {**marks(**{"3_1": "needs_change"}), "action": "save"}
    )
    assert response.status_code == 400
    assert "decided" in response.content.decode()
    assert database_state() == before


def test_a_revoked_share_takes_its_review_with_it(share, rex, baseline, owner):
    from checklists.services import sharing as sharing_services
    from tests.conftest import SITE

    sharing_services.share_end(share=share, user=owner, site=SITE)
    assert client_for(rex).get(review_url(share)).status_code == 404
    assert client_for(rex).post(review_url(share), {"action": "accept"}).status_code == 404
    assert Share.objects.get().status == "revoked"


def test_the_review_page_costs_the_same_with_more_marks(share, rex, django_assert_num_queries):
    as_rex = client_for(rex)
    as_rex.get(review_url(share))
    with django_assert_num_queries(QUERIES_REVIEW_PAGE):
        as_rex.get(review_url(share))
    as_rex.post(
        review_url(share),
        {
            **marks(
                **{f"3_{n}": "ok" for n in range(1, 7)},
                **{f"7_{n}": "needs_change" for n in range(1, 8)},
            ),
            "action": "save",
        },
    )
    assert ReviewMark.objects.count() == 13
    with django_assert_num_queries(QUERIES_REVIEW_PAGE):
        as_rex.get(review_url(share))


# The eighth reads the share's comment threads with their comments (test_comments.py).
QUERIES_REVIEW_PAGE = 8
