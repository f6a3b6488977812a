"""Incremental detokenization with stop strings (no worker needed)."""

import pytest

from sandbox.inference.generation import TextStream


@pytest.fixture(scope="module")
def tokenizer(gpt_mini_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gpt_mini_path)


def test_text_is_cut_before_a_stop_string_split_across_tokens(tokenizer):
    """A stop string that spans tokens is never published, not even its first half."""
    ids = tokenizer("Anna baked fresh bread. Tom sang", add_special_tokens=False)["input_ids"]
    stream = TextStream(tokenizer, ["d. To"])
    published, stopped = "", False
    for token in ids:
        piece, stopped = stream.push(token)
        published += piece
        if stopped:
            break
    assert stopped and published == "Anna baked fresh brea"


def test_flush_publishes_the_held_tail(tokenizer):
    ids = tokenizer("the sea", add_special_tokens=False)["input_ids"]
    stream = TextStream(tokenizer, ["a!"])
    published = "".join(stream.push(t)[0] for t in ids) + stream.flush()
    assert published == "the sea"
