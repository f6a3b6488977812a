"""Docs views: thin, each parses input, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.http import shows_secret

from . import errorpage, pages, selectors, services
from .forms import FeedbackForm, QuickstartKeyForm

QUICKSTART_MARKER = "<p>[[quickstart-key]]</p>"
KEY_PLACEHOLDER = "YOUR_API_KEY"  # static/docs/docs.js replaces it with a key created on the page


def _page_or_404(slug: str) -> pages.DocPage:
    try:
        return pages.page_get(slug, get_language())
    except pages.DocPageNotFound:
        raise Http404(slug) from None


def _base_url(request) -> str:
    return request.build_absolute_uri("/v1").rstrip("/")


def _page_context(request, page: pages.DocPage, **extra) -> dict:
    key = selectors.api_key_latest_for_user(user=request.user)
    # Never a key's prefix: an example is copied and run, and an abbreviated key is a 401.
    # The full secret exists only in the response that created it (the quickstart key box),
    # whose script fills it into the examples for as long as the page is open.
    rendered = pages.page_render(page, base_url=_base_url(request), api_key_hint=KEY_PLACEHOLDER)
    html = rendered.html
    if page.slug == errorpage.ERRORS_SLUG:
        html = errorpage.errors_page_with_answers(html)
    before, marker, after = html.partition(QUICKSTART_MARKER)
    previous, following = pages.neighbours(page.slug)
    return {
        "page": page,
        "content_before": before,
        "content_after": after,
        "has_quickstart_key": bool(marker),
        "toc": rendered.toc,
        "navigation": pages.navigation(get_language()),
        "previous": pages.page_get(previous, get_language()) if previous else None,
        "next": pages.page_get(following, get_language()) if following else None,
        "edit_url": selectors.page_edit_url(page=page),
        "api_key": key,
        "base_url": _base_url(request),
        "feedback_form": FeedbackForm(),
        "key_form": QuickstartKeyForm(),
        **extra,
    }


@require_GET
def docs_home(request):
    return render(request, "docs/home.html", {"navigation": pages.navigation(get_language())})


@require_GET
def docs_page(request, slug: str):
    page = _page_or_404(slug)
    services.page_view_record(request=request, page=page)
    return render(request, "docs/page.html", _page_context(request, page))


@require_GET
def docs_page_source(request, slug: str):
    """The Markdown source of a page, for "view source" when no repository URL is set."""
    page = _page_or_404(slug)
    return HttpResponse(page.path.read_text(encoding="utf-8"), content_type="text/plain; charset=utf-8")


@require_POST
def docs_page_feedback(request, slug: str):
    page = _page_or_404(slug)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        services.page_feedback_create(request=request, page=page, **form.cleaned_data)
    if request.htmx:
        return render(
            request, "docs/_feedback.html", {"page": page, "feedback_form": form, "feedback_sent": form.is_valid()}
        )
    if form.is_valid():
        messages.success(request, _("Thank you for your feedback."))
    else:
        messages.error(request, _("Please answer yes or no."))
    return redirect(reverse("docs:page", kwargs={"slug": slug}) + "#feedback")


@require_GET
def docs_search(request):
    query = request.GET.get("q", "")
    if query.strip():
        services.doc_sections_ensure()
    results = selectors.doc_search(query=query, languages=selectors.search_languages(get_language()))
    template = "docs/_search_results.html" if request.htmx else "docs/search.html"
    return render(request, template, {"results": results, "navigation": pages.navigation(get_language())})


@login_required
@require_POST
@shows_secret
def quickstart_key_create(request):
    """Create an API key from the quickstart; the secret is shown this once."""
    form = QuickstartKeyForm(request.POST)
    form.is_valid()
    key, secret = services.quickstart_key_create(user=request.user, name=form.cleaned_data.get("name") or "")
    if request.htmx:
        return render(
            request, "docs/_quickstart_key.html", {"api_key": key, "secret": secret, "base_url": _base_url(request)}
        )
    page = _page_or_404("getting-started")
    return render(request, "docs/page.html", _page_context(request, page, secret=secret, api_key=key))
