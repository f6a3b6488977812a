from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("usage/", views.usage, name="usage"),
    path("usage/export.csv", views.usage_export, name="export"),
    path("playground/", views.playground, name="playground"),
    path("playground/chat", views.PlaygroundChatView.as_view(), name="playground-chat"),
]
