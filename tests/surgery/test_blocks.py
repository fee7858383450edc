"""Block surgery: MLP blocks of transformers, timm and torchvision models become gated units, KANs or MLPs."""

from __future__ import annotations

import copy
import io

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nonlin
from nonlin.kan import KANLinear
from nonlin.surgery.blocks import MLP, Replaced, convert, find_blocks, swap_blocks

transformers = pytest.importorskip("transformers")
transformers.logging.set_verbosity_error()

V, T, D = 64, 7, 32


def gpt2():
    cfg = transformers.GPT2Config(n_layer=2, n_embd=D, n_head=2, vocab_size=V, n_positions=16)
    return transformers.GPT2LMHeadModel(cfg)


def bert():
    cfg = transformers.BertConfig(hidden_size=D, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
                                  vocab_size=V, max_position_embeddings=16)
    return transformers.BertModel(cfg, add_pooling_layer=False)


def llama(**kw):
    cfg = transformers.LlamaConfig(hidden_size=D, intermediate_size=48, num_hidden_layers=2, num_attention_heads=2,
                                   num_key_value_heads=2, vocab_size=V, max_position_embeddings=16, **kw)
    return transformers.LlamaForCausalLM(cfg)


# builder, block paths, hidden width, the block's activation as a unit, parameters of one block
# (counted from the configs: GPT-2 has Conv1D biases, BERT's block is intermediate.dense + output.dense,
# LLaMA has three bias-free projections)
MODELS = {
    "gpt2": (gpt2, [f"transformer.h.{i}.mlp" for i in range(2)], 4 * D, "gelu_tanh", 2 * D * 4 * D + 4 * D + D),
    "bert": (bert, [f"encoder.layer.{i}.intermediate" for i in range(2)], 48, "gelu", 2 * D * 48 + 48 + D),
    "llama": (llama, [f"model.layers.{i}.mlp" for i in range(2)], 48, "silu", 3 * D * 48),
}


def build(name, dtype=torch.float32):
    torch.manual_seed(0)
    return MODELS[name][0]().eval().to(dtype)


def ids():
    return torch.randint(0, V, (2, T), generator=torch.Generator().manual_seed(1))


def out(model, x):
    o = model(input_ids=x)
    return o.logits if getattr(o, "logits", None) is not None else o.last_hidden_state


# ------------------------------------------------------------------ exact conversions
def test_llama_mlp_becomes_swiglu_with_identical_outputs():
    """LLaMA's down(silu(gate x) * up x) is nonlin's swiglu: weights copied, same numbers (float64: to 1e-15)."""
    model = build("llama", torch.float64)
    x = ids()
    mlp0 = model.model.layers[0].mlp
    gate, up, down = mlp0.gate_proj.weight.clone(), mlp0.up_proj.weight.clone(), mlp0.down_proj.weight.clone()
    with torch.no_grad():
        before = out(model, x)
    rep = swap_blocks(model, "swiglu", report=True)
    new = model.model.layers[0].mlp
    assert type(new).__name__ == "SwiGLU" and new.hidden_features == 48 and new.b_in is None
    assert torch.equal(new.w_gate, gate) and torch.equal(new.w_up, up) and torch.equal(new.w_out, down)
    with torch.no_grad():
        after = out(model, x)
    torch.testing.assert_close(after, before, rtol=1e-13, atol=1e-13)
    assert all("identical outputs" in s.note for s in rep)


def test_llama_mlp_with_biases_keeps_them():
    torch.manual_seed(0)
    model = llama(mlp_bias=True).eval()
    x = ids()
    with torch.no_grad():
        before = out(model, x)
        swap_blocks(model, "swiglu")
        after = out(model, x)
    assert model.model.layers[1].mlp.b_in is not None
    torch.testing.assert_close(after, before, rtol=1e-5, atol=1e-6)


def test_gpt2_conv1d_weights_are_transposed_into_linear():
    """GPT-2 stores Conv1D weights as (in, out); the new MLP's Linear holds their transpose, outputs unchanged."""
    model = build("gpt2")
    x = ids()
    c_fc = model.transformer.h[0].mlp.c_fc.weight.clone()
    c_proj = model.transformer.h[0].mlp.c_proj.weight.clone()
    with torch.no_grad():
        before = out(model, x)
    swap_blocks(model, "gelu_tanh")  # GPT-2's own activation (gelu_new): the same function
    new = model.transformer.h[0].mlp
    assert isinstance(new, Replaced) and isinstance(new.block, MLP) and isinstance(new.dropout, nn.Dropout)
    assert torch.equal(new.block.fc1.weight, c_fc.t()) and torch.equal(new.block.fc2.weight, c_proj.t())
    with torch.no_grad():
        torch.testing.assert_close(out(model, x), before, rtol=1e-5, atol=2e-6)


def test_bert_keeps_output_dropout_layernorm_and_residual():
    model = build("bert")
    x = ids()
    layer = model.encoder.layer[0]
    ln, drop = layer.output.LayerNorm, layer.output.dropout
    with torch.no_grad():
        before = out(model, x)
    swap_blocks(model, "gelu")
    assert isinstance(layer.intermediate, MLP) and isinstance(layer.output.dense, nn.Identity)
    assert layer.output.LayerNorm is ln and layer.output.dropout is drop
    with torch.no_grad():
        torch.testing.assert_close(out(model, x), before, rtol=1e-5, atol=2e-6)
    # the new block feeds BertOutput: LayerNorm(dropout(ffn(h)) + h), computed here by hand
    h = torch.randn(2, T, D)
    with torch.no_grad():
        want = ln(layer.intermediate.fc2(F.gelu(layer.intermediate.fc1(h))) + h)
        torch.testing.assert_close(layer.output(layer.intermediate(h), h), want)


# ------------------------------------------------------------------ report and sizes
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("new", ["swiglu", "kan_chebyshev", "polynorm"])
def test_report_lists_exactly_the_blocks(name, new):
    model = build(name)
    _, paths, hidden, act, per_block = MODELS[name]
    rep = swap_blocks(model, new, report=True)
    assert rep.paths == paths
    assert {s.kind for s in rep} == {"block"} and {s.old_unit for s in rep} == {act}
    assert all(s.params_before == per_block for s in rep)
    assert all(s.new_params["hidden_features"] == hidden for s in rep)
    assert all(s.params_after == sum(p.numel() for p in model.get_submodule(p_).parameters())
               for s, p_ in zip(rep, paths))


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("new", ["swiglu", "geglu", "bilinear_mlp", "kan_bspline", "polyrelu", "polynorm"])
def test_match_params_matches_the_block_size(name, new):
    """match_params: the new block's size is within one hidden unit's worth of the old block's."""
    model = build(name)
    per_block = MODELS[name][4]
    rep = swap_blocks(model, new, match_params=True, report=True)
    for s in rep:
        h = s.new_params["hidden_features"]
        block = model.get_submodule(s.path)
        one_unit = sum(p.numel() for p in block.parameters()) / h  # upper bound on params per hidden unit
        assert abs(s.params_after - per_block) <= one_unit, (s.params_after, per_block, h)


def test_match_params_gives_swiglu_two_thirds_of_a_gelu_mlp():
    """The classic rule: a SwiGLU with 3 matrices matches a 2-matrix MLP at 2/3 of its width."""
    rep = swap_blocks(build("gpt2"), "swiglu", match_params=True, bias=False, report=True)
    # 8 D^2 + 5 D old params; 3 D H new (no bias): H = (8*32*32 + 5*32) / (3*32) = 86.99
    assert {s.new_params["hidden_features"] for s in rep} == {87}


def test_hidden_features_and_fresh_weights():
    model = build("llama")
    rep = swap_blocks(model, "swiglu", hidden_features=16, report=True)
    assert all("fresh weights" in s.note for s in rep)
    assert model.model.layers[0].mlp.w_in.shape == (32, D)


# ------------------------------------------------------------------ the model still works
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("new", ["swiglu", "kan_rbf", "polynorm"])
def test_forward_backward_output_changes(name, new):
    model = build(name).train()
    x = ids()
    with torch.no_grad():
        before = out(model.eval(), x)
    swap_blocks(model, new)
    model.train()
    y = out(model, x)
    assert y.shape == before.shape and torch.isfinite(y).all()
    y.square().mean().backward()
    new_params = [p for p_ in MODELS[name][1] for p in model.get_submodule(p_).parameters()]
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in new_params)
    with torch.no_grad():
        after = out(model.eval(), x)
    if name == "llama" and new == "swiglu":  # weights copied into the same function: unchanged
        torch.testing.assert_close(after, before, rtol=1e-5, atol=1e-6)
    else:
        assert not torch.allclose(after, before, atol=1e-4)


@pytest.mark.parametrize("name", MODELS)
def test_state_dict_into_freshly_swapped_model_deepcopy_and_save(name):
    model = build(name)
    swap_blocks(model, "swiglu", match_params=True)
    x = ids()
    with torch.no_grad():
        want = out(model, x)
    torch.manual_seed(5)
    fresh = MODELS[name][0]().eval()
    swap_blocks(fresh, "swiglu", match_params=True)
    fresh.load_state_dict(model.state_dict())
    buf = io.BytesIO()
    torch.save(copy.deepcopy(model), buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    with torch.no_grad():
        torch.testing.assert_close(out(fresh, x), want)
        torch.testing.assert_close(out(loaded, x), want)


def test_bfloat16_model_gets_bfloat16_blocks():
    model = build("llama", torch.bfloat16)
    x = ids()
    with torch.no_grad():
        before = out(model, x).float()
        swap_blocks(model, "swiglu")
        after = out(model, x).float()
    assert all(p.dtype == torch.bfloat16 for p in model.model.layers[0].mlp.parameters())
    torch.testing.assert_close(after, before, rtol=2e-2, atol=2e-2)


def test_torch_export_of_a_block_swapped_llama():
    model = build("llama")
    swap_blocks(model, "swiglu", match_params=True)
    x = ids()
    model.config.use_cache = False  # the KV cache object is not a pytree export can return
    ep = torch.export.export(model, (), {"input_ids": x})
    with torch.no_grad():
        torch.testing.assert_close(ep.module()(input_ids=x).logits, out(model, x), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ options and errors
def test_dry_run_changes_nothing_and_filters_select_sites():
    model = build("gpt2")
    rep = swap_blocks(model, "swiglu", dry_run=True)
    assert rep.dry_run and rep.paths == MODELS["gpt2"][1]
    assert type(model.transformer.h[0].mlp).__name__ == "GPT2MLP"
    rep = swap_blocks(model, "swiglu", include="transformer.h.1.*", report=True)
    assert rep.paths == ["transformer.h.1.mlp"]
    assert type(model.transformer.h[0].mlp).__name__ == "GPT2MLP"
    rep = swap_blocks(model, "geglu", exclude=lambda path, m: path.endswith("1.mlp"), report=True)
    assert rep.paths == ["transformer.h.0.mlp"]


def test_convert_one_block():
    torch.manual_seed(0)
    block = llama().model.layers[0].mlp
    new = convert(block, "swiglu")
    x = torch.randn(3, D)
    with torch.no_grad():
        torch.testing.assert_close(new(x), block(x), rtol=1e-5, atol=1e-6)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="no MLP block found.*LlamaMLP"):
        swap_blocks(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), "swiglu")
    with pytest.raises(ValueError, match="neuron"):
        swap_blocks(build("llama"), "lif")
    with pytest.raises(nonlin.UnknownUnitError, match="swiglu"):
        swap_blocks(build("llama"), "swigl")
    with pytest.raises(ValueError, match="not both"):
        swap_blocks(build("llama"), "swiglu", match_params=True, hidden_features=8)
    with pytest.raises(ValueError, match="positive integer"):
        swap_blocks(build("llama"), "swiglu", hidden_features=0)
    with pytest.raises(nonlin.ParameterError, match="unexpected parameter"):
        swap_blocks(build("llama"), "swiglu", degree=3)
    with pytest.raises(TypeError, match="unit name"):
        swap_blocks(build("llama"), nn.ReLU())


class LookalikeMLP(nn.Module):
    """Has GPT-2's attribute names but adds a residual: must be refused, not rewired."""

    def __init__(self):
        super().__init__()
        self.c_fc, self.act, self.c_proj = nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 4)

    def forward(self, x):
        return x + self.c_proj(self.act(self.c_fc(x)))


def test_lookalike_block_is_refused():
    model = nn.Sequential(LookalikeMLP())
    with pytest.raises(ValueError, match="forward differs"):
        swap_blocks(model, "swiglu")
    assert isinstance(model[0], LookalikeMLP)


# ------------------------------------------------------------------ timm and torchvision
# timm and torchvision do not import beside this torch (see docs/surgery.md): these replicas have
# the qualified names, attributes and forward of timm.layers.mlp.{Mlp, GluMlp, SwiGLU} and
# torchvision.ops.misc.MLP, written from their documented structure.
class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features, out_features=None, act_layer=nn.GELU, norm_layer=None,
                 bias=True, drop=0.0):
        super().__init__()
        out_features = out_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features, bias=bias)
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.norm = norm_layer(hidden_features) if norm_layer is not None else nn.Identity()
        self.fc2 = nn.Linear(hidden_features, out_features, bias=bias)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x):
        return self.drop2(self.fc2(self.norm(self.drop1(self.act(self.fc1(x))))))


class GluMlp(nn.Module):
    def __init__(self, in_features, hidden_features, out_features=None, act_layer=nn.Sigmoid, bias=True,
                 drop=0.0, gate_last=True):
        super().__init__()
        out_features = out_features or in_features
        self.chunk_dim, self.gate_last = -1, gate_last
        self.fc1 = nn.Linear(in_features, hidden_features, bias=bias)
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.norm = nn.Identity()
        self.fc2 = nn.Linear(hidden_features // 2, out_features, bias=bias)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x):
        x1, x2 = self.fc1(x).chunk(2, dim=self.chunk_dim)
        x = x1 * self.act(x2) if self.gate_last else self.act(x1) * x2
        return self.drop2(self.fc2(self.norm(self.drop1(x))))


class SwiGLU(nn.Module):
    def __init__(self, in_features, hidden_features, out_features=None, act_layer=nn.SiLU, bias=True, drop=0.0):
        super().__init__()
        out_features = out_features or in_features
        self.fc1_g = nn.Linear(in_features, hidden_features, bias=bias)
        self.fc1_x = nn.Linear(in_features, hidden_features, bias=bias)
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.norm = nn.Identity()
        self.fc2 = nn.Linear(hidden_features, out_features, bias=bias)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x):
        return self.drop2(self.fc2(self.norm(self.drop1(self.act(self.fc1_g(x)) * self.fc1_x(x)))))


class TorchvisionMLP(nn.Sequential):
    def __init__(self, in_channels, hidden_channels, activation_layer=nn.ReLU, dropout=0.0):
        layers, d = [], in_channels
        for h in hidden_channels[:-1]:
            layers += [nn.Linear(d, h), activation_layer(), nn.Dropout(dropout)]
            d = h
        layers += [nn.Linear(d, hidden_channels[-1]), nn.Dropout(dropout)]
        super().__init__(*layers)


for _cls in (Mlp, GluMlp, SwiGLU):
    _cls.__module__ = "timm.layers.mlp"
TorchvisionMLP.__module__, TorchvisionMLP.__qualname__ = "torchvision.ops.misc", "MLP"


class Vit(nn.Module):
    def __init__(self, mlp):
        super().__init__()
        self.norm = nn.LayerNorm(8)
        self.mlp = mlp

    def forward(self, x):
        return x + self.mlp(self.norm(x))


@pytest.mark.parametrize("block, new", [
    (lambda: Mlp(8, 24), "gelu"),                                              # timm Mlp, GELU
    (lambda: GluMlp(8, 24), "glu"),                                            # GluMlp: x1 * sigmoid(x2)
    (lambda: GluMlp(8, 24, act_layer=nn.SiLU, gate_last=False), "swiglu"),     # timm's SwiGLUPacked
    (lambda: SwiGLU(8, 12), "swiglu"),
    (lambda: TorchvisionMLP(8, [24, 8], nn.GELU), "gelu"),                     # torchvision ViT MLPBlock shape
])
def test_timm_and_torchvision_blocks_convert_exactly(block, new):
    torch.manual_seed(0)
    model = Vit(block()).eval()
    x = torch.randn(2, 5, 8)
    with torch.no_grad():
        before = model(x)
    rep = swap_blocks(model, new, report=True)
    assert rep.paths == ["mlp"] and "identical outputs" in rep.sites[0].note
    with torch.no_grad():
        torch.testing.assert_close(model(x), before, rtol=1e-5, atol=1e-6)


def test_timm_mlp_notes_dropped_hidden_dropout_and_refuses_inner_norm():
    rep = swap_blocks(Vit(Mlp(8, 24, drop=0.1)), "swiglu", report=True)
    assert "drop1 (p=0.1) dropped" in rep.sites[0].note
    with pytest.raises(ValueError, match="norm layer inside the hidden layer"):
        swap_blocks(Vit(Mlp(8, 24, norm_layer=nn.LayerNorm)), "swiglu")
    with pytest.raises(ValueError, match="3 Linear layers"):
        swap_blocks(Vit(TorchvisionMLP(8, [16, 16, 8])), "swiglu")


def test_kan_block_replaces_a_timm_mlp_with_two_layers():
    model = Vit(Mlp(8, 24))
    rep = swap_blocks(model, "kan_bspline", match_params=True, report=True)
    kan = model.mlp.block
    assert isinstance(kan, nn.Sequential) and len(kan) == 2 and all(isinstance(k, KANLinear) for k in kan)
    assert kan[0].in_features == 8 and kan[1].out_features == 8 and kan[0].out_features == kan[1].in_features
    assert model(torch.randn(2, 5, 8)).shape == (2, 5, 8)
    assert abs(rep.params_after - rep.params_before) <= kan[0].coef[0].numel() + kan[1].coef[:, 0].numel() + 32


def test_find_blocks_reads_sizes():
    blocks = find_blocks(build("llama"))
    assert [(b.rule, b.in_features, b.hidden_features, b.out_features, b.gated) for b in blocks] == \
        [("llama", D, 48, D, True)] * 2


def test_surgery_checks_script_runs_at_tiny_size():
    """benchmarks/surgery_checks.py must not rot: its overhead measurement and table at tiny sizes."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "surgery_checks.py"
    spec = importlib.util.spec_from_file_location("surgery_checks", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.overhead("llama", rounds=1, width=16, layers=1, ctx=8, batch=2)
    assert set(res) == {"original", "act", "block"}
    assert res["block"]["params"] == res["original"]["params"]  # LLaMA -> swiglu at equal size
    assert res["act"]["fwd_ratio"] > 0 and res["block"]["saved_ratio"] > 0
    ok = {"ok": True, "seconds": 0.0, "note": ""}
    row = {w: {c: ok for c in ("swap", "fwd/bwd", "compile", "export", "onnx", "state_dict", "deepcopy", "bf16")}
           for w in ("act", "block")}
    assert "| llama | ✓ / ✓" in mod.table({"llama": row})


def test_swap_with_old_mlp_replaces_blocks():
    import transformers

    cfg = transformers.LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                                   num_attention_heads=2, num_key_value_heads=2)
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(cfg).eval()
    x = torch.randint(0, 50, (2, 5))
    with torch.no_grad():
        before = model(x).logits
    rep = nonlin.swap(model, "mlp", "swiglu", report=True)
    assert [s.path for s in rep.sites] == ["model.layers.0.mlp", "model.layers.1.mlp"]
    assert nonlin.swap_blocks is nonlin.surgery.swap_blocks
    with torch.no_grad():
        assert torch.allclose(model(x).logits, before, atol=1e-6)
