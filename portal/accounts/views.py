from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_safe

from .avatars import avatar_png, avatar_size
from .forms import AccountDeleteForm, ProfileForm
from .profile_sections import profile_sections_html
from .selectors import profile_exists_public, profile_get_public
from .services import account_delete, profile_ensure, profile_update


@require_safe  # a public page that changes nothing: other methods get 405
def profile_detail(request, handle):
    profile = profile_get_public(handle=handle)
    is_owner = request.user == profile.user
    sections = profile_sections_html(request=request, profile=profile, is_owner=is_owner)
    return render(
        request, "accounts/profile_detail.html", {"profile": profile, "sections_html": sections, "is_owner": is_owner}
    )


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def avatar(request, handle):
    # The picture depends on the handle alone: a new handle is a new URL, so caching is safe.
    if not profile_exists_public(handle=handle):
        raise Http404
    png = avatar_png(handle=handle, size=avatar_size(request.GET.get("s")))
    return HttpResponse(png, content_type="image/png")


@login_required
def profile_edit(request):
    profile = profile_ensure(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(profile=profile, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile_edit")
    if form.errors:
        # The form changed the instance while validating: show the saved handle and avatar.
        profile.refresh_from_db()
    return render(request, "accounts/profile_edit.html", {"form": form, "profile": profile})


@login_required
def account_settings(request):
    addresses = EmailAddress.objects.filter(user=request.user).order_by("-primary", "email")
    return render(
        request,
        "accounts/settings.html",
        {"email_addresses": addresses, "profile": profile_ensure(user=request.user), "role": request.user.role},
    )


@login_required
def account_delete_confirm(request):
    form = AccountDeleteForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account and its personal data have been deleted."))
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)
