"""Independent float64 NumPy references for nonlin/activations/survey_classic.py (from the papers' formulas)."""

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces

REFERENCES = {
    "symexp": lambda x: np.sign(x) * (np.exp(np.abs(x)) - 1),
    "soft_plus_plus": lambda x, k=1.0, c=2.0: np.logaddexp(0.0, k * x) + x / c - np.log(2.0),  # ln(1 + e^{kx})
    "m_arcsinh": lambda x: (1 / 3) * np.arcsinh(x) * (1 / 4) * np.sqrt(np.abs(x)),
    "squish": lambda x: pieces(x, [lambda t: t > 0, lambda t: t >= -2], [lambda t: t + t**2 / 32, lambda t: t + t**2 / 2],
                               lambda t: 0.0 * t),
    "sqreu": lambda x: pieces(x, [lambda t: t > 0, lambda t: t >= -2], [lambda t: t, lambda t: t + t**2 / 2],
                              lambda t: 0.0 * t),
    "e_tanh": lambda x, a=1.0: a * np.exp(x) * np.tanh(x),
    "ts_sigmoid": lambda x, a=20.0, b=40.0: sp.expit(x) + sp.expit(x - a) + sp.expit(x - b),
    "improved_logistic_sigmoid": lambda x, a=0.2, b=2.0: pieces(
        x, [lambda t: t >= b, lambda t: t <= -b],
        [lambda t: a * (t - b) + sp.expit(b), lambda t: a * (t + b) + sp.expit(-b)], sp.expit),
    "sechsig": lambda x: (x + 1 / np.cosh(x)) * sp.expit(x),
    "tanhsig": lambda x: (x + np.tanh(x)) * sp.expit(x),
    "hyper_sinh": lambda x: pieces(x, [lambda t: t > 0], [lambda t: np.sinh(t) / 3], lambda t: t**3 / 4),
}
