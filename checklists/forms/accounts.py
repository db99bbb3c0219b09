"""Forms of a person's own account: signing up, logging in, their name and address."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from ..accounts import normalise_email
from ..models import User


class SignupForm(forms.Form):
    """The first step of signing up: the address, to which the rest of the way is sent."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We will send a link to this address to finish creating your account."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class SignupFinishForm(auth_forms.BaseUserCreationForm):
    """The last step of signing up, from the e-mailed link: a name and a password."""

    class Meta:
        model = User
        fields = ["name"]

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The password must not resemble the address either (UserAttributeSimilarityValidator).
        self.instance.email = email
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})


class NameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name"]
        labels = {"name": _("Your name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})


class EmailChangeForm(forms.Form):
    """A new address for the account, asked with the current password."""

    email = forms.EmailField(
        label=_("New e-mail address"),
        max_length=254,
        help_text=_("We will send a link to this address: it becomes yours when you follow it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if email == normalise_email(self.user.email):
            raise forms.ValidationError(_("That is already your address."))
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."))
        return password


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
