"""A demo showcase entry for `make run` (called by `manage.py seed_demo`; safe to run again)."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from sandbox.registry.selectors import hosted_models_visible

from .models import Entry
from .services import entry_create, entry_edit

SLUG = "support-bot"  # the demo entry's slug (its title slugified)


def _screenshot() -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 360), "#f4f6fb")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 640, 48), fill="#1b6ec2")
    for row, width in enumerate((420, 300, 480, 260)):
        top = 80 + row * 60
        draw.rounded_rectangle((40 if row % 2 else 180, top, (40 if row % 2 else 180) + width, top + 40), 12, "#dde3f0")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("support-bot.png", out.getvalue(), content_type="image/png")


def seed(*, stdout) -> None:
    author = get_user_model().objects.filter(email="dev@atrium.local").first()
    if author is None:
        return
    # The default models are prepared after the demo data on the first start: the entry
    # names one from the next start on.
    models = list(hosted_models_visible(user=author).exclude(model_id="echo").values_list("model_id", flat=True)[:1])
    existing = Entry.objects.filter(slug=SLUG, author=author).first()
    if existing is not None:
        if models and not existing.model_ids:
            entry_edit(
                editor=author,
                entry=existing,
                title=existing.title,
                tagline=existing.tagline,
                description=existing.description,
                url=existing.url,
                repository_url=existing.repository_url,
                models=models,
                tags=[tag.name for tag in existing.tags.all()],
                verified_usage=existing.verified_usage,
            )
        return
    try:
        entry_create(
            author=author,
            title="Support bot",
            tagline="Answers customer questions from our docs, streaming replies in the chat widget.",
            description=(
                "A small support assistant built on Atrium's OpenAI-compatible API.\n\n"
                "- Retrieves the three closest docs sections with embeddings\n"
                "- Streams the answer into the widget\n"
                "- Falls back to a human when it is not sure\n"
            ),
            url="https://example.com/support-bot",
            repository_url="https://github.com/example/support-bot",
            models=models,
            tags=["chatbot", "python", "streaming"],
            screenshots=[_screenshot()],
            verified_usage=True,
        )
    except (ValidationError, PermissionDenied) as exc:  # demo data never blocks `make run`
        stdout.write(f"Showcase demo entry skipped: {exc}")
