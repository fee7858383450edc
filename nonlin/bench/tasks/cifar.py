"""CIFAR-10 and CIFAR-100 from a local copy of the "CIFAR-10/100 python version" archives.

"Learning Multiple Layers of Features from Tiny Images", Krizhevsky, tech.
report 2009 (https://www.cs.toronto.edu/~kriz/cifar.html).  Nothing is
downloaded: unpack ``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz``
somewhere and point the task at it (see :mod:`.data_files`:
option ``data_dir``, ``$NONLIN_CIFAR10_DIR`` / ``$NONLIN_CIFAR100_DIR``, or
``$NONLIN_DATA_DIR`` holding ``cifar-10-batches-py/`` and ``cifar-100-python/``).

The published format (Python 2 pickles, read with ``encoding='bytes'`` so keys
are bytes):

* CIFAR-10, folder ``cifar-10-batches-py``: ``data_batch_1`` .. ``data_batch_5``
  (training, 10,000 images each) and ``test_batch`` (10,000), each a dict with
  ``b'data'`` (uint8, N x 3072: 1024 red, then 1024 green, then 1024 blue
  values, each plane row-major 32 x 32) and ``b'labels'`` (N ints 0..9);
  ``batches.meta`` has ``b'label_names'``.
* CIFAR-100, folder ``cifar-100-python``: ``train`` (50,000) and ``test``
  (10,000) with ``b'data'``, ``b'fine_labels'`` (0..99) and
  ``b'coarse_labels'`` (0..19 superclasses); ``meta`` has
  ``b'fine_label_names'`` and ``b'coarse_label_names'``.

The official train/test split is kept.  Pixels are scaled to [0, 1].
``n_train`` / ``n_test`` (0 = all) take a seeded random subset; with both 0
the data do not depend on the seed (only the model's initialisation does).
Layouts: ``image`` (3, 32, 32); ``sequence`` (1024, 3), the pixels in raster
order (sequential CIFAR); ``grayscale=True`` maps RGB to luma with the ITU-R
BT.601 weights 0.299, 0.587, 0.114 (one channel; with ``layout=sequence``
this is the input of LRA's "Image" task, which however feeds 8-bit pixel
tokens to its models, so LRA's 42.44 % is not quoted as comparable).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng
from .data_files import DataFilesError, find_data_dir, get_key, load_pickle

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float64)
_HOW_TO_GET = "The archives are at https://www.cs.toronto.edu/~kriz/cifar.html (python version); unpack them."


def read_cifar_batch(path: Path, label_key: str, task_name: str, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images (N, 3, 32, 32), int64 labels (N,)) from one CIFAR python-version pickle, checked."""
    d = load_pickle(path, task_name)
    data = np.asarray(get_key(d, "data", path, task_name))
    labels = np.asarray(get_key(d, label_key, path, task_name))
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataFilesError(f"task '{task_name}': {path}: 'data' must be uint8 of shape (N, 3072); "
                             f"got {data.dtype} {data.shape}")
    if labels.shape != (data.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise DataFilesError(f"task '{task_name}': {path}: '{label_key}' must be {data.shape[0]} integers "
                             f"(one per image); got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataFilesError(f"task '{task_name}': {path}: '{label_key}' must lie in 0..{num_classes - 1}; "
                             f"got {int(labels.min())}..{int(labels.max())}")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


class _Cifar(OptionTask):
    """Shared by CIFAR-10 and CIFAR-100; subclasses name the files and label keys."""

    output_kind = "classification"
    metric = "accuracy"
    reference = ('"Learning Multiple Layers of Features from Tiny Images", Krizhevsky, tech. report, '
                 "U. Toronto 2009; https://www.cs.toronto.edu/~kriz/cifar.html (python version)")
    env_var = ""
    subdir = ""
    train_files: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    meta_file = ""
    defaults = {
        "quick": TrainDefaults(epochs=3, batch_size=128, lr=2e-3, max_seconds=120.0),
        "full": TrainDefaults(epochs=50, batch_size=128, lr=1e-3),
    }
    common_options = {
        "data_dir": Option("", str, doc="folder with the unpacked files (empty: use the environment variables)"),
        "layout": Option("image", str, choices=("image", "sequence"),
                         doc="image (C, 32, 32) or sequence (1024, C), pixels in raster order"),
        "grayscale": Option(False, bool, doc="one luma channel (ITU-R BT.601 weights) instead of RGB"),
        "n_train": Option(0, int, low=0, doc="seeded random subset of the training images (0: all 50,000)"),
        "n_test": Option(0, int, low=0, doc="seeded random subset of the test images (0: all 10,000)"),
    }

    def label_key(self) -> str:
        raise NotImplementedError

    def setup(self) -> None:
        o = self.options
        channels = 1 if o["grayscale"] else 3
        seq = o["layout"] == "sequence"
        self.input_shape = (1024, channels) if seq else (channels, 32, 32)
        self.default_model = "sequence" if seq else "cnn2d"
        self.trivial_baseline = 100.0 / self.num_outputs
        # Fail now (before a sweep starts) when files are missing; contents are checked when read.
        self.folder = find_data_dir(self.name, o["data_dir"], self.env_var, self.subdir,
                                    (*self.train_files, *self.test_files, self.meta_file), how_to_get=_HOW_TO_GET)

    def _read(self, files: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        parts = [read_cifar_batch(self.folder / f, self.label_key(), self.name, self.num_outputs) for f in files]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def label_names(self) -> list[str]:
        meta = load_pickle(self.folder / self.meta_file, self.name)
        key = {"labels": "label_names", "fine_labels": "fine_label_names",
               "coarse_labels": "coarse_label_names"}[self.label_key()]
        names = get_key(meta, key, self.folder / self.meta_file, self.name)
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
        if len(names) != self.num_outputs:
            raise DataFilesError(f"task '{self.name}': {self.folder / self.meta_file}: '{key}' has {len(names)} "
                                 f"names; expected {self.num_outputs}")
        return names

    def _layout(self, images: np.ndarray) -> np.ndarray:
        x = images.astype(np.float32) / 255.0
        if self.options["grayscale"]:
            x = np.einsum("nchw,c->nhw", x, _LUMA.astype(np.float32))[:, None]
        if self.options["layout"] == "sequence":  # (N, C, 32, 32) -> (N, 1024, C)
            x = x.reshape(len(x), x.shape[1], 1024).transpose(0, 2, 1)
        return x

    def generate(self, seed: int) -> TaskData:
        rng = task_rng(seed, self.name)
        xtr, ytr = self._read(self.train_files)
        xte, yte = self._read(self.test_files)
        names = self.label_names()
        for key, (x, y) in (("n_train", (xtr, ytr)), ("n_test", (xte, yte))):
            n = self.options[key]
            if n > len(y):
                raise DataFilesError(f"task '{self.name}': {key}={n} but the files hold only {len(y)} images")
        idx_tr = rng.permutation(len(ytr))[:self.options["n_train"]] if self.options["n_train"] else slice(None)
        idx_te = rng.permutation(len(yte))[:self.options["n_test"]] if self.options["n_test"] else slice(None)
        meta = {"seed": seed, "label_names": names, "folder": str(self.folder)}
        return as_tensors(self._layout(xtr[idx_tr]), ytr[idx_tr], self._layout(xte[idx_te]), yte[idx_te], meta)


@register_task
class Cifar10(_Cifar):
    """CIFAR-10: 32x32 colour images, 10 classes, 50,000 / 10,000."""

    name = "cifar10"
    description = "CIFAR-10 from local python-version files: 32x32 colour images, 10 classes (50k train / 10k test)"
    num_outputs = 10
    trivial_baseline_note = "chance: the official test set has exactly 1,000 images per class"
    env_var = "NONLIN_CIFAR10_DIR"
    subdir = "cifar-10-batches-py"
    train_files = tuple(f"data_batch_{i}" for i in range(1, 6))
    test_files = ("test_batch",)
    meta_file = "batches.meta"
    option_specs = dict(_Cifar.common_options)

    def label_key(self) -> str:
        return "labels"


@register_task
class Cifar100(_Cifar):
    """CIFAR-100: 100 fine classes (or 20 coarse superclasses)."""

    name = "cifar100"
    description = "CIFAR-100 from local python-version files: 32x32 colour images, 100 classes (or 20 superclasses)"
    trivial_baseline_note = "chance: the official test set is balanced (100 images per fine class, 500 per superclass)"
    env_var = "NONLIN_CIFAR100_DIR"
    subdir = "cifar-100-python"
    train_files = ("train",)
    test_files = ("test",)
    meta_file = "meta"
    option_specs = {**_Cifar.common_options,
                    "labels": Option("fine", str, choices=("fine", "coarse"),
                                     doc="fine: 100 classes; coarse: 20 superclasses")}

    def setup(self) -> None:
        self.num_outputs = 100 if self.options["labels"] == "fine" else 20
        super().setup()

    def label_key(self) -> str:
        return f"{self.options['labels']}_labels"
