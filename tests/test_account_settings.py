"""Account settings: the name, the e-mail address (through a link sent to the new one), and the
way to the password change; the site header's link to them."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/settings/email/\S+/)", message.body).group(1)


@pytest.mark.parametrize(
    "name", ["account-settings", "account-name", "account-email", "password_change"]
)
def test_account_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_the_settings_page_shows_the_account_and_the_ways_to_change_it(owner):
    page = client_for(owner).get(reverse("account-settings"))
    assert page.status_code == 200
    assert "Olivia Owner" in page.text
    assert owner.email in page.text
    for name in ("account-name", "account-email", "password_change"):
        assert f'href="{reverse(name)}"' in page.text


def test_the_header_links_to_the_settings_and_marks_them_current(client, owner):
    settings_link = reverse("account-settings")
    assert settings_link not in client.get(reverse("checklists:home")).text
    client.force_login(owner)
    # The header is drawn once per page and kept: each page must still get its own.
    for _ in range(2):
        on_settings = client.get(settings_link).text
        assert f'<a href="{settings_link}" aria-current="page">Account</a>' in on_settings
        on_dashboard = client.get(reverse("checklists:dashboard")).text
        assert f'<a href="{settings_link}">Account</a>' in on_dashboard
        assert 'aria-current="page">My projects</a>' in on_dashboard


# --- Name ----------------------------------------------------------------------------------


def test_changing_the_name(owner):
    client = client_for(owner)
    response = client.post(reverse("account-name"), {"name": "  Olivia Okafor "})
    assert response.status_code == 302
    assert response.url == reverse("account-settings")
    assert messages_of(response) == ["Your name is saved."]
    owner.refresh_from_db()
    assert owner.name == "Olivia Okafor"


def test_a_name_is_required(owner):
    response = client_for(owner).post(reverse("account-name"), {"name": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    owner.refresh_from_db()
    assert owner.name == "Olivia Owner"


# --- E-mail address ------------------------------------------------------------------------


def test_changing_the_address_asks_for_the_current_password(owner):
    response = client_for(owner).post(
        reverse("account-email"), {"email": "olivia@new.example", "password": "a guess"}
    )
    assert response.status_code == 200
    assert "That is not your current password." in response.text
    assert mail.outbox == []


def test_the_current_address_is_not_a_new_one(owner):
    response = client_for(owner).post(
        reverse("account-email"), {"email": owner.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "That is already your address." in response.text
    assert mail.outbox == []


def test_the_address_changes_only_when_the_link_sent_to_it_is_followed(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("account-email"), {"email": "Olivia@New.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("account-settings")
    owner.refresh_from_db()
    assert owner.email == "olivia@brand.example"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olivia@new.example"]
    assert message.subject == "Confirm your new westcheck e-mail address"

    link = confirmation_link(message)
    page = client.get(link)
    assert page.status_code == 200
    assert "<strong>olivia@new.example</strong>" in page.text
    owner.refresh_from_db()
    assert owner.email == "olivia@brand.example"  # opening the link changes nothing

    response = client.post(link)
    assert response.status_code == 302
    assert messages_of(response) == ["Your e-mail address is now olivia@new.example."]
    owner.refresh_from_db()
    assert owner.email == "olivia@new.example"
    # The old address is told.
    notice = mail.outbox[-1]
    assert notice.to == ["olivia@brand.example"]
    assert "now uses olivia@new.example" in notice.body
    # The session goes on, and the new address logs in.
    assert client.get(reverse("account-settings")).status_code == 200
    fresh = Client()
    response = fresh.post(
        reverse("login"), {"username": "olivia@new.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    # The link works once.
    again = client.post(link)
    assert again.status_code == 400
    assert "Your address has changed since this link was sent." in again.text


def test_a_taken_address_gets_the_same_answer_and_is_not_given(owner, outsider):
    answers = []
    for address in (outsider.email, "free@new.example"):
        response = client_for(owner).post(
            reverse("account-email"), {"email": address, "password": PASSWORD}
        )
        answers.append(
            (
                response.status_code,
                response.url,
                [m.replace(address, "X") for m in messages_of(response)],
            )
        )
    assert answers[0] == answers[1]
    taken, free = mail.outbox
    assert taken.to == [outsider.email]
    assert "already has an account of its own, so nothing changed" in taken.body
    assert "/accounts/settings/email/" not in taken.body
    assert free.to == ["free@new.example"]
    owner.refresh_from_db()
    assert owner.email == "olivia@brand.example"


def test_an_address_taken_after_the_link_was_sent_is_not_given(owner, django_user_model):
    client = client_for(owner)
    client.post(reverse("account-email"), {"email": "olivia@new.example", "password": PASSWORD})
    link = confirmation_link(mail.outbox[0])
    django_user_model.objects.create_user(email="olivia@new.example", name="Quick", password="x")
    response = client.post(link)
    assert response.status_code == 400
    assert "Another account uses olivia@new.example now" in response.text
    owner.refresh_from_db()
    assert owner.email == "olivia@brand.example"


def test_the_link_works_only_for_the_account_that_asked(owner, outsider):
    client_for(owner).post(
        reverse("account-email"), {"email": "olivia@new.example", "password": PASSWORD}
    )
    link = confirmation_link(mail.outbox[0])
    other = client_for(outsider)
    assert other.get(link).status_code == 400
    response = other.post(link)
    assert response.status_code == 400
    assert "This link is for another account." in response.text
    for person in (owner, outsider):
        person.refresh_from_db()
    assert (owner.email, outsider.email) == ("olivia@brand.example", "oscar@elsewhere.example")
    anonymous = Client().post(link)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login") + "?next=")


def test_a_forged_confirmation_link_changes_nothing(owner):
    client = client_for(owner)
    client.post(reverse("account-email"), {"email": "olivia@new.example", "password": PASSWORD})
    token = confirmation_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    forged = reverse("account-email-confirm", args=["x" + token[1:]])
    response = client.post(forged)
    assert response.status_code == 400
    assert "This link is not valid" in response.text
    owner.refresh_from_db()
    assert owner.email == "olivia@brand.example"
