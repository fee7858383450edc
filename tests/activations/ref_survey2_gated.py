"""Independent float64 NumPy references for nonlin/activations/survey2_gated.py.

Written from the papers' formulas with NumPy/SciPy primitives, not from nonlin's code.
"""

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces

expit = sp.expit
NF_GAMMA_GELU = 1.7015043497085571  # NFNets (Brock et al. 2021), authors' published gain


def gelu(x):
    return x * sp.ndtr(x)


def silu(x):
    return x * expit(x)


def mish(x):
    return x * np.tanh(np.logaddexp(0.0, x))


def saturated(neg):
    # Chen & Pan 2023: ReLU's positive part, the smooth unit's negative part
    return lambda x: pieces(x, [lambda t: t >= 0], [lambda t: t], neg)


def tanhsoft3(x, delta=1.0):
    # ln(1 + e^x tanh(δx)); for x > 0 written as log(1 + exp(x + ln tanh(δx))) so e^x never overflows
    return pieces(x, [lambda t: t > 0], [lambda t: np.logaddexp(0.0, t + np.log(np.tanh(delta * t)))],
                  lambda t: np.log1p(np.exp(t) * np.tanh(delta * t)))


REFERENCES = {
    "saturated_gelu": saturated(gelu),
    "saturated_silu": saturated(silu),
    "saturated_mish": saturated(mish),
    "swish_t": lambda x, alpha=0.1, beta=1.0: x * expit(beta * x) + alpha * np.tanh(x),
    "tanhsoft3": tanhsoft3,
    "stan": lambda x, beta=1.0: np.tanh(x) + beta * x * np.tanh(x),
    "nf_gelu": lambda x: NF_GAMMA_GELU * gelu(x),
}


def i_gelu(x):
    # I-BERT (Kim et al. 2021), Algorithm 2: L(u) = sgn(u)[a(clip(|u|, max=-b) + b)^2 + 1], a = -0.2888, b = -1.769
    a, b = -0.2888, -1.769
    u = x / np.sqrt(2.0)
    L = np.sign(u) * (a * (np.minimum(np.abs(u), -b) + b) ** 2 + 1.0)
    return x * 0.5 * (1.0 + L)


REFERENCES["i_gelu"] = i_gelu


def puma_gelu(x):
    # PUMA (Dong et al. 2023): 0 | cubic on [-4, -1.95) | sextic on [-1.95, 3] | x
    a = [-0.5054031199708174, -0.42226581151983866, -0.11807612951181953, -0.011034134030615728]
    b = [0.008526321541038084, 0.5, 0.3603292692789629, 0.0, -0.037688200365904236, 0.0, 0.0018067462606141187]
    return pieces(x, [lambda t: t > 3.0, lambda t: t >= -1.95, lambda t: t >= -4.0],
                  [lambda t: t, lambda t: sum(c * t ** i for i, c in enumerate(b)),
                   lambda t: sum(c * t ** i for i, c in enumerate(a))], lambda t: 0.0 * t)


REFERENCES["puma_gelu"] = puma_gelu


def puma_silu(x):
    # PUMA's released LLaMA example (SecretFlow-SPU): 0 | quadratic on [-8, -4) | sextic on [-4, 4] | x
    a = [-0.3067541139982155, -0.0819767021525476, -0.0055465625580307]
    b = [0.0085064025895951, 0.5, 0.2281430841728270, 0.0, -0.011113046708173, 0.0, 0.0002743776353465]
    return pieces(x, [lambda t: t > 4.0, lambda t: t >= -4.0, lambda t: t >= -8.0],
                  [lambda t: t, lambda t: sum(c * t ** i for i, c in enumerate(b)),
                   lambda t: sum(c * t ** i for i, c in enumerate(a))], lambda t: 0.0 * t)


REFERENCES["puma_silu"] = puma_silu
REFERENCES["gelu10"] = lambda x: np.clip(gelu(x), -10.0, 10.0)  # Wu et al. 2020: GELU clipped to [-10, 10]
