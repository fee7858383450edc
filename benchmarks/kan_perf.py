"""KAN layers side by side with an MLP of equal parameter count, and pykan's own example.

Run (from the repository root):

    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 \
        .venv/bin/python benchmarks/kan_perf.py [--quick] [--skip-pykan] [--json out.json]

1. Speed: KAN 256 → 256 → 1 (KAN-benchmarking's setting scaled for CPU),
   batch 100, forward+backward, for every basis, against an MLP 256 → H → 1
   (SiLU) with H chosen to match the parameter count (``perf_layers.equal_param_mlp``,
   the baseline of ``nonlin perf kan_<basis>``).  MLP and KAN are timed
   interleaved by ``nonlin.bench.perf.compare`` and reported as the median
   per-round ratio with its IQR and range, the load average and CPU share; pykan's
   KAN([256, 256, 1]) (after ``.speed()``) in the same run when installed.
   ``nonlin perf kan_bspline`` measures the same pair (plus forward alone and the
   lean=False layers), timing each case by blocked_autorange instead of 3 calls.
2. Peak memory at batch 16,384: each case runs forward+backward in a fresh
   subprocess; the peak is VmHWM after the step minus VmRSS before it, with
   VmHWM reset just before (/proc/self/clear_refs, Linux).
3. pykan's Example 1: f(x, y) = exp(sin πx + y²), KAN [2, 1, 1], 1000 train /
   1000 test points, grids 3 → 10 → 20 → 50 (float64): nonlin with 50
   Levenberg–Marquardt steps per grid, nonlin with pykan's LBFGS schedule
   (200 steps per grid) and pykan itself (200 LBFGS steps per grid, its
   notebook's seed): test RMSE and wall time.
4. Symbolic recovery: KAN [2, 5, 1], rounds of L1+entropy-regularised fit
   and pruning until the widths settle, a Levenberg–Marquardt fit, then
   auto-symbolic: the recovered formula and its test RMSE.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

BASES = {  # basis -> options (KAN-benchmarking: grid 5 order 3; Chebyshev degree as its run)
    "bspline": {}, "chebyshev": {}, "fourier": {}, "rbf": {}, "rswaf": {}, "relu": {}, "af": {}, "rational": {},
}
IN, HID, OUT = 256, 256, 1
PARTS = ("speed", "memory", "toy", "symbolic")
# toy = pykan's Example 1, fitted by Levenberg–Marquardt (and LBFGS): older commands name it so
SKIP_ALIASES = {"pykan_example": "toy", "lm": "toy"}


def build(case: str):
    from nonlin.kan import KAN
    if case.startswith("mlp:"):  # the MLP of `nonlin perf kan_*` (perf_layers.equal_param_mlp), width h
        h = int(case[4:])
        return torch.nn.Sequential(torch.nn.Linear(IN, h), torch.nn.SiLU(), torch.nn.Linear(h, OUT))
    if case == "pykan":
        from kan import KAN as PyKAN
        m = PyKAN([IN, HID, OUT], grid=5, k=3, auto_save=False, seed=0)
        m.speed()
        return m
    return KAN([IN, HID, OUT], basis=case, **BASES[case])


def n_params(m) -> int:
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def mlp_width(p: int) -> int:
    from nonlin.bench.perf_layers import equal_param_mlp
    return equal_param_mlp(IN, OUT, p)[0].out_features


def step(m, x):
    for p in m.parameters():
        p.grad = None
    m(x).sum().backward()


def time_pair(a, b, x, reps: int) -> dict:
    """MLP ``a`` and KAN ``b`` forward+backward, interleaved, through nonlin.bench.perf.compare."""
    from nonlin.bench.perf import compare, train_step
    return compare({"mlp": train_step(a, x), "kan": train_step(b, x)}, baseline="mlp", repeats=reps, inner=3)


def speed_table(reps: int, with_pykan: bool, bases: list[str] | None = None) -> list[dict]:
    torch.manual_seed(0)
    x = torch.randn(100, IN)
    rows = []
    unknown = sorted(set(bases or ()) - set(BASES))
    if unknown:
        raise SystemExit(f"--bases: unknown {unknown}; choose from {sorted(BASES)}")
    cases = list(bases or BASES) + (["pykan"] if with_pykan else [])
    for case in cases:
        try:
            kan = build(case)
        except Exception as err:  # pykan missing or failing
            rows.append({"case": case, "error": f"{type(err).__name__}: {err}"})
            continue
        p = n_params(kan)
        mlp = build(f"mlp:{mlp_width(p)}")
        from nonlin.bench.perf import format_ratio
        res = time_pair(mlp, kan, x, reps if case != "pykan" else max(3, reps // 5))
        r, rc = res["ratio"]["kan"], res["cpu_ratio"]["kan"]
        rows.append({"case": case, "params": p, "mlp_params": n_params(mlp), "mlp_ms": res["ms"]["mlp"],
                     "kan_ms": res["ms"]["kan"], "time_ratio": r["median"], "time_ratio_spread": r,
                     "cpu_time_ratio": rc["median"], "cpu_time_ratio_spread": rc,
                     "load": res["load"], "cpu_share": res["cpu_share"]})
        print(f"  {case:10s} params {p:8d}  mlp {res['ms']['mlp']:7.2f} ms  kan {res['ms']['kan']:8.2f} ms  "
              f"KAN/MLP {format_ratio(r)}  in CPU time {rc['median']:.2f} ({rc['min']:.2f}–{rc['max']:.2f})  "
              f"load {res['load'][1]:.1f}  CPU share {res['cpu_share']:.0%}", flush=True)
    return rows


def _peak_child(case: str, batch: int) -> None:
    """Subprocess body: peak RSS growth (bytes) of one forward+backward."""
    torch.manual_seed(0)
    m = build(case)
    x = torch.randn(batch, IN)
    small = torch.randn(8, IN)
    step(m, small)  # allocate grads and warm up code paths
    if case == "bspline":  # compile (if the backend compiles) before measuring
        step(m, x[:1024])
    # reset the kernel's peak-RSS mark (VmHWM) so the import/compile peaks do not hide the step's
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    base = _status_kib("VmRSS")
    step(m, x)
    peak = _status_kib("VmHWM")
    print(json.dumps({"peak_bytes": (peak - base) * 1024}))


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def peak_memory(case: str, batch: int) -> float | None:
    env = dict(os.environ, MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="100000000000")
    out = subprocess.run([sys.executable, __file__, "--child", case, "--batch", str(batch)],
                         capture_output=True, text=True, env=env)
    for line in out.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line)["peak_bytes"]
    print(f"  memory run for {case} failed: {out.stderr.strip().splitlines()[-1:]}")
    return None


def memory_table(batch: int) -> list[dict]:
    rows = []
    for case in BASES:
        p = n_params(build(case))
        mlp_case = f"mlp:{mlp_width(p)}"
        m_mlp, m_kan = peak_memory(mlp_case, batch), peak_memory(case, batch)
        row = {"case": case, "mlp_peak_mb": m_mlp and m_mlp / 2 ** 20, "kan_peak_mb": m_kan and m_kan / 2 ** 20}
        if m_mlp and m_kan:
            row["mem_ratio"] = m_kan / m_mlp
        rows.append(row)
        print(f"  {case:10s} mlp {row['mlp_peak_mb'] or float('nan'):8.1f} MiB  kan "
              f"{row['kan_peak_mb'] or float('nan'):8.1f} MiB  ratio {row.get('mem_ratio', float('nan')):5.2f}",
              flush=True)
    return rows


def toy_data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    f = lambda v: torch.exp(torch.sin(math.pi * v[:, :1]) + v[:, 1:] ** 2)  # noqa: E731
    xtr = torch.rand(1000, 2, generator=g, dtype=torch.float64) * 2 - 1
    xte = torch.rand(1000, 2, generator=g, dtype=torch.float64) * 2 - 1
    return xtr, f(xtr), xte, f(xte)


def toy_nonlin(grids, steps: int, opt: str = "lm") -> dict:
    """Our KAN on pykan's Example 1: fit at the first grid (with grid updates), then refine and refit.

    ``opt="lm"``: Levenberg–Marquardt steps (``KAN.fit(opt="lm")``); ``"lbfgs"``:
    pykan's optimiser and schedule.  Runs on the eager backend: at 1000 samples
    a torch.compile'd basis saves ~2 ms per step but costs ~5 s to compile.
    """
    import nonlin
    from nonlin.kan import KAN
    with nonlin.use_backend("eager"):
        torch.manual_seed(0)
        xtr, ytr, xte, yte = toy_data()
        model = KAN([2, 1, 1], grid_size=grids[0]).double()
        out, t0 = {}, time.perf_counter()
        for g in grids:
            if g != grids[0]:
                model.refine(xtr, g)
            hist = model.fit(xtr, ytr, steps=steps, opt=opt, x_test=xte, y_test=yte, update_grid=(g == grids[0]))
            out[g] = {"train_rmse": hist["train_loss"][-1], "test_rmse": hist["test_loss"][-1],
                      "seconds": time.perf_counter() - t0}
            print(f"  nonlin ({opt}, {steps} steps) grid {g:3d}: test RMSE {out[g]['test_rmse']:.3e}  "
                  f"({out[g]['seconds']:.1f} s)", flush=True)
        return out


def toy_pykan_isolated(grids, steps: int) -> dict:
    """:func:`toy_pykan` in a fresh interpreter: pykan keeps global state (default dtype,
    seeds, its earlier models in this process) that changed its result between runs."""
    cmd = [sys.executable, __file__, "--child-toy-pykan", ",".join(map(str, grids)), "--toy-steps", str(steps)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"pykan child failed: {out.stderr[-2000:]}")
    for line in out.stdout.splitlines():
        if line.startswith("  pykan"):
            print(line, flush=True)
    return {int(g): v for g, v in json.loads(lines[-1]).items()}


def toy_pykan(grids, steps: int) -> dict:
    from kan import KAN as PyKAN
    torch.set_default_dtype(torch.float64)
    try:
        xtr, ytr, xte, yte = toy_data()
        data = {"train_input": xtr, "train_label": ytr, "test_input": xte, "test_label": yte}
        import tempfile
        ckpt = tempfile.mkdtemp(prefix="pykan_ckpt_")  # pykan logs history there even with auto_save=False
        # seed=1 as in pykan's Example 1 notebook
        model = PyKAN(width=[2, 1, 1], grid=grids[0], k=3, seed=1, auto_save=False, ckpt_path=ckpt)
        out, t0 = {}, time.perf_counter()
        for g in grids:
            if g != grids[0]:
                model = model.refine(g)
            res = model.fit(data, opt="LBFGS", steps=steps, log=10 ** 9)
            out[g] = {"train_rmse": float(res["train_loss"][-1]), "test_rmse": float(res["test_loss"][-1]),
                      "seconds": time.perf_counter() - t0}
            print(f"  pykan  grid {g:3d}: test RMSE {out[g]['test_rmse']:.3e}  ({out[g]['seconds']:.1f} s)", flush=True)
        return out
    finally:
        torch.set_default_dtype(torch.float32)


def symbolic_recovery(steps: int, max_rounds: int = 4) -> dict:
    """pykan's interpretability loop on exp(sin πx + y²), starting from KAN [2, 5, 1].

    Rounds of (L1+entropy-regularised LBFGS fit, λ = 0.01 → prune) until the
    widths stop changing, then an unregularised Levenberg–Marquardt fit, then
    auto_symbolic on every edge; the recovered formula is scored on test data.
    """
    import nonlin
    from nonlin.kan import KAN
    with nonlin.use_backend("eager"):
        torch.manual_seed(0)
        xtr, ytr, xte, yte = toy_data(1)
        model = KAN([2, 5, 1], grid_size=5).double()
        t0 = time.perf_counter()
        history = [model.widths]
        for _ in range(max_rounds):
            model.fit(xtr, ytr, steps=steps, lamb=0.01, lamb_entropy=2.0)
            model.prune(xtr)
            history.append(model.widths)
            print(f"  regularised fit + prune: widths {model.widths}", flush=True)
            if history[-1] == history[-2]:
                break
        fit = model.fit(xtr, ytr, steps=30, opt="lm", update_grid=False)
        model.auto_symbolic(xtr, lib=["x", "x^2", "x^3", "exp", "sin", "tanh", "sqrt", "log", "abs"])
        (expr,) = model.symbolic_formula()
        import sympy as sp
        fn = sp.lambdify(sp.symbols("x_1 x_2"), expr, "numpy")
        pred = torch.as_tensor(fn(xte[:, 0].numpy(), xte[:, 1].numpy()))
        rmse = float(torch.sqrt(torch.mean((pred - yte[:, 0]) ** 2)))
        out = {"widths": history, "spline_train_rmse": fit["train_loss"][-1], "formula": str(expr),
               "formula_test_rmse": rmse, "seconds": time.perf_counter() - t0}
        print(f"  formula {expr}; test RMSE {rmse:.2e} ({out['seconds']:.0f} s)", flush=True)
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, grids 3 → 10, 50 LBFGS steps")
    ap.add_argument("--skip-pykan", action="store_true")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: speed,memory,toy,symbolic "
                                                "(toy is also called pykan_example or lm)")
    ap.add_argument("--json", default=None, help="write all results to this file")
    ap.add_argument("--bases", default=None, help="comma list of bases for the speed table (default: all)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-toy-pykan", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--toy-steps", type=int, default=200, help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, default=16384)
    ap.add_argument("--lm-steps", type=int, default=50, help="Levenberg–Marquardt steps per grid (toy)")
    args = ap.parse_args()
    if args.child:
        _peak_child(args.child, args.batch)
        return
    if args.child_toy_pykan:
        print(json.dumps(toy_pykan(tuple(int(g) for g in args.child_toy_pykan.split(",")), args.toy_steps)))
        return
    if os.environ.get("MALLOC_MMAP_MAX_") != "0":
        print("WARNING: MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 not set: large allocations are "
              "page-faulted every time and time ratios shrink toward 1", flush=True)
    have_pykan = False
    if not args.skip_pykan:
        try:
            import kan  # noqa: F401
            have_pykan = True
        except Exception as err:
            print(f"pykan not available ({type(err).__name__}: {err}); its rows are skipped")
    skip = {SKIP_ALIASES.get(p, p) for p in filter(None, args.skip.split(","))}
    if skip - set(PARTS):
        ap.error(f"--skip: unknown part(s) {', '.join(sorted(skip - set(PARTS)))}; choose from "
                 f"{', '.join(PARTS)} (aliases: {', '.join(f'{a}={p}' for a, p in SKIP_ALIASES.items())})")
    res = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if "speed" not in skip:
        print("forward+backward, KAN 256→256→1 vs MLP of equal parameters, batch 100:")
        res["speed"] = speed_table(10 if args.quick else 40, have_pykan,
                                   args.bases.split(",") if args.bases else None)
    if "memory" not in skip:
        print(f"peak memory of one forward+backward, batch {args.batch}:")
        res["memory"] = memory_table(args.batch)
    grids = (3, 10) if args.quick else (3, 10, 20, 50)
    steps = 50 if args.quick else 200
    if "toy" not in skip:
        print(f"pykan Example 1, KAN [2,1,1], grids {grids}, {steps} LBFGS steps each:")
        res["toy_nonlin"] = toy_nonlin(grids, args.lm_steps, "lm")
        res["toy_nonlin_lbfgs"] = toy_nonlin(grids, steps, "lbfgs")
        if have_pykan:
            res["toy_pykan"] = toy_pykan_isolated(grids, steps)
            t_p = res["toy_pykan"][grids[-1]]["seconds"]
            for key in ("toy_nonlin", "toy_nonlin_lbfgs"):
                t_n = res[key][grids[-1]]["seconds"]
                print(f"  wall time pykan / {key} = {t_p / t_n:.1f}x")
    if "symbolic" not in skip:
        print("symbolic recovery: [2,5,1] → regularised fit → prune → auto_symbolic:")
        res["symbolic"] = symbolic_recovery(30 if args.quick else 50)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
