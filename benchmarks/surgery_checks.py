"""Swapped real models: the model x check table, and time / memory overhead against the originals.

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 python benchmarks/surgery_checks.py [--quick]

Models are HuggingFace transformers GPT-2, BERT and LLaMA built from small configs
(random weights, nothing downloaded).  Two swapped versions of each:

* ``act``: every activation replaced by a learnable unit (``nonlin.swap(model, None, "pau")``,
  a Padé unit initialised as the function it replaces);
* ``block``: every MLP block replaced at equal parameter count
  (``swap_blocks(model, "swiglu", match_params=True)``; for LLaMA this is its own SwiGLU, weights copied).

Checks (each on both versions): forward/backward, ``torch.compile`` (Inductor; output equals eager),
``torch.export`` (output equals eager), ONNX through ``nonlin.export.to_onnx`` run in onnxruntime,
``state_dict`` into a freshly swapped model, ``deepcopy``, and bfloat16 (swap a model already in
bfloat16: the new units are bfloat16 and the outputs finite).

Overhead: forward and forward+backward time and the bytes saved for backward of each swapped model
against the original, timed back to back in rounds (medians and spread of the per-round ratios).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import sys
import time
import traceback
import warnings

import torch

import nonlin
from nonlin.bench.perf import compare, environment, ratio_stats, saved_bytes
from nonlin.export import to_onnx
from nonlin.surgery import swap
from nonlin.surgery.blocks import swap_blocks

warnings.filterwarnings("ignore")
import logging  # noqa: E402

logging.disable(logging.WARNING)
import transformers  # noqa: E402

transformers.logging.set_verbosity_error()

V = 97


def make(name: str, width: int, layers: int, ctx: int):
    if name == "gpt2":
        return transformers.GPT2LMHeadModel(transformers.GPT2Config(
            n_layer=layers, n_embd=width, n_head=4, vocab_size=V, n_positions=ctx, bos_token_id=0, eos_token_id=0,
            resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, use_cache=False))
    if name == "bert":
        return transformers.BertModel(transformers.BertConfig(
            hidden_size=width, num_hidden_layers=layers, num_attention_heads=4, intermediate_size=4 * width,
            vocab_size=V, max_position_embeddings=ctx, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0), add_pooling_layer=False)
    return transformers.LlamaForCausalLM(transformers.LlamaConfig(
        hidden_size=width, intermediate_size=round(8 * width / 3), num_hidden_layers=layers, num_attention_heads=4,
        num_key_value_heads=4, vocab_size=V, max_position_embeddings=ctx, use_cache=False))


def variant(model, which: str):
    if which == "act":
        return swap(model, None, "pau", report=True)
    if which == "block":
        return swap_blocks(model, "swiglu", match_params=True, report=True)
    return None


def out(model, x):
    o = model(input_ids=x)
    return o.logits if getattr(o, "logits", None) is not None else o.last_hidden_state


class Plain(torch.nn.Module):
    """ids -> tensor, for exporters that want a tensor output."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return out(self.m, x)


def built(name, which, dtype=torch.float32, width=64, layers=2, ctx=16):
    torch.manual_seed(0)
    m = make(name, width, layers, ctx).eval().to(dtype)
    rep = variant(m, which)
    return m, rep


# ------------------------------------------------------------------ checks
def check(fn):
    t = time.perf_counter()
    try:
        note = fn()
        return {"ok": True, "seconds": round(time.perf_counter() - t, 2), "note": note or ""}
    except Exception as err:  # the table reports the reason
        return {"ok": False, "seconds": round(time.perf_counter() - t, 2),
                "note": f"{type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else ''}",
                "trace": traceback.format_exc(limit=3)}


def close(a, b, tol=1e-4):
    err = float((a.float() - b.float()).abs().max() / b.float().abs().max().clamp_min(1e-12))
    if not err <= tol:
        raise AssertionError(f"relative error {err:.2g} > {tol}")
    return f"rel err {err:.1e}"


def model_checks(name: str, which: str, x: torch.Tensor, onnx: bool) -> dict:
    res = {}
    m, rep = built(name, which)
    res["swap"] = {"ok": True, "seconds": 0.0, "note": f"{len(rep)} sites: {', '.join(rep.paths)}"}

    def fwd_bwd():
        m.train()
        y = out(m, x)
        y.square().mean().backward()
        m.eval()
        bad = [n for n, p in m.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
        if bad:
            raise AssertionError(f"no/non-finite grad: {bad[:3]}")
        return f"{sum(p.numel() for p in m.parameters())} params"
    res["fwd/bwd"] = check(fwd_bwd)
    with torch.no_grad():
        want = out(m, x)

    def compiled():
        torch._dynamo.reset()
        with torch.no_grad():
            return close(out(torch.compile(m), x), want)
    res["compile"] = check(compiled)

    def exported():
        ep = torch.export.export(Plain(m), (x,))
        with torch.no_grad():
            return close(ep.module()(x), want)
    res["export"] = check(exported)

    def onnx_run():
        import onnxruntime as ort
        prog = to_onnx(Plain(m), (x,), verbose=False)
        sess = ort.InferenceSession(prog.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
        got = torch.from_numpy(sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0])
        return close(got, want)
    res["onnx"] = check(onnx_run) if onnx else {"ok": None, "seconds": 0, "note": "skipped"}

    def state_dict():
        fresh, _ = built(name, which)
        torch.manual_seed(9)
        fresh.load_state_dict(m.state_dict())
        with torch.no_grad():
            return close(out(fresh, x), want, 1e-6)
    res["state_dict"] = check(state_dict)

    def deep_copy():
        c = copy.deepcopy(m)
        buf = io.BytesIO()
        torch.save(c, buf)
        buf.seek(0)
        loaded = torch.load(buf, weights_only=False)
        with torch.no_grad():
            return close(out(loaded, x), want, 1e-6)
    res["deepcopy"] = check(deep_copy)

    def bf16():
        mb, _ = built(name, which, torch.bfloat16)
        dtypes = {p.dtype for p in mb.parameters()}
        if dtypes != {torch.bfloat16}:
            raise AssertionError(f"parameter dtypes {dtypes}")
        with torch.no_grad():
            y = out(mb, x)
        if not torch.isfinite(y).all():
            raise AssertionError("non-finite output")
        return close(y, want, 0.1)
    res["bf16"] = check(bf16)
    return res


# ------------------------------------------------------------------ overhead
def overhead(name: str, rounds: int, width: int, layers: int, ctx: int, batch: int) -> dict:
    x = torch.randint(0, V, (batch, ctx), generator=torch.Generator().manual_seed(0))
    models = {}
    for which in ("original", "act", "block"):
        torch.manual_seed(0)
        m = make(name, width, layers, ctx).train()
        variant(m, which)
        models[which] = m

    def fwd(m):
        with torch.no_grad():
            out(m, x)

    def fwd_bwd(m):
        out(m, x).square().mean().backward()
        m.zero_grad(set_to_none=True)

    # every variant and phase interleaved in each round (the one timing core); compare warms up
    cases = {f"{w}:{kind}": (lambda f=f, m=m: f(m)) for w, m in models.items()
             for kind, f in (("fwd", fwd), ("fwd_bwd", fwd_bwd))}
    timing = compare(cases, baseline="original:fwd", repeats=rounds, warmup=1)
    res = {}
    for w, m in models.items():
        saved = saved_bytes(lambda ids: out(m, ids), x)
        r = {"params": sum(p.numel() for p in m.parameters()), "saved_MiB": round(saved / 2**20, 2)}
        for kind in ("fwd", "fwd_bwd"):
            r[f"{kind}_ms"] = round(timing["ms"][f"{w}:{kind}"], 2)
            if w != "original":
                q = ratio_stats(timing["rounds"][f"{w}:{kind}"], timing["rounds"][f"original:{kind}"])
                r[f"{kind}_ratio"] = round(q["median"], 3)
                r[f"{kind}_ratio_iqr"] = [round(q["q1"], 3), round(q["q3"], 3)]
                r[f"{kind}_ratio_range"] = [round(q["min"], 3), round(q["max"], 3)]
        res[w] = r
    res["original"]["load"], res["original"]["cpu_share"] = timing["load"], round(timing["cpu_share"], 2)
    orig = res["original"]["saved_MiB"]
    for w in ("act", "block"):
        res[w]["saved_ratio"] = round(res[w]["saved_MiB"] / orig, 3) if orig else None
    return res


def table(checks: dict) -> str:
    cols = ["swap", "fwd/bwd", "compile", "export", "onnx", "state_dict", "deepcopy", "bf16"]
    lines = ["| model | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, per in checks.items():
        cells = []
        for c in cols:
            marks = []
            for which in ("act", "block"):
                r = per[which][c]
                marks.append("–" if r["ok"] is None else ("✓" if r["ok"] else "✗"))
            cells.append(" / ".join(marks))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer timing rounds")
    ap.add_argument("--no-onnx", action="store_true")
    ap.add_argument("--models", nargs="+", default=["gpt2", "bert", "llama"])
    ap.add_argument("--json", default=None, help="write all results here")
    args = ap.parse_args()
    env = environment()
    print(json.dumps(env))
    if not env["malloc_mmap_disabled"]:
        print("NOTE: MALLOC_MMAP_MAX_ is not 0: large allocations page-fault (see docs/perf.md)")
    x = torch.randint(0, V, (2, 16), generator=torch.Generator().manual_seed(1))
    onnx = not args.no_onnx
    try:
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError:
        onnx = False
    checks, over = {}, {}
    for name in args.models:
        checks[name] = {w: model_checks(name, w, x, onnx) for w in ("act", "block")}
        for w in ("act", "block"):
            for c, r in checks[name][w].items():
                print(f"{name:6s} {w:6s} {c:10s} {'ok ' if r['ok'] else ('-- ' if r['ok'] is None else 'FAIL')} "
                      f"{r['seconds']:6.1f}s  {r['note']}", flush=True)
    print()
    print(table(checks))
    print()
    for name in args.models:
        over[name] = overhead(name, 5 if args.quick else 15, width=256, layers=4, ctx=128, batch=8)
        print(name, json.dumps(over[name]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"env": env, "checks": checks, "overhead": over}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
