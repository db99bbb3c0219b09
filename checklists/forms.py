"""Forms: they validate and normalise input; they never write beyond their own model."""

import hashlib
import json

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .accounts import normalise_email
from .answer_rules import NOT_APPLICABLE, AnswerValue, parse_links, problems
from .markup import escape
from .models import (
    Action,
    Answer,
    ChecklistVersion,
    Membership,
    Organisation,
    Project,
    Question,
    User,
)


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


def answer_fingerprint(rating: str, na_justification: str, note: str, links) -> str:
    """A short digest of an answer's values, to tell what a person changed from what they saw."""
    payload = json.dumps([rating, na_justification, note, list(links)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


class AnswerForm(forms.Form):
    """One question's answer. The hidden `revision` and `seen` fields detect stale saves."""

    rating = forms.ChoiceField(required=False, widget=forms.RadioSelect)
    na_justification = forms.CharField(
        label=_("Why it does not apply"),
        required=False,
        max_length=Answer.MAX_JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence_note = forms.CharField(
        label=_("Evidence and notes"),
        required=False,
        max_length=Answer.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What shows this is in place: documents, records, who is responsible."),
    )
    evidence_links = forms.CharField(
        label=_("Links to evidence"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One link per line (http or https)."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    seen = forms.CharField(widget=forms.HiddenInput, max_length=16, required=False)

    def __init__(self, *args, question: Question, scoring: dict, **kwargs):
        self.question = question
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = rating_choices(scoring, na_allowed=question.na_allowed)
        self.fields["rating"].error_messages["invalid_choice"] = _(
            "Choose one of the ratings offered for this question."
        )
        self.scoring = scoring
        self.fields["rating"].widget.attrs["class"] = "form-check-input"
        for name in ("na_justification", "evidence_note", "evidence_links"):
            field = self.fields[name]
            field.widget.attrs["class"] = "form-control"
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}_helptext"

    @classmethod
    def initial_for(cls, answer) -> dict:
        if answer is None:
            return {"revision": 0, "seen": answer_fingerprint("", "", "", [])}
        return {
            "rating": answer.rating,
            "na_justification": answer.na_justification,
            "evidence_note": answer.evidence_note,
            "evidence_links": "\n".join(answer.evidence_links),
            "revision": answer.revision,
            "seen": answer_fingerprint(
                answer.rating, answer.na_justification, answer.evidence_note, answer.evidence_links
            ),
        }

    @staticmethod
    def sent_as_shown(data, prefix: str) -> bool:
        """Whether a post carries this question's values exactly as its page showed them (its
        `seen` fingerprint), read as clean() would read them.

        A section's form sends every question, usually with one or two changed; the others
        need no checking, since nothing of theirs is saved. Whatever this says is unchanged is
        ignored, so a wrong "yes" cannot store anything unchecked.
        """

        def value(name: str) -> str:
            return data.get(f"{prefix}-{name}", "")

        rating = value("rating")
        links = parse_links(value("evidence_links"))
        justification = value("na_justification").strip() if rating == NOT_APPLICABLE else ""
        fingerprint = answer_fingerprint(
            rating, justification, value("evidence_note").strip(), links
        )
        return fingerprint == value("seen")

    def clean_evidence_links(self) -> list[str]:
        return parse_links(self.cleaned_data["evidence_links"])

    def clean(self):
        data = super().clean()
        # The rules of answer_rules.py, on what the fields let through; a field Django already
        # refused (too long, say) is not reported a second time.
        value = AnswerValue(
            data.get("rating", ""),
            data.get("na_justification", ""),
            data.get("evidence_note", ""),
            tuple(data.get("evidence_links") or ()),
        )
        found = problems(value, self.question, self.scoring, skip=frozenset(self.errors))
        for field, messages in found.items():
            for message in messages:
                self.add_error(field, message)
        return data

    def values(self) -> tuple[str, str, str, list[str]]:
        d = self.cleaned_data
        justification = d["na_justification"] if d["rating"] == NOT_APPLICABLE else ""
        return d["rating"], justification, d["evidence_note"], d["evidence_links"]

    def changed_by_user(self) -> bool:
        return answer_fingerprint(*self.values()) != self.cleaned_data.get("seen")


class ActionForm(forms.Form):
    owner = forms.CharField(label=_("Owner"), max_length=200, required=False)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # "Not planned" is no action at all, as the report says; choosing it removes the action.
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Not planned")), *Action.Status.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    @staticmethod
    def initial_for(action) -> dict:
        """What the form shows for a planned action (an Action), or for none."""
        if action is None:
            return {}
        return {"owner": action.owner, "due_date": action.due_date, "status": action.status}

    def clean(self):
        data = super().clean()
        if not data.get("status") and (data.get("owner") or data.get("due_date")):
            # An owner or a date is a plan: it starts open.
            data["status"] = Action.Status.OPEN
        return data


def _attributes(attrs: dict) -> str:
    """HTML attributes as django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {escape(name)}" + ("" if value is True else f'="{escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


def action_input_texts() -> list[dict]:
    """ActionForm's fields as action_inputs_html draws them, in the current language: labels,
    widgets and attributes of one unbound form, translated and escaped once per page rather
    than once per action."""
    return [
        {
            "name": name,
            "label": escape(field.label),
            "widget": field.widget,
            "attributes": _attributes(field.widget.attrs),
            "choices": [
                ("" if value is None else str(value), escape(label))
                for value, label in getattr(field.widget, "choices", ())
            ],
        }
        for name, field in ActionForm().fields.items()
    ]


def action_inputs_html(prefix: str, values: dict, errors, texts: list[dict]) -> SafeString:
    """One action's labelled inputs on the action plan, as Django's widget templates draw
    ActionForm(prefix=prefix): its text and date inputs and its select, each with its errors.

    `values` are what the fields show (the initial values of an unbound form, ActionForm's
    initial_for; the data of a bound one), formatted by the widgets as Django formats them;
    `errors` maps field names to messages. Written here rather than through BoundField and the
    widgets, as the section page's inputs are (answer_inputs_html): building a form per action
    and its widgets' contexts took most of the action plan's time.
    """
    prefix = escape(prefix)
    cells = []
    for field in texts:
        name, widget = field["name"], field["widget"]
        field_id = f"id_{prefix}-{name}"
        messages = errors.get(name) or ()
        # What BoundField adds to the widget's own attributes, in its order.
        attributes = field["attributes"]
        if messages:
            attributes += f' aria-invalid="true" aria-describedby="{field_id}_error"'
        attributes += f' id="{field_id}"'
        value = widget.format_value(values.get(name))
        if field["choices"]:
            # format_value gives the selected values as strings; the first matching option
            # is selected, as ChoiceWidget.optgroups selects it.
            options, selected = [], False
            for option, label in field["choices"]:
                here = not selected and option in value
                selected |= here
                options.append(
                    f'\n  <option value="{escape(option)}"{" selected" if here else ""}>'
                    f"{label}</option>\n"
                )
            control = f'<select name="{prefix}-{name}"{attributes}>{"".join(options)}\n</select>'
        else:
            shown = "" if value is None else f' value="{escape(str(value))}"'
            control = (
                f'<input type="{escape(widget.input_type)}" name="{prefix}-{name}"'
                f"{shown}{attributes}>"
            )
        feedback = "".join(f'<p class="invalid-feedback d-block">{escape(m)}</p>' for m in messages)
        cells.append(
            '\n    <div class="col-md-4">\n'
            f'      <label class="form-label small" for="{field_id}">{field["label"]}</label>\n'
            f"      {control}\n      {feedback}\n    </div>"
        )
    return mark_safe(f'<div class="row g-2">{"".join(cells)}\n  </div>')  # noqa: S308 - escaped


def bound_action_inputs_html(form: ActionForm, texts: list[dict]) -> SafeString:
    """action_inputs_html for a submitted form: what the person sent, with its errors."""
    values = {name: form[name].value() for name in form.fields}
    return action_inputs_html(form.prefix, values, form.errors, texts)


class VerifyForm(forms.Form):
    hash = forms.RegexField(
        label=_("Integrity hash printed on the report"),
        regex=r"^[0-9a-f]{16,64}$",
        max_length=80,
        error_messages={
            "invalid": _("Type the 16 characters printed on the report (letters a-f and digits).")
        },
        help_text=_(
            "It is on the first page and in the footer of every page of the PDF report, for example 3f2a 9c01 77be 12d4. Spaces do not matter."
        ),
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and "hash" in data:
            data = data.copy()
            data["hash"] = "".join(data["hash"].split()).lower()
        super().__init__(data, *args, **kwargs)


ANSWER_FIELDS = (
    "rating",
    "na_justification",
    "evidence_note",
    "evidence_links",
    "revision",
    "seen",
)


def rating_choices(scoring: dict, *, na_allowed: bool) -> list[tuple[str, str]]:
    choices = [(r["key"], r["label"]) for r in scoring["scale"]]
    if na_allowed:
        choices.append((NOT_APPLICABLE, scoring["not_applicable"]["label"]))
    return choices


def answer_fields(question, scoring: dict, *, values: dict, errors=None) -> dict:
    """What answer_inputs_html needs to draw one question's inputs, without widget templates.

    Names and ids are the ones AnswerForm (prefix "q<key>") reads back.
    """
    prefix = f"q{question.key}"
    rating = values.get("rating") or ""
    errors = errors or {}
    fields = {
        "prefix": prefix,
        "rating": rating,
        "choices": [
            {
                "value": key,
                "label": label,
                "id": f"id_{prefix}-rating_{i}",
                "checked": key == rating,
            }
            for i, (key, label) in enumerate(
                rating_choices(scoring, na_allowed=question.na_allowed)
            )
        ],
        "errors": {name: list(messages) for name, messages in errors.items()},
    }
    # Every input named, with no messages when it has none.
    for name in ANSWER_FIELDS[:4]:
        fields["errors"].setdefault(name, [])
    for name in ANSWER_FIELDS[1:]:
        value = values.get(name)
        fields[name] = "" if value is None else value
    fields["error_links"] = [
        (f"id_{prefix}-rating_0" if name == "rating" else f"id_{prefix}-{name}", message)
        for name, messages in fields["errors"].items()
        for message in messages
    ]
    return fields


def bound_answer_fields(form: AnswerForm, scoring: dict) -> dict:
    """answer_fields for a submitted form: what the person sent, with its errors."""
    values = {name: form[name].value() for name in ANSWER_FIELDS}
    return answer_fields(form.question, scoring, values=values, errors=form.errors)


def answer_input_texts() -> dict[str, str]:
    """The labels and help texts of a question's inputs, in the current language: AnswerForm's
    own, translated once per page rather than once per question."""
    fields = AnswerForm.base_fields
    texts = {"rating_for": gettext("Rating for %(key)s")}
    for name in ("na_justification", "evidence_note", "evidence_links"):
        texts[name] = str(fields[name].label)
        texts[f"{name}_help"] = str(fields[name].help_text)
    return texts


def _input_errors(prefix: str, name: str, messages: list) -> str:
    if not messages:
        return ""
    items = "".join(f'<p class="mb-0">{escape(m)}</p>' for m in messages)
    return f'<div class="invalid-feedback d-block" id="id_{prefix}-{name}_error">{items}</div>\n'


def _textarea(fields: dict, name: str, rows: int, maxlength: int, texts: dict) -> str:
    """A labelled textarea with its errors and help text, as Django's widgets would draw it."""
    prefix, messages = escape(fields["prefix"]), fields["errors"][name]
    field_id = f"id_{prefix}-{name}"
    described = [f"{field_id}_error"] if messages else []
    help_text = texts.get(f"{name}_help")
    if help_text:
        described.append(f"{field_id}_helptext")
    attributes = f' aria-describedby="{" ".join(described)}"' if described else ""
    if messages:
        attributes += ' aria-invalid="true"'
    textarea = (
        f'<textarea name="{prefix}-{name}" cols="40" rows="{rows}" class="form-control"'
        f'{attributes} maxlength="{maxlength}" id="{field_id}">'
        f"{escape(fields[name])}</textarea>"
    )
    if help_text:
        help_text = escape(help_text)
        textarea += f'\n<div class="form-text" id="{field_id}_helptext">{help_text}</div>'
    return (
        f'<label class="form-label" for="{field_id}">{escape(texts[name])}</label>\n'
        f"{_input_errors(prefix, name, messages)}{textarea}"
    )


def answer_inputs_html(question, fields: dict, texts: dict[str, str]) -> SafeString:
    """One question's inputs on the section page, from answer_fields and answer_input_texts.

    Written here rather than in a template, as the charts are (charts.py): a section has up to
    14 questions of 9 inputs each, and Django's template engine spent most of the page's time
    on their translation tags and variable lookups.
    """
    prefix, key = escape(fields["prefix"]), escape(question.key)
    errors = fields["errors"]
    rating_attributes = ""
    if errors["rating"]:
        rating_attributes = f' aria-describedby="id_{prefix}-rating_error" aria-invalid="true"'
    choices = "".join(
        '<div class="form-check form-check-inline rating-option">'
        f'<input type="radio" name="{prefix}-rating" value="{escape(c["value"])}" '
        f'class="form-check-input" id="id_{prefix}-rating_{i}"{" checked" if c["checked"] else ""}>'
        f'<label class="form-check-label" for="id_{prefix}-rating_{i}">'
        f"{escape(c['label'])}</label></div>\n"
        for i, c in enumerate(fields["choices"])
    )
    rating_for = escape(texts["rating_for"] % {"key": question.key})
    when_na = "" if fields["rating"] == NOT_APPLICABLE else " when-na"
    hidden = "" if question.na_allowed else "hidden"
    revision, seen = escape(fields["revision"]), escape(fields["seen"])
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div class="rating" role="radiogroup" aria-labelledby="q-{key}-rating-label"'
        f"{rating_attributes}>\n"
        f'<p class="form-label mb-1" id="q-{key}-rating-label">{rating_for}</p>\n'
        f"{_input_errors(prefix, 'rating', errors['rating'])}{choices}</div>\n"
        f'<div class="na-justification mb-2{when_na}" {hidden}>\n'
        f"{_textarea(fields, 'na_justification', 2, 2000, texts)}\n</div>\n"
        f'<div class="mb-2">\n{_textarea(fields, "evidence_note", 3, 5000, texts)}\n</div>\n'
        f'<div class="mb-2">\n{_textarea(fields, "evidence_links", 2, 5000, texts)}\n</div>\n'
        f'<input type="hidden" name="{prefix}-revision" value="{revision}" '
        f'id="id_{prefix}-revision"><input type="hidden" name="{prefix}-seen" '
        f'value="{seen}" id="id_{prefix}-seen">\n'
        '<p class="save-state small" aria-live="polite"></p>'
    )


# --- Working together ------------------------------------------------------------------------


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
