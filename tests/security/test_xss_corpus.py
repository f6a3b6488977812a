"""Hostile text through every field that members (and staff) write and others read.

`xss_payloads.txt` holds one payload per line (the two characters `\\n` stand for a line
break): script tags, event handlers, `javascript:`/`data:`/`vbscript:` URLs in Markdown
links, images, autolinks and reference links, obfuscated schemes, attribute breakouts,
template injection, CSS, frames, `<base>`, meta refresh, forms, SVG and MathML, htmx
attributes, polyglots, Unicode tricks and the forum page cache's marker strings. Payload
N calls `alert(N)` / `prompt(N)` / `confirm(N)` or sets `window.__xss = N`.

The payloads go in through the apps' services, once for the whole module: thread titles
(Q&A and discussions), first posts, replies, quotes, edits and their history, display
names, bios, profile links, flag notes, moderation reasons, tags, search queries, docs
feedback comments, training file names, fine-tuning suffixes, API key names. Then:

- per field, the pages that show it are fetched with Django's client and parsed: no
  injected `<script>`, no `on*=` or `hx-on` attribute, no `javascript:`/`data:` URL, no
  frame, object, base or meta refresh, and no link to another site carrying a CSRF token;
- a sample of those pages (every kind, a bounded number) is opened in headless Chromium
  as each kind of reader (anonymous, member, owner, moderator, staff): no dialog opens,
  `window.__xss` stays unset, and the page stays where it was.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from community.forums import services as forums
from community.forums.models import Category, CategoryKind, Tag
from community.notifications.models import DigestFrequency, NotificationPreference
from community.trust.levels import Level
from portal.accounts.roles import Role
from portal.accounts.services import profile_update, user_set_role
from portal.apikeys.services import api_key_create
from portal.billing.services import credits_grant
from portal.docs.models import PageFeedback
from sandbox.finetuning import services as finetuning
from sandbox.finetuning import testing
from sandbox.registry.models import HostedModel
from tests.e2e.conftest import _orm_beside_playwright, browser  # noqa: F401 (fixtures)
from tests.factories import UserFactory
from tests.support.processes import start_asgi_server
from tests.support.trust import level_set

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
]
# Each test reads the module's committed corpus inside its own transaction (rolled back).
pytestmark = pytest.mark.django_db

PER_PAGE = 30  # topic lists, thread pages and notifications show 30 at a time
# How the apps refuse a payload (Django refuses some file names before the app sees them).
EXPECTED_ERRORS = (ValidationError, PermissionDenied, SuspiciousFileOperation, finetuning.FineTuningError)


# --- What counts as executable ----------------------------------------------------------------------

DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|livescript|data):", re.IGNORECASE)
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcdoc",
    "ping",
    "codebase",
    "cite",
    "to",
    "from",
    "values",
}
# Elements the site never renders: any one in a page came from a payload. (`<svg><use>`
# is left out: the admin draws its icons with it; a payload's `use href=data:` is caught
# as a script URL.)
FOREIGN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "math",
    "isindex",
    "xss",
    "marquee",
    "image",
    "animate",
    "set",
    "mglyph",
    "maction",
    "audio",
    "video",
}
RUNS_CODE = re.compile(r"\b(alert|prompt|confirm)\s*\(|__xss|expression\s*\(|javascript:", re.IGNORECASE)
TOKEN = re.compile(r"[A-Za-z0-9]{64}")


class _Scanner(HTMLParser):
    """Collects what a browser would run in a page: script elements, event-handler and
    htmx attributes, script URLs, foreign elements, and links to other sites."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self.csrf_tokens: set[str] = set()
        self.offsite_urls: list[str] = []
        self._in: str | None = None
        self._attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        attrs = {name.lower(): value or "" for name, value in attrs}
        if tag in FOREIGN_TAGS:
            self.findings.append(f"<{tag}> element")
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            self.findings.append("<meta http-equiv=refresh>")
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self.csrf_tokens.add(attrs.get("value", ""))
        for name, value in attrs.items():
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.findings.append(f"<{tag} {name}={value[:60]!r}>")
            compact = re.sub(r"[\x00-\x20]+", "", value)
            if name in URL_ATTRIBUTES and DANGEROUS_SCHEME.match(compact):
                self.findings.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "style" and RUNS_CODE.search(compact):
                self.findings.append(f"<{tag} style={value[:60]!r}>")
            if name in ("href", "src", "action") and "evil.example" in value:
                self.offsite_urls.append(value)
        if tag in ("script", "style"):
            self._in, self._attrs = tag, attrs
            if tag == "script" and attrs.get("src") and not attrs["src"].startswith("/static/"):
                self.findings.append(f"<script src={attrs['src'][:60]!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in and RUNS_CODE.search(data):
            self.findings.append(f"<{self._in}> running {data.strip()[:60]!r}")


def scan(html: str) -> list[str]:
    """What in this page would run, or carry a reader's CSRF token to another site."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    findings = list(scanner.findings)
    for url in scanner.offsite_urls:
        if any(token and token in url for token in scanner.csrf_tokens) or TOKEN.search(url):
            findings.append(f"CSRF token in a link to another site: {url[:120]!r}")
    return findings


# --- The corpus, written once for the module -----------------------------------------------------------


@dataclass(frozen=True)
class Page:
    viewer: str  # anon, reader, owner, moderator, manager
    path: str
    browser: bool = False  # also opened in Chromium
    post: dict | None = None  # form data, for pages that answer a POST (previews)


@dataclass
class Corpus:
    users: dict
    qa: Category
    discussions: Category
    pool: list = field(default_factory=list)
    sessions: dict = field(default_factory=dict)  # viewer -> session key, committed for the live site
    hello_thread: object = None
    hello_posts: list = field(default_factory=list)
    pages: dict = field(default_factory=dict)  # field name -> [Page]
    accepted: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)

    def user(self, viewer: str):
        """The reader behind a page's viewer name ("pool:<id>": a member of the pool)."""
        if viewer.startswith("pool:"):
            return next(u for u in self.pool if u.pk == int(viewer.removeprefix("pool:")))
        return self.users[viewer]

    def attempt(self, name: str, write) -> object | None:
        """Run one write of a payload; the app may refuse it (validation), which is safe."""
        try:
            result = write()
        except EXPECTED_ERRORS:
            self.refused[name] += 1
            return None
        self.accepted[name] += 1
        return result


def _member(email: str, handle: str, *, role: Role | None = None):
    user = UserFactory(email=email)
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    user.profile.handle = handle
    user.profile.save()
    if role is not None:
        user_set_role(user=user, role=role)
    # Members of some standing (trust level Member): the corpus posts hundreds of times, with
    # the links and images new members may not use.
    level_set(user, Level.MEMBER)
    # No mail: the corpus notifies hundreds of times.
    NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "email_reply": False,
            "email_mention": False,
            "email_accepted": False,
            "email_watched": False,
            "digest": DigestFrequency.OFF,
        },
    )
    return user


def _profile_set(user, **changes):
    profile = user.profile
    values = {name: getattr(profile, name) for name in ("display_name", "handle", "bio", "github", "website")}
    try:
        return profile_update(profile=profile, **(values | changes))
    except ValidationError:
        profile.refresh_from_db()
        raise


def _pages(path: str, count: int, viewer: str, *, browser_pages: int = 1) -> list[Page]:
    sep = "&" if "?" in path else "?"
    return [
        Page(viewer, path if n == 1 else f"{path}{sep}page={n}", browser=n <= browser_pages)
        for n in range(1, max(count, 1) + 1)
    ]


def _thread_pages(thread, viewer: str, *, browser_pages: int = 1) -> list[Page]:
    return _pages(
        thread.get_absolute_url(), math.ceil(thread.posts.count() / PER_PAGE), viewer, browser_pages=browser_pages
    )


def _jsonl() -> bytes:
    return b"".join(json.dumps(example).encode() + b"\n" for example in testing.chat_dataset(2, seed=9))


def build_thread_titles(c: Corpus) -> list[Page]:
    owner, reader = c.users["owner"], c.users["reader"]
    for category in (c.qa, c.discussions):
        forums.watch_toggle(user=reader, category=category)
    threads = []
    for n, payload in enumerate(PAYLOADS, start=1):
        category = c.qa if n % 2 else c.discussions
        body = f"Thread number {n} about streaming."
        thread = c.attempt(
            "thread_title",
            lambda t=payload, g=category, b=body: forums.thread_create(author=owner, category=g, title=t, body=b),
        )
        threads.append(thread)
    lists = math.ceil(len(PAYLOADS) / 2 / PER_PAGE)
    return [
        *_pages(c.qa.get_absolute_url(), lists, "anon", browser_pages=lists),
        *_pages(c.discussions.get_absolute_url(), lists, "reader", browser_pages=lists),
        Page("anon", "/community/", browser=True),
        *_pages("/notifications/", math.ceil(len(PAYLOADS) / PER_PAGE), "reader", browser_pages=2),
        Page("anon", "/community/search/?q=streaming", browser=True),
        Page("manager", "/community/manage/unanswered/", browser=True),
        Page("manager", "/dashboard/", browser=True),
        *(Page("anon", t.get_absolute_url()) for t in threads if t is not None),
    ]


def build_post_bodies(c: Corpus) -> list[Page]:
    owner, reader = c.users["owner"], c.users["reader"]
    qa = forums.thread_create(author=owner, category=c.qa, title="Replies in Q&A", body="Collecting answers.")
    talk = forums.thread_create(author=reader, category=c.discussions, title="Replies here", body="Say anything.")
    # Odd payloads answer in Q&A (votes, accept), even ones in a discussion; the first
    # post of build_first_post_quote_and_edit holds all of them together.
    for n, payload in enumerate(PAYLOADS, start=1):
        author, thread = (reader, qa) if n % 2 else (owner, talk)
        c.attempt("post_body", lambda a=author, t=thread, p=payload: forums.post_create(author=a, thread=t, body=p))
    return [
        *_thread_pages(qa, "owner", browser_pages=5),
        *_thread_pages(qa, "reader", browser_pages=2),
        *_thread_pages(talk, "anon", browser_pages=5),
        *_thread_pages(talk, "owner"),
    ]


def build_first_post_quote_and_edit(c: Corpus) -> list[Page]:
    """Every payload in one body: the first post, the reply form quoting it, the edit
    form, the edit history, the preview."""
    owner, reader = c.users["owner"], c.users["reader"]
    body = "\n\n".join(PAYLOADS)
    name = "first_post_quote_edit_preview"
    thread = c.attempt(
        name, lambda: forums.thread_create(author=owner, category=c.discussions, title="Everything at once", body=body)
    )
    first = thread.posts.get(is_first=True)
    c.attempt(f"{name}:edit", lambda: forums.post_edit(editor=owner, post=first, body="\n\n".join(reversed(PAYLOADS))))
    c.attempt(f"{name}:quote", lambda: forums.post_create(author=reader, thread=thread, body=f"Quoting:\n\n> {body}"))
    url = thread.get_absolute_url()
    return [
        Page("anon", url, browser=True),
        Page("owner", url, browser=True),
        Page("moderator", url, browser=True),
        Page("reader", f"{url}?quote={first.pk}", browser=True),
        Page("owner", f"/community/p/{first.pk}/edit/", browser=True),
        Page("anon", f"/community/p/{first.pk}/history/", browser=True),
        Page("reader", "/community/preview/", post={"body": body}),
    ]


def build_display_names(c: Corpus) -> list[Page]:
    """Each member of the pool takes a payload as display name and says hello in one
    thread (shown beside their posts, in lists and on their profile)."""
    owner = c.users["owner"]
    thread = forums.thread_create(author=owner, category=c.discussions, title="Say hello", body="Introduce yourselves.")
    c.hello_thread = thread
    for n, (user, payload) in enumerate(zip(c.pool, PAYLOADS, strict=True), start=1):
        if c.attempt("display_name", lambda u=user, p=payload: _profile_set(u, display_name=p)) is None:
            continue
        c.hello_posts.append(forums.post_create(author=user, thread=thread, body=f"Hello from member {n}."))
        # Replying watches the thread; unwatching keeps each later hello from notifying everyone before.
        forums.watch_toggle(user=user, thread=thread)
    return [
        *_thread_pages(thread, "anon", browser_pages=3),
        Page("anon", c.discussions.get_absolute_url(), browser=True),
        *(Page("anon", u.profile.get_absolute_url()) for u in c.pool),
    ]


def build_bios(c: Corpus) -> list[Page]:
    chunks, current = [], ""
    for payload in PAYLOADS:
        if len(current) + len(payload) + 1 > 2000:
            chunks.append(current)
            current = ""
        current += payload + "\n"
    chunks.append(current)
    pages = []
    for k, chunk in enumerate(chunks):
        user = _member(f"bio{k}@example.org", f"bio-{k}")
        c.attempt("bio", lambda user=user, chunk=chunk: _profile_set(user, bio=chunk))
        pages.append(Page("anon", user.profile.get_absolute_url(), browser=True))
    return pages


def build_profile_links(c: Corpus) -> list[Page]:
    pages = []
    for user, payload in zip(c.pool, PAYLOADS, strict=True):
        path = "".join(payload.split())
        website = c.attempt(
            "profile_links:website", lambda u=user, p=path: _profile_set(u, website=f"https://example.org/{p}")
        )
        c.attempt("profile_links:handle", lambda u=user, p=payload: _profile_set(u, handle=p))
        github = c.attempt(
            "profile_links:github", lambda u=user, p=path: _profile_set(u, github=f"https://github.com/{p}")
        )
        accepted = website is not None or github is not None
        pages.append(Page("anon", user.profile.get_absolute_url(), browser=accepted and len(pages) < 12))
    return pages


def build_flag_notes(c: Corpus) -> list[Page]:
    owner = c.users["owner"]
    thread = forums.thread_create(author=owner, category=c.qa, title="Flag me", body="Please flag the reply.")
    target = forums.post_create(author=owner, thread=thread, body="A reply to flag.")
    for user, payload in zip(c.pool, PAYLOADS, strict=True):
        c.attempt(
            "flag_note", lambda u=user, p=payload: forums.post_flag(reporter=u, post=target, reason="other", note=p)
        )
    return [Page("moderator", "/community/mod/flags/", browser=True), Page("manager", "/community/mod/flags/")]


def build_moderation_reasons(c: Corpus) -> list[Page]:
    """A moderator hides every hello of build_display_names with a payload as the reason:
    the log, the author's notification and the hidden post (for moderators) show it."""
    moderator = c.users["moderator"]
    for post, payload in zip(c.hello_posts, PAYLOADS, strict=False):
        c.attempt("hide_reason", lambda p=post, r=payload: forums.post_hide(moderator=moderator, post=p, reason=r))
    authors = [post.author for post in c.hello_posts[:10]]
    return [
        *_pages("/community/mod/log/", math.ceil(len(c.hello_posts) / 50), "moderator", browser_pages=3),
        *_thread_pages(c.hello_thread, "moderator", browser_pages=5),
        *(Page(f"pool:{author.pk}", "/notifications/", browser=n < 2) for n, author in enumerate(authors)),
    ]


def build_tags(c: Corpus) -> list[Page]:
    manager, owner = c.users["manager"], c.users["owner"]
    for payload in PAYLOADS:
        c.attempt("tag", lambda p=payload: forums.tag_create(user=manager, name=p))
    tags = list(Tag.objects.all())
    thread = forums.thread_create(author=owner, category=c.qa, title="Tagged with everything", body="Tags.", tags=tags)
    return [
        Page("manager", "/community/manage/taxonomy/", browser=True),
        Page("anon", thread.get_absolute_url(), browser=True),
        Page("anon", c.qa.get_absolute_url(), browser=True),
        *(Page("anon", f"/community/?{urlencode({'tag': t.slug})}") for t in tags),
    ]


def build_search_queries(c: Corpus) -> list[Page]:
    pages = []
    breakouts = [p for p in PAYLOADS if any(s in p for s in ('"', "'", "</"))][:5]
    for payload in PAYLOADS:
        sample = payload in breakouts
        pages += [
            Page("anon", f"/community/search/?{urlencode({'q': payload})}", browser=sample),
            Page("anon", f"/docs/search/?{urlencode({'q': payload})}", browser=sample),
            Page("anon", f"/community/similar/?{urlencode({'title': payload + ' streaming'})}"),
        ]
    c.accepted["search_query"] = len(PAYLOADS)
    return pages


def build_docs_feedback(c: Corpus) -> list[Page]:
    # page_feedback_create needs the reader's request (one answer per visitor and day);
    # the rows are what it stores.
    PageFeedback.objects.bulk_create(
        PageFeedback(page_slug="getting-started", language="en", helpful=False, comment=p, visitor=f"v{n}")
        for n, p in enumerate(PAYLOADS)
    )
    c.accepted["docs_feedback"] = len(PAYLOADS)
    return [
        Page("manager", "/admin/docs/pagefeedback/", browser=True),
        Page("manager", "/admin/docs/pagefeedback/?p=2", browser=True),
        Page("manager", "/dashboard/"),
    ]


def build_training_files_and_suffixes(c: Corpus) -> list[Page]:
    owner = c.users["owner"]
    HostedModel.objects.create(
        model_id="tiny-base", backend=HostedModel.Backend.CAUSAL_LM, source="atrium:smollm2-135m-instruct"
    )
    credits_grant(user=owner, amount=Decimal("1000"), reason="tests")
    files = []
    for payload in PAYLOADS:

        def upload(name=payload):
            file = SimpleUploadedFile(name.replace("\n", " "), _jsonl(), content_type="application/jsonl")
            return finetuning.file_create(owner=owner, upload=file, purpose="fine-tune")

        files.append(c.attempt("file_name_and_job_suffix", upload))
    first = next(f for f in files if f is not None)
    for payload in PAYLOADS:
        c.attempt(
            "file_name_and_job_suffix:job_suffix",
            lambda p=payload: finetuning.finetune_job_create(
                owner=owner, model="tiny-base", training_file=first.id, suffix=p
            ),
        )
    job, _created = finetuning.finetune_job_create(owner=owner, model="tiny-base", training_file=first.id, suffix="ok")
    return [
        Page("owner", "/files/", browser=True),
        Page("owner", "/jobs/new/", browser=True),
        Page("owner", "/jobs/", browser=True),
        Page("owner", job.get_absolute_url(), browser=True),
    ]


def build_api_key_names(c: Corpus) -> list[Page]:
    owner = c.users["owner"]
    keys = [c.attempt("api_key_name", lambda p=payload: api_key_create(user=owner, name=p)) for payload in PAYLOADS]
    return [
        Page("owner", "/keys/", browser=True),
        *(Page("owner", f"/keys/{key.pk}/roll/") for key, _secret in filter(None, keys)),
    ]


FIELDS = {
    "thread_title": build_thread_titles,
    "post_body": build_post_bodies,
    "first_post_quote_edit_preview": build_first_post_quote_and_edit,
    "display_name": build_display_names,
    "bio": build_bios,
    "profile_links": build_profile_links,
    "flag_note": build_flag_notes,
    "hide_reason": build_moderation_reasons,
    "tag": build_tags,
    "search_query": build_search_queries,
    "docs_feedback": build_docs_feedback,
    "file_name_and_job_suffix": build_training_files_and_suffixes,
    "api_key_name": build_api_key_names,
}
# Fields whose service refuses every payload (nothing hostile can be stored), and why.
REFUSED_ENTIRELY = {
    "file_name_and_job_suffix:job_suffix": "a suffix may hold only letters, digits, - and _",
    "profile_links:handle": "a handle is a slug (handle_format_validator)",
}


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """Every field filled with every payload, committed (the live server reads it), and
    the database flushed when the module is done."""
    overrides = override_settings(
        FORUM_FLOOD_SECONDS=0,
        FINETUNE_MIN_EXAMPLES=1,
        FINETUNE_TRAINING_QUEUE="security-tests-unconsumed",  # no worker trains these jobs
    )
    with django_db_blocker.unblock(), overrides:
        users = {
            "owner": _member("ada@example.org", "ada"),
            "reader": _member("bob@example.org", "bob"),
            "moderator": _member("mod@example.org", "mod", role=Role.MODERATOR),
            "manager": _member("manager@example.org", "manager", role=Role.COMMUNITY_MANAGER),
        }
        c = Corpus(
            users=users,
            qa=Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA),
            discussions=Category.objects.create(name="Discussions", slug="discussions", kind=CategoryKind.DISCUSSION),
        )
        c.pool = [_member(f"m{n}@example.org", f"member-{n}") for n in range(1, len(PAYLOADS) + 1)]
        for name, build in FIELDS.items():
            c.pages[name] = build(c)
        viewers = {page.viewer for pages in c.pages.values() for page in pages if page.browser} - {"anon"}
        for viewer in viewers:
            client = Client()
            client.force_login(c.user(viewer))
            c.sessions[viewer] = client.cookies[settings.SESSION_COOKIE_NAME].value
        try:
            yield c
        finally:
            call_command("flush", interactive=False, verbosity=0)


def _client(c: Corpus, viewer: str) -> Client:
    client = Client()
    if viewer != "anon":
        client.force_login(c.user(viewer))
    return client


# --- Tests -------------------------------------------------------------------------------------------------


def test_the_corpus_is_numbered_and_large_enough():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    for n, payload in enumerate(PAYLOADS, start=1):
        # Each payload names its own number, so a dialog or marker tells which one ran.
        assert re.search(rf"(?<!\d){n}(?!\d)", payload), (n, payload)
    assert any("\ue0f0csrf\ue0f1" in p for p in PAYLOADS) and any("<!--fc:own:1-->" in p for p in PAYLOADS)


@pytest.mark.parametrize("name", FIELDS)
def test_rendered_html_runs_no_payload(name, corpus):
    """The pages showing the field hold no script, handler, script URL or foreign element
    of a payload, and no link that would carry the reader's CSRF token off the site."""
    pages = corpus.pages[name]
    assert pages
    findings = []
    clients = {}
    for page in pages:
        client = clients.setdefault(page.viewer, _client(corpus, page.viewer))
        response = client.post(page.path, page.post) if page.post else client.get(page.path, follow=True)
        assert response.status_code == 200, (page, response.status_code)
        html = response.content.decode()
        findings += [(page.viewer, page.path, finding) for finding in scan(html)]
    assert findings == []
    stored = sum(count for key, count in corpus.accepted.items() if key.split(":")[0] == name)
    assert stored, f"no payload of {name} was stored: the test would prove nothing"


def test_the_scanner_sees_what_would_run():
    """Raw (unescaped, unsanitized) payloads are flagged: the page checks are not blind."""
    flagged = [n for n, payload in enumerate(PAYLOADS, start=1) if scan(f"<div>{payload}</div>")]
    for n in (1, 11, 15, 19, 21, 31, 33, 36, 37, 38, 39, 41, 47, 48, 49, 76, 77, 85, 89, 122, 123):
        assert n in flagged, (n, PAYLOADS[n - 1])
    assert len(flagged) >= len(PAYLOADS) * 0.6
    token = "T" * 64
    assert scan(f'<input name=csrfmiddlewaretoken value="{token}"><a href="http://evil.example/?t={token}">x</a>')
    assert not scan('<a href="/community/">x</a><script src="/static/js/site.js"></script>')


def test_fields_store_the_payloads(corpus):
    """Most payloads are stored as written (so the pages above really show them); the
    fields that refuse them all say why."""
    for name, refused in corpus.refused.items():
        if corpus.accepted[name] == 0:
            assert name in REFUSED_ENTIRELY, (name, refused)
    for name in ("thread_title", "post_body", "display_name", "flag_note", "hide_reason", "api_key_name"):
        assert corpus.accepted[name] >= len(PAYLOADS) * 0.5, (name, corpus.accepted[name], corpus.refused[name])


@pytest.fixture(scope="module")
def site(corpus):
    """The site as it is deployed (uvicorn, ASGI), on the corpus's committed rows."""
    server, url = start_asgi_server()
    yield url
    server.stop()


@pytest.mark.e2e
def test_no_payload_runs_in_the_browser(corpus, browser, site):  # noqa: F811
    """Each kind of page, as each kind of reader, in Chromium: no dialog, no marker, no navigation."""
    fired, visited = [], 0
    contexts = {}
    _preflight(browser)
    try:
        for name, pages in corpus.pages.items():
            for page in pages:
                if not page.browser:
                    continue
                if page.viewer not in contexts:
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    if page.viewer != "anon":
                        session = corpus.sessions[page.viewer]
                        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}])
                    tab = context.new_page()
                    tab.set_default_timeout(15_000)
                    tab.on(
                        "dialog", lambda dialog, tab=tab: (fired.append((tab.url, dialog.message)), dialog.dismiss())
                    )
                    contexts[page.viewer] = (context, tab)
                _context, tab = contexts[page.viewer]
                url = f"{site}{page.path}"
                response = tab.goto(url, wait_until="load")
                assert response is not None and response.status < 400, (name, page, response and response.status)
                marker, leaks = tab.evaluate(AFTER_LOAD)
                if marker is not None:
                    fired.append((page.path, f"window.__xss = {marker}"))
                fired.extend((page.path, f"CSRF token sent to {url}") for url in leaks)
                visited += 1
                if not tab.url.startswith(site):
                    fired.append((page.path, f"navigated to {tab.url}"))
    finally:
        for context, _tab in contexts.values():
            context.close()
    assert fired == []
    assert visited >= 40


# After load: two animation frames let autofocus, toggle and error events run; then the
# marker, and any link to another site that carries a CSRF token of the page.
AFTER_LOAD = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
    const tokens = [...document.querySelectorAll("input[name=csrfmiddlewaretoken]")].map(i => i.value);
    const urls = [...document.querySelectorAll("[href*='evil.example'], [src*='evil.example']")]
        .map(e => e.getAttribute("href") || e.getAttribute("src"));
    const leaks = urls.filter(u => /[A-Za-z0-9]{64}/.test(u) || tokens.some(t => t && u.includes(t)));
    done([window.__xss ?? null, leaks]);
})))"""


def _preflight(browser):  # noqa: F811
    """The detectors work: a page that does run a payload is caught."""
    context = browser.new_context()
    try:
        tab, fired = context.new_page(), []
        tab.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
        tab.set_content(
            '<img src=x onerror=alert(1)><details open ontoggle="confirm(2)"></details>'
            '<input autofocus onfocus="window.__xss=3">'
            f'<input name=csrfmiddlewaretoken value="{"T" * 64}"><a href="http://evil.example/?t={"T" * 64}">x</a>'
        )
        marker, leaks = tab.evaluate(AFTER_LOAD)
        assert sorted(fired) == ["1", "2"] and marker == 3 and len(leaks) == 1, (fired, marker, leaks)
    finally:
        context.close()
