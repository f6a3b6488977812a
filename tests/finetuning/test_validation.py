"""Training data is validated on upload: every broken file is refused whole, with the
first problems named by line number, and nothing is stored."""

import json

import pytest

from sandbox.finetuning import tokens
from sandbox.finetuning.validation import FileTooLarge, TrainingDataInvalid, validate_lines

GOOD_CHAT = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})
GOOD_COMPLETION = json.dumps({"prompt": "2+2=", "completion": " 4"})


count_tokens = None  # the tiny model's tokenizer, as uploads count with a model's tokenizer


@pytest.fixture(scope="module", autouse=True)
def _tiny_tokenizer(tiny_lm_path):
    global count_tokens
    count_tokens = tokens.example_counter(tokens.CountingModel("tiny-gpt", str(tiny_lm_path), "", 256))


def run(text: bytes, *, min_examples=2, max_bytes=10_000, max_example_tokens=100, chunk=7):
    chunks = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    return validate_lines(
        chunks,
        max_bytes=max_bytes,
        min_examples=min_examples,
        max_example_tokens=max_example_tokens,
        count_tokens=count_tokens,
    )


def lines(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (lines(GOOD_CHAT, '{"messages": [', GOOD_CHAT), ["line 2: invalid JSON"]),
        (
            lines(GOOD_CHAT, GOOD_CHAT, json.dumps({"messages": [{"content": "no role"}]})),
            ["line 3: message 1 has no `role`"],
        ),
        (
            lines(GOOD_CHAT, json.dumps({"messages": [{"role": "user", "content": "only a question"}]})),
            ["line 2: no `assistant` message"],
        ),
        (
            lines(
                GOOD_CHAT,
                json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "   "}]}),
            ),
            ["line 2: message 2 (`assistant`) has empty `content`"],
        ),
        (
            lines(
                GOOD_CHAT,
                json.dumps(
                    {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "word " * 200}]}
                ),
            ),
            ["line 2: example of ", "tokens is longer than the limit of 100"],
        ),
        (lines(GOOD_CHAT), ["the file has 1 examples; at least 2 are needed"]),
        (lines(GOOD_CHAT, GOOD_CHAT).replace(b"hello", b"h\xe9llo", 1), ["line 1: not valid UTF-8"]),
        (lines(GOOD_CHAT, GOOD_COMPLETION), ["line 2: completion format, but the file began in chat format"]),
        (
            lines(GOOD_COMPLETION, json.dumps({"prompt": "x", "completion": ""})),
            ["line 2: `completion` must be a non-empty string"],
        ),
        (
            lines(GOOD_CHAT, "[1, 2]", '{"text": "x"}'),
            ["line 2: each line must be a JSON object", "line 3: expected `messages`"],
        ),
        (
            lines(GOOD_CHAT, json.dumps({"messages": [{"role": "wizard", "content": "x"}]})),
            ["line 2: message 1 has role `wizard`"],
        ),
        (
            lines(GOOD_CHAT, json.dumps({"messages": [{"role": "user", "content": "q\ud800"}]})),
            ["line 2: a string in `messages.0.content` contains an unpaired UTF-16 surrogate"],
        ),
        (lines(GOOD_CHAT, '{"a":' * 5_000 + "1" + "}" * 5_000), ["line 2: invalid JSON (nested more than"]),
        (lines(GOOD_CHAT, '{"a":' * 100 + "1" + "}" * 100), ["line 2: invalid JSON (nested more than"]),
    ],
)
def test_broken_files_name_their_problems_with_line_numbers(data, expected):
    with pytest.raises(TrainingDataInvalid) as caught:
        run(data, max_bytes=1_000_000)
    for fragment in expected:
        assert fragment in caught.value.describe()


def test_valid_files_are_summarised():
    chat = run(lines(GOOD_CHAT, "", GOOD_CHAT, GOOD_CHAT))
    assert (chat.format, chat.example_count) == ("chat", 3)
    assert chat.token_count > 0 and chat.longest_example_tokens > 0
    completion = run(b"\xef\xbb\xbf" + lines(GOOD_COMPLETION, GOOD_COMPLETION).rstrip(b"\n"))
    assert (completion.format, completion.example_count) == ("completion", 2)


def test_oversize_is_refused_as_soon_as_the_limit_is_passed():
    consumed = []

    def endless():
        while True:
            consumed.append(1)
            yield (GOOD_CHAT + "\n").encode()

    with pytest.raises(FileTooLarge):
        validate_lines(endless(), max_bytes=1000, min_examples=1, max_example_tokens=100, count_tokens=count_tokens)
    assert len(consumed) < 20  # stopped right after the limit, not at the end


def test_only_the_first_problems_are_reported():
    with pytest.raises(TrainingDataInvalid) as caught:
        run(lines(*["not json"] * 50))
    assert len(caught.value.problems) == 10
    assert caught.value.problems[0][0] == 1
