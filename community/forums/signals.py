"""Writes that change what the reading pages show move the page cache's generations
(see :mod:`.pagecache`): saves and deletes here, bulk ``update()`` in the querysets."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import pagecache
from .models import Category, ErrorAnswer, Post, Tag, Thread, Vote


def _thread_changed(thread_id) -> None:
    pagecache.threads_changed([thread_id])


@receiver([post_save, post_delete], sender=ErrorAnswer, dispatch_uid="forums-error-answer")
def error_answer_saved(sender, **kwargs):
    pagecache.changed(pagecache.ERROR_ANSWERS)


@receiver([post_save, post_delete], sender=Thread, dispatch_uid="forums-pagecache-thread")
def thread_saved(sender, instance, **kwargs):
    _thread_changed(instance.pk)


@receiver([post_save, post_delete], sender=Post, dispatch_uid="forums-pagecache-post")
def post_saved(sender, instance, **kwargs):
    _thread_changed(instance.thread_id)


@receiver([post_save, post_delete], sender=Vote, dispatch_uid="forums-pagecache-vote")
def vote_saved(sender, instance, **kwargs):
    thread_id = Post.objects.filter(pk=instance.post_id).values_list("thread_id", flat=True).first()
    if thread_id is not None:
        _thread_changed(thread_id)


@receiver(m2m_changed, sender=Thread.tags.through, dispatch_uid="forums-pagecache-tags")
def thread_tags_changed(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Thread):
        _thread_changed(instance.pk)
    else:  # a tag's threads changed
        pagecache.changed("all")


@receiver([post_save, post_delete], sender=Category, dispatch_uid="forums-pagecache-category")
@receiver([post_save, post_delete], sender=Tag, dispatch_uid="forums-pagecache-tag")
def taxonomy_saved(sender, **kwargs):
    pagecache.changed("all")


def member_saved(sender, instance, update_fields=None, **kwargs):
    """Names, handles and deactivation show beside every post; a login alone does not."""
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    pagecache.changed("all")


def connect_members() -> None:
    for model in (settings.AUTH_USER_MODEL, "accounts.Profile"):
        post_save.connect(member_saved, sender=model, dispatch_uid=f"forums-pagecache-member-{model}")
        post_delete.connect(member_saved, sender=model, dispatch_uid=f"forums-pagecache-member-del-{model}")
