from django.urls import path

from . import views

app_name = "badges"

urlpatterns = [
    path("badges/", views.badge_index, name="index"),
    path("badges/<slug:slug>/", views.badge_detail, name="detail"),
    path("honors/", views.honor_list, name="honors"),
    path("honors/award/", views.HonorAwardView.as_view(), name="honor_award"),
]
