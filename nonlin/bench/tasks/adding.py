"""The adding problem (Hochreiter & Schmidhuber 1997; layout of Arjovsky et al. 2016).

Input (T, 2): channel 0 holds T values drawn from U[0, 1]; channel 1 is 0
except for two markers (value 1), one at a uniform position in [0, floor(T/2))
and one in [floor(T/2), T).  Target: the sum of the two marked values, shape
(N, 1).  Loss and metric: MSE.  Predicting the constant 1.0 (the mean of the
sum of two independent U[0, 1]) scores Var(U1 + U2) = 2/12 = 1/6.  "Solved"
usually means MSE < 0.01.

Reference: "Unitary Evolution Recurrent Neural Networks", Arjovsky, Shah,
Bengio, ICML 2016, arXiv 1511.06464 (after "Long Short-Term Memory",
Hochreiter & Schmidhuber 1997).
"""

from __future__ import annotations

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng


def make_adding(rng: np.random.Generator, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    half = length // 2
    x = np.zeros((n, length, 2))
    x[:, :, 0] = rng.uniform(0.0, 1.0, size=(n, length))
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    rows = np.arange(n)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = (x[rows, first, 0] + x[rows, second, 0])[:, None]
    return x, y


@register_task
class Adding(OptionTask):
    """Sum the two marked values of a length-T sequence."""

    name = "adding"
    description = "adding problem: sum the two marked values of a (T, 2) sequence (MSE; 1/6 is trivial)"
    output_kind = "regression"
    metric = "mse"
    higher_is_better = False
    trivial_baseline = 1.0 / 6.0
    trivial_baseline_note = "predicting 1.0 (the mean of U1 + U2): MSE = Var(U1 + U2) = 1/6"
    reference = ('"Unitary Evolution Recurrent Neural Networks", Arjovsky, Shah, Bengio, ICML 2016, '
                 'arXiv 1511.06464; "Long Short-Term Memory", Hochreiter & Schmidhuber 1997')
    default_model = "sequence"
    num_outputs = 1
    option_specs = {
        "length": Option(100, int, low=2, doc="sequence length T (100, 200, 400, 750, 1000 ... in the literature)"),
        "n_train": Option(5000, int, low=1, doc="training sequences"),
        "n_test": Option(1000, int, low=1, doc="test sequences"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=1, batch_size=100, lr=1e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=100, batch_size=100, lr=1e-3),
    }

    def setup(self) -> None:
        self.input_shape = (self.options["length"], 2)

    def generate(self, seed: int) -> TaskData:
        rng = task_rng(seed, self.name)
        xtr, ytr = make_adding(rng, self.options["n_train"], self.options["length"])
        xte, yte = make_adding(rng, self.options["n_test"], self.options["length"])
        return as_tensors(xtr, ytr, xte, yte, {"seed": seed}, labels=False)
