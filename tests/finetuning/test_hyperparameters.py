"""`auto` hyperparameters come from the data, as OpenAI's: epochs so that a small file is
seen about 100 times, batches of about a tenth of the file, bounded by their tokens."""

import pytest

from sandbox.finetuning import hyperparameters as hp
from sandbox.finetuning.errors import FineTuningError


@pytest.mark.parametrize(
    ("examples", "epochs"),
    [(10, 10), (24, 5), (34, 3), (48, 3), (1000, 3), (8333, 3), (8334, 2), (30_000, 1), (1, 25)],
)
def test_auto_epochs_reach_about_100_example_passes_and_shrink_for_big_files(examples, epochs):
    assert hp.auto_n_epochs(examples) == epochs


@pytest.mark.parametrize(
    ("examples", "tokens", "batch"),
    [(10, None, 1), (20, None, 2), (48, 2_500, 4), (100, None, 8), (5000, None, 32), (5000, 5000 * 2000, 4)],
)
def test_auto_batch_size_follows_the_file_size_and_its_example_length(examples, tokens, batch):
    assert hp.auto_batch_size(examples, tokens) == batch


def test_requested_values_override_auto_and_are_range_checked():
    resolved = hp.resolve_hyperparameters({"n_epochs": 2, "batch_size": "auto", "rank": None}, example_count=48)
    assert resolved == {"n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 1.0, "rank": 8}
    with pytest.raises(FineTuningError) as error:
        hp.resolve_hyperparameters({"n_epochs": 51}, example_count=48)
    assert error.value.param == "hyperparameters.n_epochs"
    with pytest.raises(FineTuningError):
        hp.resolve_hyperparameters({"momentum": 0.9}, example_count=48)
