"""Independent float64 NumPy references for nonlin/activations/survey_self_gated.py.

Written from the papers' formulas with NumPy/SciPy primitives, not from nonlin's code.
"""

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces

expit = sp.expit


def softplus(x):
    return np.logaddexp(0.0, x)


def _exp(x):
    with np.errstate(over="ignore"):
        return np.exp(x)


def lalu(x):
    # x times the Laplace(0, 1) CDF, written branch by branch
    return pieces(x, [lambda t: t >= 0], [lambda t: t * (1 - 0.5 * np.exp(-t))], lambda t: 0.5 * t * np.exp(t))


REFERENCES = {
    "dsilu": lambda x: expit(x) * (1 + x * (1 - expit(x))),
    "tanhsoft1": lambda x, alpha=0.87: np.tanh(alpha * x) * softplus(x),
    "tanhsoft2": lambda x, beta=0.6, gamma=1.0: x * np.tanh(beta * _exp(gamma * x)),
    "erfact": lambda x, alpha=0.75, beta=0.75: x * sp.erf(alpha * _exp(beta * x)),
    "sgelu": lambda x, alpha=0.1: alpha * x * sp.erf(x / np.sqrt(2.0)),
    "lalu": lalu,
    "resech": lambda x: x / np.cosh(x),
    "tsrelu": lambda x: x * np.tanh(expit(x)),
    "asilu": lambda x: np.arctan(x * expit(x)),
    "loglogish": lambda x: x * (1 - np.exp(-_exp(x))),
    "sinsig": lambda x: x * np.sin(np.pi / 2 * expit(x)),
    "double_silu": lambda x: x * expit(x * expit(x)),
    "generalized_swish": lambda x: x * expit(_exp(-x)),
}
