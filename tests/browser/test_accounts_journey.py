"""A newcomer signs up through the e-mailed link, logs out, logs back in and reaches the signed-in
home; log-in and password-reset pages."""

import re

from django.core import mail
from playwright.sync_api import expect


def emailed_path(pattern: str) -> str:
    """The path of the link in the last e-mail sent."""
    return re.search(rf"https?://[^/\s]+({pattern}\S*)", mail.outbox[-1].body).group(1)


def test_new_user_signs_up_logs_out_and_logs_in(site, page, visit):
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ready to deploy")
    visit.check("home")

    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    visit.check("signup")

    page.get_by_label("E-mail address").fill("Amina@NGO.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your e-mail to finish creating your account"
    )
    expect(page.get_by_text("We have sent a message to amina@ngo.example.")).to_be_visible()
    visit.check("signup-sent")

    page.goto(site + emailed_path("/accounts/signup/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Finish creating your account")
    expect(page.get_by_text("You will log in with amina@ngo.example.")).to_be_visible()
    visit.check("signup-finish")
    page.get_by_label("Name").fill("Amina Rahman")
    page.get_by_role("textbox", name="Password", exact=True).fill("a long passphrase 42")
    page.get_by_label("Password confirmation").fill("a long passphrase 42")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My projects")
    expect(page.get_by_text("Welcome to westcheck. Your account is ready.")).to_be_visible()
    expect(page.get_by_text("Logged in as Amina Rahman.")).to_be_visible()
    expect(page.get_by_role("heading", name="Join your organisation")).to_be_visible()
    expect(page.get_by_role("heading", name="Set up your organisation")).to_be_visible()
    visit.check("signed-in-home")

    page.get_by_role("link", name="Log out").click()
    visit.check("logout-confirm")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()

    page.get_by_role("link", name="Log in").first.click()
    visit.check("login")
    # Addresses are not case-sensitive: the account was created as Amina@NGO.example.
    page.get_by_label("E-mail address").fill("amina@ngo.example")
    page.get_by_label("Password").fill("a long passphrase 42")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My projects")


def test_failed_login_shows_a_clear_error(site, page, visit, owner):
    page.goto(site + "/accounts/login/")
    page.get_by_label("E-mail address").fill(owner.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()
    visit.check("login-error")


def test_signup_errors_are_announced_next_to_the_fields(site, page, visit):
    page.goto(site + "/accounts/signup/")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    visit.check("signup-errors")

    page.get_by_label("E-mail address").fill("amina@ngo.example")
    page.get_by_role("button", name="Continue").click()
    page.goto(site + emailed_path("/accounts/signup/"))
    page.get_by_label("Name").fill("Amina Rahman")
    page.get_by_role("textbox", name="Password", exact=True).fill("12345678")
    page.get_by_label("Password confirmation").fill("12345678")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    expect(page.locator(".invalid-feedback").first).to_contain_text("too common")
    visit.check("signup-finish-errors")


def test_keyboard_user_can_skip_to_content_and_reach_the_form(site, page):
    page.goto(site + "/accounts/login/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_password_reset_pages_are_accessible(site, page, visit):
    page.goto(site + "/accounts/password_reset/")
    visit.check("password-reset")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    visit.check("password-reset-done")
