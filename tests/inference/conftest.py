"""Fixtures for the inference tests: tiny models on disk and real inference workers.

The tiny atrium-gpt-mini is built once with a short training budget
(``TEST_TRAIN_SECONDS``); an existing build under MODEL_STORE is reused. The default
smollm2-135m-instruct is converted once per MODEL_STORE by ``prepare_models``.
"""

from __future__ import annotations

import json
import shutil

import pytest
from celery import current_app

from portal.redis_client import get_redis
from sandbox.inference import protocol
from tests.support.processes import start_celery_worker

TEST_TRAIN_SECONDS = "20"
WORKER_ENV = {"ATRIUM_GPT_MINI_TRAIN_SECONDS": TEST_TRAIN_SECONDS, "HF_HUB_OFFLINE": "1"}
TINY_CHAT_TEMPLATE = (
    "<|system|>\nYou are the tiny test model of Atrium.\n"
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@pytest.fixture(scope="session")
def gpt_mini_path():
    from sandbox.inference.defaults import default_lm_path

    return default_lm_path(train_seconds=float(TEST_TRAIN_SECONDS))


# The tests' requests go to a queue of their own, so that only this offline worker
# serves them (the suite's shared `celery_worker` also consumes `inference`).
ENGINE_QUEUE = "inference-engine-test"


@pytest.fixture(scope="session")
def inference_worker(django_db_setup, django_db_blocker, gpt_mini_path):
    """An inference worker, offline (HF_HUB_OFFLINE=1), on the tests' own queue."""
    worker = start_celery_worker(queues=ENGINE_QUEUE, name="inference-c", **WORKER_ENV)
    yield worker
    worker.stop()


SINGLE_SLOT_QUEUE = "inference-single-slot-test"


@pytest.fixture(scope="session")
def single_slot_worker(django_db_setup, django_db_blocker):
    """A worker that decodes one sequence at a time, on a queue of its own."""
    worker = start_celery_worker(
        queues=SINGLE_SLOT_QUEUE, name="single-slot", INFERENCE_MAX_BATCH_SIZE="1", concurrency=4, **WORKER_ENV
    )
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, gpt_mini_path):
    """A tiny random GPT-2 in HF format with its own chat template; greedy never emits EOS."""
    import torch
    from transformers import AutoTokenizer, GenerationConfig, GPT2Config, GPT2LMHeadModel

    directory = tmp_path_factory.mktemp("tiny-gpt2")
    tokenizer = AutoTokenizer.from_pretrained(gpt_mini_path)
    tokenizer.chat_template = TINY_CHAT_TEMPLATE
    tokenizer.save_pretrained(directory)
    torch.manual_seed(0)
    eos = [tokenizer.convert_tokens_to_ids(t) for t in ("<|endoftext|>", "<|end|>")]
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=512,
        n_embd=32,
        n_layer=2,
        n_head=2,
        tie_word_embeddings=False,
        eos_token_id=eos[0],
        bos_token_id=eos[0],
    )
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        model.lm_head.weight[eos] = 0.0  # logit 0 never beats the best of 2,000 random logits
    model.generation_config = GenerationConfig(eos_token_id=eos)
    model.save_pretrained(directory)
    return directory


def make_lora_adapter(base_dir, target, *, seed: int):
    """A random (non-zero) LoRA adapter over the tiny model, saved with peft."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(base_dir)
    peft_model = get_peft_model(
        base, LoraConfig(r=4, lora_alpha=32, target_modules=["c_attn"], init_lora_weights=False, fan_in_fan_out=True)
    )
    peft_model.save_pretrained(target)
    return target


def send(task: str, *, model: str, queue: str = ENGINE_QUEUE, **kwargs) -> str:
    request_id = protocol.new_request_id()
    current_app.send_task(task, kwargs={"request_id": request_id, "model": model, **kwargs}, queue=queue)
    return request_id


def events_of(request_id: str, timeout: float = 120) -> list[dict]:
    return list(protocol.read_events(get_redis(), request_id, timeout=timeout))


def generate(model: str, **params) -> list[dict]:
    return events_of(send(protocol.GENERATE_TASK, model=model, **params))


def text_of(events: list[dict], index: int = 0) -> str:
    return "".join(e["text"] for e in events if e["type"] == "delta" and e["index"] == index)


def finish_of(events: list[dict], index: int = 0) -> str | None:
    return next((e["finish_reason"] for e in events if e["type"] == "finish" and e["index"] == index), None)


def copy_broken(directory, target):
    shutil.copytree(directory, target)
    (target / "config.json").write_text(json.dumps({"model_type": "no-such-architecture"}))
    return target
