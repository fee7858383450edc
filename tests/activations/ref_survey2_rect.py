"""Independent float64 NumPy references for nonlin/activations/survey2_rect*.py, written from the papers' formulas.

The MSRF units are written in their published difference-of-square-roots form
(the implementation uses an algebraically equal, cancellation-free form).
"""

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces


def _m(u, eps):
    """Mollified absolute value |u|_eps = sqrt(u^2 + eps)."""
    return np.sqrt(u * u + eps)


def _plan(x):
    a = np.abs(x)
    y = pieces(a, [lambda t: t >= 5, lambda t: t >= 2.375, lambda t: t >= 1],
               [lambda t: 1.0 + 0 * t, lambda t: 0.03125 * t + 0.84375, lambda t: 0.125 * t + 0.625],
               lambda t: 0.25 * t + 0.5)
    return np.where(x >= 0, y, 1.0 - y)


REFERENCES = {
    "very_leaky_relu": lambda x, a=5.5: np.where(x >= 0, x, x / a),
    "dcgan_leaky_relu": lambda x, negative_slope=0.2: np.where(x >= 0, x, negative_slope * x),
    "arelu_fixed": lambda x, alpha=0.9, beta=2.0: np.where(x >= 0, (1 + sp.expit(beta)) * x,
                                                           np.clip(alpha, 0.01, 0.99) * x),
    "soft_modulus_t": lambda x, a=0.01: x * np.tanh(x / a),
    "plan_sigmoid": _plan,
    "pan_function": lambda x, a=1.0: pieces(x, [lambda t: t >= a, lambda t: t <= -a],
                                            [lambda t: t - a, lambda t: -t - a], lambda t: 0 * t),
    "hardtanh_plus": lambda x, eps=0.1: 0.5 * (_m(x + 1, eps) - _m(x - 1, eps)),
    # 1 + |x|_eps - |x - 1|_eps, with the difference written as (x^2 - (x - 1)^2)/(|x|_eps + |x - 1|_eps):
    # as printed it cancels to 0 in float64 where the true value is ~eps/(4 x^2)
    "brelu_plus": lambda x, eps=0.1: 0.5 * (1 + (2 * x - 1) / (_m(x, eps) + _m(x - 1, eps))),
    "pan_plus": lambda x, a=1.0, eps=0.1: -a + 0.5 * (_m(x - a, eps) + _m(x + a, eps)),
    "softshrink_plus": lambda x, a=0.5, eps=0.1: x + 0.5 * (_m(x - a, eps) - _m(x + a, eps)),
    "hardshrink_plus": lambda x, a=0.5, eps=0.1: x * (1 + 0.5 * ((x - a) / _m(x - a, eps)
                                                                 - (x + a) / _m(x + a, eps))),
    "srelu_plus": lambda x, a=0.5, t=1.0, eps=0.1: a * x + 0.5 * (a - 1) * (_m(x - t, eps) - _m(x + t, eps)),
    "heaviside_atan": lambda x, alpha=2.0: np.where(x >= 0, 1.0, 0.0),
    "heaviside_triangle": lambda x, gamma=0.3: np.where(x >= 0, 1.0, 0.0),
    "heaviside_rectangular": lambda x, a=1.0: np.where(x >= 0, 1.0, 0.0),
    "heaviside_fast_sigmoid": lambda x, beta=10.0: np.where(x >= 0, 1.0, 0.0),
    "sign_approx": lambda x: np.where(x >= 0, 1.0, -1.0),
}

# Units whose backward is a published surrogate rule, not the derivative: the rule itself.
SURROGATE_GRADIENTS = {
    # d/dx [arctan(pi/2 * alpha * x)/pi + 1/2]
    "heaviside_atan": lambda x, alpha=2.0: (alpha / 2) / (1 + (np.pi / 2 * alpha * x) ** 2),
    "heaviside_triangle": lambda x, gamma=0.3: gamma * np.maximum(0.0, 1 - np.abs(x)),
    "heaviside_rectangular": lambda x, a=1.0: np.where(np.abs(x) < a / 2, 1 / a, 0.0),
    "heaviside_fast_sigmoid": lambda x, beta=10.0: 1 / (1 + beta * np.abs(x)) ** 2,
    "sign_approx": lambda x: pieces(x, [lambda t: (t >= -1) & (t < 0), lambda t: (t >= 0) & (t < 1)],
                                    [lambda t: 2 + 2 * t, lambda t: 2 - 2 * t], lambda t: 0 * t),
}
