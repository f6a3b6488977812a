"""The access-control matrix: every route of the site that names an object, requested by
people other than its owner.

Member A (the owner) holds one of everything: API keys, a notification, a training file,
a fine-tuning job with events and a checkpoint, an `ft:` model, forum threads and posts,
an unverified email address. Then member B, an anonymous visitor, a moderator and a
community manager ask for each object with every method its route serves. A refusal is
401, 403, 404 or 405, or a redirect to the login page for anonymous visitors; /v1 answers
B with OpenAI's 404. After the refusals the object's state is unchanged, and one request
by someone who *may* act (normally A) proves the URL names a real object, so a broken
builder cannot pass as a refusal.

``ROUTES`` lists every object route by URL name. ``test_every_object_route_is_covered``
walks the root URLconf and fails when a route with a parameter is neither in ``ROUTES``
nor in ``NOT_MEMBER_OBJECTS``: a new object route must be added here before it ships.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from community.forums import services as forums
from community.forums.models import (
    Bounty,
    Category,
    CategoryKind,
    ErrorAnswer,
    Flag,
    Post,
    Suspension,
    Thread,
    Vote,
    Watch,
)
from community.notifications.models import Notification, NotificationKind, NotificationPreference
from community.notifications.services import notifications_create, unsubscribe_token
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from portal.apikeys.models import ApiKey
from portal.apikeys.services import api_key_create
from portal.billing.services import credits_grant
from sandbox.finetuning import services as finetuning
from sandbox.finetuning import testing
from sandbox.finetuning.models import FineTuningCheckpoint, FineTuningJob, TrainingFile
from sandbox.registry.models import HostedModel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTORS = ("member", "anon", "moderator", "manager")
LOGIN_PATH = "/accounts/login/"


# --- Walking the URLconf ------------------------------------------------------------------------------


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace and (f"{namespace}:{entry.namespace}" if namespace else entry.namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner or namespace)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield prefix + str(entry.pattern), name


def _takes_identifier(route: str) -> bool:
    """A `<converter:name>` of path() or a named group of re_path()."""
    return bool(re.search(r"<[^>]+>|\(\?P<", route))


def object_routes() -> dict[str, str]:
    """Every route of the root URLconf that takes a parameter: name (or the route itself
    when unnamed) -> route."""
    return {name or route: route for route, name in _walk(get_resolver().url_patterns) if _takes_identifier(route)}


def admin_object_routes() -> list[str]:
    return sorted(key for key, route in object_routes().items() if route.startswith("admin/"))


# Routes with a parameter that do not name a member's object; each says why.
NOT_MEMBER_OBJECTS = {
    # The site's documentation: the slug names a Markdown page in the repository, the same
    # for everyone; anyone may read it and leave feedback on it.
    "docs:page": "documentation page",
    "docs:page_source": "documentation page source",
    "docs:page_feedback": "feedback on a documentation page (anyone may give it)",
    # OpenAI's 404 for any other /v1 path; it serves nothing.
    "v1-unknown": "catch-all 404 of /v1",
    # A rewards-store item is the same for every member; redeeming it spends the caller's own points.
    "store:item": "rewards-store item (redeeming spends only the caller's points)",
    # A badge is defined in code, the same for everyone; its page lists its holders publicly.
    "badges:detail": "badge page (public: the badge and who earned it)",
    # An ambassador's referral link is shared publicly; opening it only remembers the visiting browser.
    "ambassadors:referral": "ambassador's public referral link (redirects to sign-up)",
    # A month of the public events calendar: the same for everyone.
    "events:calendar_month": "public events calendar (a month)",
}


# --- The owner's world ------------------------------------------------------------------------------


@dataclass
class World:
    owner: object
    member: object
    moderator: object
    manager: object
    third: object
    key: ApiKey
    secrets: dict  # actor -> an API key secret of theirs
    qa: Category
    question: Thread
    reply: Post
    idea: Thread
    other_thread: Thread
    notification: Notification
    file: TrainingFile
    job: FineTuningJob
    checkpoint: FineTuningCheckpoint
    ft_model: HostedModel
    suspension: Suspension
    unverified: EmailAddress

    def user(self, actor: str):
        return getattr(self, actor)


def _member(email: str, handle: str, *, role: Role | None = None):
    user = UserFactory(email=email)
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    user.profile.handle = handle
    user.profile.save()
    if role is not None:
        user_set_role(user=user, role=role)
    return user


@pytest.fixture
def world(settings) -> World:
    settings.FORUM_FLOOD_SECONDS = 0
    settings.FINETUNE_MIN_EXAMPLES = 1
    owner = _member("ada@example.org", "ada")
    member = _member("bob@example.org", "bob")
    moderator = _member("mod@example.org", "mod", role=Role.MODERATOR)
    manager = _member("manager@example.org", "manager", role=Role.COMMUNITY_MANAGER)
    third = _member("cy@example.org", "cy")
    key, _secret = api_key_create(user=owner, name="laptop")
    secrets = {
        actor: api_key_create(user=user, name="own")[1]
        for actor, user in (("owner", owner), ("member", member), ("moderator", moderator), ("manager", manager))
    }

    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    ideas = Category.objects.create(name="Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    discussions = Category.objects.create(name="Discussions", slug="discussions", kind=CategoryKind.DISCUSSION)
    question = forums.thread_create(
        author=owner,
        category=qa,
        title="Why does streaming stop?",
        body="It stops.",
        error_code="context_length_exceeded",
    )
    reply = forums.post_create(author=third, thread=question, body="Read the last chunk.")
    idea = forums.thread_create(author=owner, category=ideas, title="Dark mode for docs", body="Please.")
    other_thread = forums.thread_create(author=third, category=discussions, title="Hello all", body="Hi there.")
    suspension = forums.user_suspend(
        moderator=moderator, user=third, reason="cooling off", ends_at=timezone.now() + timedelta(days=1)
    )
    notification = notifications_create(
        recipients=[owner],
        kind=NotificationKind.REPLY,
        actor=third,
        title="cy replied",
        url=question.get_absolute_url(),
    )[0]

    base = HostedModel.objects.create(
        model_id="tiny-base", backend=HostedModel.Backend.CAUSAL_LM, source="atrium:smollm2-135m-instruct"
    )
    credits_grant(user=owner, amount=Decimal("100"), reason="tests")
    upload = SimpleUploadedFile("train.jsonl", _jsonl(), content_type="application/jsonl")
    file = finetuning.file_create(owner=owner, upload=upload, purpose="fine-tune")
    job, _created = finetuning.finetune_job_create(owner=owner, model="tiny-base", training_file=file.id, suffix="s")
    checkpoint = FineTuningCheckpoint.objects.create(job=job, step=4, path="/nonexistent", metrics={"loss": 1.0})
    ft_model = HostedModel.objects.create(
        model_id=f"ft:tiny-base:ada:s:{job.id}",
        backend=HostedModel.Backend.CAUSAL_LM,
        owner=owner,
        base_model=base,
        adapter_path="/nonexistent",
    )
    unverified = EmailAddress.objects.create(user=owner, email="ada.new@example.org", verified=False, primary=False)
    return World(
        owner=owner,
        member=member,
        moderator=moderator,
        manager=manager,
        third=third,
        key=key,
        secrets=secrets,
        qa=qa,
        question=question,
        reply=reply,
        idea=idea,
        other_thread=other_thread,
        notification=notification,
        file=file,
        job=job,
        checkpoint=checkpoint,
        ft_model=ft_model,
        suspension=suspension,
        unverified=unverified,
    )


def _jsonl() -> bytes:
    import json

    return b"".join(json.dumps(example).encode() + b"\n" for example in testing.chat_dataset(3, seed=1))


def _splice(target_token: str, own_token: str) -> str:
    """A forgery: the target's payload with the forger's own valid timestamp and signature."""
    return target_token.split(":", 1)[0] + ":" + own_token.split(":", 1)[1]


# --- The table --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """How to build the owner's object for a route, and who may do what with it.

    ``readers`` may GET it (2xx or 3xx); ``writers`` may send every other method; everyone
    else in ACTORS is refused, and ``state`` (a snapshot of what the route could change)
    must not move. ``proof`` is who shows the URL names a real object (their request is
    neither 403 nor 404); ``why`` says why anyone but the owner is let in.
    """

    kwargs: Callable[[World], dict]
    methods: tuple[str, ...]
    state: Callable[[World], object]
    readers: frozenset = frozenset()
    writers: frozenset = frozenset()
    proof: str = "owner"
    proof_method: str = "get"
    api: bool = False
    why: str = ""


EVERYONE = frozenset({"member", "anon", "moderator", "manager"})
MEMBERS = frozenset({"member", "moderator", "manager"})
FORUM_MODERATORS = frozenset({"moderator", "manager"})


def _key_state(w: World):
    return list(ApiKey.objects.filter(user=w.owner).order_by("pk").values_list("pk", "revoked_at", "expires_at"))


def _job_state(w: World):
    return FineTuningJob.objects.values_list("status", "finished_at").get(pk=w.job.pk)


def _succeeded_job(w: World) -> FineTuningJob:
    """The owner's job, marked succeeded: only such a job may be published as a recipe."""
    FineTuningJob.objects.filter(pk=w.job.pk).update(status=FineTuningJob.Status.SUCCEEDED)
    return w.job


def _recipe(w: World):
    from community.recipes.models import Recipe

    recipe, _created = Recipe.objects.get_or_create(
        job_id="ftjob-published", defaults={"author": w.owner, "title": "A recipe", "base_model": "tiny-base"}
    )
    return recipe


def _recipe_state(w: World):
    from community.recipes.models import Recipe

    return list(Recipe.objects.order_by("pk").values_list("pk", "job_id", "title", "fork_count"))


def _hackathon(w: World):
    """A published hackathon event's hackathon, submissions open, the owner captain of a team."""
    from community.events import services as events
    from community.hackathons import services as hackathons
    from community.hackathons.models import Hackathon

    existing = Hackathon.objects.first()
    if existing is not None:
        return existing
    now = timezone.now()
    event = events.event_create(
        organiser=w.manager,
        title="Matrix hack",
        kind="hackathon",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        timezone="UTC",
        online_url="https://meet.example.org/matrix",
    )
    events.event_publish(actor=w.manager, event=event)
    hackathon = hackathons.hackathon_create(event_id=event.pk)
    hackathons.team_create(user=w.owner, hackathon=hackathon, name="Owners")
    return hackathon


def _hackathon_state(w: World):
    from community.hackathons.models import Hackathon, Score, Submission, TeamMember

    return (
        list(TeamMember.objects.order_by("pk").values_list("pk", "team_id", "user_id")),
        list(Submission.objects.order_by("pk").values_list("pk", "entry_id")),
        list(Score.objects.order_by("pk").values_list("pk", "value")),
        list(Hackathon.objects.order_by("pk").values_list("pk", "finalised_at")),
    )


def _event(w: World):
    """A published meetup the owner organises (proposed, approved by the manager), with a
    third member registered."""
    from community.events import services as events
    from community.events.models import Event

    existing = Event.objects.filter(slug__startswith="owners-meetup").first()
    if existing is not None:
        return existing
    now = timezone.now()
    event = events.event_create(
        organiser=w.owner,
        title="Owners meetup",
        kind="meetup",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        timezone="Europe/Berlin",
        online_url="https://meet.example.org/owners",
        capacity=5,
    )
    event = events.event_publish(actor=w.manager, event=event)
    events.rsvp_register(user=w.third, event=event)
    return event


def _event_state(w: World):
    from community.events.models import Event, Feedback, Registration

    event = _event(w)
    return (
        Event.objects.values_list("status", "title", "checkin_code", "capacity", "published_at").get(pk=event.pk),
        list(Registration.objects.order_by("pk").values_list("pk", "user_id", "status", "attended_at")),
        list(Feedback.objects.order_by("pk").values_list("pk", "rating")),
    )


EVENT_ORGANISER = "the organiser and community managers run an event (edit, check-in desk, summary)"
EVENT_MEMBER = "each member registers, cancels, checks in and rates as themselves (never for someone else)"


def _showcase_entry(w: World):
    """The owner's published showcase entry, with a screenshot."""
    import io

    from PIL import Image

    from community.showcase.models import Entry
    from community.showcase.services import entry_create

    existing = Entry.objects.filter(author=w.owner).first()
    if existing is not None:
        return existing
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "#1b6ec2").save(image, format="PNG")
    shot = SimpleUploadedFile("s.png", image.getvalue(), content_type="image/png")
    return entry_create(author=w.owner, title="Matrix app", tagline="t", description="d", screenshots=[shot])


def _showcase_state(w: World):
    from community.showcase.models import Entry, Screenshot, Vote

    entry = _showcase_entry(w)
    return (
        list(Entry.objects.order_by("pk").values_list("pk", "title", "is_hidden", "featured_at", "vote_count")),
        list(Vote.objects.order_by("pk").values_list("pk", "user_id")),
        list(Screenshot.objects.filter(entry=entry).values_list("pk", "token")),
    )


def _files_state(w: World):
    return list(TrainingFile.objects.filter(owner=w.owner).values_list("pk", "bytes"))


def _post_state(w: World, post: Post | None = None):
    post = post or w.question.posts.get(is_first=True)
    row = Post.objects.values_list("body", "is_hidden", "is_deleted", "edit_count").get(pk=post.pk)
    return row, Thread.objects.values_list("title", "is_locked", "is_pinned", "is_hidden", "category_id").get(
        pk=post.thread_id
    )


def _thread_state(w: World, thread: Thread | None = None):
    thread = thread or w.question
    return Thread.objects.values_list(
        "title", "is_locked", "is_pinned", "is_hidden", "is_deleted", "category_id", "merged_into", "accepted_answer"
    ).get(pk=thread.pk)


def _usage_record(w: World):
    """A failed /v1 call of the owner, as metering stores it (with its kept bodies)."""
    from sandbox.usage.models import UsageRecord, UsageRecordBody

    record, created = UsageRecord.objects.get_or_create(
        request_id="req_" + "0" * 32,
        defaults={
            "user": w.owner,
            "api_key": w.key,
            "endpoint": "chat.completions",
            "status_code": 404,
            "error_code": "model_not_found",
            "latency_ms": 3,
            "created_at": timezone.now(),
        },
    )
    if created:
        UsageRecordBody.objects.create(
            record=record, request_body="{}", response_body="{}", expires_at=timezone.now() + timedelta(days=1)
        )
    return record


def _store_order(w: World):
    """A physical rewards-store order of the owner's, waiting for a manager."""
    import uuid

    from community.rewards.services import points_award
    from community.store.models import ItemKind, Redemption, StoreItem
    from community.store.services import redemption_create

    order = Redemption.objects.filter(member=w.owner).first()
    if order is None:
        item = StoreItem.objects.create(kind=ItemKind.PHYSICAL, name="Mug", slug="mug", points_price=10, stock=5)
        points_award(user_id=w.owner.pk, rule="forum.answer.accepted", cause="matrix", amount=10)
        address = {"shipping_name": "Ada", "shipping_address": "1 Main St", "shipping_country": "UK"}
        order = redemption_create(member=w.owner, item=item, idempotency_key=uuid.uuid4(), shipping=address).redemption
    return order


def _store_order_state(w: World):
    from community.rewards.selectors import standing_of
    from community.store.models import Redemption

    order = _store_order(w)
    return Redemption.objects.values_list("status", "decided_by").get(pk=order.pk), standing_of(user_id=w.owner.pk)


def _trust_state(w: World):
    from community.trust.models import LevelChange, MemberTrust

    return (
        list(MemberTrust.objects.filter(user=w.owner).values_list("level", "locked")),
        LevelChange.objects.filter(user=w.owner).count(),
    )


def _ambassador_application(w: World):
    """The owner's ambassador application, waiting for review."""
    from community.ambassadors.models import Application

    application, _created = Application.objects.get_or_create(
        user=w.owner,
        status=Application.Status.PENDING,
        defaults={"motivation": "I host meetups. " * 5, "region": "europe", "languages": "English"},
    )
    return application


def _ambassador(w: World):
    """The owner as an active ambassador."""
    from community.ambassadors.models import Ambassador, Application

    application = Application.objects.create(
        user=w.owner, motivation="I host meetups. " * 5, region="europe", languages="English", status="accepted"
    )
    ambassador, _created = Ambassador.objects.get_or_create(
        user=w.owner,
        defaults={"application": application, "region": "europe", "languages": "English", "referral_code": "matrix"},
    )
    return ambassador


def _ambassador_state(w: World):
    from community.ambassadors.models import Ambassador, Application

    return (
        list(Application.objects.filter(user=w.owner).values_list("pk", "status", "review_note")),
        list(Ambassador.objects.filter(user=w.owner).values_list("active", "revoked_at")),
    )


def _first_post(w: World) -> Post:
    return w.question.posts.get(is_first=True)


PUBLIC_FORUM = "visible forum content is public: anyone may read it"
OWN_ACTION = (
    "members act on public content as themselves (their own reply, vote, flag or watch); "
    "the owner's thread and posts stay as they were"
)
MODERATION = "the Moderator and Community manager roles hold the forums' moderation permissions"

ROUTES: dict[str, Route] = {
    # --- Accounts: profiles are public pages ---------------------------------------------------------
    "accounts:profile": Route(
        kwargs=lambda w: {"handle": w.owner.profile.handle},
        methods=("get", "post"),
        state=lambda w: w.owner.profile.__class__.objects.filter(user=w.owner).values_list("handle", "bio").get(),
        readers=EVERYONE,
        why="profiles are public pages (handle, display name, bio, links)",
    ),
    "accounts:avatar": Route(
        kwargs=lambda w: {"handle": w.owner.profile.handle},
        methods=("get", "post"),
        state=lambda w: None,
        readers=EVERYONE,
        why="the identicon is drawn from the public handle",
    ),
    # --- allauth: the token in the URL is the credential; others can only forge one ---------------------
    "account_confirm_email": Route(
        kwargs=lambda w: {"key": EmailConfirmationHMAC(w.unverified).key},
        methods=("get", "post"),
        state=lambda w: EmailAddress.objects.values_list("verified", flat=True).get(pk=w.unverified.pk),
        why="capability URL: tested with a forged key (see test_forged_capability_urls_are_refused)",
    ),
    "account_reset_password_from_key": Route(
        kwargs=lambda w: {"uidb36": user_pk_to_url_str(w.owner), "key": default_token_generator.make_token(w.owner)},
        methods=("get", "post"),
        state=lambda w: w.owner.__class__.objects.values_list("password", flat=True).get(pk=w.owner.pk),
        why="capability URL: tested with a forged key (see test_forged_capability_urls_are_refused)",
    ),
    "notifications:unsubscribe": Route(
        kwargs=lambda w: {"token": unsubscribe_token(user=w.owner, scope="all")},
        methods=("get", "post"),
        state=lambda w: list(NotificationPreference.objects.filter(user=w.owner).values_list("digest", "email_reply")),
        why="capability URL: tested with a forged token (see test_forged_capability_urls_are_refused)",
    ),
    # --- API keys -------------------------------------------------------------------------------------
    "apikeys:revoke": Route(
        kwargs=lambda w: {"pk": w.key.pk}, methods=("get", "post"), state=_key_state, proof_method="post"
    ),
    "apikeys:roll": Route(kwargs=lambda w: {"pk": w.key.pk}, methods=("get", "post"), state=_key_state),
    "apikeys:edit": Route(
        kwargs=lambda w: {"pk": w.key.pk},
        methods=("get", "post"),
        state=lambda w: list(
            ApiKey.objects.filter(user=w.owner).order_by("pk").values_list("pk", "name", "log_bodies_days")
        ),
    ),
    # --- The request log: one /v1 request of the owner, found by its id ----------------------------------
    "usage:log": Route(
        kwargs=lambda w: {"request_id": _usage_record(w).request_id}, methods=("get", "post"), state=lambda w: None
    ),
    # --- Notifications ----------------------------------------------------------------------------------
    "notifications:open": Route(
        kwargs=lambda w: {"pk": w.notification.pk},
        methods=("get", "post"),
        state=lambda w: Notification.objects.values_list("read_at", flat=True).get(pk=w.notification.pk),
    ),
    # --- Fine-tuning pages --------------------------------------------------------------------------------
    "finetuning:job_detail": Route(kwargs=lambda w: {"job_id": w.job.id}, methods=("get", "post"), state=_job_state),
    "finetuning:job_metrics": Route(kwargs=lambda w: {"job_id": w.job.id}, methods=("get", "post"), state=_job_state),
    "finetuning:job_cancel": Route(
        kwargs=lambda w: {"job_id": w.job.id}, methods=("get", "post"), state=_job_state, proof_method="post"
    ),
    # --- Model catalogue: an `ft:` model is its owner's ---------------------------------------------------
    "registry:detail": Route(
        kwargs=lambda w: {"model_id": w.ft_model.model_id}, methods=("get", "post"), state=lambda w: None
    ),
    # --- /v1 (API key of each actor; anonymous: no key) --------------------------------------------------
    "gateway:model": Route(
        kwargs=lambda w: {"model_id": w.ft_model.model_id}, methods=("get",), state=lambda w: None, api=True
    ),
    "finetuning:api_file": Route(
        kwargs=lambda w: {"file_id": w.file.id}, methods=("get", "delete"), state=_files_state, api=True
    ),
    "finetuning:api_file_content": Route(
        kwargs=lambda w: {"file_id": w.file.id}, methods=("get",), state=_files_state, api=True
    ),
    "finetuning:api_job": Route(kwargs=lambda w: {"job_id": w.job.id}, methods=("get",), state=_job_state, api=True),
    "finetuning:api_job_cancel": Route(
        kwargs=lambda w: {"job_id": w.job.id}, methods=("post",), state=_job_state, api=True, proof_method="post"
    ),
    "finetuning:api_job_events": Route(
        kwargs=lambda w: {"job_id": w.job.id}, methods=("get",), state=_job_state, api=True
    ),
    "finetuning:api_job_checkpoints": Route(
        kwargs=lambda w: {"job_id": w.job.id},
        methods=("get",),
        state=lambda w: list(w.job.checkpoints.values_list("pk", "step")),
        api=True,
    ),
    # --- Fine-tuning recipes: public pages; only the owner publishes their own succeeded job -----------------
    "recipes:detail": Route(
        kwargs=lambda w: {"recipe_id": _recipe(w).pk},
        methods=("get", "post"),
        state=lambda w: _recipe_state(w),
        readers=EVERYONE,
        why="a published recipe is a public page (configuration and figures, never the data)",
    ),
    "recipes:publish": Route(
        kwargs=lambda w: {"job_id": _succeeded_job(w).id},
        methods=("get", "post"),
        state=lambda w: _recipe_state(w),
    ),
    # --- Hackathons: public overview and results; members act on their own team; managers judge ----------
    "hackathons:detail": Route(
        kwargs=lambda w: {"hackathon_id": _hackathon(w).pk},
        methods=("get", "post"),
        state=_hackathon_state,
        readers=EVERYONE,
        why="a published hackathon's rules, prizes, teams and submissions are public",
    ),
    "hackathons:results": Route(
        kwargs=lambda w: {"hackathon_id": _hackathon(w).pk},
        methods=("get", "post"),
        state=_hackathon_state,
        readers=EVERYONE,
        why="a hackathon's results are public",
    ),
    "hackathons:team": Route(
        kwargs=lambda w: {"hackathon_id": _hackathon(w).pk},
        methods=("get", "post"),
        state=_hackathon_state,
        readers=MEMBERS,
        writers=MEMBERS,
        proof_method="post",
        why="each member creates, joins or leaves their own team (a team is joined only with its invite code)",
    ),
    "hackathons:submit": Route(
        kwargs=lambda w: {"hackathon_id": _hackathon(w).pk},
        methods=("get", "post"),
        state=_hackathon_state,
        readers=MEMBERS,
        writers=MEMBERS,
        proof_method="post",
        why="a member submits for their own team only (the service checks membership and the entry's author)",
    ),
    "hackathons:judge": Route(
        kwargs=lambda w: {"hackathon_id": _hackathon(w).pk},
        methods=("get", "post"),
        state=_hackathon_state,
        readers=frozenset({"manager"}),
        writers=frozenset({"manager"}),
        proof="manager",
        why="community managers judge hackathons",
    ),
    "hackathons:finalise": Route(
        kwargs=lambda w: {"hackathon_id": _hackathon(w).pk},
        methods=("get", "post"),
        state=_hackathon_state,
        writers=frozenset({"manager"}),
        proof="manager",
        proof_method="post",
        why="community managers finalise judging (which pays the prizes)",
    ),
    # --- Events: public pages; the organiser and managers run them; members act on their own place ----
    "events:detail": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        readers=EVERYONE,
        why="a published event is a public page (its online link only for registered attendees)",
    ),
    "events:ics": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        readers=EVERYONE,
        why="a published event's calendar file is public (without the online link)",
    ),
    "events:edit": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        readers=frozenset({"manager"}),
        writers=frozenset({"manager"}),
        why=EVENT_ORGANISER,
    ),
    "events:attendees": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        readers=frozenset({"manager"}),
        writers=frozenset({"manager"}),
        why=EVENT_ORGANISER,
    ),
    "events:summary": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        readers=frozenset({"manager"}),
        why=EVENT_ORGANISER,
    ),
    "events:publish": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        writers=frozenset({"manager"}),
        proof_method="post",
        why="community managers publish events (an ambassador's after review)",
    ),
    "events:return_to_draft": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        writers=frozenset({"manager"}),
        proof="manager",
        proof_method="post",
        why="community managers send an event in review back to its organiser",
    ),
    "events:cancel": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        writers=frozenset({"manager"}),
        proof_method="post",
        why=EVENT_ORGANISER,
    ),
    "events:rsvp": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        writers=MEMBERS,
        proof_method="post",
        why=EVENT_MEMBER,
    ),
    "events:rsvp_cancel": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        writers=MEMBERS,
        proof_method="post",
        why=EVENT_MEMBER,
    ),
    "events:checkin": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        readers=MEMBERS,
        writers=MEMBERS,
        why=EVENT_MEMBER,
    ),
    "events:feedback": Route(
        kwargs=lambda w: {"slug": _event(w).slug},
        methods=("get", "post"),
        state=_event_state,
        writers=MEMBERS,
        proof_method="post",
        why=EVENT_MEMBER,
    ),
    # --- Showcase: public entries; the author edits; members vote; managers feature; author or manager hide --
    "showcase:detail": Route(
        kwargs=lambda w: {"slug": _showcase_entry(w).slug},
        methods=("get", "post"),
        state=_showcase_state,
        readers=EVERYONE,
        why="a published showcase entry is a public page",
    ),
    "showcase:screenshot": Route(
        kwargs=lambda w: {"token": _showcase_entry(w).screenshots.get().token, "extension": "png"},
        methods=("get", "post"),
        state=_showcase_state,
        readers=EVERYONE,
        why="a published entry's screenshots are public (a hidden entry's are not)",
    ),
    "showcase:edit": Route(
        kwargs=lambda w: {"slug": _showcase_entry(w).slug},
        methods=("get", "post"),
        state=_showcase_state,
    ),
    "showcase:vote": Route(
        kwargs=lambda w: {"slug": _showcase_entry(w).slug},
        methods=("get", "post"),
        state=_showcase_state,
        writers=MEMBERS,
        proof="member",
        proof_method="post",
        why="each member gives or withdraws their own vote (never on their own entry)",
    ),
    "showcase:feature": Route(
        kwargs=lambda w: {"slug": _showcase_entry(w).slug},
        methods=("get", "post"),
        state=_showcase_state,
        writers=frozenset({"manager"}),
        proof="manager",
        proof_method="post",
        why="community managers choose the featured entries",
    ),
    "showcase:hide": Route(
        kwargs=lambda w: {"slug": _showcase_entry(w).slug},
        methods=("get", "post"),
        state=_showcase_state,
        writers=frozenset({"manager"}),
        proof_method="post",
        why="community managers hide entries that break the rules",
    ),
    "showcase:delete": Route(
        kwargs=lambda w: {"slug": _showcase_entry(w).slug},
        methods=("get", "post"),
        state=_showcase_state,
        writers=frozenset({"manager"}),
        proof_method="post",
        why="community managers delete entries that break the rules",
    ),
    # --- Ambassadors: community managers review applications, end ambassadors' status, read their quarter --
    "ambassadors:review": Route(
        kwargs=lambda w: {"application_id": _ambassador_application(w).pk},
        methods=("get", "post"),
        state=_ambassador_state,
        readers=frozenset({"manager"}),
        writers=frozenset({"manager"}),
        proof="manager",
        why="community managers review ambassador applications",
    ),
    "ambassadors:revoke": Route(
        kwargs=lambda w: {"user_id": _ambassador(w).user_id},
        methods=("get", "post"),
        state=_ambassador_state,
        writers=frozenset({"manager"}),
        proof="manager",
        proof_method="post",
        why="community managers end a member's ambassador status",
    ),
    "ambassadors:quarter": Route(
        kwargs=lambda w: {"user_id": _ambassador(w).user_id},
        methods=("get", "post"),
        state=_ambassador_state,
        readers=frozenset({"manager"}),
        proof="manager",
        why="community managers read each ambassador's quarter",
    ),
    # --- Forums: reading -------------------------------------------------------------------------------------
    "forums:category": Route(
        kwargs=lambda w: {"slug": w.qa.slug},
        methods=("get", "post"),
        state=lambda w: Category.objects.values_list("name", "kind").get(pk=w.qa.pk),
        readers=EVERYONE,
        proof="member",
        why="categories are the forum's public sections",
    ),
    "forums:thread": Route(
        kwargs=lambda w: {"pk": w.question.pk, "slug": w.question.slug},
        methods=("get", "post"),
        state=_thread_state,
        readers=EVERYONE,
        why=PUBLIC_FORUM,
    ),
    "forums:thread_short": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=_thread_state,
        readers=EVERYONE,
        why=PUBLIC_FORUM,
    ),
    "forums:post": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk},
        methods=("get", "post"),
        state=_post_state,
        readers=EVERYONE,
        why=PUBLIC_FORUM + " (this redirects to the post in its thread)",
    ),
    "forums:post_history": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk},
        methods=("get", "post"),
        state=_post_state,
        readers=EVERYONE,
        why="a post's edits keep a public history",
    ),
    # --- Forums: a member's own action on public content -----------------------------------------------------
    "forums:reply": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: (_post_state(w), _thread_state(w)),
        writers=MEMBERS,
        proof_method="post",
        why=OWN_ACTION,
    ),
    "forums:thread_watch": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: (_thread_state(w), list(Watch.objects.filter(user=w.owner).values_list("pk", flat=True))),
        writers=MEMBERS,
        proof_method="post",
        why=OWN_ACTION,
    ),
    "forums:category_watch": Route(
        kwargs=lambda w: {"slug": w.qa.slug},
        methods=("get", "post"),
        state=lambda w: list(Watch.objects.filter(user=w.owner).values_list("pk", flat=True)),
        writers=MEMBERS,
        proof="member",
        proof_method="post",
        why=OWN_ACTION,
    ),
    "forums:post_vote": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk},
        methods=("get", "post"),
        state=lambda w: (_post_state(w), list(Vote.objects.filter(user=w.owner).values_list("pk", flat=True))),
        writers=MEMBERS,
        proof="member",
        proof_method="post",
        why=OWN_ACTION,
    ),
    "forums:post_flag": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk},
        methods=("get", "post"),
        state=lambda w: (_post_state(w), list(Flag.objects.filter(reporter=w.owner).values_list("pk", flat=True))),
        readers=MEMBERS,
        writers=MEMBERS,
        proof="member",
        why=OWN_ACTION,
    ),
    "forums:thread_read_time": Route(
        # The reading beacon: a signed-in member reports their own reading time (anonymous: 403).
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: (_thread_state(w), _trust_state(w)),
        writers=MEMBERS,
        proof="member",
        proof_method="post",
        why=OWN_ACTION,
    ),
    "forums:bounty_offer": Route(
        # GET: the caller's own balance for the offer form; POST spends the caller's own points.
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: (
            _thread_state(w),
            list(Bounty.objects.filter(thread=w.question).values_list("pk", "offered_by", "amount", "state")),
        ),
        readers=MEMBERS,
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why="a bounty spends the offerer's own points on a public question; offering is a trust privilege "
        "(member+; moderators and managers count as leaders, and without points they open nothing)",
    ),
    # --- Forums: trust privileges (the owner and member B are new members; moderators count as leaders) ------
    "forums:thread_retag": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: (_thread_state(w), list(w.question.tags.values_list("pk", flat=True))),
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why="retagging others' threads is a trust privilege (member+); moderators and managers count as leaders",
    ),
    "forums:thread_duplicate": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: (_thread_state(w), Thread.objects.values_list("duplicate_of", flat=True).get(pk=w.question.pk)),
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why="closing duplicates is a trust privilege (regular+); moderators and managers count as leaders",
    ),
    "forums:post_wiki": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk},
        methods=("get", "post"),
        state=lambda w: (_post_state(w), Post.objects.values_list("is_wiki", flat=True).get(pk=_first_post(w).pk)),
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why="making a post a wiki is a trust privilege (regular+); moderators and managers count as leaders",
    ),
    "trust:member_level": Route(
        kwargs=lambda w: {"user_id": w.owner.pk},
        methods=("get", "post"),
        state=_trust_state,
        readers=frozenset({"manager"}),
        writers=frozenset({"manager"}),
        proof="manager",
        why="community managers set members' trust levels (and alone grant leader)",
    ),
    # --- Forums: the author's own post (moderators may act on it too) -----------------------------------------
    "forums:post_edit": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk},
        methods=("get", "post"),
        state=_post_state,
        readers=FORUM_MODERATORS,
        writers=FORUM_MODERATORS,
        why=MODERATION,
    ),
    "forums:post_delete": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk},
        methods=("get", "post"),
        state=_post_state,
        writers=FORUM_MODERATORS,
        proof_method="post",
        why=MODERATION,
    ),
    "forums:post_accept": Route(
        # The asker (the owner) accepts a reply to their question.
        kwargs=lambda w: {"pk": w.reply.pk},
        methods=("get", "post"),
        state=_thread_state,
        writers=FORUM_MODERATORS,
        proof_method="post",
        why="forum staff may accept an answer for the asker",
    ),
    # --- Forums: moderators only (the owner of the thread is refused as well) ---------------------------------
    "forums:idea_status": Route(
        kwargs=lambda w: {"pk": w.idea.pk},
        methods=("get", "post"),
        state=lambda w: (
            Thread.objects.values_list("idea_status", flat=True).get(pk=w.idea.pk),
            _thread_state(w, w.idea),
        ),
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why=MODERATION,
    ),
    "forums:thread_move": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=_thread_state,
        readers=FORUM_MODERATORS,
        writers=FORUM_MODERATORS,
        proof="moderator",
        why=MODERATION,
    ),
    "forums:thread_merge": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: (_thread_state(w), _thread_state(w, w.other_thread)),
        readers=FORUM_MODERATORS,
        writers=FORUM_MODERATORS,
        proof="moderator",
        why=MODERATION,
    ),
    "forums:thread_moderate": Route(
        kwargs=lambda w: {"pk": w.question.pk, "action": "lock"},
        methods=("get", "post"),
        state=_thread_state,
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why=MODERATION,
    ),
    "forums:post_moderate": Route(
        kwargs=lambda w: {"pk": _first_post(w).pk, "action": "hide"},
        methods=("get", "post"),
        state=_post_state,
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why=MODERATION,
    ),
    "forums:error_answer": Route(
        kwargs=lambda w: {"pk": w.question.pk},
        methods=("get", "post"),
        state=lambda w: list(ErrorAnswer.objects.values_list("error_code", "post_id")),
        writers=frozenset({"manager"}),
        proof="manager",
        proof_method="post",
        why="community managers choose the reply that /v1 errors link to",
    ),
    # --- The rewards store: managers decide physical orders ------------------------------------------
    "store:decide": Route(
        kwargs=lambda w: {"pk": _store_order(w).pk},
        methods=("get", "post"),
        state=_store_order_state,
        writers=frozenset({"manager"}),
        proof="manager",
        proof_method="post",
        why="community managers approve or refuse members' physical orders (refusing refunds the points)",
    ),
    "forums:user_suspend": Route(
        kwargs=lambda w: {"user_id": w.owner.pk},
        methods=("get", "post"),
        state=lambda w: list(Suspension.objects.filter(user=w.owner).values_list("pk", flat=True)),
        readers=FORUM_MODERATORS,
        writers=FORUM_MODERATORS,
        proof="moderator",
        why=MODERATION,
    ),
    "forums:suspension_lift": Route(
        kwargs=lambda w: {"pk": w.suspension.pk},
        methods=("get", "post"),
        state=lambda w: Suspension.objects.values_list("lifted_at", flat=True).get(pk=w.suspension.pk),
        writers=FORUM_MODERATORS,
        proof="moderator",
        proof_method="post",
        why=MODERATION,
    ),
}
CAPABILITY_ROUTES = ("account_confirm_email", "account_reset_password_from_key", "notifications:unsubscribe")
# The gateway's async views read keys and models on other threads, which see only committed rows.
ASYNC_ROUTES = {"gateway:model"}
MATRIX_ROUTES = [
    pytest.param(name, marks=pytest.mark.django_db(transaction=True)) if name in ASYNC_ROUTES else name
    for name in sorted(ROUTES)
    if name not in CAPABILITY_ROUTES
]


# --- Requests ---------------------------------------------------------------------------------------------


def _client(world: World, actor: str, *, api: bool) -> Client:
    client = Client()
    if actor != "anon":
        if api:
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.secrets[actor]}"
        else:
            client.force_login(world.user(actor))
    return client


def _request(client: Client, method: str, url: str, *, api: bool):
    if method == "post" and not api:
        # Enough for each form to be valid had the caller been allowed: a refusal must come
        # from the permission check, not from a missing field.
        data = {"body": "A reply long enough to pass.", "reason": "spam", "note": "n", "status": "planned"}
        data |= {"target": "1", "category": "1", "overlap": "0", "ends_at": "2099-01-01T00:00", "post": "1"}
        return client.post(url, data)
    return getattr(client, method)(url)


def _refused(response, actor: str) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    return actor == "anon" and response.status_code == 302 and response["Location"].startswith(LOGIN_PATH)


def _assert_openai_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"}, error


# --- Tests ------------------------------------------------------------------------------------------------


def test_every_object_route_is_covered():
    """A new route that takes an identifier fails here until the matrix says how to test it."""
    found = set(object_routes())
    covered = set(ROUTES) | set(NOT_MEMBER_OBJECTS) | set(admin_object_routes())
    assert found - covered == set(), "object routes missing from ROUTES in tests/security/test_access_matrix.py"
    assert covered - found == set(), "ROUTES or NOT_MEMBER_OBJECTS name routes that no longer exist"


@pytest.mark.parametrize("name", MATRIX_ROUTES)
def test_others_cannot_reach_the_owners_object(name, world):
    """Member B, anonymous visitors, moderators and managers get no 2xx on A's object
    beyond what the route's table entry allows (and says why), and change nothing."""
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))
    before = route.state(world)
    for actor in ACTORS:
        client = _client(world, actor, api=route.api)
        for method in route.methods:
            if method != "get" and actor in route.writers:
                continue  # allowed to act (see `why`); the proof request below acts once
            response = _request(client, method, url, api=route.api)
            assert response.status_code < 500, (actor, method, response.status_code)
            if route.api:
                # /v1: another account's object does not exist (OpenAI's 404); no key is a 401.
                _assert_openai_error(response, 401 if actor == "anon" else 404)
            elif method == "get" and actor in route.readers:
                assert response.status_code < 400, (actor, method, response.status_code)
            else:
                assert _refused(response, actor), (actor, method, response.status_code, response.get("Location"))
        assert route.state(world) == before, f"{actor}'s requests changed {name}"
    # The URL names a real object: someone allowed is let through.
    response = _request(_client(world, route.proof, api=route.api), route.proof_method, url, api=route.api)
    assert response.status_code not in (403, 404), (route.proof, response.status_code, response.content[:300])
    assert response.status_code < 500


@pytest.mark.parametrize("name", CAPABILITY_ROUTES)
def test_forged_capability_urls_are_refused(name, world):
    """Links mailed to A (email confirmation, password reset, unsubscribe) carry a signed
    token; member B, holding valid tokens of their own, cannot forge one for A."""
    route = ROUTES[name]
    genuine = route.kwargs(world)
    member = world.member
    if name == "account_confirm_email":
        own = EmailAddress.objects.create(user=member, email="bob.new@example.org", verified=False)
        forged = {"key": _splice(genuine["key"], EmailConfirmationHMAC(own).key)}
    elif name == "account_reset_password_from_key":
        forged = {"uidb36": genuine["uidb36"], "key": default_token_generator.make_token(member)}
    else:
        forged = {"token": _splice(genuine["token"], unsubscribe_token(user=member, scope="all"))}
    assert forged != genuine
    before = route.state(world)
    url = reverse(name, kwargs=forged)
    for actor in ("member", "anon"):
        client = _client(world, actor, api=False)
        for method in route.methods:
            data = {"password1": "n3w-Passw0rd!x", "password2": "n3w-Passw0rd!x"} if method == "post" else None
            response = client.post(url, data) if method == "post" else client.get(url)
            assert response.status_code < 500
            assert world.owner.email not in response.content.decode()
    assert route.state(world) == before
    # The genuine link is accepted (it names a real object).
    assert Client().get(reverse(name, kwargs=genuine)).status_code in (200, 302)


@pytest.fixture
def non_staff(db):
    """A developer and a moderator: members without the staff flag."""
    return {
        "member": _member("bob@example.org", "bob"),
        "moderator": _member("mod@example.org", "mod", role=Role.MODERATOR),
    }


@pytest.mark.parametrize("name", admin_object_routes())
def test_admin_object_routes_refuse_members(name, non_staff):
    """Every admin route that names an object sends non-staff (B, a moderator, anonymous
    visitors) to the admin's login, whatever the object."""
    route = object_routes()[name]
    object_id = str(non_staff["member"].pk)
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if m[1] == "content_type_id" else object_id, route)
    for actor in ("member", "moderator", "anon"):
        client = Client()
        if actor != "anon":
            client.force_login(non_staff[actor])
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 302, (actor, method, response.status_code)
            assert response["Location"].startswith("/admin/login/"), (actor, method, response["Location"])
