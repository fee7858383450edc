"""The copy (memory) task in the layout of Arjovsky et al. 2016.

Alphabet: 0 = blank, 1..8 = data symbols a1..a8, 9 = delimiter.  Input
(T + 20 steps): 10 symbols drawn uniformly from 1..8, then T - 1 blanks, the
delimiter, then 10 blanks.  Target (T + 20 steps): T + 10 blanks, then the 10
symbols.  So the target at step t + T + 10 is the input at step t (t < 10):
the model must remember 10 symbols across T steps.

Inputs are token ids (``vocab_size`` 10; float32 (N, T + 20) holding
integers; models embed them).  Output kind ``sequence_classification``:
logits (N, T + 20, 10) against labels (N, T + 20).

Metric: mean per-step cross-entropy in nats (lower is better), the number
the literature plots.  The memoryless baseline (blank for the first T + 10
steps, uniform over a1..a8 for the last 10) scores 10 ln 8 / (T + 20).
Per-step accuracy is dominated by the blanks, so it is not the metric.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng

BLANK, DELIMITER, N_DATA, N_SYMBOLS = 0, 9, 8, 10
MEMORY = 10  # symbols to remember


def make_copy(rng: np.random.Generator, n: int, delay: int) -> tuple[np.ndarray, np.ndarray]:
    steps = delay + 2 * MEMORY
    data = rng.integers(1, N_DATA + 1, size=(n, MEMORY))
    x = np.full((n, steps), BLANK, dtype=np.int64)
    x[:, :MEMORY] = data
    x[:, MEMORY + delay - 1] = DELIMITER
    y = np.full((n, steps), BLANK, dtype=np.int64)
    y[:, -MEMORY:] = data
    return x, y


@register_task
class Copy(OptionTask):
    """Reproduce 10 symbols after a delay of T steps."""

    name = "copy"
    description = "copy task: recall 10 symbols (a1..a8) after T blanks; per-step cross-entropy"
    output_kind = "sequence_classification"
    metric = "cross_entropy"
    higher_is_better = False
    trivial_baseline_note = "memoryless: blanks for T+10 steps, uniform over 8 symbols at the end: 10 ln 8/(T+20)"
    reference = '"Unitary Evolution Recurrent Neural Networks", Arjovsky, Shah, Bengio, ICML 2016, arXiv 1511.06464'
    default_model = "sequence"
    num_outputs = N_SYMBOLS
    vocab_size = N_SYMBOLS
    option_specs = {
        "length": Option(100, int, low=1, doc="delay T (100, 200, 500, 1000, 2000 in the literature)"),
        "n_train": Option(5000, int, low=1, doc="training sequences"),
        "n_test": Option(1000, int, low=1, doc="test sequences"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=1, batch_size=100, lr=1e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=100, batch_size=100, lr=1e-3),
    }

    def setup(self) -> None:
        self.input_shape = (self.options["length"] + 2 * MEMORY,)
        self.trivial_baseline = MEMORY * math.log(N_DATA) / (self.options["length"] + 2 * MEMORY)

    def generate(self, seed: int) -> TaskData:
        rng = task_rng(seed, self.name)
        xtr, ytr = make_copy(rng, self.options["n_train"], self.options["length"])
        xte, yte = make_copy(rng, self.options["n_test"], self.options["length"])
        return as_tensors(xtr, ytr, xte, yte, {"seed": seed})

    def score(self, pred: Tensor, target: Tensor) -> float:
        return float(torch.nn.functional.cross_entropy(pred.reshape(-1, pred.shape[-1]).double(),
                                                       target.reshape(-1)))
