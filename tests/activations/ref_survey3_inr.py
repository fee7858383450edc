"""Independent float64 NumPy references for nonlin/activations/survey3_inr.py (FINER++, arXiv 2407.19434).

Written from the authors' formulas: gauss(finer(x)) and the real part of wire(finer(x)),
finer(x) = sin(w0 (|x| + 1) x).

No reference is given (NaN) where w0 x^2 > 2^50: there the phase w0 (|x| + 1) x moves by
radians between neighbouring floats, so every float format only fixes the value to within
the function's whole range.  The float-range test reads such points as ill-conditioned
from the spread of the reference under a few-ulp perturbation; the Gaussian's compression
of the values near its floor e^{-s^2} can hide that spread, so the points are left out
explicitly instead of being compared to an accident of the last bit.
"""

import numpy as np

from ._numpy_pieces import pieces

_PHASE_LIMIT = 2.0 ** 50


def _finer(x, w0):
    return np.sin(w0 * (np.abs(x) + 1) * x)


def _defined(x, w0, y):
    return np.where(w0 * x * x > _PHASE_LIMIT, np.nan, y)


REFERENCES = {
    "gauss_finer": lambda x, s=3.0, w0=1.0: _defined(x, w0, np.exp(-np.abs(s * _finer(x, w0)) ** 2)),
    "wire_finer": lambda x, s=10.0, omega_w=20.0, w0=1.0: _defined(x, w0, np.real(
        np.exp(1j * omega_w * _finer(x, w0) - np.abs(s * _finer(x, w0)) ** 2))),
}


def _mpr(u):
    # InfLoR-SNN (Guo et al., ECCV 2022): -(1 - u)^(1/3) + 1 | tanh(3(u - 1/2)) / (2 tanh(3/2)) + 1/2 | u^(1/3)
    def mid(v):
        return np.tanh(3 * (v - 0.5)) / (2 * np.tanh(1.5)) + 0.5
    return pieces(u, [lambda v: v > 1, lambda v: v < 0],
                  [lambda v: np.power(v, 1 / 3), lambda v: 1 - np.power(1 - v, 1 / 3)], mid)


REFERENCES["membrane_potential_rectifier"] = _mpr
