"""scikit-learn's bundled 8x8 handwritten digits (UCI optical digits; no download).

1797 images with pixel values 0..16, scaled to [0, 1]; ten classes of about
180 images.  The train/test split is stratified and seeded.  Three layouts:

* ``digits``: images (1, 8, 8) for CNNs and MLPs;
* ``digits_seq``: the 64 pixels in raster order as a (64, 1) sequence;
* ``digits_pseq``: the same with one fixed pixel permutation (``perm_seed``,
  the same for every data seed, as in permuted sequential MNIST), which
  scatters neighbouring pixels across the sequence.
"""

from __future__ import annotations

import numpy as np

from .base import (Option, OptionTask, TaskData, TrainDefaults, as_tensors, preserve_global_rngs, register_task,
                   stratified_split, task_rng)

_OPTIONS = {"test_fraction": Option(0.2, float, low=0.05, high=0.5, doc="fraction of each class held out")}


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    # importing scikit-learn the first time draws from the global `random` RNG
    with preserve_global_rngs():
        from sklearn.datasets import load_digits

        d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)


@register_task
class Digits(OptionTask):
    """sklearn digits as 1x8x8 images."""

    name = "digits"
    description = "scikit-learn 8x8 digits (1797 images, 10 classes), stratified seeded split"
    output_kind = "classification"
    metric = "accuracy"
    trivial_baseline = 10.0
    trivial_baseline_note = ("chance (uniform guess); always predicting the most frequent class scores "
                             "about 10.3 % on a test split")
    reference = ('"Optical Recognition of Handwritten Digits", Alpaydin & Kaynak, UCI 1998; '
                 "sklearn.datasets.load_digits")
    default_model = "cnn2d"
    num_outputs = 10
    option_specs = _OPTIONS
    defaults = {
        "quick": TrainDefaults(epochs=15, batch_size=64, lr=3e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=200, batch_size=64, lr=1e-3),
    }

    def setup(self) -> None:
        self.input_shape = (1, 8, 8)

    def generate(self, seed: int) -> TaskData:
        x, y = load_digits_arrays()
        rng = task_rng(seed, "digits")  # the same split for all three layouts
        tr, te = stratified_split(y, self.options["test_fraction"], rng)
        return as_tensors(self._layout(x[tr]), y[tr], self._layout(x[te]), y[te], {"seed": seed})

    def _layout(self, images: np.ndarray) -> np.ndarray:
        return images[:, None, :, :]


@register_task
class DigitsSeq(Digits):
    """sklearn digits read pixel by pixel (raster order): (64, 1) sequences."""

    name = "digits_seq"
    description = "scikit-learn digits as 64-step pixel sequences (raster order), 10 classes"
    default_model = "sequence"
    defaults = {
        "quick": TrainDefaults(epochs=5, batch_size=64, lr=3e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=200, batch_size=64, lr=1e-3),
    }

    def setup(self) -> None:
        self.input_shape = (64, 1)

    def _layout(self, images: np.ndarray) -> np.ndarray:
        return images.reshape(len(images), 64, 1)


@register_task
class DigitsPSeq(DigitsSeq):
    """sklearn digits as 64-step sequences under one fixed pixel permutation."""

    name = "digits_pseq"
    description = "scikit-learn digits as 64-step sequences with a fixed seeded pixel permutation"
    option_specs = {**_OPTIONS, "perm_seed": Option(0, int, low=0, doc="seed of the fixed pixel permutation")}

    def setup(self) -> None:
        super().setup()
        self.permutation = np.random.default_rng(self.options["perm_seed"]).permutation(64)

    def _layout(self, images: np.ndarray) -> np.ndarray:
        return images.reshape(len(images), 64)[:, self.permutation, None]
