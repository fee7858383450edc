"""The model x check table of nonlin.swap on real architectures (random weights, nothing downloaded).

    python benchmarks/surgery_models.py [--only gpt2,googlenet] [--no-compile] [--no-export]

transformers models always; timm and torchvision models where they import
(they need a torchvision that matches torch: see docs/surgery.md, e.g. a venv
with torch 2.14.1 + torchvision 0.29.1 + timm).  Each model gets every check of
:func:`nonlin.surgery.check_model`; the output is a Markdown table.
"""

from __future__ import annotations

import argparse
import importlib
import time

import torch

from nonlin.surgery import check_model, format_table

V, T = 64, 8


def transformers_models():
    import transformers
    transformers.logging.set_verbosity_error()
    ids = torch.randint(0, V, (2, T), generator=torch.Generator().manual_seed(0))
    kw = {"use_cache": False}
    return {
        "transformers GPT-2": (lambda: transformers.GPT2LMHeadModel(transformers.GPT2Config(
            n_layer=2, n_embd=32, n_head=2, vocab_size=V, n_positions=16, bos_token_id=0, eos_token_id=0)),
            (ids,), kw, "gelu_tanh"),
        "transformers BERT": (lambda: transformers.BertModel(transformers.BertConfig(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48, vocab_size=V,
            max_position_embeddings=16), add_pooling_layer=False), (ids,), {}, "gelu"),
        "transformers LLaMA": (lambda: transformers.LlamaForCausalLM(transformers.LlamaConfig(
            hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
            vocab_size=V, max_position_embeddings=16)), (ids,), kw, "silu"),
    }


def timm_models():
    timm = importlib.import_module("timm")
    img = (torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)),)
    c = timm.create_model
    return {
        "timm resnet10t": (lambda: c("resnet10t", num_classes=10), img, {}, "relu"),
        "timm vit_tiny": (lambda: c("vit_tiny_patch16_224", img_size=32, patch_size=8, num_classes=10), img, {},
                          "gelu"),
        "timm mobilenetv3_small_050": (lambda: c("mobilenetv3_small_050", num_classes=10), img, {}, "hard_swish"),
        "timm convnext_atto": (lambda: c("convnext_atto", num_classes=10), img, {}, "gelu"),
    }


def torchvision_models():
    tv = importlib.import_module("torchvision.models")
    img = (torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)),)
    return {
        "torchvision resnet18": (lambda: tv.resnet18(num_classes=10), img, {}, "relu"),
        "torchvision efficientnet_b0": (lambda: tv.efficientnet_b0(num_classes=10), img, {}, "silu"),
        "torchvision mobilenet_v3_small": (lambda: tv.mobilenet_v3_small(num_classes=10), img, {}, "hard_swish"),
        "torchvision googlenet (F.relu)": (lambda: tv.googlenet(num_classes=10, aux_logits=False,
                                                                init_weights=False), img, {}, "relu"),
        "torchvision densenet121 (F.relu)": (lambda: tv.densenet121(num_classes=10), img, {}, "relu"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--new", default="mish")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--no-export", action="store_true")
    args = ap.parse_args()
    models = {}
    for group in (transformers_models, timm_models, torchvision_models):
        try:
            models.update(group())
        except Exception as e:
            print(f"skipped {group.__name__}: {type(e).__name__}: {str(e)[:100]}")
    only = [s for s in args.only.split(",") if s]
    rows = {}
    for name, (build, inputs, kwargs, same) in models.items():
        if only and not any(o in name for o in only):
            continue
        t0 = time.perf_counter()
        rows[name] = check_model(build, inputs, kwargs=kwargs, new=args.new, same=same,
                                 compile=not args.no_compile, export=not args.no_export)
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"\ntorch {torch.__version__}; swap(model, None, {args.new!r})\n")
    print(format_table(rows))


if __name__ == "__main__":
    main()
