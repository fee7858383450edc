"""Independent float64 NumPy references for nonlin/activations/survey2_{periodic,radial,poly}.py.

Written from the papers' formulas with NumPy primitives, not from nonlin's code.
"""

import numpy as np

from ._numpy_pieces import pieces


def wendland(power, poly):
    # Wendland 1995: φ(r) = (1 − r)_+^power · p(r), r = |x|
    return lambda x: np.maximum(1.0 - np.abs(x), 0.0) ** power * poly(np.abs(x))


def quadratic_bspline(x):
    # centred cardinal B-spline of degree 2 (knots at ±1/2, ±3/2)
    return pieces(x, [lambda t: np.abs(t) <= 0.5, lambda t: np.abs(t) < 1.5],
                  [lambda t: 0.75 - t * t, lambda t: 0.5 * (1.5 - np.abs(t)) ** 2], lambda t: 0.0 * t)


REFERENCES = {
    "spder": lambda x: np.sin(x) * np.sqrt(np.abs(x)),
    "wendland_c0": wendland(2, lambda r: 1.0 + 0.0 * r),
    "wendland_c4": wendland(6, lambda r: 35.0 * r * r + 18.0 * r + 3.0),
    "wendland_c6": wendland(8, lambda r: 32.0 * r * r * r + 25.0 * r * r + 8.0 * r + 1.0),
    "quadratic_bspline": quadratic_bspline,
    "faster_cryptonets_poly": lambda x: 0.125 * x * x + 0.5 * x + 0.25,
}


def meyer_wavelet(x):
    # Wav-KAN's released code: sin(pi v) * aux(v), v = |x|, aux = 1 / cos(pi/2 nu(2v - 1)) / 0
    def nu(t):
        return t ** 4 * (35.0 - 84.0 * t + 70.0 * t ** 2 - 20.0 * t ** 3)
    return pieces(x, [lambda t: np.abs(t) <= 0.5, lambda t: np.abs(t) < 1.0],
                  [lambda t: np.sin(np.pi * np.abs(t)),
                   lambda t: np.sin(np.pi * np.abs(t)) * np.cos(np.pi / 2 * nu(2 * np.abs(t) - 1))],
                  lambda t: 0.0 * t)


def bump_wavelet(x):
    return pieces(x, [lambda t: np.abs(t) < 1.0], [lambda t: np.exp(-1.0 / (1.0 - t * t))], lambda t: 0.0 * t)


def polyrelu_fixed(x):
    r = np.maximum(x, 0.0)
    return (r + r ** 2 + r ** 3) / 3.0


REFERENCES.update({
    "meyer_wavelet": meyer_wavelet,
    "bump_wavelet": bump_wavelet,
    "polyrelu_fixed": polyrelu_fixed,
})
REFERENCES["mpcformer_quad"] = lambda x: 0.125 * x * x + 0.25 * x + 0.5  # MPCFormer (Li et al. 2022)
