"""Independent float64 NumPy references for nonlin/activations/sparse.py.

Written from the papers' thresholding rules with explicit branches, not from
the implementation.
"""

import numpy as np

from ._numpy_pieces import pieces as _pieces


def _soft(x, lam):
    return np.sign(x) * np.maximum(np.abs(x) - lam, 0.0)


def _firm(x, lambd1=0.5, lambd2=1.0):
    return _pieces(x, [lambda v: np.abs(v) <= lambd1, lambda v: np.abs(v) > lambd2],
                   [np.zeros_like, lambda v: v],
                   lambda v: np.sign(v) * lambd2 * (np.abs(v) - lambd1) / (lambd2 - lambd1))


def _scad(x, lambd=0.5, a=3.7):
    return _pieces(x, [lambda v: np.abs(v) <= 2 * lambd, lambda v: np.abs(v) > a * lambd],
                   [lambda v: _soft(v, lambd), lambda v: v],
                   lambda v: ((a - 1) * v - np.sign(v) * a * lambd) / (a - 2))


def _garrote(x, lambd=0.5):
    return _pieces(x, [lambda v: np.abs(v) <= lambd], [np.zeros_like], lambda v: v - lambd ** 2 / v)


def _cst(x, tau=0.5, m=1.0):
    # |x| <= τ: 0;  τ < |x| < τ + m: sign(x)(|x| − τ);  beyond: ±m
    return _pieces(x, [lambda v: np.abs(v) <= tau, lambda v: np.abs(v) >= tau + m],
                   [np.zeros_like, lambda v: np.sign(v) * m], lambda v: np.sign(v) * (np.abs(v) - tau))


REFERENCES = {
    "hardshrink": lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x, 0.0),
    "softshrink": lambda x, lambd=0.5: _soft(x, lambd),
    "tanhshrink": lambda x: x - np.tanh(x),
    "threshold": lambda x, threshold=1.0, value=0.0: np.where(x > threshold, x, value),
    "crelu_tm": lambda x, tau=0.5, m=1.0: _pieces(x, [lambda v: v <= tau, lambda v: v >= tau + m],
                                                  [np.zeros_like, lambda v: np.full_like(v, m)], lambda v: v - tau),
    "cst_tm": _cst,
    "hard_ash_fixed": lambda x, t=1.2816: x * np.heaviside(x - t, 1.0),  # ASH keeps x >= threshold
    "garrote": _garrote,
    "firm_shrink": _firm,
    "scad_threshold": _scad,
    "elastic_net_shrink": lambda x, lambd1=0.5, lambd2=1.0: _soft(x, lambd1) / (1.0 + lambd2),
    "sign_ste": lambda x: np.where(x >= 0, 1.0, -1.0),
    "step_ste": lambda x: np.heaviside(x, 0.0),
}

# Units whose backward is a surrogate rule, not the derivative: the rule itself.
SURROGATE_GRADIENTS = {
    "sign_ste": lambda x: (np.abs(x) <= 1).astype(np.float64),
    "step_ste": lambda x: np.ones_like(x),
}


def _quantise(x, alpha, bits):
    levels = 2 ** bits - 1
    step = alpha / levels
    return np.round(np.clip(x, 0.0, alpha) / step) * step


REFERENCES["pact_fixed"] = lambda x, alpha=10.0, bits=4: _quantise(x, alpha, bits)
REFERENCES["dorefa_act"] = lambda x, bits=2: _quantise(x, 1.0, bits)
SURROGATE_GRADIENTS["pact_fixed"] = lambda x, alpha=10.0, bits=4: ((x >= 0) & (x <= alpha)).astype(np.float64)
SURROGATE_GRADIENTS["dorefa_act"] = lambda x, bits=2: ((x >= 0) & (x <= 1)).astype(np.float64)
