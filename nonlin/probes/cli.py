"""`nonlin probe NAME --unit U --task T`: run a network probe on a benchmark model and task.

The benchmark's reference model for the task (``nonlin.bench.models.build_model``, the task's default
architecture unless ``--arch``) is built around the unit, trained briefly (``--epochs``, Adam), and the
probe runs on the test split; the result is printed (``--json`` for machine-readable) and its plot is
written to ``--out`` (default ``nonlin-probes/``) as NAME_UNIT_TASK.png.  Units take parameters as
``snake(a=2)``; learnable units start from their initialisation.

Several-unit probes take ``--unit A B ...`` and ignore --task/--arch/--epochs: ``spectral_compare``
(spectral slope vs relu), ``cett_trend`` (CETT ratio over training, default relu silu) and ``card``
(the benchmark report's probe card; ``--store runs.db`` fills and caches the card of every unit of a
store, which ``nonlin report`` then shows).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
from typing import Any, Callable, Sequence

import torch

from .. import registry

# probe name -> (one-line description, runner(model, task, data) -> Result)
NETWORK_PROBES: dict[str, str] = {
    "density": "fraction of non-zero unit outputs per layer (and |a| > eps)",
    "dead": "units silent on the whole test set; dynamic dead rate per batch",
    "dormant": "tau-dormant ratio (Sokar et al. 2302.12902), tau = 0.025",
    "saturation": "fraction of outputs with |f'(z)| < 1e-3",
    "cett": "CETT activation ratio at CETT = 0.2 (Sparsing Law 2411.02335)",
    "cats": "accuracy vs CATS sparsity (2404.08763)",
    "alignment": "input/target alignment CKA(H, X), CKA(H, Y) per layer (2401.13558)",
    "cka": "unbiased linear CKA between all unit layers",
    "linear": "LinearScope linear map A(x) x + b(x) of the first test inputs (1908.05168)",
    "ntk": "empirical NTK spectrum on 32 test inputs",
    "lipschitz": "certified local Lipschitz bound vs product of layer norms (eps = 0.01)",
    "verified": "verified-robust accuracy at eps = 0.01 (CROWN)",
    "spectral": "spectral bias on a sum of sines (the task is ignored; 1-D coordinate MLP)",
    "spectral_compare": "spectral slope of each --unit vs relu with a 95% CI over 3 seeds (task ignored)",
    "cett_trend": "CETT ratio over training for each --unit (default relu silu) on digits; slope per doubling",
    "card": "the report's probe card of each --unit, or of every unit of --store (cached there)",
    "universality": "fraction of universal neurons across 3 seeds vs untrained models (2401.12181)",
    "nonlinear_advantage": "accuracy when the unit layers from each depth on are made affine (2211.17180)",
}
# probes that take several units (--unit A B ...) and ignore --task / --arch
MULTI_UNIT = ("spectral_compare", "cett_trend", "card")


def parse_unit(text: str) -> tuple[str, dict]:
    """'snake(a=2)' -> ('snake', {'a': 2}); 'relu' -> ('relu', {})."""
    m = re.fullmatch(r"\s*([A-Za-z_][\w\-]*)\s*(?:\((.*)\))?\s*", text)
    if not m:
        raise ValueError(f"cannot read unit {text!r}; write NAME or NAME(param=value, ...)")
    name, args = m.group(1), m.group(2)
    params: dict[str, Any] = {}
    if args and args.strip():
        try:
            call = ast.parse(f"f({args})", mode="eval").body
            assert isinstance(call, ast.Call) and not call.args
            params = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
        except Exception:
            raise ValueError(f"cannot read the parameters of {text!r}; write NAME(param=value, ...)") from None
    registry.spec(name).check_params(params)
    return registry.resolve(name), params


def _train(model: torch.nn.Module, task: Any, data: Any, epochs: int, lr: float, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    n = len(data.x_train)
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            task.loss(model(data.x_train[idx]), data.y_train[idx]).backward()
            opt.step()
    model.eval()


def run_probe(name: str, unit: str, task: str = "digits", out_dir: str | None = "nonlin-probes",
              epochs: int = 5, seed: int = 0, arch: str | None = None, width: int = 64, depth: int = 2) -> Any:
    """Build, briefly train and probe the benchmark model of ``unit`` on ``task``; save the plot in ``out_dir``."""
    from . import activity, bounds, exploitable, geometry, linear, ntk, spectral
    from .nonlinear_advantage import nonlinear_advantage as linearise_from_depth
    from .universality import universality as universal_neurons
    if name not in NETWORK_PROBES:
        raise ValueError(f"unknown probe {name!r}; probes: {', '.join(NETWORK_PROBES)}")
    if name in MULTI_UNIT:
        return _run_multi(name, [unit] if isinstance(unit, str) else list(unit), out_dir, seed)
    unit_name, params = parse_unit(unit)
    if name == "spectral":
        res = spectral.spectral_bias(unit_name, unit_params=params, steps=max(100, 100 * epochs), seeds=1)
    else:
        from ..bench.models import build_model
        from ..bench.tasks import get_task
        t = get_task(task)
        data = t.generate(seed)
        torch.manual_seed(seed)
        if arch is None:  # bound propagation builds dense matrices: MLPs keep them small
            arch = "mlp" if name in ("lipschitz", "verified") else t.default_model
        model = build_model(arch, unit_name, t, width=width, depth=depth, unit_params=params or None)
        _train(model, t, data, epochs, 3e-3, seed)
        if name == "universality":   # two more seeds, and three untrained models as the baseline
            others, untrained = [], []
            for s in (seed + 1, seed + 2):
                torch.manual_seed(s)
                others.append(build_model(arch, unit_name, t, width=width, depth=depth, unit_params=params or None))
                _train(others[-1], t, data, epochs, 3e-3, s)
            for s in (seed + 100, seed + 101, seed + 102):
                torch.manual_seed(s)
                untrained.append(build_model(arch, unit_name, t, width=width, depth=depth,
                                             unit_params=params or None).eval())
        xt, yt = data.x_test, data.y_test
        runners: dict[str, Callable[[], Any]] = {
            "density": lambda: activity.density(model, (xt, yt), batch_size=64),
            "dead": lambda: activity.dead_units(model, (xt, yt), batch_size=64),
            "dormant": lambda: activity.dormant(model, (xt, yt), tau=0.025, batch_size=64),
            "saturation": lambda: activity.saturation(model, (xt, yt), batch_size=64),
            "cett": lambda: exploitable.cett(model, (xt, yt)),
            "cats": lambda: exploitable.cats_curve(model, (data.x_train, data.y_train), (xt, yt)),
            "alignment": lambda: geometry.alignment(model, (xt[:256], yt[:256])),
            "cka": lambda: geometry.layer_cka(model, xt[:256]),
            "linear": lambda: linear.linear_map(model, xt[:4]),
            "ntk": lambda: ntk.ntk(model, xt[:32]),
            "lipschitz": lambda: bounds.lipschitz(model, xt[:8], 0.01),
            "verified": lambda: bounds.verified_accuracy(model, (xt[:128], yt[:128]), 0.01),
            "universality": lambda: universal_neurons([model] + others, xt[:1000], baseline_models=untrained),
            "nonlinear_advantage": lambda: linearise_from_depth(model, (xt, yt), calibration=data.x_train),
        }
        res = runners[name]()
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        safe = re.sub(r"[^\w.=-]+", "_", unit)
        res.plot(os.path.join(out_dir, f"{name}_{safe}_{task}.png"))
    return res


def _run_multi(name: str, units: list[str], out_dir: str | None, seed: int = 0, store: str | None = None,
               force: bool = False) -> Any:
    """The several-unit probes: spectral_compare, cett_trend, card (which returns a list of cards)."""
    from . import card, exploitable, spectral
    for u in units:
        parse_unit(u)   # a bad name fails before any training
    tag = re.sub(r"[^\w.=-]+", "_", "_".join(units))[:80] or "store"
    if name == "card":
        settings = card.CardSettings(seed=seed)
        if store:
            res = card.fill_store(store, settings, units or None, force=force)
        else:
            res = [card.probe_card(u, settings) for u in units]
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
            for c in res:
                if any(v is not None for v in c.values.values()):
                    safe = re.sub(r"[^\w.=-]+", "_", c.unit)
                    c.plot(os.path.join(out_dir, f"card_{safe}.png"))
        return res
    if name == "spectral_compare":
        res = spectral.compare(tuple(units), seeds=(seed, seed + 1, seed + 2))
    else:
        res = exploitable.cett_trend(tuple(units or ("relu", "silu")), seeds=(seed, seed + 1, seed + 2))
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        res.plot(os.path.join(out_dir, f"{name}_{tag}.png"))
    return res


def summary(res: Any) -> dict:
    """The headline numbers of a probe result (what the command prints)."""
    if isinstance(res, list):      # probe cards
        return {"probe": "ProbeCard", "cards": {c.unit: {k: c.cell(k) for k in c.values} for c in res}}
    out = {"probe": type(res).__name__}
    for key in ("value", "ci", "clean", "naive", "gap", "reconstruction_error", "bias_share", "condition",
                "ratio_at_tolerance"):
        if hasattr(res, key):
            v = getattr(res, key)
            out[key] = list(v) if isinstance(v, tuple) else v
    if hasattr(res, "layers") and isinstance(res.layers, list) and res.layers and hasattr(res.layers[0], "value"):
        out["layers"] = {l.layer: l.value for l in res.layers}
    if hasattr(res, "sparsities"):
        out["curve"] = dict(zip(res.sparsities, res.metric))
    if hasattr(res, "slope") and isinstance(res.slope, dict):      # spectral_compare, cett_trend
        out["slope"] = {u: list(v) for u, v in res.slope.items()}
        for key in ("difference", "learned"):
            if hasattr(res, key):
                out[key] = {u: list(v) if isinstance(v, tuple) else v for u, v in getattr(res, key).items()}
    if hasattr(res, "agreement"):
        out["agreement_per_depth"] = res.agreement
        out["accuracy_per_depth"] = res.accuracy
        out["linear_model_accuracy"] = res.linear_model_accuracy
    if hasattr(res, "mean_max_corr"):
        out["mean_max_corr"] = res.mean_max_corr
        out["baseline_value"] = res.baseline_value
        out["baseline_max_corr"] = res.baseline_max_corr
    if hasattr(res, "input_alignment"):
        out["input_alignment"] = res.input_alignment
        out["target_alignment"] = res.target_alignment
    return out


def epilog() -> str:
    """Help text listing the network probes and the unit-probe columns (for `nonlin probe --help`)."""
    from .unit import columns_help
    width = max(map(len, NETWORK_PROBES))
    from .card import CARD_COLUMNS
    lines = ["network probes (nonlin probe NAME --unit U --task T [--out DIR] [--epochs N] [--json]):"]
    lines += [f"  {k:<{width}}  {v}" for k, v in NETWORK_PROBES.items()]
    lines += ["", "probe card (nonlin probe card --unit U [U ...] | --store runs.db [--force]); with --store the",
              "cards are cached in the store and `nonlin report` shows them. Columns:"]
    cw = max(map(len, CARD_COLUMNS))
    lines += [f"  {k:<{cw}}  {v}" for k, v in CARD_COLUMNS.items()]
    return columns_help() + "\n\n" + "\n".join(lines)


def cli_main(argv: Sequence[str]) -> int:
    """Entry point for `nonlin probe NAME --unit U ...` (argv without the leading 'probe')."""
    p = argparse.ArgumentParser(prog="nonlin probe", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=epilog())
    p.add_argument("name", choices=list(NETWORK_PROBES), metavar="NAME")
    p.add_argument("--unit", nargs="+", default=[], metavar="U",
                   help="unit name, optionally with parameters: snake(a=2); several for " + ", ".join(MULTI_UNIT))
    p.add_argument("--store", default=None, help="card only: fill the probe cards of every unit in this benchmark store")
    p.add_argument("--force", action="store_true", help="card only: recompute cards already cached in --store")
    p.add_argument("--task", default="digits")
    p.add_argument("--arch", default=None)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="nonlin-probes", help="folder for the plot ('' for none)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(list(argv))
    if args.name not in MULTI_UNIT and len(args.unit) != 1:
        p.error(f"probe {args.name} takes exactly one --unit; got {len(args.unit)}")
    if args.name == "card" and not args.unit and not args.store:
        p.error("card needs --unit U [U ...] or --store runs.db")
    if args.store and args.name != "card":
        p.error("--store is for the card probe only")
    try:
        if args.name in MULTI_UNIT:
            if args.store and not os.path.isfile(args.store):
                raise ValueError(f"no benchmark store at {args.store!r}; run `nonlin bench` first")
            res = _run_multi(args.name, args.unit, args.out or None, args.seed, args.store, args.force)
        else:
            res = run_probe(args.name, args.unit[0], args.task, args.out or None, args.epochs, args.seed, args.arch)
    except (ValueError, KeyError, TypeError, RuntimeError) as err:   # RuntimeError: StoreError
        print(f"nonlin: error: {err}", file=__import__("sys").stderr)
        return 2
    s = summary(res)
    if isinstance(res, list) and not args.json:
        from .card import format_cards
        print(format_cards(res))
        return 0
    if args.json:
        print(json.dumps(s, indent=1, default=str))
    else:
        for k, v in s.items():
            print(f"{k}: {v}")
    return 0
