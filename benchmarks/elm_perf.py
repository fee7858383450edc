"""ELM speed: parallel-in-time (quasi-DEER) and fused vs a straightforward sequential loop.

Forward + backward of ELM v2 (``elm_v2``; the paper's Branch-ELM ``branch_elm`` too with --v1)
at T = 1000 and 4000, batch 16, d_m = 20 and 100, all modes timed in the same process, interleaved
(baseline next to each case), median of --repeats runs.  Also the max output
and gradient deviation of each mode from the sequential loop, and the solver's
iteration counts.  Optional comparisons with snnTorch Leaky and ncps CfC when
they are installed.

Run:  MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 \\
      .venv/bin/python benchmarks/elm_perf.py [--quick] [--json out.json]
(the script re-executes itself with these allocator settings if they are unset).

Input: 128 Poisson-like binary inputs (first half "excitatory", second half
"inhibitory") at rate 0.02, NeuronIO-style routing into 16 branches x 16
synapses, 2 outputs, τ_m in [1, 1000].  float32, torch threads = 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

ENV = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "100000000000"}
if any(os.environ.get(k) != v for k, v in ENV.items()) and "--no-reexec" not in sys.argv:
    os.environ.update(ENV)
    os.execv(sys.executable, [sys.executable, *sys.argv, "--no-reexec"])

import torch  # noqa: E402

import nonlin  # noqa: E402
from nonlin.bench.perf import compare  # noqa: E402


def make(name, d_m, mode, seed=0):
    torch.manual_seed(seed)
    return nonlin.create(name, 128, 2, num_memory=d_m, num_branch=16, num_synapse_per_branch=16,
                         input_to_synapse_routing="neuronio_routing", memory_tau_max=1000.0, mode=mode)


def run(model, x):
    model.zero_grad(set_to_none=True)
    y, (tr, m) = model(x)
    loss = y.square().mean() + m.square().mean()
    loss.backward()
    grads = [p.grad.detach().clone() if p.grad is not None else None for p in model.parameters()]
    return y.detach(), grads


def max_dev(a, b):
    return float((a - b).abs().max())


def grad_dev(ga, gb):
    out = 0.0
    for a, b in zip(ga, gb):
        if a is None or b is None:
            continue
        out = max(out, float((a - b).abs().max() / a.abs().max().clamp_min(1e-30)))
    return out


def bench_elm(name, d_m, T, modes, repeats, batch=16):
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(batch, T, 128, generator=g) < 0.02).float()
    models = {mode: make(name, d_m, mode) for mode in modes}
    ref_y, ref_g = run(models["sequential"], x)
    devs, stats = {}, {}
    for mode in modes:  # warm-up + deviations
        y, gr = run(models[mode], x)
        devs[mode] = {"output": max_dev(ref_y, y), "grad_rel": grad_dev(ref_g, gr)}
        stats[mode] = dict(getattr(models[mode], "last_solver_stats", {}))
    # interleaved so load changes hit all modes alike (nonlin.bench.perf.compare)
    res = compare({mode: (lambda m=models[mode]: run(m, x)) for mode in modes}, baseline="sequential",
                  repeats=repeats, warmup=0)
    med = {mode: ms / 1e3 for mode, ms in res["ms"].items()}
    return {"unit": name, "d_m": d_m, "T": T, "batch": batch,
            "median_s": med, "speedup_vs_sequential": {m: 1.0 / res["ratio"][m]["median"] for m in modes},
            "time_ratio_vs_sequential": res["ratio"], "load": res["load"], "cpu_share": res["cpu_share"],
            "deviation_vs_sequential": devs, "solver_stats": stats}


def bench_snntorch(repeats):
    try:
        import snntorch as snn
    except ImportError:
        return {"skipped": "snntorch not installed"}
    B, T, C = 32, 256, 64
    torch.manual_seed(0)
    cur = torch.randn(B, T, C) * 0.6
    ours = nonlin.create("lif", C, C, beta=0.9, threshold=1.0, reset="subtract", surrogate="atan", bias=False)
    with torch.no_grad():
        ours.fc.weight.copy_(torch.eye(C))
    theirs = snn.Leaky(beta=0.9, threshold=1.0, reset_mechanism="subtract")

    def run_ours():
        c = cur.clone().requires_grad_(True)
        spk, _ = ours(c)
        spk.sum().backward()
        return spk.detach()

    def run_theirs():
        c = cur.clone().requires_grad_(True)
        mem = theirs.init_leaky()
        out = []
        for t in range(T):
            spk, mem = theirs(c[:, t], mem)
            out.append(spk)
        s = torch.stack(out, 1)
        s.sum().backward()
        return s.detach()

    a, b = run_ours(), run_theirs()
    res = compare({"snntorch_leaky": run_theirs, "nonlin_lif": run_ours}, baseline="snntorch_leaky",
                  repeats=repeats, warmup=0)
    return {"config": f"batch {B}, {T} steps, {C} neurons, identity input weights, fwd+bwd",
            "median_s": {k: ms / 1e3 for k, ms in res["ms"].items()},
            "time_ratio_vs_snntorch": res["ratio"]["nonlin_lif"], "load": res["load"],
            "spike_mismatch_fraction": float((a != b).float().mean()),
            "version": getattr(snn, "__version__", "?")}


def bench_ncps(repeats):
    try:
        from ncps.torch import CfC as NCfC
    except ImportError:
        return {"skipped": "ncps not installed"}
    B, T, C, H = 32, 256, 16, 64
    torch.manual_seed(0)
    x = torch.randn(B, T, C)
    theirs = NCfC(C, H, batch_first=True)
    ours = nonlin.create("cfc", C, H)
    ours.load_ncps_state_dict(theirs.state_dict())

    def run(model, is_ours):
        model.zero_grad()
        y, _ = model(x)
        y.square().mean().backward()
        return y.detach()

    a, b = run(ours, True), run(theirs, False)
    res = compare({"ncps_cfc": lambda: run(theirs, False), "nonlin_cfc": lambda: run(ours, True)},
                  baseline="ncps_cfc", repeats=repeats, warmup=0)
    return {"config": f"batch {B}, {T} steps, {C} inputs, {H} units, backbone 128, fwd+bwd",
            "median_s": {k: ms / 1e3 for k, ms in res["ms"].items()},
            "time_ratio_vs_ncps": res["ratio"]["nonlin_cfc"], "load": res["load"],
            "max_output_deviation": float((a - b).abs().max())}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="T = 1000 only, 2 repeats")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--v1", action="store_true", help="also the paper's (v1) Branch-ELM")
    ap.add_argument("--modes", default="sequential,fused,parallel")
    ap.add_argument("--json", default=None)
    ap.add_argument("--no-reexec", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    modes = args.modes.split(",")
    if "sequential" not in modes:
        modes = ["sequential"] + modes
    Ts = [1000] if args.quick else [1000, 4000]
    repeats = 2 if args.quick else args.repeats
    results = {"torch": torch.__version__, "threads": torch.get_num_threads(),
               "allocator_env": {k: os.environ.get(k) for k in ENV}, "elm": []}
    names = ["elm_v2"] + (["branch_elm"] if args.v1 else [])  # elm_v2 was named 'branch_elm' in 0.1.0
    for name in names:
        for T in Ts:
            for d_m in (20, 100):
                r = bench_elm(name, d_m, T, modes, repeats)
                results["elm"].append(r)
                if args.json:  # save after every case: long runs keep partial results
                    with open(args.json, "w") as f:
                        json.dump(results, f, indent=1)
                sp = ", ".join(f"{m} {r['speedup_vs_sequential'][m]:.1f}x" for m in modes if m != "sequential")
                dv = ", ".join(f"{m} {r['deviation_vs_sequential'][m]['output']:.1e}" for m in modes if m != "sequential")
                print(f"{name} T={T} d_m={d_m}: sequential {r['median_s']['sequential']*1e3:.0f} ms; "
                      f"speed-up {sp}; max |y - y_seq| {dv}; stats {r['solver_stats'].get('parallel', {})}",
                      flush=True)
    results["snntorch"] = bench_snntorch(repeats)
    print("snntorch:", results["snntorch"], flush=True)
    results["ncps"] = bench_ncps(repeats)
    print("ncps:", results["ncps"], flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == "__main__":
    main()
