"""The defining properties of a few survey4_modern units, beyond the generic catalogue tests.

Each checks what the paper uses the unit for, computed independently of nonlin's formulas:
EDM2's magnitude preservation, Residual Flows' Lipschitz bound, soft rounding's fixed points
and inverse, the sRGB curve's published values, trunc_exp's truncated gradient.
"""

import math

import numpy as np
import pytest
import torch

import nonlin


def _f(name):
    return nonlin.spec(name).fn


def test_mp_silu_has_unit_second_moment_under_a_standard_normal():
    # EDM2: silu / 0.596 keeps E[f(z)^2] = 1 for z ~ N(0, 1) (0.596 is the RMS to three digits)
    z, w = np.polynomial.hermite_e.hermegauss(120)
    y = _f("mp_silu")(torch.tensor(z)).numpy()
    rms = math.sqrt(float(np.sum(w * y * y)) / math.sqrt(2 * math.pi))
    assert abs(rms - 1.0) < 1e-3


@pytest.mark.parametrize("beta", [0.1, 0.5, 0.9740769841801067, 3.0, 20.0])
def test_lipswish_is_one_lipschitz_and_tight(beta):
    # Residual Flows: max |d/dx x sigmoid(beta x)| = 1.0998 for every beta, so /1.1 is 1-Lipschitz
    x = torch.linspace(-40 / beta, 40 / beta, 60001, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(_f("lipswish")(x, beta=beta).sum(), x)
    assert 0.999 < float(g.abs().max()) <= 1.0


@pytest.mark.parametrize("alpha", [1e-3, 0.5, 5.0, 40.0, 300.0])
def test_soft_round_fixes_the_integers_and_inverts(alpha):
    s, s_inv = _f("soft_round"), _f("soft_round_inverse")
    n = torch.arange(-5.0, 6.0, dtype=torch.float64)
    assert torch.equal(s(n, alpha=alpha), n) and torch.equal(s_inv(n, alpha=alpha), n)
    half = n + 0.5
    torch.testing.assert_close(s(half, alpha=alpha), half, rtol=0, atol=1e-15)
    y = torch.linspace(-3.0, 3.0, 6001, dtype=torch.float64)
    torch.testing.assert_close(s(s_inv(y, alpha=alpha), alpha=alpha), y, rtol=0, atol=1e-12)


def test_soft_round_limits_are_identity_and_round():
    x = torch.linspace(-3.0, 3.0, 6001, dtype=torch.float64)
    torch.testing.assert_close(_f("soft_round")(x, alpha=1e-8), x, rtol=0, atol=1e-8)
    away = (x - torch.round(x)).abs() < 0.4  # away from the half-integers
    sharp = _f("soft_round")(x, alpha=200.0)
    torch.testing.assert_close(sharp[away], torch.round(x)[away], rtol=0, atol=1e-15)


def test_srgb_tonemap_matches_published_srgb_values():
    # IEC 61966-2-1 encoding of linear 0.18 (mid grey) and 0.5; 0 and 1 fixed; clipped outside [0, 1]
    x = torch.tensor([-1.0, 0.0, 0.18, 0.5, 1.0, 3.0], dtype=torch.float64)
    want = torch.tensor([0.0, 0.0, 0.4613561295, 0.7353569831, 1.0, 1.0], dtype=torch.float64)
    torch.testing.assert_close(_f("srgb_tonemap")(x), want, rtol=0, atol=1e-9)


def test_trunc_exp_gradient_stops_growing_at_15():
    x = torch.tensor([-3.0, 3.0, 15.0, 20.0, 80.0], dtype=torch.float64, requires_grad=True)
    y = _f("trunc_exp")(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    torch.testing.assert_close(y.detach(), torch.exp(x.detach()))
    torch.testing.assert_close(g, torch.exp(torch.tensor([-3.0, 3.0, 15.0, 15.0, 15.0], dtype=torch.float64)))
