"""The fused encode/decode kernels give exactly the codes and gradients of the plain definition."""

import pytest
import torch

import nonlin
from nonlin.memory.function import Codebook, apply_levels, interval_index
from nonlin.memory.packing import pack, unpack
from nonlin.memory.tables import table


@pytest.mark.parametrize("unit, bits", [("gelu", 1), ("gelu", 2), ("tanh", 2), ("gelu", 3), ("silu", 4),
                                        ("identity", 1)])
@pytest.mark.parametrize("backend", ["eager", "compile"])
@pytest.mark.parametrize("n", [1001, 1 << 17])
def test_codes_and_gradient_equal_bucketize_reference(unit, bits, backend, n):
    cb = Codebook(table(unit, bits))
    x = torch.randn(n, dtype=torch.float64) * 3
    x[:5] = torch.tensor([float("nan"), float("inf"), -float("inf"), 0.0, -0.0], dtype=torch.float64)
    borders, imap, levels = cb.tensors(x.dtype, x.device)
    idx = torch.bucketize(x.abs() if cb.table.fold else x, borders, out_int32=True)  # the definition
    ref = pack(imap[idx] if imap is not None else idx.to(torch.uint8), cb.bits)
    g = torch.randn(n, dtype=torch.float64)
    with nonlin.use_backend(backend):
        packed = cb.encode(x)
        grad = apply_levels(packed, cb, g)
    assert torch.equal(packed, ref)
    assert torch.equal(grad, levels[unpack(ref, cb.bits, n).long()] * g)


def test_interval_index_matches_bucketize_at_the_borders():
    borders = torch.tensor([-1.0, 0.0, 0.5])
    v = torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 0.75, float("nan")])
    assert torch.equal(interval_index(v, borders).int(), torch.bucketize(v, borders, out_int32=True))


def test_many_tables_do_not_hit_the_recompile_limit(recwarn):
    import torch._dynamo

    torch._dynamo.reset()
    x = torch.randn(1 << 17)
    with nonlin.use_backend("compile"):
        for unit in ("gelu", "silu", "tanh", "mish", "elu", "softplus"):
            for bits in (1, 2, 3, 4):
                cb = Codebook(table(unit, bits))
                apply_levels(cb.encode(x), cb, x)
    assert not [w for w in recwarn if "recompile_limit" in str(w.message)]
    from torch._dynamo.utils import counters
    assert not counters["stats"].get("unique_graphs_fallback", 0)
