from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.model_list, name="list"),
    # Model ids may hold slashes and colons (`Qwen/Qwen2.5-0.5B-Instruct`, `ft:...`).
    path("<path:model_id>/", views.model_detail, name="detail"),
]
