"""Checking a readiness report by the integrity hash printed on it, for anyone who holds one.

The public verify page asks without an account, so the answer says whether the report is the
latest submitted for its project, and when, and nothing else: no organisation, project,
verdict, score or names. A prefix that matches more than one submission is answered as
unknown rather than listing them.

A follow-up is a new assessment with its own submission (docs/sharing.md), so "superseded"
means that a later submission of the same project exists.

A report made under a share prints the share's reference too. Given with the hash, it makes
the answer "share revoked" or "share expired" once the share no longer stands, whatever the
submission's own state: whoever holds such a report learns that its owner withdrew it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Share, Submission

HASH_LENGTH = 64  # hex SHA-256 (submissions.answers_hash)
MIN_PREFIX = 16  # what the PDF prints in its footer: four groups of four
# People copy the hash as printed (3f2a 9c01 …) or with other separators.
_SEPARATORS = re.compile(r"[\s:-]+")
_HEX = re.compile(r"[0-9a-f]*")


class Validity(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"
    UNKNOWN = "unknown"
    MALFORMED = "malformed"
    SHARE_REVOKED = "share_revoked"
    SHARE_EXPIRED = "share_expired"
    # Revoked because the owner is deleting all its data: until it is purged, then unknown.
    SHARE_WITHDRAWN = "share_withdrawn"


@dataclass(frozen=True)
class ReportValidity:
    """What the verify page may say about a report: its state and dates, never its contents."""

    state: Validity
    submitted_at: datetime | None = None
    superseded_at: datetime | None = None  # when the next submission of its project was made
    ended_at: datetime | None = None  # when the share was revoked, or expired
    problem: str = ""  # why the input was refused, when malformed


def hash_prefix(text: str) -> tuple[str, str]:
    """The typed hash normalised (separators dropped, lowercased), and what is wrong with it
    ("" when it is a usable hash or prefix)."""
    value = _SEPARATORS.sub("", text).lower()
    if not _HEX.fullmatch(value):
        return value, _(
            "Type the hash as printed on the report: only the digits 0-9 and the letters a to f."
        )
    if len(value) < MIN_PREFIX:
        return value, _(
            "Type at least the first %(count)d characters of the hash, as printed at the "
            "foot of every page of the report."
        ) % {"count": MIN_PREFIX}
    if len(value) > HASH_LENGTH:
        return value, _("A report's hash has %(count)d characters; this has more.") % {
            "count": HASH_LENGTH
        }
    return value, ""


def share_reference(text: str) -> str:
    """A share's reference as printed (ABCD-EFGH-JKLM), the way people may copy it."""
    return _SEPARATORS.sub("", text).upper()


def report_validity(text: str, reference: str = "") -> ReportValidity:
    """Whether the report with this hash (or prefix of at least 16 characters) is current,
    superseded or unknown, or why the text is not a hash; with the reference of the share it
    was made under, whether that share still stands (at most 2 queries)."""
    prefix, problem = hash_prefix(text)
    if problem:
        return ReportValidity(Validity.MALFORMED, problem=problem)
    share = None
    if reference:
        share = (
            Share.objects.filter(reference=share_reference(reference))
            .values("project_id", "status", "expires_at", "ended_at", "end_reason")
            .first()
        )
        # A reference that names no share, or a share never accepted, vouches for nothing.
        if share is None or share["status"] not in (Share.Status.ACTIVE, Share.Status.REVOKED):
            return ReportValidity(Validity.UNKNOWN)
    if len(prefix) == HASH_LENGTH:
        matching = Submission.objects.filter(integrity_hash=prefix)
    else:
        # A range rather than `startswith`: SQLite's LIKE is case-insensitive and so cannot use
        # the index, and PostgreSQL's cannot use a plain b-tree index outside the C collation.
        # Every string starting with the prefix, and none other, lies in [prefix, prefix + "g")
        # when the column holds only the characters 0-9 and a-f.
        matching = Submission.objects.filter(
            integrity_hash__gte=prefix, integrity_hash__lt=prefix + "g"
        )
    if share is not None:
        matching = matching.filter(project=share["project_id"])
    later = Submission.objects.filter(
        project=OuterRef("project"), number__gt=OuterRef("number")
    ).order_by("number")
    # A few rows are enough: two different hashes make the prefix ambiguous, and submissions
    # with the same hash (a copy submitted unchanged) are the same report.
    rows = list(
        matching.order_by("-submitted_at")
        .annotate(superseded_at=Subquery(later.values("submitted_at")[:1]))
        .values_list("integrity_hash", "submitted_at", "superseded_at")[:10]
    )
    if not rows or len({row[0] for row in rows}) > 1:
        return ReportValidity(Validity.UNKNOWN)
    if share is not None and share["status"] == Share.Status.REVOKED:
        state = Validity.SHARE_WITHDRAWN if share["end_reason"] else Validity.SHARE_REVOKED
        return ReportValidity(state, ended_at=share["ended_at"])
    if share is not None and share["expires_at"] <= timezone.now():
        return ReportValidity(Validity.SHARE_EXPIRED, ended_at=share["expires_at"])
    current = [row for row in rows if row[2] is None]
    submitted_at, superseded_at = (current or rows)[0][1:]
    if superseded_at is None:
        return ReportValidity(Validity.CURRENT, submitted_at=submitted_at)
    return ReportValidity(
        Validity.SUPERSEDED, submitted_at=submitted_at, superseded_at=superseded_at
    )
