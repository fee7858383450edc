"""The task contract shared by every generator, the runner and the report.

A task is an offline, seeded data set plus how to score it.  Each task file
defines one subclass of :class:`Task` and decorates it with
:func:`register_task`.  The runner only uses what is declared here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import random as _random
from typing import Any, Callable

import numpy as np
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


# ---------------------------------------------------------------------------
# Compatible extensions (helpers shared by the task files).  Nothing above is
# renamed; tasks that declare ``option_specs`` get their options validated.
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Option:
    """A task option: default, type and allowed values (checked by :func:`check_options`)."""

    default: Any
    kind: type = int                  # int | float | bool | str
    low: float | None = None          # inclusive bounds for numbers
    high: float | None = None
    choices: tuple | None = None
    doc: str = ""

    def allowed(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        what = {int: "an integer", float: "a number", bool: "True or False", str: "a string"}[self.kind]
        if self.low is not None and self.high is not None:
            return f"{what} in [{self.low}, {self.high}]"
        if self.low is not None:
            return f"{what} >= {self.low}"
        if self.high is not None:
            return f"{what} <= {self.high}"
        return what


def check_options(task_name: str, specs: dict[str, Option], given: dict[str, Any]) -> dict[str, Any]:
    """Validate ``given`` against ``specs``; returns every option with defaults filled in."""
    unknown = sorted(set(given) - set(specs))
    if unknown:
        allowed = ", ".join(f"{k} (default {v.default!r})" for k, v in specs.items()) or "none"
        raise ValueError(f"task '{task_name}' got unknown option(s) {', '.join(unknown)}; allowed options: {allowed}")
    out = {}
    for key, opt in specs.items():
        value = given.get(key, opt.default)
        bad = False
        if opt.kind is bool:
            bad = not isinstance(value, bool)
        elif opt.kind is int:
            bad = isinstance(value, bool) or not isinstance(value, (int, np.integer))
            if not bad:
                value = int(value)
        elif opt.kind is float:
            bad = isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))
            if not bad:
                value = float(value)
                bad = not np.isfinite(value)
        elif opt.kind is str:
            bad = not isinstance(value, str)
        if not bad and opt.choices is not None:
            bad = value not in opt.choices
        if not bad and opt.low is not None:
            bad = value < opt.low
        if not bad and opt.high is not None:
            bad = value > opt.high
        if bad:
            raise ValueError(f"task '{task_name}': option '{key}' must be {opt.allowed()}; got {value!r}")
        out[key] = value
    return out


class OptionTask(Task):
    """A :class:`Task` whose constructor options are declared in ``option_specs``.

    ``self.options`` holds every option (defaults filled in) so a stored run
    records exactly which data it used.  Subclasses derive instance attributes
    (``input_shape`` ...) from the options in :meth:`setup`.
    """

    option_specs: dict[str, Option] = {}
    # Inputs that are integer token ids (stored as float32, shape (N, T)); models embed them.
    vocab_size: int | None = None
    # The token id used for padding, if any (attention models mask it).
    pad_token: int | None = None

    def __init__(self, **options: Any):
        super().__init__(**check_options(self.name, self.option_specs, options))
        self.setup()

    def setup(self) -> None:
        """Set option-dependent attributes; the default does nothing."""

    def describe(self) -> dict:
        d = super().describe()
        d["vocab_size"] = self.vocab_size
        d["pad_token"] = self.pad_token
        d["option_docs"] = {k: {"default": o.default, "allowed": o.allowed(), "doc": o.doc}
                            for k, o in self.option_specs.items()}
        return d


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    return int(seed)


def task_rng(seed: int, task_name: str) -> np.random.Generator:
    """A private NumPy generator for ``(task, seed)``; never the global one.

    Mixing the task name in keeps two tasks with the same seed independent.
    """
    key = [ord(c) for c in task_name]
    return np.random.default_rng([check_seed(seed), *key])


@contextlib.contextmanager
def preserve_global_rngs():
    """Save and restore the global ``random``, NumPy and torch RNG states.

    For third-party generators (mnist1d's ``make_dataset``) that reseed them.
    """
    py_state = _random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    try:
        yield
    finally:
        _random.setstate(py_state)
        np.random.set_state(np_state)
        torch.random.set_rng_state(torch_state)


def stratified_split(labels: np.ndarray, test_fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Train / test index arrays with each class split in the same proportion, both shuffled."""
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(test_fraction * len(idx)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def as_tensors(x_train, y_train, x_test, y_test, meta: dict | None = None, *, labels: bool = True) -> TaskData:
    """TaskData with float32 inputs and int64 labels (``labels=True``) or float32 targets."""
    ydt = torch.int64 if labels else torch.float32
    return TaskData(
        torch.as_tensor(np.ascontiguousarray(x_train), dtype=torch.float32),
        torch.as_tensor(np.ascontiguousarray(y_train), dtype=ydt),
        torch.as_tensor(np.ascontiguousarray(x_test), dtype=torch.float32),
        torch.as_tensor(np.ascontiguousarray(y_test), dtype=ydt),
        dict(meta or {}),
    )
