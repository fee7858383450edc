"""k-WTA, active dendrites, AKOrN, LSTM-chrono, GRU, and the interface shared by every neuron."""

from __future__ import annotations

import math

import pytest
import torch

import nonlin

NEURONS = nonlin.names(kind="neuron")


def _build(name):
    kw = {}
    if name in ("elm", "branch_elm"):
        kw = dict(num_memory=4)
    if name == "kwinners":
        return nonlin.create(name, 6, percent_on=0.5).double().eval()
    return nonlin.create(name, 6, 4, **kw).double()


def test_all_required_neurons_are_registered():
    required = {"elm", "branch_elm", "lif", "alif", "synaptic_lif", "ltc", "cfc", "active_dendrites", "kwinners",
                "akorn", "lstm_chrono", "gru"}
    assert required <= set(NEURONS)
    for n in NEURONS:
        s = nonlin.spec(n)
        assert s.kind == "neuron" and s.formula and s.reference.title and s.reference.year


@pytest.mark.parametrize("name", NEURONS)
def test_step_mode_equals_sequence_mode(name):
    torch.manual_seed(0)
    model = _build(name)
    x = torch.randn(3, 8, 6, dtype=torch.float64)
    kw = {"context": torch.randn(3, 10, dtype=torch.float64)} if name == "active_dendrites" else {}
    y, state = model(x, **kw)
    st, ys = None, []
    for t in range(8):
        yt, st = model.step(x[:, t], st, **kw)
        ys.append(yt)
    assert torch.allclose(torch.stack(ys, 1), y, atol=1e-10)
    # and a sequence split in two with the state carried over
    y1, s1 = model(x[:, :3], **kw)
    y2, _ = model(x[:, 3:], s1, **kw)
    assert torch.allclose(torch.cat([y1, y2], 1), y, atol=1e-10)


def test_kwinners_keeps_exactly_k_and_updates_duty_cycles():
    torch.manual_seed(1)
    kw = nonlin.create("kwinners", 20, percent_on=0.25, boost_strength=1.5, duty_cycle_period=50)
    x = torch.rand(8, 20) + 0.1  # strictly positive so every winner is non-zero
    y, _ = kw(x)
    assert ((y != 0).sum(-1) == 5).all()
    top = x.topk(5, -1).indices  # duty cycles start at 0: the first ranking is by x itself
    assert torch.equal(torch.zeros_like(x).scatter_(-1, top, 1.0), (y != 0).float())
    assert torch.equal(y[y != 0], x[y != 0])  # un-boosted values
    expected = (y != 0).float().sum(0) / 8  # period = min(50, 8 rows seen)
    assert torch.allclose(kw.duty_cycle, expected)
    y2, _ = kw(x)
    period = 16
    expected = (expected * (period - 8) + (y2 != 0).float().sum(0)) / period
    assert torch.allclose(kw.duty_cycle, expected)
    # boosting: units that never won get exp(1.5·(0.25 − 0)) > units that always won
    assert ((y2 != 0).sum(-1) == 5).all()
    kw.eval()
    kw3 = nonlin.create("kwinners", 20, percent_on=0.25, k_inference_factor=1.6).eval()
    assert ((kw3(x)[0] != 0).sum(-1) == 8).all()
    with pytest.raises(nonlin.ParameterError):
        nonlin.create("kwinners", 20, 10)


def test_kwinners_boost_formula():
    kw = nonlin.create("kwinners", 4, percent_on=0.5, boost_strength=2.0, k_inference_factor=1.0)
    with torch.no_grad():
        kw.duty_cycle.copy_(torch.tensor([0.9, 0.0, 0.5, 0.5]))
    x = torch.tensor([[1.0, 0.5, 0.9, 0.2]])
    boosted = x * torch.exp(2.0 * (0.5 - kw.duty_cycle))
    expected_winners = set(boosted[0].topk(2).indices.tolist())
    kw.eval()
    y, _ = kw(x)
    assert set((y[0] != 0).nonzero().flatten().tolist()) == expected_winners == {1, 2}


@pytest.mark.parametrize("gating", ["absolute_max", "max_gate", "bias"])
def test_active_dendrites_matches_definition(gating):
    torch.manual_seed(2)
    layer = nonlin.create("active_dendrites", 5, 3, num_segments=4, dim_context=6, gating=gating,
                          weight_sparsity=0.4, dendrite_sparsity=0.5).double()
    assert int((layer.weight_mask == 0).sum(-1)[0]) == 2  # round(0.4 * 5) zeros per unit
    x = torch.randn(2, 5, dtype=torch.float64)
    c = torch.randn(2, 6, dtype=torch.float64)
    y = layer(x, context=c)[0].detach()
    W = layer.linear.weight.detach() * layer.weight_mask
    yhat = x @ W.T + layer.linear.bias.detach()
    U = layer.segments.detach() * layer.segment_mask
    for b in range(2):
        for u in range(3):
            d = [float(U[u, j] @ c[b]) for j in range(4)]
            if gating == "absolute_max":
                j = max(range(4), key=lambda j: abs(d[j]))
                ref = yhat[b, u] / (1 + math.exp(-d[j]))
            elif gating == "max_gate":
                ref = yhat[b, u] / (1 + math.exp(-max(d)))
            else:
                ref = yhat[b, u] + max(d)
            assert float(y[b, u]) == pytest.approx(float(ref), abs=1e-12)
    with pytest.raises(ValueError, match="context"):
        layer(x)


def test_akorn_oscillators_stay_unit_norm_and_energy_is_defined():
    torch.manual_seed(3)
    model = nonlin.create("akorn", 5, 6, n=4, steps=4).double()
    x = torch.randn(2, 7, 5, dtype=torch.float64)
    y, state = model(x)
    assert torch.allclose(state.norm(dim=-1), torch.ones(2, 6, dtype=torch.float64), atol=1e-12)
    assert y.shape == (2, 7, 6) and model.last_energy.shape == (2, 7)
    # energy of the final state: E = −Σ_i <x_i, c_i + Σ_j J_ij x_j>, from the weights directly
    c = (x[:, -1] @ model.cond.weight.detach().T + model.cond.bias.detach()).view(2, 6, 4)
    Jx = (state.reshape(2, -1) @ model.J.weight.detach().T).view(2, 6, 4)
    assert torch.allclose(model.last_energy[:, -1], -(state * (c + Jx)).sum((-1, -2)), atol=1e-12)


def test_akorn_one_update_matches_equation():
    torch.manual_seed(4)
    model = nonlin.create("akorn", 3, 2, n=2, steps=1, gamma=0.5).double()
    x_in = torch.randn(1, 3, dtype=torch.float64)
    x0 = model.initial_state(1)
    _, x1 = model.step(x_in, x0)
    c = (x_in @ model.cond.weight.detach().T + model.cond.bias.detach()).view(1, 2, 2)
    y = c + (x0.reshape(1, -1) @ model.J.weight.detach().T).view(1, 2, 2)
    proj = y - (y * x0).sum(-1, keepdim=True) * x0
    w = model.omega.detach()[..., 0]
    rot = torch.stack([w * x0[..., 1], -w * x0[..., 0]], -1)
    new = x0 + 0.5 * (rot + proj)
    assert torch.allclose(x1, new / new.norm(dim=-1, keepdim=True), atol=1e-12)
    with pytest.raises(nonlin.ParameterError, match="even"):
        nonlin.create("akorn", 3, 2, n=3)


def test_akorn_normalises_a_given_state_first():
    # the reference (autonomousvision/akorn, KLayer.forward) starts with x = normalize(x):
    # a state off the sphere gives the same result as its projection onto it
    torch.manual_seed(6)
    model = nonlin.create("akorn", 3, 2, n=2, steps=1, gamma=0.5).double()
    x_in = torch.randn(1, 4, 3, dtype=torch.float64)
    x0 = model.initial_state(1)
    scale = torch.tensor([[[3.0], [0.2]]], dtype=torch.float64)
    y_unit, s_unit = model(x_in, x0)
    y_scaled, s_scaled = model(x_in, x0 * scale)
    assert torch.allclose(y_scaled, y_unit, atol=1e-12) and torch.allclose(s_scaled, s_unit, atol=1e-12)
    yt, st = model.step(x_in[:, 0], x0 * scale)
    yt1, st1 = model.step(x_in[:, 0], x0)
    assert torch.allclose(yt, yt1, atol=1e-12) and torch.allclose(st, st1, atol=1e-12)
    with pytest.raises(ValueError, match="state"):
        model(x_in, torch.ones(1, 3, 2, dtype=torch.float64))


def test_kwinners_defaults_are_numentas():
    # numenta/nupic.torch, nupic/torch/modules/k_winners.py, class KWinners:
    # k_inference_factor=1.5, boost_strength=1.0, boost_strength_factor=0.9, duty_cycle_period=1000,
    # k = int(round(n * percent_on)), k_inference = int(k * k_inference_factor)
    spec = nonlin.spec("kwinners")
    defaults = {p.name: p.default for p in spec.params if not p.required and p.name != "output_size"}
    assert defaults == dict(percent_on=0.1, k_inference_factor=1.5, boost_strength=1.0, boost_strength_factor=0.9,
                            duty_cycle_period=1000)
    kw = nonlin.create("kwinners", 20, percent_on=0.25)
    assert kw.k == 5 and kw.k_inference == 7  # int(7.5) = 7 (round would give 8)
    kw.update_boost_strength()
    assert kw.boost_strength == pytest.approx(0.9)
    kw.eval()
    x = torch.rand(3, 20) + 0.1
    assert ((kw(x)[0] != 0).sum(-1) == 7).all()


def test_kwinners_duty_cycle_counts_positive_outputs_as_numenta():
    kw = nonlin.create("kwinners", 4, percent_on=0.5, duty_cycle_period=10)
    x = torch.tensor([[-1.0, -2.0, -3.0, -4.0], [4.0, 3.0, -1.0, -2.0]])
    y, _ = kw(x)  # winners: units 0, 1 in both rows; positive outputs only in row 2
    assert torch.equal((y != 0).sum(-1), torch.tensor([2, 2]))
    assert torch.allclose(kw.duty_cycle, torch.tensor([0.5, 0.5, 0.0, 0.0]))


def test_lstm_chrono_initialisation():
    torch.manual_seed(5)
    model = nonlin.create("lstm_chrono", 3, 50, t_max=100.0)
    b, H = model.lstm.bias_ih_l0.detach(), 50
    bf, bi = b[H:2 * H], b[:H]
    assert torch.all(bf >= 0) and torch.all(bf <= math.log(99.0))
    assert torch.equal(bi, -bf)
    assert torch.all(b[2 * H:] == 0) and torch.all(model.lstm.bias_hh_l0 == 0)
    # characteristic forget time 1/(1 - σ(b_f)) then spans [~2, ~100]
    x = torch.randn(2, 5, 3)
    y, (h, c) = model(x)
    assert y.shape == (2, 5, 50) and torch.allclose(y[:, -1], h)


def test_gru_equals_equations():
    torch.manual_seed(6)
    model = nonlin.create("gru", 3, 4).double()
    g = model.gru
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    Wr, Wz, Wn = g.weight_ih_l0.detach().chunk(3)
    Ur, Uz, Un = g.weight_hh_l0.detach().chunk(3)
    br, bz, bn = g.bias_ih_l0.detach().chunk(3)
    cr, cz, cn = g.bias_hh_l0.detach().chunk(3)
    h = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(5):
        xt = x[:, t]
        r = torch.sigmoid(xt @ Wr.T + br + h @ Ur.T + cr)
        z = torch.sigmoid(xt @ Wz.T + bz + h @ Uz.T + cz)
        n = torch.tanh(xt @ Wn.T + bn + r * (h @ Un.T + cn))
        h = (1 - z) * n + z * h
    y, hT = model(x)
    assert torch.allclose(hT, h, atol=1e-12)
