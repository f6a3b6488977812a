"""Rate-limit boosts: the /v1 limiter honours one as soon as it is granted and drops it
when it ends (real Redis, the site served by uvicorn in its own process)."""

import time
from datetime import timedelta
from decimal import Decimal

import httpx2 as httpx
import pytest
from django.conf import settings

from portal.apikeys.models import ApiKey
from portal.apikeys.services import api_key_create
from portal.redis_client import get_redis
from sandbox.gateway import boosts
from sandbox.gateway.ratelimit import Limits

pytestmark = pytest.mark.django_db(transaction=True)


def _models(v1, secret):
    return httpx.get(f"{v1}/models", headers={"Authorization": f"Bearer {secret}"}, timeout=30)


def test_a_boost_raises_the_limit_at_once_and_drops_when_it_ends(v1, user):
    """A key limited to 2 requests a minute is refused on its third; a x3 boost lets the
    next calls through at once (limit 6), and when the boost ends the limit is 2 again."""
    key, secret = api_key_create(user=user, name="boosted")
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_rpm=2)
    assert [_models(v1, secret).status_code for _ in range(3)] == [200, 200, 429]

    boost = boosts.rate_limit_boost_grant(
        user_id=user.pk, multiplier=Decimal("3"), duration=timedelta(seconds=3), reference="test:boost"
    )
    started = time.monotonic()
    boosted = [_models(v1, secret) for _ in range(4)]
    assert [r.status_code for r in boosted] == [200, 200, 200, 200]
    assert boosted[0].headers["x-ratelimit-limit-requests"] == "6"
    assert _models(v1, secret).status_code == 429  # six a minute, and no more

    # The cached multiplier lives exactly as long as the boost.
    ttl_ms = get_redis().pttl(boosts.cache_key(user.pk))
    assert 0 < ttl_ms <= 3000
    assert boost.ends - boost.starts == timedelta(seconds=3)

    time.sleep(max(0.0, 3.2 - (time.monotonic() - started)))
    after = _models(v1, secret)
    assert after.headers["x-ratelimit-limit-requests"] == "2"
    assert after.status_code == 429  # the bucket is cut back to the plain limit
    assert boosts.rate_limit_multiplier(user_id=user.pk) == 1


def test_the_account_limit_is_boosted_too(user):
    """Limits.for_grant multiplies the key's and the account's limits alike."""
    grant = type("Grant", (), {"rate_limit_rpm": 10, "rate_limit_tpm": None})()
    limits = Limits.for_grant(grant, multiplier=Decimal("2.5"))
    assert limits.key_rpm == 25
    assert limits.key_tpm == int(settings.RATE_LIMIT_KEY_TPM * 2.5)
    assert limits.account_rpm == int(settings.RATE_LIMIT_ACCOUNT_RPM * 2.5)
    assert limits.account_tpm == int(settings.RATE_LIMIT_ACCOUNT_TPM * 2.5)
    assert Limits.for_grant(grant) == Limits(
        10, settings.RATE_LIMIT_KEY_TPM, *[settings.RATE_LIMIT_ACCOUNT_RPM, settings.RATE_LIMIT_ACCOUNT_TPM]
    )


def test_a_grant_is_idempotent_and_a_second_one_extends(user):
    """The same reference grants once; another boost of the same size starts when the first ends."""
    first = boosts.rate_limit_boost_grant(
        user_id=user.pk, multiplier=Decimal("2"), duration=timedelta(hours=1), reference="r1"
    )
    again = boosts.rate_limit_boost_grant(
        user_id=user.pk, multiplier=Decimal("2"), duration=timedelta(hours=1), reference="r1"
    )
    assert again.pk == first.pk
    second = boosts.rate_limit_boost_grant(
        user_id=user.pk, multiplier=Decimal("2"), duration=timedelta(hours=1), reference="r2"
    )
    assert second.starts == first.ends
    assert boosts.rate_limit_multiplier(user_id=user.pk) == 2
    # Until the first ends: the cache expires then, and the second takes over from the table.
    assert get_redis().pttl(boosts.cache_key(user.pk)) <= 3_600_000


def test_no_boost_is_cached_and_a_grant_overwrites_it(user):
    """A member without a boost reads 1 (stored, so the next call asks no database); a grant
    replaces the stored value when it commits."""
    redis = get_redis()
    redis.delete(boosts.cache_key(user.pk))
    assert boosts.rate_limit_multiplier(user_id=user.pk) == 1
    assert redis.get(boosts.cache_key(user.pk)) == b"1"
    boosts.rate_limit_boost_grant(
        user_id=user.pk, multiplier=Decimal("1.5"), duration=timedelta(minutes=5), reference="r3"
    )
    assert redis.get(boosts.cache_key(user.pk)) == b"1.50"
    assert boosts.rate_limit_multiplier(user_id=user.pk) == Decimal("1.5")
