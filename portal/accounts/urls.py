from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("u/<slug:handle>/", views.profile_detail, name="profile"),
    path("settings/profile/", views.profile_edit, name="profile_edit"),
]
