"""nonlin.swap semantics: what `old` may be, filters, report, device/dtype, init, channel axis, functional calls."""

from __future__ import annotations

import copy
import io
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nonlin
from nonlin.surgery import ChannelAxis, SwapReport, identify, plan, swap


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8),
                         nn.GELU(), nn.Linear(8, 2))


def kinds(model):
    return [type(m).__name__ for m in model]


# ------------------------------------------------------------------ what `old` may be
def test_instance_matches_equal_config_modules_only():
    m = mlp()
    swap(m, nn.ReLU(), "mish")
    assert kinds(m) == ["Linear", "Mish", "Linear", "LeakyReLU", "Linear", "GELU", "Linear"]
    with pytest.raises(ValueError, match="no module matching LeakyReLU"):
        swap(m, nn.LeakyReLU(0.3), "tanh")  # slope differs: no match
    swap(m, nn.LeakyReLU(0.2), "tanh")
    assert kinds(m)[3] == "Tanh"


def test_list_class_function_and_predicate():
    m = mlp()
    swap(m, [nn.ReLU, "gelu"], "silu")
    assert kinds(m) == ["Linear", "Silu", "Linear", "LeakyReLU", "Linear", "Silu", "Linear"]
    m = mlp()
    swap(m, F.leaky_relu, "elu")
    assert kinds(m)[3] == "Elu"
    m = mlp()
    swap(m, lambda mod: isinstance(mod, (nn.ReLU, nn.GELU)), "softsign")
    assert kinds(m) == ["Linear", "Softsign", "Linear", "LeakyReLU", "Linear", "Softsign", "Linear"]


@pytest.mark.parametrize("bad", [3, 2.5, object(), int, {"relu": 1}])
def test_bad_old_is_a_type_error(bad):
    m = mlp()
    before = copy.deepcopy(m.state_dict())
    with pytest.raises(TypeError, match="old must be a unit name"):
        swap(m, bad, "mish")
    assert kinds(m) == kinds(mlp()) and all(torch.equal(before[k], v) for k, v in m.state_dict().items())


def test_predicate_must_return_bool_and_empty_list_is_refused():
    with pytest.raises(TypeError, match="must return True or False"):
        swap(mlp(), lambda mod: mod, "mish")
    with pytest.raises(ValueError, match="empty list"):
        swap(mlp(), [], "mish")


def test_nothing_matched_lists_the_activation_types_seen():
    with pytest.raises(ValueError, match=r"no module matching 'silu'.*GELU x1.*LeakyReLU x1.*ReLU x1"):
        swap(mlp(), "silu", "mish")


@pytest.mark.parametrize("unit", ["polynorm", "swiglu", "kan_bspline", "lif", "ash"])
def test_non_elementwise_new_unit_is_refused(unit):
    with pytest.raises(ValueError, match="not elementwise"):
        swap(mlp(), "relu", unit)


def test_bad_new_and_params():
    with pytest.raises(nonlin.UnknownUnitError):
        swap(mlp(), "relu", "mishh")
    with pytest.raises(nonlin.ParameterError, match="negative_slope"):
        swap(mlp(), "relu", "leaky_relu", negative_slop=0.1)
    with pytest.raises(TypeError, match="say what to put in"):
        swap(mlp(), "relu")
    with pytest.raises(TypeError, match="new must be"):
        swap(mlp(), "relu", 3)


def test_new_may_be_a_module_or_a_class():
    m = mlp()
    swap(m, None, nn.Tanh)
    assert kinds(m)[1::2] == ["Tanh"] * 3
    m = mlp()
    proto = nonlin.create("prelu", init=0.1)
    swap(m, "relu", proto)
    assert m[1] is not proto and identify(m[1]).name == "prelu"


# ------------------------------------------------------------------ filters, dry run, report, sharing
def test_include_exclude_globs_and_predicates():
    m = mlp()
    rep = swap(m, None, "mish", include=["1", "5"], report=True)
    assert rep.paths == ["1", "5"] and kinds(m)[3] == "LeakyReLU"
    m = mlp()
    rep = swap(m, None, "mish", exclude=lambda path, mod: isinstance(mod, nn.GELU), report=True)
    assert rep.paths == ["1", "3"]
    with pytest.raises(TypeError, match="include must be a glob"):
        swap(mlp(), None, "mish", include=3)


def test_dry_run_changes_nothing_and_reports():
    m = mlp()
    rep = plan(m, None, "pau")
    assert isinstance(rep, SwapReport) and rep.dry_run and kinds(m) == kinds(mlp())
    assert [(s.path, s.old_unit, s.new_unit) for s in rep] == [
        ("1", "relu", "pau"), ("3", "leaky_relu", "pau"), ("5", "gelu", "pau")]
    assert rep.sites[1].old_params == {"negative_slope": 0.2}
    assert rep.sites[2].new_params["init"] == "gelu"
    assert rep.params_before == 0 and rep.params_after == 3 * 10  # PAU (5,4): 6 + 4 coefficients
    text = str(rep)
    assert "would replace 3 site(s)" in text and "leaky_relu(negative_slope=0.2)" in text
    assert rep.to_dict()["sites"][0]["path"] == "1"


def test_default_returns_the_model_and_one_unit_per_site():
    m = mlp()
    assert swap(m, None, "prelu") is m
    units = [m[1], m[3], m[5]]
    assert len({id(u) for u in units}) == 3


def test_shared_puts_one_unit_everywhere():
    m = mlp()
    rep = swap(m, None, "prelu", shared=True, report=True)
    assert m[1] is m[3] is m[5]
    assert rep.params_after == 1


def test_a_module_used_twice_stays_shared():
    act = nn.ReLU()
    m = nn.Sequential(nn.Linear(2, 2), act, nn.Linear(2, 2), act)
    swap(m, "relu", "prelu")
    assert m[1] is m[3]


# ------------------------------------------------------------------ device, dtype, init
@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_new_unit_takes_the_site_dtype(dtype):
    m = mlp().to(dtype)
    swap(m, None, "pau")
    assert {p.dtype for p in m.parameters()} == {dtype}
    y = m(torch.randn(4, 3, dtype=dtype))
    assert y.dtype == dtype and torch.isfinite(y.float()).all()


def test_learnable_unit_starts_as_the_function_it_replaces():
    x = torch.linspace(-3, 3, 601)
    m = nn.Sequential(nn.GELU())
    swap(m, "gelu", "pau")
    assert m[0].init == "gelu"
    with torch.no_grad():
        assert (m[0](x) - F.gelu(x)).abs().max() < 0.01  # PAU (5,4) least-squares fit on [-3, 3]
    m = nn.Sequential(nn.ReLU(), nn.LeakyReLU(0.2))
    swap(m, None, "prelu")
    with torch.no_grad():
        torch.testing.assert_close(m[0](x), F.relu(x))
        torch.testing.assert_close(m[1](x), F.leaky_relu(x, 0.2))
    m = nn.Sequential(nn.SiLU())
    swap(m, "silu", "aglu")
    with torch.no_grad():
        torch.testing.assert_close(m[0](x), F.silu(x), atol=1e-6, rtol=1e-5)
    m = nn.Sequential(nn.GELU())
    swap(m, "gelu", "pau", init="tanh")  # the caller's init wins
    assert m[0].init == "tanh"


# ------------------------------------------------------------------ per-channel axis
class TokenMLP(nn.Module):
    """A transformer MLP: (batch, tokens, channels), channels last."""

    def __init__(self, d=4, h=6):
        super().__init__()
        self.fc = nn.Linear(d, h)
        self.act = nn.GELU()
        self.proj = nn.Linear(h, d)

    def forward(self, x):
        return self.proj(self.act(self.fc(x)))


def test_per_channel_parameters_follow_the_last_dim_in_a_transformer_mlp():
    m = TokenMLP()
    x = torch.randn(2, 5, 4)
    rep = swap(m, "gelu", "prelu", num_parameters="channels", example_inputs=(x,), report=True)
    assert isinstance(m.act, ChannelAxis) and m.act.dim == -1
    assert m.act.inner.weight.shape == (6,) and "channel dim -1" in rep.sites[0].note
    with torch.no_grad():
        m.act.inner.weight.zero_()
        m.act.inner.weight[2] = 1.0  # channel 2 becomes the identity, others ReLU
        h = m.fc(x)
        out = m.act(h)
    want = F.relu(h)
    want[..., 2] = h[..., 2]
    torch.testing.assert_close(out, want)


def test_per_channel_parameters_use_dim_one_in_a_conv_net():
    m = nn.Sequential(nn.Conv2d(3, 5, 3), nn.BatchNorm2d(5), nn.ReLU())
    swap(m, "relu", "prelu", num_parameters="channels", example_inputs=torch.randn(1, 3, 8, 8))
    assert not isinstance(m[2], ChannelAxis) and m[2].weight.shape == (5,)
    m(torch.randn(2, 3, 8, 8))


def test_per_channel_needs_example_inputs_or_a_count_and_a_known_axis():
    with pytest.raises(ValueError, match="example_inputs"):
        swap(TokenMLP(), "gelu", "prelu", num_parameters="channels")
    m = TokenMLP()
    swap(m, "gelu", "prelu", num_parameters=6, channel_dim=-1)
    assert m.act.dim == -1 and m.act.inner.weight.shape == (6,)
    m(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match="per-channel"):
        swap(TokenMLP(), "gelu", "mish", num_parameters="channels", example_inputs=torch.randn(1, 4))
    with pytest.raises(TypeError, match="channel_dim"):
        swap(TokenMLP(), "gelu", "prelu", num_parameters=6, channel_dim="last")


# ------------------------------------------------------------------ functional calls in forward
class DenseLayer(nn.Module):
    """Like torchvision's DenseNet/GoogLeNet layers: F.relu in forward, data-dependent Python."""

    def __init__(self):
        super().__init__()
        self.norm = nn.BatchNorm1d(4)
        self.fc = nn.Linear(4, 4)
        self.act = nn.ReLU()
        self.memory_efficient = False

    def any_requires_grad(self, xs):
        return any(t.requires_grad for t in xs)

    def forward(self, x):
        if self.memory_efficient and self.any_requires_grad([x]):
            raise RuntimeError("not used")
        h = F.relu(self.norm(x), inplace=True)
        h = self.fc(h).relu() + torch.relu(h)
        return self.act(h) + torch.tanh(h)


def dense():
    torch.manual_seed(0)
    return DenseLayer().eval()


def reference(m, x, f):
    h = f(m.norm(x))
    h = f(m.fc(h)) + f(h)
    return f(h) + torch.tanh(h)


def test_functional_calls_are_swapped_with_the_modules():
    m = dense()
    x = torch.randn(3, 4)
    rep = swap(m, "relu", "mish", report=True)
    kinds_ = sorted((s.kind, s.path) for s in rep)
    assert kinds_ == [("functional", ":F.relu|self.fc(h).relu|torch.relu"), ("module", "act")]
    with torch.no_grad():
        torch.testing.assert_close(m(x), reference(m, x, F.mish))


def test_children_keep_their_own_calls():
    m = dense()
    x = torch.randn(3, 4)
    swap(m, "relu", "mish", exclude="act")  # nn.ReLU child runs F.relu inside: not intercepted
    assert type(m.act) is nn.ReLU
    with torch.no_grad():
        want = reference(m, x, F.mish) - F.mish(F.mish(m.fc(F.mish(m.norm(x)))) + F.mish(F.mish(m.norm(x))))
        want = want + F.relu(F.mish(m.fc(F.mish(m.norm(x)))) + F.mish(F.mish(m.norm(x))))
        torch.testing.assert_close(m(x), want)


def test_functional_false_and_tanh_is_not_an_activation_by_default():
    m = dense()
    rep = swap(m, "relu", "mish", functional=False, report=True)
    assert rep.paths == ["act"]
    m = dense()
    rep = swap(m, None, "mish", report=True)
    assert all("tanh" not in s.path for s in rep)
    rep = swap(dense(), "tanh", "softsign", report=True)
    assert rep.paths == [":torch.tanh"]


def test_functional_swap_survives_deepcopy_save_load_and_state_dict():
    m = dense()
    swap(m, "relu", "prelu")
    with torch.no_grad():
        m.nonlin_functional.units["relu"].weight.fill_(0.3)
    x = torch.randn(3, 4)
    y = m(x)
    torch.testing.assert_close(copy.deepcopy(m)(x), y)
    buf = io.BytesIO()
    torch.save(m, buf)
    buf.seek(0)
    torch.testing.assert_close(torch.load(buf, weights_only=False)(x), y)
    fresh = dense()
    swap(fresh, "relu", "prelu")
    fresh.load_state_dict(m.state_dict())
    torch.testing.assert_close(fresh(x), y)


def test_functional_swap_under_compile_and_export():
    m = dense()
    swap(m, "relu", "gelu")
    x = torch.randn(3, 4)
    with torch.no_grad():
        want = reference(m, x, F.gelu)
        torch.testing.assert_close(torch.compile(m, fullgraph=True)(x), want)
        ep = torch.export.export(m, (x,))
        torch.testing.assert_close(ep.module()(x), want)
    assert "aten.relu" not in ep.graph_module.code or "act" in ep.graph_module.code


def test_mode_does_not_leak_after_an_exception():
    m = dense()
    swap(m, "relu", "gelu")
    with pytest.raises(RuntimeError):
        m(torch.randn(3, 5))  # wrong width
    x = torch.randn(3)
    torch.testing.assert_close(F.relu(x), x.clamp_min(0))  # no mode left active


def test_second_swap_replaces_the_functional_replacement():
    m = dense()
    swap(m, "relu", "gelu")
    rep = swap(m, "gelu", "mish", report=True)
    assert rep.paths == ["act", "nonlin_functional.units.relu"]
    x = torch.randn(3, 4)
    with torch.no_grad():
        torch.testing.assert_close(m(x), reference(m, x, F.mish))


def test_a_known_activation_class_also_matches_its_calls_and_probe_finds_custom_modules():
    rep = swap(dense(), nn.ReLU, "mish", report=True)
    assert sorted(s.kind for s in rep) == ["functional", "module"]

    class MySwish(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x)

    m = nn.Sequential(nn.Linear(2, 2), MySwish(), nn.Dropout(0.1))
    with pytest.raises(ValueError, match="no module matching 'silu'"):
        swap(m, "silu", "mish")
    rep = swap(m, "silu", "mish", probe=True, report=True)
    assert rep.paths == ["1"] and "identified by evaluation" in rep.sites[0].note
    assert type(m[1]).__name__ == "Mish" and type(m[2]) is nn.Dropout


def test_a_failing_site_leaves_the_model_untouched():
    m = mlp()
    with pytest.raises(nonlin.ParameterError):
        swap(m, None, "pau", degrees=(99, 1))  # bad for every site: nothing may have changed
    assert kinds(m) == kinds(mlp())
    m = nn.Sequential(nn.Threshold(0.5, 0.0))
    rep = swap(m, None, "pau", report=True)  # PAU's rational fit to a step may fail: default init then
    assert identify(m[0]).name == "pau" and rep.sites[0].new_unit == "pau"


def test_nonlin_swap_stays_the_function_after_importing_the_old_module():
    import types

    from nonlin.swap import unit_name_of  # the old home, used by probes

    assert not isinstance(nonlin.swap, types.ModuleType) and nonlin.swap is swap
    assert unit_name_of(nn.GELU(approximate="tanh")) == "gelu_tanh"
