"""Independent float64 NumPy references for nonlin/activations/survey3_spike.py.

Every unit's forward is the spike 1[x >= 0]; its backward is the published surrogate,
written here from the papers' (and SpikingJelly's documented) formulas.
"""

import math

import numpy as np
from scipy import special as sp


def _spike(x):
    return np.where(x >= 0, 1.0, 0.0)


def _sigmoid_density(x, alpha):
    s = sp.expit(alpha * x)
    return alpha * s * (1 - s)


REFERENCES = {
    "heaviside_exponential": lambda x, alpha=1.0: _spike(x),
    "heaviside_sigmoid": lambda x, alpha=4.0: _spike(x),
    "heaviside_gaussian": lambda x, alpha=2.0: _spike(x),
    "heaviside_piecewise_quadratic": lambda x, alpha=1.0: _spike(x),
    "heaviside_q_pseudospike": lambda x, q=2.0: _spike(x),
    "heaviside_s2nn": lambda x, alpha=4.0, beta=1.0: _spike(x),
}

SURROGATE_GRADIENTS = {
    # SLAYER's spike-escape density, unit-area form: d/dx of e^{ax}/2 (x < 0), 1 - e^{-ax}/2 (x >= 0)
    "heaviside_exponential": lambda x, alpha=1.0: alpha / 2 * np.exp(-alpha * np.abs(x)),
    # STBP's sigmoid curve: d/dx sigmoid(alpha x)
    "heaviside_sigmoid": lambda x, alpha=4.0: _sigmoid_density(x, alpha),
    # d/dx erfc(-alpha x)/2
    "heaviside_gaussian": lambda x, alpha=2.0: alpha / np.sqrt(np.pi) * np.exp(-(alpha * x) ** 2),
    "heaviside_piecewise_quadratic": lambda x, alpha=1.0: np.where(np.abs(x) <= 1 / alpha,
                                                                   alpha - alpha ** 2 * np.abs(x), 0.0),
    "heaviside_q_pseudospike": lambda x, q=2.0: (1 + 2 * np.abs(x) / (q - 1)) ** (-q),
    # S2NN: sigmoid'(alpha x) below threshold, d/dx beta ln(x + 1) above
    "heaviside_s2nn": lambda x, alpha=4.0, beta=1.0: np.where(
        x < 0, _sigmoid_density(x, alpha), beta / (np.maximum(x, 0) + 1)),
}


def _sign(x):
    return np.where(x >= 0, 1.0, -1.0)


def _signswish_grad(x, beta=5.0):
    # BNN+ (Darabi et al. 2018): d/dx SS_beta(x), SS_beta = 2 sigmoid(bx)(1 + bx(1 - sigmoid(bx))) - 1,
    # in the printed closed form b(2 - bx tanh(bx/2)) / (1 + cosh(bx)); cosh overflows to inf -> 0, as it should
    u = beta * x
    with np.errstate(over="ignore"):
        return beta * (2 - u * np.tanh(u / 2)) / (1 + np.cosh(u))


REFERENCES.update({
    "heaviside_sparse_fast_sigmoid": lambda x, k=25.0, B=1.0: _spike(x),
    "sign_swish": lambda x, beta=5.0: _sign(x),
    "sign_ede": lambda x, t=1.0: np.sign(x),
})

SURROGATE_GRADIENTS.update({
    "heaviside_sparse_fast_sigmoid": lambda x, k=25.0, B=1.0: np.where(np.abs(x) < B, (1 + k * np.abs(x)) ** -2.0,
                                                                       0.0),
    "sign_swish": _signswish_grad,
    # IR-Net's EDE: d/dx k tanh(t x), k = max(1/t, 1)
    "sign_ede": lambda x, t=1.0: max(1 / t, 1) * t * (1 - np.tanh(t * x) ** 2),
})

# Dspike (Li et al. 2021): d/dx [tanh(b x) / (2 tanh(b/2)) + 1/2] on |x| <= 1/2, 0 outside
REFERENCES["heaviside_dspike"] = lambda x, b=3.0: _spike(x)
SURROGATE_GRADIENTS["heaviside_dspike"] = lambda x, b=3.0: np.where(
    np.abs(x) <= 0.5, b / (2 * np.tanh(b / 2)) / np.cosh(np.clip(b * x, -700, 700)) ** 2, 0.0)

# RBNN (Lin et al. 2020): k max(0, 2 sqrt(t^2/2) - t^2 |x|), k = max(1/t, 1), as in the authors' BinaryQuantize
REFERENCES["sign_rbnn"] = lambda x, t=1.0: np.sign(x)
SURROGATE_GRADIENTS["sign_rbnn"] = lambda x, t=1.0: max(1 / t, 1) * np.maximum(
    2 * np.sqrt(t ** 2 / 2) - np.abs(t ** 2 * x), 0.0)


def _reste_grad(x, t=1.5, o=3.0):
    # ReSTE (Wu et al. 2023), as in the authors' Binary_ReSTE.backward: d/dx sign(x)|x|^(1/o) on 0.1 < |x| <= t,
    # the secant slope 0.1^(1/o) / 0.1 on |x| <= 0.1, 0 beyond t
    a = np.abs(x)
    with np.errstate(divide="ignore"):
        power = (1 / o) * a ** ((1 - o) / o)
    return np.where(a <= 0.1, 0.1 ** (1 / o) / 0.1, np.where(a <= t, power, 0.0))


REFERENCES["sign_reste"] = lambda x, t=1.5, o=3.0: np.sign(x)
SURROGATE_GRADIENTS["sign_reste"] = _reste_grad


def _fda_grad(x, omega=0.1, n=9):
    # FDA (Xu et al. 2021): d/dx of (4/pi) sum_{i<=n} sin((2i+1) w x)/(2i+1), zeroed for |x| > 1 as released
    s = sum(np.cos((2 * i + 1) * omega * x) for i in range(n + 1))
    return np.where(np.abs(x) <= 1, 4 * omega / np.pi * s, 0.0)


REFERENCES["sign_fda"] = lambda x, omega=0.1, n=9: np.sign(x)
SURROGATE_GRADIENTS["sign_fda"] = _fda_grad


def _fsq_parts(levels):
    # FSQ (Mentzer et al. 2023), the paper's bound(): half_l = (L - 1)(1 + 1e-3)/2, offset 0.5 for even L
    half_l = (levels - 1) * (1 + 1e-3) / 2
    offset = 0.5 if levels % 2 == 0 else 0.0
    return half_l, offset, math.atanh(offset / half_l), levels // 2


def _fsq(x, levels=5):
    half_l, offset, shift, half_width = _fsq_parts(levels)
    return np.round(np.tanh(x + shift) * half_l - offset) / half_width


def _fsq_grad(x, levels=5):
    # straight through round(): d/dx of the bound divided by the half width
    half_l, _, shift, half_width = _fsq_parts(levels)
    return half_l / half_width / np.cosh(np.clip(x + shift, -700, 700)) ** 2


REFERENCES["fsq"] = _fsq
SURROGATE_GRADIENTS["fsq"] = _fsq_grad

# LFQ (MAGVIT-v2, Yu et al. 2023, Eq. 3): -1{z <= 0} + 1{z > 0}, trained with the identity straight-through
REFERENCES["lfq_sign"] = lambda x: np.where(x > 0, 1.0, -1.0)
SURROGATE_GRADIENTS["lfq_sign"] = lambda x: np.ones_like(x)

# TAAE's symmetric FSQ (Parker et al. 2024, Sec. 3.2): QL(x) = 2/(L-1) floor((L-1)(tanh x + 1)/2 + 1/2) - 1,
# straight through the floor, so the backward is the derivative of tanh.  floor(y + 1/2) is written as round(y):
# equal except at exact half-integers y (a null set), and round is what the mpmath re-evaluation provides
REFERENCES["fsq_symmetric"] = lambda x, levels=5: (2 / (levels - 1)) * np.round(
    (levels - 1) * (np.tanh(x) + 1) / 2) - 1
SURROGATE_GRADIENTS["fsq_symmetric"] = lambda x, levels=5: 1 / np.cosh(np.clip(x, -700, 700)) ** 2

# SpikeYOLO's I-LIF (Luo et al. 2024): round(clip(x, 0, D)) with D = 4, gradient passed inside [0, D]
REFERENCES["ilif_spike"] = lambda x, D=4: np.round(np.clip(x, 0, D))
SURROGATE_GRADIENTS["ilif_spike"] = lambda x, D=4: np.where((x >= 0) & (x <= D), 1.0, 0.0)

# Ternary Spike (Guo et al. 2024): sign(x) with |x| < 1/2 set to 0; backward d/dx clamp(x, -1, 1)
REFERENCES["ternary_spike"] = lambda x: np.where(np.abs(x) < 0.5, 0.0, np.sign(x))
SURROGATE_GRADIENTS["ternary_spike"] = lambda x: np.where(np.abs(x) <= 1, 1.0, 0.0)
