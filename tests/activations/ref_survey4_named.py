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


REFERENCES = {
    "qrelu": qrelu,
    "prenu": prenu,
    "ts_swish": ts_swish,
}


def spocu(x, alpha=32.0 / 43.0, beta=0.5, gamma=1.0, c=1.0):
    # Kiseľák et al. 2021 (as restated in their correction): α·h(x/γ + β) − α·h(β),
    # h(u) = r(c) for u >= c, r(u) on [0, c), 0 below; r(u) = u³(u⁵ − 2u⁴ + 2)
    def r(u):
        return u ** 3 * (u ** 5 - 2.0 * u ** 4 + 2.0)

    def h(u):
        return np.where(u >= c, r(c) + 0.0 * u, np.where(u >= 0, r(np.minimum(np.maximum(u, 0.0), c)), 0.0 * u))

    return alpha * h(x / gamma + beta) - alpha * h(np.asarray(beta))


REFERENCES.update({"spocu": spocu})
