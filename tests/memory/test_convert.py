"""fewbit(model): exactly the expected modules of tiny GPT-2 / LLaMA models, training, disabled(), compile."""

import pytest
import torch
from torch import nn

import nonlin
from nonlin.memory import FewBitActivation, disabled, fewbit, restore
from nonlin.memory.gated import LeanGatedMLP

transformers = pytest.importorskip("transformers")


def tiny_gpt2():
    cfg = transformers.GPT2Config(n_layer=2, n_embd=32, n_head=2, n_positions=16, vocab_size=50,
                                  bos_token_id=0, eos_token_id=0)
    torch.manual_seed(0)
    return transformers.GPT2LMHeadModel(cfg)


def tiny_llama():
    cfg = transformers.LlamaConfig(num_hidden_layers=2, hidden_size=32, intermediate_size=64, num_attention_heads=2,
                                   num_key_value_heads=2, vocab_size=50, bos_token_id=0, eos_token_id=0,
                                   pad_token_id=0)
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(cfg)


def _train(model, steps=8):
    torch.manual_seed(1)
    x = torch.randint(0, 50, (4, 16))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    losses = []
    for _ in range(steps):
        loss = model(x, labels=x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_gpt2_converts_exactly_its_mlp_activations_and_trains():
    m = tiny_gpt2()
    rep = fewbit(m, bits=2)
    assert [c.path for c in rep.converted] == ["transformer.h.0.mlp.act", "transformer.h.1.mlp.act"]
    assert all(c.unit == "gelu_tanh" and c.kind == "table" and c.bytes_per_element == 0.25 for c in rep.converted)
    assert sum(isinstance(mod, FewBitActivation) for mod in m.modules()) == 2
    losses = _train(m)
    assert losses[-1] < losses[0] - 0.3


def test_gpt2_forward_bit_identical():
    a, b = tiny_gpt2().eval(), tiny_gpt2().eval()  # eval: no dropout; gradients still on
    fewbit(b, bits=3)
    x = torch.randint(0, 50, (2, 16))
    assert torch.equal(a(x).logits, b(x).logits)


def test_llama_converts_its_gated_mlps_and_trains():
    m = tiny_llama()
    rep = fewbit(m, bits=2)
    assert [c.path for c in rep.converted] == ["model.layers.0.mlp", "model.layers.1.mlp"]
    assert all(c.kind == "gated-recompute" and c.unit == "silu" for c in rep.converted)
    losses = _train(m)
    assert losses[-1] < losses[0] - 0.3


@pytest.mark.parametrize("gated", ["exact", "recompute"])
def test_lean_gated_gradients_equal_eager(gated):
    ref, m = tiny_llama(), tiny_llama()
    fewbit(m, gated=gated)
    x = torch.randint(0, 50, (2, 16))
    la, lb = ref(x, labels=x).loss, m(x, labels=x).loss
    assert torch.equal(la, lb)
    la.backward()
    lb.backward()
    for (n, p), (_, q) in zip(ref.named_parameters(), m.named_parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-4, atol=1e-6, msg=n)


def test_llama_act_only_mode_converts_the_silu():
    m = tiny_llama()
    rep = fewbit(m, bits=2, gated=None)
    assert [c.path for c in rep.converted] == ["model.layers.0.mlp.act_fn", "model.layers.1.mlp.act_fn"]
    assert _train(m)[-1] < 3.9


def test_torch_nn_units_modes_and_report():
    m = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8), nn.GELU(),
                      nn.PReLU(), nn.RReLU(), nonlin.create("mish"), nn.Linear(8, 1))
    rep = fewbit(m, bits=2)
    kinds = {c.path: c.kind for c in rep.converted}
    assert kinds == {"1": "output-only", "3": "output-only", "5": "table", "8": "table"}
    skipped = {p: why for p, _, why in rep.skipped}
    assert set(skipped) == {"6", "7"}
    assert "learnable" in skipped["6"] and "stochastic" in skipped["7"]
    assert "converted 4" in str(rep)
    rep2 = fewbit(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), mode="table")
    assert rep2.converted[0].kind == "exact-mask" and rep2.converted[0].bits == 1


def test_units_filter_and_restore():
    m = nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 4), nn.SiLU())
    rep = fewbit(m, units=["silu"])
    assert [c.path for c in rep.converted] == ["3"]
    assert restore(m) == 1 and isinstance(m[3], nn.SiLU)


def test_disabled_context_gives_exact_gradients():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 1))
    ref = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 1))
    ref.load_state_dict(m.state_dict())
    fewbit(m, bits=1)
    x = torch.randn(64, 16)
    with disabled():
        m(x).sum().backward()
    ref(x).sum().backward()
    assert torch.equal(m[0].weight.grad, ref[0].weight.grad)
    m.zero_grad()
    m(x).sum().backward()
    assert not torch.equal(m[0].weight.grad, ref[0].weight.grad)


def test_bad_arguments():
    m = nn.Sequential(nn.GELU())
    with pytest.raises(ValueError, match="bits must be one of"):
        fewbit(m, bits=8)
    with pytest.raises(ValueError, match="mode must be one of"):
        fewbit(m, mode="fast")
    with pytest.raises(ValueError, match="table must be one of"):
        fewbit(m, table="best")
    with pytest.raises(ValueError, match="gated must be"):
        fewbit(m, gated="yes")


def test_preset_tables_selectable():
    m = nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 4), nn.SiLU(), nn.Linear(4, 4), nn.Tanh())
    rep = fewbit(m, table="approx_bp", mode="table")
    assert [c.path for c in rep.converted] == ["1", "3"]
    assert m[1].table.levels[1] == pytest.approx(-0.0492226, abs=1e-6)
    assert "Approx-BP" in dict((p, w) for p, _, w in rep.skipped)["5"]


def test_compiled_model_keeps_packed_codes_not_the_input():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(64, 256), nn.GELU(), nn.Linear(256, 8))
    fewbit(m, bits=2)
    cm = torch.compile(m)
    x = torch.randn(32, 64)
    cm(x).sum().backward()  # compile
    params = {p.untyped_storage().data_ptr() for p in m.parameters()}
    saved = {}

    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in params:
            saved[s.data_ptr()] = (t.dtype, s.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = cm(x).sum()
    out.backward()
    kinds = sorted(saved.values(), key=lambda v: v[1])
    # the GELU input (32 x 256 float32 = 32 KiB) is not kept; its 2-bit codes (2 KiB) are,
    # next to x (8 KiB) and the GELU output that the last linear needs (32 KiB)
    assert (torch.uint8, 32 * 256 // 4) in kinds
    assert sum(n for d, n in kinds if d == torch.float32) <= 32 * 64 * 4 + 32 * 256 * 4
