"""A key pasted into any other field a member writes is never published or kept: bios and
names (public), flag notes (read by moderators), fine-tuning suffixes (kept in the model id)."""

import pytest

from community.forums import services as forum_services
from community.forums.models import Category, CategoryKind, Flag
from portal.accounts.services import profile_update
from portal.apikeys.models import ApiKey
from sandbox.finetuning.errors import FineTuningError
from tests.factories import ApiKeyFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_live_key_in_a_bio_is_revoked_and_never_stored():
    member = UserFactory(email="ada@example.org")
    key = ApiKeyFactory(user=member)
    profile = profile_update(
        profile=member.profile,
        display_name=f"Ada {key.secret}",
        handle="ada",
        bio=f"My key is {key.secret}, and a typo of it {key.secret[:-1]}x too.",
        github="",
        website="",
    )
    profile.refresh_from_db()
    assert key.secret not in profile.bio + profile.display_name and key.secret[:-1] not in profile.bio
    assert "REDACTED" in profile.bio
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_a_key_in_a_flag_note_is_not_kept():
    asker, reporter = UserFactory(email="asker@example.org"), UserFactory(email="reporter@example.org")
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    thread = ThreadFactory(author=asker, category=qa)
    key = ApiKeyFactory(user=reporter)
    forum_services.post_flag(
        reporter=reporter, post=thread.posts.get(), reason="spam", note=f"Oops, my key: {key.secret}"
    )
    assert key.secret not in Flag.objects.get().note


def test_a_key_shaped_suffix_is_refused():
    from sandbox.finetuning.services import finetune_job_create
    from sandbox.registry.services import hosted_model_register
    from tests.factories import training_file

    member = UserFactory(email="ft@example.org")
    hosted_model_register(model_id="base-lm", source="/nonexistent", context_length=256)
    file = training_file(member)
    key = ApiKeyFactory(user=member)
    with pytest.raises(FineTuningError) as refused:
        finetune_job_create(owner=member, model="base-lm", training_file=file.id, suffix=key.secret)
    assert refused.value.param == "suffix" and "API key" in refused.value.message
