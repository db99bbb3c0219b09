"""The site's URLs plus a bare template view: the baseline of `manage.py bench`, never deployed."""

from django.urls import path
from django.views.generic import TemplateView

from westcheck.urls import handler400
from westcheck.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "urlpatterns"]

# Last, so that resolving it walks the whole URL list, as the site's own pages do.
urlpatterns = [
    *site_urlpatterns,
    path("__bench__/bare/", TemplateView.as_view(template_name="bench/bare.html")),
]
