from django.urls import path

from . import views

app_name = "apikeys"

urlpatterns = [
    path("", views.key_list, name="list"),
    path("<int:pk>/edit/", views.key_edit, name="edit"),
    path("<int:pk>/revoke/", views.key_revoke, name="revoke"),
    path("<int:pk>/roll/", views.key_roll, name="roll"),
]
