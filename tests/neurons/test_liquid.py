"""CfC and LTC against loops of their published equations (and ncps when installed)."""

from __future__ import annotations

import pytest
import torch

import nonlin


def lecun(x):
    return 1.7159 * torch.tanh(0.666 * x)


def ref_cfc(model, x, ts):
    P = {k: v.detach().double() for k, v in model.state_dict().items()}
    B, T, _ = x.shape
    h = torch.zeros(B, model.units, dtype=torch.float64)
    out = []
    for t in range(T):
        z = lecun(torch.cat([x[:, t], h], 1) @ P["backbone.0.weight"].T + P["backbone.0.bias"])
        f1 = z @ P["ff1.weight"].T + P["ff1.bias"]
        dt = ts[:, t, None]
        if model.mode == "pure":
            h = -P["A"] * torch.exp(-dt * (P["w_tau"].abs() + f1.abs())) * f1 + P["A"]
        else:
            f2 = torch.tanh(z @ P["ff2.weight"].T + P["ff2.bias"])
            f1 = torch.tanh(f1)
            ta = z @ P["time_a.weight"].T + P["time_a.bias"]
            tb = z @ P["time_b.weight"].T + P["time_b.bias"]
            g = 1 / (1 + torch.exp(-(ta * dt + tb)))
            h = f1 + g * f2 if model.mode == "no_gate" else f1 * (1 - g) + g * f2
        out.append(h)
    return torch.stack(out, 1)


@pytest.mark.parametrize("mode", ["default", "no_gate", "pure"])
def test_cfc_matches_equations_with_timespans(mode):
    torch.manual_seed(0)
    model = nonlin.create("cfc", 3, 5, mode=mode, backbone_units=7).double()
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    ts = torch.rand(2, 9, dtype=torch.float64) + 0.2
    y, h = model(x, timespans=ts)
    assert torch.allclose(y, ref_cfc(model, x, ts), atol=1e-12)
    y1, _ = model(x)
    assert torch.allclose(y1, ref_cfc(model, x, torch.ones(2, 9, dtype=torch.float64)), atol=1e-12)


def test_cfc_matches_ncps():
    ncps = pytest.importorskip("ncps.torch")
    torch.manual_seed(1)
    for mode in ("default", "no_gate", "pure"):
        theirs = ncps.CfC(4, 6, batch_first=True, mode=mode)
        ours = nonlin.create("cfc", 4, 6, mode=mode)
        ours.load_ncps_state_dict(theirs.state_dict())
        x = torch.randn(3, 11, 4)
        a, ha = ours(x)
        b, hb = theirs(x)
        assert torch.allclose(a, b, atol=1e-6) and torch.allclose(ha, hb, atol=1e-6), mode


def test_cfc_projection_when_units_differ():
    model = nonlin.create("cfc", 3, 2, units=8)
    y, h = model(torch.randn(2, 4, 3))
    assert y.shape == (2, 4, 2) and h.shape == (2, 8)


def ref_ltc(model, x, ts):
    P = {k: v.detach().double() for k, v in model.named_parameters()}
    for k in ("w", "sensory_w", "cm", "gleak"):  # softplus parameter constraints (the default)
        P[k] = torch.log1p(torch.exp(P[k]))
    erev, serev = model.erev.double(), model.sensory_erev.double()
    B, T, _ = x.shape
    v = torch.zeros(B, model.units, dtype=torch.float64)
    K = model.ode_unfolds
    out = []
    for t in range(T):
        inp = x[:, t] * P["input_w"] + P["input_b"]
        sact = P["sensory_w"] * torch.sigmoid(P["sensory_sigma"] * (inp[:, :, None] - P["sensory_mu"]))
        for _ in range(K):
            act = P["w"] * torch.sigmoid(P["sigma"] * (v[:, :, None] - P["mu"]))
            cm = P["cm"] / (ts[:, t, None] / K)
            num = cm * v + P["gleak"] * P["vleak"] + (act * erev).sum(1) + (sact * serev).sum(1)
            den = cm + P["gleak"] + act.sum(1) + sact.sum(1)
            v = num / (den + 1e-8)
        out.append(v[:, :model.output_size] * P["output_w"] + P["output_b"])
    return torch.stack(out, 1)


def test_ltc_matches_equations():
    torch.manual_seed(2)
    model = nonlin.create("ltc", 3, 2, units=5).double()
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    ts = torch.rand(2, 7, dtype=torch.float64) + 0.5
    y, _ = model(x, timespans=ts)
    assert torch.allclose(y, ref_ltc(model, x, ts), atol=1e-12)


def test_ltc_matches_ncps():
    ncps = pytest.importorskip("ncps.torch")
    torch.manual_seed(3)
    theirs = ncps.LTC(3, 4, batch_first=True)
    ours = nonlin.create("ltc", 3, 4)
    sd = {k.replace("rnn_cell.", ""): v for k, v in theirs.state_dict().items()}
    with torch.no_grad():
        for name, p in ours.named_parameters():
            p.copy_(sd[name])
        ours.erev.copy_(sd["erev"])
        ours.sensory_erev.copy_(sd["sensory_erev"])
    x = torch.randn(2, 6, 3)
    a, _ = ours(x)
    b, _ = theirs(x)
    assert torch.allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("name", ["cfc", "ltc"])
def test_step_with_timespan_equals_sequence(name):
    torch.manual_seed(4)
    model = nonlin.create(name, 3, 2).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    ts = torch.rand(2, 6, dtype=torch.float64) + 0.5
    y, h = model(x, timespans=ts)
    st, ys = None, []
    for t in range(6):
        yt, st = model.step(x[:, t], st, timespan=ts[:, t])
        ys.append(yt)
    assert torch.allclose(torch.stack(ys, 1), y, atol=1e-12) and torch.allclose(st, h, atol=1e-12)


@pytest.mark.parametrize("name", ["cfc", "ltc"])
def test_gradcheck(name):
    torch.manual_seed(5)
    model = nonlin.create(name, 2, 2, **({"backbone_units": 4} if name == "cfc" else {})).double()
    x = torch.randn(1, 4, 2, dtype=torch.float64, requires_grad=True)
    ts = torch.rand(1, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, ts: model(x, timespans=ts + 0.5)[0], (x, ts))


def test_timespan_errors():
    model = nonlin.create("cfc", 2, 2)
    with pytest.raises(ValueError, match="timespans"):
        model(torch.randn(1, 3, 2), timespans=torch.ones(2, 3))
    with pytest.raises(ValueError, match="positive"):
        model(torch.randn(1, 3, 2), timespans=-torch.ones(1, 3))
