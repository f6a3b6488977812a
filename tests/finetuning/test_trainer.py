"""The trainer alone (no Django): packing changes nothing but speed, and a run resumed
from a checkpoint ends exactly where an uninterrupted one does."""

from pathlib import Path

import pytest
import torch

from sandbox.finetuning import testing, trainer


@pytest.fixture(scope="module")
def data(tiny_lm_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trainer")
    rows = testing.chat_dataset(24, seed=9, low=2, high=60, long_tail=True)
    return tiny_lm_path, testing.write_jsonl(folder / "train.jsonl", rows), folder


def config(data, name, **overrides):
    lm, train_path, folder = data
    values = dict(
        base_model_path=str(lm),
        train_path=str(train_path),
        data_format="chat",
        output_dir=str(folder / name),
        checkpoint_dir=str(folder / f"{name}-ckpt"),
        n_epochs=2,
        batch_size=4,
        checkpoint_every=4,
        seed=5,
        max_length=256,
        learning_rate_multiplier=5,
    )
    values.update(overrides)
    return trainer.TrainingConfig(**values)


def test_packed_rows_give_the_padded_batch_loss_with_fewer_positions(data):
    """Same loss as one padded row per example, computed over far fewer positions."""
    model, tokenizer = trainer.load_model_and_tokenizer(config(data, "x"), torch.device("cpu"))
    examples = trainer.encode_file(tokenizer, str(data[1]), "chat", 256)
    padded_positions = packed_positions = 0
    with torch.no_grad():
        for start in range(0, len(examples), 8):
            batch = examples[start : start + 8]
            padded = trainer.collate_padded(batch, tokenizer.pad_token_id)
            packed = trainer.collate_packed(batch, tokenizer.pad_token_id)
            assert float(model(**packed, use_cache=False).loss) == pytest.approx(
                float(model(**padded, use_cache=False).loss), rel=1e-5
            )
            # The training loss projects to the vocabulary only where labels are learned: same value.
            assert float(trainer.causal_lm_loss(model, packed)) == pytest.approx(
                float(model(**padded, use_cache=False).loss), rel=1e-5
            )
            padded_positions += padded["input_ids"].numel()
            packed_positions += packed["input_ids"].numel()
    assert packed_positions < 0.85 * padded_positions


class CrashAt:
    def __init__(self, step):
        self.step = step

    def on_start(self, **kwargs):
        pass

    def on_step(self, *, step, **kwargs):
        if step == self.step:
            raise KeyboardInterrupt("simulated crash")

    def on_checkpoint(self, **kwargs):
        pass

    def should_stop(self):
        return False


def test_resuming_from_a_checkpoint_matches_an_uninterrupted_run(data):
    from peft.utils import load_peft_weights

    straight = trainer.train(config(data, "straight"))
    # Every 4 steps, and at each epoch's end (6 steps an epoch), the last one included.
    saved = sorted(int(p.name.split("-")[1]) for p in Path(config(data, "straight").checkpoint_dir).glob("step-*"))
    assert saved == [4, 6, 8, 12]
    with pytest.raises(KeyboardInterrupt):
        trainer.train(config(data, "resumed"), CrashAt(5))  # after the checkpoint at step 4
    assert trainer.latest_checkpoint(config(data, "resumed").checkpoint_dir).name == "step-4"
    resumed = trainer.train(config(data, "resumed"))
    assert resumed["step"] == straight["step"] == 12
    assert resumed["train_loss"] == pytest.approx(straight["train_loss"], rel=1e-5)
    a, b = load_peft_weights(config(data, "straight").output_dir), load_peft_weights(config(data, "resumed").output_dir)
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-5, atol=1e-6)
