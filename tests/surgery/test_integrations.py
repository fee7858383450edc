"""nonlin units in timm's activation tables (register / unregister).

timm needs torchvision, which does not import beside this torch, so the
lookup is checked on a stand-in of ``timm.layers.create_act`` with timm's
table names and lookup order (ME, JIT, then DEFAULT; ``create_act_layer``
calls ``layer(inplace=...)``).  Real timm is tested when it imports.
"""

from __future__ import annotations

import importlib
import types

import pytest
import torch
from torch import nn

import nonlin
from nonlin.integrations import timm as integ
from nonlin.surgery import identify


def fake_create_act():
    ca = types.ModuleType("fake_timm_create_act")
    ca._ACT_LAYER_DEFAULT = dict(relu=nn.ReLU, gelu=nn.GELU, silu=nn.SiLU, identity=nn.Identity)
    ca._ACT_LAYER_ME = dict(silu=nn.SiLU)
    ca._ACT_FN_DEFAULT = dict(relu=torch.relu)

    def get_act_layer(name):
        if not isinstance(name, str):
            return name
        if name in ca._ACT_LAYER_ME:
            return ca._ACT_LAYER_ME[name]
        return ca._ACT_LAYER_DEFAULT[name]

    def create_act_layer(name, inplace=None, **kwargs):
        layer = get_act_layer(name)
        if inplace is None:
            return layer(**kwargs)
        try:
            return layer(inplace=inplace, **kwargs)
        except TypeError:
            return layer(**kwargs)

    ca.get_act_layer, ca.create_act_layer = get_act_layer, create_act_layer
    return ca


def test_register_into_timm_style_tables():
    ca = fake_create_act()
    added = integ.register(module=ca)
    assert "snake" in added and "nonlin:gelu" in added and "gelu" not in added
    assert ca._ACT_LAYER_DEFAULT["gelu"] is nn.GELU  # timm's own kept
    snake = ca.create_act_layer("snake", inplace=True)
    assert identify(snake).name == "snake"
    pau = ca.create_act_layer("pau", inplace=True)  # learnable: inplace dropped
    assert identify(pau).name == "pau"
    x = torch.linspace(-2, 2, 11)
    torch.testing.assert_close(ca._ACT_FN_DEFAULT["mish"](x), nonlin.get_fn("mish")(x))
    assert "pau" not in ca._ACT_FN_DEFAULT  # no functional form for learnable units
    integ.register("mish", override=True, module=ca)
    assert identify(ca.create_act_layer("mish")).source == "nonlin"
    integ.unregister(module=ca)
    assert "snake" not in ca._ACT_LAYER_DEFAULT and "mish" not in ca._ACT_LAYER_DEFAULT
    assert ca._ACT_LAYER_DEFAULT["relu"] is nn.ReLU


def test_register_refuses_non_elementwise_units():
    with pytest.raises(ValueError, match="not an elementwise unit"):
        integ.register("polynorm", module=fake_create_act())


def test_real_timm_create_model():
    try:
        timm = importlib.import_module("timm")
    except Exception as err:
        pytest.skip(f"timm does not import here ({type(err).__name__}: {str(err)[:80]}); "
                    f"checked on a stand-in above and in the vision venv (docs/surgery.md)")
    integ.register(["snake", "pau"])
    try:
        model = timm.create_model("resnet10t", pretrained=False, num_classes=3, act_layer="snake")
        assert any(identify(m) is not None and identify(m).name == "snake" for m in model.modules())
        model.eval()(torch.randn(1, 3, 32, 32))
    finally:
        integ.unregister()
