from django.urls import path

from . import views

app_name = "gateway"

urlpatterns = [
    path("models", views.ModelListView.as_view(), name="models"),
    path("models/<anytext:model_id>", views.ModelDetailView.as_view(), name="model"),
    path("chat/completions", views.ChatCompletionsView.as_view(), name="chat-completions"),
    path("completions", views.CompletionsView.as_view(), name="completions"),
    path("embeddings", views.EmbeddingsView.as_view(), name="embeddings"),
]
