"""Independent float64 NumPy references for nonlin/activations/survey2_exp.py (the papers' formulas).

Each branch is evaluated only on its own side (``pieces``).  Where the
paper's form overflows or cancels in float64 before |x| = 2^20 (where the
whole-float-range test switches to mpmath), an exact rewriting is used and
named in a comment.
"""

import math

import numpy as np
from scipy import special as sp

from ._numpy_pieces import pieces

_LN2 = np.log(2.0)


def fpflu(x):
    # x + x²/√(1+x²) for x < 0, written x/(h(h − x)) with h = √(1+x²) (x + x²/h cancels for large |x|)
    def neg(t):
        h = np.sqrt(1.0 + t * t)
        return t / (h * (h - t))
    return pieces(x, [lambda t: t >= 0], [lambda t: t], neg)


def rsigelud(x, a=0.5, b=1.0):
    return pieces(x, [lambda t: t > 1, lambda t: t >= 0],
                  [lambda t: t * sp.expit(t) * a + t, lambda t: t], lambda t: b * np.expm1(t))


def ada(x, a=1.0, b=0.0):
    return pieces(x, [lambda t: t > 0], [lambda t: t * np.exp(-a * t + b)], lambda t: 0.0 * t)


def lada(x, a=1.0, b=0.0, c=0.01):
    return pieces(x, [lambda t: t > 0], [lambda t: t * np.exp(-a * t + b)], lambda t: c * t)


def erfrelu(x, a=1.0):
    return pieces(x, [lambda t: t >= 0], [lambda t: t], lambda t: a * sp.erf(t))


def _elu(v):
    return pieces(v, [lambda t: t > 0], [lambda t: t], np.expm1)


def pe2relu(x, a=0.4, b=0.3):
    # Jie et al.: a·ReLU(x) + b·ELU(x) + (1 − a − b)·(−ELU(−x)), term by term
    return a * np.maximum(x, 0.0) + b * _elu(x) - (1.0 - a - b) * _elu(-x)


def hclsh(x):
    # ln(cosh x + x cosh(x/2)) = ln(e^x + e^−x + x e^{x/2} + x e^{−x/2}) − ln 2, as a log-sum-exp (cosh overflows)
    def pos(t):
        with np.errstate(divide="ignore"):
            lt = np.log(t)
        return np.logaddexp(np.logaddexp(t, -t), np.logaddexp(lt + t / 2, lt - t / 2)) - _LN2

    def neg(t):  # ln(cosh x) + x
        return np.logaddexp(t, -t) - _LN2 + t
    return pieces(x, [lambda t: t >= 0], [pos], neg)


def delu(x, n=0.0):
    # Pishchik: SiLU(x) for x <= 0, (n + 0.5)x + |exp(-x) - 1| for x > 0
    return pieces(x, [lambda t: t > 0], [lambda t: (n + 0.5) * t + np.abs(np.exp(-t) - 1.0)],
                  lambda t: t * sp.expit(t))


def diffelu(x, a=0.3, b=0.1):
    return pieces(x, [lambda t: t >= 0], [lambda t: t], lambda t: a * (t * np.exp(t) - b * np.exp(b * t)))


def _edelu_c(a, b):
    # positive root of b·c = e^{ac} − 1 by Newton from the right (the function is convex), 0 if b <= a
    if b <= a:
        return 0.0
    c = max(1.0, 2.0 * math.log(b / a) / a + 1.0)
    for _ in range(100):
        c -= (math.expm1(a * c) - b * c) / (a * math.exp(a * c) - b)
    return c


def edelu(x, a=1.0, b=2.0):
    c = _edelu_c(a, b)
    return pieces(x, [lambda t: t >= c], [lambda t: t], lambda t: np.expm1(a * t) / b)


def loglu(x):
    return pieces(x, [lambda t: t > 0], [lambda t: t], lambda t: -np.log(1.0 - t))


REFERENCES = {
    "fpflu": fpflu,
    "rsigelud": rsigelud,
    "ada": ada,
    "lada": lada,
    "erfrelu": erfrelu,
    "pe2relu": pe2relu,
    "hclsh": hclsh,
    "delu": delu,
    "loglu": loglu,
    "diffelu": diffelu,
    "edelu": edelu,
    "psoftplus": lambda x, a=1.5, b=_LN2: a * (np.logaddexp(0.0, x) - b),
    "rand_softplus": lambda x, a=0.5: (1.0 - a) * np.maximum(x, 0.0) + a * np.logaddexp(0.0, x),
}
