"""The keys page: list, create, edit, revoke, roll. Every key is looked up scoped to the caller."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.http import shows_secret

from .forms import ApiKeyCreateForm, ApiKeyEditForm, ApiKeyRollForm
from .selectors import api_key_get_for_user, api_keys_for_user
from .services import api_key_create, api_key_revoke, api_key_roll, api_key_update
from .stats import month_totals


def _list_context(request, form):
    keys = list(api_keys_for_user(user=request.user))
    totals = month_totals(user=request.user)
    for key in keys:
        key.month_requests, key.month_tokens = totals.get(key.pk, (0, 0))
    return {"keys": keys, "form": form}


@login_required
@require_http_methods(["GET", "POST"])
@shows_secret  # a created key's secret
def key_list(request):
    form = ApiKeyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = api_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                log_bodies_days=form.cleaned_data["log_bodies_days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The only time the secret is ever shown; it is not kept anywhere.
            return render(request, "apikeys/secret.html", {"key": key, "secret": secret, "rolled_from": None})
    status = 400 if form.errors else 200
    return render(request, "apikeys/list.html", _list_context(request, form), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def key_edit(request, pk):
    key = api_key_get_for_user(user=request.user, pk=pk)
    form = ApiKeyEditForm(request.POST or None, initial={"name": key.name, "log_bodies_days": key.log_bodies_days})
    if request.method == "POST" and form.is_valid():
        api_key_update(key=key, **form.cleaned_data)
        messages.success(
            request, _("The key “%(name)s” (%(masked)s) is saved.") % {"name": key.name, "masked": key.masked}
        )
        return redirect("apikeys:list")
    return render(request, "apikeys/edit.html", {"key": key, "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def key_revoke(request, pk):
    key = api_key_get_for_user(user=request.user, pk=pk)
    api_key_revoke(key=key)
    messages.success(
        request, _("The key “%(name)s” (%(masked)s) is revoked.") % {"name": key.name, "masked": key.masked}
    )
    return redirect("apikeys:list")


@login_required
@require_http_methods(["GET", "POST"])
@shows_secret  # the new secret
def key_roll(request, pk):
    key = api_key_get_for_user(user=request.user, pk=pk)
    form = ApiKeyRollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_key, secret = api_key_roll(key=key, overlap=form.overlap_delta())
        return render(request, "apikeys/secret.html", {"key": new_key, "secret": secret, "rolled_from": key})
    return render(request, "apikeys/roll.html", {"key": key, "form": form})
