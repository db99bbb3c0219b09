"""Activity pages: what happened to an assessment, and in an organisation, from the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import UTC

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import audit
from ..access import Can, get_assessment_for, get_organisation_for
from ..data_exchange import csv_cell
from ..downloads import private_download
from ..forms.teams import ActivityFilterForm
from ..models import AuditEvent
from ..selectors.activity import (
    ActivityFilter,
    activity_page,
    activity_people,
    assessment_events,
    describe,
    organisation_events,
)

ASSESSMENT_KINDS = [
    AuditEvent.Kind.ASSESSMENT_STARTED,
    AuditEvent.Kind.FOLLOW_UP_STARTED,
    AuditEvent.Kind.ANSWER_CHANGED,
    AuditEvent.Kind.ASSESSMENT_SUBMITTED,
    AuditEvent.Kind.ACTION_PLANNED,
    AuditEvent.Kind.ACTION_CLEARED,
    AuditEvent.Kind.EXPORT_DOWNLOADED,
    AuditEvent.Kind.REPORT_DOWNLOADED,
]


def _filters(request: HttpRequest, people, kinds) -> tuple[ActivityFilterForm, ActivityFilter]:
    form = ActivityFilterForm(
        request.GET or None, people=people, kinds=[(k.value, k.label) for k in kinds]
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, ActivityFilter(data["person"], data["kind"], data["since"], data["until"])
    return form, ActivityFilter()


def _rows(page) -> list[dict]:
    return [
        {
            "event": event,
            "who": event.actor_name.split(" <")[0] or _("westcheck"),
            "text": describe(event),
        }
        for event in page
    ]


@login_required
def assessment_activity(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, Can.VIEW_ACTIVITY)
    organisation_id = assessment.project.organisation_id
    events = assessment_events(assessment.pk)
    form, wanted = _filters(request, activity_people(events), ASSESSMENT_KINDS)
    if _wants_csv(request, form):
        return _csv(
            request,
            events,
            wanted,
            organisation_id,
            f"activity-assessment-{assessment.pk}",
            assessment=assessment,
        )
    page = activity_page(events, wanted, request.GET.get("page"))
    return render(
        request,
        "checklists/activity.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            "organisation": assessment.project.organisation,
            "caps": assessment.caps,
            "form": form,
            "page": page,
            "rows": _rows(page),
            "query": _query_without_page(request),
        },
        status=400 if form.errors else 200,
    )


@login_required
def organisation_activity(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.VIEW_ORGANISATION_ACTIVITY)
    events = organisation_events(organisation)
    form, wanted = _filters(request, activity_people(events, organisation.pk), AuditEvent.Kind)
    if _wants_csv(request, form):
        return _csv(
            request,
            events,
            wanted,
            organisation.pk,
            f"activity-organisation-{organisation.pk}",
            caps=organisation.caps,
        )
    page = activity_page(events, wanted, request.GET.get("page"))
    return render(
        request,
        "checklists/activity.html",
        {
            "organisation": organisation,
            "caps": organisation.caps,
            "form": form,
            "page": page,
            "rows": _rows(page),
            "query": _query_without_page(request),
        },
        status=400 if form.errors else 200,
    )


def _wants_csv(request: HttpRequest, form: ActivityFilterForm) -> bool:
    """CSV only for filters that make sense: otherwise the page says what is wrong (400),
    rather than a file of every event that the person did not ask for."""
    return request.GET.get("format") == "csv" and not form.errors


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


def _csv(request, events, wanted, organisation_id, name, *, assessment=None, caps=None):
    """Every matching event as CSV, for owners; downloading it is itself an event."""
    caps = caps if caps is not None else assessment.caps
    if Can.EXPORT_ACTIVITY not in caps:
        raise PermissionDenied(_("Only the organisation's owners can download its activity."))
    rows = (
        wanted.apply(events)
        .select_related("subject", "project", "assessment")
        .order_by("created_at", "sequence")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("When (UTC)"),
            _("Who"),
            _("What"),
            _("Project"),
            _("Assessment"),
            _("Details"),
            _("Sequence"),
            _("Hash"),
        ]
    )
    for event in rows:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    event.created_at.astimezone(UTC).isoformat(),
                    event.actor_name,
                    event.get_kind_display(),
                    event.project.name if event.project else "",
                    event.assessment.title if event.assessment else "",
                    describe(event),
                )
            ]
            + [event.sequence, event.hash]
        )
    audit.record(
        AuditEvent.Kind.ACTIVITY_EXPORTED,
        organisation=organisation_id,
        actor=request.user,
        assessment=assessment,
        data={"format": "csv"},
    )
    return private_download(
        out.getvalue().encode("utf-8-sig"),
        content_type="text/csv; charset=utf-8",
        filename=f"{name}.csv",
    )
