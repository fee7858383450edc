"""Independent float64 NumPy references for nonlin/activations/survey3_secure.py, from the published coefficients."""

import numpy as np

from ._numpy_pieces import pieces


def _bolt_gelu(x):
    # BOLT (Pang et al., IEEE S&P 2024): 0 | 0.020848611754127593|x|^4 - 0.183525061270|x|^3
    # + 0.5410550166368381 x^2 - 0.03798164612714|x| + 0.0016208085 + x/2 on |x| <= 2.7 | x
    def seg(v):
        a = np.abs(v)
        return (0.020848611754127593 * a ** 4 - 0.183525061270 * a ** 3 + 0.5410550166368381 * a ** 2
                - 0.03798164612714 * a + 0.0016208085 + 0.5 * v)
    return pieces(x, [lambda v: v > 2.7, lambda v: v < -2.7], [lambda v: v, lambda v: 0 * v], seg)


REFERENCES = {"bolt_gelu": _bolt_gelu}
