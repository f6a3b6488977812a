"""Benchmark fine-tuning on the default model (smollm2-135m-instruct): a style learnt with
the default settings, our packing LoRA trainer vs HF ``Trainer`` + PEFT, then the
queue-to-first-step latency of a job on a warm `training` worker.

Run: ``.venv/bin/python -m bench.finetune`` (PostgreSQL and Redis up for part 2, as for
``make test``; ``--skip-latency``, ``--skip-throughput``, ``--skip-style`` leave parts out;
``--model DIR`` benchmarks another HF directory).

Part 0, the style run: the 48-example pirate file of the tests
(``tests/finetuning/data/pirate_style.jsonl``), trained with the hyperparameters "auto"
resolves for it (``sandbox.finetuning.hyperparameters``; ``--style-lr 0.2,1`` compares
learning-rate multipliers). Printed: the seconds (model loading included, and the training
loop alone), tokens/s, the mean loss of the first and last epoch, and how many answers to
ten questions not in the file open with the style, before and after.

Part 1, one run, side by side: the same base model, the same chat data with varied
example lengths, the same hyperparameters (epochs, batch size, learning rate, linear
schedule with the same warmup, LoRA rank and alpha, no weight decay), the same torch
thread count.

- **ours**: ``sandbox.finetuning.trainer.train`` (examples of a step packed into rows,
  position ids restarted per example, no padding attended);
- **reference**: ``transformers.Trainer`` on the same PEFT model and token ids, batches
  padded to their longest example by ``DataCollatorForSeq2Seq``.

The data's lengths are long-tailed (log-normal: mostly short, a few long, as real chat
data); the padding waste this causes is printed. The three runs (ours, the reference, and
ours with packing off) take turns for ``--repeat`` rounds and each one's fastest round
counts, because the machine may be shared. Throughput counts real (non-padding) training
tokens over the time of the training loop only (model loading excluded for both). Both
adapters are then scored on the same held-out set; the final losses should agree within noise. Target: >= 1.3x tokens/s.

Part 2: a real Celery worker (`training` queue) on a scratch database; after a warm-up
job, each job's time from creation (queued) to its first recorded training step.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

# Part 2 needs PostgreSQL and Redis like the suite; part 1 uses only MODEL_STORE.
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("TEST_DATABASE_NAME", "test_atrium_ftbench")  # a scratch database of its own


class Timing:
    """Trainer callbacks that time the loop: from the first step's start to the last step's end."""

    def __init__(self):
        self.loop_start = self.loop_end = self.cpu_start = self.cpu_end = None
        self.losses: list[float] = []

    def on_start(self, **kwargs):
        self.loop_start, self.cpu_start = time.perf_counter(), time.process_time()

    def on_step(self, *, loss, **kwargs):
        self.losses.append(loss)
        self.loop_end, self.cpu_end = time.perf_counter(), time.process_time()

    def on_checkpoint(self, **kwargs):
        pass

    def should_stop(self):
        return False


def run_ours(config, eval_examples, *, packing=True):
    import torch

    from sandbox.finetuning import trainer

    timing = Timing()
    # A fresh checkpoint folder each run: the trainer checkpoints every epoch's end and would resume from it.
    config = dataclasses.replace(
        config,
        packing=packing,
        output_dir=config.output_dir + ("" if packing else "-padded"),
        checkpoint_dir=tempfile.mkdtemp(prefix="bench-ft-ckpt-"),
    )
    result = trainer.train(config, timing)
    seconds = timing.loop_end - timing.loop_start
    cpu_seconds = timing.cpu_end - timing.cpu_start
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(config.base_model_path), config.output_dir)
    tokenizer_pad = _tokenizer(config.base_model_path).pad_token_id
    eval_loss = trainer.evaluate(model, eval_examples, 8, tokenizer_pad, torch.device("cpu"), packing=False)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "tokens": result["trained_tokens"],
        "eval_loss": eval_loss,
        "last_train_loss": statistics.fmean(timing.losses[-5:]),
    }


def _tokenizer(path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def run_reference(config, examples, eval_examples):
    import torch
    from transformers import (
        DataCollatorForSeq2Seq,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        get_linear_schedule_with_warmup,
    )

    from sandbox.finetuning import trainer

    torch.manual_seed(config.seed)
    model, tokenizer = trainer.load_model_and_tokenizer(config, torch.device("cpu"))
    dataset = [{"input_ids": ids, "labels": labels} for ids, labels in examples]
    steps = trainer.steps_per_epoch(len(examples), config.batch_size) * config.n_epochs
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=trainer.learning_rate(config.learning_rate_multiplier),
        weight_decay=0.0,
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, max(1, steps // 20), steps)

    class LoopTimer(TrainerCallback):
        start = end = cpu_start = cpu_end = None
        losses: list[float] = []

        def on_step_begin(self, args, state, control, **kwargs):
            if self.start is None:
                self.start, self.cpu_start = time.perf_counter(), time.process_time()

        def on_step_end(self, args, state, control, **kwargs):
            self.end, self.cpu_end = time.perf_counter(), time.process_time()

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                self.losses.append(logs["loss"])

    timer = LoopTimer()
    with tempfile.TemporaryDirectory() as output:
        args = TrainingArguments(
            output_dir=output,
            per_device_train_batch_size=config.batch_size,
            num_train_epochs=config.n_epochs,
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            seed=config.seed,
            dataloader_num_workers=0,
            disable_tqdm=True,
            remove_unused_columns=False,
        )
        hf = Trainer(
            model=model,
            args=args,
            train_dataset=dataset,
            optimizers=(optimizer, scheduler),
            data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
            callbacks=[timer],
        )
        from transformers.trainer_callback import PrinterCallback

        hf.remove_callback(PrinterCallback)
        hf.train()
    tokens = sum(len(ids) for ids, _ in examples) * config.n_epochs
    eval_loss = trainer.evaluate(model, eval_examples, 8, tokenizer.pad_token_id, torch.device("cpu"), packing=False)
    # The first step's forward/backward starts at on_step_begin; HF has no hook before its
    # first batch is collated, so its loop time includes collation, as ours does.
    return {
        "seconds": timer.end - timer.start,
        "cpu_seconds": timer.cpu_end - timer.cpu_start,
        "tokens": tokens,
        "eval_loss": eval_loss,
        "last_train_loss": statistics.fmean(timer.losses[-5:]) if timer.losses else float("nan"),
    }


def _default_model_path():
    from sandbox.inference.defaults import smollm2_path

    return smollm2_path()


def style(args) -> None:
    """Part 0: the style run with the default ("auto") hyperparameters."""
    import django
    import torch

    django.setup()
    from sandbox.finetuning import hyperparameters, trainer
    from tests.finetuning.style import PROMPTS, STYLE_DATASET, answers, has_style

    model_path = str(args.model or _default_model_path())
    torch.set_num_threads(args.threads)
    tokenizer = _tokenizer(model_path)
    examples = trainer.encode_file(tokenizer, str(STYLE_DATASET), "chat", args.max_length)
    tokens = sum(len(ids) for ids, _ in examples)
    auto = hyperparameters.auto_hyperparameters(example_count=len(examples), tokens=tokens)
    print(f"model: {model_path}")
    print(
        f"style data: {len(examples)} chat examples, {tokens} tokens an epoch; auto: {auto}; "
        f"base learning rate {trainer.BASE_LEARNING_RATE:g}; {args.threads} torch thread(s); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    base_answers = answers(model_path)
    print(
        f"base model: {sum(map(has_style, base_answers))}/{len(PROMPTS)} answers in the style "
        f"({time.perf_counter() - started:.0f} s), e.g. {base_answers[0]!r}"
    )
    for multiplier in [float(m) for m in args.style_lr.split(",")]:
        work = Path(tempfile.mkdtemp(prefix="bench-ft-style-"))
        config = trainer.TrainingConfig(
            base_model_path=model_path,
            train_path=str(STYLE_DATASET),
            data_format="chat",
            output_dir=str(work / "adapter"),
            checkpoint_dir=str(work / "ckpt"),
            n_epochs=auto["n_epochs"],
            batch_size=auto["batch_size"],
            learning_rate_multiplier=multiplier,
            rank=auto["rank"],
            seed=1,
            max_length=args.max_length,
        )
        timing = Timing()
        started = time.perf_counter()
        result = trainer.train(config, timing)
        total = time.perf_counter() - started
        loop = timing.loop_end - timing.loop_start
        per_epoch = len(timing.losses) // auto["n_epochs"]
        first, last = (statistics.fmean(timing.losses[:per_epoch]), statistics.fmean(timing.losses[-per_epoch:]))
        tuned = answers(model_path, config.output_dir)
        print(
            f"learning rate {trainer.learning_rate(multiplier):g} (x{multiplier:g}): {total:.0f} s in all, "
            f"training loop {loop:.0f} s, {result['trained_tokens'] / loop:.0f} tokens/s; mean loss first epoch "
            f"{first:.3f}, last epoch {last:.3f}; {sum(map(has_style, tuned))}/{len(PROMPTS)} answers in the style, "
            f"e.g. {tuned[0]!r}"
        )


def throughput(args) -> None:
    import django
    import torch

    django.setup()
    from sandbox.finetuning import testing, trainer

    model_path = str(args.model or _default_model_path())
    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="bench-ft-"))
    rows = testing.chat_dataset(args.examples, seed=11, low=2, high=args.max_words, long_tail=True)
    train_path = testing.write_jsonl(work / "train.jsonl", rows)
    eval_rows = testing.chat_dataset(64, seed=12, low=2, high=args.max_words, long_tail=True)
    eval_path = testing.write_jsonl(work / "eval.jsonl", eval_rows)
    config = trainer.TrainingConfig(
        base_model_path=model_path,
        train_path=str(train_path),
        data_format="chat",
        output_dir=str(work / "ours"),
        checkpoint_dir=str(work / "ckpt"),
        n_epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate_multiplier=args.lr_multiplier,
        rank=args.rank,
        seed=0,
        max_length=args.max_length,
        checkpoint_every=10**9,
    )
    tokenizer = _tokenizer(model_path)
    examples = trainer.encode_file(tokenizer, str(train_path), "chat", args.max_length)
    eval_examples = trainer.encode_file(tokenizer, str(eval_path), "chat", args.max_length)
    lengths = sorted(len(ids) for ids, _ in examples)
    print(f"model: {model_path}")
    print(
        f"data: {len(examples)} chat examples, {lengths[0]}-{lengths[-1]} tokens (median {lengths[len(lengths) // 2]}),"
        f" {args.epochs} epoch(s), batch {args.batch_size}, LoRA rank {args.rank}, {args.threads} torch thread(s)"
    )
    padded = sum(
        max(len(examples[i][0]) for i in batch) * len(batch)
        for epoch in range(args.epochs)
        for batch in trainer.batch_order(len(examples), args.batch_size, 0, epoch)
    )
    real = sum(lengths) * args.epochs
    print(f"padding waste of padded batches: {100 * (1 - real / padded):.0f}% of positions")

    # The machine may be shared: run the three in turn, `--repeat` rounds, and keep each
    # one's fastest loop (its losses are identical from round to round: same seed).
    runs = {"reference": [], "ours": [], "ours_padded": []}
    for _ in range(args.repeat):
        runs["ours"].append(run_ours(config, eval_examples))
        runs["reference"].append(run_reference(config, examples, eval_examples))
        runs["ours_padded"].append(run_ours(config, eval_examples, packing=False))
    for name, results in runs.items():
        print(f"{name}: loop seconds per round: " + ", ".join(f"{r['seconds']:.1f}" for r in results))
    ours, reference, ours_padded = (
        min(runs[name], key=lambda r: r["seconds"]) for name in ("ours", "reference", "ours_padded")
    )
    print()
    print(
        f"{'trainer':<32}{'tokens/s':>10}{'loop s':>9}{'tokens/CPU-s':>14}{'eval loss':>11}{'train loss (last 5)':>21}"
    )
    for name, r in (
        ("HF Trainer + PEFT (padded)", reference),
        ("ours (packed)", ours),
        ("ours, packing off (padded)", ours_padded),
    ):
        print(
            f"{name:<32}{r['tokens'] / r['seconds']:>10.0f}{r['seconds']:>9.1f}{r['tokens'] / r['cpu_seconds']:>14.0f}"
            f"{r['eval_loss']:>11.4f}{r['last_train_loss']:>21.4f}"
        )
    ratio = (ours["tokens"] / ours["seconds"]) / (reference["tokens"] / reference["seconds"])
    print(f"\nspeed-up vs HF Trainer + PEFT: {ratio:.2f}x (target >= 1.3x: {'met' if ratio >= 1.3 else 'NOT met'})")
    cpu_ratio = (reference["cpu_seconds"] / reference["tokens"]) / (ours["cpu_seconds"] / ours["tokens"])
    print(f"same in tokens per CPU-second (robust to other load on a shared machine): {cpu_ratio:.2f}x")
    own = (ours["tokens"] / ours["seconds"]) / (ours_padded["tokens"] / ours_padded["seconds"])
    print(f"speed-up from packing alone (same loop, padding on vs off): {own:.2f}x")
    delta = ours["eval_loss"] - reference["eval_loss"]
    print(
        f"held-out loss: ours {ours['eval_loss']:.4f} vs reference {reference['eval_loss']:.4f} "
        f"(difference {delta:+.4f}, {100 * delta / reference['eval_loss']:+.2f}%)"
    )


def latency(args) -> None:
    """Queue-to-first-step on a warm worker, against a scratch PostgreSQL database."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from portal.redis_client import get_redis
    from sandbox.finetuning import services, testing
    from sandbox.finetuning.models import FineTuningJob, FineTuningJobEvent
    from sandbox.registry.models import HostedModel
    from tests.support.processes import start_celery_worker

    get_redis().flushdb()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    store = tempfile.mkdtemp(prefix="bench-ft-store-")
    worker = None
    try:
        from django.contrib.auth import get_user_model

        from portal.billing.services import credits_grant

        model_dir = str(args.model or _default_model_path())
        base, _ = HostedModel.objects.update_or_create(
            model_id="bench-base",
            defaults={"source": model_dir, "context_length": 256, "backend": HostedModel.Backend.CAUSAL_LM},
        )
        user, _ = get_user_model().objects.get_or_create(email=f"bench-ft-{time.time_ns()}@example.com")
        credits_grant(user=user, amount=1000, reason="bench")
        content = "".join(__import__("json").dumps(r) + "\n" for r in testing.chat_dataset(16)).encode()
        file = services.file_create(owner=user, upload=SimpleUploadedFile("b.jsonl", content), purpose="fine-tune")
        worker = start_celery_worker(
            queues="training",
            pool="prefork",
            concurrency=1,
            name="bench-ft",
            MODEL_STORE=store,
            OMP_NUM_THREADS=str(args.threads),
        )
        figures = []
        for run in range(args.latency_jobs + 1):
            job, _ = services.finetune_job_create(
                owner=user, model=base.model_id, training_file=file.id, hyperparameters={"n_epochs": 1, "batch_size": 4}
            )
            deadline = time.monotonic() + 120
            first = None
            while time.monotonic() < deadline:
                first = FineTuningJobEvent.objects.filter(job=job, type="metrics").order_by("id").first()
                if first is not None:
                    break
                time.sleep(0.01)
            if first is None:
                raise SystemExit(f"no training step within 120 s:\n{worker.output}")
            seconds = (first.created_at - job.created_at).total_seconds()
            while FineTuningJob.objects.get(pk=job.pk).status not in FineTuningJob.TERMINAL_STATUSES:
                time.sleep(0.05)
            label = "warm-up (first job on a fresh worker)" if run == 0 else f"warm worker, job {run}"
            print(f"queue-to-first-step, {label}: {seconds * 1000:.0f} ms")
            if run:
                figures.append(seconds)
        print(
            f"queue-to-first-step with a warm worker: median {statistics.median(figures) * 1000:.0f} ms "
            f"over {len(figures)} jobs (includes loading the base model and LoRA setup per job)"
        )
    finally:
        if worker is not None:
            worker.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="HF directory of the base model (default: smollm2-135m-instruct)")
    # Sized for a 135M model on a small CPU: each of the three runs trains about 5,000 tokens.
    parser.add_argument("--examples", type=int, default=48)
    parser.add_argument("--max-words", type=int, default=60, help="longest user message, in words (long-tailed)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr-multiplier", type=float, default=1.0)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--latency-jobs", type=int, default=2)
    parser.add_argument(
        "--repeat", "--repeats", type=int, default=1, help="rounds of the three runs; the fastest of each counts"
    )
    parser.add_argument("--style-lr", default="1", help="learning-rate multipliers of the style run, comma separated")
    parser.add_argument("--skip-style", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    # `python -m bench ... -- OPTIONS` passes the same options to every benchmark.
    args, _others = parser.parse_known_args()
    if not args.skip_style:
        style(args)
        print()
    if not args.skip_throughput:
        throughput(args)
        print()
    if not args.skip_latency:
        latency(args)


if __name__ == "__main__":
    main()
