"""Errors meet answers in the docs: every code the API can return has its own anchor on
the errors page (English and Chinese), help_url falls back to it as an absolute URL, and
the page links a code's section to the answer staff verified for it (and only that)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from community.forums import services as forum_services
from community.forums.models import Category, CategoryKind
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from portal.docs.errorpage import error_codes_documented, error_explanation
from sandbox.gateway.errors import help_url
from tests.forums.conftest import make_member

ROOT = Path(__file__).resolve().parents[2]
# Where /v1 errors and failed jobs get their codes: OpenAIError(..., code="..."), worker
# error events {"code": "..."}, the ASGI guard's {"code": "..."} and DRF exceptions' openai_code.
CODE_PATTERN = re.compile(r'(?:\bcode=|"code":\s*|openai_code\s*=\s*)"([a-z_]+)"')
API_SOURCES = ["sandbox/gateway", "sandbox/inference", "sandbox/finetuning"]


def codes_the_api_returns() -> set[str]:
    codes = set()
    for folder in API_SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            codes |= set(CODE_PATTERN.findall(path.read_text()))
    return codes | {"client_closed_request"}  # recorded by the gateway for the request log


def test_the_scan_finds_the_codes_it_should():
    codes = codes_the_api_returns()
    assert {"invalid_api_key", "model_not_found", "unknown_url", "rate_limit_exceeded", "worker_lost"} <= codes
    assert len(codes) > 20


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_code_the_api_returns_has_an_anchor_on_the_errors_page(language):
    missing = codes_the_api_returns() - error_codes_documented(language)
    assert missing == set(), f"no section for {sorted(missing)} in {language}"


def test_help_url_falls_back_to_the_codes_section_as_an_absolute_url(db):
    assert help_url("model_unavailable") == f"{settings.SITE_URL.rstrip('/')}/docs/errors/#model_unavailable"


def test_a_codes_explanation_is_its_section_in_the_readers_language():
    assert "No model by that name" in error_explanation(code="model_not_found", language="en")
    assert "<h3" not in error_explanation(code="model_not_found", language="en")
    assert "client_closed_request" not in (error_explanation(code="model_not_found", language="en") or "")
    assert "分词器" in error_explanation(code="tokenizer_unavailable", language="zh-hans")
    assert error_explanation(code="no_such_code", language="en") is None


@pytest.fixture
def qa(db, settings):
    settings.FORUM_FLOOD_SECONDS = 0
    return Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)


def test_the_errors_page_links_a_code_to_the_answer_staff_verified_only(client, qa, django_assert_max_num_queries):
    asker, helper = make_member("asker@example.org", handle="asker"), make_member("helper@example.org", handle="helper")
    hijacker = make_member("mallory@example.org", handle="mallory")
    manager = user_set_role(user=make_member("cm@example.org", handle="cm"), role=Role.COMMUNITY_MANAGER)
    # A member's own accepted answer on another code links nothing.
    own = forum_services.thread_create(
        author=hijacker, category=qa, title="Fix for invalid_api_key", body="See below.", error_code="invalid_api_key"
    )
    forum_services.post_accept_answer(
        user=hijacker, post=forum_services.post_create(author=hijacker, thread=own, body="Log in at evil.example.")
    )
    thread = forum_services.thread_create(
        author=asker, category=qa, title="429 on every call", body="Why?", error_code="rate_limit_exceeded"
    )
    answer = forum_services.post_create(author=helper, thread=thread, body="Your key's limit is per minute.")
    forum_services.post_accept_answer(user=asker, post=answer)
    forum_services.error_answer_verify(staff=manager, post=answer)

    html = client.get(reverse("docs:page", kwargs={"slug": "errors"})).content.decode()
    section = html[html.index('id="rate_limit_exceeded"') : html.index('id="insufficient_quota"')]
    assert f"{thread.get_absolute_url()}#post-{answer.pk}" in section and "429 on every call" in section
    assert own.get_absolute_url() not in html
    assert (
        help_url("rate_limit_exceeded")
        == f"{settings.SITE_URL.rstrip('/')}{thread.get_absolute_url()}#post-{answer.pk}"
    )
    assert help_url("invalid_api_key").endswith("/docs/errors/#invalid_api_key")

    with django_assert_max_num_queries(0):  # cached: an error body reads no table
        help_url("rate_limit_exceeded")
        help_url("invalid_api_key")
