"""The developer's usage page: charts, credits and a CSV export."""

import csv
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.apikeys.selectors import api_keys_for_user
from portal.billing.selectors import credit_entries_for_user
from portal.billing.services import credits_balance
from sandbox.registry.selectors import model_ids_visible

from .forms import UsageFilterForm
from .selectors import usage_range_queryset, usage_summary


def _filters(request) -> tuple[UsageFilterForm, dict]:
    form = UsageFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
    else:
        end = timezone.now().date()
        data = {"start": end - timedelta(days=29), "end": end, "model": "", "key": None}
    return form, {
        "start": data["start"],
        "end": data["end"],
        "model": data.get("model") or "",
        "key_id": data.get("key"),
    }


@login_required
@require_GET
def usage(request):
    form, filters = _filters(request)
    summary = usage_summary(user=request.user, **filters)
    context = {
        "form": form,
        "filters": filters,
        "summary": summary,
        "chart_data": summary.chart_data(),
        "keys": api_keys_for_user(user=request.user).only("id", "name", "prefix", "last_four"),
        "models": model_ids_visible(user=request.user),
        "balance": credits_balance(user=request.user),
        "entries": credit_entries_for_user(user=request.user)[:50],
    }
    return render(request, "usage/usage.html", context, status=200 if form.is_valid() or not request.GET else 400)


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def usage_export(request):
    """CSV of every call in the range (streamed, so large ranges do not build up in memory)."""
    _form, filters = _filters(request)
    records = usage_range_queryset(user=request.user, **filters).select_related("api_key").order_by("created_at")
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            [
                "created_at",
                "request_id",
                "endpoint",
                "model",
                "key_name",
                "key_prefix",
                "stream",
                "status",
                "error_code",
                "prompt_tokens",
                "completion_tokens",
                "total_tokens",
                "latency_ms",
                "cost",
            ]
        )
        for r in records.iterator(chunk_size=2000):
            key = r.api_key
            yield writer.writerow(
                [
                    r.created_at.isoformat(),
                    r.request_id,
                    r.endpoint,
                    r.model_id,
                    key.name if key else "Playground",
                    key.masked if key else "",
                    r.stream,
                    r.status_code,
                    r.error_code,
                    r.prompt_tokens,
                    r.completion_tokens,
                    r.total_tokens,
                    r.latency_ms,
                    r.cost,
                ]
            )

    name = f"atrium-usage-{filters['start']}-{filters['end']}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
