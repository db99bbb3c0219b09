"""Limits on the e-mails anyone may have the site send without signing in: sign-up and password
reset. Per address, the answer stays the same and nothing is sent; per network, the form says
so. Counted in the database, so that every worker sees the same counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from checklists.models import MailAttempt
from checklists.services import limits
from tests.conftest import person, sent_mail

pytestmark = pytest.mark.django_db

SIGNUP = reverse("signup")
RESET = reverse("password_reset")


def ask(client, url, email, ip="203.0.113.7"):
    return client.post(url, {"email": email}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("url", [SIGNUP, RESET])
def test_an_address_is_sent_three_mails_an_hour_and_the_answer_never_changes(client, url):
    person("ana@ngo.example", "Ana")  # a reset is sent to an existing account only
    answers = [
        ask(client, url, email)
        for email in ("ana@ngo.example", "ANA@ngo.example", "Ana@NGO.example", "ana@ngo.example")
    ]
    # The fourth, in whatever case, is answered as the others, and sends nothing.
    assert {a.status_code for a in answers} == {302}
    assert len({a["Location"] for a in answers}) == 1
    assert len(sent_mail()) == 3
    # Another address from the same network is still served.
    person("ben@ngo.example", "Ben")
    ask(client, url, "ben@ngo.example")
    assert len(sent_mail()) == 4


@pytest.mark.parametrize("url", [SIGNUP, RESET])
def test_a_network_asking_for_too_many_is_told_and_sent_nothing(client, url):
    for n in range(limits.PER_NETWORK):
        assert ask(client, url, f"p{n}@example.org").status_code == 302
    sent = len(sent_mail())
    response = ask(client, url, "one.more@example.org")
    assert response.status_code == 429
    assert "Too many e-mails were asked for from your network" in response.content.decode()
    assert len(sent_mail()) == sent
    # Another network is not held back, nor another address in the same IPv6 /64 let through.
    assert ask(client, url, "other@example.org", ip="198.51.100.1").status_code == 302
    for n in range(limits.PER_NETWORK):
        ask(client, url, f"v6-{n}@example.org", ip=f"2001:db8:1:2::{n + 1:x}")
    assert ask(client, url, "v6@example.org", ip="2001:db8:1:2:ffff::1").status_code == 429
    assert ask(client, url, "v6@example.org", ip="2001:db8:1:3::1").status_code == 302


def test_the_counts_keep_no_address_and_forget_after_an_hour(client):
    for _ in range(limits.PER_ADDRESS + 1):
        ask(client, SIGNUP, "ana@ngo.example")
    assert len(sent_mail()) == limits.PER_ADDRESS
    keys = " ".join(MailAttempt.objects.values_list("key", flat=True))
    assert "ana" not in keys
    assert "203.0.113" not in keys
    MailAttempt.objects.update(at=MailAttempt.objects.first().at - timedelta(hours=1, seconds=1))
    ask(client, SIGNUP, "ana@ngo.example")
    assert len(sent_mail()) == limits.PER_ADDRESS + 1
    # The old attempts are gone: only this one's two counts are left.
    assert MailAttempt.objects.count() == 2


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::/64"),
        ("not an address", "unknown"),
        (None, "unknown"),
    ],
)
def test_networks_as_counted(ip, network):
    assert limits.network_of(ip) == network
