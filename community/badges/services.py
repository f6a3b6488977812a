"""Keeping the counters, awarding badges and honors, and telling the member.

Counters change in the activity handlers (handlers.py), which run once per activity and
commit with their run: a counter never counts an activity twice. An award is unique per
member, badge and cause, so evaluating twice, or twice at once, awards once; only the
evaluation that created the award notifies the member (the notification and its email go
out after commit) and records ``rewards.badge.awarded``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.activity.services import activities_record, activity_record
from community.notifications.services import Notice, NotificationKind, notices_send, notification_create
from portal.bulk import rows_locked, rows_update
from portal.shipped import shipped_translate

from .definitions import BADGES, MEMBER_BADGES, POST_BADGES, BadgeDefinition, PostKind
from .models import Badge, BadgeAward, Honor, HonorKind, MemberTally, PostTally

TALLY_FIELDS = frozenset(
    {
        "keys_created",
        "first_calls",
        "emails_verified",
        "questions",
        "answers",
        "accepted",
        "upvotes_given",
        "upvotes_received",
        "streamed_days",
        "finetunes_succeeded",
        "events_attended",
        "showcase_entries",
        "showcase_featured",
        "recipe_forks_succeeded",
        "ambassador",
        "hackathon_prizes",
    }
)


# --- The Badge rows mirroring definitions.py ---------------------------------------------------


def badges_sync() -> None:
    """Create the rows of badges defined in code and not stored yet; keep their grades current."""
    stored = dict(Badge.objects.values_list("slug", "grade"))
    missing = [Badge(slug=d.slug, grade=d.grade) for d in BADGES if d.slug not in stored]
    if missing:
        Badge.objects.bulk_create(missing, ignore_conflicts=True)
    for definition in BADGES:
        if definition.slug in stored and stored[definition.slug] != definition.grade:
            Badge.objects.filter(slug=definition.slug).update(grade=definition.grade)


def badge_rows() -> dict[str, Badge]:
    """Every badge row by slug (one query; the rows are created first if a definition has none)."""
    rows = {badge.slug: badge for badge in Badge.objects.all()}
    if any(definition.slug not in rows for definition in BADGES):
        badges_sync()
        rows = {badge.slug: badge for badge in Badge.objects.all()}
    return rows


# --- Counters ------------------------------------------------------------------------------------
#
# The handlers run for every vote, post and key on the site, so a counter moves in one statement
# (an upsert that returns the new values) and a badge is looked at only when its counter crosses
# its threshold: counters move by one, so "reached" is the moment the new value meets it.


def existing_user_ids(user_ids: Iterable[int | None]) -> set[int]:
    """Which of these ids are accounts that still exist (activities may name deleted ones)."""
    ids = {int(pk) for pk in user_ids if pk is not None}
    if not ids:
        return set()
    return set(get_user_model().objects.filter(pk__in=ids).values_list("pk", flat=True))


def tally_add(*, user_id: int, **deltas: int) -> MemberTally | None:
    """Add to a member's counters, never below zero (``tally_add(user_id=1, answers=1)``), in one
    statement; returns the counters as they are now, or None when the account no longer exists."""
    unknown = set(deltas) - TALLY_FIELDS
    if unknown:
        raise ValueError(f"unknown tally counters: {sorted(unknown)}")
    deltas = {field: delta for field, delta in deltas.items() if delta}
    if not deltas:
        return None
    qn = connection.ops.quote_name
    table, users = qn(MemberTally._meta.db_table), qn(get_user_model()._meta.db_table)
    counters = sorted(TALLY_FIELDS)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ", ".join(qn(column) for column in ["user_id", *counters, "updated_at"])
    sets = ", ".join(
        f"{qn(field)} = CASE WHEN {table}.{qn(field)} + %s < 0 THEN 0 ELSE {table}.{qn(field)} + %s END"
        for field in deltas
    )
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the models, counters from TALLY_FIELDS
        f"SELECT %s, {', '.join(['%s'] * len(counters))}, %s FROM {users} WHERE {users}.{qn('id')} = %s "
        f"ON CONFLICT ({qn('user_id')}) DO UPDATE SET {sets}, {qn('updated_at')} = %s "
        f"RETURNING {', '.join(qn(field) for field in counters)}"
    )
    params = [user_id, *(max(deltas.get(field, 0), 0) for field in counters), now, user_id]
    params += [value for delta in deltas.values() for value in (delta, delta)] + [now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return MemberTally(user_id=user_id, **dict(zip(counters, row, strict=True))) if row else None


def tallies_move(*, moves: list[tuple[int | None, dict[str, int], uuid.UUID | None]]) -> list[BadgeAward]:
    """Move members' counters one activity after another, as a batch of votes does
    (``(user_id, {"upvotes_given": 1}, activity_id)`` each, in order; a counter never goes
    below zero at any step, as with ``tally_add``), and award the member badges a step
    carried to their threshold. The rows are created where missing, locked in id order
    (two consumers never deadlock) and written once; accounts that no longer exist are
    left out."""
    moves = [(user, {f: d for f, d in deltas.items() if d}, activity) for user, deltas, activity in moves if user]
    moves = [move for move in moves if move[1]]
    unknown = {field for _user, deltas, _activity in moves for field in deltas} - TALLY_FIELDS
    if unknown:
        raise ValueError(f"unknown tally counters: {sorted(unknown)}")
    if not moves:
        return []
    tallies = rows_locked(
        MemberTally,
        field="user",
        keys={user for user, _deltas, _activity in moves},
        create=lambda missing: [MemberTally(user_id=pk) for pk in existing_user_ids(missing)],
    )
    crossed, changed = [], set()
    for user_id, deltas, activity_id in moves:
        tally = tallies.get(user_id)
        if tally is None:
            continue
        for field, delta in deltas.items():
            old = getattr(tally, field)
            new = max(old + delta, 0)
            setattr(tally, field, new)
            changed.add(field)
            crossed += [
                (user_id, definition.slug, activity_id)
                for definition in MEMBER_BADGES
                if definition.counter == field and old < definition.threshold <= new
            ]
    now = timezone.now()
    for tally in tallies.values():
        tally.updated_at = now
    rows_update(MemberTally, list(tallies.values()), [*sorted(changed), "updated_at"])
    return badges_award_many(awards=crossed) if crossed else []


def post_scores_move(*, moves: list[tuple[int, int, uuid.UUID | None]]) -> tuple[set[int], list[BadgeAward]]:
    """Move Q&A posts' scores one vote after another (``(post_id, change, activity_id)``, in
    order) and award the post badges a step carried to their threshold. Returns the posts
    counted (those outside Q&A have no counter) and the awards."""
    moves = [move for move in moves if move[1]]
    if not moves:
        return set(), []
    tallies = {
        tally.post_id: tally
        for tally in PostTally.objects.select_for_update().filter(post_id__in={m[0] for m in moves}).order_by("post_id")
    }
    reached = []
    for post_id, delta, activity_id in moves:
        tally = tallies.get(post_id)
        if tally is None:
            continue
        old, tally.score = tally.score, tally.score + delta
        kind = PostKind.QUESTION if tally.is_question else PostKind.ANSWER
        reached += [
            (tally, definition, activity_id)
            for definition in POST_BADGES
            if definition.post_kind == kind and old < definition.threshold <= tally.score
        ]
    now = timezone.now()
    for tally in tallies.values():
        tally.updated_at = now
    rows_update(PostTally, list(tallies.values()), ["score", "updated_at"])
    awards = []
    for tally, definition, activity_id in reached:
        awards += _post_badges_award(tally=tally, definitions=[definition], activity_id=activity_id)
    return set(tallies), awards


def post_tallies_counted(*, post_ids) -> set[int]:
    """Which of these posts have a counter (one query)."""
    return set(PostTally.objects.filter(post_id__in=set(post_ids)).values_list("post_id", flat=True))


def post_tally_start(*, post_id: int, author_id: int | None, thread_id: int | None, is_question: bool) -> None:
    """The counter of a new Q&A post (one statement; a counter that exists is kept)."""
    post_tallies_start(
        tallies=[PostTally(post_id=post_id, author_id=author_id, thread_id=thread_id, is_question=is_question)]
    )


def post_tallies_start(*, tallies: list[PostTally]) -> None:
    """The counters of many Q&A posts (one statement; counters that exist are kept)."""
    PostTally.objects.bulk_create(tallies, ignore_conflicts=True)


def post_score_add(*, post_id: int, delta: int) -> PostTally | None:
    """Move a post's score by a vote's change, in one statement; returns the counter as it is
    now (None for a post not counted: outside Q&A)."""
    qn = connection.ops.quote_name
    table = qn(PostTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {qn('score')} = {qn('score')} + %s, {qn('updated_at')} = %s "  # noqa: S608
            f"WHERE {qn('post_id')} = %s RETURNING {qn('author_id')}, {qn('thread_id')}, {qn('is_question')}, "
            f"{qn('score')}",
            [delta, connection.ops.adapt_datetimefield_value(timezone.now()), post_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    author_id, thread_id, is_question, score = row
    return PostTally(
        post_id=post_id, author_id=author_id, thread_id=thread_id, is_question=bool(is_question), score=score
    )


# --- Awarding badges -----------------------------------------------------------------------------


def _language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def badge_award(
    *, user, badge: Badge, cause: str = "", url: str = "", activity_id: uuid.UUID | None = None
) -> BadgeAward | None:
    """Award ``badge`` to ``user`` for ``cause`` unless it is held already; returns the new award or None.

    The member is notified (email by their preference, after commit) and ``rewards.badge.awarded``
    recorded only by the call that created the award.
    """
    if not badge.enabled or not user.is_active:
        return None
    with transaction.atomic():
        award, created = BadgeAward.objects.get_or_create(
            user=user, badge=badge, cause=cause, defaults={"url": url, "activity_id": activity_id}
        )
        if not created:
            return None
        _badges_announce(awards=[award])
    return award


def _badge_title(badge: Badge) -> str:
    return _("You earned the %(grade)s badge “%(name)s”: %(description)s") % {
        "grade": badge.get_grade_display().lower(),
        "name": badge.name,
        "description": badge.description,
    }


def _badge_activity(award: BadgeAward) -> dict:
    """``rewards.badge.awarded`` for a new award (``activity_record``'s arguments)."""
    badge = award.badge
    return {
        "actor": award.user,
        "verb": "rewards.badge.awarded",
        "target": award,
        "properties": {"badge": badge.slug, "grade": badge.grade, "cause": award.cause},
        "dedupe_key": f"rewards.badge.awarded:{award.pk}",
    }


def member_badges_evaluate(
    *, user_id: int, activity_id: uuid.UUID | None = None, counters: Iterable[str] | None = None
) -> list[BadgeAward]:
    """Award the member badges whose counters the member has reached and does not hold yet
    (only the badges reading ``counters``, when given: those an activity just moved).
    Reaching nothing costs one query; a badge in reach two more."""
    tally = MemberTally.objects.select_related("user").filter(user_id=user_id).first()
    if tally is None or not tally.user.is_active:
        return []
    wanted = set(counters) if counters is not None else TALLY_FIELDS
    reached = [
        definition
        for definition in MEMBER_BADGES
        if definition.counter in wanted and getattr(tally, definition.counter) >= definition.threshold
    ]
    if not reached:
        return []
    held = set(
        BadgeAward.objects.filter(user_id=user_id, cause="", badge__slug__in=[d.slug for d in reached]).values_list(
            "badge__slug", flat=True
        )
    )
    reached = [definition for definition in reached if definition.slug not in held]
    if not reached:
        return []
    rows = badge_rows()
    awards = []
    for definition in reached:
        row = rows[definition.slug]
        if not row.enabled:
            continue
        award = badge_award(user=tally.user, badge=row, activity_id=activity_id)
        if award is not None:
            awards.append(award)
    return awards


def _crossed(tally: MemberTally, deltas: dict[str, int]) -> list[BadgeDefinition]:
    return [
        definition
        for definition in MEMBER_BADGES
        if deltas.get(definition.counter, 0) > 0
        and getattr(tally, definition.counter)
        >= definition.threshold
        > getattr(tally, definition.counter) - deltas[definition.counter]
    ]


def badges_crossed(
    *, tally: MemberTally, deltas: dict[str, int], activity_id: uuid.UUID | None = None
) -> list[BadgeAward]:
    """Award the member badges whose counters ``deltas`` just carried to their thresholds
    (``tally`` as it is after them). Nothing reached: no query."""
    return badges_crossed_many(moved=[(tally, deltas, activity_id)])


def badges_crossed_many(*, moved: Iterable[tuple[MemberTally, dict[str, int], uuid.UUID | None]]) -> list[BadgeAward]:
    """``badges_crossed`` for the counters of many members, as a batch of votes moves them:
    the badges reached are awarded together (``badges_award_many``)."""
    wanted = [
        (tally.user_id, definition.slug, activity_id)
        for tally, deltas, activity_id in moved
        for definition in _crossed(tally, deltas)
    ]
    return badges_award_many(awards=wanted) if wanted else []


def badges_award_many(*, awards: list[tuple[int, str, uuid.UUID | None]]) -> list[BadgeAward]:
    """Award many (member, badge slug, activity) at once, each unless it is held already:
    a few statements for the awards, one notification insert per badge and language, and
    ``rewards.badge.awarded`` recorded for each new award (member badges: no cause)."""
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in={a[0] for a in awards}, is_active=True)}
    rows = badge_rows()
    wanted = {}
    for user_id, slug, activity_id in awards:
        if user_id in users and rows[slug].enabled:
            wanted.setdefault((user_id, slug), activity_id)
    if not wanted:
        return []
    held = set(
        BadgeAward.objects.filter(
            user_id__in={user for user, _slug in wanted}, cause="", badge__slug__in={slug for _user, slug in wanted}
        ).values_list("user_id", "badge__slug")
    )
    new = [
        BadgeAward(user=users[user_id], badge=rows[slug], cause="", url="", activity_id=activity_id)
        for (user_id, slug), activity_id in wanted.items()
        if (user_id, slug) not in held
    ]
    if not new:
        return []
    with transaction.atomic():
        # A concurrent evaluation that awarded one of these meanwhile fails the batch (the
        # unique constraint), which the activity stream then retries an activity at a time.
        created = BadgeAward.objects.bulk_create(new)
        _badges_announce(awards=created)
    return created


def _badges_announce(*, awards: list[BadgeAward]) -> None:
    """``_badge_announce`` for many awards: their notifications written together (each in
    its recipient's language) and each award recorded."""
    notices = []
    for award in awards:
        with translation.override(_language_of(award.user)):
            title = _badge_title(award.badge)
        url = award.url or reverse("badges:detail", kwargs={"slug": award.badge.slug})
        notices.append(Notice(recipient=award.user, kind=NotificationKind.BADGE, title=title, url=url))
    notices_send(notices=notices)
    activities_record(_badge_activity(award) for award in awards)


def _post_cause(post_id: int) -> str:
    return f"post:{post_id}"


def _post_badges(tally: PostTally) -> list[BadgeDefinition]:
    kind = PostKind.QUESTION if tally.is_question else PostKind.ANSWER
    return [d for d in POST_BADGES if d.post_kind == kind and tally.score >= d.threshold]


def post_badges_evaluate(
    *, tally: PostTally, activity_id: uuid.UUID | None = None, delta: int | None = None
) -> list[BadgeAward]:
    """Award the post badges this post's score has reached to its author (once per post); with
    ``delta`` (the vote's change), only those it just reached: nothing reached, no query."""
    earned = _post_badges(tally)
    if delta is not None:
        earned = [d for d in earned if tally.score - delta < d.threshold]
    return _post_badges_award(tally=tally, definitions=earned, activity_id=activity_id)


def _post_badges_award(
    *, tally: PostTally, definitions: list[BadgeDefinition], activity_id: uuid.UUID | None
) -> list[BadgeAward]:
    """Award these post badges to the post's author, once per post each."""
    if not definitions or tally.author_id is None:
        return []
    earned = definitions
    rows = badge_rows()
    author = get_user_model().objects.filter(pk=tally.author_id).first()
    if author is None:
        return []
    awards = []
    for definition in earned:
        award = badge_award(
            user=author,
            badge=rows[definition.slug],
            cause=_post_cause(tally.post_id),
            url=tally.get_absolute_url(),
            activity_id=activity_id,
        )
        if award is not None:
            awards.append(award)
    return awards


def member_evaluate_all(*, user_id: int) -> list[BadgeAward]:
    """Every badge of one member: their counters and each of their counted posts."""
    awards = member_badges_evaluate(user_id=user_id)
    threshold = min(d.threshold for d in POST_BADGES)
    for tally in PostTally.objects.filter(author_id=user_id, score__gte=threshold):
        awards += post_badges_evaluate(tally=tally)
    return awards


def badges_evaluate_all(*, batch: int = 500) -> int:
    """The daily safety net: award every badge someone has reached and does not hold (one query
    per badge finds them), e.g. after a manager switched a badge back on. Returns how many."""
    awarded = 0
    rows = badge_rows()
    users = get_user_model().objects.in_bulk
    for definition in MEMBER_BADGES:
        row = rows[definition.slug]
        if not row.enabled:
            continue
        due = (
            MemberTally.objects.filter(**{f"{definition.counter}__gte": definition.threshold}, user__is_active=True)
            .exclude(user_id__in=BadgeAward.objects.filter(badge=row, cause="").values("user_id"))
            .values_list("user_id", flat=True)
        )
        ids = list(due)
        for start in range(0, len(ids), batch):
            for user in users(ids[start : start + batch]).values():
                with transaction.atomic():
                    awarded += badge_award(user=user, badge=row) is not None
    for definition in POST_BADGES:
        row = rows[definition.slug]
        if not row.enabled:
            continue
        held = BadgeAward.objects.filter(
            badge=row,
            user_id=OuterRef("author_id"),
            cause=Concat(Value("post:"), Cast(OuterRef("post_id"), CharField())),
        )
        due = PostTally.objects.filter(
            is_question=definition.post_kind == PostKind.QUESTION,
            score__gte=definition.threshold,
            author__is_active=True,
        ).exclude(Exists(held))
        for tally in due.iterator(chunk_size=batch):
            with transaction.atomic():
                awarded += len(post_badges_evaluate(tally=tally))
    return awarded


# --- Honors --------------------------------------------------------------------------------------


def can_award_honors(user) -> bool:
    """Community managers and admins (staff who may change honors) award them; nobody else."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.has_perm("badges.add_honor") or user.has_perm("badges.change_honor"))
    )


def honor_award(*, awarded_by, user, kind: HonorKind, citation: str, key: uuid.UUID) -> Honor:
    """A manager honors a member, with a citation saying why. The same form key awards once
    (a double click or a resubmitted form returns the first honor)."""
    if not can_award_honors(awarded_by):
        raise PermissionDenied(_("Only community managers award honors."))
    existing = Honor.objects.filter(key=key).first()
    if existing is not None:
        return existing
    citation = (citation or "").strip()
    if not citation:
        raise ValidationError({"citation": _("Say why the member is honored: the citation is shown with the honor.")})
    if user.pk == awarded_by.pk:
        raise ValidationError(_("You cannot honor yourself; ask another manager."))
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    if not kind.active:
        raise ValidationError({"kind": _("This honor is not awarded any more.")})
    with transaction.atomic():
        honor = Honor(user=user, kind=kind, citation=citation, awarded_by=awarded_by, key=key)
        honor.full_clean()
        try:
            with transaction.atomic():
                honor.save()
        except IntegrityError:
            # Another submission of the same form won the race: that one is the honor.
            existing = Honor.objects.filter(key=key).first()
            if existing is None:
                raise
            return existing
        _honor_announce(honor=honor)
    return honor


def _honor_announce(*, honor: Honor) -> None:
    user = honor.user
    with translation.override(_language_of(user)):
        title = _("You were awarded the honor “%(name)s”: %(citation)s") % {
            "name": shipped_translate(honor.kind.name),
            "citation": honor.citation,
        }
    notification_create(
        recipient=user,
        kind=NotificationKind.HONOR,
        title=title,
        url=reverse("badges:honors") + f"#honor-{honor.pk}",
        actor=honor.awarded_by,
    )
    activity_record(
        actor=user,
        verb="rewards.honor.awarded",
        target=honor,
        properties={"honor": honor.kind.slug, "awarded_by": honor.awarded_by_id},
        dedupe_key=f"rewards.honor.awarded:{honor.pk}",
    )
