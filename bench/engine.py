"""Benchmark the inference engine: continuous batching vs one at a time vs static batching.

Run: ``.venv/bin/python -m bench engine`` (about three minutes on a quiet 2-core machine).

The model is the default chat model, smollm2-135m-instruct (its snapshot is converted
first if missing); ``--model atrium-gpt-mini`` runs the tiny test model instead (with
``--rounds 4 --max-output 160``, the workload measured before the default changed).

One run, same model, same requests: ``--streams`` concurrent streams (clients, 16 by
default), each sending ``--rounds`` requests one after another (the next when the
previous answer is complete), of varied prompt and output lengths (prompts 8-63 tokens,
outputs 8 to ``--max-output`` tokens; greedy, EOS ignored so every request produces
exactly its ``max_tokens``). Modes:

- **engine**: our ContinuousBatcher, one thread per stream, as the Celery task threads
  of a worker submit requests and collect tokens (once per ``STREAM_TICK_SECONDS``, or
  at once when a request ends): a stream's next request joins the running batch as
  soon as its previous one leaves;
- **one at a time**: the same concurrent streams, served by a batcher that decodes one
  request at a time (``max_batch_size=1``): a request waits for those queued before it,
  so its latency includes the queue, as in the other modes, and tokens/s is over the
  wall time of that run;
- **static**: HF ``generate`` on left-padded batches of all streams (round r = the
  r-th request of every stream); a batch runs until its longest member is done, and
  every request in it gets its answer then.

Prints aggregate tokens/s, per-request p50/p95 latency, where the engine's loop spent
its time (decode steps, rows per step, prefills of arriving requests) and the ratios
against the targets: on CPU >= 3x one at a time and >= 1.5x static in tokens/s, p95 <= 1.2x one at a
time; on CUDA also >= 5x HF generate (the issue's GPU target, at 32 streams). For
information it also compares the p95 with each request's service time alone (from
joining to its answer, without the queue), the stricter reading used before.

``--model`` takes an HF repo id or a local HF directory, ``--device`` cpu, cuda or auto
(cuda when available; bf16 where supported, else fp16). The same torch thread count
(``INFERENCE_CPU_THREADS``) is used in every mode on CPU.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import threading
import time

from bench.stats import percentile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")


def make_streams(tokenizer, streams: int, rounds: int, max_output: int = 160) -> list[list[tuple[list[int], int]]]:
    """Per stream, its requests: (prompt ids, max_tokens); prompts 8-63 tokens, outputs 8-``max_output``."""
    from sandbox.inference.defaults.build_lm import CORPUS

    paragraphs = [p for p in CORPUS.read_text().split("\n\n") if len(p) > 300]
    plan = []
    for s in range(streams):
        requests = []
        for r in range(rounds):
            i = s * rounds + r
            ids = tokenizer(paragraphs[i], add_special_tokens=False)["input_ids"]
            requests.append((ids[: 8 + (i * 37) % 56], 8 + (i * 89) % 153 * (max_output - 8) // 152))
        plan.append(requests)
    return plan


def synchronize(device) -> None:
    """Wait for the device's queued work, so that a clock read after it counts that work."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_engine(batcher, plan):
    """Concurrent streams through ``batcher``: wall time, then per request latency, service time, output."""
    from sandbox.inference.batching import LoopTimes, Sequence
    from sandbox.inference.generation import STREAM_TICK_SECONDS

    before = LoopTimes(**vars(batcher.times))
    results: dict[tuple[int, int], tuple[float, float, list[int]]] = {}

    def serve(s: int, r: int) -> None:
        prompt, max_tokens = plan[s][r]
        sequence = Sequence(prompt_ids=prompt, max_new_tokens=max_tokens, temperature=0, index=r)
        started = time.monotonic()
        batcher.submit(sequence)
        tokens, done = [], False
        while not done:  # as a Celery task thread does (generation.stream_sequences)
            for _index, kind, value in sequence.outbox.take():
                if kind == "token":
                    tokens.append(value)
                else:
                    done = True
            if not done:
                sequence.outbox.wait(STREAM_TICK_SECONDS)
        answered = time.monotonic()
        results[s, r] = (answered - started, answered - sequence.admitted_at, tokens)

    def stream(s: int) -> None:
        for r in range(len(plan[s])):
            serve(s, r)

    started = time.monotonic()
    threads = [threading.Thread(target=stream, args=(s,)) for s in range(len(plan))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    keys = sorted(results)
    times = LoopTimes(**{name: value - getattr(before, name) for name, value in vars(batcher.times).items()})
    return wall, [results[k][0] for k in keys], [results[k][1] for k in keys], [results[k][2] for k in keys], times


def run_static(model, tokenizer, plan, device):
    """HF generate, round by round: wall time, per request latency (and service time: the same), output."""
    import torch

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    # No EOS, as in the engine's runs: every row decodes to the batch's longest length.
    # (generate falls back to the model's EOS when given none, so name an id past the
    # vocabulary, which no step can write.)
    config = copy.deepcopy(model.generation_config)
    config.eos_token_id = [model.get_output_embeddings().weight.shape[0]]
    config.do_sample, config.pad_token_id = False, pad
    config.temperature = config.top_p = config.top_k = None
    results = {}
    started = time.monotonic()
    for r in range(len(plan[0])):
        batch = [plan[s][r] for s in range(len(plan))]
        width = max(len(p) for p, _ in batch)
        input_ids = torch.tensor([[pad] * (width - len(p)) + p for p, _ in batch], device=device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p, _ in batch], device=device)
        config.max_new_tokens = max(m for _, m in batch)
        round_started = time.monotonic()
        with torch.inference_mode():
            out = model.generate(input_ids=input_ids, attention_mask=mask, generation_config=config)
        synchronize(device)
        latency = time.monotonic() - round_started
        out = out.tolist()
        for s, (_, m) in enumerate(batch):
            results[s, r] = (latency, out[s][width : width + m])
    wall = time.monotonic() - started
    keys = sorted(results)
    latencies = [results[k][0] for k in keys]
    return wall, latencies, latencies, [results[k][1] for k in keys], None


def decode_step_cost_ratio(model, device, rows: int) -> float:
    """How many times one decode step of ``rows`` rows costs one step of a single row."""
    import torch

    def seconds_per_step(batch: int, steps: int = 20) -> float:
        ids = torch.ones((batch, 64), dtype=torch.long, device=device)
        with torch.inference_mode():
            cache = model(input_ids=ids, use_cache=True).past_key_values
            token = ids[:, :1]
            model(input_ids=token, past_key_values=cache, use_cache=True)
            synchronize(device)
            started = time.perf_counter()
            for _ in range(steps):
                model(input_ids=token, past_key_values=cache, use_cache=True)
            synchronize(device)
        return (time.perf_counter() - started) / steps

    return min(seconds_per_step(rows) for _ in range(3)) / min(seconds_per_step(1) for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default="smollm2-135m-instruct",
        help="smollm2-135m-instruct (the default chat model), atrium-gpt-mini, an HF repo id or a local HF directory",
    )
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: cuda when available")
    parser.add_argument("--streams", type=int, default=16, help="concurrent clients (the GPU target uses 32)")
    parser.add_argument("--rounds", type=int, default=3, help="requests sent by each stream, one after another")
    parser.add_argument("--max-output", type=int, default=64, help="the longest max_tokens (outputs from 8 tokens)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each mode, interleaved; medians reported")
    options = parser.parse_args()

    import django

    django.setup()
    import torch
    from django.conf import settings
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sandbox.inference.batching import ContinuousBatcher
    from sandbox.inference.defaults import GPT_MINI_ID, SMOLLM2_ID, default_lm_path, smollm2_path

    choice = options.device
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(choice)
    dtype = torch.float32
    if device.type == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    else:
        torch.set_num_threads(settings.INFERENCE_CPU_THREADS)
    named = {SMOLLM2_ID: smollm2_path, GPT_MINI_ID: default_lm_path}
    path = named[options.model]() if options.model in named else options.model
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device).eval()
    parameters = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"model: {options.model} ({parameters:.2f}M parameters) at {path}")
    if device.type == "cuda":
        print(f"device: {torch.cuda.get_device_name(device)}, {str(dtype).removeprefix('torch.')}")
    else:
        print(f"device: cpu, torch threads {torch.get_num_threads()}, {os.cpu_count()} cores")
        print(
            "CUDA: not used in this run, so CPU figures only; the GPU target (>= 5x HF generate at 32 "
            "streams with a real HF model) was not measured."
        )
    plan = make_streams(tokenizer, options.streams, options.rounds, options.max_output)
    requests = [request for stream in plan for request in stream]
    useful = sum(m for _, m in requests)
    batcher = ContinuousBatcher(model, name="bench", device=device, max_batch_size=max(64, options.streams))
    single = ContinuousBatcher(model, name="bench-single", device=device, max_batch_size=1)

    warm_up = [stream[:1] for stream in plan[:4]]
    run_engine(batcher, warm_up)
    run_engine(single, warm_up)
    run_static(model, tokenizer, warm_up, device)
    # The modes run interleaved, `--repeats` times; each reports its median run, so that
    # a burst of load on a shared machine does not favour one mode.
    runs = {"seq": [], "eng": [], "sta": []}
    for _ in range(options.repeats):
        runs["seq"].append(run_engine(single, plan))
        runs["eng"].append(run_engine(batcher, plan))
        runs["sta"].append(run_static(model, tokenizer, plan, device))
    (
        (t_seq, lat_seq, svc_seq, out_seq, loop_seq),
        (t_eng, lat_eng, _, out_eng, loop_eng),
        (t_sta, lat_sta, _, out_sta, _),
    ) = (sorted(runs[mode], key=lambda run: run[0])[len(runs[mode]) // 2] for mode in ("seq", "eng", "sta"))
    if options.repeats > 1:
        for mode, label in (("eng", "engine"), ("seq", "one at a time"), ("sta", "static")):
            print(f"{label} wall times: {', '.join(f'{run[0]:.2f}' for run in runs[mode])} s")

    rows = [
        ("engine (continuous batching)", t_eng, lat_eng),
        ("one at a time (queued)", t_seq, lat_seq),
        ("HF generate, static padding", t_sta, lat_sta),
    ]
    print(
        f"\n{options.streams} streams x {options.rounds} requests (median of {options.repeats}), "
        f"prompts {min(len(p) for p, _ in requests)}-"
        f"{max(len(p) for p, _ in requests)} tokens, outputs {min(m for _, m in requests)}-"
        f"{max(m for _, m in requests)} tokens, {useful} useful tokens in all\n"
    )
    print(f"{'mode':32} {'wall s':>8} {'tokens/s':>10} {'p50 s':>8} {'p95 s':>8}")
    for name, wall, lat in rows:
        print(f"{name:32} {wall:8.2f} {useful / wall:10.1f} {statistics.median(lat):8.2f} {percentile(lat, 0.95):8.2f}")

    print("\nwhere the loop's time went (median run):")
    for name, wall, loop in (("engine", t_eng, loop_eng), ("one at a time", t_seq, loop_seq)):
        print(
            f"  {name:14} {loop.steps} decode steps of {loop.step_rows / max(loop.steps, 1):.1f} rows on average, "
            f"{1000 * loop.step_seconds / max(loop.steps, 1):.0f} ms each ({100 * loop.step_seconds / wall:.0f}% of "
            f"the wall time); {loop.prefills} prefills of {loop.prefilled_rows / max(loop.prefills, 1):.1f} "
            f"requests on average ({100 * loop.prefill_seconds / wall:.0f}%)"
        )

    def verdict(ok: bool) -> str:
        return "meets target" if ok else "MISSES target"

    # What the workload allows: static batching decodes each round to its longest request;
    # the engine, however it schedules, at least as many steps as the busiest stream's sum.
    static_steps = sum(max(plan[s][r][1] for s in range(len(plan))) for r in range(len(plan[0])))
    engine_steps = max(sum(m for _, m in stream) for stream in plan)
    print(
        f"\nthis workload: static batching decodes {static_steps} steps of {options.streams} rows, the engine at "
        f"least {engine_steps} (the busiest stream's requests back to back): {static_steps / engine_steps:.2f}x is "
        "about the most continuous batching can gain over static here, at equal step costs and free prefills"
    )
    vs_seq, vs_static = t_seq / t_eng, t_sta / t_eng
    p95_eng = percentile(lat_eng, 0.95)
    p95_ratio = p95_eng / percentile(lat_seq, 0.95)
    print(f"\ntokens/s vs one at a time: {vs_seq:.2f}x (target >= 3x: {verdict(vs_seq >= 3)})")
    if device.type == "cuda":
        at = "" if options.streams == 32 else f"; measured at {options.streams} streams, the target names 32"
        print(f"tokens/s vs HF generate: {vs_static:.2f}x (GPU target >= 5x: {verdict(vs_static >= 5)}{at})")
    else:
        print(f"tokens/s vs static batching: {vs_static:.2f}x (target >= 1.5x: {verdict(vs_static >= 1.5)})")
    print(f"p95 latency vs one at a time (queued): {p95_ratio:.2f}x (target <= 1.2x: {verdict(p95_ratio <= 1.2)})")
    step_ratio = decode_step_cost_ratio(model, device, options.streams)
    print(
        f"p95 latency vs one at a time, service time alone (no queue): {p95_eng / percentile(svc_seq, 0.95):.2f}x "
        f"(informational, not a target: here a decode step of {options.streams} rows costs {step_ratio:.1f}x "
        "a step of one, about the least this ratio can be for a request that spends its life in a full batch)"
    )
    same = sum(a == b for a, b in zip(out_eng, out_seq, strict=True))
    print(
        f"greedy outputs identical in batch and alone: {same}/{len(requests)}; "
        f"identical to HF generate: {sum(a == b for a, b in zip(out_eng, out_sta, strict=True))}/{len(requests)}"
    )


if __name__ == "__main__":
    main()
