"""Views: find the object through its access helper, run the form, call a service."""

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .forms import SignupForm
from .models import ChecklistVersion
from .permissions import get_checklist_version


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "checklists/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "checklists/dashboard.html")


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("checklists:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("checklists:dashboard")
    return render(request, "registration/signup.html", {"form": form})


def checklist_list(request: HttpRequest) -> HttpResponse:
    versions = ChecklistVersion.objects.order_by("slug", "-version").only(
        "slug", "version", "title", "subtitle", "document", "loaded_at"
    )
    return render(request, "checklists/checklist_list.html", {"versions": versions})


def checklist_detail(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    checklist = get_checklist_version(slug, version)
    sections = checklist.sections_for_display()
    questions = [q for s in sections for q in s.questions.all()]
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
    from . import reports  # WeasyPrint is slow to import: only processes that render PDFs pay

    checklist = get_checklist_version(slug, version)
    response = HttpResponse(reports.blank_checklist_pdf(checklist), content_type="application/pdf")
    filename = f"{checklist.slug}-{checklist.version}-blank.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


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
