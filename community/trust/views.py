"""The trust levels page, and the managers' form for one member's level."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from . import selectors, services
from .forms import MemberLevelForm


class LevelsView(View):
    """Every level, what it unlocks and needs; a member also sees their progress."""

    def get(self, request):
        user = request.user
        context = {"levels": selectors.levels_overview(), "Level": selectors.Level}
        if user.is_authenticated:
            context["progress"] = selectors.level_progress(user=user)
            context["changes"] = selectors.level_changes_for_user(user=user, limit=10)
        return render(request, "trust/levels.html", context)


class MemberLevelView(LoginRequiredMixin, UserPassesTestMixin, View):
    """Managers: set a member's level (grant or revoke leader), lock it, or hand it back."""

    template_name = "trust/member_level.html"

    def test_func(self):
        return services.is_trust_manager(self.request.user)

    def _member(self, user_id):
        return get_object_or_404(get_user_model().objects.select_related("profile"), pk=user_id, is_active=True)

    def _render(self, request, member, form, status=200):
        trust = selectors.member_trust_get(user=member)
        context = {
            "member": member,
            "trust": trust,
            "level": selectors.Level(trust.level if trust else selectors.Level.NEW),
            "form": form,
            "changes": selectors.level_changes_for_user(user=member),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, user_id):
        member = self._member(user_id)
        trust = selectors.member_trust_get(user=member)
        initial = {"level": trust.level if trust else 0, "locked": bool(trust and trust.locked)}
        return self._render(request, member, MemberLevelForm(initial=initial))

    def post(self, request, user_id):
        member = self._member(user_id)
        form = MemberLevelForm(request.POST)
        if "release" in request.POST:
            form.is_valid()
            services.member_level_release(manager=request.user, user=member, note=form.cleaned_data.get("note", ""))
            messages.success(request, _("The level follows the automatic rules again."))
            return redirect("trust:member_level", user_id=member.pk)
        if form.is_valid():
            try:
                services.member_level_set(manager=request.user, user=member, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                messages.success(request, _("The trust level is saved."))
                return redirect("trust:member_level", user_id=member.pk)
        return self._render(request, member, form, status=400)
