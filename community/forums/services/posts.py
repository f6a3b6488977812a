"""Writing threads and posts: start a thread, reply, edit, delete, vote, accept, flag,
watch. A new thread's first post and a reply go through one pipeline (``_publish``, with
publishing.py's checks, rendering and key-leak guard). Each write ends by recording its
activity; other apps react to it (the notifications app notifies, rewards award)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from community.activity.services import activity_record
from community.trust.selectors import privilege_level, privileges_of
from portal.apikeys.keyformat import redact_keylike
from portal.highlight import clean as without_highlight_marks
from portal.markdown import to_text

from .. import permissions
from ..models import (
    Category,
    Flag,
    ModerationActionKind,
    Post,
    PostRevision,
    Thread,
    ThreadRead,
    Vote,
    VoteValue,
    Watch,
)
from ..selectors import POSTS_PER_PAGE
from .log import moderation_log_write
from .publishing import (
    PreparedBody,
    body_hash,
    check_may_post,
    check_post_limits,
    draft_body,
    key_leak_recorded,
    mentions_in,
    publish_body,
    redact_leaked_keys,
    suspension_active,
)


def _may_post(author):
    """The check a new post's draft runs: suspension, flood, duplicates, new-account limits."""
    return lambda submitted, rendered: check_may_post(user=author, body=submitted, rendered=rendered)


def _publish(*, author, thread: Thread, draft: PreparedBody, is_first: bool, now) -> Post:
    """Store a post drafted for `thread`: keys redacted, the author watching, its activity."""
    prepared = publish_body(draft, source_url=settings.SITE_URL + thread.get_absolute_url())
    post = Post(
        thread=thread,
        author=author,
        is_first=is_first,
        body=prepared.body,
        body_html=prepared.rendered.html,
        body_hash=body_hash(prepared.body),
        is_staff_reply=permissions.is_forum_staff(author),
        created_at=now,
    )
    post.full_clean()
    post.save()
    if is_first:
        Thread.objects.filter(pk=thread.pk).update(search_text=search_text_of(prepared.rendered.html))
    else:
        _append_search_text(thread_id=thread.pk, text=search_text_of(prepared.rendered.html))
    Watch.objects.get_or_create(user=author, thread=thread)
    activity_record(
        actor=author,
        verb="forum.thread.posted" if is_first else "forum.reply.posted",
        target=thread if is_first else post,
        properties={
            "thread": thread.pk,
            "post": post.pk,
            "category": thread.category_id,
            "category_kind": thread.category.kind,
            "thread_author": thread.author_id,
            "mentions": sorted(prepared.rendered.mentions),
        },
    )
    if prepared.redacted:
        key_leak_recorded(post=post)
    return post


@transaction.atomic
def thread_create(
    *, author, category: Category, title: str, body: str, tags=(), error_code: str = "", image=None
) -> Thread:
    """Start a thread; its first post holds the body. Category rules apply (announcements)."""
    if not permissions.can_start_thread(author, category):
        raise PermissionDenied(_("Only staff can start threads in %(category)s.") % {"category": category.name})
    draft = draft_body(author=author, body=body, image=image, check=_may_post(author))
    now = timezone.now()
    submitted_title = title.strip()
    title = redact_leaked_keys(text=submitted_title, source_url=settings.SITE_URL + category.get_absolute_url())
    thread = Thread(
        category=category,
        author=author,
        title=title,
        created_at=now,
        last_activity_at=now,
        last_poster=author,
        error_code=error_code,
    )
    thread.full_clean()
    thread.save()
    thread.tags.set(tags)
    post = _publish(author=author, thread=thread, draft=draft, is_first=True, now=now)
    if title != submitted_title and post.body == draft.submitted:  # only the title held a key
        key_leak_recorded(post=post)
    return thread


@transaction.atomic
def post_create(*, author, thread: Thread, body: str, image=None) -> Post:
    """Reply to a thread: counters, first-response time; its activity notifies watchers and mentions."""
    thread = Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)
    if not permissions.can_reply(author, thread):
        raise PermissionDenied(_("This thread is locked."))
    if thread.is_deleted or thread.is_hidden:
        raise PermissionDenied(_("This thread is not open for replies."))
    draft = draft_body(author=author, body=body, image=image, check=_may_post(author))
    now = timezone.now()
    post = _publish(author=author, thread=thread, draft=draft, is_first=False, now=now)
    changes = {"reply_count": F("reply_count") + 1, "last_activity_at": now, "last_poster": author}
    if thread.first_response_at is None and author.pk != thread.author_id:
        changes["first_response_at"] = now
    Thread.objects.filter(pk=thread.pk).update(**changes)
    return post


@transaction.atomic
def post_edit(*, editor, post: Post, body: str, title: str | None = None) -> Post:
    """Edit a post (and, for the first post, the thread title); the old text is kept."""
    post = Post.objects.select_for_update().select_related("thread", "thread__category").get(pk=post.pk)
    if not permissions.can_edit_post(editor, post):
        raise PermissionDenied(_("You cannot edit this post."))
    suspension = suspension_active(user=editor)
    if suspension and not permissions.can_moderate(editor):
        raise PermissionDenied(_("You are suspended from posting."))
    thread = post.thread
    new_title = title.strip() if (title is not None and post.is_first) else thread.title
    if body == post.body and new_title == thread.title:
        return post
    privileges = privileges_of(user=editor)
    draft = draft_body(
        author=editor,
        body=body,
        check=lambda _s, rendered: check_post_limits(rendered=rendered, privileges=privileges),
    )
    source_url = settings.SITE_URL + post.get_absolute_url()
    prepared = publish_body(draft, source_url=source_url)
    title_redacted = False
    if new_title != thread.title:
        submitted_title, new_title = new_title, redact_leaked_keys(text=new_title, source_url=source_url)
        title_redacted = new_title != submitted_title
    old_mentions = mentions_in(post.body_html)
    PostRevision.objects.create(post=post, body=post.body, title=thread.title if post.is_first else "", editor=editor)
    post.body, post.body_html, post.body_hash = prepared.body, prepared.rendered.html, body_hash(prepared.body)
    post.edited_at = timezone.now()
    post.edit_count += 1
    post.full_clean()
    post.save()
    if post.is_first and new_title != thread.title:
        thread.title = new_title
        thread.full_clean()
        thread.save(update_fields=["title"])
    thread_search_text_rebuild(thread=thread)
    if editor.pk != post.author_id:
        moderation_log_write(
            actor=editor, kind=ModerationActionKind.EDIT, thread=thread, post=post, target_user=post.author
        )
    activity_record(
        actor=editor,
        verb="forum.post.edited",
        target=post,
        properties={
            "thread": thread.pk,
            "post_author": post.author_id,
            "new_mentions": sorted(prepared.rendered.mentions - old_mentions),
        },
    )
    if prepared.redacted or title_redacted:
        key_leak_recorded(post=post)
    return post


def search_text_of(body_html: str) -> str:
    """What search indexes and quotes in its snippets: the words a reader sees (rendered
    and sanitized, then stripped to text), not the Markdown behind them."""
    return without_highlight_marks(to_text(body_html))


def _append_search_text(*, thread_id: int, text: str) -> None:
    Thread.objects.filter(pk=thread_id).update(search_text=Concat(F("search_text"), Value("\n\n" + text)))


def thread_first_response_refresh(*, thread: Thread) -> None:
    """Keep `first_response_at` on the earliest visible reply by someone other than the
    author, once a reply is hidden, restored, deleted or merged in (the unanswered queue
    and the dashboards' response times read it)."""
    replies = thread.posts.visible().filter(is_first=False)
    if thread.author_id is not None:
        replies = replies.exclude(author_id=thread.author_id)
    first = replies.order_by("created_at").values_list("created_at", flat=True).first()
    Thread.objects.filter(pk=thread.pk).exclude(first_response_at=first).update(first_response_at=first)


def thread_search_text_rebuild(*, thread: Thread) -> None:
    bodies = thread.posts.visible().order_by("created_at", "id").values_list("body_html", flat=True)
    Thread.objects.filter(pk=thread.pk).update(search_text="\n\n".join(map(search_text_of, bodies)))


@transaction.atomic
def post_delete(*, actor, post: Post) -> Post:
    """Soft-delete: the author (or a moderator) removes a post; the first post takes the thread."""
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    if not permissions.can_delete_post(actor, post):
        raise PermissionDenied(_("You cannot delete this post."))
    post.is_deleted = True
    post.deleted_at = timezone.now()
    post.save(update_fields=["is_deleted", "deleted_at"])
    thread = post.thread
    if post.is_first:
        thread.is_deleted = True
        thread.save(update_fields=["is_deleted"])
    else:
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") - 1)
        if thread.accepted_answer_id == post.pk:
            Thread.objects.filter(pk=thread.pk).update(accepted_answer=None)
    thread_search_text_rebuild(thread=thread)
    thread_first_response_refresh(thread=thread)
    if actor.pk != post.author_id:
        moderation_log_write(
            actor=actor, kind=ModerationActionKind.DELETE, thread=thread, post=post, target_user=post.author
        )
    return post


VOTE_DIRECTIONS = {"up": VoteValue.UP, "down": VoteValue.DOWN}


def post_vote(*, user, post: Post, direction: str = "up") -> tuple[int, int]:
    """Vote a post up or down: the same vote again withdraws it, the other one switches.

    Returns the member's vote now (1, -1, or 0 for none) and the post's score (ups minus
    downs). Own posts cannot be voted on; downvoting needs the trust privilege."""
    if not user.is_authenticated:
        raise PermissionDenied
    if direction not in VOTE_DIRECTIONS:
        raise ValidationError(_("Vote up or down."))
    if not post.thread.category.has_votes:
        raise ValidationError(_("Posts in this category are not voted on."))
    if post.author_id == user.pk:
        raise ValidationError(_("You cannot vote on your own post."), code="self_vote")
    if post.is_deleted or post.is_hidden:
        raise ValidationError(_("This post cannot be voted on."))
    value = VOTE_DIRECTIONS[direction]
    with transaction.atomic():
        existing = Vote.objects.select_for_update().filter(post=post, user=user).first()
        # Withdrawing a downvote is always allowed; casting one needs the privilege.
        casting_down = value == VoteValue.DOWN and not (existing is not None and existing.value == value)
        if casting_down and not privileges_of(user=user).can_downvote:
            raise ValidationError(
                _("Downvoting needs trust level %(level)s.") % {"level": privilege_level("downvote").label},
                code="privilege",
            )
        if existing is None:
            try:
                with transaction.atomic():
                    Vote.objects.create(post=post, user=user, value=value)
            except IntegrityError:  # a concurrent click already voted
                current = Vote.objects.filter(post=post, user=user).values_list("value", flat=True).first() or 0
                return current, Post.objects.values_list("score", flat=True).get(pk=post.pk)
            changes, now = [(value, False)], int(value)
        elif existing.value == value:
            existing.delete()
            changes, now = [(value, True)], 0
        else:
            old = existing.value
            existing.value = value
            existing.save(update_fields=["value"])
            changes, now = [(old, True), (value, False)], int(value)
        delta = sum(-vote if withdrawn else vote for vote, withdrawn in changes)
        Post.objects.filter(pk=post.pk).update(score=F("score") + delta)
        if post.is_first:
            Thread.objects.filter(pk=post.thread_id).update(score=F("score") + delta)
        for vote, withdrawn in changes:
            activity_record(
                actor=user,
                verb="forum.post.voted",
                target=post,
                properties={
                    "value": -vote if withdrawn else vote,
                    "direction": "up" if vote == VoteValue.UP else "down",
                    "withdrawn": withdrawn,
                    "thread": post.thread_id,
                    "post_author": post.author_id,
                    "is_question": post.is_first,
                    "category": post.thread.category_id,
                    "category_kind": post.thread.category.kind,
                },
            )
    return now, Post.objects.values_list("score", flat=True).get(pk=post.pk)


@transaction.atomic
def post_accept_answer(*, user, post: Post) -> Thread:
    """The asker (or staff) accepts an answer; accepting it again un-accepts it."""
    thread = Thread.objects.select_for_update().select_related("category").get(pk=post.thread_id)
    if not permissions.can_accept(user, thread):
        raise PermissionDenied(_("Only the asker or staff can accept an answer."))
    if post.is_first or post.is_deleted or post.is_hidden:
        raise ValidationError(_("Only a visible reply can be accepted."))
    previous = thread.accepted_answer_id
    thread.accepted_answer = None if previous == post.pk else post
    thread.full_clean()
    thread.save(update_fields=["accepted_answer"])
    if previous is not None:
        _answer_activity(user=user, verb="forum.answer.unaccepted", thread=thread, post_id=previous)
    if thread.accepted_answer_id is not None:
        _answer_activity(user=user, verb="forum.answer.accepted", thread=thread, post_id=post.pk)
    return thread


def _answer_activity(*, user, verb: str, thread: Thread, post_id: int) -> None:
    author_id = Post.objects.filter(pk=post_id).values_list("author_id", flat=True).first()
    activity_record(
        actor=user,
        verb=verb,
        target=("forums.post", post_id),
        properties={
            "thread": thread.pk,
            "answer_author": author_id,
            "asker": thread.author_id,
            "category": thread.category_id,
        },
    )


def post_flag(*, reporter, post: Post, reason: str, note: str = "") -> Flag:
    """Report a post to the moderators (once per member per post)."""
    if post.author_id == reporter.pk:
        raise ValidationError(_("You cannot flag your own post."))
    # Moderators read the note: a live key in it is revoked, and nothing key-shaped is kept.
    note = redact_keylike(redact_leaked_keys(text=note.strip(), source_url=settings.SITE_URL + post.get_absolute_url()))
    # A member trusted more weighs more in the moderators' queue (selectors.flag_queue).
    weight = privileges_of(user=reporter).flag_weight
    flag = Flag(post=post, reporter=reporter, reason=reason, note=note, weight=max(weight, 1))
    flag.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError as exc:
        raise ValidationError(_("You already flagged this post; moderators will look at it.")) from exc
    activity_record(
        actor=reporter,
        verb="forum.post.flagged",
        target=post,
        properties={"reason": flag.reason, "thread": post.thread_id, "post_author": post.author_id},
    )
    return flag


def thread_mark_read(*, user, thread: Thread) -> None:
    """Move the member's read marker; a visit that shows them something new records
    ``forum.thread.read`` (a first visit enters a topic; the posts new to them are read)."""
    if not user.is_authenticated:
        return
    # Rereading a thread with nothing new writes nothing. The thread page has read the
    # marker already (selectors.thread_reader_state); otherwise one indexed read tells.
    if hasattr(thread, "read_at"):
        read_at, posts_seen = thread.read_at, getattr(thread, "posts_seen", 0)
    else:
        marker = ThreadRead.objects.filter(user=user, thread=thread).values_list("read_at", "posts_seen").first()
        read_at, posts_seen = marker or (None, 0)
    if read_at is not None and read_at >= thread.last_activity_at:
        return
    posts = thread.reply_count + 1
    ThreadRead.objects.bulk_create(
        [ThreadRead(user=user, thread=thread, read_at=timezone.now(), posts_seen=posts)],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["read_at", "posts_seen"],
    )
    activity_record(
        actor=user,
        verb="forum.thread.read",
        target=thread,
        properties={
            "thread": thread.pk,
            "category": thread.category_id,
            "first_visit": read_at is None,
            # A page shows this many posts: a long thread's later pages are read when opened.
            "posts_read": max(min(posts - (posts_seen or 0), POSTS_PER_PAGE), 0),
            "seconds": 0,
        },
    )


def watch_toggle(*, user, thread: Thread | None = None, category: Category | None = None) -> bool:
    """Follow or unfollow a thread or a category; returns whether the member now watches it."""
    deleted, _rows = Watch.objects.filter(user=user, thread=thread, category=category).delete()
    if deleted:
        return False
    watch = Watch(user=user, thread=thread, category=category)
    watch.full_clean(validate_constraints=False)
    watch.save()
    return True
