"""Novelty search: disguised variants of registered units are found, with maps that check out."""

import math

import pytest
import torch
import torch.nn.functional as F

import nonlin
from nonlin.novelty import parse_expression, similar

X = torch.linspace(-5, 5, 1001, dtype=torch.float64)


def reconstructs(match, reference, tol=1e-6):
    """c * g(a x + b) + d equals the query, with g computed by torch builtins (not nonlin)."""
    g = reference(match.a * X + match.b)
    return float((match.c * g + match.d - QUERY_VALUES).abs().max()) < tol


@pytest.mark.parametrize("expr, original, reference", [
    ("x * tanh(softplus(x))", "mish", lambda t: t * torch.tanh(F.softplus(t))),
    ("0.5*x*(1 + tanh(0.7978845608028654*(x + 0.044715*x**3)))", "gelu_tanh",
     lambda t: F.gelu(t, approximate="tanh")),
    ("2*sigmoid(2*x) - 1", "tanh", torch.tanh),
    ("log(1 + exp(2*x)) / 2", "softplus", F.softplus),
    ("3 * x * sigmoid(1.702 * x) + 0.5", "silu", F.silu),
    ("x * normcdf(x / 2)", "gelu", F.gelu),
])
def test_disguised_variants_are_found(expr, original, reference):
    global QUERY_VALUES
    QUERY_VALUES = parse_expression(expr)(X)
    found = similar(expr, top=8, kinds=("activation",))
    exact = [m for m in found if m.distance < 1e-6]
    assert original in [m.name for m in exact], [str(m) for m in found]
    m = next(m for m in exact if m.name == original)
    assert reconstructs(m, reference), str(m)


def test_callable_query_and_rescaled_elu():
    global QUERY_VALUES
    fn = lambda t: 3 * F.elu(0.5 * t + 0.2) - 1  # noqa: E731
    QUERY_VALUES = fn(X)
    found = similar(fn, top=12, kinds=("activation",))
    m = next(m for m in found if m.name == "elu")
    assert m.distance < 1e-6 and reconstructs(m, F.elu, tol=1e-5)


def test_registered_name_excludes_itself_and_finds_its_twin():
    found = similar("silu", top=3, kinds=("activation",))
    assert "silu" not in [m.name for m in found]
    assert found[0].distance < 1e-9


def test_different_functions_are_far_apart():
    # sin is not an affine disguise of any monotone unit: distance well above the exact matches
    found = similar("x**2 * sign(x) + sin(3*x)", top=3, kinds=("activation",))
    assert found[0].distance > 1e-3


def test_learnable_units_at_initialisation_are_candidates():
    found = similar("x * sigmoid(x)", top=10)
    assert "xsilu_learnable" in [m.name for m in found if m.distance < 1e-6]


@pytest.mark.parametrize("bad, message", [
    ("x.__class__", "not allowed"),
    ("import os", "cannot parse"),
    ("open(x)", "unknown name 'open'"),
    ("y * 2", "unknown name 'y'"),
    ("", "non-empty"),
])
def test_bad_expressions_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_expression(bad)


@pytest.mark.parametrize("kwargs, message", [
    (dict(interval=(1, -1)), "interval"),
    (dict(interval=(0, math.inf)), "interval"),
    (dict(top=0), "top"),
    (dict(points=3), "points"),
    (dict(kinds=("gated", "bogus")), "unknown kinds"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        similar("x", **kwargs)


def test_bad_queries_are_refused():
    with pytest.raises(ValueError, match="constant"):
        similar("0*x + 1")
    with pytest.raises(ValueError, match="not finite"):
        similar("log(x)")
    with pytest.raises(ValueError, match="not an elementwise"):
        similar("swiglu")
    with pytest.raises(TypeError, match="query"):
        similar(3.0)


def test_public_name():
    assert nonlin.similar is similar


def test_command_line(capsys):
    from nonlin.cli import main

    assert main(["similar", "x * tanh(softplus(x))", "--top", "2", "--kinds", "activation"]) == 0
    out = capsys.readouterr().out
    assert "mish" in out.splitlines()[1]
    assert main(["similar", "x.real", "--top", "2"]) == 2
    assert "not allowed" in capsys.readouterr().err


def test_catalogue_lists_neighbours(tmp_path):
    import json

    from nonlin.cli import main

    out = tmp_path / "cat.json"
    assert main(["catalog", "-o", str(out)]) == 0
    units = {u["name"]: u for u in json.loads(out.read_text())["units"]}
    # tanh is sigmoid rescaled: 2 sigmoid(2x) - 1
    near = {n["name"]: n for n in units["tanh"]["similar"]}
    assert "sigmoid" in near and near["sigmoid"]["distance"] < 1e-9 and near["sigmoid"]["a"] == 2.0
    assert len(units["mish"]["similar"]) == 3
