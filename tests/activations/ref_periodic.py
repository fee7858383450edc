"""Independent float64 NumPy references for nonlin/activations/periodic.py.

Written from the papers' formulas; sinc comes from NumPy's normalised np.sinc.
"""

import numpy as np


def usinc(z):
    """Unnormalised sinc sin(z)/z via NumPy's normalised sinc(t) = sin(πt)/(πt)."""
    return np.sinc(z / np.pi)


REFERENCES = {
    "snake": lambda x, a=1.0: x + np.sin(a * x) ** 2 / a,
    "snake_beta": lambda x, alpha=1.0, beta=1.0: x + (1 - np.cos(2 * alpha * x)) / (2 * beta),
    "sine": lambda x, w0=30.0: np.sin(w0 * x),
    "cosine": np.cos,
    "finer": lambda x, w0=30.0: np.sin(w0 * (np.abs(x) + 1) * x),
    "hosc": lambda x, beta=1.0: np.tanh(beta * np.sin(x)),
    "expsin": lambda x: np.exp(-np.sin(x)),
    "gcu": lambda x: x * np.cos(x),
    "asu": lambda x: x * np.sin(x),
    "sinc": usinc,
    "ssu": lambda x: np.pi * usinc(x - np.pi),
    "dsu": lambda x: np.pi / 2 * (usinc(x - np.pi) - usinc(x + np.pi)),
    "cos_minus_x": lambda x: np.cos(x) - x,
    "min_x_sin": lambda x: np.where(x < 0, x, np.sin(x)),
    "sinc_plus_x": lambda x: usinc(x) + x,
}
