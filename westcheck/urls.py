"""Top-level URLs: accounts, admin, health, and the checklists app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from checklists import forms, views

urlpatterns = [
    path("", include("checklists.urls")),
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=forms.LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", views.logout_page, name="logout"),
    # Before Django's own, which it replaces: a reset also lifts a log-in lock-out.
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "checklists.views.bad_request"
