from django.urls import path

from . import views

app_name = "store"

urlpatterns = [
    path("", views.index, name="index"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("manage/", views.ManageView.as_view(), name="manage"),
    path("manage/<int:pk>/", views.DecideView.as_view(), name="decide"),
    path("<slug:slug>/", views.ItemView.as_view(), name="item"),
]
