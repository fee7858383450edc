"""Independent float64 NumPy references for nonlin/activations/self_gated.py.

Written from the papers' formulas with NumPy/SciPy primitives (scipy.special.ndtr,
expit, erf, logaddexp), not from nonlin's torch code.
"""

import numpy as np
from scipy import special as sp

ndtr, expit = sp.ndtr, sp.expit


def softplus(x):
    return np.logaddexp(0.0, x)


def atan_gate(x):
    # arctan(x)/π + 1/2 = arctan2 form of the angle; for x < 0 use π/2 + arctan(x) = arctan(-1/x)
    with np.errstate(divide="ignore"):
        return np.where(x < 0, np.arctan2(1.0, -x) / np.pi, np.arctan(x) / np.pi + 0.5)


def xgate(g, alpha):
    return lambda x, alpha=alpha: x * ((1 + 2 * alpha) * g(x) - alpha)


def gelu_tanh(x):
    c = np.sqrt(2 / np.pi)
    return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x**3)))


def colu(x):
    # the paper's formula, directly (no overflow on the test grid |x| <= 40)
    return x / (1 - x * np.exp(-(x + np.exp(x))))


def smish(x):
    # tanh(ln(1+s)) = ((1+s)^2 - 1) / ((1+s)^2 + 1)
    s = expit(x)
    q = (1 + s) ** 2
    return x * (q - 1) / (q + 1)


def telu(x):
    with np.errstate(over="ignore"):
        return x * np.tanh(np.exp(x))


def gish(x):
    with np.errstate(over="ignore"):
        return x * np.log(2 - np.exp(-np.exp(x)))


def golu(x):
    with np.errstate(over="ignore"):
        return x * np.exp(-np.exp(-x))


def pflu(x):
    # for x < 0 the gate ½(1 + x/h) is written ½/(h(h − x)) (no cancellation); each
    # branch is evaluated only on its own side
    def gate(v):
        h = np.sqrt(1 + v * v)
        return np.where(v >= 0, 0.5 * (1 + v / h), 0.5 / (h * (h - np.minimum(v, 0))))
    return x * gate(x)


REFERENCES = {
    "gelu": lambda x: x * ndtr(x),
    "gelu_tanh": gelu_tanh,
    "quick_gelu": lambda x: x * expit(1.702 * x),
    "silu": lambda x: x * expit(x),
    "swish": lambda x, beta=1.0: x * expit(beta * x),
    "e_swish": lambda x, beta=1.375: beta * x * expit(x),
    "flatten_t_swish": lambda x, threshold=-0.20: np.where(x >= 0, x * expit(x) + threshold, threshold),
    "hard_swish": lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6,
    "hard_mish": lambda x: np.where(x <= -2, 0.0, np.where(x >= 0, x, 0.5 * x * (x + 2))),
    "mish": lambda x: x * np.tanh(softplus(x)),
    "phish": lambda x: x * np.tanh(x * ndtr(x)),
    "telu": telu,
    "lisht": lambda x: x * np.tanh(x),
    "serf": lambda x: x * sp.erf(softplus(x)),
    "pserf": lambda x, gamma=1.0, delta=1.25: x * sp.erf(gamma * softplus(delta * x)),
    "logish": lambda x: x * np.log(1 + expit(x)),
    "smish": smish,
    "gish": gish,
    "golu": golu,
    "pflu": pflu,
    "atlu": lambda x: x * atan_gate(x),
    "xatlu": xgate(atan_gate, 0.1),
    "xgelu": xgate(ndtr, 0.1),
    "xsilu": xgate(expit, 0.1),
    "aptx": lambda x, alpha=1.0, beta=1.0, gamma=0.5: (alpha + np.tanh(beta * x)) * gamma * x,
    "colu": colu,
    "sinlu": lambda x, a=1.0, b=1.0: (x + a * np.sin(b * x)) * expit(x),
    "star_relu": lambda x, scale=0.8944, bias=-0.4472: scale * np.maximum(x, 0) ** 2 + bias,
}
