"""Reference models: every architecture on every compatible task, sizes, cost, dispatch by unit kind.

Gated, KAN and neuron units are written elsewhere; here tiny test-only units
of those kinds are registered for the duration of this module (and removed
afterwards) to exercise the dispatch.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import nonlin
from nonlin import registry
from nonlin.bench.models import (
    ARCHS,
    IncompatibleError,
    build_model,
    compatible,
    count_parameters,
    estimate_flops,
    is_compatible,
    match_width,
)
from nonlin.bench.tasks import get_task

_REF = registry.ref("test-only unit (not a published method)")


class _TestGLU(nn.Module):
    """Test gated unit: W_o (a * sigmoid(b)), [a, b] = W_i x."""

    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.inp = nn.Linear(in_features, 2 * hidden_features)
        self.out = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        a, b = self.inp(x).chunk(2, -1)
        return self.out(a * torch.sigmoid(b))


class _TestKAN(nn.Module):
    """Test KAN-kind layer: y = W1 x + W2 tanh(x)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        self.curve = nn.Linear(in_features, out_features, bias=False)

    def forward(self, x):
        return self.base(x) + self.curve(torch.tanh(x))


class _TestNeuron(nn.Module):
    """Test neuron: leaky integrator m_t = 0.9 m_{t-1} + W x_t, y_t = tanh(m_t)."""

    def __init__(self, input_size, output_size):
        super().__init__()
        self.w = nn.Linear(input_size, output_size)

    def forward(self, x):
        z = self.w(x)
        m = torch.zeros_like(z[:, 0])
        ys = []
        for t in range(z.shape[1]):
            m = 0.9 * m + z[:, t]
            ys.append(torch.tanh(m))
        return torch.stack(ys, 1), m


class _TestQuadLayer(nn.Module):
    """Test layer-type gated unit: y = (W1 x) * (W2 x) + W3 x."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.a = nn.Linear(in_features, out_features)
        self.b = nn.Linear(in_features, out_features, bias=False)
        self.c = nn.Linear(in_features, out_features, bias=False)

    def forward(self, x):
        return self.a(x) * self.b(x) + self.c(x)


class _TestBadNeuron(_TestNeuron):
    """A neuron that breaks the contract: returns only the last step."""

    def forward(self, x):
        y, m = super().forward(x)
        return y[:, -1], m


class _TestConvUnit(nn.Module):
    """A learnable unit with a constructor the reference models cannot fill."""

    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)

    def forward(self, x):
        return torch.relu(self.conv(x))


class _TestPReLU(nn.Module):
    """Test learnable elementwise unit with one slope per channel."""

    def __init__(self, num_parameters: int = 1):
        super().__init__()
        self.a = nn.Parameter(torch.full((num_parameters,), 0.25))

    def forward(self, x):
        return torch.where(x >= 0, x, self.a * x)


_TEST_UNITS = {
    "_test_glu": (_TestGLU, "gated", 3),
    "_test_kan": (_TestKAN, "kan", 2),
    "_test_neuron": (_TestNeuron, "neuron", 2),
    "_test_prelu": (_TestPReLU, "learnable", 0),
    "_test_quad": (_TestQuadLayer, "gated", 2),
    "_test_bad_neuron": (_TestBadNeuron, "neuron", 2),
    "_test_conv_unit": (_TestConvUnit, "learnable", 3),
}


@pytest.fixture(scope="module", autouse=True)
def test_units():
    for name, (cls, kind, positional) in _TEST_UNITS.items():
        registry.register(name, kind=kind, family="test", formula="-", reference=_REF,
                          positional=positional)(cls)
    yield
    for name in _TEST_UNITS:  # leave the registry as other test modules expect it
        registry._SPECS.pop(registry._normalise(name), None)


TINY = {
    "mnist1d": dict(num_samples=100),
    "mnist1d_seq": dict(num_samples=100),
    "digits": {},
    "digits_seq": {},
    "kan_toy": dict(n_train=8, n_test=4),
    "image_fit": dict(size=4),
    "adding": dict(length=12, n_train=8, n_test=4),
    "copy": dict(length=4, n_train=8, n_test=4),
    "listops": dict(n_train=8, n_test=4, min_length=5, max_length=30),
    "pathfinder": dict(n_train=4, n_test=2),
    "char_lm": dict(seq_len=8, n_train=8, n_test=4),
}


def _tiny(name):
    return get_task(name, **TINY[name])


def _unit_for(arch):
    return None if arch in ("gru", "lstm", "gru_paper") else "relu"


def _check_forward_backward(model, task, n=3):
    d = task.generate(0)
    x, y = d.x_train[:n], d.y_train[:n]
    out = model(x)
    if task.output_kind == "sequence_classification":
        assert out.shape == (n, task.input_shape[0], task.num_outputs)
    else:
        assert out.shape == (n, task.num_outputs)
    loss = task.loss(out, y)
    loss.backward()
    assert torch.isfinite(loss)
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


CASES = [(t, a) for t in sorted(TINY) for a in ARCHS]


@pytest.mark.parametrize("task_name,arch", CASES)
def test_every_compatible_arch_runs_forward_backward(task_name, arch):
    task = _tiny(task_name)
    unit = _unit_for(arch)
    if not is_compatible(arch, unit, task):
        with pytest.raises(IncompatibleError):
            build_model(arch, unit, task, width=8)
        return
    torch.manual_seed(0)
    _check_forward_backward(build_model(arch, unit, task, width=8, depth=2), task)


def test_each_task_default_model_is_compatible():
    import importlib.util
    for name in TINY:
        task = _tiny(name)
        if task.default_model in ("gpt2", "llama") and importlib.util.find_spec("transformers") is None:
            continue  # built with transformers (the 'bench' extra installs it)
        assert is_compatible(task.default_model, _unit_for(task.default_model), task), name


@pytest.mark.parametrize("unit,archs,task_name", [
    ("_test_glu", ("mlp",), "kan_toy"),
    ("_test_glu", ("transformer",), "adding"),
    ("_test_kan", ("mlp",), "kan_toy"),
    ("_test_neuron", ("sequence",), "adding"),
    ("_test_neuron", ("sequence",), "copy"),
    ("_test_prelu", ("mlp", "cnn2d"), "digits"),
    ("_test_prelu", ("sequence", "transformer", "cnn1d"), "mnist1d_seq"),
    ("_test_quad", ("mlp",), "kan_toy"),
])
def test_kind_dispatch(unit, archs, task_name):
    task = _tiny(task_name)
    cls = _TEST_UNITS[unit][0]
    for arch in archs:
        torch.manual_seed(0)
        model = build_model(arch, unit, task, width=8, depth=2)
        assert sum(isinstance(m, cls) for m in model.modules()) in (2, 3)
        _check_forward_backward(model, task)


def test_mlp_parameter_count_by_hand():
    task = _tiny("mnist1d")  # 40 inputs, 10 classes
    w = 64
    model = build_model("mlp", "relu", task, width=w, depth=2)
    assert count_parameters(model) == (40 * w + w) + (w * w + w) + (w * 10 + 10)
    deep = build_model("mlp", "relu", task, width=w, depth=4)
    assert count_parameters(deep) == (40 * w + w) + 3 * (w * w + w) + (w * 10 + 10)
    # learnable unit: one parameter per slot (num_parameters=1), depth slots
    assert count_parameters(build_model("mlp", "_test_prelu", task, width=w)) == count_parameters(model) + 2
    assert count_parameters(build_model("mlp", "_test_prelu", task, width=w,
                                        unit_params={"num_parameters": w})) == count_parameters(model) + 2 * w
    # gated: G(40, w, w), G(w, w, 10) with G(i, h, o) = Linear(i, 2h) + Linear(h, o)
    glu = build_model("mlp", "_test_glu", task, width=w)
    g = lambda i, h, o: (i * 2 * h + 2 * h) + (h * o + o)  # noqa: E731
    assert count_parameters(glu) == g(40, w, w) + g(w, w, 10)
    # kan: layers [40, w, w, 10], each Linear + bias-free Linear
    k = lambda i, o: (i * o + o) + i * o  # noqa: E731
    assert count_parameters(build_model("mlp", "_test_kan", task, width=w)) == k(40, w) + k(w, w) + k(w, 10)


def test_layer_units_replace_linear_and_activation():
    task = _tiny("mnist1d")
    w = 16
    model = build_model("mlp", "_test_quad", task, width=w, depth=2)
    q = lambda i, o: (i * o + o) + 2 * i * o  # noqa: E731
    assert count_parameters(model) == q(40, w) + q(w, w) + (w * 10 + 10)  # two unit layers, linear read-out
    assert isinstance(model.net[-1], nn.Linear)


def test_cnn1d_parameter_count_and_flops_by_hand():
    task = _tiny("mnist1d")
    w = 16
    model = build_model("cnn1d", "relu", task, width=w, depth=2)
    # lengths 40 -> 19 (k5, s2, p1) -> 10 (k3, s2, p1), as in the MNIST-1D paper's CNN
    assert count_parameters(model) == (1 * w * 5 + w) + (w * w * 3 + w) + (w * 10 * 10 + 10)
    assert estimate_flops(model, task.input_shape) == 19 * w * 5 + 10 * w * w * 3 + w * 10 * 10


def test_flops_by_hand_mlp_rnn_transformer():
    mnist = _tiny("mnist1d")
    assert estimate_flops(build_model("mlp", "relu", mnist, width=32), (40,)) == 40 * 32 + 32 * 32 + 32 * 10
    adding = _tiny("adding")  # T = 12, C = 2
    T, w = 12, 8
    rnn = build_model("sequence", "relu", adding, width=w, depth=1)
    assert estimate_flops(rnn, adding.input_shape) == T * 2 * w + T * w * w + w * 1
    gru = build_model("gru", None, adding, width=w, depth=1)
    assert estimate_flops(gru, adding.input_shape) == T * 3 * (2 * w + w * w) + w
    tr = build_model("transformer", "relu", adding, width=w, depth=1)
    attention = 4 * T * w * w + 2 * T * T * w
    ffn = T * (w * 2 * w + 2 * w * w)
    assert estimate_flops(tr, adding.input_shape) == T * 2 * w + attention + ffn + w * 1


def test_flops_leave_training_mode_and_rng():
    model = build_model("mlp", "relu", _tiny("kan_toy"), width=8)
    model.train()
    state = torch.get_rng_state()
    estimate_flops(model, (2,))
    assert model.training and torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("arch,unit,task_name,extra", [
    ("mlp", "relu", "mnist1d", {}),
    ("mlp", "_test_glu", "mnist1d", {}),
    ("mlp", "_test_kan", "kan_toy", {}),
    ("cnn2d", "_test_prelu", "digits", {}),
    ("transformer", "_test_glu", "adding", {}),
    ("sequence", "_test_neuron", "adding", {}),
])
def test_match_width_hits_target(arch, unit, task_name, extra):
    task = _tiny(task_name)
    target = count_parameters(build_model("mlp" if arch == "mlp" else arch, "relu", task, width=64))
    state = torch.get_rng_state()
    w = match_width(arch, unit, task, target, **extra)
    assert torch.equal(torch.get_rng_state(), state)
    got = count_parameters(build_model(arch, unit, task, width=w))
    assert abs(got - target) / target < 0.05
    # no other width is closer
    step = 2 if arch == "transformer" else 1
    for other in (w - step, w + step):
        if other >= step:
            assert abs(count_parameters(build_model(arch, unit, task, width=other)) - target) >= abs(got - target)
    if unit == "relu":
        assert w == 64


@pytest.mark.parametrize("arch,unit,task_name,match", [
    ("mlp", "_test_neuron", "adding", "neuron unit.*cannot be used in a 'mlp'.*fits: sequence"),
    ("transformer", "_test_quad", "adding", "used as a layer.*'transformer'.*fits: mlp"),
    ("sequence", "_test_bad_neuron", "adding", "does not fit.*output shape \\(2, 5\\).*expects \\(2, 4, 5\\)"),
    ("mlp", "_test_conv_unit", "kan_toy", "built as _TestConvUnit\\(in_channels, out_channels, kernel_size\\)"),
    ("cnn2d", "_test_glu", "digits", "gated unit.*'cnn2d'"),
    ("sequence", "_test_kan", "adding", "kan unit.*'sequence'"),
    ("mlp", "relu", "copy", "per-step outputs"),
    ("cnn2d", "relu", "mnist1d", "image inputs"),
    ("sequence", "relu", "mnist1d", "sequences of shape"),
    ("cnn1d", "relu", "kan_toy", "longer inputs"),
    ("cnn1d", "relu", "listops", "real-valued"),
    ("resnet", "relu", "mnist1d", "unknown architecture 'resnet'.*mlp, cnn1d"),
    ("mlp", None, "mnist1d", "needs a unit name"),
    ("gru_paper", None, "listops", "real-valued inputs"),
    ("gru_paper", None, "copy", "per-step outputs"),
    ("gru_paper", None, "char_lm", "per-step outputs"),
])
def test_incompatible_combinations_raise_clearly(arch, unit, task_name, match):
    task = _tiny(task_name)
    with pytest.raises(IncompatibleError, match=match):
        compatible(arch, unit, task)
    with pytest.raises(ValueError, match=match):
        build_model(arch, unit, task)
    assert not is_compatible(arch, unit, task)


def test_bad_sizes_and_names():
    task = _tiny("adding")
    with pytest.raises(ValueError, match="width must be a positive integer"):
        build_model("mlp", "relu", task, width=0)
    with pytest.raises(ValueError, match="depth must be a positive integer"):
        build_model("mlp", "relu", task, depth=1.5)
    with pytest.raises(ValueError, match="multiple of 2"):
        build_model("transformer", "relu", task, width=7)
    with pytest.raises(nonlin.UnknownUnitError, match="unknown unit 'rleu'"):
        build_model("mlp", "rleu", task)
    with pytest.raises(TypeError, match="unit_params must be a dict"):
        build_model("mlp", "relu", task, unit_params=[1])
    with pytest.raises(nonlin.ParameterError, match="negative_slope"):
        build_model("mlp", "leaky_relu", task, unit_params={"negative_slope": 2.0})
    with pytest.raises(ValueError, match="target_params"):
        match_width("mlp", "relu", task, 0)


def test_swapping_the_unit_changes_the_modules():
    task = _tiny("mnist1d")
    relu_cls = type(nonlin.create("relu"))
    leaky_cls = type(nonlin.create("leaky_relu"))
    assert relu_cls is not leaky_cls

    def count(model, cls):
        return sum(type(m) is cls for m in model.modules())

    for arch, depth, slots in (("mlp", 3, 3), ("cnn1d", 2, 2)):
        a = build_model(arch, "relu", task, depth=depth)
        b = build_model(arch, "leaky_relu", task, depth=depth, unit_params={"negative_slope": 0.2})
        assert (count(a, relu_cls), count(a, leaky_cls)) == (slots, 0)
        assert (count(b, relu_cls), count(b, leaky_cls)) == (0, slots)
        assert all("negative_slope=0.2" in repr(m) for m in b.modules() if type(m) is leaky_cls)
    tr = build_model("transformer", "leaky_relu", _tiny("adding"), width=8, depth=3)
    assert count(tr, leaky_cls) == 3  # one per FFN
    rnn = build_model("sequence", "leaky_relu", _tiny("adding"), width=8, depth=2)
    assert count(rnn, leaky_cls) == 2  # one per recurrent layer, shared over time


def test_activation_rnn_matches_its_equation():
    task = _tiny("adding")
    torch.manual_seed(0)
    model = build_model("sequence", "relu", task, width=5, depth=1).double()
    x = task.generate(0).x_train[:2].double()
    layer = model.layers[0]
    W, b, U = layer.input.weight, layer.input.bias, layer.recurrent.weight
    h = torch.zeros(2, 5, dtype=torch.float64)
    for t in range(x.shape[1]):
        h = torch.clamp_min(x[:, t] @ W.T + b + h @ U.T, 0.0)
    expected = model.head(h)
    assert torch.allclose(model(x), expected, atol=1e-12)
    assert torch.allclose(U @ U.T, torch.eye(5, dtype=torch.float64), atol=1e-6)  # orthogonal at init


def test_transformer_ignores_listops_padding():
    task = _tiny("listops")
    torch.manual_seed(0)
    model = build_model("transformer", "relu", task, width=8, depth=1).eval()
    x = task.generate(0).x_test[:1]
    assert (x == 0).any()  # the example is padded
    # pads are masked in attention and excluded from pooling: their embedding cannot matter
    with torch.no_grad():
        before = model(x)
        model.embed.embed.weight[0] += 1.0
        after = model(x)
    assert torch.allclose(before, after, atol=1e-6)


def test_task_name_accepted():
    m = build_model("mlp", "relu", "kan_toy", width=4)
    assert m.task_name == "kan_toy" and m.arch == "mlp" and m.unit_name == "relu"


# ------------------------------------------------------- transformers decoders (gpt2, llama)
def _lm(arch, unit, **kw):
    pytest.importorskip("transformers")
    torch.manual_seed(0)
    return build_model(arch, unit, _tiny("char_lm"), width=8, depth=2, **kw)


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
@pytest.mark.parametrize("unit", ["gelu", "polyrelu", "polynorm", "swiglu", "kan_chebyshev"])
def test_lm_archs_take_any_unit_through_surgery(arch, unit):
    """gpt2/llama hold the unit in their MLPs: swapped activation or a block of equal parameter count."""
    model = _lm(arch, unit)
    sites = model.surgery.sites
    assert [s.new_unit for s in sites] == [unit, unit]
    elementwise_swap = arch == "gpt2" and unit in ("gelu", "polyrelu")
    assert {s.kind for s in sites} == ({"module"} if elementwise_swap else {"block"})
    if not elementwise_swap:  # a replaced block is within one hidden unit's worth of the old block's size
        for s in sites:
            block = model.lm.model.get_submodule(s.path)
            per_unit = count_parameters(block) / s.new_params["hidden_features"]
            assert abs(s.params_after - s.params_before) <= per_unit
    _check_forward_backward(model, _tiny("char_lm"))


def test_llama_arch_with_swiglu_is_llama_itself():
    """swiglu in the llama arch keeps LLaMA's own block (weights copied, same function)."""
    model = _lm("llama", "swiglu")
    assert all("identical outputs" in s.note for s in model.surgery.sites)
    assert model.surgery.sites[0].new_params["hidden_features"] == round(8 * 8 / 3)


def test_lm_archs_are_causal_and_char_lm_refuses_bidirectional_models():
    """Changing a later character never changes an earlier prediction; the encoder transformer is refused."""
    task = _tiny("char_lm")
    for arch in ("gpt2", "llama"):
        model = _lm(arch, "gelu").eval()
        x = task.generate(0).x_test[:2]
        x2 = x.clone()
        x2[:, -1] = (x2[:, -1] + 5) % task.vocab_size
        with torch.no_grad():
            torch.testing.assert_close(model(x)[:, :-1], model(x2)[:, :-1])
    with pytest.raises(IncompatibleError, match="causal"):
        compatible("transformer", "relu", task)
    with pytest.raises(IncompatibleError, match="per-step outputs"):
        compatible("llama", "relu", _tiny("digits"))


def test_lm_flops_count_every_weight_matrix_once_per_token():
    model = _lm("gpt2", "gelu")
    t, w, depth = 8, 8, 2
    # per layer: c_attn 3w^2, c_proj w^2, MLP 2 * 4w^2; plus the tied head (97 x w); attention 2 T w per layer
    per_token = depth * (4 * w * w + 8 * w * w) + 97 * w + 2 * t * w * depth
    assert estimate_flops(model, (t,)) == t * per_token


# --- the MNIST-1D paper's GRU (Greydanus & Kobak, arXiv 2011.14439; mnist1d's GRUBase) ---

def test_gru_paper_parameter_count_by_hand():
    # The paper's sizes: hidden 6 per direction, 1 layer, 1 input value per step, 40 steps, 10 classes.
    # torch's GRU per direction: W_ih (3h x in) + W_hh (3h x h) + b_ih (3h) + b_hh (3h).
    h, n_in, steps, classes = 6, 1, 40, 10
    per_direction = 3 * h * n_in + 3 * h * h + 3 * h + 3 * h  # 18 + 108 + 18 + 18 = 162
    head = steps * 2 * h * classes + classes                  # 4800 + 10
    assert 2 * per_direction + head == 5134
    model = build_model("gru_paper", None, _tiny("mnist1d"), width=6, depth=1)
    assert count_parameters(model) == 5134
    # Two layers: the second reads both directions' outputs (2h per step).
    deep = build_model("gru_paper", None, _tiny("mnist1d"), width=6, depth=2)
    assert count_parameters(deep) == 5134 + 2 * (3 * h * 2 * h + 3 * h * h + 6 * h)


def test_gru_paper_shapes_and_flops():
    torch.manual_seed(0)
    flat, seq = _tiny("mnist1d"), _tiny("digits_seq")
    model = build_model("gru_paper", None, flat, width=6, depth=1)
    assert model(torch.randn(5, 40)).shape == (5, 10)  # (N, 40) vectors are 40 steps of one value
    assert model.rnn.bidirectional and model.rnn.input_size == 1 and model.head.in_features == 40 * 12
    t, c = seq.input_shape
    seq_model = build_model("gru_paper", None, seq, width=4, depth=1)
    assert seq_model(torch.randn(3, t, c)).shape == (3, seq.num_outputs)
    # gates: 2 directions x T steps x 3 (in*h + h*h), then the classifier on T*2h
    assert estimate_flops(model, (40,)) == 2 * 40 * 3 * (1 * 6 + 6 * 6) + 40 * 12 * 10


def test_gru_paper_matches_bidirectional_gru_equations():
    """Forward against the GRU equations (Cho et al. 2014, torch's gate layout) written out in float64."""
    torch.manual_seed(0)
    model = build_model("gru_paper", None, _tiny("mnist1d"), width=3, depth=1).double()
    x = torch.randn(2, 40, dtype=torch.float64)

    def run(suffix, steps):
        w_ih, w_hh = getattr(model.rnn, "weight_ih_l0" + suffix), getattr(model.rnn, "weight_hh_l0" + suffix)
        b_ih, b_hh = getattr(model.rnn, "bias_ih_l0" + suffix), getattr(model.rnn, "bias_hh_l0" + suffix)
        h, outs = torch.zeros(2, 3, dtype=torch.float64), {}
        for t in steps:
            gi = x[:, t:t + 1] @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            r = 1 / (1 + torch.exp(-(gi[:, :3] + gh[:, :3])))
            z = 1 / (1 + torch.exp(-(gi[:, 3:6] + gh[:, 3:6])))
            n = torch.tanh(gi[:, 6:] + r * gh[:, 6:])
            h = (1 - z) * n + z * h
            outs[t] = h
        return outs

    fwd, bwd = run("", range(40)), run("_reverse", reversed(range(40)))
    flat = torch.cat([torch.cat([fwd[t], bwd[t]], 1) for t in range(40)], 1)  # step-major, as the paper flattens
    expected = flat @ model.head.weight.T + model.head.bias
    assert torch.allclose(model(x), expected, atol=1e-12)


def test_gru_paper_trains_with_the_papers_optimizer():
    task = _tiny("mnist1d")
    torch.manual_seed(0)
    model = build_model("gru_paper", None, task, width=6, depth=1)
    d = task.generate(0)
    x, y = d.x_train[:100], d.y_train[:100]
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)  # the paper's Adam lr 1e-2
    losses = []
    for _ in range(15):
        loss = task.loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses


def test_gru_paper_ignores_the_unit_like_gru():
    task = _tiny("mnist1d")
    torch.manual_seed(0)
    a = build_model("gru_paper", None, task, width=4, depth=1)
    torch.manual_seed(0)
    b = build_model("gru_paper", "tanh", task, width=4, depth=1)  # a name is only a label
    x = torch.randn(2, 40)
    assert torch.equal(a(x), b(x)) and b.unit_name == "tanh"
    with pytest.raises(nonlin.UnknownUnitError):
        compatible("gru_paper", "rleu", task)  # misspelled names are still rejected
