"""Independent float64 NumPy/SciPy references for nonlin/activations/survey4_named.py.

Written from the papers' equations, not from nonlin's code.
"""

import numpy as np
from scipy import special as sp

expit = sp.expit


def qrelu(x):
    # Parisi et al., arXiv 2010.08031: x for x > 0, 0.01·x·(x − 2) otherwise
    return np.where(x > 0, x, 0.01 * x * (x - 2.0))


def prenu(x, alpha=0.25):
    # El Jaafari et al. 2021: x − α·ln(x + 1) for x >= 0, 0 for x < 0
    xp = np.maximum(x, 0.0)
    return np.where(x >= 0, xp - alpha * np.log(xp + 1.0), 0.0 * x)


def ts_swish(x, a=20.0, b=40.0):
    # Koçak & Üstündağ Şiray 2021: x·σ(x)·(σ(x) + σ(x − a) + σ(x − b))
    return x * expit(x) * (expit(x) + expit(x - a) + expit(x - b))


def talu(x, a=-1.0):
    # Hasan et al., arXiv 2305.04402: x (x >= 0), tanh(x) (a < x < 0), tanh(a) (x <= a)
    return np.where(x >= 0, x, np.where(x > a, np.tanh(x), np.tanh(a) + 0.0 * x))


REFERENCES = {
    "qrelu": qrelu,
    "prenu": prenu,
    "ts_swish": ts_swish,
    "talu": talu,
}
