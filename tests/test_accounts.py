import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def test_signup_creates_account_and_signs_in(client, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "name": "Amina Rahman",
            "email": "Amina@NGO.example",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("checklists:dashboard")
    user = django_user_model.objects.get()
    assert user.email == "amina@ngo.example"
    assert client.get(reverse("checklists:dashboard")).context["user"] == user


def test_signup_refuses_an_address_already_in_use(client, owner, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "name": "Someone",
            "email": owner.email.upper(),
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.text
    assert django_user_model.objects.count() == 1


def test_signup_refuses_weak_password(client, django_user_model):
    response = client.post(
        reverse("signup"),
        {"name": "X", "email": "x@example.org", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert "too common" in response.text
    assert not django_user_model.objects.exists()


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
