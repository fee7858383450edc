"""Memory-lean training benchmark: saved bytes, peak RSS and step time, exact vs b-bit backward.

One command (results as a Markdown table on stdout, JSON with ``--json``)::

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 \\
        python benchmarks/memory_perf.py [--quick] [--repeats 5] [--rss] [--compile] [--json out.json]

Models, built from configs (no download):

* ``gpt2``: transformers ``GPT2LMHeadModel``, 4 layers, width 256, 4 heads, vocab 512, batch 4 x 256 tokens.
* ``llama``: transformers ``LlamaForCausalLM``, 4 layers, width 256, intermediate 688, 4 heads, vocab 512, 4 x 256.
* ``mlp``: Linear(784, 1024) + 3 x [GELU, Linear(1024, 1024)] + GELU + Linear(1024, 10), batch 256.
* ``cnn``: 3 x [Conv2d 3x3, BatchNorm, GELU] (32-64-64 channels) + linear head, batch 32 of 3 x 32 x 32.

Variants: ``exact`` (unmodified model), ``fewbit-b`` for b = 1..4 (``nonlin.memory.fewbit(model, bits=b)``;
for LLaMA also ``act-only-b`` = only the SiLU converted, gate/up/product kept as in eager, and
``gated-exact`` = the lean gated block that keeps the gate instead of recomputing it), and
``checkpoint`` (``torch.utils.checkpoint`` on every MLP block, the usual alternative).

Measured per training step (forward + backward):

* saved bytes: distinct storages autograd keeps (``saved_tensors_hooks``), total and without parameters;
* peak RSS increase of one step, each variant in a fresh subprocess (``resource.ru_maxrss``, default
  glibc malloc settings so that freed memory is returned and the peak is the peak);
  on CUDA ``torch.cuda.max_memory_allocated`` instead;
* step time: median over ``--repeats`` interleaved rounds; ratios to exact from the same round.

``--compile`` also checks what a ``torch.compile``-d model keeps (the partitioner may recompute
from the input rather than keep the packed codes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nonlin.bench.perf import compare  # noqa: E402
from nonlin.memory import fewbit  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
VOCAB = 512
RSS_VARIANTS = ("exact", "fewbit-2", "checkpoint")  # one subprocess each


# ---------------------------------------------------------------- models
def build(name: str, quick: bool = False):
    """(model, inputs, loss_fn, mlp_blocks) for a model name; deterministic."""
    torch.manual_seed(0)
    seq = 128 if quick else 256
    if name == "gpt2":
        from transformers import GPT2Config, GPT2LMHeadModel
        cfg = GPT2Config(n_layer=4, n_embd=256, n_head=4, n_positions=seq, vocab_size=VOCAB,
                         bos_token_id=0, eos_token_id=0)
        m = GPT2LMHeadModel(cfg)
        x = torch.randint(0, VOCAB, (4, seq))
        return m, x, lambda m, x: m(x, labels=x).loss, [b.mlp for b in m.transformer.h]
    if name == "llama":
        from transformers import LlamaConfig, LlamaForCausalLM
        cfg = LlamaConfig(num_hidden_layers=4, hidden_size=256, intermediate_size=688, num_attention_heads=4,
                          num_key_value_heads=4, vocab_size=VOCAB, max_position_embeddings=seq,
                          bos_token_id=0, eos_token_id=0, pad_token_id=0)
        m = LlamaForCausalLM(cfg)
        x = torch.randint(0, VOCAB, (4, seq))
        return m, x, lambda m, x: m(x, labels=x).loss, [b.mlp for b in m.model.layers]
    if name == "mlp":
        layers = [nn.Linear(784, 1024)]
        for _ in range(3):
            layers += [nn.GELU(), nn.Linear(1024, 1024)]
        layers += [nn.GELU(), nn.Linear(1024, 10)]
        m = nn.Sequential(*layers)
        x = torch.randn(256, 784)
        y = torch.randint(0, 10, (256,))
        blocks = [m[i] for i in range(1, len(m) - 1, 2)]  # GELU + next Linear pairs are checkpointed below
        return m, (x, y), lambda m, b: nn.functional.cross_entropy(m(b[0]), b[1]), blocks
    if name == "cnn":
        chans = [3, 32, 64, 64]
        layers: list[nn.Module] = []
        for i, o in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.GELU()]
        m = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
        x = torch.randn(32, 3, 32, 32)
        y = torch.randint(0, 10, (32,))
        return m, (x, y), lambda m, b: nn.functional.cross_entropy(m(b[0]), b[1]), []
    raise ValueError(f"unknown model {name!r}; models: gpt2, llama, mlp, cnn")


def _checkpointed(module: nn.Module) -> None:
    """Run ``module``'s forward under torch.utils.checkpoint (non-reentrant)."""
    from torch.utils.checkpoint import checkpoint
    fwd = module.forward

    def forward(*args, **kw):
        return checkpoint(fwd, *args, use_reentrant=False, **kw)

    module.forward = forward


def variants(name: str) -> list[str]:
    out = ["exact"] + [f"fewbit-{b}" for b in (1, 2, 3, 4)]
    if name == "llama":
        out += [f"act-only-{b}" for b in (1, 2)] + ["gated-exact"]
    if name != "cnn":
        out.append("checkpoint")
    return out


def prepare(name: str, variant: str, quick: bool):
    m, x, loss_fn, blocks = build(name, quick)
    m.to(DEVICE).train()
    x = tuple(t.to(DEVICE) for t in x) if isinstance(x, tuple) else x.to(DEVICE)
    report = None
    if variant.startswith("fewbit-"):
        report = fewbit(m, bits=int(variant[-1]))
    elif variant.startswith("act-only-"):
        report = fewbit(m, bits=int(variant[-1]), gated=None)
    elif variant == "gated-exact":
        report = fewbit(m, bits=2, gated="exact")
    elif variant == "checkpoint":
        if name == "mlp":  # checkpoint each [act, linear] pair
            seq = m
            for i in range(1, len(seq) - 1, 2):
                pair = nn.Sequential(seq[i], seq[i + 1])
                _checkpointed(pair)
                seq[i], seq[i + 1] = pair, nn.Identity()
        else:
            for b in blocks:
                _checkpointed(b)
    return m, x, loss_fn, report


# ---------------------------------------------------------------- measures
def saved_bytes(m, x, loss_fn) -> dict:
    params = {p.untyped_storage().data_ptr() for p in m.parameters()}
    storages: dict[int, tuple[int, bool, torch.dtype]] = {}

    def pack(t):
        if isinstance(t, torch.Tensor):
            s = t.untyped_storage()
            storages[s.data_ptr()] = (s.nbytes(), s.data_ptr() in params, t.dtype)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = loss_fn(m, x)
    loss.backward()
    m.zero_grad(set_to_none=True)
    total = sum(n for n, _, _ in storages.values())
    acts = sum(n for n, p, _ in storages.values() if not p)
    u8 = sum(n for n, p, d in storages.values() if d == torch.uint8)
    return {"saved_MB": total / 2**20, "saved_act_MB": acts / 2**20, "saved_uint8_MB": u8 / 2**20}


def step(m, x, loss_fn) -> None:
    loss = loss_fn(m, x)
    loss.backward()
    m.zero_grad(set_to_none=True)


def rss_now_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def peak_one(name: str, variant: str, quick: bool) -> float:
    """Peak memory increase of one training step (MB), measured in this process."""
    m, x, loss_fn, _ = prepare(name, variant, quick)
    if DEVICE == "cuda":
        step(m, x, loss_fn)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        step(m, x, loss_fn)
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    base = rss_now_kb()
    step(m, x, loss_fn)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024


def peak_subprocess(name: str, variant: str, quick: bool) -> float | None:
    cmd = [sys.executable, __file__, "--_peak", name, variant] + (["--quick"] if quick else [])
    try:
        # default glibc malloc here: with MALLOC_MMAP_MAX_=0 freed blocks stay in the heap and ru_maxrss
        # stops telling variants apart (measured: 374 vs 369 MB, against 265 vs 190 MB with defaults)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True, env=env).stdout
        return float(out.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None


def run_model(name: str, repeats: int, quick: bool, rss: bool) -> list[dict]:
    vs = variants(name)
    prepared = {v: prepare(name, v, quick) for v in vs}
    rows = {v: {"model": name, "variant": v} for v in vs}
    for v, (m, x, loss_fn, report) in prepared.items():
        rows[v].update(saved_bytes(m, x, loss_fn))
        if report is not None:
            rows[v]["converted"] = len(report.converted)
        step(m, x, loss_fn)  # warm-up
    def timed(m, x, loss_fn):
        def f():
            step(m, x, loss_fn)
            if DEVICE == "cuda":  # the step's kernels finish inside its own time
                torch.cuda.synchronize()
        return f

    # interleaved rounds through the one timing core: every variant sees the same machine load
    res = compare({v: timed(m, x, loss_fn) for v, (m, x, loss_fn, _) in prepared.items()}, baseline="exact",
                  repeats=repeats, warmup=0)
    exact_saved = rows["exact"]["saved_MB"]
    for v in vs:
        r = rows[v]
        r["step_ms"] = res["ms"][v]
        r["time_ratio"] = res["ratio"][v]["median"]
        r["time_ratio_min"], r["time_ratio_max"] = res["ratio"][v]["min"], res["ratio"][v]["max"]
        r["load"], r["cpu_share"] = res["load"], res["cpu_share"]
        r["saved_reduction"] = 1 - r["saved_MB"] / exact_saved
        if rss and v in RSS_VARIANTS:
            r["peak_MB"] = peak_subprocess(name, v, quick)
    return list(rows.values())


def mlp_block_bytes(name: str, quick: bool) -> dict:
    """Saved MB inside the MLP blocks only (the blocks' forwards under the hooks), exact vs fewbit-2."""
    out = {}
    for v in ("exact", "fewbit-2", "act-only-2") if name == "llama" else ("exact", "fewbit-2"):
        m, x, loss_fn, _ = prepare(name, v, quick)
        blocks = [b.mlp for b in (m.model.layers if name == "llama" else m.transformer.h)]
        storages: dict[int, int] = {}
        active = [False]

        def pack(t):
            if active[0] and isinstance(t, torch.Tensor):
                s = t.untyped_storage()
                storages[s.data_ptr()] = s.nbytes()
            return t

        def pre(mod, args):
            active[0] = True

        def post(mod, args, out):
            active[0] = False

        hs = [h for b in blocks for h in (b.register_forward_pre_hook(pre), b.register_forward_hook(post))]
        params = {p.untyped_storage().data_ptr() for p in m.parameters()}
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            loss = loss_fn(m, x)
        loss.backward()
        for h in hs:
            h.remove()
        out[v] = sum(n for p, n in storages.items() if p not in params) / 2**20
    return out


def per_element() -> dict:
    """Saved bytes per element of one GELU call on 2^20 elements."""
    from nonlin.memory import Codebook, fewbit_apply, table
    x = torch.randn(1 << 20, requires_grad=True)
    out = {}

    def count(fn):
        st = {}

        def pack(t):
            s = t.untyped_storage()
            st[s.data_ptr()] = s.nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            fn(x)
        return sum(st.values()) / x.numel()

    out["exact"] = count(nn.functional.gelu)
    for b in (1, 2, 3, 4):
        cb = Codebook(table("gelu", b))
        out[f"{b}-bit"] = count(lambda z: fewbit_apply(z, nn.functional.gelu, cb))
    return out


def compile_check(quick: bool) -> list[dict]:
    """What a torch.compile-d model keeps: exact vs fewbit-2 (hooks see the compiled graph's saves)."""
    rows = []
    for name in ("mlp", "gpt2"):
        for v in ("exact", "fewbit-2"):
            m, x, loss_fn, _ = prepare(name, v, True)
            cm = torch.compile(m)
            r = saved_bytes(cm, x, loss_fn)
            r = saved_bytes(cm, x, loss_fn)  # second call: compiled already
            rows.append({"model": name, "variant": v, "compiled": True, **r})
    return rows


def table_md(rows: list[dict]) -> str:
    head = ("| model | variant | saved MB (acts) | vs exact | peak MB | step ms | time ratio (min-max) |\n"
            "|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        peak = "" if r.get("peak_MB") is None else f"{r['peak_MB']:.0f}"
        lines.append(f"| {r['model']} | {r['variant']} | {r['saved_MB']:.1f} ({r['saved_act_MB']:.1f}) | "
                     f"{-100 * r['saved_reduction']:+.1f} % | {peak} | {r['step_ms']:.0f} | "
                     f"{r['time_ratio']:.2f} ({r['time_ratio_min']:.2f}-{r['time_ratio_max']:.2f}) |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="gpt2,llama,mlp,cnn")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="sequence 128, fewer repeats (smoke runs)")
    ap.add_argument("--rss", action="store_true",
                    help="peak memory of one step for " + ", ".join(RSS_VARIANTS) + " (a subprocess each)")
    ap.add_argument("--compile", action="store_true", help="also check what torch.compile keeps")
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--_peak", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    if a._peak:
        print(peak_one(a._peak[0], a._peak[1], a.quick))
        return {}
    result = {"device": DEVICE, "torch": torch.__version__, "threads": torch.get_num_threads(),
              "malloc_mmap_disabled": os.environ.get("MALLOC_MMAP_MAX_") == "0",
              "per_element_bytes": per_element(), "rows": [], "mlp_blocks_MB": {}}
    print("saved bytes per element (GELU, 2^20 elements):",
          ", ".join(f"{k} {v:.3f}" for k, v in result["per_element_bytes"].items()))
    for name in [m for m in a.models.split(",") if m]:  # --models "" with --compile: only the compile check
        rows = run_model(name, 2 if a.quick else a.repeats, a.quick, a.rss)
        result["rows"] += rows
        if name in ("gpt2", "llama"):
            result["mlp_blocks_MB"][name] = mlp_block_bytes(name, a.quick)
        print(table_md(rows), flush=True)
    for name, d in result["mlp_blocks_MB"].items():
        print(f"{name} MLP blocks, saved MB: " + ", ".join(f"{k} {v:.1f}" for k, v in d.items())
              + f" (fewbit-2: {100 * (1 - d['fewbit-2'] / d['exact']):.1f} % less)")
    if a.compile:
        result["compiled"] = compile_check(a.quick)
        for r in result["compiled"]:
            print(f"compiled {r['model']} {r['variant']}: saved {r['saved_MB']:.2f} MB, "
                  f"activations {r['saved_act_MB']:.2f} MB, uint8 codes {r['saved_uint8_MB']:.2f} MB")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1, default=str))
    return result


if __name__ == "__main__":
    main()
