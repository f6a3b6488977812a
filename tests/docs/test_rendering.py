"""Markdown rendering: anchors, TOC, highlighting, tabs, and no raw HTML getting through."""

from portal.docs import pages
from portal.markdown import DOCS
from portal.markdown import render_markdown as _render


def render_markdown(text, **options):
    return _render(text, profile=DOCS, **options)


HOSTILE = """
# Title

## Section one

<script>alert("owned")</script>
<img src="x.png" onerror="alert(1)">
<a href="javascript:alert(1)">click</a>
<iframe src="https://evil.example"></iframe>
<div style="position:fixed" onclick="steal()">overlay</div>

[a link](javascript:alert(2)) and [fine](https://example.com)

```python
print("<b>not bold</b>")
```
"""


def test_raw_html_and_script_urls_are_removed():
    html = render_markdown(HOSTILE).html
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onclick", "position:fixed"):
        assert bad not in html, bad
    assert '<a href="https://example.com">fine</a>' in html
    # Code is escaped, never interpreted.
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_headings_get_permalinks_and_toc_entries():
    rendered = render_markdown("# Page\n\n## First part\n\n### Detail {#custom}\n\n## Second\n")
    assert '<h2 id="first-part">First part<a class="headerlink" href="#first-part"' in rendered.html
    assert '<h3 id="custom">' in rendered.html
    assert rendered.toc == [
        {"id": "first-part", "name": "First part", "level": 2},
        {"id": "custom", "name": "Detail", "level": 3},
        {"id": "second", "name": "Second", "level": 2},
    ]


def test_code_is_highlighted_with_pygments_classes():
    html = render_markdown("```python\nimport os\n```\n").html
    assert '<div class="highlight"><pre>' in html
    assert '<span class="kn">import</span>' in html


def test_tabs_are_radio_inputs_with_labels():
    source = (
        '=== "curl"\n\n    ```bash\n    curl x\n    ```\n\n=== "JavaScript"\n\n    ```javascript\n    f()\n    ```\n'
    )
    html = render_markdown(source).html
    assert html.count('type="radio"') == 2
    assert '<label for="__tabbed_1_1">curl</label>' in html
    assert '<label for="__tabbed_1_2">JavaScript</label>' in html


def test_every_page_has_four_language_tabs_where_it_has_tabs(db):
    """Wherever a page shows code in tabs, all four languages are there, in the same order."""
    expected = ["curl", "Python (openai)", "Python (huggingface_hub)", "JavaScript"]
    for language in pages.languages_with_content():
        for page in pages.pages_all(language):
            html = pages.page_render(page, base_url="http://h/v1", api_key_hint="k").html
            sets = html.split('<div class="tabbed-set')[1:]
            for tab_set in sets:
                labels = [part.split("</label>")[0].split(">")[-1] for part in tab_set.split("<label")[1:]]
                assert labels == expected, (page.slug, labels)


def test_runnable_examples_are_extracted_personalized():
    page = pages.page_get("getting-started")
    examples = pages.runnable_examples(page, base_url="http://example.test/v1")
    assert [e.language for e in examples] == ["bash", "python", "python", "javascript"]
    assert all("http://example.test/v1" in e.code for e in examples)
    assert examples[1].code.startswith("import os\n")
