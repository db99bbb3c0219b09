"""An organisation's data page, for its owners: an archive of all of it, and deleting it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import Can, get_data_export_for, get_organisation_for
from ..links import site_of
from ..models import DataExport
from ..services import data_rights

# While an archive is being built the page reloads itself this often (no script needed).
REFRESH_SECONDS = 5


@login_required
@require_GET
def organisation_data(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_DATA)
    return _page(request, organisation)


def _page(request, organisation, *, delete_error: str = "", status: int = 200) -> HttpResponse:
    exports = list(
        DataExport.objects.filter(organisation=organisation).select_related("requested_by")[:10]
    )
    return render(
        request,
        "checklists/organisation_data.html",
        {
            "organisation": organisation,
            "exports": exports,
            "refresh": REFRESH_SECONDS if any(e.in_progress for e in exports) else None,
            "kept_days": DataExport.KEPT_FOR.days,
            "grace_days": data_rights.DELETION_GRACE.days,
            "delete_error": delete_error,
        },
        status=status,
    )


@login_required
@require_POST
def data_export_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_DATA)
    data_rights.data_export_request(organisation=organisation, user=request.user)
    messages.success(
        request,
        _(
            "The archive is being built. This page shows how far it has got; you can leave it "
            "and come back."
        ),
    )
    return redirect("checklists:organisation-data", organisation.pk)


@login_required
@require_GET
def data_export_download(request: HttpRequest, pk: int, export_pk: int) -> HttpResponse:
    export = get_data_export_for(request.user, pk, export_pk)
    stored = data_rights.exports_storage().open(export.stored_name, "rb")
    data_rights.data_export_downloaded(export=export, user=request.user)
    response = FileResponse(stored, content_type="application/zip")
    name = f"westcheck-data-{export.requested_at:%Y-%m-%d}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(export.size)
    return response


@login_required
@require_POST
def organisation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_DATA)
    try:
        data_rights.organisation_deletion_schedule(
            organisation=organisation,
            user=request.user,
            typed_name=request.POST.get("name", ""),
            site=site_of(request),
        )
    except ValidationError as refused:
        return _page(request, organisation, delete_error=" ".join(refused.messages), status=400)
    messages.warning(
        request,
        _("%(name)s will be deleted on %(when)s. Until then, an owner can cancel.")
        % {
            "name": organisation.name,
            "when": date_format(localtime(organisation.deletion_due_at), "DATETIME_FORMAT"),
        },
    )
    return redirect("checklists:organisation-data", organisation.pk)


@login_required
@require_POST
def organisation_delete_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, pk, Can.MANAGE_DATA)
    try:
        data_rights.organisation_deletion_cancel(organisation=organisation, user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            _(
                "%(name)s will not be deleted. What it shared stays withdrawn: share again if you wish."
            )
            % {"name": organisation.name},
        )
    return redirect("checklists:organisation-data", organisation.pk)
