from django.urls import path

from . import views

app_name = "rewards"

urlpatterns = [
    path("", views.hub, name="hub"),
    path("history/", views.history, name="history"),
    path("leaderboard/opt-out/", views.leaderboard_optout, name="leaderboard_optout"),
]
