from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.urls import path
from drf_spectacular.views import SpectacularRedocView

from . import views

app_name = "docs"

# The API reference (Redoc, vendored) widens the site's policy for its own page: it injects
# <style> elements (some before any nonce could reach it) and runs its search in a worker
# built from a blob: URL. Images stay on this site, as does everything: static/docs/redoc.js
# keeps Redoc from even asking for the Redocly logo on cdn.redoc.ly (it then leaves it out).
redoc_csp = csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"], "img-src": [SELF, "data:"]})

urlpatterns = [
    path("", views.docs_home, name="home"),
    path("search/", views.docs_search, name="search"),
    path(
        "api/",
        redoc_csp(SpectacularRedocView.as_view(url_name="api-schema", template_name="docs/redoc.html")),
        name="api_reference",
    ),
    path("quickstart/key/", views.quickstart_key_create, name="quickstart_key_create"),
    path("<slug:slug>/", views.docs_page, name="page"),
    path("<slug:slug>.md", views.docs_page_source, name="page_source"),
    path("<slug:slug>/feedback/", views.docs_page_feedback, name="page_feedback"),
]
