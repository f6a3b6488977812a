"""Member Markdown renders to safe HTML: a corpus of XSS and Markdown-injection payloads
all come out inert, and the features members use (code, quotes, links, mentions) work."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from community.forums import services
from community.forums.services import publishing
from portal import markdown
from portal.markdown import MEMBER
from portal.markdown import render_markdown as _render


def render_markdown(text, **options):
    return _render(text, profile=MEMBER, **options)


SCHEMES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    " javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "\x01javascript:alert(1)",
    "javascript://%0aalert(1)",
    "livescript:alert(1)",
    "jav&#x0A;ascript:alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
    "file:///etc/passwd",
]
HANDLERS = [
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "onfocus",
    "onanimationstart",
    "onpointerenter",
    "ontoggle",
    "onbegin",
    "onwheel",
]

PAYLOADS = (
    [f"[click]({s})" for s in SCHEMES]
    + [f"![img]({s})" for s in SCHEMES]
    + [f'<a href="{s}">x</a>' for s in SCHEMES]
    + [f"[ref]\n\n[ref]: {s}" for s in SCHEMES[:6]]
    + [f"<{s}>" for s in SCHEMES[:4]]
    + [f'<img src=x {h}="alert(1)">' for h in HANDLERS]
    + [f"<div {h}=alert(1)>x</div>" for h in HANDLERS]
    + [f'<svg><a {h}="alert(1)">x</a></svg>' for h in HANDLERS[:4]]
    + [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</script>",
        "<<script>alert(1);//<</script>",
        "<iframe src=javascript:alert(1)></iframe>",
        "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
        "<object data=javascript:alert(1)>",
        "<embed src=javascript:alert(1)>",
        "<svg/onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<style>@import 'javascript:alert(1)';</style>",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<link rel=stylesheet href=javascript:alert(1)>",
        "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
        "<base href=javascript:alert(1)//>",
        "<form action=javascript:alert(1)><button>x</button></form>",
        "<input autofocus onfocus=alert(1)>",
        "<textarea autofocus onfocus=alert(1)>",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=alert(1)></video>",
        "<audio src=x onerror=alert(1)>",
        "<body onload=alert(1)>",
        "<marquee onstart=alert(1)>",
        "<isindex action=javascript:alert(1) type=image>",
        "<a href='javascript&#58;alert(1)'>x</a>",
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',  # noqa: E501
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<span style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</span>',
        '<div class="position-fixed top-0 start-0 w-100 h-100 bg-white">fake login</div>',
        '<a href="https://ok.example" class="btn btn-danger stretched-link">x</a>',
        '<img src="https://ok.example/a.png" style="x:expression(alert(1))">',
        '<a href="https://ok.example" target="_blank">x</a>',
        '<a href="https://ok.example" rel="opener">x</a>',
        "<!--<img src=x onerror=alert(1)>-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "`<script>alert(1)</script>`",
        "```html\n<script>alert(1)</script>\n```",
        "    <script>alert(1)</script>",
        "> <script>alert(1)</script>",
        "* <img src=x onerror=alert(1)>",
        "| a |\n|---|\n| <script>alert(1)</script> |",
        '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
        '![x](https://ok.example/a.png"onerror="alert(1))',
        "[x](<javascript:alert(1)>)",
        "[x]( javascript:alert(1) )",
        "[x](javascript:alert`1`)",
        "@<script>alert(1)</script>",
        "@ada<img src=x onerror=alert(1)>",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        "<template><script>alert(1)</script></template>",
        "<xmp><script>alert(1)</script></xmp>",
        "<plaintext><script>alert(1)</script>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<svg><set attributeName=href to=javascript:alert(1)>",
        '<a href="https://ok.example" onmouseover="alert(1)">hover</a>',
        '<img src="/media/forums/a.png" onload="alert(1)">',
        '<img srcset="javascript:alert(1)">',
        '<img src="http://tracker.example/pixel.gif">',
        "<button formaction=javascript:alert(1)>x</button>",
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<frameset onload=alert(1)>",
        "<table background=javascript:alert(1)>",
        '<div id="main">id clobbering</div>',
        '<img name="getElementById" src="https://ok.example/a.png">',
    ]
)

SAFE_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "div",
    "sup",
    "sub",
    "kbd",
}
SAFE_ATTRIBUTES = {"href", "title", "class", "rel", "src", "alt", "width", "height", "align", "start"}
SAFE_URL = re.compile(r"^(https?://|mailto:|/(?!/)|#|[\w./-]*$)", re.IGNORECASE)


class _Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _elements(html):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def test_the_corpus_has_at_least_100_payloads():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_inert(payload):
    """Nothing executable survives: no dangerous element, handler, style, scheme or layout class."""
    html = render_markdown(payload).html
    for tag, attrs in _elements(html):
        assert tag in SAFE_TAGS, html
        assert set(attrs) <= SAFE_ATTRIBUTES, html
        for name in ("href", "src"):
            if name in attrs:
                assert SAFE_URL.match(attrs[name].strip()), html
                squeezed = re.sub(r"[\x00-\x20]+", "", attrs[name])
                assert not re.match(r"(javascript|vbscript|data|livescript|file):", squeezed, re.IGNORECASE), html
        if tag == "img" and "src" in attrs:
            assert attrs["src"].startswith(("/media/", "https://")), html
        for css_class in (attrs.get("class") or "").split():
            assert css_class in {"highlight", "mention"} or len(css_class) <= 3 or css_class.startswith("language-"), (
                html
            )
        if tag == "a":
            assert attrs.get("rel") == "nofollow ugc noopener", html


def test_links_get_nofollow_ugc_noopener():
    html = render_markdown("[docs](https://atrium.example/docs)").html
    assert '<a href="https://atrium.example/docs" rel="nofollow ugc noopener">docs</a>' in html


def test_code_blocks_are_highlighted_and_escaped():
    html = render_markdown("```python\ndef f(x):\n    return '<b>'\n```").html
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_quotes_lists_and_tables_render():
    html = render_markdown("> quoted\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |").html
    assert "<blockquote>" in html and "<li>one</li>" in html and "<td>1</td>" in html


def test_mentions_link_known_handles_and_skip_code():
    rendered = render_markdown("hi @ada and @nobody, not `@grace`", known_handles={"ada", "grace"})
    assert rendered.mentions == {"ada"}
    assert '<a class="mention" href="/u/ada/"' in rendered.html
    assert "@nobody" in rendered.html and 'href="/u/nobody/"' not in rendered.html


def test_email_addresses_are_not_mentions():
    assert render_markdown("mail me at dev@ada.example").mentions == set()


def test_uploaded_and_https_images_are_kept():
    html = render_markdown("![a](/media/forums/2026/01/a.png) ![b](https://cdn.example/b.png)").html
    assert 'src="/media/forums/2026/01/a.png"' in html and 'src="https://cdn.example/b.png"' in html


@pytest.mark.django_db
def test_a_stored_payload_is_inert_on_the_thread_page(client, question, answerer):
    """End to end: a hostile reply is stored and served sanitized on the page."""
    services.post_create(
        author=answerer, thread=question, body='<img src=x onerror="alert(1)"> [x](javascript:alert(1))'
    )
    response = client.get(question.get_absolute_url())
    body = response.content.decode()
    assert "onerror" not in body and "javascript:alert" not in body


@pytest.mark.django_db
def test_preview_renders_with_the_same_sanitizer(client):
    response = client.post(reverse("forums:preview"), {"body": "**bold** <script>alert(1)</script>"})
    assert response.status_code == 200
    assert b"<strong>bold</strong>" in response.content and b"<script>" not in response.content


@pytest.fixture
def count_renders(monkeypatch):
    calls = []
    original = markdown.render_markdown

    def counting(source, **options):
        calls.append(source)
        return original(source, **options)

    monkeypatch.setattr(publishing, "render_markdown", counting)
    return calls


@pytest.mark.django_db
def test_a_post_is_rendered_once_per_write(count_renders, qa, asker, answerer):
    """Posting, mentioning a member and editing each render the body once."""
    thread = services.thread_create(author=asker, category=qa, title="One render", body="Plain question here.")
    assert len(count_renders) == 1
    count_renders.clear()
    reply = services.post_create(author=answerer, thread=thread, body="Ask @ada about it.")
    assert len(count_renders) == 1 and 'class="mention"' in reply.body_html
    count_renders.clear()
    services.post_edit(editor=answerer, post=reply, body="Ask @ada about it, or the docs.")
    assert len(count_renders) == 1


@pytest.mark.django_db
def test_a_handle_nobody_has_is_not_linked(count_renders, qa, asker):
    thread = services.thread_create(author=asker, category=qa, title="Ghost mention", body="Hi @nobody-here.")
    assert "/u/nobody-here/" not in thread.posts.get().body_html
    assert len(count_renders) == 2  # the rare second render un-links the unknown handle
