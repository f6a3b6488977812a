"""The showcase's pages: the gallery, an entry, publishing and editing one, and the
actions on it (vote, feature, hide, delete). Screenshots are served from here, only for
entries the viewer may see, as images that cannot run anything."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import EditForm, EntryForm


def _form_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on its field where the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_GET
def gallery(request):
    """Published entries, newest first, by votes, or only the featured ones; filter by tag."""
    sort = request.GET.get("sort", selectors.Sort.NEW)
    if sort not in selectors.Sort.ALL:
        sort = selectors.Sort.NEW
    tag = request.GET.get("tag", "")[:30]
    page = Paginator(selectors.entries_gallery(sort=sort, tag=tag), selectors.ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    entries = list(page.object_list)
    ids = [entry.pk for entry in entries]
    thumbnails = selectors.first_screenshots(entry_ids=ids)
    voted = selectors.voted_entry_ids(user=request.user, entry_ids=ids)
    for entry in entries:
        entry.thumbnail, entry.voted = thumbnails.get(entry.pk), entry.pk in voted
    return render(
        request,
        "showcase/gallery.html",
        {
            "page": page,
            "entries": entries,
            "sort": sort,
            "tag": tag,
            "tags": selectors.tags_in_use(),
        },
    )


@require_GET
def detail(request, slug):
    entry = selectors.entry_get_for_viewer(viewer=request.user, slug=slug)
    user = request.user
    return render(
        request,
        "showcase/detail.html",
        {
            "entry": entry,
            "screenshots": list(entry.screenshots.all()),
            "tags": list(entry.tags.all()),
            "thread": selectors.entry_thread(entry),
            "usage": selectors.entry_verified_usage(entry=entry),
            "voted": bool(selectors.voted_entry_ids(user=user, entry_ids=[entry.pk])),
            "is_author": user.is_authenticated and user.pk == entry.author_id,
            "can_manage": selectors.can_manage(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    form = EntryForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_create(
                author=request.user,
                title=data["title"],
                tagline=data["tagline"],
                description=data["description"],
                url=data["url"],
                repository_url=data["repository_url"],
                models=data["models"],
                tags=data["tags"],
                screenshots=data["screenshots"],
                verified_usage=data["verified_usage"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your app is published in the showcase."))
            return redirect(entry)
    status = 400 if request.method == "POST" else 200
    return render(request, "showcase/form.html", {"form": form, "entry": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug):
    entry = selectors.entry_get_for_editor(user=request.user, slug=slug)
    initial = {
        "title": entry.title,
        "tagline": entry.tagline,
        "description": entry.description,
        "url": entry.url,
        "repository_url": entry.repository_url,
        "models": entry.model_ids,
        "tags": ", ".join(tag.name for tag in entry.tags.all()),
        "verified_usage": entry.verified_usage,
    }
    form = EditForm(request.POST or None, request.FILES or None, initial=initial, user=request.user, entry=entry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_edit(
                editor=request.user,
                entry=entry,
                title=data["title"],
                tagline=data["tagline"],
                description=data["description"],
                url=data["url"],
                repository_url=data["repository_url"],
                models=data["models"],
                tags=data["tags"],
                verified_usage=data["verified_usage"],
                screenshots_add=data["screenshots"],
                screenshots_remove=data.get("remove_screenshots", ()),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(entry)
    status = 400 if request.method == "POST" else 200
    screenshots = list(entry.screenshots.all())
    return render(
        request, "showcase/form.html", {"form": form, "entry": entry, "screenshots": screenshots}, status=status
    )


@login_required
@require_POST
def vote(request, slug):
    entry = selectors.entry_get_for_viewer(viewer=request.user, slug=slug)
    voted, _count = services.entry_vote(user=request.user, entry=entry)
    messages.success(request, _("Thanks for your vote.") if voted else _("Your vote was withdrawn."))
    return redirect(entry)


@login_required
@require_POST
def feature(request, slug):
    entry = selectors.entry_get_for_viewer(viewer=request.user, slug=slug)
    featured = request.POST.get("featured", "1") == "1"
    try:
        services.entry_feature(actor=request.user, entry=entry, featured=featured)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The entry is featured.") if featured else _("The entry is no longer featured."))
    return redirect(entry)


@login_required
@require_POST
def hide(request, slug):
    entry = selectors.entry_get_for_viewer(viewer=request.user, slug=slug)
    hidden = request.POST.get("hidden", "1") == "1"
    services.entry_hide(actor=request.user, entry=entry, hidden=hidden)
    messages.success(request, _("The entry is hidden.") if hidden else _("The entry is visible again."))
    return redirect(entry)


@login_required
@require_POST
def delete(request, slug):
    entry = selectors.entry_get_for_viewer(viewer=request.user, slug=slug)
    services.entry_delete(actor=request.user, entry=entry)
    messages.success(request, _("The entry was deleted."))
    return redirect(reverse("showcase:gallery"))


@require_GET
def screenshot(request, token, extension):
    """The image itself: only its own type, never sniffed, never run as a page."""
    shot = selectors.screenshot_get_for_viewer(viewer=request.user, token=token)
    if extension != shot.extension:
        raise Http404("No such screenshot")
    try:
        handle = shot.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404("No such screenshot") from exc
    response = FileResponse(handle, content_type=shot.content_type)
    response["Content-Disposition"] = f'inline; filename="{shot.token}.{shot.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
