"""Forms for organisations, projects, and starting, copying and submitting assessments."""

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.html import conditional_escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ChecklistVersion, Organisation, Project, Submission


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind"]
        labels = {"name": _("Organisation name"), "kind": _("What kind of organisation is it?")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            ("", _("Choose a kind")),
            *Organisation.Kind.choices,
        ]


class OrganisationEditForm(OrganisationForm):
    """The owners' page adds the organisation's policies to its name and kind."""

    class Meta(OrganisationForm.Meta):
        fields = ["name", "kind", "evidence_keep_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The site's limit is a setting, read when the form is made.
        self.fields["evidence_keep_days"].max_value = settings.EVIDENCE_RETENTION_DAYS
        self.fields["evidence_keep_days"].validators.append(
            MaxValueValidator(settings.EVIDENCE_RETENTION_DAYS)
        )
        self.fields["evidence_keep_days"].widget.attrs["max"] = settings.EVIDENCE_RETENTION_DAYS


class ProjectForm(forms.ModelForm):
    """The project and its profile: the answers here decide which questions apply."""

    channels = forms.MultipleChoiceField(
        label=_("Channels workers will use"),
        choices=Project.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    migrant_workers = forms.TypedChoiceField(
        label=_("Are migrant workers involved?"),
        choices=[(True, _("Yes")), (False, _("No"))],
        coerce=lambda v: v in (True, "True"),
        widget=forms.RadioSelect,
    )
    minorities_present = forms.TypedChoiceField(
        label=_("Are ethnic, racial, religious or other minorities present in the workforce?"),
        choices=[(True, _("Yes")), (False, _("No"))],
        coerce=lambda v: v in (True, "True"),
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "description",
            "countries",
            "sector",
            "stage",
            "channels",
            "migrant_workers",
            "minorities_present",
            "women_share",
            "technology_provider",
            "local_partners",
            "unions",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "name": _("For example: Grievance hotline for Dhaka garment suppliers."),
            "women_share": _("Roughly, from 0 to 100. Leave empty if you do not know."),
            "stage": _("Where the deployment is today."),
        }

    def __init__(self, *args, organisation_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation_choices is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Organisation"), queryset=organisation_choices, empty_label=None
            )
            self.order_fields(["organisation"])
        self.fields["women_share"].widget.attrs.update({"min": 0, "max": 100})
        self.fields["sector"].choices = [("", _("Choose a sector")), *Project.Sector.choices]

    def clean_women_share(self):
        value = self.cleaned_data.get("women_share")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError(_("Give a percentage between 0 and 100."))
        return value


class AssessmentStartForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("A name that says when and why, for example: Baseline, November 2026."),
    )
    checklist = forms.ModelChoiceField(
        label=_("Checklist version"),
        queryset=ChecklistVersion.objects.order_by("slug", "-version").only("title", "version"),
        empty_label=None,
    )


class AssessmentCopyForm(forms.Form):
    title = forms.CharField(
        label=_("Title of the new assessment"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty to call it a follow-up of this one."),
    )


class AssessmentSubmitForm(forms.Form):
    """Submitting: the milestone the submission marks, if any (services.assessment_submit)."""

    milestone = forms.ChoiceField(
        label=_("Milestone"),
        choices=[("", _("None")), *Submission.Milestone.choices],
        required=False,
        initial="",
        widget=forms.RadioSelect,
        help_text=_("Which point of the project this submission marks, if any."),
    )


class ProjectDeleteForm(forms.Form):
    """Deleting a project; one with submitted assessments asks for its name typed again
    (services.project_delete decides)."""

    def __init__(self, *args, name_to_type: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        if name_to_type is not None:
            self.fields["confirm_name"] = forms.CharField(
                label=_("Type the project's name to confirm"),
                # Help texts are drawn unescaped (they may hold markup): escape the name.
                help_text=gettext("The project is called “%(name)s”.")
                % {"name": conditional_escape(name_to_type)},
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
