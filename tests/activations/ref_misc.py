"""Independent float64 NumPy references for nonlin/activations/misc.py."""

import numpy as np
from scipy import special as sp

REFERENCES = {
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "ncu": lambda x: x - x**3,
    "squ": lambda x: x**2 + x,
    "max_x_sigmoid": lambda x: np.maximum(x, sp.expit(x)),
    "max_x_tanh": lambda x: np.where(x >= 0, x, np.tanh(x)),
    "atan_squared_minus_x": lambda x: np.arctan(x) ** 2 - x,
    "x_asinh_squared": lambda x: x * np.log(np.abs(x) + np.sqrt(x**2 + 1)) ** 2,
}
