"""A person's own account: signing up through an e-mailed link, and the account settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from westcheck.client_ip import client_ip

from .. import services
from ..forms.accounts import EmailChangeForm, NameForm, SignupFinishForm, SignupForm
from ..links import site_of
from ..services import limits
from ..services.accounts import LinkProblem, link_days

SIGNUP_EMAIL = "signup_email"  # the session key: the address the last sign-up was sent to


def safe_next(request: HttpRequest, value: str | None) -> str:
    """`value` when it is a page of this site to go on to, else ""."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


# --- Signing up ----------------------------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    """Step one: the address. Every address gets the same answer (see services.accounts)."""
    if request.user.is_authenticated:
        return redirect("checklists:dashboard")
    source = request.POST if request.method == "POST" else request.GET
    next_url = safe_next(request, source.get("next"))
    if request.method == "POST":
        form = SignupForm(request.POST)
    else:
        form = SignupForm(initial={"email": request.GET.get("email", "")[:254]})
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        limit = limits.mail_attempt(purpose="signup", address=email, ip=client_ip(request))
        if limit is limits.Limit.NETWORK:
            form.add_error(None, limits.network_message())
            status = 429
        else:
            # Over the address's limit, the same answer and no e-mail (see services.limits).
            if limit is limits.Limit.NONE:
                services.signup_request(email=email, site=site_of(request), next_url=next_url)
            request.session[SIGNUP_EMAIL] = email
            return redirect("signup-sent")
    return render(
        request, "registration/signup.html", {"form": form, "next": next_url}, status=status
    )


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registration/signup_sent.html",
        {"email": request.session.get(SIGNUP_EMAIL, ""), "days": link_days()},
    )


@sensitive_post_parameters("password1", "password2")
def signup_finish(request: HttpRequest, token: str) -> HttpResponse:
    """Step two, from the e-mailed link: a name and a password, and the account exists."""
    link = services.signup_link(token)
    if isinstance(link, LinkProblem):
        return _signup_problem(request, link)
    next_url = safe_next(request, link.next_url)
    if request.user.is_authenticated:
        # Someone else's session in this browser: the new account is not for it.
        return _signup_problem(
            request,
            LinkProblem(
                _("You are logged in as %(you)s. Log out first to create an account for %(email)s.")
                % {"you": request.user.email, "email": link.email}
            ),
            status=403,
        )
    form = SignupFinishForm(request.POST or None, email=link.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.signup_complete(
                email=link.email,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            return _signup_problem(request, LinkProblem(" ".join(error.messages)), next_url)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session.pop(SIGNUP_EMAIL, None)
        messages.success(request, _("Welcome to westcheck. Your account is ready."))
        return redirect(next_url or "checklists:dashboard")
    return render(request, "registration/signup_finish.html", {"form": form, "email": link.email})


def _signup_problem(
    request: HttpRequest, problem: LinkProblem, next_url: str = "", status: int | None = None
) -> HttpResponse:
    if status is None:
        status = 410 if problem.gone else 400
    return render(
        request,
        "registration/signup_problem.html",
        {"problem": problem.message, "next": next_url or safe_next(request, problem.next_url)},
        status=status,
    )


# --- Account settings ----------------------------------------------------------------------


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/account_settings.html")


@login_required
@require_POST
def account_notifications(request: HttpRequest) -> HttpResponse:
    """Each e-mail of share, review and comment news as it happens, or one a day."""
    choice = request.POST.get("daily_digest")
    if choice not in ("0", "1"):
        return HttpResponseBadRequest(_("Choose one e-mail each time, or one a day."))
    services.account_set_digest(user=request.user, daily=choice == "1")
    messages.success(
        request,
        _("You will get one e-mail a day.")
        if choice == "1"
        else _("You will get each e-mail as it happens."),
    )
    return redirect("account-settings")


@login_required
def account_name(request: HttpRequest) -> HttpResponse:
    form = NameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.account_rename(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, _("Your name is saved."))
        return redirect("account-settings")
    return render(request, "registration/account_name.html", {"form": form})


@login_required
@sensitive_post_parameters("password")
def account_email(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        services.email_change_request(user=request.user, new_email=email, site=site_of(request))
        messages.info(
            request,
            ngettext(
                "We have sent a link to %(email)s. Your address changes when you follow it, within %(days)d day; until then, keep using %(current)s.",
                "We have sent a link to %(email)s. Your address changes when you follow it, within %(days)d days; until then, keep using %(current)s.",
                link_days(),
            )
            % {"email": email, "days": link_days(), "current": request.user.email},
        )
        return redirect("account-settings")
    return render(request, "registration/account_email.html", {"form": form})


@login_required
def account_email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to a new address: a button that makes the change (a GET changes nothing,
    so that a mail filter that opens links does not)."""
    change = services.email_change_link(token, request.user)
    problem = change.message if isinstance(change, LinkProblem) else ""
    if request.method == "POST" and not problem:
        try:
            services.email_change_confirm(user=request.user, change=change)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(
                request, _("Your e-mail address is now %(email)s.") % {"email": change.new}
            )
            return redirect("account-settings")
    status = 200
    if problem:
        status = 410 if getattr(change, "gone", False) else 400
    return render(
        request,
        "registration/account_email_confirm.html",
        {"change": None if problem else change, "problem": problem},
        status=status,
    )
