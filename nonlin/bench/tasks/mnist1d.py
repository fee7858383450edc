"""MNIST-1D: procedurally generated 1-D digits (Greydanus & Kobak, arXiv 2011.14439).

Ten 12-point templates are padded, scaled, sheared, translated, blurred by
correlated noise and resampled to 40 points; the generator is the `mnist1d`
package's ``make_dataset`` (pure NumPy/SciPy, no network).  We never call
``get_dataset``: it downloads or writes ``./mnist1d_data.pkl``.
``make_dataset`` reseeds the global ``random`` and NumPy RNGs, so it runs
inside :func:`preserve_global_rngs`.
"""

from __future__ import annotations

import numpy as np

from .base import (Option, OptionTask, TaskData, TrainDefaults, as_tensors, check_seed, preserve_global_rngs,
                   register_task)

_PUBLISHED = {  # MNIST-1D README, test accuracy (%), default arguments (seed 42)
    "logistic regression (MNIST-1D README)": 32.0,
    "MLP (MNIST-1D README)": 68.0,
    "CNN (MNIST-1D README)": 94.0,
    "GRU (MNIST-1D README)": 91.0,
    "human (MNIST-1D README)": 96.0,
}
_PUBLISHED_SHUFFLED = {  # same, with shuffle_seq=True (spatial order destroyed)
    "logistic regression (MNIST-1D README, shuffled)": 32.0,
    "MLP (MNIST-1D README, shuffled)": 68.0,
    "CNN (MNIST-1D README, shuffled)": 56.0,
    "GRU (MNIST-1D README, shuffled)": 57.0,
}


def make_mnist1d(seed: int, num_samples: int, shuffle_seq: bool):
    """(x_train, y_train, x_test, y_test) from mnist1d.make_dataset, global RNGs untouched."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = check_seed(seed)
    args.num_samples = num_samples
    args.shuffle_seq = shuffle_seq
    with preserve_global_rngs():
        d = make_dataset(args)
    return d["x"], d["y"], d["x_test"], d["y_test"]


_OPTIONS = {
    "num_samples": Option(5000, int, low=50, doc="total samples (80 % train, 20 % test); 5000 in the paper"),
    "shuffle_seq": Option(False, bool, doc="apply one fixed random permutation to the 40 positions"),
}


@register_task
class MNIST1D(OptionTask):
    """MNIST-1D as 40-dimensional vectors (for MLPs and 1-D CNNs)."""

    name = "mnist1d"
    description = "MNIST-1D: 10-class classification of procedurally generated 1-D digits (length 40)"
    output_kind = "classification"
    metric = "accuracy"
    higher_is_better = True
    trivial_baseline = 10.0
    trivial_baseline_note = "chance: 10 balanced classes (500 samples per class before the split)"
    reference = ('"Scaling Down Deep Learning with MNIST-1D", Greydanus & Kobak, ICML 2024, arXiv 2011.14439; '
                 "PyPI mnist1d (make_dataset)")
    default_model = "mlp"
    num_outputs = 10
    option_specs = _OPTIONS
    # The README models train with Adam, lr 1e-2, batch 100 for 6000 steps (~150 epochs of 4000).
    defaults = {
        "quick": TrainDefaults(epochs=15, batch_size=100, lr=1e-2, max_seconds=60.0),
        "full": TrainDefaults(epochs=150, batch_size=100, lr=1e-2),
    }

    def setup(self) -> None:
        self.input_shape = (40,)
        self.published = dict(_PUBLISHED_SHUFFLED if self.options["shuffle_seq"] else _PUBLISHED)
        if self.options["num_samples"] != 5000:
            self.published = {}  # the published numbers are for 5000 samples only

    def generate(self, seed: int) -> TaskData:
        xtr, ytr, xte, yte = make_mnist1d(seed, self.options["num_samples"], self.options["shuffle_seq"])
        return as_tensors(self._layout(xtr), ytr, self._layout(xte), yte,
                          {"source": "mnist1d.make_dataset", "seed": seed})

    def _layout(self, x: np.ndarray) -> np.ndarray:
        return x


@register_task
class MNIST1DSeq(MNIST1D):
    """MNIST-1D as a sequence of 40 scalar steps, shape (40, 1), for recurrent models."""

    name = "mnist1d_seq"
    description = "MNIST-1D read one point per step: (T=40, C=1) sequences, 10 classes"
    default_model = "sequence"
    defaults = {
        # recurrent models diverge at the MLP's lr 1e-2 (no gradient clipping in the runner)
        "quick": TrainDefaults(epochs=5, batch_size=100, lr=1e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=150, batch_size=100, lr=1e-3),
    }

    def setup(self) -> None:
        super().setup()
        self.input_shape = (40, 1)
        keep = ("GRU", "human")  # only the sequence-model numbers apply to this layout
        self.published = {k: v for k, v in self.published.items() if k.startswith(keep)}

    def _layout(self, x: np.ndarray) -> np.ndarray:
        return x[:, :, None]
