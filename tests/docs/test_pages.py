"""The docs pages as readers get them: navigation, TOC, anchors, tabs, prev/next, edit link."""

import re

import pytest
from django.urls import reverse

from portal.docs import pages

pytestmark = pytest.mark.django_db


def test_every_listed_page_renders_with_title_toc_and_pager(client):
    """Every page in the navigation renders, with its TOC and links to its neighbours."""
    for slug in pages.PAGE_ORDER:
        response = client.get(reverse("docs:page", kwargs={"slug": slug}))
        assert response.status_code == 200, slug
        html = response.content.decode()
        page = pages.page_get(slug)
        assert f"<title>{page.title}" in html
        assert 'aria-label="On this page"' in html, f"{slug} has no table of contents"
        previous, following = pages.neighbours(slug)
        if previous:
            assert f'rel="prev" href="/docs/{previous}/"' in html
        if following:
            assert f'rel="next" href="/docs/{following}/"' in html


def test_headings_have_anchors_listed_in_the_toc(client):
    html = client.get(reverse("docs:page", kwargs={"slug": "getting-started"})).content.decode()
    toc = html.split('aria-label="On this page"')[1]
    for anchor in ["1-create-an-account", "2-create-an-api-key", "4-make-your-first-call"]:
        assert re.search(rf'<h2 id="{anchor}">.*?<a class="headerlink" href="#{anchor}"', html), anchor
        assert f'href="#{anchor}"' in toc


def test_code_is_highlighted_in_tabs_readable_without_javascript(client):
    """Code tabs are radio inputs + labels (pure CSS), and code carries Pygments classes."""
    html = client.get(reverse("docs:page", kwargs={"slug": "getting-started"})).content.decode()
    labels = re.findall(r'<label for="__tabbed_\d+_\d+">([^<]+)</label>', html)
    assert labels[:4] == ["curl", "Python (openai)", "Python (huggingface_hub)", "JavaScript"]
    assert 'type="radio"' in html and "checked" in html
    # Pygments token classes: a Python keyword and a string.
    assert '<span class="kn">from</span>' in html
    assert '<span class="s2">' in html
    assert "/static/css/pygments.css" in html


def test_examples_show_this_sites_base_url(client):
    html = client.get(reverse("docs:page", kwargs={"slug": "getting-started"})).content.decode()
    assert "http://testserver/v1/chat/completions" in html
    assert "{{ base_url }}" not in html


def test_edit_link_points_at_the_source_file(client, settings):
    url = reverse("docs:page", kwargs={"slug": "rate-limits"})
    html = client.get(url).content.decode()
    assert 'href="/docs/rate-limits.md"' in html
    source = client.get("/docs/rate-limits.md")
    assert source["Content-Type"].startswith("text/plain")
    assert source.content.decode() == pages.page_get("rate-limits").path.read_text()

    settings.DOCS_EDIT_BASE_URL = "https://git.example.com/atrium/edit/main/"
    html = client.get(url).content.decode()
    assert 'href="https://git.example.com/atrium/edit/main/portal/docs/content/en/rate-limits.md"' in html


def test_unknown_page_is_404(client):
    assert client.get("/docs/no-such-page/").status_code == 404


def test_docs_home_lists_every_page(client):
    html = client.get(reverse("docs:home")).content.decode()
    for slug in pages.PAGE_ORDER:
        assert f'href="/docs/{slug}/"' in html


def test_error_help_url_page_exists(client):
    """The /v1 error shape's help_url defaults to /docs/errors/."""
    response = client.get("/docs/errors/")
    assert response.status_code == 200
    assert "invalid_api_key" in response.content.decode()


def test_every_api_error_code_in_the_code_has_a_section_on_the_errors_page(client):
    """Errors link to /docs/errors/#<code>: each code the /v1 API can return must have its
    anchor there, so no help_url points nowhere."""
    from pathlib import Path

    from django.conf import settings

    pattern = re.compile(r'(?:code=|openai_code = |"code": )"([a-z_]+)"')
    codes = set()
    for folder in ("sandbox", "portal/apikeys", "portal/billing"):
        for path in Path(settings.BASE_DIR, folder).rglob("*.py"):
            codes.update(pattern.findall(path.read_text()))
    assert {"invalid_api_key", "rate_limit_exceeded", "model_not_found"} <= codes
    for language in ("en", "zh-hans"):
        client.cookies["django_language"] = language
        html = client.get("/docs/errors/").content.decode()
        missing = sorted(code for code in codes if f'id="{code}"' not in html)
        assert missing == [], f"add a section with {{#code}} to portal/docs/content/{language}/errors.md"
