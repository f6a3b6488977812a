from django.contrib import admin

from .models import DocSection, PageFeedback, PageView


@admin.register(PageFeedback)
class PageFeedbackAdmin(admin.ModelAdmin):
    list_display = ["page_slug", "language", "helpful", "short_comment", "user", "created_at"]
    list_filter = ["helpful", "language", "page_slug", "created_at"]
    search_fields = ["page_slug", "comment", "user__email"]
    readonly_fields = ["page_slug", "language", "helpful", "comment", "user", "visitor", "created_at"]
    date_hierarchy = "created_at"

    @admin.display(description="comment")
    def short_comment(self, obj):
        return obj.comment[:80]


@admin.register(PageView)
class PageViewAdmin(admin.ModelAdmin):
    list_display = ["page_slug", "language", "user", "referrer", "created_at"]
    list_filter = ["language", "page_slug", "created_at"]
    search_fields = ["page_slug", "user__email", "referrer"]
    readonly_fields = ["page_slug", "language", "user", "visitor", "referrer", "created_at"]
    date_hierarchy = "created_at"


@admin.register(DocSection)
class DocSectionAdmin(admin.ModelAdmin):
    list_display = ["page_title", "heading", "language", "has_embedding"]
    list_filter = ["language", "page_slug"]
    search_fields = ["page_title", "heading", "body"]
    readonly_fields = ["language", "page_slug", "page_title", "anchor", "heading", "body", "position", "content_hash"]
    exclude = ["embedding"]

    @admin.display(boolean=True)
    def has_embedding(self, obj):
        return obj.embedding is not None
