"""Independent float64 NumPy references for nonlin/activations/radial.py.

Written from the papers' formulas, not from nonlin's torch code.
"""

import numpy as np


def thin_plate_spline(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x**2 * np.log(np.abs(x)))


def elephant(x, a=2.0, d=8.0):
    return 1.0 / (1.0 + np.abs(x / a) ** d)


def wendland(x):
    r = np.abs(x)
    return np.where(r < 1, (1 - r) ** 4 * (4 * r + 1), 0.0)


REFERENCES = {
    "gaussian": lambda x: np.exp(-(x**2)),
    "laplacian": lambda x: np.exp(-np.abs(x)),
    "inverse_quadratic": lambda x: 1.0 / (1.0 + x**2),
    "multiquadric": lambda x: np.sqrt(1.0 + x**2),
    "inverse_multiquadric": lambda x: 1.0 / np.sqrt(1.0 + x**2),
    "thin_plate_spline": thin_plate_spline,
    "cubic_rbf": lambda x: np.abs(x) ** 3,
    "wendland": wendland,
    "sech": lambda x: 1.0 / np.cosh(x),
    "cauchy": lambda x, lambda1=1.0, lambda2=1.0, d=1.0: lambda1 * x / (x**2 + d**2) + lambda2 / (x**2 + d**2),
    "elephant": elephant,
    "mexican_hat": lambda x: (1 - x**2) * np.exp(-(x**2) / 2),
    "morlet": lambda x, w0=5.0: np.cos(w0 * x) * np.exp(-(x**2) / 2),
    "dog": lambda x: x * np.exp(-(x**2) / 2),
}


def cubic_bspline(x):
    a = np.abs(x)
    return np.where(a <= 1, 2 / 3 - a**2 + a**3 / 2, np.where(a < 2, (2 - a) ** 3 / 6, 0.0))


def relu_kan_bump(x, s=-1.0, e=1.0):
    inside = (x > s) & (x < e)
    return np.where(inside, ((e - x) * (x - s)) ** 2 * 16 / (e - s) ** 4, 0.0)


REFERENCES.update({
    "hat": lambda x: np.where(np.abs(x) < 1, 1 - np.abs(x), 0.0),
    "cubic_bspline": cubic_bspline,
    "relu_kan_bump": relu_kan_bump,
    "rswaf": lambda x: 1 - np.tanh(x) ** 2,
})

REFERENCES.update({
    "gabor": lambda x, w0=20.0, s0=10.0: np.real(np.exp(1j * w0 * x)) * np.exp(-((s0 * x) ** 2)),
})
