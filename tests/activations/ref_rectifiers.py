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
