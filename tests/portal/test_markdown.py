"""One Markdown renderer, three profiles (portal/markdown.py): our docs (trusted, richer),
members' posts (untrusted) and model cards (third-party, untrusted)."""

import pytest

from portal.markdown import DOCS, MEMBER, THIRD_PARTY, render_markdown

HOSTILE = (
    '<div class="container alert alert-danger">Site notice</div>\n\n'
    "[click](javascript:alert(1)) [ok](https://example.com/x)\n\n"
    '<img src="x" onerror="alert(2)"><script>alert(3)</script><!-- c -->'
)


@pytest.mark.parametrize("profile", [DOCS, MEMBER, THIRD_PARTY], ids=lambda p: p.name)
def test_every_profile_refuses_scripts_handlers_and_unsafe_schemes(profile):
    html = render_markdown(HOSTILE, profile=profile).html
    for bad in ("<script", "onerror", "javascript:", "<!--"):
        assert bad not in html


def test_model_cards_keep_no_layout_classes_and_links_are_nofollow():
    """A third-party README can neither borrow the site's classes nor pass on our ranking."""
    html = render_markdown("---\nlicense: mit\n---\n" + HOSTILE, profile=THIRD_PARTY).html
    assert "license: mit" not in html
    assert 'class="container' not in html and "alert-danger" not in html
    assert 'href="https://example.com/x" rel="nofollow ugc noopener"' in html


def test_code_in_untrusted_profiles_keeps_its_highlighting():
    html = render_markdown("```python\nprint('hi')\n```", profile=THIRD_PARTY).html
    assert '<div class="highlight">' in html and '<span class="nb">print</span>' in html


def test_docs_keep_their_richer_markup():
    rendered = render_markdown("## Install\n\n!!! note\n    Read me.\n\n[site](https://example.com)", profile=DOCS)
    assert rendered.toc == [{"id": "install", "name": "Install", "level": 2}]
    assert 'class="admonition note"' in rendered.html
    assert "nofollow" not in rendered.html


def test_a_member_cannot_forge_a_mention_link():
    """Only the mention extension makes mention links: an author's own anchor styled as one
    keeps its link but not the class (nor a place among the post's mentions)."""
    rendered = render_markdown('<a class="mention" href="/u/eve/">eve</a> and @ada', profile=MEMBER)
    assert rendered.mentions == {"ada"}
    assert '<a class="mention" href="/u/ada/"' in rendered.html
    assert 'class="mention" href="/u/eve/"' not in rendered.html and 'href="/u/eve/"' in rendered.html
