"""Factories for the suite's usual objects (factory_boy). Objects that an app builds
through a service (a key's secret and hash, a thread's first post, a job's estimate and
admission) are built through that service, so a test's data is what the site would make.

    member = UserFactory(email="ada@example.org")           # verified, password PASSWORD
    key, secret = ApiKeyFactory(user=member), ...           # the key; its secret on `.secret`
    thread = ThreadFactory(author=member, category=qa)      # with its first post
    job = FineTuningJobFactory(owner=member, model="tiny-gpt")  # file=... to reuse one
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A member with a primary email address, verified unless ``verified=False``."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, password=PASSWORD, **kwargs)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        from allauth.account.models import EmailAddress

        if create:
            EmailAddress.objects.create(
                user=user, email=user.email, verified=True if extracted is None else extracted, primary=True
            )


class ApiKeyFactory(factory.Factory):
    """A key made by ``api_key_create``; its plaintext secret is on ``key.secret``."""

    class Meta:
        model = dict

    user = factory.SubFactory(UserFactory)
    name = "tests"
    scopes = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        from portal.apikeys.services import api_key_create

        key, secret = api_key_create(**kwargs)
        key.secret = secret
        return key


class ThreadFactory(factory.Factory):
    """A thread started through ``thread_create`` (its first post rendered and checked)."""

    class Meta:
        model = dict

    author = factory.SubFactory(UserFactory)
    category = None
    title = factory.Sequence(lambda n: f"How do I call the API, case {n}?")
    body = "I am trying to call the chat endpoint and would like an example."

    @classmethod
    def _create(cls, model_class, **kwargs):
        from community.forums.services import thread_create

        return thread_create(**kwargs)


def training_file(owner, examples: int = 12):
    """A small valid chat training file, uploaded through ``file_create``."""
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from sandbox.finetuning import services, testing

    content = "".join(json.dumps(row) + "\n" for row in testing.chat_dataset(examples)).encode()
    return services.file_create(owner=owner, upload=SimpleUploadedFile("d.jsonl", content), purpose="fine-tune")


class FineTuningJobFactory(factory.Factory):
    """A job created through ``finetune_job_create`` (from a new small file unless one is given)."""

    class Meta:
        model = dict

    owner = factory.SubFactory(UserFactory)
    model = "tiny-gpt"
    file = None

    @classmethod
    def _create(cls, model_class, *, owner, model, file):
        from sandbox.finetuning import services

        file = file or training_file(owner)
        job, _created = services.finetune_job_create(owner=owner, model=model, training_file=file.id)
        return job
