"""News of shares, reviews and comments: an e-mail each time, or one a day for those who chose
it; invitations and log-in links always at once."""

# The fixtures come from test_sharing.py, imported by name: pytest finds them so.
# ruff: noqa: F811

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from checklists.models import Notice, User
from tests.conftest import database_state
from tests.test_sharing import (  # noqa: F401 (fixtures)
    accepted,
    baseline,
    client_for,
    fatima,
    fund,
    offer,
    project,
)

pytestmark = pytest.mark.django_db


def test_a_person_chooses_one_email_a_day(fatima):
    as_fatima = client_for(fatima)
    page = as_fatima.get(reverse("account-settings")).content.decode()
    assert "One e-mail a day, with all of it" in page
    response = as_fatima.post(reverse("account-notifications"), {"daily_digest": "1"})
    assert response.status_code == 302
    assert User.objects.get(pk=fatima.pk).daily_digest is True
    before = database_state()
    assert (
        as_fatima.post(reverse("account-notifications"), {"daily_digest": "2"}).status_code == 400
    )
    assert database_state() == before


def test_news_waits_for_the_digest_and_comes_in_one_email(baseline, owner, fatima, fund):
    User.objects.filter(pk=fatima.pk).update(daily_digest=True)
    fatima.refresh_from_db()
    sent = len(mail.outbox)
    first = offer(baseline, owner)  # an offer to Fatima: kept for her digest
    assert len(mail.outbox) == sent
    accepted(first, fatima, fund)  # Olivia hears of it at once: she has no digest
    assert mail.outbox[-1].to == ["olivia@brand.example"]
    offer(baseline, owner, email="fatima@fund.example", detail="full")
    assert Notice.objects.filter(user=fatima, sent_at__isnull=True).count() == 2

    out = io.StringIO()
    call_command("send_digests", stdout=out)
    assert "Digests sent: 1" in out.getvalue()
    digest = mail.outbox[-1]
    assert digest.to == ["fatima@fund.example"]
    assert digest.subject == "westcheck: 2 updates"
    assert digest.body.count("\n--- ") == 2
    assert "/shares/offers/" in digest.body
    # Sent once: a second run finds nothing.
    call_command("send_digests", stdout=out)
    assert "Digests sent: 0" in out.getvalue()
    assert not Notice.objects.filter(sent_at__isnull=True).exists()
