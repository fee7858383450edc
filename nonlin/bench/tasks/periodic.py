"""Extrapolating a periodic function outside the training interval (Snake setting).

"Neural Networks Fail to Learn Periodic Functions and How to Fix It", Liu
Ziyin, Hartwig, Ueda, NeurIPS 2020, arXiv 2006.08195: networks with ReLU / tanh
fit sin(x) inside the training range but do not continue it outside; the
periodic Snake activation x + sin^2(a x)/a does.  Our version (the interval
and targets are our choice, documented here):

* inputs x uniform on the training interval [-r, r] (``train_radius``, default 5);
* test inputs uniform on [-3r, -r) U (r, 3r] (the same width on each side);
* target ``fn``: ``sin`` = sin(x), or ``sines`` = sin(x) + 0.5 sin(2x) + 0.25 sin(4x)
  (period 2 pi; several frequencies, so one matched period is not enough);
* optional Gaussian label noise on the training targets only (``noise``).

Metric: test MSE (lower is better).  Trivial baseline: predicting 0, the mean
of the target over a period, gives the mean of f^2 over the test range.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng

TARGETS = {
    "sin": lambda x: np.sin(x),
    "sines": lambda x: np.sin(x) + 0.5 * np.sin(2 * x) + 0.25 * np.sin(4 * x),
}


@register_task
class PeriodicExtrapolation(OptionTask):
    """Fit a periodic function on [-r, r], score it on r < |x| <= 3r."""

    name = "periodic_extrapolation"
    description = "learn sin-type targets on [-5,5], test extrapolation on 5<|x|<=15 (Snake setting)"
    output_kind = "regression"
    metric = "mse"
    higher_is_better = False
    trivial_baseline_note = "predicting 0 (the mean over a period): the mean of f(x)^2 on the test range"
    reference = ('"Neural Networks Fail to Learn Periodic Functions and How to Fix It", Liu Ziyin, Hartwig, '
                 "Ueda, NeurIPS 2020, arXiv 2006.08195")
    default_model = "mlp"
    input_shape = (1,)
    num_outputs = 1
    option_specs = {
        "fn": Option("sin", str, choices=tuple(TARGETS), doc="target function"),
        "train_radius": Option(5.0, float, low=0.5, high=100.0, doc="training interval [-r, r]"),
        "n_train": Option(1000, int, low=1, doc="training points"),
        "n_test": Option(1000, int, low=2, doc="test points (half on each side)"),
        "noise": Option(0.0, float, low=0.0, high=10.0, doc="std of Gaussian noise on training targets"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=100, batch_size=100, lr=3e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=2000, batch_size=100, lr=1e-3),
    }

    def setup(self) -> None:
        f, r = TARGETS[self.options["fn"]], self.options["train_radius"]
        # Both targets are odd, so f^2 is even: the mean over (r, 3r] equals that over the test set's law.
        self.trivial_baseline = quad(lambda t: f(t) ** 2, r, 3 * r, limit=400)[0] / (2 * r)

    def generate(self, seed: int) -> TaskData:
        rng = task_rng(seed, f"{self.name}:{self.options['fn']}")
        f, r = TARGETS[self.options["fn"]], self.options["train_radius"]
        n_tr, n_te = self.options["n_train"], self.options["n_test"]
        x_tr = rng.uniform(-r, r, size=(n_tr, 1))
        y_tr = f(x_tr) + self.options["noise"] * rng.standard_normal((n_tr, 1))
        side = np.where(np.arange(n_te) % 2 == 0, 1.0, -1.0)[:, None]  # exactly balanced sides
        x_te = side * rng.uniform(r, 3 * r, size=(n_te, 1))
        x_te[x_te == r] = 3 * r  # the interval is open at r: move the (measure-zero) endpoint
        x_te[x_te == -r] = -3 * r
        return as_tensors(x_tr, y_tr, x_te, f(x_te), {"seed": seed, "train_interval": (-r, r)}, labels=False)
