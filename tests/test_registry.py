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


# ---- issue 14 item 5/11, issue 13 item 9: one clear error for every bad parameter ----------------

@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_parameters_are_refused_with_name_and_range(value):
    with pytest.raises(ParameterError, match=r"'a' of 'snake'.*(finite|NaN).*\(0, inf\)"):
        nonlin.create("snake", a=value)
    # an integer parameter: the check runs before int(), so no bare OverflowError/ValueError
    with pytest.raises(ParameterError, match="'p' of 'repu'"):
        nonlin.create("repu", p=value)


def test_allow_inf_declares_infinite_values():
    p = Param("cap", 1.0, low=0.0, allow_inf=True)
    assert p.check(float("inf")) == float("inf")
    with pytest.raises(ParameterError, match="NaN"):
        p.check(float("nan"))
    with pytest.raises(ParameterError, match="finite"):
        Param("cap", 1.0, low=0.0).check(float("inf"))
    assert Param("n", 1, kind="int", allow_inf=True).to_dict()["allow_inf"] is True


def test_wrongly_typed_parameters_name_the_parameter():
    with pytest.raises(ParameterError, match="'mode' of 'x' must be a string"):
        Param("mode", "a", kind="str").check(3, "x")
    with pytest.raises(ParameterError, match="'degrees' of 'x' must be a tuple"):
        Param("degrees", (5, 4), kind="tuple").check("54", "x")


@pytest.mark.parametrize("name, kwargs, names", [
    ("rrelu", dict(lower=1.0), ("lower", "upper")),
    ("hardtanh", dict(min_val=1e6), ("min_val", "max_val")),
    ("srs", dict(alpha=1e-6), ("alpha", "beta")),
    ("relu_kan_bump", dict(e=-1e6), ("s", "e")),
    ("firm_shrink", dict(lambd1=2.0), ("lambd1", "lambd2")),
])
def test_cross_parameter_constraints_fail_at_construction(name, kwargs, names):
    for make in (lambda: nonlin.create(name, **kwargs), lambda: nonlin.get_fn(name, **kwargs)):
        with pytest.raises(ParameterError) as err:
            make()  # construction, before any forward
        assert all(f"'{n}'" in str(err.value) for n in names) and f"'{name}'" in str(err.value)


def test_spec_constraints_hook_for_any_unit():
    from nonlin.registry import Spec, ordered, ref

    s = Spec("demo", "learnable", "misc", "x", ref("t"), {}, (Param("lo", 0.0), Param("hi", 1.0)),
             constraints=ordered("lo", "hi"))
    assert s.check_params({"lo": 0.5}) == {"lo": 0.5}
    with pytest.raises(ParameterError, match=r"'demo': parameters 'lo' and 'hi' must satisfy lo < hi"):
        s.check_params({"lo": 2.0})


def test_layer_sizes_are_required_params_and_checked():
    s = nonlin.spec("swiglu")
    req = [p for p in s.params if p.required]
    assert [p.name for p in req] == ["in_features", "hidden_features"]
    assert repr(req[0].default) == "required" and s.to_dict()["params"][0]["required"] is True
    with pytest.raises(ParameterError, match="'in_features' of 'nau' must be in \\[1, inf\\); got 0"):
        nonlin.create("nau", 0, 4)
    with pytest.raises(ParameterError, match="'in_features' of 'nau' must be a number"):
        nonlin.create("nau", "3", 4)
    with pytest.raises(ParameterError, match="'hidden_features' of 'swiglu'"):
        nonlin.create("swiglu", in_features=4, hidden_features=-1)
    assert nonlin.create("nau", 3, 4) is not None


def test_cli_show_lists_required_arguments_and_one_year():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "nonlin.cli", "show", "swiglu"], capture_output=True, text=True,
                         check=True).stdout
    assert "in_features = required" in out and "hidden_features = required" in out
    import re
    years = re.findall(r"\b(?:19|20)\d\d\b", str(nonlin.spec("mish").reference).split("arXiv")[0])
    assert years == ["2020"]  # "BMVC 2020", not "BMVC 2020, 2019"


def test_unknown_names_are_clipped_and_transpositions_suggested():
    with pytest.raises(UnknownUnitError) as err:
        nonlin.spec("x" * 5000)
    assert len(str(err.value)) < 200 and "5000 characters" in str(err.value)
    with pytest.raises(UnknownUnitError, match="Closest names: [^.]*helu"):
        nonlin.spec("ehlu")
    with pytest.raises(ParameterError) as err:
        nonlin.create("leaky_relu", **{"y" * 3000: 1})
    assert len(str(err.value)) < 400
    from nonlin.registry import osa_distance
    assert osa_distance("ehlu", "helu") == 1 and osa_distance("abc", "abc") == 0 and osa_distance("ab", "ba") == 1


def test_check_float_input_is_the_shared_input_check():
    from nonlin.elementwise import check_float_input

    with pytest.raises(TypeError, match="'my_layer' expects a floating-point tensor.*int64"):
        check_float_input(torch.tensor([1, 2]), "my_layer")
    check_float_input(torch.zeros(2), "my_layer")
