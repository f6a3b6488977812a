import pytest

from sandbox.registry.models import HostedModel


@pytest.mark.django_db
def test_warmup_loads_public_models_and_skips_private_and_echo(user):
    """A worker warms every public model it can serve; echo and others' ft: rows are left alone."""
    from sandbox.inference.engine import get_engine
    from sandbox.inference.warmup import warm_public_models

    HostedModel.objects.create(
        model_id="all-minilm-l6-v2",
        task=HostedModel.Task.EMBEDDINGS,
        backend=HostedModel.Backend.SENTENCE_EMBEDDING,
        source="atrium:all-minilm-l6-v2",
    )
    HostedModel.objects.create(model_id="echo", backend=HostedModel.Backend.ECHO)
    HostedModel.objects.create(
        model_id="missing-private", owner=user, backend=HostedModel.Backend.CAUSAL_LM, source="/nonexistent"
    )
    warm_public_models()
    models = get_engine().snapshot()["models"]
    assert models["all-minilm-l6-v2"]["state"] == "ready"
    assert "echo" not in models and "missing-private" not in models
