"""The task contract shared by every generator, the runner and the report.

A task is an offline, seeded data set plus how to score it.  Each task file
defines one subclass of :class:`Task` and decorates it with
:func:`register_task`.  The runner only uses what is declared here.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any, Callable

import torch
from torch import Tensor

# What a model's output means, which decides loss and metric.
OUTPUT_KINDS = (
    "classification",        # logits (N, C) vs integer labels (N,)
    "regression",            # (N, D) vs (N, D), MSE
    "sequence_classification",  # per-step logits (N, T, C) vs labels (N, T)
)


@dataclasses.dataclass
class TaskData:
    """Tensors of one task instance.  ``x_*`` float32; ``y_*`` int64 labels or float32 targets."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    meta: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TrainDefaults:
    """Training settings of a suite; the runner may override any of them."""

    epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    max_seconds: float | None = None  # wall-clock budget per run (None: no limit)


class Task:
    """Base class.  Subclasses set the class attributes and implement :meth:`generate`."""

    name: str = ""
    description: str = ""
    output_kind: str = "classification"
    metric: str = "accuracy"            # accuracy | mse | rmse | psnr | ...
    higher_is_better: bool = True
    # The score of a trivial predictor (chance, predicting the mean, ...), and why.
    trivial_baseline: float | None = None
    trivial_baseline_note: str = ""
    # Published reference numbers: {"MLP (paper X)": 68.0, ...}, metric units.
    published: dict[str, float] = {}
    reference: str = ""                 # the paper or package the task comes from
    # Which reference architecture fits: mlp | cnn1d | cnn2d | transformer | sequence
    default_model: str = "mlp"
    # Input layout as the model sees it, e.g. (40,), (1, 8, 8), (T, C) for sequences.
    input_shape: tuple[int, ...] = ()
    num_outputs: int = 0
    defaults: dict[str, TrainDefaults] = {"quick": TrainDefaults(), "full": TrainDefaults()}

    def __init__(self, **options: Any):
        self.options = options

    def generate(self, seed: int) -> TaskData:
        """Build the data set deterministically from ``seed`` (never touching global RNGs)."""
        raise NotImplementedError

    def loss(self, pred: Tensor, target: Tensor) -> Tensor:
        """Training loss for a batch."""
        if self.output_kind == "classification":
            return torch.nn.functional.cross_entropy(pred, target)
        if self.output_kind == "sequence_classification":
            return torch.nn.functional.cross_entropy(pred.reshape(-1, pred.shape[-1]), target.reshape(-1))
        return torch.nn.functional.mse_loss(pred, target)

    def score(self, pred: Tensor, target: Tensor) -> float:
        """The task's metric on a whole split (``pred`` from the model, ``target`` from the data)."""
        if self.metric == "accuracy":
            return float((pred.argmax(-1) == target).float().mean() * 100.0)
        if self.metric == "mse":
            return float(torch.nn.functional.mse_loss(pred, target))
        if self.metric == "rmse":
            return float(torch.nn.functional.mse_loss(pred, target).sqrt())
        raise NotImplementedError(f"task {self.name}: metric {self.metric!r} needs its own score()")

    def describe(self) -> dict:
        return {
            "name": self.name, "description": self.description, "output_kind": self.output_kind,
            "metric": self.metric, "higher_is_better": self.higher_is_better,
            "trivial_baseline": self.trivial_baseline, "trivial_baseline_note": self.trivial_baseline_note,
            "published": dict(self.published), "reference": self.reference,
            "default_model": self.default_model, "input_shape": list(self.input_shape),
            "num_outputs": self.num_outputs, "options": dict(self.options),
        }


_TASKS: dict[str, Callable[..., Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if cls.name in _TASKS:
        raise ValueError(f"task '{cls.name}' registered twice")
    _TASKS[cls.name] = cls
    return cls


def task_names() -> list[str]:
    import nonlin.bench.tasks  # noqa: F401  (registers every task file)
    return sorted(_TASKS)


def get_task(name: str, **options: Any) -> Task:
    """A task instance by name; unknown names list the closest ones."""
    import nonlin.bench.tasks  # noqa: F401
    if name not in _TASKS:
        close = difflib.get_close_matches(name, list(_TASKS), n=4, cutoff=0.5)
        hint = f" Closest: {', '.join(close)}." if close else ""
        raise KeyError(f"unknown task '{name}'.{hint} Tasks: {', '.join(sorted(_TASKS))}")
    return _TASKS[name](**options)
