"""An answer's form, and its inputs drawn without widget templates for the section page."""

import hashlib
import json

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..answer_rules import NOT_APPLICABLE, AnswerValue, parse_links, problems
from ..markup import escape
from ..models import Answer, Question


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
