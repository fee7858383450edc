"""Independent float64 NumPy references for nonlin/activations/exponential.py.

Written from the papers' formulas with explicit branches (np.where /
np.piecewise), not from the implementation.  ``np.errstate`` silences the
overflow of branches that np.where evaluates and then discards.
"""

import math

import numpy as np


def _branches(x, pos, neg, at_zero_positive=True):
    """pos(x) where x > 0 (or x >= 0), neg(x) elsewhere, each evaluated only on its own side."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full_like(x, np.nan)
    p = x >= 0 if at_zero_positive else x > 0
    n = ~p & ~np.isnan(x)
    out[p] = pos(x[p])
    out[n] = neg(x[n])
    return out


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# Klambauer et al. 2017, Self-Normalizing Neural Networks, eq. for SELU
_SELU_A = 1.6732632423543772848170429916717
_SELU_L = 1.0507009873554804934193349852946


def _pdelu(x, alpha=1.0, t=0.9):
    def neg(v):
        base = np.maximum(1.0 + (1.0 - t) * v, 0.0)
        return alpha * (np.power(base, 1.0 / (1.0 - t)) - 1.0)
    return _branches(x, lambda v: v, neg, at_zero_positive=False)


def _hard_elish(x):
    hs = lambda v: np.maximum(0.0, np.minimum(1.0, (v + 1.0) / 2.0))
    return _branches(x, lambda v: v * hs(v), lambda v: (np.exp(v) - 1.0) * hs(v))


REFERENCES = {
    "elu": lambda x, alpha=1.0: _branches(x, lambda v: v, lambda v: alpha * (np.exp(v) - 1.0), False),
    "selu": lambda x: _SELU_L * _branches(x, lambda v: v, lambda v: _SELU_A * np.expm1(v), False),
    "celu": lambda x, alpha=1.0: np.maximum(0.0, x) + np.minimum(0.0, alpha * np.expm1(np.minimum(x, 0) / alpha)),
    "elu_plus_one": lambda x: _branches(x, lambda v: v + 1.0, np.exp, False),
    "pdelu_fixed": _pdelu,
    "pelu_fixed": lambda x, a=1.0, b=1.0: _branches(x, lambda v: a / b * v, lambda v: a * np.expm1(v / b)),
    "mpelu_fixed": lambda x, alpha=0.25, beta=1.0: _branches(x, lambda v: v, lambda v: alpha * np.expm1(beta * v),
                                                             False),
    "elish": lambda x: _branches(x, lambda v: v / (1.0 + np.exp(-v)), lambda v: np.expm1(v) / (1.0 + np.exp(-v))),
    "hard_elish": _hard_elish,
    "isrlu": lambda x, alpha=1.0: _branches(x, lambda v: v, lambda v: v / np.sqrt(1.0 + alpha * v * v)),
    "serlu": lambda x, lambd=1.07862, alpha=2.90427: _branches(x, lambda v: lambd * v,
                                                               lambda v: lambd * alpha * v * np.exp(v)),
    "reu": lambda x, alpha=1.0, beta=1.0: _branches(x, lambda v: v, lambda v: alpha * v * np.exp(beta * v), False),
    "slu": lambda x: _branches(x, lambda v: v, lambda v: 2.0 * np.log1p(np.exp(v)) - 2.0 * math.log(2.0)),
    "ptelu_fixed": lambda x, alpha=1.0, beta=1.0: _branches(x, lambda v: v, lambda v: alpha * np.tanh(beta * v)),
    "hexpo": lambda x, a=1.0, b=1.0, c=1.0, d=1.0: _branches(x, lambda v: -a * np.expm1(-v / b),
                                                             lambda v: c * np.expm1(v / d)),
}
REFERENCES["sqlu"] = lambda x: np.select([x > 0, x >= -2], [x, x + x * x / 4.0], default=-1.0)


def _rsigelu(x, alpha=0.5):
    above = lambda v: v / (1.0 + np.exp(-v)) * alpha + v
    return np.piecewise(np.asarray(x, dtype=np.float64), [x > 1, (x >= 0) & (x <= 1), x < 0],
                        [above, lambda v: v, lambda v: alpha * (np.exp(v) - 1.0)])


REFERENCES["rsigelu"] = _rsigelu
