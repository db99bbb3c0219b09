from django.urls import path

from .views import (
    activity,
    cohorts,
    comments,
    projects,
    public,
    reports,
    reviews,
    sharing,
    teams,
    walkthrough,
)

app_name = "checklists"

urlpatterns = [
    path("", public.home, name="home"),
    path("home/", public.dashboard, name="dashboard"),
    path("organisations/new/", projects.organisation_create, name="organisation-create"),
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
    path("portfolio/", projects.portfolio, name="portfolio"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<int:pk>/delete/", projects.project_delete, name="project-delete"),
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
    path(
        "projects/<int:pk>/assessments/new/",
        walkthrough.assessment_create,
        name="assessment-create",
    ),
    path("assessments/<int:pk>/", walkthrough.assessment_detail, name="assessment-detail"),
    path(
        "assessments/<int:pk>/sections/<str:key>/",
        walkthrough.assessment_section,
        name="assessment-section",
    ),
    path(
        "assessments/<int:pk>/activity/", activity.assessment_activity, name="assessment-activity"
    ),
    path("assessments/<int:pk>/review/", walkthrough.assessment_review, name="assessment-review"),
    path("assessments/<int:pk>/submit/", walkthrough.assessment_submit, name="assessment-submit"),
    path("assessments/<int:pk>/copy/", walkthrough.assessment_copy, name="assessment-copy"),
    path("assessments/<int:pk>/report/", reports.assessment_report, name="assessment-report"),
    path(
        "assessments/<int:pk>/report.pdf",
        reports.assessment_report_pdf,
        name="assessment-report-pdf",
    ),
    path("assessments/<int:pk>/actions/", reports.assessment_actions, name="assessment-actions"),
    path("assessments/<int:pk>/verify/", reports.assessment_verify, name="assessment-verify"),
    path(
        "assessments/<int:pk>/export.<str:fmt>", reports.assessment_export, name="assessment-export"
    ),
    path("assessments/<int:pk>/sharing/", sharing.assessment_sharing, name="assessment-sharing"),
    path("assessments/<int:pk>/sharing/preview/", sharing.share_preview, name="share-preview"),
    path("assessments/<int:pk>/sharing/offer/", sharing.share_create, name="share-create"),
    path("assessments/<int:pk>/sharing/<int:share_pk>/end/", sharing.share_end, name="share-end"),
    path(
        "assessments/<int:pk>/sharing/<int:share_pk>/extend/",
        sharing.share_extend,
        name="share-extend",
    ),
    path(
        "assessments/<int:pk>/sharing/<int:share_pk>/comments/",
        comments.share_comments,
        name="share-comments",
    ),
    path("assessments/<int:pk>/reviews/", reviews.assessment_reviews, name="assessment-reviews"),
    path("shares/offers/<int:pk>/", sharing.share_offer, name="share-offer"),
    path("shares/requests/<int:pk>/", cohorts.share_request, name="share-request"),
    path("portfolio/requests/", cohorts.share_requests, name="share-requests"),
    path(
        "portfolio/requests/<int:pk>/withdraw/",
        cohorts.share_request_withdraw,
        name="share-request-withdraw",
    ),
    path("portfolio/export.csv", projects.portfolio_csv, name="portfolio-csv"),
    path("portfolio/cohorts/", cohorts.cohorts, name="cohorts"),
    path("cohorts/<int:pk>/", cohorts.cohort, name="cohort"),
    path("cohorts/<int:pk>/open/", cohorts.cohort_open, name="cohort-open"),
    path("cohorts/<int:pk>/report.pdf", cohorts.cohort_report_pdf, name="cohort-report-pdf"),
    path("cohorts/join/<str:code>/", cohorts.cohort_join, name="cohort-join"),
    path("shared/<int:pk>/", sharing.shared, name="shared"),
    path("shared/<int:pk>/submissions/<int:number>/", sharing.shared, name="shared-submission"),
    path(
        "shared/<int:pk>/submissions/<int:number>/review/",
        reviews.shared_review,
        name="shared-review",
    ),
    path("shared/<int:pk>/comments/", comments.shared_comments, name="shared-comments"),
    path(
        "shared/<int:pk>/submissions/<int:number>/report.pdf",
        sharing.shared_report_pdf,
        name="shared-report-pdf",
    ),
    path(
        "shared/<int:pk>/submissions/<int:number>/export.<str:fmt>",
        sharing.shared_export,
        name="shared-export",
    ),
    path("verify/", reports.verify, name="verify"),
    path("checklists/", public.checklist_list, name="version-list"),
    path("checklists/<slug:slug>/<str:version>/", public.checklist_detail, name="version-detail"),
    path(
        "checklists/<slug:slug>/<str:version>/blank.pdf",
        public.checklist_blank_pdf,
        name="version-blank-pdf",
    ),
]
