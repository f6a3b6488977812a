"""Showcase fixtures: members old enough to post, the forums' Showcase category, a model
in the registry, images made with Pillow, and activities delivered as the stream does."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.forums.models import Category, CategoryKind
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from sandbox.registry.models import HostedModel
from tests.badges.conftest import deliver  # noqa: F401 (activities through the real stream)
from tests.forums.conftest import _forum_settings, make_member  # noqa: F401


def png(name="shot.png", size=(64, 48), color="#1b6ec2", fmt="PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def showcase_category(db):
    return Category.objects.create(name="Showcase", slug="showcase", kind=CategoryKind.SHOWCASE)


@pytest.fixture
def model(db):
    return HostedModel.objects.create(model_id="atrium-chat", backend=HostedModel.Backend.ECHO)


@pytest.fixture
def author(db):
    return make_member("builder@example.com", handle="builder")


@pytest.fixture
def voter(db):
    return make_member("voter@example.com", handle="voter")


@pytest.fixture
def manager(db):
    user = make_member("cm@example.com", handle="cm")
    user_set_role(user=user, role=Role.COMMUNITY_MANAGER)
    return user


@pytest.fixture
def entry_data(model):
    return {
        "title": "Support bot",
        "tagline": "Answers questions from our docs.",
        "description": "Built with **streaming** replies.",
        "url": "https://example.com/bot",
        "repository_url": "https://github.com/example/bot",
        "models": [model.model_id],
        "tags": ["chatbot", "Python"],
    }


@pytest.fixture
def entry(author, showcase_category, entry_data):
    from community.showcase.services import entry_create

    return entry_create(author=author, **entry_data)
