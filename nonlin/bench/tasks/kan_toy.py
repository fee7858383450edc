"""The KAN paper's toy regression f(x, y) = exp(sin(pi x) + y^2) on [-1, 1]^2.

"KAN: Kolmogorov-Arnold Networks", Liu et al., arXiv 2404.19756 (2024), Sec. 2
/ Fig. 2.3: 1000 training and 1000 test points drawn uniformly from the square;
a [2, 5, 1] KAN represents it exactly (sin and square inside, exp outside).
Metric: test RMSE (lower is better).
"""

from __future__ import annotations

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng


def kan_toy_fn(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.exp(np.sin(np.pi * x) + y * y)


def grid_std(fn, lows, highs, n: int = 400) -> float:
    """Standard deviation of fn under the uniform law on a box (midpoint rule on an n x n grid).

    It is the test RMSE of the best constant predictor (the mean), the trivial baseline.
    """
    axes = [lo + (np.arange(n) + 0.5) * (hi - lo) / n for lo, hi in zip(lows, highs)]
    a, b = np.meshgrid(*axes, indexing="ij")
    return float(np.std(fn(a, b)))


@register_task
class KANToy(OptionTask):
    """f(x, y) = exp(sin(pi x) + y^2), inputs uniform on [-1, 1]^2, target shape (N, 1)."""

    name = "kan_toy"
    description = "KAN toy regression exp(sin(pi x) + y^2) on [-1,1]^2 (1000 train / 1000 test points)"
    output_kind = "regression"
    metric = "rmse"
    higher_is_better = False
    trivial_baseline = grid_std(kan_toy_fn, (-1, -1), (1, 1))
    trivial_baseline_note = "predicting the mean of f on the square: RMSE = std of f (uniform inputs)"
    reference = '"KAN: Kolmogorov-Arnold Networks", Liu et al., ICLR 2025, arXiv 2404.19756 (2024)'
    default_model = "mlp"
    input_shape = (2,)
    num_outputs = 1
    option_specs = {
        "n_train": Option(1000, int, low=1, doc="training points (1000 in the paper)"),
        "n_test": Option(1000, int, low=1, doc="test points"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=100, batch_size=100, lr=3e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=2000, batch_size=100, lr=1e-3),
    }

    def generate(self, seed: int) -> TaskData:
        rng = task_rng(seed, self.name)
        n_tr, n_te = self.options["n_train"], self.options["n_test"]
        x = rng.uniform(-1.0, 1.0, size=(n_tr + n_te, 2))
        f = kan_toy_fn(x[:, 0], x[:, 1])[:, None]
        return as_tensors(x[:n_tr], f[:n_tr], x[n_tr:], f[n_tr:], {"seed": seed}, labels=False)
