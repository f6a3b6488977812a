"""The developer's usage page (charts, credits, recent errors and a CSV export) and the
request log (each /v1 request, and one request with its error explained)."""

import csv
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.apikeys.selectors import api_keys_for_user
from portal.billing.selectors import credit_entries_for_user
from portal.billing.services import credits_balance
from sandbox.registry.selectors import model_ids_visible

from . import errorhelp
from .forms import RequestLogFilterForm, UsageFilterForm
from .selectors import (
    PLAYGROUND,
    request_bodies_of,
    request_log_entry_get_for_user,
    request_log_error_codes,
    request_log_for_user,
    usage_range_queryset,
    usage_recent_errors,
    usage_summary,
)

LOG_PAGE_SIZE = 50
RECENT_ERRORS_DAYS = 7


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
        "recent_errors": _with_answers(
            usage_recent_errors(user=request.user, since=timezone.now() - timedelta(days=RECENT_ERRORS_DAYS))
        ),
        "recent_errors_days": RECENT_ERRORS_DAYS,
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


def _with_answers(errors: list[dict]) -> list[dict]:
    """Each recent error with the community's answers to its code and its docs section."""
    answers = errorhelp.error_answers(codes=[e["error_code"] for e in errors])
    return [
        {**e, "answers": answers.get(e["error_code"], []), "docs_url": errorhelp.error_docs_url(e["error_code"])}
        for e in errors
    ]


@login_required
@require_GET
def request_log(request):
    """The member's /v1 requests, like Stripe's request log: filter by outcome or error
    code and by key, find one by its id; recent errors beside the community's answers."""
    form = RequestLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    records = request_log_for_user(
        user=request.user,
        status=filters.get("status") or "",
        key=filters.get("key") or "",
        request_id=filters.get("q") or "",
    )
    if form.is_bound and not form.is_valid():
        records = records.none()  # a filter not understood matches nothing, rather than everything
    page = Paginator(records, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "keys": api_keys_for_user(user=request.user).only("id", "name", "prefix", "last_four"),
        "error_codes": request_log_error_codes(user=request.user),
        "playground": PLAYGROUND,
        "recent_errors": _with_answers(
            usage_recent_errors(user=request.user, since=timezone.now() - timedelta(days=RECENT_ERRORS_DAYS))
        ),
        "recent_errors_days": RECENT_ERRORS_DAYS,
    }
    return render(request, "usage/request_log.html", context, status=200 if form.is_valid() or not request.GET else 400)


@login_required
@require_GET
def request_log_detail(request, request_id: str):
    """One of the member's requests: what happened, its error explained, the community's
    answers to its code, and its bodies when its key keeps them."""
    record = request_log_entry_get_for_user(user=request.user, request_id=request_id)
    code = record.error_code
    context = {
        "record": record,
        "bodies": request_bodies_of(record),
        "explanation": errorhelp.error_explanation(code=code) if code else None,
        "answers": errorhelp.error_answers(codes=[code]).get(code, []) if code else [],
        "docs_url": errorhelp.error_docs_url(code) if code else "",
    }
    return render(request, "usage/request_detail.html", context)
