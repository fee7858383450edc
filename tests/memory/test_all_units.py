"""Every registered fixed elementwise unit gets a table and a working few-bit backward."""

import math

import pytest
import torch

import nonlin
from nonlin.memory import Codebook, compute_table, fewbit_apply

UNITS = [n for n in nonlin.names(kind="activation") if not nonlin.spec(n).properties.get("stochastic")]


def test_every_unit_gets_a_one_bit_table_and_backward():
    x = torch.randn(512, dtype=torch.float64)
    bad = []
    for name in UNITS:
        t = compute_table(name, 1, fine_cells=200, polish=False)  # coarse grid: the DP itself, fast
        fn = nonlin.get_fn(name)
        xg = x.clone().requires_grad_(True)
        y = fewbit_apply(xg, fn, Codebook(t))
        y.backward(torch.ones_like(y))
        # the optimum is never worse than one constant level (rel. error <= 1); a 200-cell grid may miss a little
        ok = (math.isfinite(t.rel_error) and t.rel_error <= 1.05 and torch.equal(y, fn(x))
              and torch.isfinite(xg.grad).all())
        if not ok:
            bad.append((name, t.rel_error))
    assert not bad, bad
