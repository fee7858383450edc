"""Speed and saved-memory micro-benchmark of elementwise units (``nonlin perf``).

For each unit, at ``numel`` float32 elements (2^22 by default), forward and
forward+backward are timed for

* ``ours``      the unit as nonlin runs it (``nonlin.get_fn(name)``),
* ``naive``     the plain eager formula a user would write with torch's own
                builtins (``F.gelu``, ``F.softplus``, ``torch.erf`` ...), through
                ordinary autograd: the unit's registered formula, or its declared
                ``naive=`` where the formula must differ to stay finite and
                accurate over the float range (``phish``: ``x*tanh(F.gelu(x))``),
* ``compiled``  ``torch.compile`` of that naive formula (fullgraph),
* ``builtin``   the torch builtin, where the unit dispatches to one,

and reported as ratios measured in the same run (``naive/ours`` > 1 means we
are faster; ``ours/compiled`` and ``ours/builtin`` < 1 mean we are faster).
Each round times every variant back to back and the median over rounds is
kept, so machine noise hits all variants alike.  Saved-for-backward bytes per
element are counted with ``torch.autograd.graph.saved_tensors_hooks``.

Noise: each ratio is also computed per round (the variants of a round are
timed back to back, so the ratio of one round compares like with like), and
its median and min–max over rounds are reported; the 1-minute load average is
read before and after, and the process's CPU time is compared with wall time
x threads (``cpu_share``: 1 when our threads ran all the time, lower when
other processes took the cores).  When the load exceeds half the cores beyond
our own threads, our threads got less than 70 % of their wall time, or a ratio
moves by more than 25 % between rounds, the summary says the numbers are noise.

Speed floor (``--check-floor``, :func:`floor_violations`): a unit fails when
its naive/ours ratio is below 1 − tol in the median and below 1 in every round
(forward or forward+backward): slower than the plain formula beyond the noise
the rounds themselves show.

Allocator: with glibc's default mmap threshold every fresh tensor >= 32 MiB
is page-faulted on each allocation, which hides real differences.  Run with
``MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000`` (``make perf``
does); without it the report says so.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from typing import Callable

import torch
import torch.utils.benchmark as tbench

from .. import registry
from ..elementwise import with_own_code

# A representative default set: non-builtin units of several families plus
# builtins (which must cost nothing over calling torch directly).
DEFAULT_UNITS = (
    "relu_squared", "quick_gelu", "swish", "hard_mish", "telu", "phish", "squareplus", "smelu",
    "lisht", "elliott", "srs", "snake", "gcu", "gaussian", "elish", "xatlu",
    "gelu", "mish", "silu", "elu",
)


def environment() -> dict:
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "malloc_mmap_disabled": os.environ.get("MALLOC_MMAP_MAX_") == "0",
    }


def saved_bytes(fn: Callable, x: torch.Tensor) -> int:
    """Bytes of distinct storages saved for backward by one call of ``fn(x)``."""
    storages: dict[int, int] = {}

    def pack(t):
        if isinstance(t, torch.Tensor) and t.numel() > 1:
            s = t.untyped_storage()
            storages[s.data_ptr()] = s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(x)
    return sum(storages.values())


def _median_time(stmt_fn: Callable[[], object], min_run_time: float) -> float:
    timer = tbench.Timer(stmt="f()", globals={"f": stmt_fn}, num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=min_run_time).median


def _variants(name: str) -> dict[str, Callable]:
    s = registry.spec(name)
    unit = s.fn
    if unit is None:
        raise TypeError(f"'{name}' is not an elementwise activation; `nonlin perf` measures those")
    defaults = dict(unit.defaults)

    def naive(x, _f=unit.naive_fn, _kw=defaults):
        return _f(x, **_kw)

    variants = {"ours": registry.get_fn(name), "naive": naive,
                "compiled": torch.compile(with_own_code(naive, f"naive_{name}"), fullgraph=True, dynamic=False)}
    if unit.builtin is not None:
        variants["builtin"] = lambda x, _b=unit.builtin, _kw=defaults: _b(x, **_kw)
    return variants


# A ratio whose per-round values spread more than this (max/min - 1) is noise.
NOISY_SPREAD = 0.25
# Below this share of wall time x threads spent on our CPU time, the machine was busy.
MIN_CPU_SHARE = 0.7


def load_average() -> float | None:
    """The 1-minute load average (None where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def measure(name: str, numel: int = 1 << 22, repeats: int = 5, min_run_time: float = 0.05) -> dict:
    """One row: median times (ms) of every variant, ratios with their spread over rounds, saved bytes
    per element, and the load average around the measurement (timed by :func:`compare`)."""
    torch.manual_seed(0)
    x = torch.randn(numel) * 3
    g = torch.randn(numel)
    xg = x.clone().requires_grad_(True)
    variants = _variants(name)
    cases: dict[str, Callable[[], object]] = {"clone": lambda: x.clone()}
    for k, f in variants.items():
        def forward(f=f):
            with torch.no_grad():
                return f(x)

        def forward_backward(f=f):
            return torch.autograd.grad(f(xg), xg, g)

        cases[f"fwd:{k}"], cases[f"fwdbwd:{k}"] = forward, forward_backward
    # one warm-up call of each case compiles (forward and backward); compiles are not timed
    res = compare(cases, baseline="clone", repeats=repeats, warmup=1, min_run_time=min_run_time)
    rounds = res["rounds"]
    fwd = {k: [t * 1e3 for t in rounds[f"fwd:{k}"]] for k in variants}
    fb = {k: [t * 1e3 for t in rounds[f"fwdbwd:{k}"]] for k in variants}
    med = statistics.median
    row = {
        "unit": name,
        "builtin": registry.spec(name).builtin,
        # a surrogate-gradient unit's backward is not the naive formula's (a step has zero gradient)
        "surrogate": bool(registry.spec(name).fn.surrogate),
        "numel": numel,
        "clone_ms": res["ms"]["clone"],
        "fwd_ms": {k: med(v) for k, v in fwd.items()},
        "fwdbwd_ms": {k: med(v) for k, v in fb.items()},
        "saved_bytes_per_elem": {
            "ours": saved_bytes(variants["ours"], xg) / numel,
            "naive": saved_bytes(variants["naive"], xg) / numel,
        },
        "cpu_share": res["cpu_share"],
    }
    spread = {}
    for phase, times in (("fwd", fwd), ("fwdbwd", fb)):
        pairs = [("naive_over_ours", "naive", "ours"), ("ours_over_compiled", "ours", "compiled")]
        if "builtin" in times:
            pairs.append(("ours_over_builtin", "ours", "builtin"))
        for label, num, den in pairs:
            r = ratio_stats(times[num], times[den])
            # the median of the per-round ratios (each compares variants timed back to back)
            row[f"{phase}_{label}"] = r["median"]
            spread[f"{phase}_{label}"] = (r["min"], r["max"])
    row["spread"] = spread
    row["load"] = res["load"]
    return row


def ratio_stats(num: list[float], den: list[float]) -> dict:
    """``num / den`` computed per round (both timed in the same round), summarised over rounds:
    ``{"median", "min", "max", "q1", "q3"}``."""
    per_round = sorted(a / b for a, b in zip(num, den))
    if not per_round:
        raise ValueError("ratio_stats needs at least one round")
    q = statistics.quantiles(per_round, n=4, method="inclusive") if len(per_round) > 1 else per_round * 3
    return {"median": statistics.median(per_round), "min": per_round[0], "max": per_round[-1],
            "q1": q[0], "q3": q[2]}


def compare(cases: dict[str, Callable[[], object]], baseline: str, repeats: int = 15,
            inner: int = 1, warmup: int = 3, min_run_time: float | None = None) -> dict:
    """Time zero-argument callables interleaved: ``repeats`` rounds, each running every case ``inner``
    times back to back (or, with ``min_run_time``, one ``torch.utils.benchmark`` blocked_autorange of
    that many seconds per case, for sub-millisecond calls).  The one timing primitive for layer units
    (learnable, gated, KAN, neurons) and the scripts in ``benchmarks/``.

    Every speed number nonlin reports is timed here: the elementwise rows (:func:`measure`), the layer
    units (``perf_layers``) and the scripts in ``benchmarks/``.

    Beside wall time, each round records the process's CPU time per call (``time.process_time``, all
    threads, over every call of the case in that round).  On a loaded machine, where our threads wait
    for a core, wall time counts the waiting and CPU time does not, so the CPU-time ratio is the
    steadier of the two (it still counts OpenMP threads spinning at barriers).

    Returns ``{"ms": {case: median ms per call}, "ratio": {case: {"median", "min", "max", "q1", "q3"}}
    (case / baseline, computed per round), "rounds": {case: [seconds per call, one per round]},
    "cpu_ms": {case: median CPU ms per call}, "cpu_ratio": {case: ratio summary of CPU times},
    "cpu_rounds": {case: [CPU seconds per call, one per round]}, "load": (before, after),
    "cpu_share": float}``.
    """
    if baseline not in cases:
        raise ValueError(f"baseline must be one of the cases {sorted(cases)}; got {baseline!r}")
    if repeats < 1 or inner < 1:
        raise ValueError(f"repeats and inner must be at least 1; got {repeats}, {inner}")
    for _ in range(warmup):
        for f in cases.values():
            f()
    load_before = load_average()
    times: dict[str, list[float]] = {k: [] for k in cases}
    cpu_times: dict[str, list[float]] = {k: [] for k in cases}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(repeats):
        for k, f in cases.items():
            calls = [0]

            def counted(f=f, calls=calls):  # blocked_autorange decides how often it calls
                calls[0] += 1
                return f()

            c = time.process_time()
            if min_run_time is not None:
                times[k].append(_median_time(counted, min_run_time))
            else:
                t = time.perf_counter()
                for _ in range(inner):
                    counted()
                times[k].append((time.perf_counter() - t) / inner)
            # floored at the clock's 1 ns so that a ratio never divides by zero
            cpu_times[k].append(max((time.process_time() - c) / calls[0], 1e-9))
    share = cpu_share(time.process_time() - cpu0, time.perf_counter() - wall0)
    return {"ms": {k: statistics.median(v) * 1e3 for k, v in times.items()},
            "ratio": {k: ratio_stats(v, times[baseline]) for k, v in times.items()},
            "rounds": times,
            "cpu_ms": {k: statistics.median(v) * 1e3 for k, v in cpu_times.items()},
            "cpu_ratio": {k: ratio_stats(v, cpu_times[baseline]) for k, v in cpu_times.items()},
            "cpu_rounds": cpu_times,
            "load": (load_before, load_average()), "cpu_share": share}


def format_ratio(r: dict) -> str:
    """``median (IQR q1–q3, min–max)`` of a ratio from :func:`compare`."""
    return f"{r['median']:.2f} (IQR {r['q1']:.2f}–{r['q3']:.2f}, range {r['min']:.2f}–{r['max']:.2f})"


def train_step(module: torch.nn.Module, x: torch.Tensor) -> Callable[[], None]:
    """A zero-argument forward+backward of ``module(x).sum()`` with gradients reset (for :func:`compare`)."""
    params = [p for p in module.parameters() if p.requires_grad]

    def step():
        for p in params:
            p.grad = None
        module(x).sum().backward()
    return step


def cpu_share(cpu_s: float, wall_s: float, threads: int | None = None) -> float:
    """CPU time our process got over what its threads could have used (wall x threads), capped at 1."""
    threads = threads or torch.get_num_threads()
    return min(1.0, cpu_s / (wall_s * threads)) if wall_s > 0 else 1.0


# A ratio whose median naive/ours is below 1 - FLOOR_TOL, and below 1 in every round, breaks the floor.
FLOOR_TOL = 0.05


def floor_violations(rows: list[dict], tol: float = FLOOR_TOL) -> list[dict]:
    """Units slower than their naive formula beyond the measured noise, one entry per unit and phase.

    Slower means: median naive/ours < 1 − ``tol`` and the best round's ratio < 1 too (the unit lost
    in every interleaved round).  Builtin units are held to the same floor.  Surrogate-gradient units
    are held to it forward only: their backward computes a surrogate the naive formula does not have."""
    out = []
    for r in rows:
        for phase in ("fwd",) if r.get("surrogate") else ("fwd", "fwdbwd"):
            key = f"{phase}_naive_over_ours"
            med = r[key]
            lo, hi = r.get("spread", {}).get(key, (med, med))
            if med < 1.0 - tol and hi < 1.0:
                out.append({"unit": r["unit"], "phase": phase, "naive_over_ours": med, "spread": (lo, hi)})
    return out


def format_floor(rows: list[dict], tol: float = FLOOR_TOL) -> str:
    bad = floor_violations(rows, tol)
    if not bad:
        return f"speed floor: all {len(rows)} units at least as fast as their naive formula (tolerance {tol:.0%})"
    lines = [f"speed floor: {len({b['unit'] for b in bad})} of {len(rows)} units SLOWER than their naive formula "
             f"(median naive/ours < {1 - tol:.2f} and < 1 in every round):"]
    for b in bad:
        lo, hi = b["spread"]
        lines.append(f"  {b['unit']} {'forward' if b['phase'] == 'fwd' else 'fwd+bwd'}: naive/ours "
                     f"{b['naive_over_ours']:.2f} ({lo:.2f}–{hi:.2f})")
    return "\n".join(lines)


def relative_spread(row: dict) -> float:
    """The largest max/min - 1 over the row's per-round ratios."""
    return max((hi / lo - 1.0 for lo, hi in row.get("spread", {}).values() if lo > 0), default=0.0)


def noise_warning(rows: list[dict]) -> str | None:
    """Why these numbers should not be quoted, or None when the machine was quiet and the rounds agreed."""
    reasons = []
    loads = [v for r in rows for v in r.get("load", ()) if v is not None]
    cores = os.cpu_count() or 1
    busy = max(loads, default=0.0) - torch.get_num_threads()
    if busy > 0.5 * cores:
        reasons.append(f"load average up to {max(loads):.1f} on {cores} cores while measuring")
    shares = [r["cpu_share"] for r in rows if "cpu_share" in r]
    if shares and min(shares) < MIN_CPU_SHARE:
        reasons.append(f"our threads got as little as {min(shares):.0%} of their wall time (other processes "
                       "took the cores)")
    noisy = [r["unit"] for r in rows if relative_spread(r) > NOISY_SPREAD]
    if noisy:
        reasons.append(f"ratios moved by more than {NOISY_SPREAD:.0%} between rounds for {len(noisy)} of "
                       f"{len(rows)} units ({', '.join(noisy[:5])}{', ...' if len(noisy) > 5 else ''})")
    if not reasons:
        return None
    return "NOISY MEASUREMENT: " + "; ".join(reasons) + ". Rerun on a quiet machine before quoting these ratios."


def warn_allocator(quiet: bool = False) -> None:
    """Say on stderr when glibc's mmap threshold is on (every large allocation page-faulted)."""
    if not quiet and os.environ.get("MALLOC_MMAP_MAX_") != "0":
        print("nonlin perf: WARNING: MALLOC_MMAP_MAX_=0 is not set, so every large allocation is "
              "page-faulted and all ratios shrink toward 1 (use `make perf`)", file=sys.stderr)


def run(names, numel: int = 1 << 22, repeats: int = 5, quiet: bool = False) -> list[dict]:
    warn_allocator(quiet)
    return in_chunks(measure, names, quiet, numel=numel, repeats=repeats)


def in_chunks(measure_one: Callable[..., dict], names, quiet: bool = False, **kwargs) -> list:
    """``[measure_one(name, **kwargs) for name in names]`` with a progress line per name on stderr:
    in this process when the names fit in one chunk, else in fresh processes of :data:`CHUNK` names
    each, one after another (``measure_one`` must be a module-level function, for pickling).

    Compiled kernels and allocator arenas pile up (~150 MB per elementwise unit), so long lists
    (``--all``, ``--kind all``) run chunk by chunk in spawned interpreters.
    """
    names = list(names)
    if len(names) <= CHUNK:
        return _measure_chunk(measure_one, names, kwargs, quiet, 0, len(names))
    import concurrent.futures
    import multiprocessing

    rows: list = []
    ctx = multiprocessing.get_context("spawn")
    for start in range(0, len(names), CHUNK):
        with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            rows += pool.submit(_measure_chunk, measure_one, names[start:start + CHUNK], kwargs, quiet,
                                start, len(names)).result()
    return rows


CHUNK = 20


def _measure_chunk(measure_one, names, kwargs, quiet, offset, total) -> list[dict]:
    rows = []
    for i, n in enumerate(names):
        t0 = time.perf_counter()
        rows.append(measure_one(n, **kwargs))
        if not quiet:
            print(f"[{offset + i + 1}/{total}] {n}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return rows


def _geomean(values) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def summary(rows: list[dict]) -> dict:
    custom = [r for r in rows if r["builtin"] is None]
    builtin = [r for r in rows if r["builtin"] is not None]
    out = {"n_custom": len(custom), "n_builtin": len(builtin)}
    if custom:
        for phase in ("fwd", "fwdbwd"):
            out[f"{phase}_geomean_naive_over_ours"] = _geomean(r[f"{phase}_naive_over_ours"] for r in custom)
            out[f"{phase}_geomean_ours_over_compiled"] = _geomean(r[f"{phase}_ours_over_compiled"] for r in custom)
    if builtin:
        for phase in ("fwd", "fwdbwd"):
            out[f"{phase}_max_ours_over_builtin"] = max(r[f"{phase}_ours_over_builtin"] for r in builtin)
    out["max_saved_bytes_per_elem"] = max(r["saved_bytes_per_elem"]["ours"] for r in rows)
    return out


def format_table(rows: list[dict]) -> str:
    head = ("| unit | builtin | fwd ms (ours) | fwd naive/ours | fwd ours/compiled | fwd+bwd ms (ours) "
            "| fwd+bwd naive/ours | fwd+bwd ours/compiled | ours/builtin (fwd+bwd) | saved B/elem ours (naive) |")
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        ob = r.get("fwdbwd_ours_over_builtin")
        lines.append(
            f"| {r['unit']} | {'yes' if r['builtin'] else 'no'} | {r['fwd_ms']['ours']:.2f} "
            f"| {_ratio(r, 'fwd_naive_over_ours')} | {_ratio(r, 'fwd_ours_over_compiled')} "
            f"| {r['fwdbwd_ms']['ours']:.2f} | {_ratio(r, 'fwdbwd_naive_over_ours')} "
            f"| {_ratio(r, 'fwdbwd_ours_over_compiled')} | {'' if ob is None else _ratio(r, 'fwdbwd_ours_over_builtin')} "
            f"| {r['saved_bytes_per_elem']['ours']:.1f} ({r['saved_bytes_per_elem']['naive']:.1f}) |"
        )
    return "\n".join(lines)


def _range(row: dict, key: str) -> str:
    lo_hi = row.get("spread", {}).get(key)
    return "" if lo_hi is None else f" ({lo_hi[0]:.2f}–{lo_hi[1]:.2f})"


def _ratio(row: dict, key: str) -> str:
    """``median (min–max)`` of a ratio over the rounds."""
    return f"{row[key]:.2f}{_range(row, key)}"


def format_summary(rows: list[dict]) -> str:
    s = summary(rows)
    env = environment()
    lines = [f"\n{len(rows)} units at {rows[0]['numel'] if rows else 0} float32 elements, "
             f"torch {env['torch']}, {env['threads']} threads, "
             f"malloc mmap {'disabled' if env['malloc_mmap_disabled'] else 'ENABLED (ratios understated)'}"]
    if s["n_custom"]:
        lines.append(
            f"non-builtin units ({s['n_custom']}), geometric mean: naive eager / ours = "
            f"{s['fwd_geomean_naive_over_ours']:.2f}x forward, {s['fwdbwd_geomean_naive_over_ours']:.2f}x fwd+bwd; "
            f"ours / compiled-naive = {s['fwd_geomean_ours_over_compiled']:.2f} forward, "
            f"{s['fwdbwd_geomean_ours_over_compiled']:.2f} fwd+bwd")
    if s["n_builtin"]:
        lines.append(f"builtin units ({s['n_builtin']}): worst ours / builtin = "
                     f"{s['fwd_max_ours_over_builtin']:.3f} forward, {s['fwdbwd_max_ours_over_builtin']:.3f} fwd+bwd")
    lines.append(f"max saved-for-backward bytes per element (ours): {s['max_saved_bytes_per_elem']:.1f}")
    spreads = [relative_spread(r) for r in rows]
    loads = [v for r in rows for v in r.get("load", ()) if v is not None]
    shares = [r["cpu_share"] for r in rows if "cpu_share" in r]
    if spreads:
        lines.append(f"spread of the ratios over rounds: median {statistics.median(spreads):.0%}, worst "
                     f"{max(spreads):.0%}" + (f"; load average {min(loads):.1f}-{max(loads):.1f}" if loads else "")
                     + (f"; CPU share of our threads {min(shares):.0%}-{max(shares):.0%}" if shares else ""))
    warning = noise_warning(rows)
    if warning:
        lines.append(warning)
    return "\n".join(lines)
