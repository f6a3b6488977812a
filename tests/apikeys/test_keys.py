from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.apikeys import keyformat
from portal.apikeys.models import ApiKey
from portal.apikeys.selectors import api_key_grant
from portal.apikeys.services import api_key_create, api_key_revoke, api_key_roll, api_keys_redact_leaked


def test_key_format_has_prefix_entropy_and_checksum():
    """Keys look like atr_live_<32 base62><6 checksum>; a one-character typo fails the checksum."""
    secret = keyformat.generate()
    assert secret.startswith("atr_live_") and len(secret) == 9 + 32 + 6
    assert keyformat.is_well_formed(secret)
    typo = secret[:12] + ("A" if secret[12] != "A" else "B") + secret[13:]
    assert not keyformat.is_well_formed(typo)
    assert not keyformat.is_well_formed("sk-" + secret)
    assert len({keyformat.generate() for _ in range(1000)}) == 1000


@pytest.mark.django_db
def test_malformed_key_is_refused_without_a_query():
    with CaptureQueriesContext(connection) as queries:
        assert api_key_grant(secret="atr_live_" + "x" * 38) is None
        assert api_key_grant(secret="not-a-key") is None
    assert len(queries) == 0


@pytest.mark.django_db
def test_create_stores_only_hash_and_prefix(user):
    key, secret = api_key_create(user=user, name="ci", scopes=["inference"])
    key.refresh_from_db()
    assert key.secret_hash == keyformat.hash_secret(secret)
    assert secret.startswith(key.prefix) and secret.endswith(key.last_four)
    assert secret not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    assert key.scopes == ["inference"]


@pytest.mark.django_db
def test_create_rejects_unknown_scope_and_past_expiry(user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_key_create(user=user, name="x", scopes=["admin"])
    with pytest.raises(ValidationError):
        api_key_create(user=user, name="x", expires_at=timezone.now() - timedelta(minutes=1))
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_revoke_updates_the_gateway_cache_at_once(user):
    key, secret = api_key_create(user=user, name="laptop")
    assert api_key_grant(secret=secret).revoked is False  # now cached
    api_key_revoke(key=key)
    assert api_key_grant(secret=secret).revoked is True


@pytest.mark.django_db
def test_roll_keeps_old_secret_for_the_overlap(user):
    key, old_secret = api_key_create(user=user, name="laptop", scopes=["inference", "files"])
    new_key, new_secret = api_key_roll(key=key, overlap=timedelta(hours=1))
    assert new_secret != old_secret and new_key.scopes == ["files", "inference"]
    old = api_key_grant(secret=old_secret)
    assert not old.revoked and old.expires_at == pytest.approx((timezone.now() + timedelta(hours=1)).timestamp(), abs=5)
    api_key_roll(key=new_key, overlap=timedelta(0))
    assert api_key_grant(secret=new_secret).revoked


@pytest.mark.django_db(transaction=True)
def test_leaked_keys_are_revoked_redacted_and_owner_told(user, other_user):
    key, secret = api_key_create(user=user, name="laptop")
    lookalike = "atr_live_" + "A" * 38
    text = f"my config: OPENAI_API_KEY={secret}\nand {lookalike}"
    redacted = api_keys_redact_leaked(text=text, source_url="https://example.com/t/1")
    assert secret not in redacted and keyformat.REDACTED in redacted
    assert lookalike in redacted  # not a real key: left alone
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert reverse("apikeys:roll", kwargs={"pk": key.pk}) in mail.outbox[0].body
    assert secret not in mail.outbox[0].body
    assert api_keys_redact_leaked(text="nothing here") == "nothing here"


@pytest.mark.django_db
def test_createapikey_command_prints_a_working_secret(user, capsys):
    call_command("createapikey", "--email", user.email, "--name", "script", "--scopes", "inference")
    secret = capsys.readouterr().out.strip()
    grant = api_key_grant(secret=secret)
    assert grant is not None and grant.scopes == ("inference",) and grant.user_id == user.pk
