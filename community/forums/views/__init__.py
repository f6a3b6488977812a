"""Thin views: parse input, call one service or selector, render. Scoping to the caller
lives in the mixins of views.base, so no view can forget it."""

from .base import CappedPaginator
from .curation import PostWikiView, ThreadDuplicateView, ThreadReadTimeView, ThreadRetagView
from .managers import (
    TaxonomyView,
    UnansweredQueueView,
)
from .moderation import (
    ErrorAnswerView,
    FlagQueueView,
    ModerationLogView,
    PostModerateView,
    SuspensionLiftView,
    ThreadMergeView,
    ThreadModerateView,
    ThreadMoveView,
    UserSuspendView,
)
from .reading import (
    PostRedirectView,
    PreviewView,
    ReplyCreateView,
    SearchView,
    SimilarThreadsView,
    ThreadCreateView,
    ThreadDetailView,
    ThreadListView,
)
from .writing import (
    IdeaStatusView,
    PostAcceptView,
    PostDeleteView,
    PostEditView,
    PostFlagView,
    PostHistoryView,
    PostVoteView,
    WatchCategoryView,
    WatchThreadView,
)

__all__ = [
    "CappedPaginator",
    "ErrorAnswerView",
    "FlagQueueView",
    "IdeaStatusView",
    "ModerationLogView",
    "PostAcceptView",
    "PostDeleteView",
    "PostEditView",
    "PostFlagView",
    "PostHistoryView",
    "PostModerateView",
    "PostRedirectView",
    "PostVoteView",
    "PostWikiView",
    "PreviewView",
    "ReplyCreateView",
    "SearchView",
    "SimilarThreadsView",
    "SuspensionLiftView",
    "TaxonomyView",
    "ThreadCreateView",
    "ThreadDuplicateView",
    "ThreadDetailView",
    "ThreadListView",
    "ThreadMergeView",
    "ThreadModerateView",
    "ThreadMoveView",
    "ThreadReadTimeView",
    "ThreadRetagView",
    "UnansweredQueueView",
    "UserSuspendView",
    "WatchCategoryView",
    "WatchThreadView",
]
