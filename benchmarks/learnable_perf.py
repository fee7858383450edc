"""Speed and memory of nonlin's learnable and gated units, measured side by side in one run.

Usage (the allocator settings matter, see docs/DESIGN "Measuring speed"):

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 \\
        python benchmarks/learnable_perf.py [--log2-size 22] [--repeats 5] [--quick]

Without those variables the script re-executes itself with them set (say
``--no-reexec`` to measure the default allocator on purpose).

What it prints (every ratio is measured in the same process, each case timed
next to its baseline, medians over ``--repeats`` rounds):

* PAU (5, 4) forward+backward (input and coefficient gradients) on 2^N
  float32 elements: nonlin vs the naive eager formula, vs ``torch.compile`` of
  the naive formula, vs the ``rational-activations`` package when importable
  (it pins torch 1.7.1; ``pip install --no-deps rational-activations`` or put
  it on PYTHONPATH), and saved-for-backward bytes / input bytes;
* PAU with one coefficient set per layer vs per channel (the coefficient
  gradient reductions);
* PolyReLU / PolyNorm: nonlin's closed-form backward vs the reference code's
  recompute-by-checkpoint;
* SwiGLU / GEGLU blocks: peak memory of forward+backward (fresh subprocess,
  VmHWM) and time, fused vs the plain eager block.

Every time comes from ``nonlin.bench.perf.compare`` (the one timing core: a
``torch.utils.benchmark`` blocked_autorange per case per round, all threads), and
saved bytes from ``nonlin.bench.perf.saved_bytes``.  ``nonlin perf pau polyrelu
swiglu ...`` gives the per-unit rows (naive baselines, forward and fwd+bwd).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

MALLOC_ENV = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "100000000000"}


def _reexec_if_needed(argv: list[str]) -> None:
    if "--no-reexec" in argv or all(os.environ.get(k) == v for k, v in MALLOC_ENV.items()):
        return
    env = dict(os.environ, **MALLOC_ENV)
    print("note: re-executing with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000", flush=True)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


# ----------------------------------------------------------------------------- timing
def side_by_side(cases: dict, baseline: str, repeats: int, min_run_time: float) -> dict:
    """Median time of each case and the median, min and max of per-round ratios to ``baseline``
    (interleaved rounds, through nonlin.bench.perf.compare)."""
    from nonlin.bench.perf import compare

    res = compare(cases, baseline, repeats=repeats, warmup=2, min_run_time=min_run_time)
    return {k: dict(ms=res["ms"][k], ratio=res["ratio"][k]["median"],
                    ratio_range=(res["ratio"][k]["min"], res["ratio"][k]["max"])) for k in cases}


def _ratio(v: dict) -> str:
    lo, hi = v["ratio_range"]
    return f"{v['ratio']:.2f} ({lo:.2f}–{hi:.2f})"


def saved_bytes(fn) -> int:
    """Bytes saved for backward by ``fn()`` (nonlin.bench.perf.saved_bytes)."""
    from nonlin.bench.perf import saved_bytes as saved

    return saved(lambda _x: fn(), None)


# ------------------------------------------------------------------------------ PAU
def bench_pau(n: int, repeats: int, mrt: float) -> list[tuple]:
    import importlib

    import torch

    import nonlin

    rat = importlib.import_module("nonlin.learnable.rational")
    torch.manual_seed(0)
    m = nonlin.create("pau", init="leaky_relu")
    x = torch.randn(n, requires_grad=True)
    g = torch.randn(n)
    a0 = m.numerator.detach()[0].reshape(6, 1).clone().requires_grad_(True)
    b0 = m.denominator.detach()[0].reshape(4, 1).clone().requires_grad_(True)
    naive_c = torch.compile(lambda x, a, b: rat.rational_naive(x, a, b, "A"))

    def run(f):
        def step():
            y = f()
            y.backward(g)
            x.grad = None
            a0.grad = b0.grad = None
            m.zero_grad(set_to_none=True)
        return step

    cases = {
        "clone (reference op)": lambda: x.detach().clone(),
        "nonlin pau": run(lambda: m(x)),
        "naive eager formula": run(lambda: rat.rational_naive(x, a0, b0, "A")),
        "torch.compile(naive formula)": run(lambda: naive_c(x, a0, b0)),
    }
    peer = None
    try:
        from rational.torch import Rational  # noqa: PLC0415

        peer = Rational(approx_func="leaky_relu", degrees=(5, 4), cuda=False, version="A")
        cases["rational-activations (CPU)"] = run(lambda: peer(x))
    except Exception as err:  # not installed, or broken against this torch
        peer_msg = f"rational-activations not measured: {type(err).__name__}: {err}".splitlines()[0]
    else:
        import rational

        peer_msg = f"rational-activations {getattr(rational, '__version__', '?')} measured (CPU path)"
    res = side_by_side(cases, "nonlin pau", repeats, mrt)
    nbytes = x.numel() * x.element_size()
    mem = {
        "nonlin pau": saved_bytes(lambda: m(x)),
        "naive eager formula": saved_bytes(lambda: rat.rational_naive(x, a0, b0, "A")),
        "torch.compile(naive formula)": saved_bytes(lambda: naive_c(x, a0, b0)),
    }
    if peer is not None:
        mem["rational-activations (CPU)"] = saved_bytes(lambda: peer(x))
    rows = []
    for k, v in res.items():
        if k == "nonlin pau":
            continue
        saved = f"{mem[k] / nbytes:.2f}" if k in mem else "-"
        rows.append((f"PAU (5,4) fwd+bwd 2^{n.bit_length() - 1}", k, f"{v['ms']:.2f}", _ratio(v), saved))
    rows.insert(0, (f"PAU (5,4) fwd+bwd 2^{n.bit_length() - 1}", "nonlin pau", f"{res['nonlin pau']['ms']:.2f}",
                    "1.00", f"{mem['nonlin pau'] / nbytes:.2f}"))
    rows.append(("", peer_msg, "", "", ""))
    return rows


def bench_pau_sharing(n: int, repeats: int, mrt: float) -> list[tuple]:
    import torch

    import nonlin

    torch.manual_seed(0)
    c = 64
    x = torch.randn(n // (c * 64), c, 64, requires_grad=True)
    g = torch.randn_like(x)
    layer = nonlin.create("pau")
    chan = nonlin.create("pau", num_parameters=c)
    grp = nonlin.create("pau", num_parameters=8)

    def run(m):
        def step():
            m(x).backward(g)
            x.grad = None
            m.zero_grad(set_to_none=True)
        return step

    res = side_by_side({"per layer (1 set)": run(layer), "8 groups": run(grp), "per channel (64 sets)": run(chan),
                        "clone (reference op)": lambda: x.detach().clone()}, "per layer (1 set)", repeats, mrt)
    return [(f"PAU sharing fwd+bwd 2^{n.bit_length() - 1}", k, f"{v['ms']:.2f}", _ratio(v), "-")
            for k, v in res.items()]


# ----------------------------------------------------------------------------- PolyCom
def bench_polycom(n: int, repeats: int, mrt: float) -> list[tuple]:
    import importlib

    import torch
    from torch.utils.checkpoint import checkpoint

    import nonlin

    pc = importlib.import_module("nonlin.learnable.polycom")
    torch.manual_seed(0)
    x = torch.randn(n // 1024, 1024, requires_grad=True)
    g = torch.randn_like(x)
    rows = []
    for name, ref in (("polyrelu", pc.polyrelu_reference), ("polynorm", pc.polynorm_reference)):
        m = nonlin.create(name)

        def ours(m=m):
            m(x).backward(g)
            x.grad = None

        def ckpt(m=m, ref=ref):
            checkpoint(ref, x, m.weight, m.bias, use_reentrant=False).backward(g)
            x.grad = None

        res = side_by_side({"nonlin": ours, "checkpoint(reference formula)": ckpt}, "nonlin", repeats, mrt)
        nbytes = x.numel() * 4
        mem = {"nonlin": saved_bytes(lambda: m(x)),
               "checkpoint(reference formula)": saved_bytes(
                   lambda: checkpoint(ref, x, m.weight, m.bias, use_reentrant=False))}
        for k, v in res.items():
            rows.append((f"{name} fwd+bwd 2^{n.bit_length() - 1}", k, f"{v['ms']:.2f}", _ratio(v),
                         f"{mem[k] / nbytes:.2f}"))
    return rows


# ------------------------------------------------------------------------- fused GLU
_PEAK_CHILD = textwrap.dedent("""
    import ctypes, gc, json, sys, torch, nonlin
    name, fused, n, d, h = sys.argv[1], sys.argv[2] == "1", *map(int, sys.argv[3:6])
    def status():
        out = {}
        for line in open("/proc/self/status"):
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0]) * 1024 if v.strip().endswith("kB") else v
        return out
    torch.manual_seed(0)
    m = nonlin.create(name, d, h, fused=fused)
    x = torch.randn(n, d, requires_grad=True)
    m(x[: max(1, n // 4)]).sum().backward()  # load code paths and compile kernels on a smaller batch
    for p in list(m.parameters()) + [x]:
        p.grad = torch.zeros_like(p)
    gc.collect()
    # MALLOC_TRIM_THRESHOLD_ keeps freed memory resident; hand the warm-up's back to the OS
    # so the measured run's allocations show up in RSS again
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    open("/proc/self/clear_refs", "w").write("5")  # reset the RSS high-water mark
    base = status()["VmRSS"]
    m(x).sum().backward()
    print(json.dumps({"peak": status()["VmHWM"] - base}))
""")


def glu_peak(name: str, fused: bool, n: int, d: int, h: int) -> int | None:
    try:
        out = subprocess.run([sys.executable, "-c", _PEAK_CHILD, name, "1" if fused else "0", str(n), str(d), str(h)],
                             capture_output=True, text=True, timeout=900, env=dict(os.environ, **MALLOC_ENV))
        return json.loads(out.stdout.strip().splitlines()[-1])["peak"]
    except Exception:
        return None


def bench_glu(n: int, d: int, h: int, repeats: int, mrt: float) -> list[tuple]:
    import torch

    import nonlin

    rows = []
    for name in ("swiglu", "geglu"):
        torch.manual_seed(0)
        m = nonlin.create(name, d, h)
        x = torch.randn(n, d, requires_grad=True)

        def run(fused, m=m, x=x):
            def step():
                m.fused = fused
                m(x).sum().backward()
                x.grad = None
                m.zero_grad(set_to_none=True)
            return step

        res = side_by_side({"eager block": run(False), "fused block": run(True)}, "eager block", repeats, mrt)
        pe, pf = glu_peak(name, False, n, d, h), glu_peak(name, True, n, d, h)
        label = f"{name} {n}x{d}->{h}->{d} fwd+bwd"
        rows.append((label, "eager block", f"{res['eager block']['ms']:.1f}", "1.00",
                     f"peak {pe / 2**20:.0f} MiB" if pe else "peak n/a"))
        mem = f"peak {pf / 2**20:.0f} MiB = {pf / pe:.2f}x eager" if (pe and pf) else "peak n/a"
        rows.append((label, "fused block", f"{res['fused block']['ms']:.1f}",
                     _ratio(res['fused block']), mem))
    return rows


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    _reexec_if_needed(argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log2-size", type=int, default=22, help="elementwise benchmarks use 2^N float32 elements")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved rounds; medians are reported")
    ap.add_argument("--min-run-time", type=float, default=0.5, help="seconds per Timer measurement")
    ap.add_argument("--glu", default="4096,1024,2752", help="rows,model_dim,hidden of the GLU blocks")
    ap.add_argument("--quick", action="store_true", help="2^20 elements, 2 rounds, small GLU (smoke run)")
    ap.add_argument("--only", default="pau,sharing,polycom,glu", help="comma list of sections")
    ap.add_argument("--no-reexec", action="store_true", help="do not set the malloc variables")
    args = ap.parse_args(argv)
    if args.quick:
        args.log2_size, args.repeats, args.min_run_time, args.glu = 20, 2, 0.2, "1024,256,688"
    import torch

    n = 1 << args.log2_size
    rows_n, d, h = map(int, args.glu.split(","))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"MALLOC_MMAP_MAX_={os.environ.get('MALLOC_MMAP_MAX_', 'unset')}; "
          f"repeats {args.repeats}, min_run_time {args.min_run_time}s")
    sections = set(args.only.split(","))
    rows: list[tuple] = []
    if "pau" in sections:
        rows += bench_pau(n, args.repeats, args.min_run_time)
    if "sharing" in sections:
        rows += bench_pau_sharing(n, args.repeats, args.min_run_time)
    if "polycom" in sections:
        rows += bench_polycom(n, args.repeats, args.min_run_time)
    if "glu" in sections:
        rows += bench_glu(rows_n, d, h, args.repeats, args.min_run_time)
    head = ("benchmark", "case", "median ms", "time / baseline", "saved bytes / input, or peak")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    print("\n'time / baseline' is the median over rounds of time(case) / time(baseline), the baseline being the "
          "row marked 1.00 in each section (nonlin pau; per layer; nonlin; eager block).")


if __name__ == "__main__":
    main()
