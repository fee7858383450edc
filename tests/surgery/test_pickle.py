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

# Known failures, fixed in files other helpers own (see the surgery report):
# - xsilu/xgelu/xatlu_learnable: nonlin/learnable/adaptive.py `_expanded` renames its local
#   class to "XsiluLearnable" etc., but the module attribute is XSiLULearnable, so pickle's
#   lookup by qualified name fails.
# - lif/alif/synaptic_lif: nonlin/neurons/surrogate.py `spike_fn` returns a local closure
#   stored as `self.spike`; closures cannot be pickled.
KNOWN_BROKEN = {
    "xsilu_learnable": "adaptive.py: class __qualname__ XsiluLearnable is not a module attribute",
    "xgelu_learnable": "adaptive.py: class __qualname__ XgeluLearnable is not a module attribute",
    "xatlu_learnable": "adaptive.py: class __qualname__ XatluLearnable is not a module attribute",
    "lif": "neurons/surrogate.py: spike_fn returns a local closure (self.spike)",
    "alif": "neurons/surrogate.py: spike_fn returns a local closure (self.spike)",
    "synaptic_lif": "neurons/surrogate.py: spike_fn returns a local closure (self.spike)",
}


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
