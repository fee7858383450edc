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


def _sech(x):
    return 1 / np.cosh(x)


REFERENCES.update({
    "alpha_sechsig": lambda x, alpha=1.0: (x + alpha * _sech(x + alpha)) * sp.expit(x),
    "alpha_tanhsig": lambda x, alpha=1.0: (x + alpha * np.tanh(x + alpha)) * sp.expit(x),
    "hard_sigmoid_theano": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
    # Theano's C code: z from |x/2| in three pieces, odd in x, then (z + 1)/2
    "ultra_fast_sigmoid": lambda x: 0.5 * (1 + np.sign(x) * pieces(
        np.abs(x) / 2, [lambda a: a < 1.7, lambda a: a < 3],
        [lambda a: 1.5 * a / (1 + a), lambda a: 0.935409070603099 + 0.0458812946797165 * (a - 1.7)],
        lambda a: 0.99505475368673 + 0 * a)),
    # the paper's parabolas 0.96016 - c (x - 1.92033)^2 through the origin: c = 0.96016/1.92033^2 (printed 0.26037)
    "anguita_tanh": lambda x: pieces(
        x, [lambda t: t > 1.92033, lambda t: t >= 0, lambda t: t > -1.92033],
        [lambda t: 0.96016 + 0 * t, lambda t: 0.96016 - 0.96016 / 1.92033**2 * (t - 1.92033) ** 2,
         lambda t: 0.96016 / 1.92033**2 * (t + 1.92033) ** 2 - 0.96016], lambda t: -0.96016 + 0 * t),
    "gemma2_attn_softcap": lambda x, cap=50.0: cap * np.tanh(x / cap),
    "gemma2_logit_softcap": lambda x, cap=30.0: cap * np.tanh(x / cap),
    "tanh_logit_clip": lambda x, C=10.0: C * np.tanh(x),
    # (|x|^2/(1+|x|^2)) * x/|x|, written for |x| >= 1 with 1/x so that x^2 cannot overflow
    "capsule_squash": lambda x: pieces(x, [lambda t: np.abs(t) < 1],
                                       [lambda t: t * np.abs(t) / (1 + t**2)],
                                       lambda t: np.sign(t) / (1 + (1 / t) ** 2)),
})

REFERENCES.update({
    "sigmoid_derivative": lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2,  # e^x/(1+e^x)^2, even
    "sigmoid_flat_spot": lambda x, offset=0.1: sp.expit(x),
    # the gains published with the NFNets code (Brock et al.), times the plain function
    "nf_tanh": lambda x: 1.5939117670059204 * np.tanh(x),
    "nf_sigmoid": lambda x: 4.803835391998291 * sp.expit(x),
    "nf_softsign": lambda x: 2.338853120803833 * x / (1 + np.abs(x)),
    "nf_log_sigmoid": lambda x: -1.9193484783172607 * np.logaddexp(0.0, -x),
})

SURROGATE_GRADIENTS = {
    # Fahlman (1988): the sigmoid-prime plus 0.1 in back-propagation
    "sigmoid_flat_spot": lambda x, offset=0.1: sp.expit(x) * (1 - sp.expit(x)) + offset,
}

REFERENCES.update({
    "s3_sigmoid_softsign": lambda x: pieces(x, [lambda t: t < 0], [sp.expit], lambda t: t / (1 + np.abs(t))),
    # the author's released S4: sigmoid(kx)*softsign(x) + (1 - sigmoid(kx))*sigmoid(x), k = 5
    "s4_sigmoid_softsign": lambda x, k=5.0: sp.expit(k * x) * x / (1 + np.abs(x)) + sp.expit(-k * x) * sp.expit(x),
    "abs_tanh": lambda x: np.abs(np.tanh(x)),
})

REFERENCES.update({
    "xlstm_gate_softcap": lambda x, cap=15.0: cap * np.tanh(x / cap),
    "hopfield_tank_sigmoid": lambda x, u0=0.02: 0.5 * (1 + np.tanh(x / u0)),
})


def _entmoid15(x):
    # NODE's closed form of entmax15([x, 0])[0]: tau = (|x| + sqrt(relu(8 - x^2)))/2 (2 where tau <= |x|),
    # smaller-class mass 0.25*relu(tau - |x|)^2
    ax = np.abs(x)
    tau = (ax + np.sqrt(np.maximum(8 - np.minimum(ax, 3.0) ** 2, 0.0))) / 2
    tau = np.where(tau <= ax, 2.0, tau)
    y_neg = 0.25 * np.maximum(tau - ax, 0.0) ** 2
    return np.where(x >= 0, 1 - y_neg, y_neg)


REFERENCES.update({
    "entmoid15": _entmoid15,
    # Neural GPU: max(0, min(1, 1.2 sigmoid(x) - 0.1))
    "saturating_sigmoid": lambda x: np.maximum(0.0, np.minimum(1.0, 1.2 * sp.expit(x) - 0.1)),
    # GLA: sigmoid(x)^(1/tau), tau = 16
    "gla_forget_gate": lambda x, tau=16.0: np.exp(-np.logaddexp(0.0, -x) / tau),
})

REFERENCES.update({
    "rwkv7_decay": lambda x: np.exp(-np.exp(-0.5) * sp.expit(x)),
    # h(x) = sign(x)(sqrt(|x| + 1) - 1) + eps*x, the cancellation-free form of sqrt(|x|+1) - 1
    "value_rescale": lambda x, eps=1e-2: np.sign(x) * np.abs(x) / (np.sqrt(np.abs(x) + 1) + 1) + eps * x,
    "r2d2_value_rescale": lambda x, eps=1e-3: np.sign(x) * np.abs(x) / (np.sqrt(np.abs(x) + 1) + 1) + eps * x,
})

REFERENCES.update({
    "rwkv6_decay": lambda x: np.exp(-np.exp(np.minimum(x, 700.0))),
    # Mip-NeRF: rgb = sigmoid(x) * (1 + 2*rgb_padding) - rgb_padding, rgb_padding = 0.001
    "widened_sigmoid": lambda x, eps=0.001: sp.expit(x) * (1 + 2 * eps) - eps,
    "mu_law": lambda x, mu=255.0: np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu),
})

REFERENCES.update({
    # YOLOv5 / Scaled-YOLOv4 box decoding: xy = sigmoid*2 - 0.5, wh = (sigmoid*2)**2
    "yolo_xy_sigmoid": lambda x: sp.expit(x) * 2 - 0.5,
    "yolo_wh_sigmoid": lambda x: (sp.expit(x) * 2) ** 2,
})
REFERENCES["gsa_forget_gate"] = lambda x, tau=8.0: sp.expit(x) ** (1 / tau)
# SecureML: f(x) = 0 for x < -1/2, x + 1/2 for -1/2 <= x < 1/2, 1 for x >= 1/2
REFERENCES["hard_sigmoid_secureml"] = lambda x: pieces(x, [lambda t: t < -0.5, lambda t: t < 0.5],
                                                       [lambda t: 0 * t, lambda t: t + 0.5], lambda t: 0 * t + 1.0)
