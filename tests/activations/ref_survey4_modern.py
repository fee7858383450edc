"""Independent float64 NumPy references for nonlin/activations/survey4_modern.py.

Each is the paper's equation (or the standard it cites) written directly, not nonlin's
rearrangement of it: the sRGB curve with the IEC 61966-2-1 decimals, Runje &
Shankaranarayana's two-branch construction of the saturated ELU, DDSP's σ(x)^{ln 10}.
"""

import math

import numpy as np
from scipy.special import expit


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _srgb(x):
    c = np.clip(x, 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(np.maximum(c, 0.0031308), 1 / 2.4) - 0.055)


def _inverse_sigmoid(x, eps=1e-5):
    c = np.clip(x, 0.0, 1.0)
    return np.log(np.maximum(c, eps) / np.maximum(1.0 - c, eps))


def _saturated_elu(x):
    # rho~(x) = rho(x + 1) - rho(1) for x < 0, -rho(-(x - 1)) + rho(1) otherwise, rho = ELU
    return np.where(x < 0, _elu(x + 1.0) - _elu(1.0), -_elu(1.0 - x) + _elu(1.0))


REFERENCES = {
    "trunc_exp": lambda x, max_exponent=15.0: np.exp(x),
    "srgb_tonemap": _srgb,
    "inverse_sigmoid": _inverse_sigmoid,
    "exp_sigmoid": lambda x, exponent=10.0, max_value=2.0, threshold=1e-7: (
        max_value * np.power(expit(x), np.log(exponent)) + threshold),
    "saturated_elu": _saturated_elu,
    "oneplus": lambda x: 1.0 + np.logaddexp(0.0, x),
    "mipnerf_softplus": lambda x: np.logaddexp(0.0, x - 1.0),
    "stablemax_s": lambda x: np.where(x >= 0, x + 1.0, 1.0 / (1.0 - np.minimum(x, 0.0))),
    "mp_silu": lambda x: x * expit(x) / 0.596,
    # beta = softplus(0.5), the authors' initial value
    "lipswish": lambda x, beta=math.log(1.0 + math.exp(0.5)): x * expit(beta * x) / 1.1,
    "stylegan2_lrelu": lambda x, negative_slope=0.2, gain=math.sqrt(2.0): (
        gain * np.where(x >= 0, x, negative_slope * x)),
}

# trunc_exp's backward is torch-ngp's truncation rule, not the derivative of e^x
SURROGATE_GRADIENTS = {
    "trunc_exp": lambda x, max_exponent=15.0: np.exp(np.minimum(x, max_exponent)),
}


def _soft_round(y, alpha=5.0):
    # s(y) = floor(y) + 1/2 + tanh(alpha r) / (2 tanh(alpha/2)), r = y - floor(y) - 1/2.
    # floor(y) is taken as round(y - 1/2): at integers it may pick y - 1 instead of y, where
    # s is continuous and both choices give y; the mpmath stand-in has round but no floor.
    fl = np.round(y - 0.5)
    r = y - fl - 0.5
    return fl + 0.5 + np.tanh(alpha * r) / (2.0 * np.tanh(alpha / 2.0))


REFERENCES["round_ste"] = lambda x: np.round(x)
REFERENCES["soft_round"] = _soft_round
SURROGATE_GRADIENTS["round_ste"] = lambda x: np.ones_like(x)


def _soft_round_inverse(y, alpha=5.0):
    # s^{-1}(y) = m + atanh((y - m) 2 tanh(alpha/2)) / alpha, m = floor(y) + 1/2 (floor as in _soft_round)
    m = np.round(y - 0.5) + 0.5
    s = (y - m) * 2.0 * np.tanh(alpha / 2.0)
    return m + 0.5 * np.log1p(2.0 * s / (1.0 - s)) / alpha  # atanh(s) = log((1 + s)/(1 - s)) / 2


REFERENCES["soft_round_inverse"] = _soft_round_inverse
