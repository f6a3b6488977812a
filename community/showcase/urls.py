from django.urls import path

from . import views

app_name = "showcase"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("new/", views.create, name="create"),
    path("screenshots/<str:token>.<str:extension>", views.screenshot, name="screenshot"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/vote/", views.vote, name="vote"),
    path("<slug:slug>/feature/", views.feature, name="feature"),
    path("<slug:slug>/hide/", views.hide, name="hide"),
    path("<slug:slug>/delete/", views.delete, name="delete"),
]
