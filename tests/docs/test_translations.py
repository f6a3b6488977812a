"""Two languages: the site's chrome is complete in Simplified Chinese, the compiled .mo
is current, and Getting started reads in both languages."""

import os
import re
import shutil
from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from portal.docs.translations import catalogue_problems, catalogues

PO = "locale/zh_Hans/LC_MESSAGES/django.po"
SOURCES = ["portal", "community", "sandbox", "templates"]
IGNORE = ["*/content/*", "*/migrations/*"]


def test_chinese_catalogue_is_complete_with_matching_placeholders():
    assert [str(p).rsplit("locale/", 1)[1] for p in catalogues()] == ["zh_Hans/LC_MESSAGES/django.po"]
    assert catalogue_problems(catalogues()[0]) == []


def test_compiled_mo_matches_the_po():
    """The committed .mo (what Django reads) holds exactly the .po's translations."""
    po = polib.pofile(str(settings.BASE_DIR / PO))
    mo = polib.mofile(str(settings.BASE_DIR / PO).replace(".po", ".mo"))

    def table(catalogue):
        return {
            (e.msgctxt, e.msgid): (tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr)
            for e in catalogue
            if e.msgid and not e.obsolete
        }

    assert table(mo) == table(po)


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs GNU gettext's xgettext")
def test_every_translatable_string_of_the_site_is_in_the_catalogue(tmp_path, monkeypatch):
    """Extract the site's strings afresh: none may be missing from the committed .po.

    makemessages writes next to the `locale` folder it finds, so it runs in a scratch
    tree of links to the source folders with an empty `locale` of its own.
    """
    for name in SOURCES:
        (tmp_path / name).symlink_to(settings.BASE_DIR / name)
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], symlinks=True, ignore_patterns=IGNORE, verbosity=0)
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / PO))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(settings.BASE_DIR / PO)) if not e.obsolete}
    assert sorted(m for _c, m in fresh - committed) == [], "run makemessages -l zh_Hans and translate"


def test_ui_chrome_is_translated(client, db):
    client.cookies["django_language"] = "zh-hans"
    # The changelog stays in English: the page says so, in Chinese.
    html = client.get(reverse("docs:page", kwargs={"slug": "changelog"})).content.decode()
    assert '<html lang="zh-hans"' in html
    for text in ("文档", "本页内容", "此页面对你有帮助吗？", "编辑此页", "此页面尚未翻译，以英文显示。"):
        assert text in html, text
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"


def test_getting_started_in_both_languages(client, db):
    url = reverse("docs:page", kwargs={"slug": "getting-started"})
    english = client.get(url).content.decode()
    assert "<title>Getting started" in english and "Make your first call" in english

    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url).content.decode()
    assert "<title>快速入门" in chinese
    assert '<h2 id="4-make-your-first-call">4. 发起第一次调用' in chinese
    assert "此页面尚未翻译" not in chinese
    # Same anchors in both languages, so links and the TOC work across them.
    assert 'href="#2-create-an-api-key"' in chinese and 'href="#2-create-an-api-key"' in english


def test_language_switcher_changes_the_language(client, db):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/docs/getting-started/"})
    assert response.status_code == 302
    assert "快速入门" in client.get("/docs/getting-started/").content.decode()


def test_translated_pages_keep_the_english_anchors(db):
    """Links like /docs/errors/#invalid_api_key work whichever language the reader uses."""
    from portal.docs import pages

    translated = [p for p in pages.pages_all("zh-hans") if not p.is_translation_missing]
    assert {"getting-started", "authentication", "rate-limits", "errors"} <= {p.slug for p in translated}
    for page in translated:
        english = pages.page_get(page.slug, "en")
        anchors = [
            [entry["id"] for entry in pages.page_render(p, base_url="", api_key_hint="").toc] for p in (english, page)
        ]
        assert anchors[0] == anchors[1], page.slug


# --- Every user-visible string on the main pages, shipped content included ----------------
#
# The pages are rendered in Chinese, signed in and signed out, and every text a reader sees
# (text, and the placeholder, title, aria-label, alt and button-value attributes) is read
# for English words. What may stay English: the names below (products, protocols, units
# Chinese writing keeps), code (<code>, <pre>, <kbd>, <samp>) and identifiers marked
# translate="no" (a key's scopes), anything in an element whose lang says it is another
# language (the English-only docs pages, upstream model cards, the chooser's "English"),
# and user content, which the test knows because it wrote it.

ALLOWED_WORDS = {
    # Products, companies, formats and protocols, written as they are in Chinese text too.
    "Atrium", "OpenAI", "API", "APIs", "SDK", "SDKs", "Python", "JavaScript", "Node", "curl",
    "JSON", "JSONL", "HTTP", "HTTPS", "URL", "URLs", "Markdown", "GitHub", "Hugging", "Face",
    "LoRA", "CPU", "GPU", "CUDA", "Redis", "PostgreSQL", "Celery", "Bearer", "UTF", "ID", "IDs",
    "SmolLM", "SmolLM2", "Instruct", "MiniLM", "Echo", "Llama", "BPE", "GGUF", "Apache", "float",
    "bfloat", "OpenAPI", "Webhook", "Webhooks", "Enter", "Shift",
    # The communities the rewards are modelled on, and words Chinese writing keeps (Cookie, Wiki).
    "Stack", "Overflow", "Discourse", "Cookie", "Wiki",
    # The package a code tab uses, as the docs' tabs name it ("Python (openai)").
    "openai",
    # Chinese technical writing keeps "token", the sampling parameter Top P and units as they are.
    "token", "tokens", "Top", "ms",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# Chunks that are names, not words: ids and versions (digits), paths and URLs, handles,
# environment variables, file names, key prefixes; and acronyms (CI, GET, CSV).
NOT_PROSE = re.compile(r"\S*(?:\d|/|@|\$|_|\w\.\w)\S*|\b[A-Z]{2,}s?\b")
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "svg", "template", "noscript"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class _VisibleText(HTMLParser):
    """The texts a reader of ``language`` sees, skipping code and other-language elements."""

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language, self.stack, self.texts = language, [], []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skip = tag in SKIPPED_ELEMENTS or attrs.get("translate") == "no"
        skip = skip or (lang is not None and not lang.startswith(self.language[:2]))
        if not (skip or self._skipping()) and tag != "html":
            texts = [value for name, value in attrs.items() if name in VISIBLE_ATTRIBUTES and value]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                texts.append(attrs["value"])
            self.texts += [(tag, text) for text in texts]
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and not self._skipping():
            self.texts.append((self.stack[-1][0] if self.stack else "", data.strip()))


def english_on_page(html: str, *, allowed_texts=(), language: str = "zh-hans") -> list[str]:
    """The visible texts of ``html`` that hold an English word not allowed."""
    parser = _VisibleText(language)
    parser.feed(html)
    found = []
    for tag, text in parser.texts:
        rest = text
        for allowed in sorted(allowed_texts, key=len, reverse=True):
            rest = rest.replace(allowed, " ")
        words = [w for w in WORD.findall(NOT_PROSE.sub(" ", rest)) if w not in ALLOWED_WORDS]
        if words:
            found.append(f"<{tag}> {text[:120]!r}: {', '.join(dict.fromkeys(words))}")
    return list(dict.fromkeys(found))


SMOLLM2_FIGURES = {"parameters": 134515008, "layers": 30, "hidden": 576, "heads": 9, "kv_heads": 3}
SMOLLM2_FIGURES |= {"context": 8192, "vocab": 49152}


@pytest.fixture
def shipped_site(db):
    """The site as `make run` leaves it: demo accounts, categories and threads, the default
    models with the names and cards prepare_models stores, and a member with a key."""
    from django.core.management import call_command

    from sandbox.inference.defaults import ECHO_CARD, ECHO_DISPLAY_NAME, MINILM_ID, SMOLLM2_ID, minilm_path
    from sandbox.inference.defaults.smollm2 import MODEL_CARD
    from sandbox.registry.cards import card_from_weights
    from sandbox.registry.selectors import Backend, Task
    from sandbox.registry.services import hosted_model_register
    from tests.factories import ApiKeyFactory

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    hosted_model_register(
        model_id="echo", source="", display_name=ECHO_DISPLAY_NAME, backend=Backend.ECHO, card=ECHO_CARD
    )
    hosted_model_register(
        model_id=SMOLLM2_ID,
        source=f"atrium:{SMOLLM2_ID}",
        display_name="SmolLM2 135M Instruct",
        card=MODEL_CARD.format(**SMOLLM2_FIGURES),
    )
    hosted_model_register(
        model_id=MINILM_ID,
        source=f"atrium:{MINILM_ID}",
        display_name="all-MiniLM-L6-v2",
        task=Task.EMBEDDINGS,
        backend=Backend.SENTENCE_EMBEDDING,
        max_output_tokens=0,
        card=card_from_weights(minilm_path()),
    )
    member = get_user_model().objects.get(email="dev@atrium.local")
    ApiKeyFactory(user=member, name="ci")
    return member


def user_content() -> set[str]:
    """What members and staff wrote in the test's data: shown as written, in any language."""
    from community.forums.models import Tag, Thread
    from portal.accounts.models import Profile
    from portal.apikeys.models import ApiKey
    from sandbox.registry.models import HostedModel

    texts = set(Thread.objects.values_list("title", flat=True)) | set(Tag.objects.values_list("name", flat=True))
    for profile in Profile.objects.select_related("user"):
        texts |= {profile.display_name, profile.handle, profile.user.email}
    texts |= set(ApiKey.objects.values_list("name", flat=True))
    texts |= set(HostedModel.objects.values_list("model_id", flat=True))
    return {text for text in texts if text}


SIGNED_OUT_PAGES = ["/", "/docs/", "/docs/changelog/", "/community/", "/community/c/qanda/", "/models/"]
SIGNED_OUT_PAGES += ["/models/smollm2-135m-instruct/", "/models/echo/", "/models/all-minilm-l6-v2/"]
SIGNED_OUT_PAGES += ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/no-such-page/"]
SIGNED_OUT_PAGES += ["/rewards/badges/", "/rewards/badges/great-answer/", "/rewards/honors/"]
SIGNED_OUT_PAGES += ["/rewards/store/"]
SIGNED_OUT_PAGES += ["/rewards/levels/"]  # trust levels: each level, its privileges, the member's progress
SIGNED_OUT_PAGES += ["/community/bounties/", "/rewards/leaderboard/"]  # open bounties; this week's leaderboard
SIGNED_OUT_PAGES += ["/docs/credits/", "/docs/rewards/"]  # the rewards page's tables come from live rules and levels
SIGNED_OUT_PAGES += ["/events/", "/events/calendar/", "/events/?when=past"]  # the demo webinar, its month
SIGNED_IN_PAGES = [page for page in SIGNED_OUT_PAGES if not page.startswith("/accounts/")]
SIGNED_IN_PAGES += ["/playground/", "/keys/", "/usage/", "/settings/", "/settings/profile/", "/jobs/", "/jobs/new/"]
SIGNED_IN_PAGES += ["/rewards/", "/rewards/history/"]
SIGNED_IN_PAGES += [
    "/rewards/store/compute-credits-10/",
    "/rewards/store/atrium-t-shirt/",
    "/rewards/store/redemptions/",
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_the_main_pages_show_no_english_in_chinese(client, shipped_site, signed_in):
    """Chrome, shipped content (categories, model names and cards, docs titles) and every
    other visible string read in Chinese; only names, code and user content stay as written."""
    if signed_in:
        client.force_login(shipped_site)
    client.cookies["django_language"] = "zh-hans"
    allowed = user_content()
    problems = {}
    for url in SIGNED_IN_PAGES if signed_in else SIGNED_OUT_PAGES:
        response = client.get(url)
        assert response.status_code == (404 if url == "/no-such-page/" else 200), url
        html = response.content.decode()
        assert '<html lang="zh-hans"' in html, url
        if found := english_on_page(html, allowed_texts=allowed):
            problems[url] = found
    report = "\n".join(f"{url}\n  " + "\n  ".join(found) for url, found in problems.items())
    assert not problems, f"English on Chinese pages (translate it, or allow it in this test):\n{report}"


def shipped_without_translation(po: polib.POFile) -> list[str]:
    """The shipped texts (portal/shipped.py) that ``po`` does not translate."""
    from portal.shipped import shipped_texts

    translated = {e.msgid for e in po if e.msgid and not e.obsolete and e.translated()}
    return [text for text in shipped_texts() if text not in translated]


def test_every_shipped_text_has_a_chinese_translation():
    """Content the product writes to the database (categories, model names and cards, the
    ledger's reasons, English-only docs titles) is declared, and the catalogue translates it."""
    from community.forums.demo import CATEGORIES
    from portal.billing.models import REASON_MONTHLY_GRANT
    from portal.docs.pages import ENGLISH_ONLY_TITLES
    from portal.shipped import shipped_texts
    from sandbox.inference.defaults import ECHO_CARD, ECHO_DISPLAY_NAME
    from sandbox.inference.defaults.smollm2 import MODEL_CARD

    declared = {text for name, _kind, _color, description in CATEGORIES for text in (name, description)}
    declared |= {ECHO_DISPLAY_NAME, ECHO_CARD, MODEL_CARD, REASON_MONTHLY_GRANT, *ENGLISH_ONLY_TITLES}
    assert declared <= set(shipped_texts())
    assert shipped_without_translation(polib.pofile(str(settings.BASE_DIR / PO))) == []


def test_the_checks_fail_when_a_translation_is_missing():
    """Drop one shipped text's translation: the catalogue check names it, and the page check
    flags the English a Chinese reader would then see."""
    from community.forums.demo import CATEGORIES

    description = CATEGORIES[-1][3]
    po = polib.pofile(str(settings.BASE_DIR / PO))
    po.remove(po.find(description))
    assert shipped_without_translation(po) == [description]
    assert english_on_page(f'<html lang="zh-hans"><body><p>{description}</p></body></html>') == [
        f"<p> {description!r}: Show, what, you, built, on"
    ]
    with translation.override("zh-hans"):
        assert english_on_page(f"<p>{translation.gettext(description)}</p>") == []


def test_shipped_content_is_translated_until_staff_edit_it(client, db):
    """A shipped category reads in Chinese; one a manager renamed or rewrote shows as written."""
    from community.forums.models import Category

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    Category.objects.filter(slug="showcase").update(description="Demos, only demos.")
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("forums:index")).content.decode()
    assert "问答" in html and "提问如何使用 API、SDK 或微调完成某件事" in html
    assert "Demos, only demos." in html and "展示你在 Atrium 上构建的作品。" not in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("forums:index")).content.decode()
    assert "Q&amp;A" in html and "Ask how to do something with the API" in html


def test_a_shipped_card_keeps_its_figures_in_translation():
    from portal.shipped import shipped_translate
    from sandbox.inference.defaults.smollm2 import MODEL_CARD

    card = MODEL_CARD.format(**SMOLLM2_FIGURES)
    with translation.override("zh-hans"):
        chinese = shipped_translate(card)
        assert "**参数量：** 134,515,008（Llama 架构：30 层，隐藏维度 576" in chinese
        assert "远未达到 8,192 token 上限" in chinese
        edited = card.replace("Short, plain answers", "Short answers")
        assert shipped_translate(edited) == edited
