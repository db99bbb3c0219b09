"""E-mails from templates: email/<name>_subject.txt and email/<name>.txt, queued for the task
worker by the configured backend (westcheck.mail)."""

from django.core.mail import send_mail
from django.template.loader import render_to_string


def send_templated(template: str, to: list[str], context: dict) -> None:
    if not to:
        return
    subject = render_to_string(f"email/{template}_subject.txt", context).strip()
    body = render_to_string(f"email/{template}.txt", context)
    send_mail(subject, body, None, to)
