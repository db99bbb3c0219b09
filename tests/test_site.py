"""Pages every visitor sees, health, and the security headers."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_says_what_westcheck_is_for(client):
    response = client.get("/")
    assert response.status_code == 200
    text = response.text
    assert '<html lang="en"' in text
    assert "WEST Principles Operations Checklist" in text
    for audience in ["Brands and buyers", "Technology providers", "Funders", "NGOs"]:
        assert audience in text


def test_healthz_checks_the_database(client):
    from django.db import connection

    response = client.get("/healthz")
    assert response.status_code == 200
    # The suite runs on SQLite and again on PostgreSQL: the check reaches whichever is configured.
    assert response.json() == {"status": "ok", "database": connection.vendor}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    from django.db import DatabaseError
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_request_for_another_host_is_refused_without_naming_settings(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "That request could not be understood" in response.text
    assert "ALLOWED_HOSTS" not in response.text
    assert "evil.example" not in response.text


def test_pages_load_no_third_party_resources(client):
    for url in ["/", reverse("login"), reverse("signup")]:
        html = client.get(url).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources
        assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], url


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/"])
def test_first_visit_weighs_under_100_kb_compressed(client, url):
    """Page plus its stylesheets, scripts and images, gzipped as the server would send them."""
    response = client.get(url)
    total = len(gzip.compress(response.content))
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', response.text)
    assert any(a.endswith(".css") for a in assets)
    for asset in set(assets):
        path = finders.find(asset)
        assert path, asset
        with open(path, "rb") as f:
            total += len(gzip.compress(f.read()))
    assert total < 100 * 1024, f"{url} weighs {total / 1024:.1f} KB compressed"


def test_admin_is_for_staff_only(client, owner, django_user_model):
    client.force_login(owner)
    assert client.get("/admin/").status_code == 302
    staff = django_user_model.objects.create_superuser(
        email="s@example.org", name="S", password="x"
    )
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/checklists/user/").status_code == 200
    assert client.get("/admin/checklists/user/add/").status_code == 200


def test_admin_shows_checklist_content_read_only(client, django_user_model):
    from checklists.models import ChecklistVersion, Question

    staff = django_user_model.objects.create_superuser(
        email="s@example.org", name="S", password="x"
    )
    client.force_login(staff)
    version = ChecklistVersion.objects.get()
    question = Question.objects.get(key="3.1")
    assert client.get("/admin/checklists/checklistversion/").status_code == 200
    page = client.get(f"/admin/checklists/checklistversion/{version.pk}/change/")
    assert page.status_code == 200
    assert "Establish a mechanism for remedy" in page.text
    assert client.get(f"/admin/checklists/question/{question.pk}/change/").status_code == 200
    assert client.get("/admin/checklists/checklistversion/add/").status_code == 403
    response = client.post(
        f"/admin/checklists/question/{question.pk}/change/", {"text": "Changed", "key": "3.1"}
    )
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.text.startswith("How will you respond to emergency situations")
    assert (
        client.post(
            f"/admin/checklists/checklistversion/{version.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert ChecklistVersion.objects.filter(pk=version.pk).exists()


def test_repeat_visit_to_an_unchanged_page_is_a_304_without_body(client, owner):
    url = reverse("checklists:version-detail", args=["west-operations-checklist", "2019-03"])
    for user in (None, owner):
        if user:
            client.force_login(user)
        first = client.get(url)
        assert first["Cache-Control"] == "private, no-cache"
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304
        assert again.content == b""


def test_logging_out_asks_for_confirmation(client, owner):
    client.force_login(owner)
    page = client.get(reverse("logout"))
    assert page.status_code == 200
    assert "Log out of westcheck?" in page.text
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("checklists:dashboard")).status_code == 302
