"""Training files are judged by their bytes, never by their name.

A file called `train.jsonl` that holds a PNG, a ZIP, random bytes, UTF-16 text or HTML
is refused with a 400 in OpenAI's shape that says what is wrong, and nothing is stored;
the upload forms of the site say the same. A valid JSONL file called `data.png` is
accepted as the JSONL it is: the name is only a label (stored as `<id>.jsonl`, served as
`application/jsonl`), so no name can make the site treat the bytes as anything else.
"""

from __future__ import annotations

import io
import json
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.apikeys.services import api_key_create
from sandbox.finetuning import testing
from sandbox.finetuning.models import TrainingFile
from sandbox.registry.models import HostedModel

pytestmark = pytest.mark.django_db


def _jsonl() -> bytes:
    return b"".join(json.dumps(example).encode() + b"\n" for example in testing.chat_dataset(12, seed=3))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "purple").save(out, format="PNG")
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("train.jsonl", _jsonl())
    return out.getvalue()


NOT_JSONL = {
    "png": (_png, "not valid UTF-8"),
    "zip": (_zip, "line 1:"),
    "garbage": (lambda: random.Random(5).randbytes(4096), "line 1:"),
    "utf16": (lambda: _jsonl().decode().encode("utf-16"), "not valid UTF-8"),
    "html": (lambda: b"<!doctype html>\n<html><body><script>alert(1)</script></body></html>\n", "invalid JSON"),
}


@pytest.fixture
def api(client, user, settings):
    settings.FINETUNE_MIN_EXAMPLES = 1
    _key, secret = api_key_create(user=user, name="uploads")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def _upload(client, name: str, content: bytes):
    return client.post(
        reverse("finetuning:api_files"), {"purpose": "fine-tune", "file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.parametrize("kind", sorted(NOT_JSONL))
def test_v1_refuses_a_file_named_jsonl_that_is_not(api, kind):
    content, says = NOT_JSONL[kind]
    response = _upload(api, "train.jsonl", content())
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "invalid_file" and error["param"] == "file"
    assert error["message"].startswith("Invalid training file:") and says in error["message"], error["message"]
    assert not TrainingFile.objects.exists()


@pytest.mark.parametrize("name", ["data.png", "index.html", "archive.zip", "noextension"])
def test_v1_judges_valid_jsonl_by_its_content_whatever_its_name(api, name):
    response = _upload(api, name, _jsonl())
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["filename"] == name and body["object"] == "file"
    stored = TrainingFile.objects.get(pk=body["id"])
    assert stored.format == TrainingFile.Format.CHAT and stored.example_count == 12
    assert stored.content.name.endswith(f"{stored.pk}.jsonl")
    content = api.get(reverse("finetuning:api_file_content", kwargs={"file_id": stored.pk}))
    assert content["Content-Type"] == "application/jsonl"
    assert content["X-Content-Type-Options"] == "nosniff"
    assert b"".join(content.streaming_content) == _jsonl()


@pytest.mark.parametrize("kind", sorted(NOT_JSONL))
def test_upload_pages_refuse_a_file_named_jsonl_that_is_not(client, user, settings, kind):
    """The files page and the new-job form run the same content checks."""
    settings.FINETUNE_MIN_EXAMPLES = 1
    client.force_login(user)
    content, says = NOT_JSONL[kind]
    response = client.post(reverse("finetuning:file_list"), {"file": SimpleUploadedFile("train.jsonl", content())})
    assert response.status_code == 200
    assert "Invalid training file:" in response.content.decode() and says in response.content.decode()
    HostedModel.objects.create(
        model_id="tiny-base", backend=HostedModel.Backend.CAUSAL_LM, source="atrium:smollm2-135m-instruct"
    )
    response = client.post(
        reverse("finetuning:job_create"), {"model": "tiny-base", "upload": SimpleUploadedFile("train.jsonl", content())}
    )
    assert response.status_code == 200
    assert "Invalid training file:" in response.content.decode() and says in response.content.decode()
    assert not TrainingFile.objects.exists()


def test_upload_page_accepts_valid_jsonl_named_png(client, user, settings):
    settings.FINETUNE_MIN_EXAMPLES = 1
    client.force_login(user)
    response = client.post(reverse("finetuning:file_list"), {"file": SimpleUploadedFile("data.png", _jsonl())})
    assert response.status_code == 302
    assert TrainingFile.objects.get().filename == "data.png"
