"""Export and deployment of every unit kind: torch.export, torch.compile(fullgraph=True), ONNX, state_dict.

How nonlin stays traceable: every custom ``autograd.Function`` (the elementwise
save-the-input Function, the fused GLU, PolyCom, the lean KAN backward, ...) is
an eager-mode memory/speed path.  Under ``torch.compiler.is_compiling()`` —
true inside torch.compile, torch.export and ``torch.onnx.export(dynamo=True)``
— each unit runs its plain formula instead, which the tracer records as aten
ops (and the compiler fuses).  These tests check that the traced graph computes
the same numbers as the eager module, for every registered unit.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import warnings

import pytest
import torch
from torch import Tensor, nn

import nonlin
from nonlin.bench.models import _positional_args
from nonlin.export import to_onnx

HAS_ONNX = all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxscript"))
HAS_ORT = importlib.util.find_spec("onnxruntime") is not None
ONNX_REASON = "ONNX export needs onnx and onnxscript (pip install 'nonlin[export]')"


# fewer inner iterations for units whose export time grows with them (the graph is unrolled)
SMALL = {"akorn": {"steps": 2}, "ltc": {"ode_unfolds": 2}}


def build(name: str) -> tuple[nn.Module, tuple, dict]:
    """A small model around unit ``name`` and an example input (args, kwargs), in eval mode."""
    s = nonlin.spec(name)
    names, req = _positional_args(s.builder)
    g = torch.Generator().manual_seed(0)
    kwargs: dict = {}
    if s.kind == "activation" or (s.kind == "learnable" and not req):
        model: nn.Module = nn.Sequential(nn.Linear(4, 6), nonlin.create(name))
        x = torch.randn(3, 4, generator=g)
    elif req and req[0].endswith("channels"):  # convolutional units (in_channels, out_channels, kernel_size)
        model = nonlin.create(name, 2, 3, 3)
        x = torch.randn(2, 2, 6, 6, generator=g)
    elif s.kind == "gated" and len(names) >= 3 and names[1].startswith("hidden"):
        model = nonlin.create(name, 4, 8, 5)
        x = torch.randn(3, 4, generator=g)
    elif s.kind == "neuron":
        # default modes: ELM switches to its step-by-step loop itself when traced
        params = dict(SMALL.get(name, {}))
        model = nonlin.create(name, 4, *([] if len(req) < 2 else [4]), **params)
        x = torch.randn(2, 5, 4, generator=g)
        if "dim_context" in {p.name for p in s.params}:
            kwargs = {"context": torch.randn(2, 10, generator=g)}
    else:  # layers (in_features, out_features): KAN, quadratic, NAU/NMU, SIREN, Padé layers
        model = nonlin.create(name, 4, 5)
        x = torch.randn(3, 4, generator=g)
    return model.eval(), (x,), kwargs


def first(y):
    return y[0] if isinstance(y, tuple) else y


def representatives() -> list[str]:
    """One unit per (kind, family): the first name of each family."""
    seen: dict[tuple[str, str], str] = {}
    for s in nonlin.all_specs():
        seen.setdefault((s.kind, s.family), s.name)
    return sorted(seen.values())


def elementwise_units() -> list[str]:
    """Every unit applied elementwise with no size arguments (fixed and learnable activations)."""
    return [n for n in nonlin.names() if nonlin.spec(n).kind in ("activation", "learnable")
            and nonlin.spec(n).properties.get("elementwise") and not _positional_args(nonlin.spec(n).builder)[1]]


OTHER_UNITS = [n for n in nonlin.names() if n not in set(elementwise_units())]


class EachUnit(nn.Module):
    """Applies every unit to the same input and stacks the results: one graph for all of them."""

    def __init__(self, names: list[str]):
        super().__init__()
        self.names = list(names)
        self.units = nn.ModuleList(nonlin.create(n) for n in names)

    def forward(self, x: Tensor) -> Tensor:
        return torch.stack([u(x) for u in self.units])


def assert_each_close(got: Tensor, want: Tensor, names: list[str], **tol) -> None:
    bad = [n for n, g, w in zip(names, got, want) if not torch.allclose(g, w, equal_nan=True, **tol)]
    assert not bad, f"traced output differs from eager for: {', '.join(bad)}"


# ---------------------------------------------------------------- torch.export
def test_torch_export_every_elementwise_unit():
    """torch.export of all fixed and learnable elementwise units (one graph) equals eager, unit by unit."""
    names = elementwise_units()
    assert len(names) > 150
    model = EachUnit(names).eval()
    x = torch.randn(3, 8, generator=torch.Generator().manual_seed(0)) * 2
    ep = torch.export.export(model, (x,))
    with torch.no_grad():
        assert_each_close(ep.module()(x), model(x), names, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", OTHER_UNITS)
def test_torch_export_matches_eager(name):
    """torch.export of each gated, KAN, neuron and layer-shaped unit runs and equals the eager module."""
    model, args, kwargs = build(name)
    with torch.no_grad():
        want = first(model(*args, **kwargs))
    ep = torch.export.export(model, args, kwargs)
    with torch.no_grad():
        got = first(ep.module()(*args, **kwargs))
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("name", ["kan_bspline", "kan_chebyshev", "swiglu", "pau", "mish", "lif", "polynorm"])
def test_torch_export_dynamic_batch(name):
    """A dynamic batch dimension: the exported graph has no size-specialised branch (e.g. KAN's row chunks)."""
    model, (x,), kwargs = build(name)
    batch = torch.export.Dim("batch", min=2, max=1024)
    ep = torch.export.export(model, (x,), dynamic_shapes=({0: batch},))
    bigger = torch.randn(7, *x.shape[1:], generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(first(ep.module()(bigger)), first(model(bigger)), rtol=1e-5, atol=1e-5)


def test_kan_export_keeps_pruned_edges_and_refit_grid():
    """A pruned edge and a non-uniform (refit) B-spline grid survive export (no uniform-grid shortcut)."""
    layer = nonlin.create("kan_bspline", 3, 2).eval()
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(2))
    layer.update_grid(x)                      # knots from the samples: no longer uniform
    with torch.no_grad():
        layer.mask[1, 0] = 0.0                # prune edge (out 1, in 0)
        want = layer(x[:5])
        ep = torch.export.export(layer, (x[:5],))
        torch.testing.assert_close(ep.module()(x[:5]), want, rtol=1e-5, atol=1e-6)
        # the pruned edge contributes nothing: moving input 0 leaves output 1 unchanged
        x2 = x[:5].clone()
        x2[:, 0] += 0.5
        torch.testing.assert_close(ep.module()(x2)[:, 1], want[:, 1], rtol=1e-5, atol=1e-6)
        assert not torch.allclose(ep.module()(x2)[:, 0], want[:, 0])


# ------------------------------------------------------- torch.compile fullgraph
def _elementwise_representatives() -> list[str]:
    out = []
    for n in representatives():
        s = nonlin.spec(n)
        if s.kind in ("activation", "learnable") and s.properties.get("elementwise") \
                and not _positional_args(s.builder)[1]:
            out.append(n)
    # units with a surrogate gradient or a custom Function worth covering by name
    return sorted(set(out) | {"sign_ste", "mish", "gelu", "pau", "polyrelu", "snake_learnable"})


@pytest.mark.parametrize("name", _elementwise_representatives())
def test_compile_fullgraph_elementwise_forward_backward(name):
    """No graph break (fullgraph=True) in forward or backward, and the compiled numbers match eager.

    ``aot_eager`` traces forward and backward exactly as Inductor does, without generating C++,
    so a graph break or an untraceable custom Function fails here in well under a second.
    """
    torch._dynamo.reset()
    act = nonlin.create(name)
    x = torch.randn(4, 8, generator=torch.Generator().manual_seed(3), requires_grad=True)
    fn = torch.compile(act, fullgraph=True, backend="aot_eager")
    y = fn(x)
    (gx,) = torch.autograd.grad(y.square().sum(), x)
    x_ref = x.detach().requires_grad_(True)
    y_ref = act(x_ref)
    (gx_ref,) = torch.autograd.grad(y_ref.square().sum(), x_ref)
    torch.testing.assert_close(y, y_ref, rtol=1e-5, atol=1e-6, equal_nan=True)
    torch.testing.assert_close(gx, gx_ref, rtol=1e-4, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("name", ["swiglu", "bilinear_mlp", "kan_bspline", "kan_rbf", "lif", "elm"])
def test_compile_fullgraph_other_kinds(name):
    torch._dynamo.reset()
    model, args, kwargs = build(name)
    model.train()
    out = first(torch.compile(model, fullgraph=True, backend="aot_eager")(*args, **kwargs))
    out.sum().backward()
    torch.testing.assert_close(out, first(model(*args, **kwargs)), rtol=1e-5, atol=1e-6)


def mixed_model() -> nn.Module:
    """One unit of each kind in one network: fixed, learnable, gated, KAN."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nonlin.create("mish"), nonlin.create("pau"),
                         nonlin.create("swiglu", 8, 16, 8), nonlin.create("polyrelu"),
                         nonlin.create("kan_bspline", 8, 6), nonlin.create("snake"),
                         nonlin.create("kan_chebyshev", 6, 3))


def test_compile_fullgraph_mixed_model_forward_backward():
    """A model holding every unit kind compiles as one graph (no break), gradients equal eager's.

    Inductor itself (C++ code generation, ~10 s per graph here) is exercised by the elementwise
    kernels' own tests and by benchmarks/surgery_checks.py; aot_eager captures the same graphs.
    """
    torch._dynamo.reset()
    model = mixed_model()
    x = torch.randn(16, 4, generator=torch.Generator().manual_seed(4))
    y = torch.compile(model, fullgraph=True, backend="aot_eager")(x)
    y.sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    y_ref = model(x)
    y_ref.sum().backward()
    torch.testing.assert_close(y, y_ref, rtol=1e-5, atol=1e-6)
    for g, p in zip(grads, model.parameters()):
        torch.testing.assert_close(g, p.grad, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------- state_dict
@pytest.mark.parametrize("name", representatives())
def test_state_dict_round_trip(name):
    """Weights saved from one model and loaded into a fresh one (other seed) give the same outputs."""
    torch.manual_seed(0)
    model, args, kwargs = build(name)
    torch.manual_seed(1)
    fresh, _, _ = build(name)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    fresh.load_state_dict(torch.load(buf, weights_only=True))
    with torch.no_grad():
        torch.testing.assert_close(first(fresh(*args, **kwargs)), first(model(*args, **kwargs)))


def test_exported_program_save_load_round_trip():
    """torch.export.save / load of a program holding every kind (the .pt2 deployment format)."""
    model = mixed_model().eval()
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(5))
    ep = torch.export.export(model, (x,))
    buf = io.BytesIO()
    torch.export.save(ep, buf)
    buf.seek(0)
    loaded = torch.export.load(buf)
    with torch.no_grad():
        torch.testing.assert_close(loaded.module()(x), model(x), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------ ONNX
def _onnx(model: nn.Module, args: tuple, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_onnx(model, args, verbose=False, **kw)


def _run_onnx(program, *inputs: Tensor):
    import onnxruntime as ort
    sess = ort.InferenceSession(program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: t.numpy() for i, t in zip(sess.get_inputs(), inputs)}
    return [torch.from_numpy(o) for o in sess.run(None, feeds)]


@pytest.mark.skipif(not HAS_ONNX, reason=ONNX_REASON)
def test_onnx_export_mixed_model_dynamic_batch():
    """ONNX (dynamo exporter) of a model with every kind; onnxruntime reproduces it at another batch size."""
    import onnx
    model = mixed_model().eval()
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(6))
    program = _onnx(model, (x,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    onnx.checker.check_model(program.model_proto)
    if not HAS_ORT:
        pytest.skip("onnxruntime not installed: the ONNX model was checked but not run")
    bigger = torch.randn(9, 4, generator=torch.Generator().manual_seed(7))
    (got,) = _run_onnx(program, bigger)
    with torch.no_grad():
        torch.testing.assert_close(got, model(bigger), rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(not (HAS_ONNX and HAS_ORT), reason=ONNX_REASON + " and onnxruntime")
def test_onnx_export_units_using_hypot():
    """Formulas with torch.hypot (no ONNX translation in torch) export through nonlin's translation.

    Inputs up to 3e20 check the overflow-free form (x² alone would overflow float32).
    """
    names = ["bent_identity", "squareplus", "multiquadric", "inverse_multiquadric", "smu1", "rootsig", "pflu"]
    model = EachUnit(names).eval()
    x = torch.tensor([[0.0, 1.0, -2.0, 3e20, -1e-30, 1e5, -7.5, 0.5]])
    (got,) = _run_onnx(_onnx(model, (x,)), x)
    with torch.no_grad():
        assert_each_close(got, model(x), names, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not (HAS_ONNX and HAS_ORT), reason=ONNX_REASON + " and onnxruntime")
def test_onnx_export_neuron():
    """A neuron whose time loop is a Python loop over steps unrolls into the ONNX graph."""
    model, args, _ = build("lif")
    got = _run_onnx(_onnx(model, args), *args)[0]
    with torch.no_grad():
        torch.testing.assert_close(got, first(model(*args)), rtol=1e-4, atol=1e-5)


def test_to_onnx_rejects_bad_arguments():
    with pytest.raises(TypeError, match="nn.Module"):
        to_onnx(lambda x: x, (torch.zeros(1),))
    with pytest.raises(TypeError, match="tuple"):
        to_onnx(nn.ReLU(), torch.zeros(1))


def test_deepcopy_of_exportable_model_still_exports():
    model = copy.deepcopy(mixed_model()).eval()
    x = torch.randn(3, 4)
    ep = torch.export.export(model, (x,))
    with torch.no_grad():
        torch.testing.assert_close(ep.module()(x), model(x), rtol=1e-5, atol=1e-6)
