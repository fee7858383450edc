"""Independent float64 NumPy references for nonlin/activations/rectifiers.py.

Written from the papers' formulas, not from the implementation.
"""

import numpy as np

REFERENCES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x, negative_slope=0.01: np.where(x >= 0, x, negative_slope * x),
    "helu": lambda x, alpha=0.05: np.maximum(x, 0.0),
}

# Units whose backward is a surrogate rule, not the derivative: the rule itself.
SURROGATE_GRADIENTS = {
    "helu": lambda x, alpha=0.05: (x > -alpha).astype(np.float64),
}
REFERENCES["relu_squared"] = lambda x: np.maximum(x, 0.0) ** 2


def _leaky(x, a):
    return np.where(x >= 0, x, a * x)


def _blrelu(x, n=6.0, beta=0.01):
    out = np.empty_like(x)
    for i, v in enumerate(x):
        if np.isnan(v):
            out[i] = v
        elif v <= 0:
            out[i] = beta * v
        elif v < n:
            out[i] = v
        else:
            out[i] = beta * (v - n) + n
    return out


def _srelu(x, t_left=-1.0, a_left=0.1, t_right=1.0, a_right=0.5):
    return np.select([x >= t_right, x <= t_left],
                     [t_right + a_right * (x - t_right), t_left + a_left * (x - t_left)], default=x)


def _plu(x, alpha=0.1, c=1.0):
    # three explicit pieces (the paper writes it as a max/min composition)
    return np.select([x > c, x < -c], [c + alpha * (x - c), -c + alpha * (x + c)], default=x)


REFERENCES.update({
    "prelu_init": lambda x, negative_slope=0.25: _leaky(x, negative_slope),
    "rrelu": lambda x, lower=1 / 8, upper=1 / 3: _leaky(x, (lower + upper) / 2),
    "bounded_leaky_relu": _blrelu,
    "relu6": lambda x: np.minimum(np.maximum(x, 0.0), 6.0),
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: np.minimum(np.maximum(x, min_val), max_val),
    "clipped_relu": lambda x, cap=20.0: np.where(x <= 0, 0.0, np.where(x >= cap, cap, x)),
    "shifted_relu": lambda x: np.where(x > -1, x, -1.0),
    "displaced_relu": lambda x, delta=0.05: np.where(x >= -delta, x, -delta),
    "abrelu_fixed": lambda x, bias=0.1: np.where(x > bias, x - bias, 0.0),
    "absolute": lambda x: np.sqrt(x * x),
    "srelu_fixed": _srelu,
    "nlrelu": lambda x, beta=1.0: np.where(x > 0, np.log(1.0 + beta * np.where(x > 0, x, 0.0)), 0.0),
    "dual_line": lambda x, a=1.0, b=0.01, m=-0.22: np.where(x >= 0, a * x + m, b * x + m),
    "plu": _plu,
    "repu": lambda x, p=3: np.where(x > 0, x, 0.0) ** p,
})
REFERENCES["identity"] = lambda x: np.array(x, dtype=np.float64, copy=True)
