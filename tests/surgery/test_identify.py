"""Every ecosystem table entry computes the unit it names: checked numerically against the module itself.

References are the modules' own outputs (torch / transformers code), compared
with nonlin's float64 reference formula of the identified unit.  timm and
torchvision do not import beside this torch; their classes are checked with
stand-ins that carry timm's qualified names and implement timm's published
formulas (real timm is checked when it imports, e.g. in the vision venv).
"""

from __future__ import annotations

import importlib
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nonlin
from nonlin.surgery import ChannelAxis, identify, identify_call, probe_module
from nonlin.surgery import timm as timm_table
from nonlin.surgery import torch_nn as torch_table
from nonlin.surgery import transformers as hf_table
from nonlin.surgery.report import type_name

X = torch.linspace(-8, 8, 2001, dtype=torch.float64)


def unit_reference(ident, x):
    """nonlin's plain reference formula of the identified unit (not the dispatching path)."""
    s = nonlin.spec(ident.name)
    if s.kind == "activation":
        return s.fn.reference(x, **ident.params)
    return nonlin.create(ident.name, **ident.params).double().eval()(x)


def assert_module_is(module, name, x=X, atol=1e-7, rtol=1e-6):
    ident = identify(module)
    assert ident is not None and ident.name == name, (type_name(module), ident)
    module = module.eval()
    with torch.no_grad():
        got = module.to(x.dtype)(x.clone())
        want = unit_reference(ident, x)
    torch.testing.assert_close(got, want.to(got.dtype), atol=atol, rtol=rtol)
    return ident


TORCH_CASES = [
    (nn.ReLU(), "relu"), (nn.ReLU6(), "relu6"), (nn.LeakyReLU(0.23), "leaky_relu"), (nn.ELU(1.7), "elu"),
    (nn.CELU(0.6), "celu"), (nn.SELU(), "selu"), (nn.GELU(), "gelu"), (nn.GELU(approximate="tanh"), "gelu_tanh"),
    (nn.SiLU(), "silu"), (nn.Mish(), "mish"), (nn.Softplus(beta=2.0, threshold=5.0), "softplus"),
    (nn.Softsign(), "softsign"), (nn.Tanh(), "tanh"), (nn.Sigmoid(), "sigmoid"), (nn.Hardsigmoid(), "hard_sigmoid"),
    (nn.Hardswish(), "hard_swish"), (nn.Hardtanh(-2.0, 0.5), "hardtanh"), (nn.LogSigmoid(), "log_sigmoid"),
    (nn.Tanhshrink(), "tanhshrink"), (nn.Softshrink(0.7), "softshrink"), (nn.Hardshrink(0.3), "hardshrink"),
    (nn.Threshold(0.4, -1.5), "threshold"), (nn.RReLU(0.1, 0.2), "rrelu"), (nn.PReLU(init=0.31), "prelu"),
]


@pytest.mark.parametrize("module,name", TORCH_CASES, ids=[type(m).__name__ for m, _ in TORCH_CASES])
def test_torch_nn_table(module, name):
    ident = assert_module_is(module, name)
    assert ident.source == "torch.nn"


def test_torch_nn_table_covers_every_activation_class():
    import torch.nn.modules.activation as A
    classes = {type_name(c) for c in vars(A).values()
               if isinstance(c, type) and issubclass(c, nn.Module) and c.__module__ == A.__name__}
    classes -= {"torch.nn.modules.activation.MultiheadAttention", "torch.nn.modules.activation.Softmax2d",
                "torch.nn.modules.activation.Softmin"}
    missing = classes - set(torch_table.MODULE_UNITS) - set(torch_table.UNMAPPED)
    assert not missing, f"torch.nn activation classes with no table entry: {sorted(missing)}"


# ------------------------------------------------------------------ transformers
transformers = pytest.importorskip("transformers")
from transformers import activations as hf_acts  # noqa: E402


def _hf_cases():
    out = []
    for key in sorted(hf_acts.ACT2CLS):
        if key.startswith("nonlin:") or key in getattr(hf_acts, "_NONLIN_KEYS", ()):
            continue
        out.append(key)
    return out


@pytest.mark.parametrize("key", _hf_cases())
def test_transformers_act2fn_entry(key):
    module = hf_acts.ACT2FN[key]
    t = type_name(module)
    if t in hf_table.UNMAPPED or t in torch_table.UNMAPPED:
        assert identify(module) is None
        return
    assert t in hf_table.MODULE_UNITS or t in torch_table.MODULE_UNITS, f"ACT2FN[{key!r}] -> {t} not in any table"
    ident = identify(module)
    assert ident is not None
    if t.endswith("XIELUActivation"):  # default bfloat16 parameters: check a float64 instance
        module = type(module)(alpha_p_init=0.6, alpha_n_init=1.1, beta=0.4, dtype=torch.float64)
        ident = identify(module)
        assert ident.params == pytest.approx({"alpha_p": 0.6, "alpha_n": 1.1, "beta": 0.4})
        x = X[(X > 1e-5) | (X < -1e-5)]  # transformers clamps min(x, -1e-6) inside expm1
        assert_module_is(module, "xielu", x=x, atol=1e-8)
        return
    if t.endswith("ClippedGELUActivation"):
        assert not ident.exact and "clipped" in ident.note
    assert_module_is(module, ident.name, atol=1e-9 if ident.exact else 1e-7)


def test_transformers_expected_names():
    expect = {"gelu": "gelu", "gelu_new": "gelu_tanh", "gelu_fast": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh",
              "gelu_accurate": "gelu_tanh", "quick_gelu": "quick_gelu", "silu": "silu", "swish": "silu",
              "mish": "mish", "relu2": "relu_squared", "linear": "identity", "gelu_python": "gelu",
              "relu": "relu", "relu6": "relu6", "tanh": "tanh", "sigmoid": "sigmoid", "hardswish": "hard_swish"}
    for key, name in expect.items():
        assert identify(hf_acts.ACT2FN[key]).name == name, key


# ------------------------------------------------------------------ timm (stand-ins with timm's names)
def _timm_standin(qualname: str, fn):
    mod, _, cls = qualname.rpartition(".")
    return type(cls, (nn.Module,), {"__module__": mod, "__qualname__": cls, "forward": lambda self, x: fn(x)})


# timm's formulas (timm/layers/activations.py), written independently here
TIMM_FORMULAS = {
    "Swish": lambda x: x * torch.sigmoid(x),
    "Mish": lambda x: x * torch.tanh(F.softplus(x)),
    "Sigmoid": torch.sigmoid, "Tanh": torch.tanh,
    "HardSwish": lambda x: x * F.relu6(x + 3.0) / 6.0,
    "HardSigmoid": lambda x: F.relu6(x + 3.0) / 6.0,
    "HardMish": lambda x: 0.5 * x * (x + 2).clamp(0, 2),
    "GELU": F.gelu, "GELUTanh": lambda x: F.gelu(x, approximate="tanh"),
    "QuickGELU": lambda x: x * torch.sigmoid(1.702 * x),
}


@pytest.mark.parametrize("qualname", sorted(k for k in timm_table.MODULE_UNITS if not k.endswith("PReLU")))
def test_timm_table_formulas(qualname):
    base = qualname.rsplit(".", 1)[-1]
    for suffix in ("Me", "Jit"):
        base = base[: -len(suffix)] if base.endswith(suffix) else base
    cls = _timm_standin(qualname, TIMM_FORMULAS[base])
    assert_module_is(cls(), timm_table.MODULE_UNITS[qualname])


def test_timm_prelu_reads_its_weight():
    cls = type("PReLU", (nn.PReLU,), {"__module__": "timm.layers.activations", "__qualname__": "PReLU",
                                      "forward": lambda self, x: F.prelu(x, self.weight)})
    ident = assert_module_is(cls(init=0.4), "prelu")
    assert ident.params == {"num_parameters": 1, "init": pytest.approx(0.4)}


def _real(pkg):
    try:
        return importlib.import_module(pkg)
    except Exception as err:  # torchvision's compiled ops do not load beside this torch
        pytest.skip(f"{pkg} does not import here ({type(err).__name__}: {str(err)[:80]}); "
                    f"its table is checked by class name and formula above (docs/surgery.md: versions)")


def test_real_timm_classes():
    _real("timm")
    from timm.layers import create_act
    for table in ("_ACT_LAYER_DEFAULT", "_ACT_LAYER_ME", "_ACT_LAYER_JIT"):
        for key, cls in getattr(create_act, table, {}).items():
            if cls is None or cls is nn.Identity:
                continue
            m = cls()
            ident = identify(m)
            assert ident is not None, (table, key, type_name(m))
            assert_module_is(m, ident.name, x=X.float(), atol=1e-5, rtol=1e-5)


# ------------------------------------------------------------------ nonlin, subclasses, calls, probing
def test_nonlin_modules_answer_from_their_spec():
    ident = identify(nonlin.create("leaky_relu", negative_slope=0.2))
    assert (ident.name, ident.params, ident.source) == ("leaky_relu", {"negative_slope": 0.2}, "nonlin")
    assert identify(nonlin.create("mish")).params == {}
    assert identify(nonlin.create("pau")).name == "pau"
    assert identify(ChannelAxis(nonlin.create("prelu", num_parameters=4), -1)).name == "prelu"
    for not_elementwise in (nonlin.create("polynorm"), nonlin.create("swiglu", 4, 4)):
        assert identify(not_elementwise) is None


def test_subclass_counts_only_when_forward_is_inherited():
    class Plain(nn.ReLU):
        pass

    class Different(nn.ReLU):
        def forward(self, x):
            return torch.relu(x) * 2

    assert identify(Plain()).name == "relu"
    assert identify(Different()) is None
    assert identify(nn.Linear(2, 2)) is None


def test_identify_call():
    x = torch.zeros(1)
    assert identify_call(F.gelu, (x,), {"approximate": "tanh"}).name == "gelu_tanh"
    assert identify_call(F.gelu, (x,), {}).name == "gelu"
    assert identify_call(F.leaky_relu, (x, 0.3), {}).params == {"negative_slope": 0.3}
    assert identify_call(torch.Tensor.relu, (x,), {}).name == "relu"
    assert identify_call(torch.add, (x, x), {}) is None


def test_function_table_names_are_canonical_and_compute_their_unit():
    x = X.clone()
    for func, rule in torch_table.FUNCTION_UNITS.items():
        name, params = rule((x,), {})
        assert nonlin.resolve(name) == name
        if func.__name__.endswith("_"):
            continue  # in-place variants: same function
        torch.testing.assert_close(func(x.clone()), nonlin.spec(name).fn.reference(x, **params), atol=1e-9, rtol=1e-7)


def test_tables_use_canonical_names():
    for table in (torch_table.MODULE_UNITS, hf_table.MODULE_UNITS, timm_table.MODULE_UNITS):
        for rule in table.values():
            if isinstance(rule, str):
                assert nonlin.resolve(rule) == rule


class _XSigmoid(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class _Cube(nn.Module):
    def forward(self, x):
        return x ** 3


def test_probe_identifies_unknown_elementwise_modules():
    ident = identify(_XSigmoid(), probe=True)
    assert ident.name == "silu" and ident.source == "probe" and "swish" in ident.note
    assert identify(_XSigmoid()) is None  # opt-in only
    assert identify(_Cube(), probe=True).name == "cube"
    assert probe_module(nn.Softmax(dim=-1)) is None  # not elementwise
    assert probe_module(nn.Linear(1, 1)) is None  # has parameters

    class Odd(nn.Module):
        def forward(self, x):
            return torch.sin(3 * x) * x + 0.123

    assert probe_module(Odd()) is None


def test_probe_skips_torch_classes_and_placeholders():
    class NoOp(nn.Module):
        def forward(self, x):
            return x

    assert identify(nn.Dropout(0.5), probe=True) is None
    assert identify(nn.Identity(), probe=True) is None
    assert identify(NoOp(), probe=True) is None
