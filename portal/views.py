from django.shortcuts import render
from django.utils import timezone

HOME_THREADS = 5


def _developer_overview(user) -> dict:
    """What a signed-in developer sees first: balance, keys, this month's calls, jobs, threads."""
    from community.forums.selectors import thread_list
    from portal.apikeys.models import ApiKey
    from portal.billing.services import credits_balance
    from sandbox.finetuning.models import FineTuningJob
    from sandbox.usage.models import UsageRecord

    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return {
        "balance": credits_balance(user=user),
        "live_keys": ApiKey.objects.for_user(user).live().count(),
        "requests_this_month": UsageRecord.objects.filter(user=user, created_at__gte=month_start).count(),
        "active_jobs": FineTuningJob.objects.filter(owner=user, status__in=FineTuningJob.ACTIVE_STATUSES).count(),
        "threads": list(thread_list(user=user)[:HOME_THREADS]),
    }


def home(request):
    context = _developer_overview(request.user) if request.user.is_authenticated else {}
    return render(request, "home.html", context)
