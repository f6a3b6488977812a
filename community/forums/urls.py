from django.urls import path

from . import views
from .views import bounties as bounty_views

app_name = "forums"

urlpatterns = [
    path("", views.ThreadListView.as_view(), name="index"),
    path("c/<slug:slug>/", views.ThreadListView.as_view(), name="category"),
    path("c/<slug:slug>/watch/", views.WatchCategoryView.as_view(), name="category_watch"),
    path("new/", views.ThreadCreateView.as_view(), name="thread_create"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("bounties/", bounty_views.BountyListView.as_view(), name="bounties"),
    path("similar/", views.SimilarThreadsView.as_view(), name="similar"),
    path("preview/", views.PreviewView.as_view(), name="preview"),
    path("t/<int:pk>/", views.ThreadDetailView.as_view(), name="thread_short"),
    path("t/<int:pk>/reply/", views.ReplyCreateView.as_view(), name="reply"),
    path("t/<int:pk>/watch/", views.WatchThreadView.as_view(), name="thread_watch"),
    path("t/<int:pk>/bounty/", bounty_views.BountyOfferView.as_view(), name="bounty_offer"),
    path("t/<int:pk>/idea-status/", views.IdeaStatusView.as_view(), name="idea_status"),
    path("t/<int:pk>/error-answer/", views.ErrorAnswerView.as_view(), name="error_answer"),
    path("t/<int:pk>/read-time/", views.ThreadReadTimeView.as_view(), name="thread_read_time"),
    path("t/<int:pk>/retag/", views.ThreadRetagView.as_view(), name="thread_retag"),
    path("t/<int:pk>/duplicate/", views.ThreadDuplicateView.as_view(), name="thread_duplicate"),
    path("t/<int:pk>/mod/move/", views.ThreadMoveView.as_view(), name="thread_move"),
    path("t/<int:pk>/mod/merge/", views.ThreadMergeView.as_view(), name="thread_merge"),
    path("t/<int:pk>/mod/<slug:action>/", views.ThreadModerateView.as_view(), name="thread_moderate"),
    path("t/<int:pk>/<slug:slug>/", views.ThreadDetailView.as_view(), name="thread"),
    path("p/<int:pk>/", views.PostRedirectView.as_view(), name="post"),
    path("p/<int:pk>/edit/", views.PostEditView.as_view(), name="post_edit"),
    path("p/<int:pk>/history/", views.PostHistoryView.as_view(), name="post_history"),
    path("p/<int:pk>/delete/", views.PostDeleteView.as_view(), name="post_delete"),
    path("p/<int:pk>/vote/", views.PostVoteView.as_view(), name="post_vote"),
    path("p/<int:pk>/accept/", views.PostAcceptView.as_view(), name="post_accept"),
    path("p/<int:pk>/wiki/", views.PostWikiView.as_view(), name="post_wiki"),
    path("p/<int:pk>/flag/", views.PostFlagView.as_view(), name="post_flag"),
    path("p/<int:pk>/mod/<slug:action>/", views.PostModerateView.as_view(), name="post_moderate"),
    path("mod/flags/", views.FlagQueueView.as_view(), name="mod_flags"),
    path("mod/log/", views.ModerationLogView.as_view(), name="mod_log"),
    path("mod/users/<int:user_id>/suspend/", views.UserSuspendView.as_view(), name="user_suspend"),
    path("mod/suspensions/<int:pk>/lift/", views.SuspensionLiftView.as_view(), name="suspension_lift"),
    path("manage/unanswered/", views.UnansweredQueueView.as_view(), name="manage_unanswered"),
    path("manage/taxonomy/", views.TaxonomyView.as_view(), name="manage_taxonomy"),
]
