"""LIF family, surrogate gradients, MPBN folding and learned delays, against direct loops written here."""

from __future__ import annotations

import math

import pytest
import torch

import nonlin
from nonlin.neurons import spike_fn, surrogate_grad


def _heaviside(v):
    return (v > 0).double()


def ref_lif(I, beta, theta, reset):
    B, T, C = I.shape
    U = torch.zeros(B, C, dtype=torch.float64)
    S = torch.zeros(B, C, dtype=torch.float64)
    out, mem = [], []
    for t in range(T):
        if reset == "subtract":
            U = beta * U + I[:, t] - S * theta
        else:
            U = beta * (1 - S) * U + I[:, t]
        S = _heaviside(U - theta)
        out.append(S)
        mem.append(U)
    return torch.stack(out, 1), torch.stack(mem, 1)


def _currents(model, x):
    return (x @ model.fc.weight.detach().double().T + model.fc.bias.detach().double())


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_lif_matches_equations(reset):
    torch.manual_seed(0)
    model = nonlin.create("lif", 5, 4, beta=0.8, threshold=0.7, reset=reset).double()
    x = torch.randn(3, 30, 5, dtype=torch.float64) * 2
    s_ref, u_ref = ref_lif(_currents(model, x), 0.8, 0.7, reset)
    s, (U, S) = model(x)
    assert s.sum() > 0 and torch.equal(s, s_ref)
    assert torch.allclose(U, u_ref[:, -1], atol=1e-12)


def test_lif_matches_snntorch_leaky():
    snn = pytest.importorskip("snntorch")
    torch.manual_seed(1)
    cur = torch.randn(4, 50, 6) * 0.8
    for reset in ("subtract", "zero"):
        ours = nonlin.create("lif", 6, 6, beta=0.9, threshold=1.0, reset=reset, bias=False)
        with torch.no_grad():
            ours.fc.weight.copy_(torch.eye(6))
        theirs = snn.Leaky(beta=0.9, threshold=1.0, reset_mechanism=reset)
        mem = theirs.init_leaky()
        spk_t, mems = [], []
        for t in range(50):
            spk, mem = theirs(cur[:, t], mem)
            spk_t.append(spk)
        s, (U, _) = ours(cur)
        assert torch.equal(s, torch.stack(spk_t, 1)), reset
        assert torch.allclose(U, mem, atol=1e-5)


SURR = {
    "atan": lambda v: 1.0 / (1 + (math.pi * v) ** 2),                   # α = 2
    "fast_sigmoid": lambda v: 1.0 / (25 * abs(v) + 1) ** 2,
    "sigmoid": lambda v: 25 * (1 / (1 + math.exp(-25 * v))) * (1 - 1 / (1 + math.exp(-25 * v))),
    "triangle": lambda v: 0.3 * max(0.0, 1 - abs(v)),
    "superspike": lambda v: 1.0 / (100 * abs(v) + 1) ** 2,
}


@pytest.mark.parametrize("name", sorted(SURR))
def test_surrogate_gradients(name):
    v = torch.tensor([-1.3, -0.4, -0.01, 0.0, 0.02, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    f = spike_fn(name)
    s = f(v)
    assert torch.equal(s, (v > 0).double())
    g = torch.randn(7, dtype=torch.float64)
    (s * g).sum().backward()
    expected = torch.tensor([SURR[name](float(z)) for z in v.detach()], dtype=torch.float64) * g
    assert v.grad.shape == v.shape
    assert torch.allclose(v.grad, expected, rtol=1e-12, atol=1e-15)
    assert torch.allclose(surrogate_grad(name, v.detach()), expected / g)


def test_surrogate_errors():
    with pytest.raises(nonlin.ParameterError, match="atan"):
        spike_fn("erfc")
    with pytest.raises(nonlin.ParameterError, match="slope"):
        spike_fn("fast_sigmoid", alpha=3.0)
    with pytest.raises(nonlin.ParameterError, match="surrogate"):
        nonlin.create("lif", 2, 2, surrogate="nope")


def test_lif_gradient_flows_through_surrogate():
    torch.manual_seed(2)
    model = nonlin.create("lif", 3, 4, surrogate="fast_sigmoid", learn_beta=True, learn_threshold=True).double()
    x = torch.randn(2, 12, 3, dtype=torch.float64, requires_grad=True)
    s, _ = model(x)
    s.sum().backward()
    assert x.grad.abs().sum() > 0 and model.beta.grad is not None and model.threshold.grad is not None


def ref_alif(I, alpha, rho, theta0, beta_a, variant):
    """ALIF by the LSNN rule (reset by the adaptive threshold A_t) or the e-prop rule (reset by θ_0)."""
    B, T, C = I.shape
    U, a, S = (torch.zeros(B, C, dtype=torch.float64) for _ in range(3))
    out = []
    for t in range(T):
        a = rho * a + (1 - rho) * S
        A = theta0 + beta_a * a
        U = alpha * U + I[:, t] - S * (A if variant == "lsnn" else theta0)
        S = _heaviside(U - A)
        out.append(S)
    return torch.stack(out, 1), U


@pytest.mark.parametrize("variant", ["lsnn", "eprop"])
def test_alif_matches_equations(variant):
    torch.manual_seed(3)
    kw = dict(tau_mem=10.0, tau_adapt=50.0, adapt_beta=20.0, threshold=0.8)  # strong adaptation: the rules differ
    model = nonlin.create("alif", 4, 3, variant=variant, **kw).double()
    x = torch.randn(2, 60, 4, dtype=torch.float64) * 3
    I = _currents(model, x)
    s_ref, u_ref = ref_alif(I, math.exp(-0.1), math.exp(-1 / 50), 0.8, 20.0, variant)
    s, (U, a, S) = model(x)
    assert s.sum() > 0 and torch.equal(s, s_ref)
    assert torch.allclose(U, u_ref, atol=1e-12)
    other = "eprop" if variant == "lsnn" else "lsnn"
    s_other, u_other = ref_alif(I, math.exp(-0.1), math.exp(-1 / 50), 0.8, 20.0, other)
    assert not torch.allclose(U, u_other)  # the test can tell the two rules apart


def test_alif_default_is_the_lsnn_rule():
    assert nonlin.spec("alif").param("variant").default == "lsnn"
    assert nonlin.create("alif", 2, 2).variant == "lsnn"


@pytest.mark.parametrize("variant", ["lsnn", "eprop"])
def test_alif_surrogate_is_normalised_by_the_threshold(variant):
    # One step from a state with a past spike (S_0 = 1, a_0 = 0.5), identity input weights:
    # a_1 = ρ a_0 + (1 − ρ), A = θ0 + β a_1, U_1 = α U_0 + I − A (lsnn) or − θ0 (eprop),
    # v = (U_1 − A)/A (lsnn) or /θ0 (eprop); dS/dI = γ max(0, 1 − |v|) / A (resp. / θ0), γ = 0.3
    theta0, beta_a, tau_m, tau_a = 0.5, 2.0, 20.0, 200.0
    model = nonlin.create("alif", 3, 3, tau_mem=tau_m, tau_adapt=tau_a, adapt_beta=beta_a, threshold=theta0,
                          variant=variant, bias=False).double()
    with torch.no_grad():
        model.fc.weight.copy_(torch.eye(3, dtype=torch.float64))
    alpha, rho = math.exp(-1 / tau_m), math.exp(-1 / tau_a)
    U0 = torch.tensor([[1.2, 1.4, 1.6]], dtype=torch.float64)
    a0 = torch.full((1, 3), 0.5, dtype=torch.float64)
    S0 = torch.ones(1, 3, dtype=torch.float64)
    I = torch.tensor([[0.8, 0.6, 0.9]], dtype=torch.float64, requires_grad=True)
    s, _ = model.step(I, (U0, a0, S0))
    s.sum().backward()
    a1 = rho * 0.5 + (1 - rho)
    A = theta0 + beta_a * a1
    norm = A if variant == "lsnn" else theta0
    U1 = alpha * U0 + I.detach() - (A if variant == "lsnn" else theta0)
    v = (U1 - A) / norm
    expected = 0.3 * torch.clamp(1 - v.abs(), min=0) / norm
    assert (expected > 0).all()  # inside the triangle for every unit
    assert torch.allclose(I.grad, expected, atol=1e-12)


def test_synaptic_lif_matches_equations():
    torch.manual_seed(4)
    model = nonlin.create("synaptic_lif", 4, 3, alpha=0.7, beta=0.85).double()
    x = torch.randn(2, 40, 4, dtype=torch.float64)
    I = _currents(model, x)
    syn = torch.zeros(2, 3, dtype=torch.float64)
    U = torch.zeros_like(syn)
    S = torch.zeros_like(syn)
    out = []
    for t in range(40):
        syn = 0.7 * syn + I[:, t]
        U = 0.85 * U + syn - S
        S = _heaviside(U - 1.0)
        out.append(S)
    s, _ = model(x)
    assert s.sum() > 0 and torch.equal(s, torch.stack(out, 1))


def test_mpbn_folding_gives_identical_inference_spikes():
    torch.manual_seed(5)
    model = nonlin.create("lif", 6, 8, mpbn=True, threshold=0.5).double()
    with torch.no_grad():  # train-mode passes to populate running statistics, then odd affine values
        for _ in range(5):
            model(torch.randn(16, 10, 6, dtype=torch.float64))
        model.bn.weight.copy_(torch.tensor([1.5, 0.3, -0.7, 2.0, 1.0, -1.2, 0.8, 0.4]))
        model.bn.bias.copy_(torch.linspace(-0.4, 0.6, 8))
    model.eval()
    x = torch.randn(8, 25, 6, dtype=torch.float64)
    s_bn, (U_bn, _) = model(x)
    # independent check of what MPBN means: fire where BN(U) > θ, with the membrane un-normalised
    model.fold_mpbn()
    assert model.bn is None
    s_fold, (U_fold, _) = model(x)
    assert s_bn.sum() > 0 and torch.equal(s_bn, s_fold)
    assert torch.allclose(U_bn, U_fold)
    with pytest.raises(ValueError, match="mpbn=True"):
        nonlin.create("lif", 2, 2).fold_mpbn()


def test_learned_delay_rounds_to_exact_shifts_and_matches_kernel_formula():
    torch.manual_seed(6)
    model = nonlin.create("learned_delay", 3, 2, max_delay=6).double()
    with torch.no_grad():
        model.position.copy_(torch.tensor([[0.2, 2.9, 5.0], [1.4, 3.6, 4.1]]))
    x = torch.randn(2, 15, 3, dtype=torch.float64)
    # Gaussian taps: direct sum over delays
    model.set_sigma(0.8)
    k = torch.arange(6, dtype=torch.float64)
    bump = torch.exp(-0.5 * ((k - model.position.detach()[..., None]) / 0.8) ** 2)
    bump = bump / bump.sum(-1, keepdim=True)
    W = model.weight.detach()
    xp = torch.cat([torch.zeros(2, 5, 3, dtype=torch.float64), x], 1)
    ref = torch.zeros(2, 15, 2, dtype=torch.float64)
    for t in range(15):
        for d in range(6):
            ref[:, t] += xp[:, t + 5 - d] @ (W * bump[..., d]).T
    y, _ = model(x)
    assert torch.allclose(y, ref, atol=1e-12)
    # rounded: integer delays round(p)
    model.round_delays()
    y, _ = model(x)
    delays = torch.tensor([[0, 3, 5], [1, 4, 4]])
    ref = torch.zeros(2, 15, 2, dtype=torch.float64)
    for o in range(2):
        for i in range(3):
            ref[:, :, o] += W[o, i] * xp[:, 5 - delays[o, i]:20 - delays[o, i], i]
    assert torch.allclose(y, ref, atol=1e-12)


def test_learned_delay_positions_get_gradients_and_sigma_anneals():
    model = nonlin.create("learned_delay", 2, 2, max_delay=10)
    y, _ = model(torch.randn(1, 12, 2))
    y.sum().backward()
    assert model.position.grad is not None and model.position.grad.abs().sum() > 0
    assert model.anneal(0.0) == pytest.approx(5.0)
    assert model.anneal(0.25) == pytest.approx(0.23)
    assert model.anneal(1.0) == pytest.approx(0.23)
    assert 0.23 < model.anneal(0.1) < 5.0


@pytest.mark.parametrize("name", ["lif", "alif", "synaptic_lif"])
def test_gradcheck_through_surrogate(name):
    # The surrogate backward is a chosen rule, so gradcheck applies to the membrane path:
    # check it with spikes that cannot occur (huge threshold), where the model is linear.
    torch.manual_seed(7)
    model = nonlin.create(name, 3, 2, threshold=1e6).double()
    x = torch.randn(1, 6, 3, dtype=torch.float64, requires_grad=True)

    def f(x):
        _, state = model(x)
        return state[0] if name != "synaptic_lif" else state[1]

    assert torch.autograd.gradcheck(f, (x,))
