"""Swapping inside real HuggingFace models (GPT-2, BERT, LLaMA) built offline from tiny configs."""

from __future__ import annotations

import copy
import io

import pytest
import torch

import nonlin
from nonlin.surgery import ChannelAxis, identify, swap

transformers = pytest.importorskip("transformers")
transformers.logging.set_verbosity_error()

V, T = 64, 7


def gpt2():
    cfg = transformers.GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=V, n_positions=16,
                                  bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(cfg)


def bert():
    cfg = transformers.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
                                  vocab_size=V, max_position_embeddings=16)
    return transformers.BertModel(cfg, add_pooling_layer=False)


def llama():
    cfg = transformers.LlamaConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=2,
                                   num_key_value_heads=2, vocab_size=V, max_position_embeddings=16)
    return transformers.LlamaForCausalLM(cfg)


# builder, its activation as a unit, the sites it has, the hidden size at the sites
MODELS = {
    "gpt2": (gpt2, "gelu_tanh", [f"transformer.h.{i}.mlp.act" for i in range(2)], 128),
    "bert": (bert, "gelu", [f"encoder.layer.{i}.intermediate.intermediate_act_fn" for i in range(2)], 48),
    "llama": (llama, "silu", [f"model.layers.{i}.mlp.act_fn" for i in range(2)], 48),
}


def build(name):
    torch.manual_seed(0)
    return MODELS[name][0]().eval()


def ids():
    return torch.randint(0, V, (2, T), generator=torch.Generator().manual_seed(1))


def out(model, x):
    o = model(input_ids=x)
    return o.logits if hasattr(o, "logits") and o.logits is not None else o.last_hidden_state


@pytest.mark.parametrize("name", MODELS)
def test_report_lists_exactly_the_mlp_activations(name):
    model = build(name)
    _, unit, sites, _ = MODELS[name]
    rep = swap(model, None, "mish", report=True)
    assert rep.paths == sites
    assert {s.old_unit for s in rep} == {unit} and {s.kind for s in rep} == {"module"}
    assert all(type(model.get_submodule(p)).__name__ == "Mish" for p in sites)


@pytest.mark.parametrize("name", MODELS)
def test_swapping_a_function_for_itself_keeps_the_output(name):
    model = build(name)
    x = ids()
    with torch.no_grad():
        before = out(model, x)
        swap(model, MODELS[name][1], MODELS[name][1])
        after = out(model, x)
    torch.testing.assert_close(after, before, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_learnable_swap_trains_round_trips_and_copies(name):
    model = build(name)
    x = ids()
    with torch.no_grad():
        base = out(model, x)
    swap(model, None, "pau")
    unit = model.get_submodule(MODELS[name][2][0])
    assert unit.init == MODELS[name][1]  # starts as the function it replaced
    model.train()
    y = out(model, x)
    y.float().pow(2).mean().backward()
    assert unit.numerator.grad is not None and torch.isfinite(unit.numerator.grad).all()
    model.eval()
    with torch.no_grad():
        with torch.no_grad():
            unit.numerator.add_(0.05)
        y = out(model, x)
    assert not torch.allclose(y, base, atol=1e-4)
    fresh = build(name)
    swap(fresh, None, "pau")
    fresh.load_state_dict(model.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(out(fresh, x), y)
        torch.testing.assert_close(out(copy.deepcopy(model), x), y)
        buf = io.BytesIO()
        torch.save(model, buf)
        buf.seek(0)
        torch.testing.assert_close(out(torch.load(buf, weights_only=False), x), y)


@pytest.mark.parametrize("name", MODELS)
def test_bfloat16_model(name):
    model = build(name).to(torch.bfloat16)
    swap(model, None, "pau")
    unit = model.get_submodule(MODELS[name][2][0])
    assert unit.numerator.dtype == torch.bfloat16
    with torch.no_grad():
        y = out(model, ids())
    assert y.dtype == torch.bfloat16 and torch.isfinite(y.float()).all()


@pytest.mark.parametrize("name", MODELS)
def test_per_channel_units_sit_on_the_hidden_dim(name):
    model = build(name)
    _, _, sites, hidden = MODELS[name]
    swap(model, None, "prelu", num_parameters="channels", example_inputs=(ids(),))
    act = model.get_submodule(sites[0])
    assert isinstance(act, ChannelAxis) and act.dim == -1 and act.inner.weight.shape == (hidden,)
    assert identify(act).name == "prelu"
    with torch.no_grad():
        out(model, ids())


def test_compile_gpt2_with_a_swapped_unit():
    model = build("gpt2")
    swap(model, None, "mish")
    x = ids()
    with torch.no_grad():
        want = out(model, x)
        got = out(torch.compile(model), x)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


def test_export_llama_with_a_swapped_unit():
    model = build("llama")
    swap(model, None, "mish")
    x = ids()
    ep = torch.export.export(model, (), {"input_ids": x, "use_cache": False})
    with torch.no_grad():
        torch.testing.assert_close(ep.module()(input_ids=x, use_cache=False).logits, out(model, x), atol=1e-5, rtol=1e-4)


def test_hidden_act_from_nonlin_after_register():
    from nonlin.integrations import transformers as integ

    try:
        keys = integ.register()
        assert "pau" in keys and "nonlin:gelu" in keys and "gelu" not in keys  # transformers keeps its gelu
        cfg = transformers.LlamaConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=1,
                                       num_attention_heads=2, vocab_size=V, hidden_act="pau")
        model = transformers.LlamaForCausalLM(cfg).eval()
        assert identify(model.model.layers[0].mlp.act_fn).name == "pau"
        cfg.hidden_act = "nonlin:snake"
        model = transformers.LlamaForCausalLM(cfg).eval()
        assert identify(model.model.layers[0].mlp.act_fn).name == "snake"
        integ.register_unit("pau_gelu", "pau", init="gelu")
        assert transformers.activations.ACT2FN["pau_gelu"].init == "gelu"
        with pytest.raises(ValueError, match="not an elementwise unit"):
            integ.register("swiglu")
        with torch.no_grad():
            out(model, ids())
    finally:
        integ.unregister()
    assert "pau" not in transformers.activations.ACT2FN and "gelu" in transformers.activations.ACT2FN
