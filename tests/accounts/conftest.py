import re

import pytest

from tests.factories import PASSWORD, UserFactory

CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
NONCE_RE = re.compile(rb'nonce="[^"]+"')


def without_csrf(content: bytes) -> bytes:
    """A page's HTML with its per-request CSRF token and CSP nonce blanked out."""
    return NONCE_RE.sub(b'nonce=""', CSRF_RE.sub(b'name="csrfmiddlewaretoken" value=""', content))


@pytest.fixture
def new_password():
    return "a-much-longer-passphrase-2026"


@pytest.fixture
def developer(db):
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role

    return user_set_role(user=UserFactory(email="dev@example.com"), role=Role.DEVELOPER)


__all__ = ["PASSWORD", "without_csrf"]
