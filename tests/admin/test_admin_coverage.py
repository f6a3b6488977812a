"""The Django admin covers every model of Atrium's apps, without N+1 list pages, and
keeps audit data read-only."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from tests.factories import UserFactory

OUR_PACKAGES = ("portal.", "sandbox.", "community.")


def our_models():
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith(OUR_PACKAGES) and not model._meta.abstract and not model._meta.proxy
    ]


MODELS = our_models()
# Append-only and audit rows: the admin reads them, never adds, edits or deletes.
AUDIT_LABELS = [
    "usage.UsageRecord",
    "forums.ModerationAction",
    "forums.PostRevision",
    "finetuning.WebhookDelivery",
    "finetuning.FineTuningJobEvent",
    "finetuning.FineTuningCheckpoint",
    "badges.MemberTally",
    "badges.PostTally",
    "rewards.PointsEntry",
    "rewards.HistoricalRule",
    "trust.MemberDay",
    "trust.LevelChange",
]


def _url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def rows(db, superuser):
    """A few rows of every model, so list pages show related objects."""
    from django.core.files.base import ContentFile

    from community.forums.models import (
        Category,
        Flag,
        ModerationAction,
        Post,
        PostRevision,
        Suspension,
        Tag,
        Thread,
        ThreadRead,
        Vote,
        Watch,
    )
    from community.notifications.models import Notification, NotificationPreference
    from portal.apikeys.services import api_key_create
    from sandbox.finetuning.models import (
        FineTuningCheckpoint,
        FineTuningJob,
        FineTuningJobEvent,
        TrainingFile,
        WebhookDelivery,
        WebhookEndpoint,
    )
    from sandbox.registry.models import HostedModel
    from sandbox.usage.models import UsageRecord

    now = timezone.now()
    category = Category.objects.create(name="General", slug="general")
    tag = Tag.objects.create(name="python", slug="python")
    for i in range(3):
        author = UserFactory(email=f"writer{i}@example.com")
        thread = Thread.objects.create(category=category, author=author, title=f"Thread {i}", last_poster=author)
        thread.tags.add(tag)
        post = Post.objects.create(thread=thread, author=author, body="Hello", is_first=True)
        PostRevision.objects.create(post=post, body="Hi", editor=author)
        Vote.objects.create(post=post, user=superuser)
        ThreadRead.objects.create(user=author, thread=thread)
        Watch.objects.create(user=author, thread=thread)
        Flag.objects.create(post=post, reporter=superuser, reason=Flag._meta.get_field("reason").choices[0][0])
        Suspension.objects.create(user=author, reason="spam", ends_at=now + timedelta(days=1), created_by=superuser)
        ModerationAction.objects.create(
            actor=superuser,
            kind=ModerationAction._meta.get_field("kind").choices[0][0],
            thread=thread,
            post=post,
            target_user=author,
        )
        Notification.objects.create(
            recipient=author, actor=superuser, kind=Notification._meta.get_field("kind").choices[0][0], title="Hi"
        )
        NotificationPreference.objects.get_or_create(user=author)

        key, _secret = api_key_create(user=author, name=f"key {i}")
        UsageRecord.objects.create(
            request_id=f"req-{i}",
            user=author,
            api_key=key,
            endpoint="chat.completions",
            status_code=200,
            latency_ms=5,
            created_at=now,
        )
        model = HostedModel.objects.create(model_id=f"echo-{i}", backend=HostedModel.Backend.ECHO)
        train = TrainingFile.objects.create(
            owner=author,
            filename="t.jsonl",
            content=ContentFile(b"{}", name="t.jsonl"),
            bytes=2,
            format=TrainingFile.Format.CHAT,
            example_count=10,
            token_count=100,
        )
        job = FineTuningJob.objects.create(owner=author, base_model=model, training_file=train, seed=1)
        FineTuningJobEvent.objects.create(job=job, message="Queued")
        FineTuningCheckpoint.objects.create(job=job, step=1, path="/tmp/x", metrics={})
        endpoint = WebhookEndpoint.objects.create(owner=author, url=f"https://example.com/{i}")
        WebhookDelivery.objects.create(endpoint=endpoint, event_id=f"evt-{i}", event_type="job.succeeded", payload={})
        _badge_rows(author=author, superuser=superuser, post=post)
        _trust_rows(author=author, superuser=superuser)
    return superuser


def _trust_rows(*, author, superuser):
    from community.trust.models import LevelChange, MemberDay, MemberTrust

    MemberTrust.objects.create(user=author, level=1, days_visited=1)
    MemberDay.objects.create(user=author, day=timezone.now().date(), visited=True)
    LevelChange.objects.create(user=author, old_level=0, new_level=1, reason="manager", changed_by=superuser)


def _badge_rows(*, author, superuser, post):
    import uuid

    from community.badges.models import BadgeAward, Honor, HonorKind, MemberTally, PostTally
    from community.badges.services import badge_rows

    badges = badge_rows()
    BadgeAward.objects.create(user=author, badge=badges["first-key"])
    BadgeAward.objects.create(user=author, badge=badges["nice-answer"], cause=f"post:{post.pk}", url=f"/p/{post.pk}/")
    MemberTally.objects.create(user=author, keys_created=1)
    PostTally.objects.create(post_id=post.pk, author=author, score=5)
    kind, _created = HonorKind.objects.get_or_create(slug="technical-pioneer", defaults={"name": "Technical Pioneer"})
    Honor.objects.create(user=author, kind=kind, citation="Thanks", awarded_by=superuser, key=uuid.uuid4())


def test_every_model_of_our_apps_is_registered():
    """No model of portal/, sandbox/ or community/ is missing from the admin."""
    missing = [m._meta.label for m in MODELS if m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_superuser_opens_changelist_and_add_page(client, rows, model, django_assert_max_num_queries):
    """Each changelist answers 200 with a search, in a bounded number of queries."""
    client.force_login(rows)
    with django_assert_max_num_queries(10):
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert client.get(_url(model, "changelist"), {"q": "x"}).status_code == 200
    model_admin = admin.site._registry[model]
    request = response.wsgi_request
    if model_admin.has_add_permission(request):
        assert client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("label", AUDIT_LABELS)
def test_audit_models_are_view_only(rf, superuser, label):
    """Audit rows cannot be added, changed or deleted through the admin, even by a superuser."""
    model_admin = admin.site._registry[apps.get_model(label)]
    request = rf.get("/")
    request.user = superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_audit_add_page_is_refused(client, superuser):
    client.force_login(superuser)
    assert client.get(_url(apps.get_model("forums.ModerationAction"), "add")).status_code == 403


def test_secrets_and_hashes_are_not_shown(client, rows):
    """A webhook's signing secret and a post's body hash never reach the admin pages."""
    from community.forums.models import Post
    from sandbox.finetuning.models import WebhookEndpoint

    client.force_login(rows)
    endpoint = WebhookEndpoint.objects.first()
    page = client.get(reverse("admin:finetuning_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page
    post = Post.objects.first()
    post.body_hash = "f" * 64
    post.save(update_fields=["body_hash"])
    page = client.get(reverse("admin:forums_post_change", args=[post.pk])).content.decode()
    assert post.body_hash not in page


@pytest.mark.parametrize("label", ["forums.Thread", "forums.Post", "forums.Flag", "finetuning.FineTuningJob"])
def test_community_manager_reviews_forums_and_finetuning(client, rows, label):
    """The Community manager role opens the forums and fine-tuning changelists."""
    manager = UserFactory(email="cm@example.com")
    user_set_role(user=manager, role=Role.COMMUNITY_MANAGER)
    client.force_login(manager)
    assert client.get(_url(apps.get_model(label), "changelist")).status_code == 200


@pytest.mark.django_db
def test_api_key_admin_never_shows_the_hash(client):
    """The change page of a key shows its prefix, never its hash, and keys are not added there."""
    from django.contrib.auth import get_user_model

    from portal.apikeys.services import api_key_create

    admin_user = get_user_model().objects.create_superuser(email="root@example.com", password="x-long-password-1")
    owner = get_user_model().objects.create_user(email="owner@example.com", password="x-long-password-1")
    key, _secret = api_key_create(user=owner, name="ci")
    client.force_login(admin_user)
    html = client.get(reverse("admin:apikeys_apikey_change", args=[key.pk])).content.decode()
    assert key.prefix in html
    assert key.secret_hash not in html
    assert client.get(reverse("admin:apikeys_apikey_add")).status_code == 403
