"""Top-level URLs: accounts, admin, health, and the checklists app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from checklists.forms.accounts import LoginForm
from checklists.views import accounts, public

urlpatterns = [
    path("", include("checklists.urls")),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/sent/", accounts.signup_sent, name="signup-sent"),
    path("accounts/signup/<str:token>/", accounts.signup_finish, name="signup-finish"),
    path("accounts/settings/", accounts.account_settings, name="account-settings"),
    path("accounts/settings/name/", accounts.account_name, name="account-name"),
    path(
        "accounts/settings/notifications/",
        accounts.account_notifications,
        name="account-notifications",
    ),
    path("accounts/settings/email/", accounts.account_email, name="account-email"),
    path(
        "accounts/settings/email/<str:token>/",
        accounts.account_email_confirm,
        name="account-email-confirm",
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", public.logout_page, name="logout"),
    # Before Django's own, which they replace: a reset's e-mails are limited, and a reset
    # also lifts a log-in lock-out.
    path("accounts/password_reset/", public.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        public.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", public.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "checklists.views.public.bad_request"
