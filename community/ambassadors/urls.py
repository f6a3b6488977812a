from django.urls import path

from . import views

app_name = "ambassadors"

urlpatterns = [
    path("", views.ambassador_list, name="list"),
    path("apply/", views.apply, name="apply"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:application_id>/", views.review, name="review"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:user_id>/revoke/", views.revoke, name="revoke"),
    path("manage/<int:user_id>/quarter/", views.quarter, name="quarter"),
    path("r/<slug:code>/", views.referral, name="referral"),
]
