from django.urls import path

from . import playground

app_name = "playground"

urlpatterns = [
    path("", playground.playground, name="page"),
    path("chat", playground.PlaygroundChatView.as_view(), name="chat"),
]
