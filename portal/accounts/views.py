from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .models import Profile
from .services import profile_ensure


def profile_detail(request, handle):
    profile = get_object_or_404(Profile.objects.select_related("user"), handle=handle, user__is_active=True)
    return render(request, "accounts/profile_detail.html", {"profile": profile})


@login_required
def profile_edit(request):
    profile = profile_ensure(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile_edit")
    return render(request, "accounts/profile_edit.html", {"form": form, "profile": profile})
