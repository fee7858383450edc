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


@pytest.mark.parametrize("alpha", [-0.5, -0.1, -2.0])
def test_soft_exponential_accepts_negative_alpha(alpha):
    """The paper's logarithmic branch −ln(1 − α(x + α))/α, −inf below its domain x > |α| − 1/|α|."""
    from tests.activations.ref_smooth_rectifiers import soft_exponential as ref

    edge = abs(alpha) - 1 / abs(alpha)
    x = np.concatenate([edge + np.array([0.01, 0.5, 3.0, 100.0]), [edge - 1.0]])
    f = nonlin.get_fn("soft_exponential", alpha=alpha)
    got = f(torch.tensor(x, dtype=torch.float64)).numpy()
    want = np.array([-math.log(1 - alpha * (v + alpha)) / alpha for v in x[:4]] + [-math.inf])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(ref(x, alpha), want, rtol=1e-12)
    # inverse of the exponential branch: f(−α, f(α, x)) = x (the paper's continuum)
    y = nonlin.get_fn("soft_exponential", alpha=-alpha)(torch.tensor([0.3, 1.7], dtype=torch.float64))
    torch.testing.assert_close(f(y), torch.tensor([0.3, 1.7], dtype=torch.float64))
    xg = torch.tensor(edge + np.array([0.2, 1.0, 4.0]), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(f, (xg,))
