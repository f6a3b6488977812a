from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("u/<slug:handle>/", views.profile_detail, name="profile"),
    path("u/<slug:handle>/avatar.png", views.avatar, name="avatar"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("settings/delete/", views.account_delete_confirm, name="delete"),
]
