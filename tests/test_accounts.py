import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a long passphrase 42"


def signup_link(message) -> str:
    """The path of the link in a sign-up e-mail."""
    return re.search(r"https?://[^/\s]+(/accounts/signup/\S+/)", message.body).group(1)


def finish_signup(client, link: str, name: str = "Amina Rahman", password=NEW_PASSWORD):
    return client.post(link, {"name": name, "password1": password, "password2": password})


def test_signup_sends_a_link_and_the_link_creates_the_account(client, django_user_model):
    response = client.post(reverse("signup"), {"email": " Amina@NGO.example "})
    assert response.status_code == 302
    assert response.url == reverse("signup-sent")
    # Nothing exists until the link is followed.
    assert not django_user_model.objects.exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@ngo.example"]
    assert message.subject == "Finish creating your westcheck account"
    sent = client.get(response.url)
    assert "Check your e-mail to finish creating your account" in sent.text
    assert "amina@ngo.example" in sent.text

    link = signup_link(message)
    page = client.get(link)
    assert page.status_code == 200
    assert "You will log in with <strong>amina@ngo.example</strong>" in page.text
    assert not django_user_model.objects.exists()
    response = finish_signup(client, link)
    assert response.status_code == 302
    assert response.url == reverse("checklists:dashboard")
    user = django_user_model.objects.get()
    assert (user.email, user.name, user.is_active) == ("amina@ngo.example", "Amina Rahman", True)
    assert user.check_password(NEW_PASSWORD)
    dashboard = client.get(reverse("checklists:dashboard"))
    assert dashboard.context["user"] == user
    assert "Welcome to westcheck. Your account is ready." in dashboard.text


def _signup_answer(address: str) -> tuple:
    """Everything a visitor learns from signing up with this address: statuses, where they are
    sent, and the page they see there (with the address they typed taken out)."""
    client = Client()
    form = client.get(reverse("signup"))
    response = client.post(reverse("signup"), {"email": address})
    sent = client.get(response.url)
    return (
        form.status_code,
        response.status_code,
        response.url,
        sent.status_code,
        sent.text.replace(address.strip().lower(), "ADDRESS"),
    )


def test_signup_answers_alike_whether_or_not_the_address_has_an_account(owner, django_user_model):
    assert _signup_answer(owner.email.upper()) == _signup_answer("newcomer@ngo.example")
    # Nothing was created for either: the owner's account is the only one, as it was.
    assert list(django_user_model.objects.all()) == [owner]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_an_address_with_an_account_is_told_how_to_log_in_and_reset(client, owner):
    client.post(reverse("signup"), {"email": owner.email.upper(), "next": "/invitations/abc/"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert message.subject == "Someone tried to sign up to westcheck with your address"
    assert "nothing was created" in message.body
    assert "/accounts/signup/" not in message.body
    assert f"{reverse('login')}?next=%2Finvitations%2Fabc%2F" in message.body
    # The reset link in it works.
    reset = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)
    page = client.get(reset, follow=True)
    assert page.context["validlink"]
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "brand new passphrase 9", "new_password2": "brand new passphrase 9"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("brand new passphrase 9")


def test_a_switched_off_account_gets_no_mail_but_the_same_answer(client, owner):
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    response = client.post(reverse("signup"), {"email": owner.email})
    assert response.url == reverse("signup-sent")
    assert mail.outbox == []


def test_signup_refuses_weak_password(client, django_user_model):
    client.post(reverse("signup"), {"email": "x@example.org"})
    response = finish_signup(client, signup_link(mail.outbox[0]), name="X", password="12345678")
    assert response.status_code == 200
    assert "too common" in response.text
    assert not django_user_model.objects.exists()


def test_signup_refuses_a_password_like_the_address(client, django_user_model):
    client.post(reverse("signup"), {"email": "ramanujan.srinivasa@example.org"})
    link = signup_link(mail.outbox[0])
    response = finish_signup(client, link, name="R", password="ramanujan.srinivasa")
    assert response.status_code == 200
    assert "too similar" in response.text
    assert not django_user_model.objects.exists()


def test_signup_asks_for_a_valid_address(client):
    response = client.post(reverse("signup"), {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert mail.outbox == []


def test_a_sign_up_link_works_once(client, django_user_model):
    client.post(reverse("signup"), {"email": "amina@ngo.example"})
    link = signup_link(mail.outbox[0])
    assert finish_signup(Client(), link).status_code == 302
    for method in ("get", "post"):
        again = Client()
        response = getattr(again, method)(link, {"name": "Someone Else"})
        assert response.status_code == 410
        assert "exists already" in response.text
        assert "_auth_user_id" not in again.session
    assert django_user_model.objects.get().name == "Amina Rahman"


def test_two_links_for_one_address_make_one_account(client, django_user_model):
    client.post(reverse("signup"), {"email": "amina@ngo.example"})
    client.post(reverse("signup"), {"email": "amina@ngo.example"})
    first, second = (signup_link(m) for m in mail.outbox)
    assert finish_signup(Client(), first).status_code == 302
    response = finish_signup(Client(), second, name="Second")
    assert response.status_code == 410
    assert django_user_model.objects.get().name == "Amina Rahman"


def test_a_forged_sign_up_link_is_refused(client, django_user_model):
    client.post(reverse("signup"), {"email": "amina@ngo.example"})
    link = signup_link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = reverse("signup-finish", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")])
    for response in (client.get(forged), finish_signup(client, forged)):
        assert response.status_code == 400
        assert "This link is not valid" in response.text
    assert not django_user_model.objects.exists()


def test_an_old_sign_up_link_has_expired(client, django_user_model, monkeypatch, settings):
    from django.core import signing

    real = signing.TimestampSigner.timestamp
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    monkeypatch.setattr(
        signing.TimestampSigner,
        "timestamp",
        lambda self: signing.b62_encode(
            signing.b62_decode(real(self)) - settings.PASSWORD_RESET_TIMEOUT - 1
        ),
    )
    client.post(reverse("signup"), {"email": "amina@ngo.example"})
    monkeypatch.undo()
    response = finish_signup(client, signup_link(mail.outbox[0]))
    assert response.status_code == 410
    assert f"This link has expired: links work for {days} days." in response.text
    assert not django_user_model.objects.exists()


def test_a_signed_in_person_cannot_use_someone_elses_sign_up_link(client, owner):
    client.post(reverse("signup"), {"email": "amina@ngo.example"})
    link = signup_link(mail.outbox[0])
    client.force_login(owner)
    response = finish_signup(client, link)
    assert response.status_code == 403
    assert "Log out first" in response.text
    assert type(owner).objects.count() == 1


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)", "/\\evil.example"],
)
def test_only_pages_of_this_site_are_gone_on_to_after_signing_up(client, next_url):
    page = client.get(reverse("signup"), {"next": next_url})
    assert "evil.example" not in page.text
    assert "javascript:" not in page.text
    client.post(reverse("signup"), {"email": "amina@ngo.example", "next": next_url})
    response = finish_signup(client, signup_link(mail.outbox[0]))
    assert response.url == reverse("checklists:dashboard")


def test_signup_keeps_where_to_go_next_and_the_address_to_prefill(client):
    page = client.get(
        reverse("signup"), {"next": "/invitations/abc/", "email": "amina@ngo.example"}
    )
    assert 'value="amina@ngo.example"' in page.text
    assert '<input type="hidden" name="next" value="/invitations/abc/">' in page.text
    assert f'href="{reverse("login")}?next=/invitations/abc/"' in page.text
    client.post(reverse("signup"), {"email": "amina@ngo.example", "next": "/invitations/abc/"})
    response = finish_signup(client, signup_link(mail.outbox[0]))
    assert response.status_code == 302
    assert response.url == "/invitations/abc/"


def test_the_log_in_page_passes_where_to_go_next_on_to_sign_up(client):
    page = client.get(reverse("login"), {"next": "/invitations/abc/"})
    assert f'href="{reverse("signup")}?next=/invitations/abc/"' in page.text


def test_login_and_logout(client, owner):
    response = client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("checklists:dashboard")
    assert client.get(reverse("checklists:dashboard")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("checklists:dashboard")).status_code == 302


def test_dashboard_requires_login(client):
    response = client.get(reverse("checklists:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_change(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another passphrase 7",
            "new_password2": "another passphrase 7",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("another passphrase 7")


def reset_password_through_the_emailed_link(client, email: str, new_password: str):
    """Ask for a reset, follow the link in the e-mail and choose a new password."""
    client.post(reverse("password_reset"), {"email": email})
    message = mail.outbox[-1]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    response = client.get(link, follow=True)
    assert response.context["validlink"]
    return client.post(
        response.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )


def test_password_reset_sends_a_working_link(client, owner):
    response = reset_password_through_the_emailed_link(
        client, owner.email, "brand new passphrase 9"
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your westcheck password"
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("brand new passphrase 9")


def test_password_reset_for_unknown_address_reveals_nothing(client, owner):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_repeated_failed_logins_are_refused_even_with_the_right_password(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": owner.email, "password": "guess"})
        assert response.status_code == 200
        assert "do not match an account" in response.text
    # The failure that reaches the limit is refused, and so is everything after it.
    response = client.post(reverse("login"), {"username": owner.email, "password": "guess"})
    assert response.status_code == 429
    response = client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_affect_another_account(client, owner, outsider, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": owner.email, "password": "guess"})
    response = client.post(reverse("login"), {"username": outsider.email, "password": PASSWORD})
    assert response.status_code == 302


def test_successful_login_resets_the_failure_count(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": owner.email, "password": "guess"})
    assert (
        client.post(reverse("login"), {"username": owner.email, "password": PASSWORD}).status_code
        == 302
    )
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": owner.email, "password": "guess"})
    assert (
        client.post(reverse("login"), {"username": owner.email, "password": PASSWORD}).status_code
        == 302
    )


def test_changing_the_letter_case_of_the_address_does_not_escape_the_lockout(
    client, owner, settings
):
    # Log-in ignores case, so "Olivia@Brand.example" is the same account as "olivia@brand...".
    spellings = [
        owner.email[:i] + owner.email[i].upper() + owner.email[i + 1 :]
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    for spelling in spellings[:-1]:
        response = client.post(reverse("login"), {"username": spelling, "password": "guess"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": spellings[-1], "password": "guess"})
    assert response.status_code == 429
    response = client.post(
        reverse("login"), {"username": f" {owner.email.upper()} ", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_a_successful_login_clears_the_failures_of_every_spelling(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": owner.email.upper(), "password": "guess"})
    response = client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("logout"))
    response = client.post(reverse("login"), {"username": owner.email.upper(), "password": "guess"})
    assert response.status_code == 200
    assert "do not match an account" in response.text
    response = client.post(
        reverse("login"), {"username": owner.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302


PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"


def test_behind_a_proxy_the_lockout_holds_the_attackers_address_only(client, owner, settings):
    settings.PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": owner.email, "password": "guess"},
            REMOTE_ADDR=PROXY,
            # The proxy appends the address it saw; whatever is left of it, the attacker wrote.
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, {ATTACKER}",
        )
    response = client.post(
        reverse("login"),
        {"username": owner.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}",
    )
    assert response.status_code == 429
    response = client.post(
        reverse("login"),
        {"username": owner.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="192.0.2.10",
    )
    assert response.status_code == 302


def test_without_a_proxy_a_forged_forwarded_for_header_does_not_escape_the_lockout(
    client, owner, settings
):
    settings.PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": owner.email, "password": "guess"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    response = client.post(
        reverse("login"),
        {"username": owner.email, "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.10",
    )
    assert response.status_code == 429


def test_a_password_reset_lifts_the_lockout(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": owner.email, "password": "guess"})
    response = client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 429
    response = reset_password_through_the_emailed_link(
        client, owner.email, "brand new passphrase 9"
    )
    assert response.status_code == 302
    response = client.post(
        reverse("login"), {"username": owner.email, "password": "brand new passphrase 9"}
    )
    assert response.status_code == 302
    assert response.url == reverse("checklists:dashboard")


def test_a_log_out_through_another_process_ends_the_session_here_at_once(client, owner):
    """Another gunicorn worker logging this session out deletes its row and can reach no
    memory of this process: the next request here must be refused all the same."""
    from django.contrib.sessions.models import Session

    client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    dashboard = reverse("checklists:dashboard")
    for _ in range(3):
        assert client.get(dashboard).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).delete()
    response = client.get(dashboard)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_password_changed_elsewhere_ends_every_other_session(client, owner):
    client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    dashboard = reverse("checklists:dashboard")
    assert client.get(dashboard).status_code == 200
    owner.set_password("another long passphrase")
    owner.save()
    assert client.get(dashboard).status_code == 302


def test_a_deactivated_account_is_signed_out_on_its_next_request(client, owner):
    client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    dashboard = reverse("checklists:dashboard")
    assert client.get(dashboard).status_code == 200
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    assert client.get(dashboard).status_code == 302
