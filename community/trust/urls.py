from django.urls import path

from . import views

app_name = "trust"

urlpatterns = [
    path("levels/", views.LevelsView.as_view(), name="levels"),
    path("levels/members/<int:user_id>/", views.MemberLevelView.as_view(), name="member_level"),
]
