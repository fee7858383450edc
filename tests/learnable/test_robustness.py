"""Bad input gets one clear error at construction; odd inputs keep their meaning; models pickle.

Covers the learnable, gated and KAN families (issue 14: sizes, untyped parameters,
integer tensors; issue 10: torch.save of a whole model; issue 6: xATLU at -3e6).
"""

from __future__ import annotations

import io
import math

import pytest
import torch

import nonlin

# constructor arguments for the units that need sizes
SIZED = {
    "siren": (4, 4), "paon": (4, 4), "paon_safe": (4, 4), "paon_conv2d": (4, 4, 3), "paon_safe_conv2d": (4, 4, 3),
    "quadratic": (4, 4), "quadratic_conv2d": (4, 4, 3), "nau": (4, 4), "nmu": (4, 4), "pinet_ccp": (4, 6),
    "glu": (4, 6), "bilinear": (4, 6), "reglu": (4, 6), "geglu": (4, 6), "swiglu": (4, 6), "bilinear_mlp": (4, 6),
}
FAMILIES = [n for kind in ("learnable", "gated", "kan") for n in nonlin.names(kind=kind)]


def _make(name):
    if nonlin.spec(name).kind == "kan":
        return nonlin.create(name, 4, 3)
    return nonlin.create(name, *SIZED.get(name, ()))


def _input(name):
    return torch.randn(2, 4, 5, 5) if name.endswith("conv2d") else torch.randn(3, 4)


@pytest.mark.parametrize("name", FAMILIES)
def test_whole_model_pickle_round_trip(name):
    """torch.save(model) / torch.load of a model holding the unit (issue 10 item 8)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(_make(name)).eval()
    x = _input(name)
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    back = torch.load(buf, weights_only=False).eval()
    torch.testing.assert_close(back(x), model(x))


@pytest.mark.parametrize("name", FAMILIES)
def test_integer_tensor_input_is_a_clear_type_error(name):
    x = _input(name).to(torch.int64)
    with pytest.raises(TypeError, match="floating-point"):
        _make(name)(x)


LAYERS = {  # unit -> names of its size parameters, in constructor order
    "nau": ("in_features", "out_features"), "nmu": ("in_features", "out_features"),
    "paon": ("in_features", "out_features"), "paon_safe": ("in_features", "out_features"),
    "quadratic": ("in_features", "out_features"), "pinet_ccp": ("in_features", "hidden_features"),
    "paon_conv2d": ("in_channels", "out_channels", "kernel_size"),
    "paon_safe_conv2d": ("in_channels", "out_channels", "kernel_size"),
    "quadratic_conv2d": ("in_channels", "out_channels", "kernel_size"),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("bad", [0, -1, "3", 2.0, True])
def test_layer_sizes_are_checked_at_construction(name, bad):
    good = {"kernel_size": 3}
    for pos, pname in enumerate(LAYERS[name]):
        args = [good.get(p, 4) for p in LAYERS[name]]
        args[pos] = bad
        # through nonlin.create the registry checks sizes first ("must be in [1, inf)"); the class's
        # own check says "integer"; either way the parameter, the unit and the allowed values
        with pytest.raises(nonlin.ParameterError, match=f"'{pname}' of '{name}'.*(integer|\\[1, inf\\))"):
            nonlin.create(name, *args)


@pytest.mark.parametrize("name", ["paon_conv2d", "quadratic_conv2d"])
def test_conv_arguments_are_checked(name):
    with pytest.raises(nonlin.ParameterError, match="'stride'"):
        nonlin.create(name, 2, 2, 3, stride=0)
    with pytest.raises(nonlin.ParameterError, match="'padding'"):
        nonlin.create(name, 2, 2, 3, padding="circular")
    with pytest.raises(nonlin.ParameterError, match="'kernel_size'"):
        nonlin.create(name, 2, 2, (3, 3, 3))
    assert nonlin.create(name, 2, 2, (3, 1), padding="same")(torch.randn(1, 2, 5, 5)).shape == (1, 2, 5, 5)


def test_untyped_parameters_fail_at_construction():
    with pytest.raises(nonlin.ParameterError, match="init_range"):
        nonlin.create("pau", init_range=())
    for bad in ("x", (), (1, "a"), 1.5):
        with pytest.raises(nonlin.ParameterError, match="'dims' of 'ash'"):
            nonlin.create("ash", dims=bad)
    assert nonlin.create("ash", dims=(1, 2))(torch.randn(2, 3, 4)).shape == (2, 3, 4)


def test_ash_hard_agrees_with_hard_ash_fixed_at_the_threshold():
    """Both use H(0) = 1: an input exactly at the threshold t = mu + z sigma is kept (x >= t)."""
    m = nonlin.create("ash", mode="hard", dims=(0,)).double()
    with torch.no_grad():
        m.z.fill_(0.0)  # threshold = mean
    x = torch.tensor([-1.0, 0.0, 1.0, 2.0, 3.0], dtype=torch.float64)  # mean 1.0, exactly one input at t
    t = float(x.mean())
    want = nonlin.get_fn("hard_ash_fixed", t=t)(x)
    torch.testing.assert_close(m(x), want)
    assert m(x)[2] == 1.0 and m(x)[1] == 0.0


def test_xatlu_learnable_large_negative_inputs():
    """x (arctan(x)/pi + 1/2) -> -1/pi as x -> -inf; float32 at -3e6 was 18 % off (issue 14 item 6)."""
    m = nonlin.create("xatlu_learnable")
    x = torch.tensor([-3e6, -1e10, -1e30, -5.0, 5.0])
    got = m(x).detach().double()
    xd = x.double()
    want = xd * (torch.atan(xd) / math.pi + 0.5)  # float64, fine at these magnitudes... except cancellation:
    want[:3] = torch.tensor([-1 / math.pi] * 3, dtype=torch.float64) * (1 - 1 / (3 * xd[:3] ** 2))
    torch.testing.assert_close(got, want, rtol=1e-6, atol=0)
    g = torch.autograd.grad(m(x.requires_grad_(True)).sum(), x)[0]
    assert torch.isfinite(g).all()
