"""Recipe pages: the list, one recipe (its charts drawn on the server), and publishing a
succeeded job of one's own. Thin: the selectors and services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.markdown import MEMBER, render_markdown
from sandbox.finetuning import selectors as finetuning

from . import charts, selectors, services
from .forms import RecipePublishForm

PAGE_SIZE = 20


@require_safe
def recipe_list(request):
    sort = request.GET.get("sort", "new")
    if sort not in selectors.SORTS:
        sort = "new"
    base_model = request.GET.get("model", "")
    page = Paginator(selectors.recipe_list(sort=sort, base_model=base_model), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recipes/recipe_list.html",
        {"page": page, "sort": sort, "base_model": base_model, "base_models": selectors.recipe_base_models()},
    )


@require_safe
def recipe_detail(request, recipe_id: int):
    recipe = selectors.recipe_get(recipe_id=recipe_id)
    context = {
        "recipe": recipe,
        # Sanitized by the MEMBER profile; the template marks them safe.
        "notes_html": render_markdown(recipe.notes, profile=MEMBER).html,
        "results_html": render_markdown(recipe.results, profile=MEMBER).html,
        "loss_chart": charts.loss_chart(recipe.loss_curve),
        "length_chart": charts.histogram_chart(recipe.statistics.get("histogram") or []),
        "fork_url": selectors.recipe_fork_url(recipe),
    }
    return render(request, "recipes/recipe_detail.html", context)


@login_required
def recipe_publish(request, job_id: str):
    """Publish one's own succeeded job; anyone else's job, or an unfinished one, is a 404."""
    job = finetuning.job_get_succeeded_for_user(user=request.user, job_id=job_id)
    existing = selectors.recipe_for_job(job_id=job.id)
    if existing is not None:
        messages.info(request, _("This job is already published as a recipe."))
        return redirect(existing)
    form = RecipePublishForm(request.POST or None, initial={"title": job.suffix or job.id})
    if request.method == "POST" and form.is_valid():
        try:
            recipe = services.recipe_publish(author=request.user, job_id=job.id, **form.cleaned_data)
        except services.RecipeError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Recipe published."))
            return redirect(recipe)
    return render(
        request,
        "recipes/recipe_publish.html",
        {"form": form, "job": job, "loss": finetuning.job_loss_summary(job=job)},
    )
