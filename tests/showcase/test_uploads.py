"""Screenshots are checked by their content (Pillow), within size and pixel limits, stored
re-encoded under names we make, and served as images only for entries the viewer may see."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from community.showcase import services
from community.showcase.images import screenshot_check
from community.showcase.models import Entry, Screenshot
from tests.showcase.conftest import png

pytestmark = pytest.mark.django_db


def test_a_text_file_named_png_is_refused(client, author, showcase_category):
    fake = SimpleUploadedFile("shot.png", b"<script>alert(1)</script> not an image", content_type="image/png")
    client.force_login(author)
    response = client.post(
        reverse("showcase:create"), {"title": "App", "tagline": "t", "description": "d", "screenshots": [fake]}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["screenshots"] == ["That file is not a PNG, JPEG or WebP image."]
    assert not Entry.objects.exists() and not Screenshot.objects.exists()


def test_an_oversized_image_is_refused(settings):
    settings.SHOWCASE_SCREENSHOT_MAX_BYTES = 1024
    big = png(size=(400, 400))
    big_bytes = SimpleUploadedFile("big.png", b"\0" * 2048 + big.read(), content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        screenshot_check(big_bytes)
    assert caught.value.code == "too_big"


def test_too_many_pixels_are_refused(settings):
    settings.SHOWCASE_SCREENSHOT_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError) as caught:
        screenshot_check(png(size=(200, 101)))
    assert caught.value.code == "too_many_pixels"


def test_formats_outside_the_allow_list_are_refused():
    with pytest.raises(ValidationError) as caught:
        screenshot_check(png(name="anim.png", fmt="GIF"))
    assert caught.value.code == "format"


def test_a_valid_png_is_kept_re_encoded_and_served_safely(client, author, voter, showcase_category):
    upload = png(name="../../etc/passwd.png", size=(120, 80))
    client.force_login(author)
    response = client.post(
        reverse("showcase:create"), {"title": "App", "tagline": "t", "description": "d", "screenshots": [upload]}
    )
    assert response.status_code == 302
    shot = Screenshot.objects.get()
    assert (shot.width, shot.height, shot.content_type) == (120, 80, "image/png")
    assert shot.image.name == f"showcase/{shot.token}.png"
    with shot.image.open("rb") as stored:
        assert Image.open(io.BytesIO(stored.read())).size == (120, 80)
    client.force_login(voter)
    served = client.get(shot.get_absolute_url())
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format == "PNG"
    # A hidden entry's screenshots are not served to others.
    services.entry_hide(actor=author, entry=shot.entry)
    assert client.get(shot.get_absolute_url()).status_code == 404
    wrong = reverse("showcase:screenshot", kwargs={"token": shot.token, "extension": "html"})
    client.force_login(author)
    assert client.get(wrong).status_code == 404


def test_metadata_and_appended_bytes_are_dropped():
    """What is stored is Pillow's encoding of the pixels: trailing bytes do not survive."""
    clean = png(size=(20, 20)).read()
    polyglot = SimpleUploadedFile("x.png", clean + b"<html><script>alert(1)</script>", content_type="image/png")
    checked = screenshot_check(polyglot)
    assert b"<script>" not in checked.content.read()


def test_at_most_six_screenshots(author, showcase_category):
    with pytest.raises(ValidationError) as caught:
        services.entry_create(
            author=author, title="App", tagline="t", description="d", screenshots=[png() for _ in range(7)]
        )
    assert "screenshots" in caught.value.message_dict
