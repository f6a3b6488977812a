from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.index, name="index"),
    path("calendar/", views.month, name="calendar"),
    path("calendar/<int:year>/<int:month>/", views.month, name="calendar_month"),
    path("feed.ics", views.feed, name="feed"),
    path("new/", views.create, name="create"),
    path("manage/", views.manage, name="manage"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/event.ics", views.ics, name="ics"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/publish/", views.publish, name="publish"),
    path("<slug:slug>/return/", views.return_to_draft, name="return_to_draft"),
    path("<slug:slug>/cancel/", views.cancel, name="cancel"),
    path("<slug:slug>/rsvp/", views.rsvp, name="rsvp"),
    path("<slug:slug>/rsvp/cancel/", views.rsvp_cancel, name="rsvp_cancel"),
    path("<slug:slug>/checkin/", views.checkin, name="checkin"),
    path("<slug:slug>/feedback/", views.feedback, name="feedback"),
    path("<slug:slug>/attendees/", views.attendees, name="attendees"),
    path("<slug:slug>/summary/", views.summary, name="summary"),
]
