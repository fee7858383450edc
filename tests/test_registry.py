"""The registry: names, specs, errors, parameters, aliases, create/get_fn/swap."""

import json

import pytest
import torch

import nonlin
from nonlin.registry import Param, ParameterError, UnknownUnitError


def test_names_sorted_and_filtered():
    all_names = nonlin.names()
    assert all_names == sorted(all_names) and len(all_names) == len(set(all_names))
    acts = nonlin.names(kind="activation")
    assert set(acts) <= set(all_names) and "relu" in acts
    assert all(nonlin.spec(n).family == "rectifiers" for n in nonlin.names(family="rectifiers"))
    assert nonlin.names(learnable=False) == acts


def test_unknown_name_lists_closest():
    with pytest.raises(UnknownUnitError) as err:
        nonlin.spec("leakyrelu")
    assert "leaky_relu" in str(err.value)
    with pytest.raises(UnknownUnitError, match="nonlin list"):
        nonlin.create("zzzzqqq")


def test_bad_filters_are_explained():
    with pytest.raises(ValueError, match="kind must be one of"):
        nonlin.names(kind="activations")
    with pytest.raises(ValueError, match="unknown family"):
        nonlin.names(family="rectifier")
    with pytest.raises(TypeError, match="must be a string"):
        nonlin.spec(3)


def test_aliases_resolve_case_and_dashes():
    assert nonlin.spec("lrelu") is nonlin.spec("leaky_relu")
    assert nonlin.spec("Leaky-ReLU").name == "leaky_relu"
    assert nonlin.resolve("relu2") == "relu_squared"


def test_parameter_range_errors_name_parameter_and_range():
    with pytest.raises(ParameterError, match=r"'negative_slope' of 'leaky_relu' must be in \[0, 1\]; got 2"):
        nonlin.create("leaky_relu", negative_slope=2)
    with pytest.raises(ParameterError, match="must be a number"):
        nonlin.get_fn("leaky_relu", negative_slope="big")
    with pytest.raises(ParameterError, match="unexpected parameter 'negative_slop'.*negative_slope"):
        nonlin.create("leaky_relu", negative_slop=0.1)


def test_param_ranges_text_and_checks():
    p = Param("a", 1.0, low=0.0, open_low=True)
    assert p.range_text() == "(0, inf)"
    with pytest.raises(ParameterError):
        p.check(0.0)
    assert p.check(1e-9) == 1e-9
    with pytest.raises(ParameterError, match="NaN"):
        p.check(float("nan"))
    c = Param("mode", "a", choices=("a", "b"), kind="str")
    with pytest.raises(ParameterError, match="one of 'a', 'b'"):
        c.check("c")


def test_get_fn_binds_parameters():
    f = nonlin.get_fn("leaky_relu", negative_slope=0.5)
    x = torch.tensor([-2.0, 3.0])
    assert torch.equal(f(x), torch.tensor([-1.0, 3.0]))
    assert f.spec.name == "leaky_relu"


def test_inputs_of_wrong_type_are_rejected():
    f = nonlin.get_fn("relu_squared")
    with pytest.raises(TypeError, match="floating-point tensor.*int64"):
        f(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="expects a torch.Tensor; got list"):
        f([1.0, 2.0])


def test_create_accepts_dtype_device_inplace():
    m = nonlin.create("relu_squared", inplace=True, dtype=torch.float64, device="cpu")
    x = torch.tensor([-1.0, 2.0])
    assert m(x) is x and torch.equal(x, torch.tensor([0.0, 4.0]))


def test_every_spec_is_complete_and_serialisable():
    for s in nonlin.all_specs():
        assert s.formula and s.reference.title and s.family and s.kind in nonlin.KINDS, s.name
        d = s.to_dict()
        json.dumps(d)
        assert d["name"] == s.name and isinstance(d["params"], list)


def test_duplicate_registration_is_refused():
    from nonlin.elementwise import activation
    from nonlin.registry import ref

    with pytest.raises(ValueError, match="already registered"):
        @activation("relu", family="misc", formula="x", reference=ref("x"), properties={})
        def relu_again(x):
            return x


def test_unknown_property_is_refused():
    from nonlin.elementwise import activation
    from nonlin.registry import ref

    with pytest.raises(ValueError, match="unknown properties"):
        @activation("test_only_prop", family="misc", formula="x", reference=ref("x"),
                    properties={"monotone": True})
        def f(x):
            return x


def test_swap_replaces_torch_and_nonlin_modules():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4),
                                nonlin.create("relu"), torch.nn.Linear(4, 1))
    nonlin.swap(model, "relu", "leaky_relu", negative_slope=0.2)
    kinds = [type(m).__name__ for m in model]
    assert kinds.count("LeakyRelu") == 2 and "ReLU" not in kinds
    assert model[1].params["negative_slope"] == 0.2
    with pytest.raises(ValueError, match="no module matching"):
        nonlin.swap(model, "relu", "relu_squared")
    with pytest.raises(UnknownUnitError):
        nonlin.swap(model, "leaky_relu", "nope_nope")


def test_backend_setting_is_validated():
    with pytest.raises(ValueError, match="auto, eager, compile"):
        nonlin.set_backend("fast")
    assert nonlin.get_backend() == "auto"


def test_use_backend_restores_the_previous_backend_even_on_error():
    before = nonlin.get_backend()
    with nonlin.use_backend("eager"):
        assert nonlin.get_backend() == "eager"
    assert nonlin.get_backend() == before
    with pytest.raises(RuntimeError), nonlin.use_backend("compile"):
        raise RuntimeError("boom")
    assert nonlin.get_backend() == before
    with pytest.raises(ValueError, match="auto, eager, compile"), nonlin.use_backend("fast"):
        pass
    assert nonlin.get_backend() == before
