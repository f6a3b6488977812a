"""Writing notifications, mailing them, digests and unsubscribing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal import cache_versions

from .models import DigestFrequency, Notification, NotificationKind, NotificationPreference

UNSUBSCRIBE_SALT = "atrium.notifications.unsubscribe"
# What an unsubscribe token may switch off: one kind of email, the digest, or all of it.
UNSUBSCRIBE_SCOPES = {"reply", "mention", "accepted", "watched", "badge", "honor", "digest", "all"}
# The kinds whose email a member can switch off one by one (NotificationPreference.email_<kind>).
EMAIL_KINDS = ("reply", "mention", "accepted", "watched", "badge", "honor")
# The bell's count is cached; a safety net only, as every write that changes it moves its
# version (which lives twice as long, so it outlives every count stamped before it).
UNREAD_COUNT_TTL = 300


def preference_get(*, user) -> NotificationPreference:
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    return pref


def notification_create(*, recipient, kind: str, title: str, url: str, actor=None) -> Notification | None:
    """Notify one member (never of their own action); email follows after commit if wanted."""
    created = notifications_create(recipients=[recipient], kind=kind, title=title, url=url, actor=actor)
    return created[0] if created else None


def notifications_create(*, recipients: Iterable, kind: str, title: str, url: str, actor=None) -> list[Notification]:
    """Notify several members at once (one INSERT); emails are queued after commit."""
    return notices_send(
        notices=[Notice(recipient=recipient, kind=kind, title=title, url=url, actor=actor) for recipient in recipients]
    )


@dataclass(frozen=True)
class Notice:
    """One notification to write: to whom, what kind, its title and link, and who caused it."""

    recipient: object
    kind: str
    title: str
    url: str
    actor: object = None


def _notice_check(row: Notification) -> None:
    """What ``full_clean`` would refuse in a notification the code builds (its kind, an
    empty title, a link too long; the title is cut to fit): checked directly, as a batch
    of activities writes hundreds and ``full_clean`` costs a third of a millisecond each."""
    if row.kind not in NotificationKind.values:
        raise ValidationError({"kind": f"unknown notification kind {row.kind!r}"})
    if not row.title or not row.url or len(row.url) > Notification._meta.get_field("url").max_length:
        raise ValidationError({"url": "a notification needs a title and a link of at most 500 characters"})


def notices_send(*, notices: Iterable[Notice]) -> list[Notification]:
    """Write many notifications, each its own title and link (one INSERT, whatever their
    number: what a batch of activities produces), never to a member of their own action nor
    twice the same to one member; the emails their recipients want are queued after commit,
    as one task."""
    seen = set()
    rows = []
    for notice in notices:
        recipient, actor = notice.recipient, notice.actor
        if recipient is None or (actor is not None and recipient.pk == actor.pk) or not recipient.is_active:
            continue
        key = (recipient.pk, notice.kind, notice.title, notice.url)
        if key in seen:
            continue
        seen.add(key)
        row = Notification(recipient=recipient, kind=notice.kind, title=notice.title[:300], url=notice.url, actor=actor)
        _notice_check(row)
        rows.append(row)
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    users = {row.recipient_id for row in created}
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=users)}
    missing = [NotificationPreference(user_id=user_id) for user_id in users if user_id not in prefs]
    if missing:
        # Everyone who is notified gets the default preferences (and so the weekly digest).
        NotificationPreference.objects.bulk_create(missing, ignore_conflicts=True)
        prefs.update({p.user_id: p for p in missing})
    to_mail = [n.pk for n in created if prefs[n.recipient_id].wants_email(n.kind)]
    if to_mail:
        from .tasks import notification_emails_send

        transaction.on_commit(lambda: notification_emails_send.delay(notification_ids=to_mail))
    unread_count_forget(user_ids=users)
    return created


def unread_count(*, user) -> int:
    """The bell's number: cached per member under a version that every write changing it
    moves, read in the same round trip (a count taken before such a write is not kept)."""
    key, version_key = _unread_keys(user.pk)
    return cache_versions.get_or_compute(
        key, [version_key], lambda: Notification.objects.for_user(user).unread().count(), UNREAD_COUNT_TTL
    )


def unread_count_forget(*, user_ids: Iterable[int]) -> None:
    """Move these members' count versions."""
    cache_versions.move(*(_unread_keys(pk)[1] for pk in user_ids), timeout=2 * UNREAD_COUNT_TTL)


def _unread_keys(user_id: int) -> tuple[str, str]:
    return f"notifications:unread:v2:{user_id}", f"notifications:unread:version:{user_id}"


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the given (or all) of this user's notifications read; others' ids are ignored."""
    qs = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    marked = qs.update(read_at=timezone.now())
    unread_count_forget(user_ids=[user.pk])
    return marked


def unsubscribe_token(*, user, scope: str) -> str:
    if scope not in UNSUBSCRIBE_SCOPES:
        raise ValueError(scope)
    return signing.dumps({"u": user.pk, "s": scope}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user, scope: str) -> str:
    return settings.SITE_URL + reverse(
        "notifications:unsubscribe", kwargs={"token": unsubscribe_token(user=user, scope=scope)}
    )


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """The (user id, scope) a token names; raises signing.BadSignature if forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or data.get("s") not in UNSUBSCRIBE_SCOPES:
        raise signing.BadSignature("bad payload")
    return int(data["u"]), data["s"]


def preference_unsubscribe(*, user_id: int, scope: str) -> NotificationPreference:
    """Switch off one kind of email (or the digest, or everything) for a member."""
    pref, _created = NotificationPreference.objects.get_or_create(user_id=user_id)
    if scope in ("digest", "all"):
        pref.digest = DigestFrequency.OFF
    for kind in EMAIL_KINDS:
        if scope in (kind, "all"):
            setattr(pref, f"email_{kind}", False)
    pref.full_clean()
    pref.save()
    return pref


def _send(*, user, subject: str, template: str, context: dict, scope: str) -> None:
    link = unsubscribe_url(user=user, scope=scope)
    context = {**context, "user": user, "unsubscribe_url": link, "SITE_URL": settings.SITE_URL}
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"[Atrium] {subject}",
        body=text,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    message.send()


def notification_email_send(*, notification_id: int) -> bool:
    """Mail one notification if its recipient still wants it and it is not mailed yet."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        user = notification.recipient
        if not preference_get(user=user).wants_email(notification.kind) or not user.email:
            return False
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    scope = notification.kind if notification.kind in UNSUBSCRIBE_SCOPES else "all"
    _send(
        user=user,
        subject=notification.title,
        template="notification",
        context={"notification": notification},
        scope=scope,
    )
    return True


def digest_send(*, user_id: int, frequency: str) -> bool:
    """Mail one member their digest: unread notifications and the forum's top threads."""
    from community.forums.selectors import digest_threads

    pref = NotificationPreference.objects.select_related("user").get(user_id=user_id)
    if pref.digest != frequency or not pref.user.is_active:
        return False
    period = timedelta(days=1) if frequency == DigestFrequency.DAILY else timedelta(days=7)
    since = max(pref.last_digest_at or (timezone.now() - period), timezone.now() - period)
    unread = list(Notification.objects.for_user(pref.user).unread().filter(created_at__gte=since)[:20])
    threads = list(digest_threads(since=since, limit=10))
    pref.last_digest_at = timezone.now()
    pref.save(update_fields=["last_digest_at"])
    if not unread and not threads:
        return False
    _send(
        user=pref.user,
        subject=f"Your {pref.get_digest_display().lower()} digest",
        template="digest",
        context={"notifications": unread, "threads": threads, "frequency": pref.get_digest_display()},
        scope="digest",
    )
    return True


def digest_recipients(*, frequency: str) -> list[int]:
    """Members due a digest of this frequency (not sent one within the period)."""
    period = timedelta(days=1) if frequency == DigestFrequency.DAILY else timedelta(days=7)
    # Slack of an hour so a beat that fires a little early does not skip anyone.
    due_before = timezone.now() - period + timedelta(hours=1)
    from django.db.models import Q

    return list(
        NotificationPreference.objects.filter(digest=frequency, user__is_active=True)
        .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=due_before))
        .values_list("user_id", flat=True)
    )


__all__ = [
    "NotificationKind",
    "digest_recipients",
    "digest_send",
    "notification_create",
    "notification_email_send",
    "notifications_create",
    "notifications_mark_read",
    "preference_unsubscribe",
    "unsubscribe_token",
]
