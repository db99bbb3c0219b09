from django.urls import path

from . import views
from .views import activity, teams

app_name = "checklists"

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.dashboard, name="dashboard"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", teams.members_page, name="organisation-members"),
    path(
        "organisations/<int:pk>/activity/",
        activity.organisation_activity,
        name="organisation-activity",
    ),
    path("organisations/<int:pk>/edit/", teams.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/invite/", teams.member_invite, name="member-invite"),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/resend/",
        teams.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        teams.invitation_cancel,
        name="invitation-cancel",
    ),
    path(
        "organisations/<int:pk>/members/<int:member_pk>/role/",
        teams.member_role,
        name="member-role",
    ),
    path(
        "organisations/<int:pk>/members/<int:member_pk>/remove/",
        teams.member_remove,
        name="member-remove",
    ),
    path("organisations/<int:pk>/hand-over/", teams.ownership_hand_over, name="hand-over"),
    path("invitations/received/<int:pk>/", teams.invitation_received, name="invitation-received"),
    path("invitations/<str:token>/", teams.invitation, name="invitation"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/delete/", views.project_delete, name="project-delete"),
    path("projects/<int:pk>/people/", teams.project_people, name="project-people"),
    path("projects/<int:pk>/people/invite/", teams.collaborator_invite, name="collaborator-invite"),
    path(
        "projects/<int:pk>/people/invitations/<int:invitation_pk>/resend/",
        teams.collaborator_invitation_resend,
        name="collaborator-invitation-resend",
    ),
    path(
        "projects/<int:pk>/people/invitations/<int:invitation_pk>/cancel/",
        teams.collaborator_invitation_cancel,
        name="collaborator-invitation-cancel",
    ),
    path(
        "projects/<int:pk>/people/<int:user_pk>/access/",
        teams.collaborator_change,
        name="collaborator-change",
    ),
    path(
        "projects/<int:pk>/people/<int:user_pk>/remove/",
        teams.collaborator_revoke,
        name="collaborator-revoke",
    ),
    path("projects/<int:pk>/assessments/new/", views.assessment_create, name="assessment-create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path(
        "assessments/<int:pk>/sections/<str:key>/",
        views.assessment_section,
        name="assessment-section",
    ),
    path(
        "assessments/<int:pk>/activity/", activity.assessment_activity, name="assessment-activity"
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
