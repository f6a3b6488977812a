from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import (
    Bounty,
    Category,
    ErrorAnswer,
    Flag,
    ModerationAction,
    Post,
    PostImage,
    PostRevision,
    Suspension,
    Tag,
    Thread,
    ThreadRead,
    Vote,
    Watch,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "position", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["position", "name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "category",
        "author",
        "created_at",
        "last_activity_at",
        "reply_count",
        "score",
        "is_pinned",
        "is_locked",
        "is_hidden",
        "is_deleted",
    ]
    list_filter = ["category", "idea_status", "is_pinned", "is_locked", "is_hidden", "is_deleted"]
    search_fields = ["title", "slug", "error_code", "author__email"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "author"]
    raw_id_fields = ["author", "last_poster", "accepted_answer", "merged_into"]
    filter_horizontal = ["tags"]
    # search_text is derived from the posts; the forum's services keep it current.
    exclude = ["search_text"]
    readonly_fields = ["created_at", "last_activity_at", "reply_count", "score", "first_response_at"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "thread",
        "author",
        "is_first",
        "score",
        "created_at",
        "edit_count",
        "is_hidden",
        "is_deleted",
    ]
    list_filter = ["is_first", "is_staff_reply", "is_hidden", "is_deleted"]
    search_fields = ["body", "thread__title", "author__email"]
    date_hierarchy = "created_at"
    list_select_related = ["thread", "author"]
    raw_id_fields = ["thread", "author"]
    # The rendered HTML and the body's hash are derived; the hash is never shown.
    exclude = ["body_html", "body_hash"]
    readonly_fields = ["created_at", "edited_at", "edit_count", "score", "deleted_at"]


@admin.register(PostRevision)
class PostRevisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "post", "editor", "title", "created_at"]
    search_fields = ["body", "title", "editor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["post", "editor"]
    raw_id_fields = ["post", "editor"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "created_at"]
    search_fields = ["user__email"]
    date_hierarchy = "created_at"
    list_select_related = ["post", "user"]
    raw_id_fields = ["post", "user"]


@admin.register(ThreadRead)
class ThreadReadAdmin(admin.ModelAdmin):
    list_display = ["thread", "user", "read_at"]
    search_fields = ["thread__title", "user__email"]
    date_hierarchy = "read_at"
    list_select_related = ["thread", "user"]
    raw_id_fields = ["thread", "user"]


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["user", "thread", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["user__email", "thread__title"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "thread", "category"]
    raw_id_fields = ["user", "thread"]


@admin.register(PostImage)
class PostImageAdmin(admin.ModelAdmin):
    list_display = ["image", "uploader", "width", "height", "created_at"]
    search_fields = ["image", "uploader__email"]
    date_hierarchy = "created_at"
    list_select_related = ["uploader"]
    raw_id_fields = ["uploader"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["__str__", "post", "reason", "status", "reporter", "created_at", "resolved_by", "resolved_at"]
    list_filter = ["status", "reason"]
    search_fields = ["note", "reporter__email", "post__body"]
    date_hierarchy = "created_at"
    list_select_related = ["post", "reporter", "resolved_by"]
    raw_id_fields = ["post", "reporter", "resolved_by"]


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ["user", "reason", "ends_at", "created_by", "created_at", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "created_by"]
    raw_id_fields = ["user", "created_by"]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "actor", "target_user", "thread", "post", "reason"]
    list_filter = ["kind"]
    search_fields = ["reason", "actor__email", "target_user__email", "thread__title"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "target_user", "thread", "post"]
    raw_id_fields = ["actor", "target_user", "thread", "post"]


@admin.register(ErrorAnswer)
class ErrorAnswerAdmin(admin.ModelAdmin):
    """Staff verify answers on the thread page (the digest is taken there); here they see
    and withdraw them."""

    list_display = ["error_code", "post", "verified_by", "verified_at"]
    search_fields = ["error_code"]
    readonly_fields = ["error_code", "post", "body_digest", "verified_by", "verified_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Bounty)
class BountyAdmin(ReadOnlyAdmin):
    """Bounties move points: they open, pay and refund only through the forums' services."""

    list_display = ["__str__", "thread", "offered_by", "amount", "state", "ends_at", "awarded_to", "award"]
    list_filter = ["state", "award"]
    search_fields = ["thread__title", "offered_by__email", "awarded_to__email"]
    date_hierarchy = "started_at"
    list_select_related = ["thread", "offered_by", "awarded_to"]
    raw_id_fields = ["thread", "offered_by", "awarded_post", "awarded_to"]
