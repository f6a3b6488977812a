"""The model catalogue: a list and a page per model with its rendered card and how to call it."""

from django.shortcuts import render

from portal import api_examples
from portal.markdown import DOCS, render_markdown
from portal.shipped import shipped_translate

from .cards import render_card
from .selectors import Task, hosted_model_get, hosted_model_list

# The sample answer is short: a few dozen tokens, or less where the model allows less.
SAMPLE_MAX_TOKENS = 40


def model_list(request):
    return render(request, "registry/model_list.html", {"models": hosted_model_list(user=request.user)})


def model_detail(request, model_id: str):
    model = hosted_model_get(user=request.user, model_id=model_id)
    samples = api_examples.model_samples(
        model_id=model.model_id,
        task=model.task,
        base_url=request.build_absolute_uri("/v1"),
        max_tokens=min(SAMPLE_MAX_TOKENS, model.max_output_tokens or SAMPLE_MAX_TOKENS),
    )
    card = shipped_translate(model.card)  # the card Atrium ships, in the reader's language
    context = {
        "model": model,
        "card_html": render_card(card),
        # Otherwise it is shown as written: upstream READMEs are English, and say so (lang).
        "card_translated": card != model.card,
        "samples_html": render_markdown(api_examples.as_tabs(samples), profile=DOCS).html if samples else "",
        "endpoint": api_examples.model_endpoint(task=model.task),
        "in_playground": model.task == Task.CHAT,
    }
    return render(request, "registry/model_detail.html", context)
