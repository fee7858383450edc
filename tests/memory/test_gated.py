"""The lean gated MLP function: gradients equal eager autograd, also when backward runs in row chunks."""

import pytest
import torch
import torch.nn.functional as F

import nonlin
from nonlin.memory.gated import LeanGLUFunction


@pytest.mark.parametrize("mode", ["exact", "recompute"])
@pytest.mark.parametrize("bias", [False, True])
def test_chunked_backward_equals_eager(mode, bias):
    torch.manual_seed(0)
    d, hid, n = 16, 1024, 1000  # (1 << 18) / 1024 = 256 rows per chunk -> 4 chunks
    kw = dict(dtype=torch.float64)
    x = torch.randn(2, n // 2, d, **kw, requires_grad=True)
    ws = [torch.randn(hid, d, **kw) / 4, torch.randn(hid, d, **kw) / 4, torch.randn(d, hid, **kw) / 32]
    bs = [torch.randn(hid, **kw), torch.randn(hid, **kw), torch.randn(d, **kw)] if bias else [None] * 3
    params = [t.requires_grad_(True) for t in ws + bs if t is not None]
    silu = nonlin.spec("silu").fn
    out = LeanGLUFunction.apply(x, ws[0], bs[0], ws[1], bs[1], ws[2], bs[2], F.silu,
                                lambda g: silu.grad_reference(g), mode)
    ref = F.linear(F.silu(F.linear(x, ws[0], bs[0])) * F.linear(x, ws[1], bs[1]), ws[2], bs[2])
    assert torch.equal(out, ref)
    g = torch.randn_like(out)
    got = torch.autograd.grad(out, [x, *params], g)
    want = torch.autograd.grad(ref, [x, *params], g)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)
