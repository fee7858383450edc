"""Independent float64 NumPy/SciPy references for nonlin/activations/survey3_search.py.

Written from the search papers' formulas, not from nonlin's code.
"""

import numpy as np
from scipy import special as sp

REFERENCES = {
    # Bingham, Macke & Miikkulainen, arXiv 2002.07224: σ(x)·erf(x)
    "sigmoid_erf": lambda x: sp.expit(x) * sp.erf(x),
    # Sun et al., arXiv 2405.12954: ReLU(x) + ε·x·exp(−x²/2), ε = 0.01
    "crrelu": lambda x, eps=0.01: np.maximum(x, 0.0) + eps * x * np.exp(-x * x / 2.0),
    # Vitvitskyi et al., arXiv 2602.05688: GELU(x) + α·sin(x), α = 0.1 (GELU = x·Φ(x))
    "gelu_sine": lambda x, alpha=0.1: x * sp.ndtr(x) + alpha * np.sin(x),
}
