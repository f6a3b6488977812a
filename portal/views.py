from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

HOME_THREADS = 5


def _developer_overview(user) -> dict:
    """What a signed-in developer sees first: the onboarding checklist, balance, keys, this
    month's calls, jobs, threads."""
    from community.forums.selectors import thread_list
    from portal.apikeys.selectors import live_key_count
    from portal.billing.selectors import monthly_grant_this_month
    from portal.billing.services import credits_balance
    from portal.onboarding import onboarding_for_user
    from sandbox.finetuning.selectors import active_job_count
    from sandbox.usage.selectors import request_count_since

    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    live_keys = live_key_count(user=user)
    return {
        "balance": credits_balance(user=user),
        "monthly_grant": monthly_grant_this_month(user=user),
        "monthly_free_credits": settings.CREDITS_MONTHLY_FREE_GRANT,
        "live_keys": live_keys,
        "onboarding": onboarding_for_user(user=user, live_keys=live_keys),
        "requests_this_month": request_count_since(user=user, since=month_start),
        "active_jobs": active_job_count(user=user),
        "threads": list(thread_list(user=user)[:HOME_THREADS]),
    }


def home(request):
    context = _developer_overview(request.user) if request.user.is_authenticated else {}
    return render(request, "home.html", context)
