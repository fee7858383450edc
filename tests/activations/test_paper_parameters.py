"""Parameter settings the papers allow (issue 13, item 10), against independent formulas."""

import math

import numpy as np
import pytest
import torch

import nonlin


def test_eis_accepts_beta_zero():
    """EIS with β = 0, δ = 0 is x·softplus(x)^α/(√γ·|x|) = sign(x)·softplus(x)^α/√γ (f(0) = 0)."""
    x = np.array([-3.0, -0.5, 0.0, 1e-3, 2.0])
    got = nonlin.get_fn("eis", beta=0.0, gamma=4.0)(torch.tensor(x, dtype=torch.float64)).numpy()
    want = np.sign(x) * np.logaddexp(0.0, x) / 2.0
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    with pytest.raises(nonlin.ParameterError, match="'beta', 'gamma' and 'delta'"):
        nonlin.create("eis", beta=0.0, gamma=0.0)


def test_hard_ash_fixed_keeps_the_threshold_value_like_ash():
    """ASH keeps x ≥ μ_X + z_k σ_X: at x = t the output is t (the learnable 'ash' in hard mode agrees)."""
    t = 1.25
    y = nonlin.get_fn("hard_ash_fixed", t=t)(torch.tensor([t, math.nextafter(t, 0.0), 2.0], dtype=torch.float64))
    assert y.tolist() == [t, 0.0, 2.0]
