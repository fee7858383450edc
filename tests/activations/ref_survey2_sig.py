"""Independent float64 NumPy references for nonlin/activations/survey2_sig.py, written from the papers' formulas."""

import math

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces

GOLDEN = (1 + math.sqrt(5)) / 2


def _sqnl(t):
    return pieces(t, [lambda v: v > 2, lambda v: v >= 0, lambda v: v >= -2],
                  [lambda v: 1.0 + 0 * v, lambda v: v - v**2 / 4, lambda v: v + v**2 / 4], lambda v: -1.0 + 0 * v)


def _sinc_of_sigmoid(x):
    # unnormalised sinc, sin(s)/s, through NumPy's normalised one (which is 1 at s == 0)
    return np.sinc(sp.expit(x) / np.pi)


def _sigmoid_gumbel(x):
    # 1/(1 + e^{-x} exp(-e^{-x})) = 1/(1 + exp(-(x + e^{-x}))); e^{-x} = inf for very negative x gives the limit 1
    with np.errstate(over="ignore"):
        return sp.expit(x + np.exp(-x))


REFERENCES = {
    "scaled_sigmoid": lambda x: 4 * sp.expit(x) - 2,
    "siglin": lambda x, a=0.1: sp.expit(x) + a * x,
    "bimodal_sigmoid": lambda x, b=4.0: 0.5 * (sp.expit(x) + sp.expit(x + b)),
    "arctan_pi": lambda x: np.arctan(x) / np.pi,
    "arctan_golden": lambda x: np.arctan(x) / GOLDEN,
    "arctan_e": lambda x: np.arctan(x) / math.e,
    "sinc_sigmoid": _sinc_of_sigmoid,
    "sigmoid_gumbel": _sigmoid_gumbel,
    # the paper's exponential form, (e^x - e^-x)/sqrt(2(e^2x + e^-2x)), divided through by e^|x| to stay finite
    "new_sigmoid": lambda x: np.sign(x) * (1 - np.exp(-2 * np.abs(x))) / np.sqrt(2 * (1 + np.exp(-4 * np.abs(x)))),
    "log_sqnl": lambda x: (_sqnl(x) + 1) / 2,
}
