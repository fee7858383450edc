"""timm and torchvision models (random weights): every surgery check, where the libraries import.

They do not import in the default environment (torchvision needs a matching
torch; see docs/surgery.md, "Versions"), so these tests skip there and run in
a venv with torch 2.14.1 + torchvision 0.29.1 + timm.  check_model itself is
tested here on a pure-torch model that calls F.relu in forward.
"""

from __future__ import annotations

import importlib

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nonlin.surgery import CHECKS, check_model, format_table


def _import(name):
    try:
        return importlib.import_module(name)
    except Exception as err:
        pytest.skip(f"{name} does not import here ({type(err).__name__}: {str(err)[:80]}); "
                    f"run in the vision venv (docs/surgery.md)")


IMG = (torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)),)


def _all_ok(res, skip=()):
    bad = {k: v for k, v in res.items() if k not in skip and not (v == "ok" or v.startswith("ok ("))}
    assert not bad, bad


@pytest.mark.parametrize("arch,same,export", [("googlenet", "relu", True), ("densenet121", "relu", False),
                                              ("mobilenet_v3_small", "hard_swish", False)])
def test_torchvision(arch, same, export):
    tv = _import("torchvision.models")
    kw = dict(aux_logits=False, init_weights=False) if arch == "googlenet" else {}
    res = check_model(lambda: getattr(tv, arch)(num_classes=10, **kw), IMG, same=same, compile=False,
                      export=export)
    _all_ok(res, skip=("compile",) + (() if export else ("export",)))


@pytest.mark.parametrize("arch,same", [("convnext_atto", "gelu"), ("resnet10t", "relu")])
def test_timm(arch, same):
    timm = _import("timm")
    res = check_model(lambda: timm.create_model(arch, num_classes=10), IMG, same=same, compile=False,
                      export=False)
    _all_ok(res, skip=("compile", "export"))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True).mean((2, 3))


def test_check_model_on_a_functional_relu_net():
    res = check_model(Net, IMG, same="relu", compile=False)
    assert res["sites"] == "ok (1)"
    _all_ok(res, skip=("compile",))
    assert set(res) == set(CHECKS)


def test_check_model_reports_failures_per_check():
    res = check_model(Net, IMG, new="relu", compile=False, export=False)  # relu -> relu: output unchanged
    assert res["changes"] == "output unchanged" and res["fwd/bwd"] == "ok"
    table = format_table({"net": res})
    assert "FAIL [1]" in table and "[1] net / changes: output unchanged" in table
