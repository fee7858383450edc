"""Independent float64 NumPy references for nonlin/activations/survey_hybrids.py.

Written from the formulas as the survey (arXiv 2402.09092) states them, with
NumPy/SciPy primitives, not from nonlin's code.
"""

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces

expit = sp.expit


def sara(x, a=0.5, b=0.7):
    return pieces(x, [lambda t: t >= 0], [lambda t: t], lambda t: t / (1 + a * np.exp(-b * t)))


def eanaf(x):
    # x·tanh(h(x)/2) with h = softplus, as defined (not the simplified form)
    return x * np.tanh(np.logaddexp(0.0, x) / 2)


def resp(x, a=1.7):
    return pieces(x, [lambda t: t >= 0], [lambda t: a * t + np.log(2.0)], lambda t: np.log1p(np.exp(t)))


def eplaf(x, d=2.0):
    return pieces(x, [lambda t: np.abs(t) < 1], [lambda t: np.abs(t) ** d / d], lambda t: np.abs(t) - (1 - 1 / d))


REFERENCES = {
    "oaf": lambda x: np.maximum(x, 0.0) + x * expit(x),
    "sara": sara,
    "eanaf": eanaf,
    "tsilu": lambda x: np.tanh(x * expit(x)),
    "tbsrelu": lambda x: x * np.tanh((1 - np.exp(-x)) / (1 + np.exp(-x))),
    "self_arctan": lambda x: x * np.arctan(x),
    "resp": resp,
    "eplaf": eplaf,
    "sqrt_act": lambda x: np.sign(x) * np.sqrt(np.abs(x)),
}
