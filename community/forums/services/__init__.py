"""Every write in the forums. Keyword-only, validated before saving; the moderation log
and the activity (which other apps react to) last. Split by concern; import from here."""

from .curation import post_set_wiki, thread_close_as_duplicate, thread_reopen_duplicate, thread_retag
from .moderation import (
    error_answer_verify,
    error_answer_withdraw,
    flags_dismiss,
    idea_status_set,
    post_hide,
    post_restore,
    suspension_lift,
    thread_merge,
    thread_move,
    thread_set_locked,
    thread_set_pinned,
    user_suspend,
)
from .posts import (
    post_accept_answer,
    post_create,
    post_delete,
    post_edit,
    post_flag,
    post_vote,
    thread_create,
    thread_mark_read,
    thread_search_text_rebuild,
    watch_toggle,
)
from .publishing import image_upload, suspension_active
from .reading import reading_visit_token, thread_reading_time_record
from .taxonomy import category_create, tag_create

__all__ = [
    "category_create",
    "error_answer_verify",
    "error_answer_withdraw",
    "flags_dismiss",
    "idea_status_set",
    "image_upload",
    "post_accept_answer",
    "post_create",
    "post_delete",
    "post_edit",
    "post_flag",
    "post_hide",
    "post_restore",
    "post_set_wiki",
    "reading_visit_token",
    "post_vote",
    "suspension_active",
    "suspension_lift",
    "tag_create",
    "thread_close_as_duplicate",
    "thread_create",
    "thread_mark_read",
    "thread_merge",
    "thread_move",
    "thread_reading_time_record",
    "thread_reopen_duplicate",
    "thread_retag",
    "thread_search_text_rebuild",
    "thread_set_locked",
    "thread_set_pinned",
    "user_suspend",
    "watch_toggle",
]
