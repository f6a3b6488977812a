"""Demo forum content for `make run` (called by `manage.py seed_demo`; safe to run again)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from portal.shipped import shipped_register

from .models import Category, CategoryKind, ErrorAnswer, Post, Tag, Thread

# The categories the product ships with. Their names and descriptions are English in the
# database and shown in the reader's language until a manager edits them (portal/shipped.py).
CATEGORIES = [
    # name, kind, color, description
    (
        gettext_noop("Q&A"),
        CategoryKind.QA,
        "#0d7a5f",
        gettext_noop("Ask how to do something with the API, SDKs or fine-tuning; accept the answer that worked."),
    ),
    (
        gettext_noop("Discussions"),
        CategoryKind.DISCUSSION,
        "#3a2d8f",
        gettext_noop("Talk shop: prompts, evaluation, architectures, what you are building."),
    ),
    (
        gettext_noop("Announcements"),
        CategoryKind.ANNOUNCEMENT,
        "#b02a37",
        gettext_noop("News from the Atrium team: releases, deprecations, incidents."),
    ),
    (
        gettext_noop("Ideas & feedback"),
        CategoryKind.IDEAS,
        "#a15c00",
        gettext_noop("Suggest features and vote on others' ideas; staff reply with a status."),
    ),
    (gettext_noop("Showcase"), CategoryKind.SHOWCASE, "#1b6ec2", gettext_noop("Show what you built on Atrium.")),
]
shipped_register(*(text for name, _kind, _color, description in CATEGORIES for text in (name, description)))
TAGS = ["python", "javascript", "fine-tuning", "rate-limits", "streaming", "embeddings", "billing", "sdk"]

THREADS = [
    # category, author email, title, body, tags, error code, replies [(author, body, accept)]
    (
        "Q&A",
        "dev@atrium.local",
        "Getting 429 rate_limit_exceeded when batching requests",
        "I send about 50 requests in parallel with the Python SDK and get `429 rate_limit_exceeded` after the "
        "first few. How do I batch without hitting the limit?",
        ["python", "rate-limits"],
        "rate_limit_exceeded",
        [
            (
                "manager@atrium.local",
                "Retry with exponential backoff and keep concurrency under your tier's limit. The SDK can do it:\n\n"
                "```python\nfrom openai import OpenAI\n\n"
                'client = OpenAI(base_url="http://127.0.0.1:8000/v1", max_retries=5)\n```\n\n'
                "Also read the `x-ratelimit-remaining-requests` header to pace yourself.",
                True,
            )
        ],
    ),
    (
        "Q&A",
        "dev@atrium.local",
        "How long may a prompt be before context_length_exceeded?",
        "Where can I see the context window of each hosted model?",
        ["sdk"],
        "context_length_exceeded",
        [],
    ),
    (
        "Announcements",
        "manager@atrium.local",
        "Welcome to the Atrium community",
        "This is the place to ask questions, share what you build and tell us what to improve. "
        "Be kind, search before asking, and accept the answer that solved your problem.",
        [],
        "",
        [],
    ),
    (
        "Ideas & feedback",
        "dev@atrium.local",
        "Per-key spending limits",
        "I would like to cap the monthly spend of each API key separately, for CI keys.",
        ["billing"],
        "",
        [],
    ),
    (
        "Discussions",
        "manager@atrium.local",
        "What are you fine-tuning this month?",
        "Share your dataset size, LoRA rank and what worked.",
        ["fine-tuning"],
        "",
        [],
    ),
]


def seed(*, stdout) -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806

    for position, (name, kind, color, description) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slugify(name.replace("&", "and")),
            defaults={"name": name, "kind": kind, "color": color, "description": description, "position": position},
        )
    for tag in TAGS:
        Tag.objects.get_or_create(slug=tag, defaults={"name": tag})
    users = {u.email: u for u in User.objects.filter(email__in=["dev@atrium.local", "manager@atrium.local"])}
    if len(users) < 2:
        return
    from portal.markdown import MEMBER, render_markdown

    from .selectors import error_answer_digest
    from .services.posts import search_text_of

    for age, (cat_name, author, title, body, tags, code, replies) in enumerate(reversed(THREADS)):
        if Thread.objects.filter(title=title).exists():
            continue
        category = Category.objects.get(name=cat_name)
        # Spread over the last days, as a living forum would be (and outside flood windows).
        created = timezone.now() - timedelta(days=age + 1, hours=3)
        thread = Thread(
            category=category,
            author=users[author],
            title=title,
            error_code=code,
            last_poster=users[author],
            created_at=created,
            last_activity_at=created,
        )
        thread.save()
        thread.tags.set(Tag.objects.filter(slug__in=tags))
        # Direct writes: the demo skips flood limits and notifications, not rendering.
        first = Post.objects.create(
            thread=thread,
            author=users[author],
            is_first=True,
            body=body,
            body_html=render_markdown(body, profile=MEMBER).html,
            is_staff_reply=users[author].is_staff,
            created_at=created,
        )
        text = [search_text_of(first.body_html)]
        for n, (reply_author, reply_body, accept) in enumerate(replies, start=1):
            post = Post.objects.create(
                created_at=created + timedelta(hours=n),
                thread=thread,
                author=users[reply_author],
                body=reply_body,
                body_html=render_markdown(reply_body, profile=MEMBER).html,
                is_staff_reply=users[reply_author].is_staff,
            )
            text.append(search_text_of(post.body_html))
            thread.reply_count += 1
            if post.author_id != thread.author_id:  # as post_create counts a first response
                thread.first_response_at = thread.first_response_at or post.created_at
            thread.last_poster = users[reply_author]
            thread.last_activity_at = post.created_at
            if accept:
                thread.accepted_answer = post
        thread.search_text = "\n\n".join(text)
        thread.save()
        if code and thread.accepted_answer and not ErrorAnswer.objects.filter(error_code=code).exists():
            # The demo manager verified it for /v1 errors (which locks the thread).
            thread.is_locked = True
            thread.save(update_fields=["is_locked"])
            ErrorAnswer.objects.create(
                error_code=code,
                thread=thread,
                post=thread.accepted_answer,
                body_digest=error_answer_digest(thread.accepted_answer),
                verified_by=users["manager@atrium.local"],
            )
    stdout.write(f"Forums: {Category.objects.count()} categories, {Thread.objects.count()} threads.")
