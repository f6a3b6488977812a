from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.http import shows_secret

from . import services
from .forms import PreferenceForm
from .models import Notification


@login_required
def notification_list(request):
    qs = Notification.objects.for_user(request.user).select_related("actor__profile")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    page.elided_range = page.paginator.get_elided_page_range(page.number)
    return render(request, "notifications/list.html", {"page": page})


@login_required
def notification_open(request, pk):
    """Mark one of the caller's notifications read and go where it points (404 for others')."""
    notification = Notification.objects.for_user(request.user).filter(pk=pk).first()
    if notification is None:
        from django.http import Http404

        raise Http404
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def notification_mark_all_read(request):
    services.notifications_mark_read(user=request.user)
    messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:list")


@login_required
def preferences(request):
    pref = services.preference_get(user=request.user)
    form = PreferenceForm(request.POST or None, instance=pref)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
@shows_secret  # the token in the URL
def unsubscribe(request, token):
    """GET shows one button (link scanners must not unsubscribe anyone); POST unsubscribes."""
    try:
        user_id, scope = services.unsubscribe_token_read(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        services.preference_unsubscribe(user_id=user_id, scope=scope)
        done = True
    return render(request, "notifications/unsubscribe.html", {"scope": scope, "done": done, "token": token})
