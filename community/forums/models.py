"""The forums: categories, tags, threads, posts and everything moderation keeps."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from portal.shipped import shipped_translate

RESERVED_THREAD_SLUGS = {
    "reply",
    "watch",
    "idea-status",
    "error-answer",
    "mod",
    "bounty",
    "read-time",
    "retag",
    "duplicate",
    "wiki",
}
HEX_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex color such as #3a2d8f."))


class CategoryKind(models.TextChoices):
    QA = "qa", _("Questions & answers")
    DISCUSSION = "discussion", _("Discussion")
    ANNOUNCEMENT = "announcement", _("Announcements")
    IDEAS = "ideas", _("Ideas & feedback")
    SHOWCASE = "showcase", _("Showcase")


class IdeaStatus(models.TextChoices):
    NONE = "", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    SHIPPED = "shipped", _("Shipped")
    DECLINED = "declined", _("Declined")


class Category(models.Model):
    """A section of the forum; its kind decides how threads in it behave."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    color = models.CharField(max_length=7, default="#3a2d8f", validators=[HEX_COLOR])
    kind = models.CharField(max_length=20, choices=CategoryKind.choices, default=CategoryKind.DISCUSSION)
    position = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        # A shipped category's name in the reader's language (its choice in forms, the admin).
        return shipped_translate(self.name)

    def get_absolute_url(self):
        return reverse("forums:category", kwargs={"slug": self.slug})

    @property
    def has_answers(self) -> bool:
        return self.kind == CategoryKind.QA

    @property
    def has_votes(self) -> bool:
        return self.kind in (CategoryKind.QA, CategoryKind.IDEAS)

    @property
    def staff_only_threads(self) -> bool:
        return self.kind == CategoryKind.ANNOUNCEMENT

    @property
    def is_ideas(self) -> bool:
        return self.kind == CategoryKind.IDEAS


class Tag(models.Model):
    """A tag from the managed list; members choose, managers create."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:40]
        super().save(*args, **kwargs)


class ThreadQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Bulk writes move the page cache's generations, as saves do (see signals.py)."""
        from . import pagecache

        ids = list(self.values_list("pk", flat=True))
        rows = super().update(**kwargs)
        pagecache.threads_changed(ids)
        return rows

    def visible(self):
        return self.filter(is_deleted=False, is_hidden=False, merged_into__isnull=True)

    def visible_to(self, user):
        """Threads this user may open: moderators also see hidden ones."""
        if user.is_authenticated and user.has_perm("forums.moderate_post"):
            return self.filter(is_deleted=False, merged_into__isnull=True)
        return self.visible()


VISIBLE = models.Q(is_deleted=False, is_hidden=False, merged_into__isnull=True)


class Thread(models.Model):
    """A topic: its first post is the question or opening statement."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="forum_threads"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads")
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_count = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    accepted_answer = models.ForeignKey("Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_at = models.DateTimeField(null=True, blank=True)
    error_code = models.SlugField(max_length=64, blank=True, db_index=True)
    idea_status = models.CharField(max_length=20, choices=IdeaStatus.choices, blank=True, default="")
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Closed as a duplicate of another thread (by a regular or a moderator): locked, and
    # its page links the original.
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What search reads besides the title: the visible posts' Markdown. On PostgreSQL a
    # generated tsvector column (title weighted A, this B) with a GIN index sits beside it
    # (migration 0002); SQLite searches this text directly.
    search_text = models.TextField(blank=True, default="")

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at"]
        # Partial indexes over visible threads, in each list's own order, so that a page of
        # the latest/top/unanswered lists reads 30 index entries however many threads exist.
        indexes = [
            models.Index(fields=["-is_pinned", "-last_activity_at"], name="forums_thread_latest", condition=VISIBLE),
            models.Index(
                fields=["category", "-is_pinned", "-last_activity_at"],
                name="forums_thread_cat_latest",
                condition=VISIBLE,
            ),
            models.Index(fields=["-score", "-reply_count", "-created_at"], name="forums_thread_top", condition=VISIBLE),
            models.Index(
                fields=["-created_at"], name="forums_thread_no_replies", condition=VISIBLE & models.Q(reply_count=0)
            ),
            models.Index(
                fields=["created_at"],
                name="forums_thread_unanswered",
                condition=VISIBLE & models.Q(first_response_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:80] or "thread"
        if self.slug in RESERVED_THREAD_SLUGS:  # they name the thread's own actions
            self.slug = f"{self.slug}-thread"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("forums:thread", kwargs={"pk": self.pk, "slug": self.slug or "thread"})

    @property
    def time_to_first_response(self):
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.created_at


class PostQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Bulk writes move the page cache's generations, as saves do (see signals.py)."""
        from . import pagecache

        thread_ids = set(self.values_list("thread_id", flat=True))
        rows = super().update(**kwargs)
        pagecache.threads_changed(thread_ids)
        return rows

    def visible(self):
        return self.filter(is_deleted=False, is_hidden=False)


class Post(models.Model):
    """One message in a thread, written in Markdown; body_html is the sanitized rendering."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="forum_posts"
    )
    is_first = models.BooleanField(default=False)
    body = models.TextField(max_length=30000)
    body_html = models.TextField(blank=True)
    body_hash = models.CharField(max_length=64, blank=True)
    is_staff_reply = models.BooleanField(default=False)
    score = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=200, blank=True)
    # Hidden as spam (its author loses the spam points until it is restored).
    hidden_as_spam = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # A first post made a wiki (by a moderator or a regular): members with the privilege edit it.
    is_wiki = models.BooleanField(default=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="forums_post_thread_order"),
            models.Index(fields=["author", "-created_at"], name="forums_post_author_recent"),
        ]
        permissions = [
            ("moderate_post", "Can hide, restore and edit any post"),
            ("moderate_flags", "Can review the flags queue"),
            ("lock_thread", "Can lock and unlock threads"),
            ("pin_thread", "Can pin and unpin threads"),
            ("move_thread", "Can move threads between categories"),
            ("merge_thread", "Can merge threads"),
            ("suspend_user", "Can suspend members from the forums"),
            ("view_moderation_log", "Can read the moderation log"),
            ("set_idea_status", "Can set the status of ideas with a staff reply"),
            ("view_unanswered_queue", "Can see the unanswered queue and response times"),
        ]

    def __str__(self):
        return f"Post {self.pk} in {self.thread_id}"

    def get_absolute_url(self):
        return reverse("forums:post", kwargs={"pk": self.pk})


class PostRevision(models.Model):
    """The body a post had before an edit; the history is public."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    title = models.CharField(max_length=200, blank=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class VoteValue(models.IntegerChoices):
    UP = 1, _("Upvote")
    DOWN = -1, _("Downvote")


class Vote(models.Model):
    """One member's vote on one post (question, answer or idea): up (+1) or down (-1)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_votes")
    value = models.SmallIntegerField(choices=VoteValue.choices, default=VoteValue.UP)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="forums_vote_one_per_user"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="forums_vote_up_or_down"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.value:+d} {self.post_id}"


class ThreadRead(models.Model):
    """How far a member has read a thread (unread = newer activity than this)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(default=timezone.now)
    # How many posts the thread had when they last read it: the next visit reads the rest
    # (trust levels count posts read, as Discourse's highest post seen).
    posts_seen = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="forums_read_unique")]

    def __str__(self):
        return f"{self.user_id} read {self.thread_id}"


class Watch(models.Model):
    """A member following a thread or a whole category."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_watches")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="watches")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "watches"
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="forums_watch_thread_unique"),
            models.UniqueConstraint(fields=["user", "category"], name="forums_watch_category_unique"),
            models.CheckConstraint(
                condition=models.Q(thread__isnull=False, category__isnull=True)
                | models.Q(thread__isnull=True, category__isnull=False),
                name="forums_watch_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} watches {self.thread_id or self.category_id}"


class PostImage(models.Model):
    """An image uploaded for a post (type and size checked with Pillow)."""

    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    image = models.ImageField(upload_to="forums/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.image.name


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    OFF_TOPIC = "off_topic", _("Off-topic")
    ABUSIVE = "abusive", _("Abusive or harassing")
    OTHER = "other", _("Something else")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIONED = "actioned", _("Post hidden")
    DISMISSED = "dismissed", _("Dismissed")


class Flag(models.Model):
    """A member's report of a post, waiting in the moderators' queue."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True)
    # How much it counts in the moderators' queue: the reporter's trust level's flag weight.
    weight = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="forums_flag_once")]

    def __str__(self):
        return f"{self.get_reason_display()} on post {self.post_id}"


class Suspension(models.Model):
    """A member barred from posting until ends_at, with the reason they are shown."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_suspensions")
    reason = models.CharField(max_length=500)
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user_id} suspended until {self.ends_at:%Y-%m-%d}"


class ModerationActionKind(models.TextChoices):
    HIDE = "hide", _("Hid post")
    RESTORE = "restore", _("Restored post")
    EDIT = "edit", _("Edited another member's post")
    DELETE = "delete", _("Deleted post")
    LOCK = "lock", _("Locked thread")
    UNLOCK = "unlock", _("Unlocked thread")
    PIN = "pin", _("Pinned thread")
    UNPIN = "unpin", _("Unpinned thread")
    MOVE = "move", _("Moved thread")
    MERGE = "merge", _("Merged thread")
    SUSPEND = "suspend", _("Suspended member")
    UNSUSPEND = "unsuspend", _("Lifted suspension")
    DISMISS_FLAGS = "dismiss_flags", _("Dismissed flags")
    IDEA_STATUS = "idea_status", _("Set idea status")
    KEY_REDACTED = "key_redacted", _("Redacted a leaked API key")
    VERIFY_ERROR_ANSWER = "verify_error", _("Verified an answer for an API error")
    UNVERIFY_ERROR_ANSWER = "unverify_error", _("Withdrew the verified answer for an API error")
    DUPLICATE = "duplicate", _("Closed as a duplicate")
    REOPEN = "reopen", _("Reopened a thread closed as a duplicate")
    WIKI = "wiki", _("Made a post a wiki")
    UNWIKI = "unwiki", _("Made a wiki post a normal post")


class ModerationAction(models.Model):
    """The moderation log: every action, who took it, on what, and why."""

    # Null for the system's own actions (the key-leak guard) and for deleted accounts.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ModerationActionKind.choices)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.actor_id}"


class ErrorAnswer(models.Model):
    """The answer a /v1 error's ``help_url`` links to, chosen by staff for one error code.

    Members choose nothing here: a thread's author sets its error code and accepts an
    answer, but only staff (the ``change_erroranswer`` permission, held by community managers
    and admins, not by moderators) verify one, and only the page as it read then: the
    digest covers the thread's title, its question, the verified reply and which reply is
    accepted, and verifying locks the thread. Any later edit, hide, delete, merge, accept
    or unlock lapses the link until staff verify it again (``selectors.error_help_url``).
    """

    error_code = models.SlugField(max_length=64, unique=True)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    body_digest = models.CharField(max_length=64)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["error_code"]

    def __str__(self):
        return f"{self.error_code} -> post {self.post_id}"


# --- Bounties (services/bounties.py) ---------------------------------------------------------------

BOUNTY_MIN_POINTS = 50
BOUNTY_MAX_POINTS = 500


class BountyState(models.TextChoices):
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    REFUNDED = "refunded", _("Refunded")
    # Answers came, but none was accepted and none posted during the bounty reached a
    # score of 1: as on Stack Overflow, the points bought the attention and are not returned.
    LAPSED = "lapsed", _("Ended without a qualifying answer")


class BountyAward(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted answer")
    BEST_VOTED = "best_voted", _("Best-voted answer")


class Bounty(models.Model):
    """Points a member spent to draw answers to an open question.

    The points left the offerer's balance when the bounty opened (the rewards ledger's spend,
    cause ``bounty:<id>``). The accepted answer, or when the bounty ends the best-voted answer
    posted during it, receives them; nobody answering refunds them. One open bounty per thread.
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="bounties")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="forum_bounties"
    )
    amount = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=BountyState.choices, default=BountyState.OPEN)
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    awarded_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    awarded_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    award = models.CharField(max_length=20, choices=BountyAward.choices, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "bounties"
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=models.Q(state="open"), name="forums_bounty_one_open_per_thread"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=BOUNTY_MIN_POINTS, amount__lte=BOUNTY_MAX_POINTS),
                name="forums_bounty_amount_range",
            ),
        ]
        indexes = [
            # The bounties list (soonest to end first) and the expiry task read open ones only.
            models.Index(fields=["ends_at"], name="forums_bounty_open_ends", condition=models.Q(state="open")),
        ]

    def __str__(self):
        return f"{self.amount} points on thread {self.thread_id} ({self.state})"

    @property
    def cause(self) -> str:
        """The rewards ledger's cause for this bounty's spend, award and refund."""
        return f"bounty:{self.pk}"
