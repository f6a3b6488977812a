"""The continuous batcher in-process (no worker): rows join, leave and grow the KV buffers."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from sandbox.inference import batching
from sandbox.inference.batching import ContinuousBatcher, Outbox, Sequence, _fill_holes
from sandbox.inference.defaults.build_lm import CORPUS

# (prompt length, max_tokens): varied, so that rows are padded and leave at different steps.
# The first wave widens the batch; the second joins it with shorter prompts.
WAVES = [[(47, 33), (31, 12), (9, 40)], [(5, 25), (18, 7)]]
REQUESTS = [request for wave in WAVES for request in wave]


@pytest.fixture(scope="module")
def lm(gpt_mini_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gpt_mini_path)
    model = AutoModelForCausalLM.from_pretrained(gpt_mini_path).eval()
    return model, tokenizer


@pytest.fixture(scope="module")
def prompts(lm):
    _model, tokenizer = lm
    paragraphs = [p for p in CORPUS.read_text().split("\n\n") if len(p) > 300]
    return [tokenizer(p, add_special_tokens=False)["input_ids"] for p in paragraphs[: len(REQUESTS) + 1]]


def hf_greedy(lm, prompt: list[int], max_tokens: int) -> list[int]:
    """What HF generate writes for one prompt alone, EOS ignored (as the batcher's sequences here)."""
    model, tokenizer = lm
    never = tokenizer.convert_tokens_to_ids("<|system|>")  # not in atrium-gpt-mini's corpus
    with torch.inference_mode():
        out = model.generate(
            input_ids=torch.tensor([prompt]),
            attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
            max_new_tokens=max_tokens,
            do_sample=False,
            eos_token_id=never,
            pad_token_id=never,
        )
    return out[0, len(prompt) :].tolist()


def collect(sequence: Sequence, timeout: float = 60) -> tuple[list[int], str | None]:
    """The tokens and finish reason of one sequence, read as a task thread does."""
    tokens, finish, deadline = [], None, time.monotonic() + timeout
    while finish is None and time.monotonic() < deadline:
        for _index, kind, value in sequence.outbox.take(timeout=timeout):
            if kind == "token":
                tokens.append(value)
            else:
                finish = value
    return tokens, finish


def wait_for_tokens(sequence: Sequence, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(sequence.generated) < count and time.monotonic() < deadline:
        time.sleep(0.001)


def run_with_late_joiners(lm, prompts) -> tuple[list[list[int]], list[list[int]]]:
    """A long request starts alone; the others join in two waves while it decodes. Outputs and HF's."""
    model, _tokenizer = lm
    batcher = ContinuousBatcher(model, name="test", device=torch.device("cpu"), max_batch_size=8)
    first = Sequence(prompt_ids=prompts[-1][:12], max_new_tokens=120, temperature=0)
    batcher.submit(first)
    others = [
        Sequence(prompt_ids=prompts[i][:length], max_new_tokens=max_tokens, temperature=0)
        for i, (length, max_tokens) in enumerate(REQUESTS)
    ]
    waiting = iter(others)
    for wave in WAVES:
        wait_for_tokens(first, len(first.generated) + 5)
        for _request in wave:
            batcher.submit(next(waiting))
    results = [collect(s) for s in others]
    assert not first.stopped, "the first request ended before the others joined it"
    results.append(collect(first))
    assert all(finish == "length" for _tokens, finish in results)
    expected = [hf_greedy(lm, s.prompt_ids, s.max_new_tokens) for s in others + [first]]
    return [tokens for tokens, _finish in results], expected


def test_requests_that_join_a_running_batch_write_what_they_write_alone(lm, prompts):
    """Greedy rows that join mid-batch, padded and leaving at different steps, match HF generate alone."""
    outputs, expected = run_with_late_joiners(lm, prompts)
    assert outputs == expected


def test_outputs_do_not_change_when_the_kv_buffers_grow_and_move(lm, prompts, monkeypatch):
    """With one spare column and row, the buffers move at almost every step and join; outputs stay HF's."""
    monkeypatch.setattr(batching, "SPARE_COLUMNS", 1)
    monkeypatch.setattr(batching, "SPARE_ROWS", 1)
    outputs, expected = run_with_late_joiners(lm, prompts)
    assert outputs == expected


def test_a_cancelled_row_leaves_without_changing_its_neighbours(lm, prompts):
    """A row stopped mid-batch gets no finish and no more tokens; the rows around it are unchanged."""
    model, _tokenizer = lm
    batcher = ContinuousBatcher(model, name="test", device=torch.device("cpu"), max_batch_size=8)
    sequences = [Sequence(prompt_ids=prompts[i][:20], max_new_tokens=60, temperature=0) for i in range(3)]
    for sequence in sequences:
        batcher.submit(sequence)
    wait_for_tokens(sequences[1], 5)
    sequences[1].stop()
    for neighbour in (sequences[0], sequences[2]):
        assert collect(neighbour) == (hf_greedy(lm, neighbour.prompt_ids, 60), "length")
    messages = sequences[1].outbox.take(timeout=0)  # its tokens until it left, never read till now
    assert messages and not any(kind == "finish" for _index, kind, _value in messages)
    assert len(sequences[1].generated) < 60


def test_a_finish_wakes_the_waiting_task_thread_at_once():
    """Tokens wait for the tick; a finish ends the wait, so a request is answered without the tick's delay."""
    outbox = Outbox()
    outbox.put((0, "token", 5))
    started = time.monotonic()
    outbox.wait(0.2)
    assert time.monotonic() - started >= 0.15  # a token does not cut the tick short

    threading.Timer(0.05, outbox.put, args=((0, "finish", "length"),)).start()
    started = time.monotonic()
    outbox.wait(30)
    assert time.monotonic() - started < 10
    assert outbox.take() == [(0, "token", 5), (0, "finish", "length")]


def test_rows_that_leave_are_replaced_by_rows_from_the_end():
    """Only rows from the end move, into the places of those that left; the others keep theirs."""
    assert _fill_holes([False, True, False, True, False, False]) == [0, 4, 2, 5]
    assert _fill_holes([True, True]) == []
    assert _fill_holes([False, False, True]) == [0, 1]


def test_the_loop_counts_one_prefill_and_one_step_per_token_after_the_first(lm, prompts):
    """Requests admitted together share one prefill (which writes their first token), then
    decode one token per step each: the loop does no step that produces nothing, and its
    counters (what the engine bench reports) say so."""
    model, _tokenizer = lm
    batcher = ContinuousBatcher(model, name="test", device=torch.device("cpu"), max_batch_size=8)
    sequences = [Sequence(prompt_ids=prompts[i][:20], max_new_tokens=m, temperature=0) for i, m in enumerate((5, 9))]
    for sequence in sequences:
        batcher.pending.put(sequence)  # queued before the loop starts: admitted together
    batcher._ensure_running()
    results = [collect(sequence) for sequence in sequences]
    assert [(len(tokens), finish) for tokens, finish in results] == [(5, "length"), (9, "length")]
    times, deadline = batcher.times, time.monotonic() + 30
    while times.step_rows < 12 and time.monotonic() < deadline:  # the last step's counters follow its finish
        time.sleep(0.001)
    assert (times.prefills, times.prefilled_rows) == (1, 2)
    assert (times.steps, times.step_rows) == (8, 4 * 2 + 4)
    assert times.step_seconds > 0 and times.prefill_seconds > 0


def test_prompts_of_very_different_lengths_are_prefilled_apart():
    """Similar lengths share a pass; a prompt that would add much padding starts its own (shortest first)."""

    def lengths(*sizes):
        groups = batching.prefill_groups([Sequence(prompt_ids=[1] * n, max_new_tokens=1) for n in sizes])
        return [[len(s.prompt_ids) for s in group] for group in groups]

    assert lengths(40, 8, 12, 10) == [[8, 10, 12], [40]]
    assert lengths(20, 21, 22, 23) == [[20, 21, 22, 23]]
    assert lengths(500) == [[500]]
    split = batching.PREFILL_SPLIT_TOKENS
    assert lengths(10, 10 + split) == [[10, 10 + split]]  # exactly the allowance: still one pass
    assert lengths(10, 11 + split) == [[10], [11 + split]]


def test_arrivals_prefilled_in_separate_passes_write_what_they_write_alone(lm, prompts):
    model, _tokenizer = lm
    batcher = ContinuousBatcher(model, name="test", device=torch.device("cpu"), max_batch_size=8)
    requests = [(prompts[0][:6], 20), (prompts[1][:90], 12), (prompts[2][:7], 30)]
    sequences = [Sequence(prompt_ids=p, max_new_tokens=m, temperature=0) for p, m in requests]
    for sequence in sequences:
        batcher.pending.put(sequence)  # queued before the loop starts: admitted together
    batcher._ensure_running()
    outputs = [collect(sequence)[0] for sequence in sequences]
    assert outputs == [hf_greedy(lm, p, m) for p, m in requests]
    assert (batcher.times.prefills, batcher.times.prefilled_rows) == (2, 3)


def test_counting_tokens_while_a_batch_encodes_never_breaks_the_batch():
    """A request counts its tokens while another batch of unequal lengths encodes: neither
    fails. (They share one fast tokenizer, which switches padding on and off per call; the
    docs index once failed its batch that way when two embedding requests overlapped.)"""
    import threading

    from sentence_transformers import SentenceTransformer

    from sandbox.inference.defaults import minilm_path
    from sandbox.inference.engine import EmbeddingBatcher

    model = SentenceTransformer(str(minilm_path()), device="cpu", local_files_only=True)
    batcher = EmbeddingBatcher(model, name="race")
    texts = [("word " * n).strip() for n in (3, 90, 17, 120, 40, 64, 5, 101)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            try:
                assert len(batcher.token_counts(texts[::-1])) == len(texts)
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)
                return

    counters = [threading.Thread(target=count) for _ in range(2)]
    for thread in counters:
        thread.start()
    try:
        for _ in range(25):
            vectors = batcher.embed(texts)
            assert len(vectors) == len(texts) and all(len(v) == 384 for v in vectors)
    finally:
        stop.set()
        for thread in counters:
            thread.join()
    assert errors == []
