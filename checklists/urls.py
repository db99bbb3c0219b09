from django.urls import path

from . import views

app_name = "checklists"

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.dashboard, name="dashboard"),
    path("checklists/", views.checklist_list, name="version-list"),
    path("checklists/<slug:slug>/<str:version>/", views.checklist_detail, name="version-detail"),
    path(
        "checklists/<slug:slug>/<str:version>/blank.pdf",
        views.checklist_blank_pdf,
        name="version-blank-pdf",
    ),
]
