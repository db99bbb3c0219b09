from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..evidence_files import accepted_kinds
from ..models import EvidenceFile


def _date(label, help_text=""):
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class EvidenceUploadForm(forms.Form):
    """A file and what governs it. The file's content is checked by the service, which says
    why it refuses one."""

    file = forms.FileField(label=_("File"))
    personal_data = forms.ChoiceField(
        label=_("Does this file contain personal data?"),
        choices=EvidenceFile.PersonalData.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Names, phone numbers, ID numbers, photos of faces, grievance case files. If yes or "
            "not sure, only your organisation's owners and editors can see the file, it is never "
            "shared, and it is deleted within %(days)d days."
        )
        % {"days": settings.EVIDENCE_RESTRICTED_DAYS},
    )
    retention_until = forms.DateField(
        label=_("Delete the file on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required: keep evidence no longer than you need it."),
    )
    about_from = _date(_("The evidence is about the period from"))
    about_until = _date(_("until"))
    stale_on = _date(
        _("Refresh by"), _("When this evidence will be out of date, if you know (optional).")
    )

    def __init__(self, *args, delete_on: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Up to %(size)s. Accepted: %(kinds)s. Checked by what the file contains, not by its "
            "name; photos are stored without their location and camera details."
        ) % {"size": filesizeformat(settings.EVIDENCE_MAX_BYTES), "kinds": accepted_kinds()}
        # The organisation's policy decides the date a file is deleted on unless changed.
        self.fields["retention_until"].initial = delete_on
