"""`manage.py seed_demo` creates the forum's categories, tags and threads, and can run twice."""

import pytest
from django.core.management import call_command

from community.forums import selectors
from community.forums.models import Category, CategoryKind, Thread

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    assert set(Category.objects.values_list("kind", flat=True)) == set(CategoryKind.values)
    assert Thread.objects.count() == 6  # five forum threads and the showcase demo entry's comments
    assert selectors.error_help_url(code="rate_limit_exceeded").endswith(
        f"#post-{Thread.objects.get(error_code='rate_limit_exceeded').accepted_answer_id}"
    )
