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


@pytest.mark.parametrize("unit", ELEMENTWISE)
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


# Hard cases beyond the registry (callables): jumps (tiny, beside a kink, inside curved pieces, many per
# cell), infinite slopes on and off the grid, flat pieces, unresolved oscillation on huge intervals.
HARD = {
    "tiny_jump_in_curve": lambda x: torch.sin(x) + 1e-4 * (x > 0.3183).double(),
    "jump_at_kink": lambda x: torch.where(x > 0.1, x, 0.01 * torch.sin(x) - 0.004),
    "step": lambda x: (x >= 0.05).double(),
    "sign": torch.sign,
    "staircase": torch.floor,
    "sqrt_cusp_off_grid": lambda x: torch.sign(x - 0.0123) * (x - 0.0123).abs().sqrt(),
    "power_0.3": lambda x: x.abs().pow(0.3),
    "x_log_x": lambda x: x * torch.log(x.abs() + 1e-300),
    "flat": lambda x: torch.zeros_like(x) + 2.0,
    "fast_sine": lambda x: torch.sin(50 * x),
}
WIDE = torch.tensor([[-3.0, -1.0], [-1.0, 2.0], [-6.0, 6.0], [-0.3, 0.2], [-40.0, 25.0], [-1e4, 1e4]], dtype=torch.float64)


@pytest.mark.parametrize("name", list(HARD))
def test_relaxation_is_sound_on_jumps_cusps_flats_and_huge_intervals(name):
    f = HARD[name]
    l, u = WIDE[:, 0], WIDE[:, 1]
    r = bounds.relaxation(f, l, u, points=256)
    g = torch.Generator().manual_seed(1)
    x = torch.cat([l + (u - l) * torch.rand(20000, len(l), generator=g, dtype=torch.float64),
                   l + (u - l) * torch.linspace(0, 1, 20001, dtype=torch.float64)[:, None]])
    y = f(x)
    scale = 1e-9 * (1 + y.abs())
    assert (y >= r.lower_slope * x + r.lower_bias - scale).all() and (y <= r.upper_slope * x + r.upper_bias + scale).all()
    assert (y >= r.lo - scale).all() and (y <= r.hi + scale).all()
    xs = x[20000:]
    sec = (f(xs[1:]) - f(xs[:-1])) / ((u - l) / 20000)
    assert (sec >= r.d_lo - 1e-6 * (1 + sec.abs())).all() and (sec <= r.d_hi + 1e-6 * (1 + sec.abs())).all()


def test_relaxation_of_unbounded_or_overflowing_intervals_is_vacuous_but_sound():
    inf = math.inf
    r = bounds.relaxation("relu", torch.tensor([-inf, -1.0, 0.0]), torch.tensor([1.0, inf, 1.0]))
    assert torch.isinf(r.lower_bias[:2]).all() and torch.isinf(r.hi[:2]).all()
    assert float(r.hi[2]) == pytest.approx(1.0) and float(r.d_hi[2]) == pytest.approx(1.0)
    r = bounds.relaxation(torch.exp, torch.tensor([0.0, 0.0]), torch.tensor([1e4, 1.0]))
    assert math.isinf(float(r.hi[0])) and float(r.hi[1]) == pytest.approx(math.e)
    # a sigmoid on a huge interval: monotone cells add no width
    r = bounds.relaxation("sigmoid", torch.tensor([-1e6]), torch.tensor([1e6]))
    assert -1e-9 <= float(r.lo) <= 0 and 1 <= float(r.hi) <= 1 + 1e-9


@pytest.mark.parametrize("unit", ["relu", "sigmoid", "tanh"])
def test_ibp_and_crown_agree_with_the_bound_propagation_package(unit):
    # bound-propagation (PyPI, GPL-3.0; an optional peer library) implements IBP and CROWN with its own
    # hand-derived ReLU/sigmoid/tanh relaxations; nonlin derives its relaxations from the unit itself.
    bp = pytest.importorskip("bound_propagation")
    torch.manual_seed(0)
    act = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[unit]
    net = nn.Sequential(nn.Linear(6, 16), act(), nn.Linear(16, 16), act(), nn.Linear(16, 4)).double()
    x = torch.randn(4, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    eps = 0.05
    ref = bp.BoundModelFactory().build(net)
    box = bp.HyperRectangle.from_eps(x, eps)
    with torch.no_grad():
        ref_ibp, ref_crown = ref.ibp(box), ref.crown(box).concretize()
    ours_ibp, ours_crown = bounds.ibp(net, x, eps), bounds.crown(net, x, eps)
    # IBP is unique (interval arithmetic through monotone units): equal up to our rounding margins
    torch.testing.assert_close(ours_ibp.lower, ref_ibp.lower, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(ours_ibp.upper, ref_ibp.upper, atol=1e-6, rtol=1e-6)
    # CROWN depends on the relaxation chosen: ours (minimum-area lines, intersected with IBP) must be
    # sound and no looser on average than the package's tangent/chord lines
    pts = x[:, None] + eps * (2 * torch.rand(4, 4000, 6, generator=torch.Generator().manual_seed(2), dtype=torch.float64) - 1)
    with torch.no_grad():
        out = net(pts.reshape(-1, 6)).reshape(4, 4000, 4)
    assert (out >= ours_crown.lower[:, None] - 1e-9).all() and (out <= ours_crown.upper[:, None] + 1e-9).all()
    ours_w = float((ours_crown.upper - ours_crown.lower).mean())
    ref_w = float((ref_crown.upper - ref_crown.lower).detach().mean())
    assert ours_w <= ref_w * 1.05, (ours_w, ref_w)


# every unit: ~5 min of CPU in all, so slow-marked; the default run keeps one unit of each hard kind
LIPSCHITZ_DEFAULT = ["relu", "gelu", "sqrt_act", "sine_relu", "step_ste", "abrelu_fixed"]


@pytest.mark.parametrize("unit", [n if n in LIPSCHITZ_DEFAULT else pytest.param(n, marks=pytest.mark.slow)
                                  for n in ELEMENTWISE])
def test_every_unit_has_a_lipschitz_bound_at_least_its_sampled_gradient_norm(unit):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 6), nonlin.create(unit), nn.Linear(6, 2))
    x = torch.randn(2, 3, generator=torch.Generator().manual_seed(3))
    res = bounds.lipschitz(net, x, 0.3, norm="inf", samples=16, points=64)
    for b, s in zip(res.per_sample, res.sampled):
        assert b >= s * (1 - 1e-9), (b, s)
