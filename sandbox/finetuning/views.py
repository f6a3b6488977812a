"""Browser pages: jobs list, new-job form (and its estimate), job page (live), files,
webhooks. Thin and scoped."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import shows_secret

from . import selectors, services
from .forms import FileUploadForm, JobCreateForm, WebhookForm
from .models import WebhookEndpoint
from .webhooks import webhook_endpoint_set


@login_required
def job_list(request):
    jobs = selectors.job_list_for_user(user=request.user)[:100]
    return render(request, "finetuning/job_list.html", {"jobs": jobs})


@login_required
def job_create(request):
    form = JobCreateForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=JobCreateForm.initial_from(request.GET),  # a recipe's "Fork" link
    )
    estimate_problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            training_file = form.cleaned_data["training_file"]
            if form.cleaned_data.get("upload"):
                training_file = services.file_create(
                    owner=request.user, upload=form.cleaned_data["upload"], purpose="fine-tune"
                )
            validation_file = form.cleaned_data.get("validation_file")
            job, _created = services.finetune_job_create(
                owner=request.user,
                model=form.cleaned_data["model"].model_id,
                training_file=training_file.id,
                validation_file=validation_file.id if validation_file else None,
                hyperparameters=form.hyperparameters(),
                suffix=form.cleaned_data["suffix"],
                seed=form.cleaned_data["seed"],
                recipe=form.cleaned_data.get("recipe"),
            )
        except services.FineTuningError as exc:
            form.add_error(None, exc.message)
            estimate_problem = exc.message
        else:
            messages.success(request, _("Job %(id)s created.") % {"id": job.id})
            return redirect(job)
    files = selectors.file_list_for_user(user=request.user)
    return render(
        request,
        "finetuning/job_create.html",
        {
            "form": form,
            "files": files,
            "estimate_problem": estimate_problem,
            "credits_per_second": settings.FINETUNE_CREDITS_PER_DEVICE_SECOND,
            "balance": services.credits_balance_of(request.user),
        },
    )


@login_required
@require_POST
def job_estimate(request):
    """The new-job form's estimate: the computation the job and the API use, on the form's
    fields (an upload is validated, not stored). A problem comes back instead of figures."""
    form = JobCreateForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        problems = [str(e) for field in form.errors.values() for e in field]
        return JsonResponse({"problem": problems[0]})
    data = form.cleaned_data
    try:
        planned = services.finetune_job_estimate(
            owner=request.user,
            model=data["model"].model_id,
            training_file=data["training_file"].id if data.get("training_file") else None,
            validation_file=data["validation_file"].id if data.get("validation_file") else None,
            hyperparameters=form.hyperparameters(),
            upload=data.get("upload") or None,  # an upload wins over the list, as on submit
        )
    except services.FineTuningError as exc:
        return JsonResponse({"problem": exc.message})
    cost = planned.cost
    figures = {
        "price": settings.FINETUNE_CREDITS_PER_DEVICE_SECOND,
        "startup": f"{cost.throughput.startup_seconds:.1f}",
        "rate": f"{cost.throughput.tokens_per_second:,.0f}",
        "jobs": cost.throughput.measured_jobs,
    }
    if cost.throughput.measured:
        basis = _(
            "Tokens are counted with the base model's tokenizer, as training counts them. You are charged the "
            "metered device time at %(price)s credits per device-second: about %(startup)s s to start, then "
            "%(rate)s tokens per second, as the last %(jobs)s jobs on this model measured."
        )
    else:
        basis = _(
            "Tokens are counted with the base model's tokenizer, as training counts them. You are charged the "
            "metered device time at %(price)s credits per device-second: about %(startup)s s to start, then "
            "%(rate)s tokens per second (configured figures: no job on this model has been measured yet)."
        )
    return JsonResponse(
        {
            "basis": basis % figures,
            "model": planned.base_model.model_id,
            "tokens": cost.tokens,
            "n_epochs": cost.n_epochs,
            "trained_tokens": cost.trained_tokens,
            "device_seconds": cost.device_seconds,
            "credits": str(cost.credits),
            "startup_seconds": round(cost.throughput.startup_seconds, 1),
            "tokens_per_second": round(cost.throughput.tokens_per_second, 1),
            "measured_jobs": cost.throughput.measured_jobs,
        }
    )


@login_required
def job_detail(request, job_id):
    job = selectors.job_get_for_user(user=request.user, job_id=job_id)
    context = {
        "job": job,
        "queue_position": selectors.queue_position(job),
        "checkpoints": selectors.job_checkpoints(job=job),
        "loss": selectors.job_loss_summary(job=job),
        "events": job.events.all()[:50],
    }
    template = "finetuning/_job_live.html" if request.htmx else "finetuning/job_detail.html"
    return render(request, template, context)


@login_required
def job_metrics(request, job_id):
    job = selectors.job_get_for_user(user=request.user, job_id=job_id)
    return JsonResponse({"status": job.status, **selectors.job_loss_series(job=job)})


@login_required
@require_POST
def job_cancel(request, job_id):
    job = selectors.job_get_for_user(user=request.user, job_id=job_id)
    try:
        services.finetune_job_cancel(job=job)
    except services.FineTuningError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("Job cancelled."))
    return redirect(job)


@login_required
def file_list(request):
    form = FileUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            file = services.file_create(owner=request.user, upload=form.cleaned_data["file"], purpose="fine-tune")
        except services.FineTuningError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Uploaded %(name)s as %(id)s.") % {"name": file.filename, "id": file.id})
            return redirect("finetuning:file_list")
    files = selectors.file_list_for_user(user=request.user)
    return render(request, "finetuning/file_list.html", {"form": form, "files": files})


@login_required
@shows_secret  # the signing secret
def webhook_settings(request):
    endpoint = WebhookEndpoint.objects.filter(owner=request.user).first()
    form = WebhookForm(request.POST or None, initial={"url": endpoint.url if endpoint else ""})
    if request.method == "POST" and form.is_valid():
        webhook_endpoint_set(owner=request.user, url=form.cleaned_data["url"])
        messages.success(request, _("Webhook settings saved."))
        return redirect("finetuning:webhook_settings")
    deliveries = endpoint.deliveries.all()[:50] if endpoint else []
    return render(request, "finetuning/webhooks.html", {"form": form, "endpoint": endpoint, "deliveries": deliveries})
