"""Comment threads on a shared submission: per share and question, so that a funder never sees
another's; either side resolves and reopens; an edit keeps the replaced text in the trail; a
deleted comment leaves a line in its thread and its text nowhere.

The world is test_sharing.py's: Threadline Apparel shares its baseline with Open Voices Fund,
sections 3 and 7, as reviewer. Olivia owns Threadline, Edith edits there, Victor views. Rex,
an editor at the fund, and Fatima, its owner, write; Vera, a viewer there, reads. Bruno's
Brightline Buyers holds a second share of the same submission.
"""

# The fixtures come from test_sharing.py, imported by name: pytest finds them so.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse

from checklists.models import AuditEvent, Comment, CommentThread, Organisation
from checklists.services import sharing as sharing_services
from tests.conftest import SITE, database_state, sent_mail
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
    vera,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def share(baseline, owner, fatima, fund):
    return accepted(
        offer(baseline, owner, detail="sections", sections=["3", "7"], role="reviewer"),
        fatima,
        fund,
    )


@pytest.fixture
def brightline_share(baseline, owner, bruno):
    return accepted(
        offer(
            baseline,
            owner,
            email="bruno@buyers.example",
            detail="sections",
            sections=["3"],
            role="reviewer",
        ),
        bruno,
        Organisation.objects.get(name="Brightline Buyers"),
    )


def recipient_url(share) -> str:
    return reverse("checklists:shared-comments", args=[share.pk])


def owner_url(share, baseline) -> str:
    return reverse("checklists:share-comments", args=[baseline.pk, share.pk])


def review_url(share, number=1) -> str:
    return reverse("checklists:shared-review", args=[share.pk, number])


def add(key="3.1", body="Who answers the hotline at night?", **more) -> dict:
    return {"action": "add", "question": key, "body": body, **more}


def comment_kinds() -> list[str]:
    return list(
        AuditEvent.objects.filter(kind__startswith="comment.")
        .order_by("sequence")
        .values_list("kind", flat=True)
    )


def test_the_owner_and_the_recipient_converse(share, rex, owner, fatima, baseline):
    as_rex, as_owner = client_for(rex), client_for(owner)
    response = as_rex.post(recipient_url(share), add())
    assert response.status_code == 302
    assert response.url == recipient_url(share) + "#t-3.1"
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_side, comment.thread.question_key) == (
        "Rex Reviewer",
        "recipient",
        "3.1",
    )
    # Threadline's owners are told, with a link to their page of the share's threads.
    message = sent_mail()[-1]
    assert message["to"] == ["olivia@brand.example"]
    assert "Rex Reviewer of Open Voices Fund commented on question 3.1" in message["subject"]
    assert owner_url(share, baseline) + "#t-3.1" in message["body"]
    assert "Who answers the hotline at night?" in message["body"]

    page = as_owner.get(owner_url(share, baseline)).content.decode()
    assert "Who answers the hotline at night?" in page
    assert "Comments with Open Voices Fund" in page

    response = as_owner.post(
        owner_url(share, baseline), add(body="A duty manager, on a rota; see the policy.")
    )
    assert response.status_code == 302
    # The fund's owners hear of the reply, with a link to their page.
    message = sent_mail()[-1]
    assert message["to"] == ["fatima@fund.example"]
    assert recipient_url(share) + "#t-3.1" in message["body"]

    # The reviewer reads the conversation under the question on the review page.
    review = client_for(rex).get(review_url(share)).content.decode()
    thread = review[review.index('id="r-3.1"') : review.index('id="r-3.2"')]
    assert thread.index("Who answers the hotline") < thread.index("A duty manager, on a rota")
    assert [c.author_side for c in Comment.objects.all()] == ["recipient", "owner"]
    assert comment_kinds() == ["comment.added", "comment.added"]
    event = AuditEvent.objects.filter(kind="comment.added").order_by("sequence").first()
    # In the owner organisation's trail, saying with whom.
    assert event.organisation_id == baseline.project.organisation_id
    assert event.data["with"] == "Open Voices Fund"
    assert event.data["question"] == "3.1"


def test_a_comment_from_the_review_page_comes_back_to_it(share, rex):
    page = client_for(rex).get(review_url(share)).content.decode()
    assert 'id="t-3.1-form"' in page
    assert 'name="number" value="1"' in page
    response = client_for(rex).post(recipient_url(share), add(number="1"))
    assert response.status_code == 302
    assert response.url == review_url(share) + "#t-3.1"


def test_another_funder_never_sees_the_first_ones_thread(
    share, brightline_share, rex, bruno, owner, baseline
):
    client_for(rex).post(recipient_url(share), add(body="Open Voices asks about nights."))
    as_bruno, as_owner = client_for(bruno), client_for(owner)
    # Brightline's own pages of the same submission show nothing of it.
    for url in (recipient_url(brightline_share), review_url(brightline_share)):
        response = as_bruno.get(url)
        assert response.status_code == 200
        assert "Open Voices asks about nights." not in response.content.decode()
    # The fund's share is not Brightline's: 404, reading or writing.
    assert as_bruno.get(recipient_url(share)).status_code == 404
    before = database_state()
    assert as_bruno.post(recipient_url(share), add()).status_code == 404
    assert database_state() == before
    # The owner's page of Brightline's share shows Brightline's threads alone.
    page = as_owner.get(owner_url(brightline_share, baseline)).content.decode()
    assert "Open Voices asks about nights." not in page


def test_either_side_resolves_and_reopens_a_thread(share, rex, owner, baseline):
    as_rex, as_owner = client_for(rex), client_for(owner)
    as_rex.post(recipient_url(share), add())
    response = as_owner.post(owner_url(share, baseline), {"action": "resolve", "question": "3.1"})
    assert response.status_code == 302
    thread = CommentThread.objects.get()
    assert thread.is_resolved
    assert thread.resolved_by_name == "Olivia Owner"
    assert "resolved by Olivia Owner" in as_rex.get(recipient_url(share)).content.decode()

    # A resolved thread takes no reply until it is reopened.
    before = database_state()
    response = as_rex.post(recipient_url(share), add(body="One more thing."))
    assert response.status_code == 400
    assert "reopen it to reply" in response.content.decode()
    assert database_state() == before

    assert (
        as_rex.post(recipient_url(share), {"action": "reopen", "question": "3.1"}).status_code
        == 302
    )
    assert not CommentThread.objects.get().is_resolved
    assert as_rex.post(recipient_url(share), add(body="One more thing.")).status_code == 302
    assert comment_kinds() == [
        "comment.added",
        "comment.resolved",
        "comment.reopened",
        "comment.added",
    ]


def test_an_edit_keeps_the_old_text_in_the_trail_and_only_the_author_edits(
    share, rex, fatima, owner, baseline
):
    client_for(rex).post(recipient_url(share), add(body="Who answers at nite?"))
    comment = Comment.objects.get()
    edit = {"action": "edit", "comment": comment.pk, "body": "Who answers at night?"}

    as_fatima, as_owner = client_for(fatima), client_for(owner)
    before = database_state()
    # Fatima owns the fund, Olivia owns Threadline: neither wrote it.
    assert as_fatima.post(recipient_url(share), edit).status_code == 403
    assert as_owner.post(owner_url(share, baseline), edit).status_code == 403
    assert database_state() == before

    assert client_for(rex).post(recipient_url(share), edit).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Who answers at night?"
    assert comment.edited_at is not None
    event = AuditEvent.objects.get(kind="comment.edited")
    assert (event.data["before"], event.data["after"]) == (
        "Who answers at nite?",
        "Who answers at night?",
    )
    assert event.actor_name.startswith("Rex Reviewer")
    assert "edited" in client_for(owner).get(owner_url(share, baseline)).content.decode()


def test_the_author_deletes_a_comment_and_its_text_is_gone(share, rex, fatima, owner, baseline):
    as_rex = client_for(rex)
    as_rex.post(recipient_url(share), add(body="Who answers at nite?"))
    comment = Comment.objects.get()
    as_rex.post(
        recipient_url(share),
        {"action": "edit", "comment": comment.pk, "body": "Who answers at night?"},
    )
    as_rex.post(recipient_url(share), add(body="And on Sundays?"))
    delete = {"action": "delete", "comment": comment.pk}

    as_fatima, as_owner = client_for(fatima), client_for(owner)
    before = database_state()
    # Neither the fund's owner nor Threadline's wrote it.
    assert as_fatima.post(recipient_url(share), delete).status_code == 403
    assert as_owner.post(owner_url(share, baseline), delete).status_code == 403
    assert database_state() == before

    response = as_rex.post(recipient_url(share), delete)
    assert response.status_code == 302
    assert response["Location"].endswith("#t-3.1")
    comment.refresh_from_db()
    assert (comment.body, comment.deleted_at is not None) == ("", True)
    event = AuditEvent.objects.get(kind="comment.deleted")
    assert event.data == {
        "share": share.pk,
        "with": share.recipient.name,
        "question": "3.1",
        "comment": comment.pk,
        "side": "recipient",
    }
    for page in (as_rex.get(recipient_url(share)), as_owner.get(owner_url(share, baseline))):
        html = page.content.decode()
        assert "Who answers at night?" not in html
        assert "Comment deleted by its author" in html
        assert "And on Sundays?" in html  # the reply after it stays
    # Deleted is final: it can be neither changed nor deleted again.
    before = database_state()
    for data in (delete, {"action": "edit", "comment": comment.pk, "body": "Back"}):
        response = as_rex.post(recipient_url(share), data)
        assert response.status_code == 400
        assert "This comment is deleted." in response.content.decode()
    assert database_state() == before


def test_no_comment_is_deleted_once_the_share_has_ended(share, rex, owner):
    as_rex = client_for(rex)
    as_rex.post(recipient_url(share), add())
    comment = Comment.objects.get()
    sharing_services.share_end(share=share, user=owner, site=SITE)
    before = database_state()
    response = as_rex.post(recipient_url(share), {"action": "delete", "comment": comment.pk})
    assert response.status_code == 404  # an ended share is gone for its recipient
    assert database_state() == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (add(key="9.9"), "Question 9.9 is not one this share shows."),
        (add(key="1.1"), "Question 1.1 is not one this share shows."),  # section 1 not shared
        (add(body="x" * 2001), "longer than 2000 characters"),
        (add(body="   "), "Write a comment."),
        ({"action": "resolve", "question": "3.2"}, "Choose a comment or a thread"),
        ({"action": "edit", "comment": "abc", "body": "x"}, "Choose a comment or a thread"),
        ({"action": "delete", "comment": "abc"}, "Choose a comment or a thread"),
        (
            {"action": "publish", "question": "3.1"},
            "Choose to add, change, delete, resolve or reopen.",
        ),
    ],
)
def test_a_tampered_comment_changes_nothing(share, rex, owner, baseline, data, error):
    as_rex, as_owner = client_for(rex), client_for(owner)
    as_rex.post(recipient_url(share), add(key="3.1"))
    before = database_state()
    for client, url in ((as_rex, recipient_url(share)), (as_owner, owner_url(share, baseline))):
        response = client.post(url, data)
        assert response.status_code == 400
        assert error in response.content.decode()
        assert database_state() == before


def test_a_comment_in_another_shares_thread_cannot_be_edited_through_this_one(
    share, brightline_share, rex, bruno
):
    client_for(bruno).post(recipient_url(brightline_share), add())
    theirs = Comment.objects.get()
    as_rex = client_for(rex)
    before = database_state()
    for data in (
        {"action": "edit", "comment": theirs.pk, "body": "Mine now."},
        {"action": "delete", "comment": theirs.pk},
    ):
        assert as_rex.post(recipient_url(share), data).status_code == 400
    assert database_state() == before


def test_viewers_read_but_may_not_write(share, rex, vera, viewer, baseline):
    client_for(rex).post(recipient_url(share), add())
    for client, url in (
        (client_for(vera), recipient_url(share)),
        (client_for(viewer), owner_url(share, baseline)),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "Who answers the hotline at night?" in page.content.decode()
        assert 'name="body"' not in page.content.decode()
        before = database_state()
        for data in (add(), {"action": "resolve", "question": "3.1"}):
            assert client.post(url, data).status_code == 403
        assert database_state() == before


def test_a_viewer_share_has_threads_too(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner, detail="full"), fatima, fund)
    assert client_for(fatima).post(recipient_url(share), add()).status_code == 302
    # No review page to come back to: the comments page.
    assert client_for(fatima).post(
        recipient_url(share), add(body="And at weekends?", number="1")
    ).url == (recipient_url(share) + "#t-3.1")


def test_a_summary_share_has_no_question_to_comment_on(baseline, owner, fatima, fund):
    share = accepted(offer(baseline, owner, role="reviewer"), fatima, fund)
    as_fatima = client_for(fatima)
    page = as_fatima.get(recipient_url(share)).content.decode()
    assert "it has no question to comment on" in page
    before = database_state()
    response = as_fatima.post(recipient_url(share), add())
    assert response.status_code == 400
    assert database_state() == before


def test_a_revoked_share_takes_its_threads_from_the_recipient_not_the_owner(
    share, rex, owner, baseline
):
    as_rex, as_owner = client_for(rex), client_for(owner)
    as_rex.post(recipient_url(share), add())
    sharing_services.share_end(share=share, user=owner, site=SITE)
    assert as_rex.get(recipient_url(share)).status_code == 404
    before = database_state()
    assert as_rex.post(recipient_url(share), add(body="Still there?")).status_code == 404
    page = as_owner.get(owner_url(share, baseline))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Who answers the hotline at night?" in text
    assert "The share has ended" in text
    # Nor does the owner write in it any more.
    response = as_owner.post(owner_url(share, baseline), add(body="Anyone?"))
    assert response.status_code == 400
    assert database_state() == before


def test_the_sharing_page_links_each_accepted_shares_comments(share, owner, baseline):
    page = (
        client_for(owner)
        .get(reverse("checklists:assessment-sharing", args=[baseline.pk]))
        .content.decode()
    )
    assert owner_url(share, baseline) in page


def _talk(share, rex, owner, baseline, keys):
    for key in keys:
        client_for(rex).post(recipient_url(share), add(key=key))
        client_for(owner).post(owner_url(share, baseline), add(key=key, body="Answered."))


def test_the_comment_pages_cost_the_same_with_more_threads(
    share, rex, owner, baseline, django_assert_num_queries
):
    as_rex, as_owner = client_for(rex), client_for(owner)
    pages = [
        (as_rex, recipient_url(share), QUERIES_RECIPIENT_PAGE),
        (as_owner, owner_url(share, baseline), QUERIES_OWNER_PAGE),
        (as_rex, review_url(share), QUERIES_REVIEW_PAGE),
    ]
    _talk(share, rex, owner, baseline, ["3.1"])
    for client, url, _count in pages:
        client.get(url)  # the checklist, read once
    for client, url, count in pages:
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
    _talk(share, rex, owner, baseline, ["3.2", "3.3", "7.1", "7.2"])
    assert Comment.objects.count() == 10
    for client, url, count in pages:
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200


# The session and its user; the share with its recipient and the user's role there; the
# submission; the action plan (redact); the threads with their comments.
QUERIES_RECIPIENT_PAGE = 6
# The session and its user; the assessment with the user's role; the share; the submission;
# the action plan; the threads with their comments.
QUERIES_OWNER_PAGE = 7
# As in test_reviews.py.
QUERIES_REVIEW_PAGE = 8
