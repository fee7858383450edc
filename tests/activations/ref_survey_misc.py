"""Independent float64 NumPy references for nonlin/activations/survey_misc.py.

Written from the papers' formulas with NumPy/SciPy primitives, not from nonlin's code.
"""

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces


def sine_relu(x, epsilon=0.0025):
    return pieces(x, [lambda t: t > 0], [lambda t: t], lambda t: epsilon * (np.sin(t) - np.cos(t)))


def alrelu(x, alpha=0.01):
    return pieces(x, [lambda t: t > 0], [lambda t: t], lambda t: np.abs(alpha * t))


def polu(x, n=1.0):
    return pieces(x, [lambda t: t >= 0], [lambda t: t], lambda t: (1.0 - t) ** (-n) - 1.0)


def thlu(x):
    return pieces(x, [lambda t: t >= 0], [lambda t: t], lambda t: np.tanh(t / 2))


def soft_modulus_q(x):
    return pieces(x, [lambda t: np.abs(t) <= 1], [lambda t: t**2 * (2 - np.abs(t))], np.abs)


def sq_rbf(x):
    return pieces(x, [lambda t: np.abs(t) <= 1, lambda t: np.abs(t) < 2],
                  [lambda t: 1 - t**2 / 2, lambda t: (2 - np.abs(t)) ** 2 / 2], lambda t: 0.0 * t)


def laplace_attention(x, mu=np.sqrt(0.5), sigma=np.sqrt(1 / (4 * np.pi))):
    return sp.ndtr((x - mu) / sigma)


REFERENCES = {
    "sine_relu": sine_relu,
    "alrelu": alrelu,
    "polu": polu,
    "thlu": thlu,
    "soft_modulus_q": soft_modulus_q,
    "laplace_attention": laplace_attention,
    "sq_rbf": sq_rbf,
    "aria2": lambda x, alpha=1.5, beta=2.0: x * sp.expit(beta * x) ** alpha,
    # ln((1 + e^x)^β) = β·ln(1 + e^x)
    "beta_mish": lambda x, beta=1.5: x * np.tanh(beta * np.logaddexp(0.0, x)),
}
