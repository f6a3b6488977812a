from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.views.generic import TemplateView

from .selectors import dashboard_overview

WINDOWS = {7: "7 days", 30: "30 days", 90: "90 days"}


class StaffOnlyMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Community managers and admins (staff); a signed-in developer gets 403."""

    raise_exception = False

    def test_func(self):
        return self.request.user.is_staff

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()


class OverviewView(StaffOnlyMixin, TemplateView):
    template_name = "dashboards/overview.html"

    def get_context_data(self, **kwargs):
        try:
            days = int(self.request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in WINDOWS else 30
        context = super().get_context_data(**kwargs)
        context.update(dashboard_overview(days=days), days=days, windows=WINDOWS)
        context["charts"] = {
            "signups": context["signups"],
            "api": context["api"]["daily"],
            "forum": context["forum"]["daily"],
        }
        return context
