"""The pages anyone may open, and the signed-in home: the home page, the dashboard, logging
out, setting a new password, the published checklists, the health check and the 400 page."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.views import LogoutView
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from westcheck.client_ip import client_ip

from ..access import Can, get_checklist_version, grant_capabilities, role_capabilities
from ..accounts import normalise_email
from ..catalog import catalog
from ..downloads import public_document
from ..models import ChecklistVersion
from ..selectors import dashboard_contents
from ..selectors.sharing import waiting_for
from ..selectors.teams import invitations_for
from ..services import limits


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "checklists/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The signed-in home: the user's organisations, their projects and latest assessments."""
    contents = dashboard_contents(request.user)
    offers, requests = waiting_for(request.user)
    for project in contents.projects:
        caps = (
            role_capabilities(project.role)
            if project.role is not None
            else grant_capabilities(project.grants)
        )
        project.can_edit = Can.START_ASSESSMENT in caps
    return render(
        request,
        "checklists/dashboard.html",
        {
            "memberships": contents.memberships,
            "projects": contents.projects,
            "can_create_project": any(
                Can.CREATE_PROJECT in role_capabilities(m.role) for m in contents.memberships
            ),
            "invitations": invitations_for(request.user),
            "offers": offers,
            "requests": requests,
            # Where shares received, cohorts and requests are: for anyone in an organisation,
            # or with an offer waiting.
            "portfolio": bool(contents.memberships or offers),
        },
    )


def logout_page(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST logs out (Django's LogoutView)."""
    if request.method == "POST":
        return LogoutView.as_view()(request)
    if not request.user.is_authenticated:
        return redirect("checklists:home")
    return render(request, "registration/logout_confirm.html")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with the limits on e-mails asked for without signing in (services.limits)."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        limit = limits.mail_attempt(
            purpose="password_reset", address=form.cleaned_data["email"], ip=client_ip(self.request)
        )
        if limit is limits.Limit.NETWORK:
            form.add_error(None, limits.network_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if limit is limits.Limit.ADDRESS:
            # The page that follows a sent link, with no link sent.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from the e-mailed link, and lift the account's log-in lock-out."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        # The lock-out page sends people here; whoever can read the account's mail may log in
        # with the new password at once, from any address.
        axes_reset(username=normalise_email(form.user.email))
        return response


def checklist_list(request: HttpRequest) -> HttpResponse:
    versions = ChecklistVersion.objects.order_by("slug", "-version").only(
        "slug", "version", "title", "subtitle", "document", "loaded_at"
    )
    return render(request, "checklists/checklist_list.html", {"versions": versions})


def checklist_detail(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    checklist = get_checklist_version(slug, version)
    content = catalog(checklist)
    sections, questions = content.sections, content.questions
    context = {
        "checklist": checklist,
        "sections": sections,
        "question_count": len(questions),
        "critical_count": sum(q.critical for q in questions),
        "scoring": checklist.scoring,
        "source": checklist.source,
    }
    return render(request, "checklists/checklist_detail.html", context)


def checklist_blank_pdf(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    """The blank checklist: rendered once for each version, language and renderer, and then
    served from the database to every process (reports.blank_checklist_key)."""
    from .. import reports  # WeasyPrint is slow to import: only processes that render PDFs pay

    checklist = get_checklist_version(slug, version)
    return public_document(
        request,
        key=reports.blank_checklist_key(checklist),
        render=lambda: reports.blank_checklist_pdf(checklist),
        content_type="application/pdf",
        filename=f"{checklist.slug}-{checklist.version}-blank.pdf",
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the app can reach its database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 with the reason, so that a refused form says what was wrong (and that nothing changed).

    Only the app's own refusals (BadRequest) are worded for people; Django's, such as a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE, name settings and internals, so they get words of ours.
    """
    if isinstance(exception, RequestDataTooBig):
        context = {
            "title": _("Too much to send"),
            "exception": _(
                "What you sent is too large: at most %(size)s can be sent at once. Nothing was saved."
            )
            % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            "advice": _(
                "Shorten the longest notes, or put long documents in a shared folder and link to them, then save again."
            ),
        }
        return render(request, "400.html", context, status=413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        context = {
            "exception": _(
                "This form sent more fields than any page of westcheck has, so it was not read."
            )
        }
    elif isinstance(exception, BadRequest) and exception.args:
        context = {"exception": exception.args[0]}
    else:
        context = {}
    return render(request, "400.html", context, status=400)
