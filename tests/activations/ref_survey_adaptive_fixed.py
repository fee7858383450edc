"""Independent float64 NumPy references for nonlin/activations/survey_adaptive_fixed.py (papers' formulas)."""

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces


def reltanh(x, a=-1.5, b=0.0):
    dtanh = lambda t: 1 / np.cosh(t) ** 2  # noqa: E731
    return pieces(x, [lambda t: t >= b, lambda t: t <= a],
                  [lambda t: dtanh(b) * (t - b) + np.tanh(b), lambda t: dtanh(a) * (t - a) + np.tanh(a)], np.tanh)


REFERENCES = {
    "reltanh": reltanh,
    "swim": lambda x, a=0.5: x / 2 * (1 + a * x / np.sqrt(1 + x * x)),
    "coslu": lambda x, a=1.0, b=1.0: (x + a * np.cos(b * x)) * sp.expit(x),
    "psgu": lambda x, a=0.5: x * np.tanh(a * sp.expit(x)),
    "tbsrelu_l": lambda x, a=0.5: x * np.tanh(a * (1 - np.exp(-x)) / (1 + np.exp(-x))),
    "acon_b": lambda x, p=0.25, beta=1.0: (1 - p) * x * sp.expit(beta * (1 - p) * x) + p * x,
}
