"""Reads of the audit trail: an assessment's timeline and an organisation's activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..catalog import checklist_version
from ..models import AuditEvent, Membership, Organisation, User
from . import rating_labels

PER_PAGE = 50


@dataclass(frozen=True)
class ActivityFilter:
    """What the person asked to see; every field is optional."""

    person: int | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.person:
            events = events.filter(actor_id=self.person)
        if self.kind:
            events = events.filter(kind=self.kind)
        zone = timezone.get_current_timezone()
        if self.since:
            events = events.filter(created_at__gte=datetime.combine(self.since, time.min, zone))
        if self.until:
            events = events.filter(created_at__lte=datetime.combine(self.until, time.max, zone))
        return events


def assessment_events(assessment_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(assessment_id=assessment_id)


def organisation_events(organisation: Organisation) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organisation_id=organisation.pk)


def activity_page(events: QuerySet[AuditEvent], wanted: ActivityFilter, number) -> Page:
    """One page of events, newest first, with the names they refer to (2 queries)."""
    ordered = (
        wanted.apply(events)
        .select_related("subject", "project", "assessment")
        .only(
            "pk",
            "sequence",
            "created_at",
            "kind",
            "actor_id",
            "actor_name",
            "data",
            "hash",
            "subject__name",
            "subject__email",
            "project__name",
            "assessment__title",
            "assessment__checklist_id",
        )
        .order_by("-created_at", "-sequence")
    )
    return Paginator(ordered, PER_PAGE).get_page(number)


def activity_people(
    events: QuerySet[AuditEvent], organisation_id: int | None = None
) -> list[tuple[int, str]]:
    """Who may be chosen as the author of events, by name (1 query): the people who acted in
    these events and, given an organisation, its members.

    An assessment's page lists only those who acted on it: a collaborator who may see one
    project must not learn the names of the organisation's other members from the filter.
    """
    people = User.objects.filter(pk__in=events.filter(actor__isnull=False).values("actor_id"))
    if organisation_id is not None:
        people |= User.objects.filter(
            pk__in=Membership.objects.filter(organisation_id=organisation_id).values("user_id")
        )
    return [(u.pk, u.name or u.email) for u in people.distinct().order_by("name", "email")]


def describe(event: AuditEvent) -> str:
    """What happened, in a sentence: the activity pages and the CSV both use it."""
    data = event.data or {}
    subject = event.subject.name if event.subject_id and event.subject else ""
    kind = AuditEvent.Kind
    roles = dict(Membership.Role.choices)

    def role(value) -> str:
        return str(roles.get(value, value or "")).lower()

    if event.kind == kind.ANSWER_CHANGED:
        return _answer_change(data, _ratings_of(event))
    if event.kind == kind.MEMBER_INVITED:
        return _("Invited %(email)s as %(role)s") % {
            "email": data.get("email"),
            "role": role(data.get("role")),
        }
    if event.kind in (kind.INVITATION_RESENT, kind.INVITATION_CANCELLED, kind.INVITATION_DECLINED):
        return f"{event.get_kind_display()}: {data.get('email', '')}"
    if event.kind == kind.MEMBER_JOINED:
        return _("%(name)s joined as %(role)s") % {"name": subject, "role": role(data.get("role"))}
    if event.kind == kind.MEMBER_ROLE_CHANGED:
        return _("%(name)s: %(old)s → %(new)s") % {
            "name": subject,
            "old": role(data.get("old")),
            "new": role(data.get("new")),
        }
    if event.kind in (kind.MEMBER_REMOVED, kind.MEMBER_LEFT):
        return f"{event.get_kind_display()}: {subject}"
    if event.kind == kind.COLLABORATOR_GRANTED:
        access = _("can edit") if data.get("access") == Membership.Role.EDITOR else _("can view")
        return _("%(name)s %(access)s %(project)s") % {
            "name": subject,
            "access": access,
            "project": event.project.name if event.project else "",
        }
    if event.kind == kind.COLLABORATOR_REVOKED:
        return _("%(name)s no longer works on %(project)s") % {
            "name": subject,
            "project": event.project.name if event.project else "",
        }
    if event.kind == kind.ACTION_PLANNED:
        return _("Question %(key)s: %(status)s, owner %(owner)s, due %(due)s") % {
            "key": data.get("question"),
            "status": data.get("status"),
            "owner": data.get("owner") or "-",
            "due": data.get("due_date") or "-",
        }
    if event.kind == kind.ACTION_CLEARED:
        return _("Question %(key)s: plan removed") % {"key": data.get("question")}
    if event.kind == kind.ORGANISATION_CHANGED:
        old, new = data.get("old", {}), data.get("new", {})
        text = f"{old.get('name')} → {new.get('name')}"
        if old.get("evidence_keep_days") != new.get("evidence_keep_days"):
            text += " · " + _("evidence files kept %(old)s → %(new)s days") % {
                "old": old.get("evidence_keep_days"),
                "new": new.get("evidence_keep_days"),
            }
        return text
    if event.kind == kind.PROJECT_CHANGED:
        return _("Changed: %(fields)s") % {"fields": ", ".join(data.get("fields", []))}
    if event.kind in (kind.PROJECT_CREATED, kind.PROJECT_DELETED, kind.ORGANISATION_CREATED):
        return data.get("name", "")
    if event.kind in (kind.ASSESSMENT_STARTED, kind.FOLLOW_UP_STARTED, kind.ASSESSMENT_SUBMITTED):
        return data.get("title", "")
    if event.kind in (kind.EXPORT_DOWNLOADED, kind.REPORT_DOWNLOADED, kind.ACTIVITY_EXPORTED):
        return data.get("format", "")
    if event.kind.startswith(("share.", "review.")) and ("to" in data or "by" in data):
        return _share_event(event.kind, data)
    return ""


def _share_event(kind_: str, data: dict) -> str:
    """A share's or a review's event: with whom, which submission, and what changed."""
    kind = AuditEvent.Kind
    parts = [data.get("to") or data.get("by") or ""]
    if data.get("submission"):
        parts.append(_("submission %(number)s") % {"number": data["submission"]})
    if kind_ in (kind.SHARE_OFFERED, kind.SHARE_GRANTED) and data.get("detail"):
        parts.append(_("%(detail)s detail") % {"detail": data["detail"]})
    if kind_ == kind.SHARE_EXTENDED:
        parts.append(f"{data.get('before', '')} → {data.get('after', '')}")
    if kind_ == kind.SHARE_DOWNLOADED and data.get("format"):
        parts.append(data["format"].upper())
    if kind_ == kind.REVIEW_MARKED and data.get("marks"):
        parts.append(", ".join(f"{key}: {mark}" for key, mark in sorted(data["marks"].items())))
    return " · ".join(part for part in parts if part)


def _ratings_of(event: AuditEvent) -> dict[str, str]:
    """The rating labels of the checklist version that the event's assessment follows (from
    memory): an organisation's events may span versions that name their ratings differently."""
    if event.assessment_id is None or event.assessment is None:
        return {}
    return rating_labels(checklist_version(event.assessment.checklist_id).scoring)


def _answer_change(data: dict, labels: dict[str, str]) -> str:
    old, new = data.get("old", {}), data.get("new", {})
    parts = []
    if "rating" in new or "rating" in old:
        parts.append(
            _("rating %(old)s → %(new)s")
            % {
                "old": labels.get(old.get("rating"), old.get("rating")) or _("unanswered"),
                "new": labels.get(new.get("rating"), new.get("rating")) or _("unanswered"),
            }
        )
    names = {
        "na_justification": _("why it does not apply"),
        "evidence_note": _("evidence"),
        "evidence_links": _("links"),
    }
    for name, label in names.items():
        if name in new:
            value = new[name]
            if isinstance(value, list):
                value = ", ".join(value)
            parts.append(_("%(what)s: “%(new)s”") % {"what": label, "new": value or _("(emptied)")})
    return _("Question %(key)s: %(changes)s") % {
        "key": data.get("question"),
        "changes": "; ".join(parts),
    }
