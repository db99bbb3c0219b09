from django.urls import path

from . import views

app_name = "checklists"

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.dashboard, name="dashboard"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/assessments/new/", views.assessment_create, name="assessment-create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path(
        "assessments/<int:pk>/sections/<str:key>/",
        views.assessment_section,
        name="assessment-section",
    ),
    path("assessments/<int:pk>/review/", views.assessment_review, name="assessment-review"),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment-submit"),
    path("assessments/<int:pk>/copy/", views.assessment_copy, name="assessment-copy"),
    path("assessments/<int:pk>/report/", views.assessment_report, name="assessment-report"),
    path(
        "assessments/<int:pk>/report.pdf", views.assessment_report_pdf, name="assessment-report-pdf"
    ),
    path("assessments/<int:pk>/actions/", views.assessment_actions, name="assessment-actions"),
    path("assessments/<int:pk>/verify/", views.assessment_verify, name="assessment-verify"),
    path(
        "assessments/<int:pk>/export.<str:fmt>", views.assessment_export, name="assessment-export"
    ),
    path("checklists/", views.checklist_list, name="version-list"),
    path("checklists/<slug:slug>/<str:version>/", views.checklist_detail, name="version-detail"),
    path(
        "checklists/<slug:slug>/<str:version>/blank.pdf",
        views.checklist_blank_pdf,
        name="version-blank-pdf",
    ),
]
