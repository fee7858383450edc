"""Independent float64 NumPy/SciPy references for nonlin/activations/survey3_adaptive.py (the survey's formulas)."""

import math

import numpy as np
from scipy import special as sp


def _softplus(x):
    return np.logaddexp(0.0, x)


def frac_relu(x, a=0.5):
    return np.where(x > 0, np.maximum(x, 0) ** (1 - a) / math.gamma(2 - a), 0.0)


def sc_mish(x, a=1.0):
    return np.maximum(0.0, x * np.tanh(_softplus(a * x)))


def psigramp(x, a=0.5, b=1.0):
    ramp = np.where(x >= 1 / (2 * b), 1.0, np.where(x <= -1 / (2 * b), 0.0, b * x + 0.5))
    return a * sp.expit(x) + (1 - a) * ramp


def stac_tanh(x, a=1.0, b=0.1):
    return np.where(x < -a, np.tanh(-a) + b * (x + a), np.where(x > a, np.tanh(a) + b * (x - a), np.tanh(x)))


def reblu(x, beta=0.5):
    xp = np.maximum(x, 0)
    return np.where(x > 0, beta * (np.sqrt(xp ** 2 + 1) - 1) + xp, 0.0)


def n_activation(x, t_min=-0.5, t_max=0.5):
    return np.where(x < t_min, x - 2 * t_min, np.where(x > t_max, x - 2 * t_max, -x))


def aqulu(x, a=0.2, b=0.1):
    return np.where(x >= (1 - b) / a, x, np.where(x < -b / a, 0.0, a * x ** 2 + b * x))


def falu_fixed(x, a=0.5, b=1.0):
    g = x * sp.expit(b * x)
    return g + a * sp.expit(b * x) * (1 - g)


REFERENCES = {
    "falu_fixed": falu_fixed,
    "frac_relu": frac_relu,
    "pats": lambda x, a=0.625: x * np.arctan(a * math.pi * sp.expit(x)),
    # the survey's form, 1/(0.25(1 + e^{-x}) + 0.75), written out literally
    "rmaf": lambda x, a=1.0, c=1.0: a * x * (1.0 / (0.25 * (1 + np.exp(-x)) + 0.75)) ** c,
    "sc_mish": sc_mish,
    "psigramp": psigramp,
    "stac_tanh": stac_tanh,
    "reblu": reblu,
    "n_activation": n_activation,
    "aqulu": aqulu,
}
