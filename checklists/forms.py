"""Forms: they validate and normalise input; they never write beyond their own model."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .models import User


class SignupForm(auth_forms.BaseUserCreationForm):
    """Create an account with a name, an e-mail address and a password."""

    class Meta:
        model = User
        fields = ["name", "email"]
        labels = {"email": _("E-mail address")}
        help_texts = {"email": _("You will sign in with this address.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        # Focus jumps past the page's heading and help text for screen-reader users.
        self.fields["email"].widget.attrs.pop("autofocus", None)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "An account with this e-mail address already exists. Sign in, or reset your password."
                )
            )
        return email


class LoginForm(auth_forms.AuthenticationForm):
    """Sign in with an e-mail address (Django calls the field "username")."""

    username = auth_forms.UsernameField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "That e-mail address and password do not match an account. Check both and try again."
        ),
    }
