"""Independent float64 NumPy/SciPy references for nonlin/activations/survey3_combos.py (the survey's formulas)."""

import numpy as np
from scipy import special as sp


def _s2(x):
    return 2 * sp.expit(x) - 1


def _elu(x):
    return np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)


REFERENCES = {
    "abu_fixed": lambda x: (np.tanh(x) + _elu(x) + np.maximum(x, 0) + x * sp.expit(x) + x) / 5,
    "apaf_fixed": lambda x: (np.maximum(x, 0) + sp.expit(x) + np.tanh(x) + x) / 4,
    "bipolar_sigmoid_tanh": lambda x: np.where(x >= 0, _s2(x), np.tanh(x)),
    "rectified_tanh": lambda x: np.where(x >= 0, np.tanh(x), 0.0),
    "tanh_linear_pair": lambda x, a=0.1: np.where(x >= 0, np.tanh(x), a * x),
    "swat": lambda x: x * sp.expit(np.arctan(x)),
    "gln_fixed": lambda x, a=0.0, b=0.0: sp.expit(a) * np.sin(x) + (1 - sp.expit(a)) * np.tanh(x) - b,
}
