"""One token count everywhere, and an estimate calibrated from the workers' throughput.

A file's tokens are the base model's tokenizer on the rendered chat template, exactly the
ids the trainer trains on; the Files page, the new-job form, the job page, the API and the
charge show that one count. The estimate predicts the metered device time from what the
training workers measured; a file that failed validation gets its reasons, never a figure.
"""

import json
import re
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sandbox.finetuning import pricing, selectors, services, testing, throughput, tokens, trainer
from sandbox.finetuning.models import FineTuningJob
from sandbox.inference.defaults import SMOLLM2_ID, smollm2_path
from sandbox.registry.models import HostedModel
from tests.factories import FineTuningJobFactory, training_file


def jsonl(rows) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def upload(user, rows, name="d.jsonl"):
    return services.file_create(owner=user, upload=SimpleUploadedFile(name, jsonl(rows)), purpose="fine-tune")


def trained_tokens_per_epoch(model_path, path, max_length) -> int:
    """What the trainer itself encodes from the file: the count every page must show."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    return sum(len(ids) for ids, _labels in trainer.encode_file(tokenizer, str(path), "chat", max_length))


@pytest.fixture
def cpu_pricing(settings, base_model):
    settings.FINETUNE_DEVICE = "cpu"
    settings.FINETUNE_TOKENS_PER_SECOND = {"cpu": 5000.0, "cuda": 50000.0}
    settings.FINETUNE_STARTUP_SECONDS = {"cpu": 30.0, "cuda": 20.0}
    settings.FINETUNE_CREDITS_PER_DEVICE_SECOND = Decimal("0.001")
    for device in ("cpu", "cuda"):
        throughput.throughput_forget(model_id=base_model.model_id, device=device)


@pytest.fixture
def smollm2_base(transactional_db):
    """The default chat model, registered as `prepare_models` registers it."""
    return HostedModel.objects.create(
        model_id=SMOLLM2_ID,
        display_name="SmolLM2 135M Instruct",
        backend=HostedModel.Backend.CAUSAL_LM,
        task=HostedModel.Task.CHAT,
        source=f"atrium:{SMOLLM2_ID}",
        context_length=8192,
        max_output_tokens=64,
    )


# --- Counting ----------------------------------------------------------------------------


def test_an_upload_is_counted_with_the_default_models_tokenizer_as_the_trainer_encodes_it(dev, settings):
    """Not bytes / 4: SmolLM2's tokenizer on its chat template (its default system prompt
    included), the very token ids `trainer.encode_file` produces."""
    assert settings.DEFAULT_CHAT_MODEL == SMOLLM2_ID
    rows = testing.chat_dataset(12, seed=3)
    file = upload(dev, rows)
    assert file.tokens_counted_with == SMOLLM2_ID
    expected = trained_tokens_per_epoch(smollm2_path(), file.content.path, 8192)
    assert file.token_count == expected
    assert file.token_count != -(-len(jsonl(rows)) // 4)  # the old rule of thumb was something else
    # A user turn without a system message gets the template's default one: counted too.
    bare = upload(dev, [{"messages": r["messages"][1:]} for r in rows])
    assert bare.token_count == trained_tokens_per_epoch(smollm2_path(), bare.content.path, 8192)
    assert bare.token_count > file.token_count - 12 * 8  # "You are a helpful AI assistant named SmolLM..."


def test_a_job_on_a_model_with_another_tokenizer_counts_the_file_again(dev, base_model, tiny_lm_path, cpu_pricing):
    file = training_file(dev, examples=12)
    job = FineTuningJobFactory(owner=dev, file=file, model=base_model.model_id)
    per_epoch = trained_tokens_per_epoch(tiny_lm_path, file.content.path, base_model.context_length)
    assert per_epoch != file.token_count  # the tiny BPE splits text otherwise than SmolLM2's
    assert job.estimated_tokens == per_epoch * job.hyperparameters["n_epochs"]
    assert job.tokens_per_epoch == per_epoch


def test_the_default_model_keeps_the_count_made_at_upload(dev, smollm2_base):
    file = upload(dev, testing.chat_dataset(12, seed=4))
    planned = services.finetune_job_estimate(owner=dev, model=SMOLLM2_ID, training_file=file.id)
    assert planned.cost.tokens == file.token_count
    assert planned.cost.trained_tokens == file.token_count * planned.hyperparameters["n_epochs"]


def test_an_example_longer_than_the_base_models_context_is_refused_by_its_own_count(dev, base_model, smollm2_base):
    """SmolLM2 (8,192) accepts the upload; the tiny model (256) refuses the job, by its own count."""
    rows = testing.chat_dataset(12, seed=2)
    rows[4]["messages"][1]["content"] = " ".join(["gpus"] * 300)
    file = upload(dev, rows)
    with pytest.raises(services.FineTuningError) as caught:
        services.finetune_job_estimate(owner=dev, model=base_model.model_id, training_file=file.id)
    assert "Line 5 of" in caught.value.message and "accepts at most 256" in caught.value.message


# --- Estimating ----------------------------------------------------------------------------


def test_before_any_job_the_estimate_uses_the_configured_throughput(cpu_pricing, base_model):
    """Start-up plus tokens x epochs at the device kind's tokens/s, priced per device-second."""
    cpu = pricing.estimate_cost(tokens=16_000, n_epochs=3, model_id=base_model.model_id)
    assert (cpu.trained_tokens, cpu.throughput.measured) == (48_000, False)
    assert cpu.device_seconds == pytest.approx(39.6)  # 30 s start-up + 48,000 / 5,000 tokens/s
    assert cpu.credits == Decimal("0.0396")
    cuda = pricing.estimate_cost(tokens=16_000, n_epochs=3, model_id=base_model.model_id, device="cuda")
    assert cuda.device_seconds == pytest.approx(21.0) and cuda.credits == Decimal("0.0210")


def test_measured_throughput_replaces_the_configured_one_per_device_and_model(cpu_pricing, base_model):
    model_id = base_model.model_id
    for startup, rate in ((2.0, 900.0), (3.0, 1000.0), (40.0, 1100.0)):
        throughput.throughput_record(device="cpu", model_id=model_id, startup_seconds=startup, tokens_per_second=rate)
    measured = pricing.estimate_cost(tokens=10_000, n_epochs=2, model_id=model_id)
    assert measured.throughput.measured_jobs == 3
    # The medians (3 s, 1,000 tokens/s): one odd job does not swing the estimate.
    assert measured.device_seconds == pytest.approx(3.0 + 20_000 / 1000.0)
    # Another model, or another device kind, has not been measured.
    assert not pricing.estimate_cost(tokens=10_000, n_epochs=2, model_id="other-model").throughput.measured
    assert not pricing.estimate_cost(tokens=10_000, n_epochs=2, model_id=model_id, device="cuda").throughput.measured
    for _ in range(throughput.SAMPLES_KEPT):  # only the newest few jobs count
        throughput.throughput_record(device="cpu", model_id=model_id, startup_seconds=1.0, tokens_per_second=500.0)
    newest = throughput.throughput_for(model_id=model_id)
    assert (newest.startup_seconds, newest.tokens_per_second) == (1.0, 500.0)


def test_a_job_metered_as_estimated_is_charged_its_estimate(dev, base_model, cpu_pricing):
    """The estimate and the charge use one price, so a job that ran as predicted costs what it showed."""
    job = FineTuningJobFactory(owner=dev, model=base_model.model_id)
    assert job.estimated_device_seconds >= 30
    assert job.estimated_cost == pricing.device_credits(job.estimated_device_seconds)
    FineTuningJob.objects.filter(pk=job.pk).update(
        status="succeeded", device_seconds=job.estimated_device_seconds, finished_at=timezone.now()
    )
    services.finetune_job_settle(job_id=job.pk)
    job.refresh_from_db()
    assert job.settled and job.charged_credits == job.estimated_cost


def test_a_job_whose_device_time_exceeds_the_balance_is_refused(transactional_db, base_model, cpu_pricing):
    """The balance check uses the device-time estimate, start-up included, before anything runs."""
    from portal.billing.services import credits_balance, credits_charge
    from tests.factories import UserFactory

    from .conftest import grant

    poor = UserFactory(email="poor-ft@example.com")
    balance = credits_balance(user=poor)
    if balance > 0:
        credits_charge(user=poor, amount=balance, reason="test: empty the balance")
    grant(poor, "0.02")  # covers tokens x epochs at the old per-token rate, not 30 s of start-up
    with pytest.raises(services.FineTuningError) as caught:
        FineTuningJobFactory(owner=poor, model=base_model.model_id)
    assert caught.value.code == "insufficient_credits"
    assert "device-seconds" in caught.value.message
    assert not FineTuningJob.objects.exists()


def test_the_web_process_loads_a_tokenizer_once(dev, smollm2_base):
    """Counting an upload and estimating a job share one loaded tokenizer (a 3.5 MB file)."""
    first = tokens.tokenizer_of(tokens.default_counting_model())
    upload(dev, testing.chat_dataset(12, seed=6))
    assert tokens.tokenizer_of(tokens.CountingModel.of(smollm2_base)) is first


# --- One count on every page, and no estimate for an invalid file ----------------------------


def shown(html: str, pattern: str) -> int:
    found = re.search(pattern, html)
    assert found, pattern
    return int(found.group(1).replace(",", ""))


def api(client, user, method, path, **kwargs):
    from .conftest import key_for

    return getattr(client, method)(f"/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {key_for(user)}", **kwargs)


def test_one_count_on_the_files_page_the_form_the_job_page_and_the_api(client, dev, smollm2_base):
    """The default model: SmolLM2's tokenizer counts the file at upload, and every figure after is that count."""
    client.force_login(dev)
    client.post(
        reverse("finetuning:file_list"), {"file": SimpleUploadedFile("d.jsonl", jsonl(testing.chat_dataset(12)))}
    )
    file = dev.training_files.get()
    per_epoch = trained_tokens_per_epoch(smollm2_path(), file.content.path, 8192)
    files_page = client.get(reverse("finetuning:file_list")).content.decode()
    assert shown(files_page, r'class="file-tokens"[^>]*>([\d,]+)<') == per_epoch
    fields = {"model": SMOLLM2_ID, "training_file": file.id, "n_epochs": 2}
    form = client.post(reverse("finetuning:job_estimate"), fields).json()
    assert (form["tokens"], form["n_epochs"], form["trained_tokens"]) == (per_epoch, 2, 2 * per_epoch)
    client.post(reverse("finetuning:job_create"), fields)
    job = FineTuningJob.objects.get(owner=dev)
    job_page = client.get(job.get_absolute_url()).content.decode()
    assert shown(job_page, r'id="job-tokens">(\d+)<') == per_epoch
    assert shown(job_page, r'id="job-estimated-tokens">(\d+)<') == 2 * per_epoch
    body = api(client, dev, "get", f"fine_tuning/jobs/{job.id}").json()
    assert body["estimated_tokens"] == 2 * per_epoch and body["estimated_cost"] == form["credits"]


def test_an_invalid_file_gets_its_problems_and_no_estimate(client, dev, base_model, tmp_path):
    client.force_login(dev)
    bad = b'{"messages": []}\n' + jsonl(testing.chat_dataset(11))
    fields = {"model": base_model.model_id, "n_epochs": 2}
    form = client.post(reverse("finetuning:job_estimate"), {**fields, "upload": SimpleUploadedFile("b.jsonl", bad)})
    assert form.json().keys() == {"problem"}
    assert "line 1: `messages` must be a non-empty list" in form.json()["problem"]
    page = client.post(reverse("finetuning:job_create"), {**fields, "upload": SimpleUploadedFile("b.jsonl", bad)})
    html = page.content.decode().replace("&#x60;", "`")
    assert 'id="estimate-problem" class="text-danger">' in html and "No estimate" in html
    assert "line 1: `messages` must be a non-empty list" in html
    assert not FineTuningJob.objects.exists() and not dev.training_files.exists()
    refused = api(
        client, dev, "post", "files", data={"purpose": "fine-tune", "file": SimpleUploadedFile("b.jsonl", bad)}
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_file"
    assert not any("estimate" in name for name in refused.json()["error"])
    # A valid upload is estimated on the form, with the base model's tokenizer, and not stored.
    good = jsonl(testing.chat_dataset(12, seed=9))
    estimate = client.post(
        reverse("finetuning:job_estimate"), {**fields, "upload": SimpleUploadedFile("g.jsonl", good)}
    )
    path = testing.write_jsonl(tmp_path / "g.jsonl", testing.chat_dataset(12, seed=9))
    assert estimate.json()["tokens"] == trained_tokens_per_epoch(base_model.source, path, base_model.context_length)
    assert not dev.training_files.exists()


# --- A real worker: the charge's tokens, and the estimate within 25% of the charge -----------


def run_job(client, user, model_id, rows, *, epochs):
    """Upload through /v1/files, read the form's estimate, create the job through /v1, let
    the training worker run it, and return (file, form estimate, API job, settled job)."""
    upload = SimpleUploadedFile("calibration.jsonl", jsonl(rows))
    file_id = api(client, user, "post", "files", data={"purpose": "fine-tune", "file": upload}).json()["id"]
    fields = {"model": model_id, "training_file": file_id, "n_epochs": epochs, "batch_size": 4}
    form = client.post(reverse("finetuning:job_estimate"), fields).json()
    body = {"model": model_id, "training_file": file_id, "hyperparameters": {"n_epochs": epochs, "batch_size": 4}}
    created = api(client, user, "post", "fine_tuning/jobs", data=body, content_type="application/json").json()
    deadline = time.monotonic() + 240
    while not FineTuningJob.objects.filter(pk=created["id"], settled=True).exists():
        assert time.monotonic() < deadline, f"{created['id']} did not finish"
        time.sleep(0.3)
    job = FineTuningJob.objects.get(pk=created["id"])
    assert job.status == "succeeded", job.error
    return selectors.file_get_for_user(user=user, file_id=file_id), form, created, job


@pytest.mark.slow
def test_the_charge_trains_the_counted_tokens_and_the_calibrated_estimate_is_within_25_percent(
    client, dev, training_worker, settings, tmp_path
):
    """Jobs on a real `training` worker (CPU). The first calibrates: the worker reports the
    throughput it measured. The next one's estimate, from that measurement, comes within 25%
    of what it is charged. Every token figure is the one count.

    The model is a little bigger than the suite's tiny one, so that each job trains for some
    seconds: a shared machine's hiccups then move the ratio less."""
    tiny_lm_path = testing.build_tiny_lm(tmp_path / "lm", hidden=192, layers=4, heads=4, positions=256)
    model = HostedModel.objects.create(
        model_id="tiny-calibrated",
        backend=HostedModel.Backend.CAUSAL_LM,
        task=HostedModel.Task.CHAT,
        source=str(tiny_lm_path),
        context_length=256,
        max_output_tokens=16,
    )
    settings.DEFAULT_CHAT_MODEL = model.model_id  # uploads here count with its tokenizer too
    throughput.throughput_forget(model_id=model.model_id)
    client.force_login(dev)

    file, form, created, first = run_job(
        client, dev, model.model_id, testing.chat_dataset(48, seed=21, high=30), epochs=6
    )
    per_epoch = trained_tokens_per_epoch(tiny_lm_path, file.content.path, 256)
    files_page = client.get(reverse("finetuning:file_list")).content.decode()
    assert shown(files_page, r'class="file-tokens"[^>]*>([\d,]+)<') == file.token_count == per_epoch
    assert (form["tokens"], form["trained_tokens"], form["measured_jobs"]) == (per_epoch, 6 * per_epoch, 0)
    assert created["estimated_tokens"] == first.estimated_tokens == 6 * per_epoch
    job_page = client.get(first.get_absolute_url()).content.decode()
    assert shown(job_page, r'id="job-tokens">(\d+)<') == per_epoch
    assert shown(job_page, r'id="job-trained-tokens">(\d+)<') == first.trained_tokens == 6 * per_epoch
    assert api(client, dev, "get", f"fine_tuning/jobs/{first.id}").json()["trained_tokens"] == 6 * per_epoch
    assert first.charged_credits == pricing.device_credits(first.device_seconds)
    measured = throughput.throughput_for(model_id=model.model_id)
    assert measured.measured_jobs == 1

    print(
        f"calibration: estimated {first.estimated_device_seconds:.1f} s / {first.estimated_cost} credits "
        f"(configured), charged {first.device_seconds:.1f} s / {first.charged_credits}; measured "
        f"{measured.startup_seconds:.2f} s start-up, {measured.tokens_per_second:.0f} tokens/s"
    )
    # Other work on a shared machine can halve a job's speed for a while (seen here: 2,200 to
    # 4,100 tokens/s within a minute at a load average of 4 on 2 cores); no estimate made before
    # a job runs can foresee that. So up to two more compared jobs (estimated from the median
    # of all jobs before them) may stand in for one that ran through such a spell, and one must
    # land within 25%. An estimate that ignored the measurements, or counted other tokens
    # than the trainer, misses every time.
    ratios = []
    for attempt, (count, seed) in enumerate(((64, 22), (56, 23), (64, 24))):
        file, form, created, job = run_job(
            client, dev, model.model_id, testing.chat_dataset(count, seed=seed, high=30), epochs=6
        )
        assert form["measured_jobs"] == attempt + 1 and form["credits"] == created["estimated_cost"]
        assert job.trained_tokens == job.estimated_tokens == 6 * file.token_count
        seconds_ratio = job.estimated_device_seconds / job.device_seconds
        credits_ratio = job.estimated_cost / job.charged_credits
        ratios.append((seconds_ratio, credits_ratio))
        print(
            f"compared: estimated {job.estimated_device_seconds:.1f} s / {job.estimated_cost}, charged "
            f"{job.device_seconds:.1f} s / {job.charged_credits}: ratio {seconds_ratio:.2f} (seconds), "
            f"{credits_ratio:.2f} (credits)"
        )
        if 0.75 <= seconds_ratio <= 1.25 and Decimal("0.75") <= credits_ratio <= Decimal("1.25"):
            break
    else:
        raise AssertionError(f"no estimate within 25% of its charge (estimate / charge): {ratios}")


def test_a_file_counted_before_tokenizers_is_counted_again_and_a_broken_one_refused(dev, base_model, tiny_lm_path):
    """Files stored with the old bytes / 4 figure (no `tokens_counted_with`) get the real count."""
    from django.core.files.base import ContentFile

    from sandbox.finetuning.models import TrainingFile

    def legacy(content: bytes) -> TrainingFile:
        return TrainingFile.objects.create(
            owner=dev,
            filename="old.jsonl",
            content=ContentFile(content, name="old.jsonl"),
            bytes=len(content),
            format=TrainingFile.Format.CHAT,
            example_count=12,
            token_count=len(content) // 4,
        )

    old = legacy(jsonl(testing.chat_dataset(12, seed=13)))
    planned = services.finetune_job_estimate(owner=dev, model=base_model.model_id, training_file=old.id)
    assert planned.cost.tokens == trained_tokens_per_epoch(tiny_lm_path, old.content.path, 256) != old.token_count
    broken = legacy(b'{"prompt": 1}\n' * 12)
    with pytest.raises(services.FineTuningError) as caught:
        services.finetune_job_estimate(owner=dev, model=base_model.model_id, training_file=broken.id)
    assert (caught.value.status, caught.value.code) == (400, "invalid_file")
