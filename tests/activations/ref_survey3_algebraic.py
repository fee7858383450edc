"""Independent float64 NumPy references for nonlin/activations/survey3_algebraic.py (the survey's printed formulas)."""

import numpy as np

SELU_L = 1.0507009873554804934193349852946
SELU_A = 1.6732632423543772848170429916717


def lselu(x, lam=SELU_L, alpha=SELU_A, c=0.1):
    xn = np.minimum(x, 0)
    return np.where(x >= 0, lam * x, lam * alpha * (np.exp(xn) - 1) + lam * c * xn)


def hardsrelue(x, a=0.5):
    hs = np.maximum(0, np.minimum(1, (x + 1) / 2))
    return np.where(x >= 0, a * x * hs + x, a * (np.exp(np.minimum(x, 0)) - 1))


def puaf(x, a, b=5, c=10.0):
    xm = np.clip(x, -c, c)  # only to keep the discarded branch finite
    mid = xm ** a * (c + xm) ** b / ((c + xm) ** b + (c - xm) ** b)
    return np.where(x > c, x ** a, np.where(x < -c, 0.0, mid))


def bfire(x, a=1.0):
    return np.where(x > a, x - a / 2, np.where(x < -a, -x - a / 2, x ** 2 / (2 * a)))


def pmaf(x, a=4.0):
    k = 2 / np.sqrt(3) * np.pi ** -0.25
    hat = lambda t: k * (1 - t ** 2) * np.exp(-t ** 2 / 2)  # noqa: E731
    return np.where(x < 0, hat(x + a), hat(x - a))


def prbf(x, a=3.0, b=1.0):
    return np.where(x >= a, np.exp(-(x - 2 * a) ** 2 / b ** 2),
                    np.where(x <= -a, np.exp(-(x + 2 * a) ** 2 / b ** 2), np.exp(-x ** 2 / b ** 2)))


REFERENCES = {
    "lselu": lselu,
    "hardsrelue": hardsrelue,
    "puaf_swish": lambda x, b=5, c=10.0: puaf(x, 1, b, c),
    "puaf_sigmoid": lambda x, b=5, c=10.0: puaf(x, 0, b, c),
    "comb_h_sine": lambda x, a=1.0: np.sinh(a * x) + np.arcsinh(a * x),
    "evolved_tanh_relu": lambda x: np.tanh(x ** 2) + np.maximum(x, 0),
    "bbfire": lambda x, a=1.0, b=3.0: np.minimum(bfire(x, a), b),
    "pmaf": pmaf,
    "prbf": prbf,
}
