"""Two-argument special functions as regression targets (KAN / KANbeFair setting).

"KAN: Kolmogorov-Arnold Networks" (Liu et al., arXiv 2404.19756, Sec. 3.2,
Table 2) fits 2-D special functions from scipy.special; "KAN or MLP: A Fairer
Comparison" (KANbeFair, Yu et al., arXiv 2407.16674, 2024) reuses them to
compare KANs and MLPs at equal parameters.  We keep five of them:

==========  ================================  ==========================
``fn``      target                            domain of (a, b)
==========  ================================  ==========================
ellipj      sn(a | m=b), Jacobi elliptic sn   a in [-1, 1], b in [0, 1]
ellipkinc   F(a | m=b), incomplete ell. 1st   a in [-1, 1], b in [0, 1]
jv          J_a(b), Bessel 1st kind           a in [0, 2],  b in [0, 10]
lpmv        P_a^1(b), assoc. Legendre m=1     a in [0, 4],  b in [-1, 1]
sph_harm    Re Y_2^1(theta=a, phi=b)          a in [0, pi], b in [0, 2 pi]
==========  ================================  ==========================

The model always sees inputs in [-1, 1]^2; they are mapped affinely onto the
domain above (so every function is learned on the same input scale).  The
domains are our choice (the papers do not fix them for every function,
unverified): each keeps the function real and finite.  Metric: test RMSE.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sp

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng
from .kan_toy import grid_std


def _sph_harm_re(theta, phi):
    # scipy >= 1.15: sph_harm_y(n, m, theta, phi), theta polar, phi azimuth
    if hasattr(sp, "sph_harm_y"):
        return np.real(sp.sph_harm_y(2, 1, theta, phi))
    return np.real(sp.sph_harm(1, 2, phi, theta))  # older signature (m, n, azimuth, polar)


FUNCTIONS = {
    "ellipj": (lambda a, b: sp.ellipj(a, b)[0], (-1.0, 1.0), (0.0, 1.0)),
    "ellipkinc": (lambda a, b: sp.ellipkinc(a, b), (-1.0, 1.0), (0.0, 1.0)),
    "jv": (lambda a, b: sp.jv(a, b), (0.0, 2.0), (0.0, 10.0)),
    "lpmv": (lambda a, b: sp.lpmv(1, a, b), (0.0, 4.0), (-1.0, 1.0)),
    "sph_harm": (_sph_harm_re, (0.0, np.pi), (0.0, 2 * np.pi)),
}


def special_target(fn: str, u: np.ndarray) -> np.ndarray:
    """The target for model inputs ``u`` in [-1, 1]^2 (shape (N, 2)) -> (N,)."""
    f, (alo, ahi), (blo, bhi) = FUNCTIONS[fn]
    a = alo + (u[:, 0] + 1.0) * 0.5 * (ahi - alo)
    b = blo + (u[:, 1] + 1.0) * 0.5 * (bhi - blo)
    return np.asarray(f(a, b), dtype=np.float64)


@register_task
class SpecialFunction(OptionTask):
    """Regression of one 2-D scipy.special function (option ``fn``)."""

    name = "special_fn"
    description = "2-D special-function regression (KAN / KANbeFair): ellipj, ellipkinc, jv, lpmv, sph_harm"
    output_kind = "regression"
    metric = "rmse"
    higher_is_better = False
    trivial_baseline_note = "predicting the mean of f over the domain: RMSE = std of f (uniform inputs)"
    reference = ('"KAN: Kolmogorov-Arnold Networks", Liu et al., arXiv 2404.19756 (2024); '
                 '"KAN or MLP: A Fairer Comparison", Yu et al., arXiv 2407.16674 (2024)')
    default_model = "mlp"
    input_shape = (2,)
    num_outputs = 1
    option_specs = {
        "fn": Option("ellipj", str, choices=tuple(FUNCTIONS), doc="which special function"),
        "n_train": Option(1000, int, low=1, doc="training points"),
        "n_test": Option(1000, int, low=1, doc="test points"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=100, batch_size=100, lr=3e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=2000, batch_size=100, lr=1e-3),
    }

    def setup(self) -> None:
        fn = self.options["fn"]
        self.trivial_baseline = grid_std(
            lambda a, b: special_target(fn, np.stack([a.ravel(), b.ravel()], 1)), (-1, -1), (1, 1))

    def generate(self, seed: int) -> TaskData:
        rng = task_rng(seed, f"{self.name}:{self.options['fn']}")
        n_tr, n_te = self.options["n_train"], self.options["n_test"]
        u = rng.uniform(-1.0, 1.0, size=(n_tr + n_te, 2))
        f = special_target(self.options["fn"], u)[:, None]
        if not np.all(np.isfinite(f)):  # domains are chosen so this cannot happen; guard anyway
            raise RuntimeError(f"special_fn '{self.options['fn']}' produced non-finite targets")
        return as_tensors(u[:n_tr], f[:n_tr], u[n_tr:], f[n_tr:], {"seed": seed, "fn": self.options["fn"]},
                          labels=False)
