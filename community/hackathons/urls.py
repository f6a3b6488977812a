from django.urls import path

from . import views

app_name = "hackathons"

urlpatterns = [
    path("", views.hackathon_list, name="list"),
    path("<int:hackathon_id>/", views.hackathon_detail, name="detail"),
    path("<int:hackathon_id>/team/", views.team, name="team"),
    path("<int:hackathon_id>/submit/", views.submit, name="submit"),
    path("<int:hackathon_id>/judge/", views.judge, name="judge"),
    path("<int:hackathon_id>/finalise/", views.finalise, name="finalise"),
    path("<int:hackathon_id>/results/", views.results, name="results"),
]
