"""Sharing a submission: the offer's terms, accepting an offer, and moving an expiry."""

from datetime import datetime, time
from html import escape

from django import forms
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .. import sharing
from ..accounts import normalise_email
from ..models import Share


def end_of_day(day) -> datetime:
    """A share expiring "on" a date ends as that day ends, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def default_expiry():
    return (timezone.localdate() + Share.DEFAULT_TERM).isoformat()


class ExpiryField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def clean(self, value):
        day = super().clean(value)
        return end_of_day(day) if day else day


class ShareTermsForm(forms.Form):
    """What to share and how: the detail, the sections, the role, the scope and the expiry.

    Read from the query string for the preview and posted for the offer itself, so that what
    the owner previewed is exactly what is offered. The service checks the terms again.
    """

    email = forms.EmailField(
        label=_("Their e-mail address"),
        help_text=_(
            "Someone who owns the organisation you share with: they accept it for their organisation."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    detail = forms.ChoiceField(
        label=_("How much to share"),
        choices=[
            (
                Share.Detail.SUMMARY,
                _(
                    "Summary: verdict, gates, section and principle scores, the gaps and the action plan's items"
                ),
            ),
            (
                Share.Detail.SECTIONS,
                _(
                    "Chosen sections: the summary, and the ratings and justifications of the sections below"
                ),
            ),
            (
                Share.Detail.FULL,
                _("Full: every answer with its evidence notes and links, and people's names"),
            ),
        ],
        initial=Share.Detail.SUMMARY,
        widget=forms.RadioSelect,
        help_text=_("Share the least that serves the purpose: you can share more later."),
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections to share"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_('Only with "Chosen sections".'),
    )
    role = forms.ChoiceField(
        label=_("What they may do"),
        choices=[
            (Share.Role.VIEWER, _("View and download")),
            (Share.Role.REVIEWER, _("Review: view, download, and mark questions and accept")),
        ],
        initial=Share.Role.VIEWER,
        widget=forms.RadioSelect,
    )
    follows_later = forms.BooleanField(
        label=_("Share later submissions of this project too, as they are submitted"),
        required=False,
    )
    expires_at = ExpiryField(
        label=_("Until"),
        help_text=_("The share ends as this day ends. You can revoke it or extend it at any time."),
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = sections
        self.fields["expires_at"].initial = default_expiry

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class ShareAcceptForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label=_("Accept for"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk


class ShareExtendForm(forms.Form):
    expires_at = ExpiryField(label=_("New expiry date"))


DETAIL_CHOICES = [
    (Share.Detail.SUMMARY, _("Summary: verdict, gates, scores, gaps and the action plan's items")),
    (
        Share.Detail.SECTIONS,
        _("Chosen sections: and the ratings and justifications of those sections"),
    ),
    (
        Share.Detail.FULL,
        _("Full: every answer with its evidence notes and links, and people's names"),
    ),
]
ROLE_CHOICES = [
    (Share.Role.VIEWER, _("View and download")),
    (Share.Role.REVIEWER, _("Review: view, download, mark questions and accept")),
]


class _AskForm(forms.Form):
    """What a recipient asks for: the detail, the sections, the role."""

    detail = forms.ChoiceField(
        label=_("How much to ask for"),
        choices=DETAIL_CHOICES,
        initial=Share.Detail.SUMMARY,
        widget=forms.RadioSelect,
        help_text=_("Ask for the least that serves your purpose: they may share less."),
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_('Only with "Chosen sections".'),
    )
    role = forms.ChoiceField(
        label=_("What you ask to do"),
        choices=ROLE_CHOICES,
        initial=Share.Role.REVIEWER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = sections

    def clean(self):
        data = super().clean()
        if data.get("detail") == Share.Detail.SECTIONS and not data.get("sections"):
            self.add_error("sections", _("Choose at least one section, or ask for the summary."))
        return data


class CohortForm(_AskForm):
    organisation = forms.TypedChoiceField(label=_("Run by"), coerce=int)
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_('For example "Worker Voice Fund 2027".')
    )
    description = forms.CharField(
        label=_("What it is for (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Grantees read this before they choose what to share."),
    )
    term_days = forms.IntegerField(
        label=_("Shares last (days)"), min_value=1, max_value=Share.LONGEST_TERM.days, initial=365
    )
    field_order = ["organisation", "name", "description", "detail", "sections", "role", "term_days"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]


class ShareRequestForm(_AskForm):
    organisation = forms.TypedChoiceField(label=_("On behalf of"), coerce=int)
    email = forms.EmailField(
        label=_("Their e-mail address"),
        help_text=_("Someone who owns the organisation whose assessment you ask for."),
    )
    purpose = forms.CharField(
        label=_("What you need it for"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("They decide on this: say why, and what you will do with it."),
    )
    expires_at = ExpiryField(label=_("Until"))
    field_order = ["organisation", "email", "purpose", "detail", "sections", "role", "expires_at"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["expires_at"].initial = default_expiry

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class GrantForm(forms.Form):
    """A grantee's answer to a request or a cohort: which submission, at what detail (at most
    the one asked for: the service checks it again)."""

    submission = forms.TypedChoiceField(
        label=_("Which assessment"), coerce=int, widget=forms.RadioSelect
    )
    detail = forms.ChoiceField(label=_("How much to share"), widget=forms.RadioSelect)
    sections = forms.MultipleChoiceField(
        label=_("Sections"), required=False, widget=forms.CheckboxSelectMultiple
    )
    follows_later = forms.BooleanField(
        label=_("Share later submissions of this project too, as they are submitted"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, submissions, asked_detail, asked_sections, section_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].choices = submissions
        self.fields["detail"].choices = [
            (value, label)
            for value, label in DETAIL_CHOICES
            if sharing.rank(value) <= sharing.rank(asked_detail)
        ]
        self.fields["detail"].initial = asked_detail
        self.fields["sections"].choices = (
            [(k, t) for k, t in section_choices if k in set(asked_sections)]
            if asked_detail == Share.Detail.SECTIONS
            else section_choices
        )
        self.fields["sections"].initial = list(asked_sections)


class RequestGrantForm(GrantForm):
    expires_at = ExpiryField(label=_("Until"), help_text=_("At most the day they asked for."))


class PortfolioFilterForm(forms.Form):
    """The portfolio's filters and sort, from the query string."""

    cohort = forms.TypedChoiceField(label=_("Cohort"), coerce=int, required=False, empty_value=None)
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        required=False,
        choices=[
            ("", _("Any")),
            ("not_ready", _("Not ready")),
            ("ready_with_conditions", _("Ready with conditions")),
            ("ready", _("Ready")),
        ],
    )
    gate = forms.ChoiceField(
        label=_("Blocking gate"),
        required=False,
        choices=[
            ("", _("Any")),
            ("remedy", _("Remedy")),
            ("consent", _("Informed consent")),
            ("privacy", _("Privacy")),
        ],
    )
    review = forms.ChoiceField(
        label=_("Review"),
        required=False,
        choices=[
            ("", _("Any")),
            ("none", _("Not under review")),
            ("open", _("In review")),
            ("changes_requested", _("Changes requested")),
            ("accepted", _("Accepted")),
        ],
    )
    missing = forms.ChoiceField(
        label=_("Milestone missing"),
        required=False,
        choices=[
            ("", _("Any")),
            ("baseline", _("No baseline")),
            ("midline", _("No midline")),
            ("endline", _("No endline")),
        ],
    )
    country = forms.CharField(label=_("Country"), required=False, max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("organisation", _("Organisation")),
            ("verdict", _("Verdict, least ready first")),
            ("-score", _("Score, highest first")),
            ("score", _("Score, lowest first")),
            ("-change", _("Progress since baseline, most first")),
            ("change", _("Progress since baseline, least first")),
            ("oldest", _("Submitted longest ago")),
            ("newest", _("Submitted most recently")),
        ],
    )

    def __init__(self, *args, cohorts: list[tuple[int, str]], **kwargs):
        from ..models import Project

        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", _("Any")), *cohorts]
        self.fields["channel"].choices = [("", _("Any")), *Project.Channel.choices]
        self.fields["stage"].choices = [("", _("Any")), *Project.Stage.choices]

    def controls(self) -> list[dict]:
        """Each filter with its label, its value and, for a list, its options as HTML.

        The portfolio draws these on every visit: forty options through template tags cost more
        than the rest of the form.
        """
        found = []
        for field in self:
            value = field.value()
            value = "" if value is None else str(value)
            options = None
            if isinstance(field.field, forms.ChoiceField):
                options = mark_safe(  # noqa: S308 (values and labels escaped)
                    "".join(
                        f'<option value="{escape(str(key))}"'
                        f"{' selected' if str(key) == value else ''}>{escape(str(label))}</option>"
                        for key, label in field.field.choices
                    )
                )
            found.append(
                {
                    "name": field.name,
                    "id": field.id_for_label,
                    "label": field.label,
                    "value": value,
                    "options": options,
                    "errors": field.errors,
                }
            )
        return found


class MilestoneRequestForm(forms.Form):
    milestone = forms.ChoiceField(
        label=_("Ask for"),
        choices=[
            ("baseline", _("A baseline")),
            ("midline", _("A midline")),
            ("endline", _("An endline")),
            ("update", _("An update")),
        ],
    )
    due_date = forms.DateField(label=_("By"), widget=forms.DateInput(attrs={"type": "date"}))
