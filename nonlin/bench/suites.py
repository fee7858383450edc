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
    Every task with its default model, 5 seeds, the tasks' ``full`` training
    settings, and a wider set of units: fixed activations of every family
    plus learnable, gated, KAN and neuron units where they are registered.

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

FULL_UNITS = QUICK_UNITS + (
    # fixed activations of further families
    "sigmoid", "hardtanh", "hard_sigmoid", "relu6", "celu", "gelu_tanh", "quick_gelu",
    "logish", "smish", "serf", "gcu", "erf", "gaussian", "sinc", "cosine", "bent_identity",
    "softsign", "isrlu", "squared_relu", "star_relu", "xielu", "helu", "lisht", "elish", "pflu",
    # learnable elementwise
    "prelu", "pau", "apa", "snake_learnable", "ash", "sau", "polyrelu", "xsilu_learnable",
    # gated
    "glu", "swiglu", "geglu", "reglu", "bilinear", "quadratic",
    # KAN layers and neurons (each used only with the architectures that accept it)
    "kan_bspline", "kan_fourier", "kan_chebyshev", "kan_rbf", "kan_rational",
    "elm", "branch_elm", "lif", "alif", "cfc", "ltc",
)

FULL_TASKS = (
    TaskEntry("mnist1d"), TaskEntry("mnist1d_seq"), TaskEntry("digits"), TaskEntry("digits_seq"),
    TaskEntry("kan_toy"), TaskEntry("special_fn"), TaskEntry("periodic_extrapolation"),
    TaskEntry("image_fit"), TaskEntry("adding"), TaskEntry("copy"), TaskEntry("listops"),
)


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
                            "about 2 minutes on 2 quiet cores",
                   QUICK_UNITS, QUICK_TASKS, seeds=2, train_suite="quick"),
    "full": Suite("full", "many units of every kind x every task x 5 seeds (hours)",
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
