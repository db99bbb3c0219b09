"""The site's URLs plus a bare template view: the benchmark's baseline, never deployed."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from westcheck.urls import handler400
from westcheck.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "urlpatterns"]

# Compiled once, as the cached template loader keeps the site's own templates.
BARE = engines["django"].from_string(
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    "<title>Bare template · westcheck benchmark</title></head>\n"
    "<body><p>A bare Django template: no base template, no database, no context of its own."
    "</p></body>\n</html>\n"
)


def bare(request):
    return HttpResponse(BARE.render({}, request))


# Last, so that resolving it walks the whole URL list, as the site's own pages do.
urlpatterns = [*site_urlpatterns, path("__bench__/bare/", bare)]
