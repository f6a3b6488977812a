from django.urls import path
from drf_spectacular.views import SpectacularRedocView

from . import views

app_name = "docs"

urlpatterns = [
    path("", views.docs_home, name="home"),
    path("search/", views.docs_search, name="search"),
    path(
        "api/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="docs/redoc.html"),
        name="api_reference",
    ),
    path("quickstart/key/", views.quickstart_key_create, name="quickstart_key_create"),
    path("<slug:slug>/", views.docs_page, name="page"),
    path("<slug:slug>.md", views.docs_page_source, name="page_source"),
    path("<slug:slug>/feedback/", views.docs_page_feedback, name="page_feedback"),
]
