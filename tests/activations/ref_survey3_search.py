"""Independent float64 NumPy/SciPy references for nonlin/activations/survey3_search.py.

Written from the search papers' formulas, not from nonlin's code.
"""

from scipy import special as sp

REFERENCES = {
    # Bingham, Macke & Miikkulainen, arXiv 2002.07224: σ(x)·erf(x)
    "sigmoid_erf": lambda x: sp.expit(x) * sp.erf(x),
}
