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


SAMPLES = [
    "Plain words, then numbers: 3.14159 and 2,718; quotes 'single' and \"double\".",
    "Accents and scripts: café, naïve, Größe, 日本語のテキスト, 中文分词, emoji 🙂🚀 and ✓.",
    "  Leading spaces,\ttabs,\nnew lines\n\n and a trailing space ",
    "Code: def f(x):\n    return {'a': [1, 2, 3]}  # done",
]


@pytest.fixture(scope="module", params=["atrium-gpt-mini", "smollm2-135m-instruct"])
def any_tokenizer(request, gpt_mini_path):
    from transformers import AutoTokenizer

    from sandbox.inference.defaults import smollm2_path

    path = gpt_mini_path if request.param == "atrium-gpt-mini" else smollm2_path()
    return AutoTokenizer.from_pretrained(path)


@pytest.mark.parametrize("text", SAMPLES)
def test_pieces_add_up_to_the_whole_answer_decoded_at_once(any_tokenizer, text):
    """Incremental detokenization publishes exactly what decoding the whole answer gives."""
    ids = any_tokenizer(text, add_special_tokens=False)["input_ids"]
    stream = TextStream(any_tokenizer, [])
    pieces = [stream.push(token)[0] for token in ids]
    published = "".join(pieces) + stream.flush()
    assert published == any_tokenizer.decode(ids, skip_special_tokens=True)
    assert not any("\ufffd" in piece for piece in pieces)  # a character split across tokens waits for its end


def test_a_stop_string_spanning_many_pieces_is_found_late_in_a_long_answer(tokenizer):
    text = "one two three " * 60 + "the end marker and more"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    stream = TextStream(tokenizer, ["end marker", "never here"])
    published, stopped = "", False
    for token in ids:
        piece, stopped = stream.push(token)
        published += piece
        if stopped:
            break
    assert stopped and published == "one two three " * 60 + "the "


class DecodeRecorder:
    """The real tokenizer, recording how many ids each decode is given."""

    def __init__(self, tokenizer):
        self.tokenizer, self.lengths = tokenizer, []

    def decode(self, ids, **kwargs):
        self.lengths.append(len(ids))
        return self.tokenizer.decode(ids, **kwargs)


def test_a_token_decodes_a_short_window_however_long_the_answer(tokenizer):
    """Each token decodes a few ids, not the whole answer again (which would make a long
    answer's text cost grow with the square of its length in the task thread)."""
    ids = tokenizer("Once upon a time, " * 150, add_special_tokens=False)["input_ids"]
    assert len(ids) > 500
    recorder = DecodeRecorder(tokenizer)
    stream = TextStream(recorder, ["\n\n"])
    published = "".join(stream.push(token)[0] for token in ids) + stream.flush()
    assert published == tokenizer.decode(ids)
    assert max(recorder.lengths) <= 4, max(recorder.lengths)
