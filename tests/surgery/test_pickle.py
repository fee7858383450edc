"""torch.save(model) / torch.load of a whole model works for every unit (issue 10, item 8).

Elementwise units are swapped into a small model first (the way users meet
them); the others are saved as built.  The model's output after loading must
equal the output before.
"""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

import nonlin
from nonlin.surgery import is_elementwise, swap

# Units known not to survive a whole-model save/load (none today; strict xfail if one appears).
KNOWN_BROKEN: dict[str, str] = {}


def _cases():
    out = []
    for n in nonlin.names():
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BROKEN[n])] if n in KNOWN_BROKEN else []
        out.append(pytest.param(n, marks=marks, id=n))
    return out


def _build(name):
    """A module holding the unit, and an input for it."""
    torch.manual_seed(0)
    if is_elementwise(name):
        model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))
        swap(model, "relu", name)
        return model, torch.randn(3, 4)
    for args in ((), (4, 4), (4,), (4, 4, 3)):
        try:
            unit = nonlin.create(name, *args)
            break
        except (TypeError, nonlin.ParameterError):
            continue
    else:
        pytest.fail(f"could not build {name} with sizes")
    for x in (torch.randn(2, 5, 4), torch.randn(2, 4), torch.randn(2, 4, 6, 6)):
        try:
            with torch.no_grad():
                unit.eval()(x)
            return unit, x
        except Exception:
            continue
    return unit, None


@pytest.mark.parametrize("name", _cases())
def test_whole_model_save_load(name):
    model, x = _build(name)
    model.eval()
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    assert type(loaded) is type(model)
    if x is not None:
        torch.manual_seed(1)
        with torch.no_grad():
            want = model(x)
        torch.manual_seed(1)
        with torch.no_grad():
            got = loaded(x)
        torch.testing.assert_close(got, want, equal_nan=True)
