"""Independent float64 NumPy references for nonlin/activations/survey2_rect.py and survey2_rect_step.py, written from the papers' formulas.

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
    "xu_leaky_relu": lambda x, a=5.5: np.where(x >= 0, x, x / a),
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


def _half_threshold(x, lambd=1.0):
    # Xu, Chang, Xu & Zhang 2012: (2/3) x (1 + cos(2 pi/3 - (2/3) phi)), phi = arccos(lambda/8 (|x|/3)^(-3/2)),
    # beyond |x| = 54^(1/3)/4 lambda^(2/3); zero inside
    t = 54 ** (1 / 3) / 4 * lambd ** (2 / 3)

    def branch(v):
        c = lambd / 8 * (np.abs(v) / 3) ** (-1.5)
        phi = np.arctan2(np.sqrt(1 - c * c), c)  # arccos(c)
        return 2 / 3 * v * (1 + np.cos(2 * np.pi / 3 - 2 / 3 * phi))
    return pieces(x, [lambda v: np.abs(v) > t], [branch], lambda v: 0 * v)


def _squareplus_of(u, eps):
    return pieces(u, [lambda v: v >= 0], [lambda v: 0.5 * (v + _m(v, eps))], lambda v: eps / (2 * (_m(v, eps) - v)))


def _normal(x, mu, sd):
    return np.exp(-0.5 * ((x - mu) / sd) ** 2) / (np.sqrt(2 * np.pi) * sd)


REFERENCES.update({
    "olrelu": lambda x, lower=3.0, upper=8.0: np.where(x >= 0, x, x * np.exp(-(upper + lower) / (upper - lower))),
    "sv_hardtanh": lambda x, a=0.5: np.clip(x, -1, 1) + a,
    "sh_hardtanh": lambda x, a=0.5: np.clip(x + a, -1, 1),
    "lsptlu": lambda x, a=1.0: pieces(x, [lambda t: t < 0, lambda t: t <= a, lambda t: t <= 2 * a],
                                      [lambda t: 0.2 * t, lambda t: t, lambda t: 2 * a - t], lambda t: 0 * t),
    "hat_relu": lambda x, a=2.0: pieces(x, [lambda t: t < 0, lambda t: t <= a / 2, lambda t: t <= a],
                                        [lambda t: 0 * t, lambda t: t, lambda t: a - t], lambda t: 0 * t),
    "ls_relu": lambda x, a=1.0, b=1.0: pieces(
        x, [lambda t: t <= 0, lambda t: t <= b],
        [lambda t: t / (1 + np.abs(t)), lambda t: t],
        lambda t: np.log(a * t + 1) + np.abs(np.log(a * b + 1) - b)),
    "half_threshold": _half_threshold,
    "heaviside_multi_gaussian": lambda x, h=0.15, s=6.0, sigma=0.5: np.where(x >= 0, 1.0, 0.0),
    # the Mexican-hat component max(0, c - |x - b|) with both |.| mollified: (u + |u|_eps)/2, u = c - |x - b|_eps;
    # for u < 0 written as eps/(2(|u|_eps - u)), which float64 evaluates without cancelling to 0
    "mrelu_plus": lambda x, b=0.0, c=1.0, eps=0.1: _squareplus_of(c - _m(x - b, eps), eps),
})

SURROGATE_GRADIENTS["heaviside_multi_gaussian"] = lambda x, h=0.15, s=6.0, sigma=0.5: (
    (1 + h) * _normal(x, 0, sigma) - h * _normal(x, sigma, s * sigma) - h * _normal(x, -sigma, s * sigma))

REFERENCES.update({
    "yolo_leaky_relu": lambda x, negative_slope=0.1: np.where(x > 0, x, negative_slope * x),
    # Cai et al. 2017: q_m + log(x - tau) for x > q_m with tau = q_m - 1; x on (0, q_m]; 0 below
    "log_tailed_relu": lambda x, q=1.0: pieces(x, [lambda t: t <= 0, lambda t: t <= q],
                                               [lambda t: 0 * t, lambda t: t], lambda t: q + np.log(t - (q - 1))),
})


def _epanechnikov_relu(x, h=1.0):
    """ReLU convolved with K(u) = 3/(4h) (1 - (u/h)^2) on |u| <= h, integrated from the definition.

    f(x) = int_{-h}^{min(x, h)} (x - u) K(u) du; the integrand is a cubic in u, so Simpson's rule on the
    whole interval is exact (the closed form of the implementation is not used).
    """
    def g(t, u):
        return (t - u) * 0.75 / h * (1 - (u / h) ** 2)

    def inner(t):
        a, b = -h + 0 * t, np.minimum(t, h)
        return (b - a) / 6 * (g(t, a) + 4 * g(t, (a + b) / 2) + g(t, b))
    return pieces(x, [lambda t: t <= -h, lambda t: t >= h], [lambda t: 0 * t, lambda t: t], inner)


REFERENCES["epanechnikov_relu"] = _epanechnikov_relu


def _gxnor(x):
    # the authors' discrete_neuron_3states: round(hs(2(x - 1)) + hs(2(x + 1)) - 1), hs(u) = clip((u + 1)/2, 0, 1),
    # with C's round (halves away from zero)
    h = np.clip((2 * (x - 1) + 1) / 2, 0, 1) + np.clip((2 * (x + 1) + 1) / 2, 0, 1) - 1
    return np.where(h >= 0.5, 1.0, np.where(h <= -0.5, -1.0, 0.0))


REFERENCES["gxnor_ternary"] = _gxnor
SURROGATE_GRADIENTS["gxnor_ternary"] = lambda x: np.where((np.abs(x) > 0.5) & (np.abs(x) < 1.5), 1.0, 0.0)

REFERENCES["bipolar_plus"] = lambda x, eps=0.1: x / _m(x, eps)
REFERENCES["step_plus"] = lambda x, eps=0.1: 0.5 * (1 + x / _m(x, eps))


def _sign_relu_plus(x, eps=0.1):
    # (x + |x|_eps)/2 + (x - |x|_eps)/(2 |1 - x|_eps), each half in the form that float64 evaluates without
    # cancelling: (x + |x|_eps)/2 = (eps/2)/(|x|_eps - x) for x < 0 and (x - |x|_eps)/2 = -(eps/2)/(|x|_eps + x) for x >= 0
    half_pos = pieces(x, [lambda t: t >= 0], [lambda t: 0.5 * (t + _m(t, eps))],
                      lambda t: 0.5 * eps / (_m(t, eps) - t))
    half_neg = pieces(x, [lambda t: t >= 0], [lambda t: -0.5 * eps / (_m(t, eps) + t)],
                      lambda t: 0.5 * (t - _m(t, eps)))
    return half_pos + half_neg / _m(1 - x, eps)


REFERENCES["sign_relu_plus"] = _sign_relu_plus

REFERENCES["heaviside_crelu_ste"] = lambda x: np.where(x > 0, 1.0, 0.0)
SURROGATE_GRADIENTS["heaviside_crelu_ste"] = lambda x: np.where((x > 0) & (x < 1), 1.0, 0.0)

REFERENCES["very_leaky_relu"] = lambda x, a=3.0: np.where(x >= 0, x, x / a)
