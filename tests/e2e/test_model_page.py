"""A model's page in Chromium: one title, the card's table and code styled, an API
example naming the model with Copy buttons, and "Open in Playground" choosing the model."""

import re

import pytest
from playwright.sync_api import expect

from sandbox.registry.models import HostedModel
from tests.e2e.test_playground import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/atrium-e2e"
CARD = """# Echo, priced

Repeats what you say.

| Property | Value |
|---|---|
| Context | 4096 tokens |

```python
print("hello")
```
"""


@pytest.fixture
def echo_models(transactional_db):
    """Two chat models, so that choosing one is not the Playground's default by chance."""
    common = {"backend": HostedModel.Backend.ECHO, "context_length": 4096, "max_output_tokens": 1000}
    return [
        HostedModel.objects.create(model_id="echo", **common),
        HostedModel.objects.create(model_id="echo-priced", display_name="Echo, priced", card=CARD, **common),
    ]


def test_model_page_opens_the_playground_with_that_model(page, asgi_server, celery_worker, echo_models):
    user = UserFactory(email="pg@example.org")
    log_in(page, asgi_server, user.email)

    page.goto(f"{asgi_server}/models/echo-priced/")
    # One title (the card's own is dropped); the card's table and code are styled.
    expect(page.get_by_role("heading", level=1)).to_have_text("Echo, priced")
    assert page.evaluate("getComputedStyle(document.querySelector('.model-card th')).borderBottomStyle") == "solid"
    assert page.evaluate("getComputedStyle(document.querySelector('.model-card .highlight')).borderTopStyle") == "solid"
    # The API example names this model, with a Copy button per tab.
    expect(page.locator(".model-samples")).to_contain_text("/v1/chat/completions")
    expect(page.locator(".model-samples")).to_contain_text('"model": "echo-priced"')
    expect(page.locator(".model-samples .copy-button").first).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}-model-page.png", full_page=True)
    page.get_by_role("link", name="Open in Playground").click()
    page.wait_for_url(re.compile(r".*/playground/\?model=echo-priced$"))
    expect(page.locator("#pg-model")).to_have_value("echo-priced")
