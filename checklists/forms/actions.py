"""The action plan's form and its inputs drawn without widget templates, and checking a
report's integrity hash."""

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from ..markup import escape
from ..models import Action
from ..models.sharing import REFERENCE_ALPHABET, REFERENCE_LENGTH
from ..selectors.verification import hash_prefix, share_reference


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
        if feedback:  # what the input's aria-describedby names
            feedback = f'<div id="{field_id}_error">{feedback}</div>'
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
    hash = forms.CharField(
        label=_("Integrity hash printed on the report"),
        max_length=200,
        help_text=_(
            "It is on the first page and in the footer of every page of the PDF report, for example 3f2a 9c01 77be 12d4. Spaces do not matter."
        ),
    )

    def clean_hash(self) -> str:
        # The public verify page accepts the same input: one rule (selectors/verification.py).
        value, problem = hash_prefix(self.cleaned_data["hash"])
        if problem:
            raise forms.ValidationError(problem)
        return value


class PublicVerifyForm(VerifyForm):
    """The public page's form: the hash, and the share reference printed on a report made
    under a share."""

    share = forms.CharField(
        label=_("Share reference (optional)"),
        required=False,
        max_length=40,
        help_text=_(
            "On a report that was shared with you, in the footer of every page, for example ABCD-EFGH-JKLM."
        ),
    )

    def clean_share(self) -> str:
        value = share_reference(self.cleaned_data["share"])
        if value and not (len(value) == REFERENCE_LENGTH and set(value) <= set(REFERENCE_ALPHABET)):
            raise forms.ValidationError(
                _("Type the share reference as printed: three groups of four letters and digits.")
            )
        return value
