from django.urls import path

from . import views
from .leaderboard_views import LeaderboardView

app_name = "rewards"

urlpatterns = [
    path("", views.hub, name="hub"),
    path("history/", views.history, name="history"),
    path("leaderboard/", LeaderboardView.as_view(), name="leaderboard"),
    path("leaderboard/opt-out/", views.leaderboard_optout, name="leaderboard_optout"),
]
