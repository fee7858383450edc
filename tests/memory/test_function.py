"""Packing round-trips; forward bit-identical; backward == levels[code] * grad; output-only == exact."""

import pytest
import torch
import torch.nn.functional as F

import nonlin
from nonlin.memory import (OUTPUT_RULES, Codebook, fewbit_apply, output_only_apply, output_rule, pack,
                           packed_nbytes, table, unpack)


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
@pytest.mark.parametrize("n", [0, 1, 3, 7, 8, 9, 1001])
def test_pack_roundtrip(bits, n):
    g = torch.Generator().manual_seed(n)
    codes = torch.randint(0, 2 ** bits, (n,), generator=g, dtype=torch.uint8)
    p = pack(codes, bits)
    assert p.dtype == torch.uint8 and p.numel() == packed_nbytes(n, bits)
    assert torch.equal(unpack(p, bits, n), codes)


def test_packed_sizes_are_b_over_8():
    for bits, per in ((1, 8), (2, 4), (4, 2)):
        assert packed_nbytes(1024, bits) == 1024 // per
    assert packed_nbytes(1024, 3) == 384  # 8 codes in 3 bytes


def test_pack_layout_four_two_bit_codes_per_byte():
    assert pack(torch.tensor([1, 2, 3, 0], dtype=torch.uint8), 2).tolist() == [1 | 2 << 2 | 3 << 4]


def test_pack_bad_input():
    with pytest.raises(ValueError, match="bits must be one of"):
        pack(torch.zeros(4, dtype=torch.uint8), 5)
    with pytest.raises(TypeError, match="uint8"):
        pack(torch.zeros(4), 2)
    with pytest.raises(ValueError, match="< 4"):
        pack(torch.tensor([4], dtype=torch.uint8), 2, check=True)


@pytest.mark.parametrize("unit,bits", [("gelu", 2), ("silu", 3), ("mish", 4), ("gelu_tanh", 1), ("tanh", 2)])
def test_forward_identical_backward_is_levels_times_grad(unit, bits):
    t = table(unit, bits)
    cb = Codebook(t)
    fn = nonlin.get_fn(unit)
    x = torch.randn(3, 257, requires_grad=True)
    y = fewbit_apply(x, fn, cb)
    assert torch.equal(y, fn(x.detach()))
    g = torch.randn_like(y)
    y.backward(g)
    # reference from the table alone: interval of x -> level, times grad
    borders = torch.tensor(t.borders)
    xi = x.detach().abs() if t.fold else x.detach()
    idx = torch.bucketize(xi, borders)
    levels = torch.tensor(t.levels)
    expect = levels[idx] * g
    assert torch.equal(x.grad, expect)


def test_saves_only_packed_codes():
    cb = Codebook(table("gelu", 2))
    x = torch.randn(4096, requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        fewbit_apply(x, F.gelu, cb)
    assert [(s.dtype, s.numel()) for s in saved] == [(torch.uint8, 1024)]


def test_inplace_writes_into_input():
    cb = Codebook(table("gelu", 2))
    a = torch.randn(100, requires_grad=True)
    h = a * 1.0
    y = fewbit_apply(h, F.gelu, cb, inplace=True)
    assert y.data_ptr() == h.data_ptr()
    assert torch.equal(y, F.gelu(a.detach()))
    y.sum().backward()
    assert torch.equal(a.grad, cb.levels(torch.float32, None)[table("gelu", 2).encode(a.detach()).long()])


OUTPUT_CASES = [("sigmoid", {}), ("tanh", {}), ("softplus", {}), ("softplus", {"beta": 2.0}), ("elu", {}),
                ("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}), ("selu", {}), ("log_sigmoid", {}),
                ("softsign", {}), ("arctan", {}), ("bipolar_sigmoid", {}), ("relu", {}), ("leaky_relu", {}),
                ("relu6", {}), ("hardtanh", {}), ("hard_sigmoid", {}), ("elu_plus_one", {}), ("identity", {})]


def test_every_output_rule_is_tested():
    assert {u for u, _ in OUTPUT_CASES} | {"prelu_init"} == set(OUTPUT_RULES)


@pytest.mark.parametrize("unit,params", OUTPUT_CASES)
def test_output_only_gradient_equals_exact(unit, params):
    fn = nonlin.get_fn(unit, **params)
    x = (torch.randn(2000, dtype=torch.float64) * 3).requires_grad_(True)
    rule = output_rule(unit, params)
    y = output_only_apply(x, fn, rule)
    assert torch.equal(y, fn(x.detach()))
    g = torch.randn_like(y)
    (got,) = torch.autograd.grad(y, x, g)
    x2 = x.detach().requires_grad_(True)
    (want,) = torch.autograd.grad(fn(x2), x2, g)
    # torch's own float64 hardsigmoid backward multiplies by a float32 1/6: allow 1e-7
    torch.testing.assert_close(got, want, rtol=1e-7, atol=1e-12)


def test_output_only_saves_the_output_only():
    x = torch.randn(100, requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        y = output_only_apply(x, torch.tanh, output_rule("tanh"))
    assert len(saved) == 1 and saved[0].data_ptr() == y.data_ptr()
