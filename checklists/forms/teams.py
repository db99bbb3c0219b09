"""Working together: invitations, roles, collaborators' access, and the activity filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..accounts import normalise_email
from ..models import Membership


class InvitationForm(forms.Form):
    """Invite someone to the organisation by e-mail, with a role."""

    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.EDITOR,
        help_text=_(
            "Owners manage members and the organisation; editors answer, submit and plan; viewers read and download."
        ),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class CollaboratorForm(InvitationForm):
    """Invite someone outside the organisation to work on one project."""

    role = forms.ChoiceField(
        label=_("Access"),
        choices=[
            (Membership.Role.EDITOR, _("Can edit: answers, submits and plans actions")),
            (Membership.Role.VIEWER, _("Can view: reads and downloads")),
        ],
        initial=Membership.Role.EDITOR,
        widget=forms.RadioSelect,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class AccessForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Access"),
        choices=[(Membership.Role.EDITOR, _("Can edit")), (Membership.Role.VIEWER, _("Can view"))],
    )


class ActivityFilterForm(forms.Form):
    """The filters of an activity page, read from the query string."""

    person = forms.TypedChoiceField(label=_("Who"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("What"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, people, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Anyone")), *people]
        self.fields["kind"].choices = [("", _("Anything")), *kinds]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError(_("The first date must not be after the second."))
        return cleaned
