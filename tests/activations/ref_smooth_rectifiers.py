"""Independent float64 NumPy references for nonlin/activations/smooth_rectifiers.py.

Written from the papers' formulas with NumPy/SciPy (logaddexp, erf), not from
nonlin's torch code.
"""

import numpy as np
from scipy import special as sp


def softplus(x, beta=1.0, threshold=20.0):
    # torch semantics: linear where beta*x > threshold
    return np.where(beta * x > threshold, x, np.logaddexp(0.0, beta * x) / beta)


def squareplus(x, b=4.0):
    # for x < 0 the rationalised form b / (2(√(x²+b) − x)) avoids cancellation
    xp, xn = np.maximum(x, 0), np.minimum(x, 0)
    return np.where(x >= 0, (xp + np.sqrt(xp * xp + b)) / 2, b / (2 * (np.sqrt(xn * xn + b) - xn)))


def smelu(x, beta=1.0):
    return np.where(x <= -beta, 0.0, np.where(x >= beta, x, (x + beta) ** 2 / (4 * beta)))


def shifted_softplus(x):
    # ln((1 + e^x)/2), via logaddexp(0, x) - ln 2 away from 0 and a series near 0
    series = x / 2 + x**2 / 8 - x**4 / 192 + x**6 / 2880
    return np.where(np.abs(x) < 1e-2, series, np.logaddexp(0.0, x) - np.log(2.0))


def bent_identity(x):
    return (np.sqrt(x * x + 1) - 1) / 2 + x


def soft_exponential(x, alpha=0.5):
    if alpha < 0:  # Godfrey & Gashler's logarithmic branch; its domain is 1 − α(x + α) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            arg = 1 - alpha * (x + alpha)
            return np.where(arg > 0, -np.log(np.where(arg > 0, arg, 1.0)) / alpha, -np.inf)
    return x if alpha == 0 else (np.exp(alpha * x) - 1) / alpha + alpha


def smu(x, alpha=0.01, mu=2.5):
    return ((1 + alpha) * x + (1 - alpha) * x * sp.erf(mu * (1 - alpha) * x)) / 2


def smu1(x, alpha=0.25, mu=4.352665993287951e-9):
    return ((1 + alpha) * x + np.sqrt(((x - alpha * x) ** 2) + mu**2)) / 2


def xielu(x, alpha_p=0.8, alpha_n=0.8, beta=0.5):
    xn = np.minimum(x, 0.0)
    return np.where(x > 0, alpha_p * x**2 + beta * x, alpha_n * (np.expm1(xn) - xn) + beta * x)


def eis(x, alpha=1.0, beta=1.0, gamma=1.0, delta=0.0, theta=1.0):
    # δ = 0 (the default) drops the exponential term, as in the paper; 0·e^{−θx} would be NaN where e^{−θx} overflows
    damp = delta * np.exp(-theta * x) if delta else 0.0
    return x * np.logaddexp(0.0, x) ** alpha / (np.sqrt(beta + gamma * x**2) + damp)


REFERENCES = {
    "softplus": softplus,
    "squareplus": squareplus,
    "smelu": smelu,
    "shifted_softplus": shifted_softplus,
    "bent_identity": bent_identity,
    "soft_exponential": soft_exponential,
    "smu": smu,
    "smu1": smu1,
    "xielu": xielu,
    "eis": eis,
}
