"""Appending to the audit trail, and checking that nobody rewrote it.

Services call `record()` inside their own transaction, so that an event exists exactly when
the change it describes was committed. Each organisation's events are numbered from 1 and
chained: an event's hash covers its fields and the hash of the event before it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC

from django.db import connection, transaction
from django.utils import timezone

from .models import Assessment, AuditErasure, AuditEvent, Organisation, Project, User

GENESIS = "0" * 64
# Free text in an event is kept short: the event says what changed, the answer row says it all.
TEXT_LIMIT = 300


def shorten(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def event_hash(previous_hash: str, fields: dict) -> str:
    """SHA-256 of the previous hash and the event's fields as canonical JSON."""
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous_hash + body).encode()).hexdigest()


def _chained_fields(event: AuditEvent) -> dict:
    return {
        "organisation": event.organisation_id,
        "sequence": event.sequence,
        "created_at": event.created_at.astimezone(UTC).isoformat(),
        "kind": event.kind,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "project": event.project_id,
        "assessment": event.assessment_id,
        "subject": event.subject_id,
        "data": event.data,
    }


@dataclass(frozen=True)
class Entry:
    """One event to append: what happened, and to what."""

    kind: str
    project: Project | int | None = None
    assessment: Assessment | None = None
    subject: User | None = None
    data: dict = field(default_factory=dict)


def record(
    kind: str,
    *,
    organisation: Organisation | int,
    actor: User | None,
    project: Project | int | None = None,
    assessment: Assessment | None = None,
    subject: User | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the organisation's chain, in the caller's transaction."""
    entry = Entry(kind, project, assessment, subject, data or {})
    return record_all([entry], organisation=organisation, actor=actor)[0]


@transaction.atomic(savepoint=False)
def record_all(
    entries: list[Entry], *, organisation: Organisation | int, actor: User | None
) -> list[AuditEvent]:
    """Append events to the organisation's chain in this order (2 queries, 3 on PostgreSQL)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    # Appends to one chain must not interleave. PostgreSQL: lock the organisation's row until
    # commit. SQLite: transactions already begin IMMEDIATE (see settings), so one writer at once.
    if connection.vendor != "sqlite":
        list(Organisation.objects.select_for_update().filter(pk=organisation_id).values("pk"))
    last = (
        AuditEvent.objects.filter(organisation_id=organisation_id)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, previous = last if last else (0, GENESIS)
    now = timezone.now()
    person = actor if actor is not None and actor.is_authenticated else None
    events = []
    for entry in entries:
        sequence += 1
        project = entry.project
        if project is None and entry.assessment is not None:
            project = entry.assessment.project_id
        event = AuditEvent(
            organisation_id=organisation_id,
            sequence=sequence,
            created_at=now,
            kind=entry.kind,
            actor=person,
            actor_name=_person(person),
            project_id=project if project is None or isinstance(project, int) else project.pk,
            assessment=entry.assessment,
            subject=entry.subject,
            # As it will read back from the database, so that verifying computes the same.
            data=json.loads(json.dumps(entry.data)),
            previous_hash=previous,
        )
        event.hash = previous = event_hash(previous, _chained_fields(event))
        events.append(event)
    AuditEvent.objects.bulk_create(events)
    return events


def _person(user: User | None) -> str:
    if user is None or not user.is_authenticated:
        return ""
    return f"{user.name} <{user.email}>" if user.name else user.email


@dataclass(frozen=True)
class BrokenLink:
    organisation_id: int
    sequence: int
    reason: str


def verify_chain(organisation_id: int) -> tuple[int, BrokenLink | None]:
    """Recompute one organisation's chain: (events checked, first broken link or None)."""
    previous = GENESIS
    expected = 1
    checked = 0
    for event in (
        AuditEvent.objects.filter(organisation_id=organisation_id)
        .order_by("sequence")
        .iterator(chunk_size=2000)
    ):
        checked += 1
        if event.sequence != expected:
            return checked, BrokenLink(organisation_id, expected, f"event {expected} is missing")
        if event.previous_hash != previous:
            return checked, BrokenLink(
                organisation_id, event.sequence, "it does not point at the event before it"
            )
        if event_hash(previous, _chained_fields(event)) != event.hash:
            return checked, BrokenLink(
                organisation_id, event.sequence, "its content does not match its hash"
            )
        previous = event.hash
        expected += 1
    return checked, None


@contextmanager
def erasure(reason: str) -> Iterator[None]:
    """Let this transaction delete audit events (the triggers check for the erasure row).

    For erasing an organisation's data, and for tests that empty the database.
    """
    with transaction.atomic():
        marker = AuditErasure.objects.create(reason=reason)
        yield
        AuditErasure.objects.filter(pk=marker.pk).delete()
