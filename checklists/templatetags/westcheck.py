"""Template filters for westcheck pages and reports."""

from django import template

from checklists.models import Project

register = template.Library()


@register.filter
def channel_label(value: str) -> str:
    """The readable, translated name of a project channel key ("social_media" -> "Social media")."""
    return str(dict(Project.Channel.choices).get(value, value))
