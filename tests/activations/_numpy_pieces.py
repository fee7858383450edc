"""Shared helper of the float64 NumPy references (tests/activations/ref_*.py)."""

import numpy as np


def pieces(x, conds, funcs, default):
    """Evaluate a piecewise function, each piece only where its condition holds (first match wins).

    Other pieces are never evaluated off their domain, so they raise no overflow
    warnings; NaN inputs stay NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.full_like(x, np.nan)
    done = np.isnan(x)
    for c, f in zip(conds, funcs):
        m = c(x) & ~done
        out[m] = f(x[m])
        done |= m
    out[~done] = default(x[~done])
    return out
