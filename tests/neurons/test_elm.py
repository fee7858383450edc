"""ELM and Branch-ELM: against a float64 step-by-step implementation of the paper's equations
(written here, independently of nonlin), parallel / fused vs sequential (values and gradients),
streaming, parameter counts, errors."""

from __future__ import annotations

import math

import pytest
import torch

import nonlin
from nonlin.neurons import BranchELM, ELMv2, load_elmneuron_checkpoint

torch.set_default_dtype(torch.float32)


def reference_elm(model, x, version):
    """Direct loop over the published equations, float64, reading the model's weights."""
    x = x.double()
    B, T, _ = x.shape
    idx = model.synapse_index
    nb, spb = model.num_branch, model.num_synapse_per_branch
    w_s = torch.clamp(model.proto_w_s.detach().double(), min=0)
    tau_m = model.tau_m.detach().double()
    dt, lam = model.delta_t, model.lambda_value
    k_trace = math.exp(-dt / model.trace_tau)
    k_m = torch.exp(-dt / tau_m)
    if version == 1:
        gain = lam * (1 - k_m)
    else:
        gain = 1 - torch.exp(-lam * dt / tau_m)
    Ws = [(l.weight.detach().double(), l.bias.detach().double()) for l in model.mlp]
    Wy, by = model.w_y.weight.detach().double(), model.w_y.bias.detach().double()
    act = torch.relu if model.mlp_activation == "relu" else (lambda z: z * torch.sigmoid(z))
    s = torch.zeros(B, nb * spb, dtype=torch.float64)
    bsum = torch.zeros(B, nb, dtype=torch.float64)
    m = torch.zeros(B, model.num_memory, dtype=torch.float64)
    ys = []
    mask = model.synapse_mask.double()  # synapses outside every input window get no input
    for t in range(T):
        syn_in = w_s * x[:, t, idx] * mask
        if version == 1:
            s = k_trace * s + syn_in
            branch = s.reshape(B, nb, spb).sum(-1)
        else:
            bsum = k_trace * bsum + syn_in.reshape(B, nb, spb).sum(-1)
            branch = bsum
        h = torch.cat([branch, k_m * m], -1)
        for W, b in Ws[:-1]:
            h = act(h @ W.T + b)
        o = h @ Ws[-1][0].T + Ws[-1][1]
        dm = 1.7159 * torch.tanh(o * 2.0 / 3.0)
        m = k_m * m + gain * dm
        ys.append(m @ Wy.T + by)
    return torch.stack(ys, 1), m


CONFIGS = [
    dict(),
    dict(input_to_synapse_routing="neuronio_routing", num_branch=4, num_synapse_per_branch=5),
    dict(input_to_synapse_routing="random_routing", num_branch=3, num_synapse_per_branch=7, mlp_activation="silu",
         learn_memory_tau=True, mlp_num_layers=2),
]


@pytest.mark.parametrize("name,version", [("elm", 1), ("branch_elm", 1), ("elm_v2", 2)])
@pytest.mark.parametrize("cfg", range(len(CONFIGS)))
@pytest.mark.parametrize("mode", ["sequential", "fused", "parallel"])
def test_matches_reference_equations(name, version, cfg, mode):
    kw = CONFIGS[cfg]
    if mode == "fused" and kw.get("mlp_num_layers", 1) > 1:
        pytest.skip("fused mode is for one hidden layer")
    torch.manual_seed(cfg)
    model = nonlin.create(name, 10, 3, num_memory=6, memory_tau_max=50.0, mode=mode, chunk_size=16, **kw).double()
    with torch.no_grad():
        model.proto_w_s.uniform_(-0.2, 1.0)  # some synapses switched off by the relu
    x = torch.randn(3, 40, 10, dtype=torch.float64)
    y_ref, m_ref = reference_elm(model, x, version)
    y, (_, m) = model(x)
    assert torch.allclose(y, y_ref, atol=1e-9, rtol=0)
    assert torch.allclose(m, m_ref, atol=1e-9, rtol=0)


def _grads(model, x, mode):
    model.mode = mode
    model.zero_grad(set_to_none=True)
    xx = x.clone().requires_grad_(True)
    y, (tr, m) = model(xx)
    loss = (y.sin() * torch.linspace(0, 1, y.shape[1], dtype=y.dtype)[None, :, None]).sum() + m.square().sum() + tr.sum()
    loss.backward()
    return y.detach(), [p.grad.clone() for p in model.parameters() if p.grad is not None] + [xx.grad]


@pytest.mark.parametrize("name", ["elm", "elm_v2"])
@pytest.mark.parametrize("layers,learn_tau", [(1, False), (1, True), (2, True)])
def test_parallel_and_fused_gradients_equal_sequential(name, layers, learn_tau):
    torch.manual_seed(1)
    model = nonlin.create(name, 8, 2, num_memory=5, memory_tau_max=200.0, mlp_num_layers=layers,
                          learn_memory_tau=learn_tau, chunk_size=16).double()
    x = torch.randn(2, 40, 8, dtype=torch.float64)
    y0, g0 = _grads(model, x, "sequential")
    modes = ["parallel"] + (["fused"] if layers == 1 else [])
    for mode in modes:
        y1, g1 = _grads(model, x, mode)
        assert torch.allclose(y0, y1, atol=1e-9, rtol=0), mode
        assert len(g0) == len(g1)
        for a, b in zip(g0, g1):
            assert torch.allclose(a, b, atol=1e-8, rtol=1e-7), mode


@pytest.mark.parametrize("activation", ["relu", "silu"])
def test_fused_python_loops_equal_scripted_and_sequential(monkeypatch, activation):
    """The fused loops run in TorchScript; the Python fallback must give the same numbers."""
    from nonlin.neurons import elm
    torch.manual_seed(2)
    model = nonlin.create("elm_v2", 8, 2, num_memory=5, mlp_activation=activation).double()
    x = torch.randn(2, 30, 8, dtype=torch.float64)
    y0, g0 = _grads(model, x, "sequential")
    y1, g1 = _grads(model, x, "fused")
    assert isinstance(elm._loop("forward"), torch.jit.ScriptFunction)   # the fast path did not fall back
    monkeypatch.setattr(elm, "_LOOPS", {"forward": elm._forward_loop, "backward": elm._backward_loop})
    y2, g2 = _grads(model, x, "fused")
    for y in (y1, y2):
        assert torch.allclose(y0, y, atol=1e-10, rtol=0)
    for a, b, c in zip(g0, g1, g2):
        assert torch.allclose(a, b, atol=1e-9, rtol=1e-8) and torch.allclose(a, c, atol=1e-9, rtol=1e-8)


def test_parallel_backward_quasi_adjoint_converges():
    # two hidden layers use the parallel (quasi-DEER) adjoint; it must converge, not fall back
    torch.manual_seed(2)
    model = nonlin.create("elm_v2", 6, 2, num_memory=4, mlp_num_layers=2, mode="parallel").double()
    x = torch.randn(2, 30, 6, dtype=torch.float64)
    y, _ = model(x)
    y.sum().backward()
    st = model.last_solver_stats
    assert st["forward_fallbacks"] == 0 and st["backward_fallbacks"] == 0
    assert max(st["forward_iterations"]) < 30


def test_float32_parallel_within_1e5_of_sequential():
    torch.manual_seed(3)
    model = nonlin.create("elm_v2", 32, 2, num_memory=20, num_branch=8, num_synapse_per_branch=8,
                          input_to_synapse_routing="neuronio_routing", chunk_size=128)
    x = (torch.rand(2, 120, 32) < 0.05).float()
    ys = {}
    for mode in ("sequential", "parallel", "fused"):
        model.mode = mode
        ys[mode] = model(x)[0].detach()
    assert (ys["parallel"] - ys["sequential"]).abs().max() < 1e-5
    assert (ys["fused"] - ys["sequential"]).abs().max() < 1e-5


def test_fallback_when_not_converged_is_still_exact():
    torch.manual_seed(4)
    model = nonlin.create("elm_v2", 6, 2, num_memory=4, mode="parallel", max_iter=1, mlp_num_layers=2).double()
    x = torch.randn(2, 20, 6, dtype=torch.float64)
    y_par, g_par = _grads(model, x, "parallel")
    assert model.last_solver_stats["forward_fallbacks"] == 1
    assert model.last_solver_stats["backward_fallbacks"] == 1
    y_seq, g_seq = _grads(model, x, "sequential")
    assert torch.allclose(y_par, y_seq, atol=1e-12)
    for a, b in zip(g_par, g_seq):
        assert torch.allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("name", ["elm", "elm_v2"])
@pytest.mark.parametrize("mode", ["parallel", "fused", "sequential"])
def test_step_and_split_sequences_equal_whole_sequence(name, mode):
    torch.manual_seed(5)
    model = nonlin.create(name, 6, 2, num_memory=4, mode=mode, chunk_size=7,
                          input_to_synapse_routing="random_routing", num_branch=2, num_synapse_per_branch=4).double()
    x = torch.randn(2, 25, 6, dtype=torch.float64)
    y, state = model(x)
    y1, s1 = model(x[:, :11])
    y2, s2 = model(x[:, 11:], s1)
    assert torch.allclose(torch.cat([y1, y2], 1), y, atol=1e-10)
    st, ys = None, []
    for t in range(x.shape[1]):
        yt, st = model.step(x[:, t], st)
        ys.append(yt)
    assert torch.allclose(torch.stack(ys, 1), y, atol=1e-10)
    for a, b, c in zip(state, s2, st):
        assert torch.allclose(a, b, atol=1e-10) and torch.allclose(a, c, atol=1e-10)


@pytest.mark.parametrize("mode", ["parallel", "fused"])
def test_gradcheck(mode):
    torch.manual_seed(6)
    model = nonlin.create("elm_v2", 3, 2, num_memory=3, mode=mode, mlp_activation="silu",
                          learn_memory_tau=True, chunk_size=4).double()
    x = torch.randn(1, 9, 3, dtype=torch.float64, requires_grad=True)
    params = [model.mlp[0].weight, model.proto_tau_m, model.proto_w_s]

    def f(x, *ps):
        return model(x)[0]

    assert torch.autograd.gradcheck(f, (x, *params), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("d_m,expected", [(20, 8002), (100, 54002)])
def test_branch_elm_parameter_count_matches_published(d_m, expected):
    # NeuronIO configuration: 1278 inputs, 45 branches x 100 synapses, 2 outputs
    for name in ("branch_elm", "elm_v2"):
        model = nonlin.create(name, 1278, 2, num_memory=d_m, num_branch=45, num_synapse_per_branch=100,
                              input_to_synapse_routing="neuronio_routing", memory_tau_max=150.0)
        assert sum(p.numel() for p in model.parameters()) == expected


def test_elm_v1_parameter_count_without_branches():
    # ELM v1 on NeuronIO at d_m = 20, every input its own branch: 54,100 (reference sheet §1.3)
    model = nonlin.create("elm", 1278, 2, num_memory=20)
    assert sum(p.numel() for p in model.parameters()) == 54100


def test_defaults_and_time_constants():
    model = nonlin.create("elm_v2", 4, 1)
    assert model.num_memory == 100 and model.lambda_value == 5.0 and model.mlp_hidden_size == 200
    tau = model.tau_m
    assert tau[0].item() == pytest.approx(1.0) and tau[-1].item() == pytest.approx(1000.0, rel=1e-5)
    ratios = tau[1:] / tau[:-1]
    assert torch.allclose(ratios, ratios[0].expand_as(ratios), rtol=1e-4)  # log-spaced
    assert torch.all(model.proto_w_s == 0.5)
    learn = nonlin.create("elm_v2", 4, 1, learn_memory_tau=True, num_memory=5)
    assert torch.allclose(learn.tau_m, torch.logspace(0, 3, 5), rtol=1e-4, atol=1e-3)


def test_neuronio_routing_small_case_by_hand():
    # elmneuron's rule for 8 inputs, 3 branches x 4 synapses: interlaced order 0 4 1 5 2 6 3 7,
    # windows start at multiples of ceil(8/3) = 3; positions 8 and 9 do not exist: masked, not wrapped
    model = nonlin.create("branch_elm", 8, 1, num_memory=2, num_branch=3, num_synapse_per_branch=4,
                          input_to_synapse_routing="neuronio_routing")
    assert model.synapse_index.tolist() == [0, 4, 1, 5, 5, 2, 6, 3, 3, 7, 7, 7]
    assert model.synapse_mask.tolist() == [True] * 10 + [False] * 2
    assert torch.all(model.w_s()[-2:] == 0)


def test_errors_are_clear():
    with pytest.raises(nonlin.ParameterError, match="input_to_synapse_routing"):
        nonlin.create("elm_v2", 4, 1, input_to_synapse_routing="bogus")
    with pytest.raises(nonlin.ParameterError, match="must equal input_size"):
        nonlin.create("elm_v2", 4, 1, num_branch=3)
    with pytest.raises(nonlin.ParameterError, match="mode"):
        nonlin.create("elm", 4, 1, mode="fast")
    model = nonlin.create("elm", 4, 1, num_memory=2)
    with pytest.raises(ValueError, match="timespans"):
        model(torch.zeros(1, 3, 4), timespans=torch.ones(1, 3))
    with pytest.raises(ValueError, match=r"\(batch, time, 4\)"):
        model(torch.zeros(1, 3, 5))
    with pytest.raises(TypeError, match="floating"):
        model(torch.zeros(1, 3, 4, dtype=torch.long))
    with pytest.raises(nonlin.ParameterError, match="fused"):
        nonlin.create("elm", 4, 1, num_memory=2, mlp_num_layers=2, mode="fused")(torch.zeros(1, 3, 4))


# -- the authors' routing, persistence, and their checkpoints ------------------------------------

def authors_neuronio_routing(n_in, n_branch, spb):
    """elmneuron's neuronio_routing (src/modeling_utils.py), restated as plain Python loops."""
    half = n_in // 2
    interlocking = [(i % 2) * half + i // 2 for i in range(n_in)]
    stride = -(-n_in // n_branch)
    idx, valid = [], []
    for k in range(n_branch):
        for j in range(spb):
            pos = k * stride + j
            valid.append(pos < n_in)
            idx.append(interlocking[min(pos, n_in - 1)])  # clamped and masked out, not wrapped
    return idx, valid


def test_neuronio_routing_equals_the_authors_for_the_released_models():
    model = nonlin.create("branch_elm", 1278, 2, num_memory=20, num_branch=45, num_synapse_per_branch=100,
                          input_to_synapse_routing="neuronio_routing", memory_tau_max=150.0)
    idx, valid = authors_neuronio_routing(1278, 45, 100)
    assert model.synapse_index.tolist() == idx  # all 4,500 synapses
    assert model.synapse_mask.tolist() == valid
    assert sum(valid) == 4282 and set(i for i, v in zip(idx, valid) if v) == set(range(1278))
    with pytest.raises(nonlin.ParameterError, match="num_synapse_per_branch"):
        nonlin.create("branch_elm", 1278, 2, num_branch=45, num_synapse_per_branch=28,
                      input_to_synapse_routing="neuronio_routing")


@pytest.mark.parametrize("routing", ["random_routing", "neuronio_routing"])
def test_routing_is_saved_in_the_state_dict(routing):
    kw = dict(num_memory=3, num_branch=4, num_synapse_per_branch=5, input_to_synapse_routing=routing)
    a = nonlin.create("branch_elm", 10, 2, routing_seed=0, **kw).double()
    sd = a.state_dict()
    assert torch.equal(sd["synapse_index"], a.synapse_index) and torch.equal(sd["synapse_mask"], a.synapse_mask)
    b = nonlin.create("branch_elm", 10, 2, routing_seed=1, **kw).double()
    if routing == "random_routing":
        assert not torch.equal(a.synapse_index, b.synapse_index)
    b.load_state_dict(sd)
    assert torch.equal(a.synapse_index, b.synapse_index)
    x = torch.randn(2, 7, 10, dtype=torch.float64)
    assert torch.equal(a(x)[0], b(x)[0])
    # a state_dict saved before the routing was persistent still loads (the routing is rebuilt)
    old = {k: v for k, v in sd.items() if k not in ("synapse_index", "synapse_mask")}
    c = nonlin.create("branch_elm", 10, 2, routing_seed=0, **kw).double()
    c.load_state_dict(old)
    assert torch.equal(c.synapse_index, a.synapse_index)


def authors_checkpoint(cfg, version, gen):
    """A state dict with the keys, shapes and dtypes the authors' ELM saves, random trained-looking values."""
    n_in, d_m = cfg["num_input"], cfg["num_memory"]
    nb, spb = cfg["num_branch"], cfg["num_synapse_per_branch"]
    hidden, layers = 2 * d_m, cfg.get("mlp_num_layers", 1)
    lo, hi = cfg["memory_tau_min"], cfg["memory_tau_max"]
    sd = {}
    sizes = [nb + d_m] + [hidden] * layers + [d_m]
    for i in range(layers + 1):  # nn.Sequential(Linear, act, Linear, act, ..., Linear)
        sd[f"mlp.network.{2 * i}.weight"] = torch.randn(sizes[i + 1], sizes[i], generator=gen) / sizes[i] ** 0.5
        sd[f"mlp.network.{2 * i}.bias"] = torch.randn(sizes[i + 1], generator=gen) * 0.1
    sd["_proto_w_s"] = torch.rand(nb * spb, generator=gen) * 1.2 - 0.2
    sd["w_y.weight"] = torch.randn(cfg["num_output"], d_m, generator=gen)
    sd["w_y.bias"] = torch.randn(cfg["num_output"], generator=gen)
    if version == 1:
        sd["tau_s"] = torch.full((nb * spb,), 5.0)
    else:
        sd["tau_b"] = torch.full((nb,), 5.0)
    tau = torch.logspace(math.log10(lo + 1e-6), math.log10(hi - 1e-6), d_m).clamp(lo + 1e-6, hi - 1e-6)
    sd["_proto_tau_m"] = torch.log((tau - lo) / (hi - tau)) + 0.3 * torch.randn(d_m, generator=gen)
    idx, valid = authors_neuronio_routing(n_in, nb, spb)
    sd["input_to_synapse_indices"] = torch.tensor(idx)
    sd["valid_indices_mask"] = torch.tensor(valid)
    return sd


def authors_forward(sd, cfg, version, x, tau_dtype=torch.float32):
    """The authors' ELM.forward restated in float64 from their equations.

    τ_m = scaled sigmoid of the stored proto, evaluated in ``tau_dtype``: float32 as their
    float32 model does (and as a converted fixed τ_m is stored), float64 for a learned τ_m run in
    float64."""
    x = x.double()
    B, T, _ = x.shape
    nb, d_m = cfg["num_branch"], cfg["num_memory"]
    lo, hi = cfg["memory_tau_min"], cfg["memory_tau_max"]
    if version == 2:
        hi = max(lo + 3e-6, hi)
    dt, lam = 1.0, 5.0
    xr = x[:, :, sd["input_to_synapse_indices"]] * sd["valid_indices_mask"].double()
    w_s = torch.relu(sd["_proto_w_s"].double())
    # τ_m as their float32 model computes it at every forward (then exact in float64 from here on)
    tau_m = ((hi - lo) * torch.sigmoid(sd["_proto_tau_m"].to(tau_dtype)) + lo).double()
    k_m = torch.exp(-dt / tau_m.clamp(min=1e-6))
    act = torch.nn.functional.silu if cfg.get("mlp_activation") == "silu" else torch.relu
    layers = [(sd[f"mlp.network.{2 * i}.weight"].double(), sd[f"mlp.network.{2 * i}.bias"].double())
              for i in range(cfg.get("mlp_num_layers", 1) + 1)]
    trace = torch.zeros(B, xr.shape[-1] if version == 1 else nb, dtype=torch.float64)
    m = torch.zeros(B, d_m, dtype=torch.float64)
    ys = []
    for t in range(T):
        if version == 1:
            k_s = torch.exp(-dt / sd["tau_s"].double())
            trace = k_s * trace + w_s * xr[:, t]
            branch = trace.view(B, nb, -1).sum(-1)
        else:
            k_b = torch.exp(-dt / sd["tau_b"].double())
            trace = k_b * trace + (w_s * xr[:, t]).view(B, nb, -1).sum(-1)
            branch = trace
        h = torch.cat([branch, k_m * m], -1)
        for W, b in layers[:-1]:
            h = act(h @ W.T + b)
        dm = torch.tanh((h @ layers[-1][0].T + layers[-1][1]) * 2 / 3) * 1.7159
        gain = lam * (1 - k_m) if version == 1 else 1 - torch.exp(-dt * lam / tau_m.clamp(min=1e-6))
        m = k_m * m + gain * dm
        ys.append(m @ sd["w_y.weight"].double().T + sd["w_y.bias"].double())
    return torch.stack(ys, 1)


NEURONIO_20 = {"input_to_synapse_routing": "neuronio_routing", "learn_memory_tau": False, "memory_tau_max": 150.0,
               "memory_tau_min": 1.0, "num_branch": 45, "num_input": 1278, "num_memory": 20, "num_output": 2,
               "num_synapse_per_branch": 100}  # models/num_memory_20/model_config.json of the authors


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("cfg", [
    NEURONIO_20,
    dict(NEURONIO_20, num_memory=5, mlp_activation="silu", learn_memory_tau=True),  # as models/best_elm_neuron
    dict(num_input=10, num_output=3, num_memory=4, num_branch=4, num_synapse_per_branch=5, mlp_num_layers=2,
         input_to_synapse_routing="neuronio_routing", memory_tau_min=2.0, memory_tau_max=20.0),
], ids=["neuronio_d20", "neuronio_silu_learned_tau", "small_two_layers"])
def test_authors_checkpoint_loads_and_reproduces_their_outputs(tmp_path, version, cfg):
    import json
    gen = torch.Generator().manual_seed(version)
    sd = authors_checkpoint(cfg, version, gen)
    torch.save(sd, tmp_path / "neuronio_best_model_state.pt")
    (tmp_path / "model_config.json").write_text(json.dumps(cfg))
    model = load_elmneuron_checkpoint(tmp_path / "neuronio_best_model_state.pt",
                                                     tmp_path / "model_config.json")
    assert type(model) is (BranchELM if version == 1 else ELMv2)
    x = (torch.rand(2, 25, cfg["num_input"], generator=gen) < 0.05).float()  # sparse binary input, as NeuronIO
    expected = authors_forward(sd, cfg, version, x)
    y32, _ = model(x)  # float32, default (fused) mode
    assert torch.allclose(y32.double(), expected, atol=1e-4, rtol=1e-4)
    y64, _ = model.double()(x.double())
    if cfg.get("learn_memory_tau"):
        expected = authors_forward(sd, cfg, version, x, tau_dtype=torch.float64)
    assert torch.allclose(y64, expected, atol=1e-10, rtol=1e-10)
    if cfg.get("learn_memory_tau"):
        assert model.proto_tau_m.requires_grad


def test_checkpoint_loader_rejects_what_it_cannot_map():
    gen = torch.Generator().manual_seed(0)
    cfg = dict(num_input=10, num_output=2, num_memory=3, num_branch=4, num_synapse_per_branch=5,
               input_to_synapse_routing="neuronio_routing", memory_tau_min=1.0, memory_tau_max=10.0)
    sd = authors_checkpoint(cfg, 1, gen)
    with pytest.raises(nonlin.ParameterError, match="bogus"):
        load_elmneuron_checkpoint(sd, dict(cfg, bogus=1))
    sd["tau_s"][0] = 3.0
    with pytest.raises(nonlin.ParameterError, match="tau_s"):
        load_elmneuron_checkpoint(sd, cfg)
