"""Fixtures for API keys, credits and the gateway, shared by the conftest files of tests/apikeys, gateway, usage."""

from decimal import Decimal

import pytest

from tests.factories import ApiKeyFactory


@pytest.fixture
def api_key(user):
    """(ApiKey, plaintext secret) for ``user`` with the default scopes."""
    key = ApiKeyFactory(user=user, name="laptop")
    return key, key.secret


@pytest.fixture
def secret(api_key):
    return api_key[1]


@pytest.fixture
def echo_model(transactional_db):
    from sandbox.registry.models import HostedModel

    return HostedModel.objects.create(
        model_id="echo",
        backend=HostedModel.Backend.ECHO,
        context_length=64,
        max_output_tokens=32,
        price_per_1k_tokens=Decimal("0.5"),
    )
