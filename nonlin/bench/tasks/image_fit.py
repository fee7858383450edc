"""Implicit neural representation of an image: pixel coordinates -> RGB (SIREN setting).

"Implicit Neural Representations with Periodic Activation Functions",
Sitzmann et al., NeurIPS 2020, arXiv 2006.09661, fit one image with an MLP
from (x, y) in [-1, 1]^2 to the colour, with colours scaled to [-1, 1], and
report PSNR.  We use scikit-learn's bundled ``china.jpg`` (427 x 640, no
download): centre-cropped to a square, area-averaged down to ``size`` x ``size``.

Inputs: the coordinates of every pixel centre, shape (size^2, 2), row-major,
column 0 = x (left to right), column 1 = y (top to bottom).  Targets: RGB in
[-1, 1], shape (size^2, 3).  The task is a *fit*: train and test are the same
pixels (as in the paper); the data do not depend on the seed (only the model
initialisation does).

PSNR = 10 log10(peak^2 / MSE) with peak-to-peak range 2 (colours in [-1, 1]),
after clipping the prediction to [-1, 1]; this equals the PSNR of the same
image in [0, 1] units.  A perfect prediction gives +inf.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from .base import (Option, OptionTask, TaskData, TrainDefaults, as_tensors, check_seed, preserve_global_rngs,
                   register_task)


def load_image(size: int) -> np.ndarray:
    """china.jpg as float64 (size, size, 3) in [-1, 1]: centre square crop, area-averaged."""
    with preserve_global_rngs():  # a first scikit-learn import draws from the global `random` RNG
        from sklearn.datasets import load_sample_image

        img = load_sample_image("china.jpg").astype(np.float64) / 255.0  # (427, 640, 3)
    h, w, _ = img.shape
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    sq = torch.from_numpy(img[top:top + s, left:left + s]).permute(2, 0, 1)[None]
    small = torch.nn.functional.adaptive_avg_pool2d(sq, size)[0].permute(1, 2, 0).numpy()
    return small * 2.0 - 1.0


def pixel_coordinates(size: int) -> np.ndarray:
    """(size^2, 2) pixel-centre coordinates in (-1, 1), row-major; column 0 = x, column 1 = y."""
    c = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    yy, xx = np.meshgrid(c, c, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def psnr(pred: Tensor, target: Tensor, peak_to_peak: float = 2.0) -> float:
    mse = float(torch.mean((pred.clamp(-1.0, 1.0).double() - target.double()) ** 2))
    return math.inf if mse == 0.0 else 10.0 * math.log10(peak_to_peak ** 2 / mse)


@register_task
class ImageFit(OptionTask):
    """Fit china.jpg (downscaled to size x size) as a function of pixel coordinates."""

    name = "image_fit"
    description = "implicit neural representation: (x, y) in [-1,1]^2 -> RGB of sklearn's china.jpg, PSNR"
    output_kind = "regression"
    metric = "psnr"
    higher_is_better = True
    trivial_baseline_note = "predicting the mean colour of the image at every pixel"
    reference = ('"Implicit Neural Representations with Periodic Activation Functions", Sitzmann et al., '
                 "NeurIPS 2020, arXiv 2006.09661; image: sklearn.datasets.load_sample_image('china.jpg')")
    default_model = "mlp"
    input_shape = (2,)
    num_outputs = 3
    option_specs = {"size": Option(64, int, low=4, high=427, doc="side of the square image in pixels")}
    defaults = {  # full-batch Adam, as in the paper's image fits
        "quick": TrainDefaults(epochs=300, batch_size=4096, lr=1e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=3000, batch_size=4096, lr=1e-4),
    }

    def setup(self) -> None:
        img = load_image(self.options["size"]).reshape(-1, 3)
        self.trivial_baseline = psnr(torch.from_numpy(img.mean(0, keepdims=True)).expand_as(torch.from_numpy(img)),
                                     torch.from_numpy(img))

    def generate(self, seed: int) -> TaskData:
        check_seed(seed)
        size = self.options["size"]
        x = pixel_coordinates(size)
        y = load_image(size).reshape(-1, 3)
        return as_tensors(x, y, x, y, {"size": size, "image": "china.jpg", "seed_independent": True},
                          labels=False)

    def score(self, pred: Tensor, target: Tensor) -> float:
        return psnr(pred, target)
