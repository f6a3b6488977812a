from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("usage/", views.usage, name="usage"),
    path("usage/export.csv", views.usage_export, name="export"),
    path("logs/", views.request_log, name="logs"),
    path("logs/<str:request_id>/", views.request_log_detail, name="log"),
]
