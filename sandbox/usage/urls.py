from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("usage/", views.usage, name="usage"),
    path("usage/export.csv", views.usage_export, name="export"),
]
