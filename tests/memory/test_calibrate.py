"""Tables fitted to a layer's real inputs: fewbit(dist="inputs") and calibrate(model, batch).

References are independent of nonlin.memory: the derivative error is measured directly on
the recorded inputs with GELU' written out in float64 (Phi(x) + x phi(x)).
"""

import math

import numpy as np
import pytest
import torch
from scipy import special
from torch import nn

from nonlin.memory import FewBitActivation, calibrate, fewbit
from nonlin.memory import convert as convert_mod


def gelu_prime(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + special.erf(x / math.sqrt(2))) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def q_of(table, x: np.ndarray) -> np.ndarray:
    """The table's piecewise-constant derivative at x (border points go right, as encode does)."""
    idx = np.searchsorted(np.asarray(table.borders), x, side="right")
    return np.asarray(table.levels)[idx]


def mse_on(table, x):
    return float(np.mean((gelu_prime(x) - q_of(table, x)) ** 2))


@pytest.fixture(autouse=True)
def small_fit(monkeypatch):
    monkeypatch.setattr(convert_mod, "CALIBRATION_CELLS", 128)  # keeps each fit well under a second


def model():
    """GELU sees the input itself (so tests choose its distribution), ReLU a linear map of it."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Identity(), nn.GELU(), nn.Linear(16, 48), nn.ReLU(), nn.Linear(48, 3))


def normal_table(bits, unit="gelu", params=None):
    from nonlin.memory import compute_table
    return compute_table(unit, bits, "normal", params=params, fine_cells=256)


def _inputs_of(m, x, index):
    seen = []
    h = m[index].register_forward_pre_hook(lambda mod, a: seen.append(a[0].detach().double().reshape(-1).numpy()))
    with torch.no_grad():
        m(x)
    h.remove()
    return seen[0]


def test_first_forward_fits_each_table_to_its_inputs():
    m = model()
    rep = fewbit(m, bits=2, dist="inputs", mode="table")
    kinds = {c.path: c.kind for c in rep.converted}
    assert kinds == {"1": "table", "3": "exact-mask"}  # ReLU keeps its exact 1-bit mask
    assert m[1].codebook is None and "pending" in repr(m[1])
    x = torch.randn(256, 16) * 0.5 + 1.5  # where GELU' climbs to its peak: N(0,1) is the wrong objective
    xs = _inputs_of(m, x, 1)
    m(x).sum().backward()  # first training step fits the table
    fitted = m[1].codebook.table
    assert fitted.bits == 2 and len(fitted.levels) == 4
    normal = normal_table(2)
    # optimal on its own distribution: never worse than the N(0,1) table, and here clearly better
    assert mse_on(fitted, xs) <= mse_on(normal, xs)
    assert mse_on(fitted, xs) < 0.5 * mse_on(normal, xs)


def test_fitted_table_is_optimal_among_perturbed_borders():
    m = model()
    fewbit(m, bits=2, dist="inputs", mode="table")
    x = torch.randn(256, 16) * 2
    xs = _inputs_of(m, x, 1)
    m(x)
    t = m[1].codebook.table
    base = mse_on(t, xs)
    rng = np.random.default_rng(0)
    d = gelu_prime(xs)
    for _ in range(100):  # moving borders (with conditional-mean levels) never helps much (grid of 256 cells)
        b = np.sort(np.asarray(t.borders) + rng.normal(0, 0.2, len(t.borders)))
        idx = np.searchsorted(b, xs, side="right")
        lv = np.array([d[idx == k].mean() if (idx == k).any() else 0.0 for k in range(len(b) + 1)])
        assert float(np.mean((d - lv[idx]) ** 2)) >= base * (1 - 0.02)


def test_backward_uses_the_fitted_levels_exactly():
    m = model()
    fewbit(m, bits=3, dist="inputs", mode="table")
    x = torch.randn(64, 16) * 3
    m(x)  # fit
    act = m[1]
    h = x.clone().requires_grad_(True)
    g = torch.randn_like(h)
    (gin,) = torch.autograd.grad(act(h), h, g)
    want = torch.from_numpy(q_of(act.codebook.table, h.detach().double().numpy())).float() * g
    torch.testing.assert_close(gin, want, rtol=0, atol=0)


def test_calibrate_refits_on_a_chosen_batch():
    m = model()
    fewbit(m, bits=2, mode="table", table=lambda unit, params, bits: normal_table(bits, unit, params))  # N(0,1) tables
    before = m[1].codebook.table
    x = torch.randn(256, 16) * 3 + 2
    xs = _inputs_of(m, x, 1)
    out = calibrate(m, x)
    assert [p for p, _ in out] == ["1"]  # the exact ReLU mask is left alone
    after = m[1].codebook.table
    assert after is out[0][1] and after != before
    assert mse_on(after, xs) < mse_on(before, xs)


def test_bad_arguments_fail_before_any_change():
    m = model()
    with pytest.raises(ValueError, match="dist='inputs'"):
        fewbit(m, bits=2, dist="inputs", table="approx_bp")
    with pytest.raises(ValueError, match="dist must be"):
        fewbit(m, bits=2, dist="laplace")
    assert not any(isinstance(x, FewBitActivation) for x in m.modules())
    with pytest.raises(ValueError, match="no few-bit tables"):
        calibrate(m, torch.randn(2, 16))


def test_nonfinite_or_constant_inputs_fall_back_to_the_default_objective():
    act = FewBitActivation(nn.GELU(), "gelu", {}, calibrate_bits=2)
    t = act.fit_table(torch.full((100,), float("nan")))
    assert t.dist.startswith("normal")
    t = act.fit_table(torch.tensor([1.0, 1.0, 1.0]))
    assert t.dist.startswith("normal")
    t = act.fit_table(torch.tensor([float("inf"), -1.0, 0.5, 2.0, float("-inf")]))
    assert t.dist.startswith("empirical(3,")


def test_refits_at_training_calls_1_2_4_and_not_in_eval():
    act = FewBitActivation(nn.GELU(), "gelu", {}, calibrate_bits=2)
    with torch.no_grad():
        act(torch.randn(64))  # evaluation before training: exact forward, nothing fitted
    assert act.codebook is None
    fitted = []
    for call, scale in enumerate([0.2, 1.0, 3.0, 5.0, 7.0], start=1):
        x = (torch.randn(4096) * scale).requires_grad_(True)
        act(x).sum().backward()
        fitted.append(act.codebook.table)
    # refitted at calls 1, 2 and 4 (tables follow the widening inputs), kept at 3 and 5
    assert fitted[0] != fitted[1] and fitted[2] is fitted[1] and fitted[3] != fitted[2] and fitted[4] is fitted[3]
    assert max(fitted[3].borders) > max(fitted[0].borders)
