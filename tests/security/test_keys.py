"""API key format: a million generated keys never collide and all match the documented
format (`atr_live_` + 32 base62 + a 6-character checksum), and any single-character
mistake in a key is refused by the checksum alone, before Redis or the database."""

from __future__ import annotations

import asyncio
import random
import re

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import AuthenticationFailed

from portal.apikeys import keyformat
from portal.apikeys.selectors import aapi_key_grant, api_key_grant
from sandbox.gateway.auth import ApiKeyAuthentication, aauthenticate_secret

DOCUMENTED = re.compile(r"atr_live_[0-9A-Za-z]{32}[0-9A-Za-z]{6}")
GENERATED = 1_000_000
CORRUPTIONS = 100_000


def _corruptions(secret: str, rng: random.Random, count: int):
    """`count` keys that differ from `secret` by one typo: a substituted, deleted or
    inserted character, or two adjacent characters swapped."""
    made = 0
    while made < count:
        kind = made % 4
        at = rng.randrange(len(secret))
        if kind == 0:
            replacement = rng.choice(keyformat.ALPHABET + "_-")
            if replacement == secret[at]:
                continue
            typo = secret[:at] + replacement + secret[at + 1 :]
        elif kind == 1:
            typo = secret[:at] + secret[at + 1 :]
        elif kind == 2:
            typo = secret[:at] + rng.choice(keyformat.ALPHABET) + secret[at:]
        else:
            at = min(at, len(secret) - 2)
            if secret[at] == secret[at + 1]:
                continue
            typo = secret[:at] + secret[at + 1] + secret[at] + secret[at + 2 :]
        made += 1
        yield typo


def test_a_million_keys_are_unique_and_well_formed():
    """1,000,000 keys from the real generator: no two random parts alike, every key in the
    documented format with a valid checksum."""
    random_parts = set()
    prefix_length = len(keyformat.PREFIX)
    for _ in range(GENERATED):
        secret = keyformat.generate()
        assert DOCUMENTED.fullmatch(secret), secret
        body = secret[prefix_length:]
        assert keyformat.checksum(body[:32]) == body[32:], secret
        random_parts.add(body[:32])
    assert len(random_parts) == GENERATED


def test_single_character_typos_are_refused_by_the_checksum():
    """100,000 keys with one typo each (substitution, deletion, insertion, adjacent swap),
    from 1,000 valid keys: the format check refuses every one."""
    rng = random.Random(20240611)
    per_key = CORRUPTIONS // 1000
    accepted, tried = [], 0
    for _ in range(1000):
        secret = keyformat.generate()
        assert keyformat.is_well_formed(secret)
        for typo in _corruptions(secret, rng, per_key):
            tried += 1
            if keyformat.is_well_formed(typo):
                accepted.append((secret, typo))
    assert tried == CORRUPTIONS
    assert accepted == []


@pytest.mark.django_db
def test_a_mistyped_key_costs_no_query(django_assert_num_queries, user):
    """Through the real authentication paths (DRF for /v1 files and jobs, the async
    gateway, the selectors under both), a mistyped key is refused with no database query."""
    rng = random.Random(7)
    secret = keyformat.generate()
    typos = list(_corruptions(secret, rng, 40))
    factory = RequestFactory()
    for typo in typos:
        with django_assert_num_queries(0):
            assert api_key_grant(secret=typo) is None
            request = factory.get("/v1/files", HTTP_AUTHORIZATION=f"Bearer {typo}")
            with pytest.raises(AuthenticationFailed):
                ApiKeyAuthentication().authenticate(request)

    async def gateway():
        for typo in typos:
            assert await aapi_key_grant(secret=typo, redis=None) is None
            with pytest.raises(AuthenticationFailed):
                # `redis=None`: a lookup would fail loudly, so a refusal proves none was made.
                await aauthenticate_secret(f"Bearer {typo}", redis=None)

    with django_assert_num_queries(0):
        asyncio.run(gateway())


@pytest.mark.django_db
def test_a_mistyped_key_is_refused_over_http_without_a_query(client, django_assert_num_queries):
    """The whole request, middleware included: 401 in OpenAI's shape, no query."""
    typo = next(_corruptions(keyformat.generate(), random.Random(11), 1))
    # The error body's help link (`invalid_api_key`) is read once, then cached for every error.
    client.get("/v1/files", HTTP_AUTHORIZATION=f"Bearer {typo}")
    for path in ("/v1/files", "/v1/fine_tuning/jobs", "/v1/models"):
        with django_assert_num_queries(0):
            response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {typo}")
        assert response.status_code == 401, (path, response.content)
        assert response.json()["error"]["code"] == "invalid_api_key"


def test_keylike_text_is_redacted_even_when_mistyped():
    """What a client sends where no key belongs (a `model` name we meter) keeps no secret part."""
    secret = keyformat.generate()
    for text in (secret, secret[:-1], f"model={secret[:30]}!", f"{secret}x"):
        redacted = keyformat.redact_keylike(text)
        assert secret[len(keyformat.PREFIX) : len(keyformat.PREFIX) + 20] not in redacted, text
        assert keyformat.REDACTED in redacted
    assert keyformat.redact_keylike("atrium-gpt-mini") == "atrium-gpt-mini"
