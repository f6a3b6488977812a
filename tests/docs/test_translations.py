"""Two languages: the site's chrome is complete in Simplified Chinese, the compiled .mo
is current, and Getting started reads in both languages."""

import shutil

import polib
import pytest
from django.conf import settings
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


def test_translated_pages_keep_the_english_anchors():
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
