"""Independent float64 NumPy references for nonlin/activations/survey4_classic.py, from the published equations.

Each formula is written as its paper prints it (pieces evaluated only on their own
domain), with published constants typed in again here, not imported.
"""

from math import comb

import numpy as np

from ._numpy_pieces import pieces


def naka_rushton(x, n=2.0, c50=1.0):
    # Naka & Rushton (1966) / Hill: R = x^n / (x^n + c50^n) of the half-rectified input
    return pieces(x, [lambda v: v <= 0], [lambda v: 0 * v], lambda v: v ** n / (v ** n + c50 ** n))


def lif_rate(x, tau_ref=0.002, tau_rc=0.02):
    # Hunsberger & Eliasmith (arXiv 1510.08829) Eq. 2 with V_th = 1: r = [tau_ref - tau_RC ln(1 - 1/j)]^-1, j > 1
    return pieces(x, [lambda v: v <= 1], [lambda v: 0 * v], lambda v: 1 / (tau_ref - tau_rc * np.log(1 - 1 / v)))


def soft_lif(x, sigma=1.0, tau_ref=0.002, tau_rc=0.02):
    # Eq. 3: j = sigma ln(1 + e^{(x-1)/sigma}), r = [tau_ref + tau_RC ln(1 + 1/j)]^-1.  Where j underflows,
    # ln(1 + 1/j) = ln(1 + j) - ln j with ln j = ln sigma + z + ln(1 - e^z/2) (series of ln ln(1 + e^z))
    def near(v):
        j = sigma * np.logaddexp(0, (v - 1) / sigma)
        return 1 / (tau_ref + tau_rc * np.log1p(1 / j))

    def far(v):
        z = (v - 1) / sigma
        log_j = np.log(sigma) + z + np.log1p(-np.exp(z) / 2)
        return 1 / (tau_ref + tau_rc * (np.log1p(np.exp(log_j)) - log_j))

    return pieces(x, [lambda v: (v - 1) / sigma >= -40], [near], far)


def wong_wang_rate(x, a=270.0, b=108.0, d=0.154):
    # Wong & Wang (2006) Eq. 6: H = (a x - b) / (1 - exp(-d (a x - b))), H = 1/d where a x = b
    def h(v):
        u = a * v - b
        with np.errstate(over="ignore"):  # far below threshold expm1 overflows: H = u/(-inf) = 0, its limit
            return u / -np.expm1(-d * u)

    return pieces(x, [lambda v: a * v - b == 0], [lambda v: 0 * v + 1 / d], h)


def cosine_squasher(x):
    # Gallant & White (1988): (1 + cos(x + 3 pi/2))/2 on [-pi/2, pi/2], 0 below, 1 above
    return pieces(x, [lambda v: v < -np.pi / 2, lambda v: v > np.pi / 2], [lambda v: 0 * v, lambda v: 0 * v + 1],
                  lambda v: (1 + np.cos(v + 3 * np.pi / 2)) / 2)


def he_lr_sigmoid3(x):
    # Kim, Song, Kim, Lee, Cheon (BMC Med. Genomics 2018): least squares on [-8, 8]
    return 0.5 + 1.20096 * (x / 8) - 0.81562 * (x / 8) ** 3


def he_lr_sigmoid5(x):
    return 0.5 + 1.53048 * (x / 8) - 2.3533056 * (x / 8) ** 3 + 1.3511295 * (x / 8) ** 5


def he_lr_sigmoid7(x):
    return 0.5 + 1.73496 * (x / 8) - 4.19407 * (x / 8) ** 3 + 5.43402 * (x / 8) ** 5 - 2.50739 * (x / 8) ** 7


def cheon_sign_poly(x, n=3):
    # Cheon, Kim, Kim (ASIACRYPT 2020): f_n(x) = sum_{i=0}^n 4^-i C(2i, i) x (1 - x^2)^i
    out = 0 * x
    for i in range(n + 1):
        out = out + comb(2 * i, i) / 4 ** i * x * (1 - x ** 2) ** i
    return out


REFERENCES = {
    "naka_rushton": naka_rushton,
    "lif_rate": lif_rate,
    "soft_lif": soft_lif,
    "wong_wang_rate": wong_wang_rate,
    "cosine_squasher": cosine_squasher,
    "he_lr_sigmoid3": he_lr_sigmoid3,
    "he_lr_sigmoid5": he_lr_sigmoid5,
    "he_lr_sigmoid7": he_lr_sigmoid7,
    "cheon_sign_poly": cheon_sign_poly,
}


def cheon_sign_g(x, n=3):
    # Cheon, Kim, Kim (ASIACRYPT 2020): g_n with integer coefficients over 2^10, lowest power first
    table = {1: [2126, -1359], 2: [3334, -6108, 3796], 3: [4589, -16577, 25614, -12860],
             4: [5850, -34974, 97015, -113492, 46623]}
    out = 0 * x
    for k, c in enumerate(table[n]):
        out = out + c / 1024 * x ** (2 * k + 1)
    return out


def raised_cosine_rbf(x):
    # Schilling, Carroll, Al-Ajlouni (IEEE TNN 2001): (1 + cos(pi x))/2 for |x| <= 1, else 0
    return pieces(x, [lambda v: np.abs(v) > 1], [lambda v: 0 * v], lambda v: (1 + np.cos(np.pi * v)) / 2)


REFERENCES.update({"cheon_sign_g": cheon_sign_g, "raised_cosine_rbf": raised_cosine_rbf})
