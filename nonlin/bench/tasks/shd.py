"""Spiking Heidelberg Digits (SHD) from a local copy of the released HDF5 files (no download).

"The Heidelberg Spiking Data Sets for the Systematic Evaluation of Spiking
Neural Networks", Cramer, Stradmann, Schemmel & Zenke, IEEE TNNLS 2020
(arXiv 1910.07407).  Spoken digits 0-9 in English (labels 0-9) and German
(10-19), converted to spikes of 700 cochlear channels.  ELM ("The Expressive
Leaky Memory Neuron", Spieler et al., ICLR 2024, arXiv 2306.16922) trains on
it binned at 10 ms.

Published format (``shd_train.h5``: 8,156 samples; ``shd_test.h5``: 2,264;
gunzip the ``.h5.gz`` downloads): datasets ``spikes/times`` (one
variable-length float array per sample, spike times in seconds),
``spikes/units`` (matching variable-length integer arrays, channel 0..699)
and ``labels`` (integers 0..19); ``extra/`` (speakers, keys) is not used.

Binning (as ELM's SHD loader): ``n_bins = max_time_ms // bin_ms`` bins of
``bin_ms``; a spike at time t goes to bin ``floor(1000 t / bin_ms)`` and
channel ``unit // channel_pool``; spikes at or after ``max_time_ms`` are
dropped (counted in ``meta``).  Inputs are spike counts per bin and channel,
float32, shape (n_bins, 700 / channel_pool); ELM: 10 ms bins over 1 s, 700
channels (100 steps); the DCLS delay paper pools 700 -> 140 channels
(``channel_pool=5``).  No published figure is attached to ``published``:
the figures from the papers (see docs/data.md) use other models and
training budgets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng
from .data_files import DataFilesError, find_data_dir

N_CHANNELS = 700
N_CLASSES = 20
FILES = {"train": "shd_train.h5", "test": "shd_test.h5"}


def _need_h5py():
    try:
        import h5py
    except ImportError:
        raise DataFilesError("task 'shd' reads HDF5 files and needs h5py: pip install 'nonlin[data]' "
                             "or pip install h5py") from None
    return h5py


def read_shd_file(path: Path, task_name: str = "shd") -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """(spike times per sample [s], spike units per sample, int64 labels) of one SHD file, checked."""
    h5py = _need_h5py()
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise DataFilesError(f"task '{task_name}': {path} is not a readable HDF5 file ({err})") from None
    with f:
        missing = [k for k in ("spikes/times", "spikes/units", "labels") if k not in f]
        if missing:
            raise DataFilesError(f"task '{task_name}': {path} lacks the dataset(s) {', '.join(missing)} "
                                 "(SHD files have spikes/times, spikes/units and labels)")
        times = [np.asarray(t, dtype=np.float64) for t in f["spikes/times"][:]]
        units = [np.asarray(u) for u in f["spikes/units"][:]]
        labels = np.asarray(f["labels"][:])
    n = len(labels)
    if len(times) != n or len(units) != n:
        raise DataFilesError(f"task '{task_name}': {path} has {len(times)} spike-time rows, {len(units)} unit rows "
                             f"and {n} labels; they must match")
    if not np.issubdtype(labels.dtype, np.integer) or (n and (labels.min() < 0 or labels.max() >= N_CLASSES)):
        raise DataFilesError(f"task '{task_name}': {path}: labels must be integers 0..{N_CLASSES - 1}")
    for i, (t, u) in enumerate(zip(times, units)):
        if t.shape != u.shape:
            raise DataFilesError(f"task '{task_name}': {path} sample {i}: {t.size} spike times but {u.size} units")
        if u.size and (not np.issubdtype(u.dtype, np.integer) or u.min() < 0 or u.max() >= N_CHANNELS):
            raise DataFilesError(f"task '{task_name}': {path} sample {i}: units must be integers 0..{N_CHANNELS - 1}")
        if t.size and not (np.isfinite(t).all() and t.min() >= 0):
            raise DataFilesError(f"task '{task_name}': {path} sample {i}: spike times must be finite and >= 0")
    return times, units, labels.astype(np.int64)


def bin_spikes(times: list[np.ndarray], units: list[np.ndarray], *, bin_ms: int, max_time_ms: int,
               channel_pool: int) -> tuple[np.ndarray, int]:
    """Spike counts (N, max_time_ms // bin_ms, 700 // channel_pool) float32; and the spikes dropped."""
    n_bins = max_time_ms // bin_ms
    n_ch = N_CHANNELS // channel_pool
    out = np.zeros((len(times), n_bins, n_ch), dtype=np.float32)
    dropped = 0
    for i, (t, u) in enumerate(zip(times, units)):
        b = np.floor(t * 1000.0 / bin_ms).astype(np.int64)
        keep = b < n_bins
        dropped += int((~keep).sum())
        np.add.at(out[i], (b[keep], u[keep].astype(np.int64) // channel_pool), 1.0)
    return out, dropped


@register_task
class SHD(OptionTask):
    """Spiking Heidelberg Digits: 20 spoken-digit classes from 700-channel spike trains."""

    name = "shd"
    description = "Spiking Heidelberg Digits from local HDF5 files: binned spike counts (T, 700), 20 classes"
    output_kind = "classification"
    metric = "accuracy"
    trivial_baseline = 100.0 / N_CLASSES
    trivial_baseline_note = ("chance over 20 classes; the majority-class rate of the test file is in meta "
                             "(the classes are near balanced)")
    reference = ('"The Heidelberg Spiking Data Sets for the Systematic Evaluation of Spiking Neural Networks", '
                 "Cramer et al., IEEE TNNLS 2020, arXiv 1910.07407; as used by \"The Expressive Leaky Memory "
                 'Neuron", Spieler et al., ICLR 2024, arXiv 2306.16922')
    default_model = "sequence"
    num_outputs = N_CLASSES
    option_specs = {
        "data_dir": Option("", str, doc="folder with shd_train.h5 and shd_test.h5 "
                                        "(empty: use the environment variables)"),
        "bin_ms": Option(10, int, low=1, high=1000, doc="bin width in ms (ELM: 10)"),
        "max_time_ms": Option(1000, int, low=1, high=10_000,
                              doc="window length in ms; later spikes are dropped (ELM: 1000)"),
        "channel_pool": Option(1, int, choices=(1, 2, 4, 5, 7, 10),
                               doc="sum this many neighbouring channels (700 / pool inputs; DCLS paper: 5)"),
        "n_train": Option(0, int, low=0, doc="seeded random subset of the training file (0: all 8,156)"),
        "n_test": Option(0, int, low=0, doc="seeded random subset of the test file (0: all 2,264)"),
    }
    defaults = {  # ELM's notebook: Adamax lr 5e-3, batch 8, 10 epochs
        "quick": TrainDefaults(epochs=1, batch_size=32, lr=2e-3, max_seconds=120.0),
        "full": TrainDefaults(epochs=10, batch_size=32, lr=1e-3),
    }

    def setup(self) -> None:
        o = self.options
        if o["max_time_ms"] < o["bin_ms"]:
            raise ValueError(f"task 'shd': need max_time_ms >= bin_ms; got max_time_ms={o['max_time_ms']}, "
                             f"bin_ms={o['bin_ms']}")
        self.input_shape = (o["max_time_ms"] // o["bin_ms"], N_CHANNELS // o["channel_pool"])
        _need_h5py()
        self.folder = find_data_dir(self.name, o["data_dir"], "NONLIN_SHD_DIR", "shd", tuple(FILES.values()),
                                    how_to_get="The files are at https://zenkelab.org/datasets/ (gunzip them).")

    def generate(self, seed: int) -> TaskData:
        o = self.options
        rng = task_rng(seed, self.name)
        parts, dropped = {}, 0
        for split, key in (("train", "n_train"), ("test", "n_test")):
            times, units, labels = read_shd_file(self.folder / FILES[split], self.name)
            n = o[key]
            if n > len(labels):
                raise DataFilesError(f"task '{self.name}': {key}={n} but {FILES[split]} holds {len(labels)} samples")
            idx = np.sort(rng.permutation(len(labels))[:n]) if n else np.arange(len(labels))
            x, d = bin_spikes([times[i] for i in idx], [units[i] for i in idx], bin_ms=o["bin_ms"],
                              max_time_ms=o["max_time_ms"], channel_pool=o["channel_pool"])
            parts[split] = (x, labels[idx])
            dropped += d
        (xtr, ytr), (xte, yte) = parts["train"], parts["test"]
        majority = int(np.bincount(ytr, minlength=N_CLASSES).argmax())
        meta = {"seed": seed, "folder": str(self.folder), "spikes_after_window": dropped,
                "majority_class_accuracy": float(np.mean(yte == majority) * 100.0)}
        return as_tensors(xtr, ytr, xte, yte, meta)
