"""Time and saved-memory overhead of swapped models against the originals.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 python benchmarks/surgery_overhead.py

For each model (tiny transformers GPT-2 / BERT / LLaMA built offline, and a
DenseNet-style conv net that calls F.relu in forward) and each swap, forward +
backward time (timed by nonlin.bench.perf.compare: the original and every swap
interleaved in each repeat) and the bytes saved for backward, both as ratios to
the original measured in the same repeat.  "same fn" swaps the activation for the
nonlin unit of the same function, so its ratio is the cost of the surgery
itself (for the conv net: the functional interception).
"""

from __future__ import annotations

import argparse
import copy

import torch
import torch.nn.functional as F
from torch import nn

import nonlin
from nonlin.bench.perf import compare, saved_bytes


class DenseLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1, self.conv1 = nn.BatchNorm2d(c), nn.Conv2d(c, c, 3, padding=1)
        self.norm2, self.conv2 = nn.BatchNorm2d(c), nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        h = self.conv1(F.relu(self.norm1(x)))
        return x + self.conv2(F.relu(self.norm2(h)))


def models():
    import transformers
    transformers.logging.set_verbosity_error()
    V, T, B = 256, 64, 8
    ids = torch.randint(0, V, (B, T))
    gpt2 = transformers.GPT2LMHeadModel(transformers.GPT2Config(n_layer=2, n_embd=128, n_head=4, vocab_size=V,
                                                                 n_positions=T, bos_token_id=0, eos_token_id=0))
    bert = transformers.BertModel(transformers.BertConfig(hidden_size=128, num_hidden_layers=2, num_attention_heads=4,
                                                          intermediate_size=512, vocab_size=V,
                                                          max_position_embeddings=T), add_pooling_layer=False)
    llama = transformers.LlamaForCausalLM(transformers.LlamaConfig(
        hidden_size=128, intermediate_size=384, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
        vocab_size=V, max_position_embeddings=T))
    conv = nn.Sequential(*[DenseLayer(32) for _ in range(3)])
    first = lambda o: o.logits if getattr(o, "logits", None) is not None else o.last_hidden_state  # noqa: E731
    return {
        "gpt2": (gpt2, "gelu_tanh", lambda m: first(m(input_ids=ids, use_cache=False))),
        "bert": (bert, "gelu", lambda m: first(m(input_ids=ids))),
        "llama": (llama, "silu", lambda m: first(m(input_ids=ids, use_cache=False))),
        "densenet-like (F.relu)": (conv, "relu", lambda m: m(torch.randn(8, 32, 16, 16))),
    }


def step(model, run):
    def f():
        model.zero_grad(set_to_none=True)
        run(model).float().square().mean().backward()
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--min-run-time", type=float, default=0.3)
    args = ap.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; ratios to the original, "
          f"median [min-max] over {args.repeats} repeats")
    print(f"{'model':<24}{'swap':<10}{'time':>22}{'saved bytes':>14}")
    for name, (orig, same, run) in models().items():
        orig.train()
        variants = {"same fn": same, "mish": "mish", "pau": "pau"}
        swapped = {}
        for label, unit in variants.items():
            m = copy.deepcopy(orig)
            nonlin.swap(m, same, unit)
            swapped[label] = m
        base_bytes = saved_bytes(lambda _x: run(orig), None)
        cases = {"original": step(orig, run), **{label: step(m, run) for label, m in swapped.items()}}
        res = compare(cases, baseline="original", repeats=args.repeats, warmup=1, min_run_time=args.min_run_time)
        for label, m in swapped.items():
            r = res["ratio"][label]
            mem = saved_bytes(lambda _x: run(m), None) / base_bytes
            print(f"{name:<24}{label:<10}{r['median']:>10.2f} [{r['min']:.2f}-{r['max']:.2f}]"
                  f"{mem:>14.2f}")
        print(f"{'':<24}(load {res['load'][1]:.1f}, CPU share {res['cpu_share']:.0%})")


if __name__ == "__main__":
    main()
