"""The model catalogue: a list and a page per model with its rendered card."""

from django.shortcuts import render

from .cards import render_card
from .selectors import hosted_model_get, hosted_model_list


def model_list(request):
    return render(request, "registry/model_list.html", {"models": hosted_model_list(user=request.user)})


def model_detail(request, model_id: str):
    model = hosted_model_get(user=request.user, model_id=model_id)
    return render(request, "registry/model_detail.html", {"model": model, "card_html": render_card(model.card)})
