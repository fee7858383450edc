"""``nonlin bench`` and ``nonlin report``: the command-line side of the benchmark.

``nonlin/cli.py`` calls :func:`add_parsers` with its subparsers.  This module
imports nothing heavy at import time (no torch), so ``nonlin list`` stays fast.

Settings are taken in this order, later winning: the suite (``--suite``,
default ``quick``), the config file (``--config``), then the other flags.
Bad input (unknown unit, task or suite, a missing or invalid config file)
prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import signal
import sys
from typing import Any

_UNIT_TOKEN = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*(?:\((.*)\))?\s*$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [t.strip() for t in out if t.strip()]


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # a bare word: a string parameter (e.g. init=gelu)


def parse_named_list(values: list[str], what: str) -> list[tuple[str, dict]]:
    """``["relu,snake(a=2.0)", "pau(degrees=(5,4))"]`` -> ``[("relu", {}), ("snake", {"a": 2.0}), ...]``."""
    from .config import ConfigError
    out = []
    for v in values:
        for token in _split_top_level(v):
            m = _UNIT_TOKEN.match(token)
            if not m:
                raise ConfigError(f"cannot read {what} {token!r}; write NAME or NAME(key=value,...)")
            params = {}
            for kv in _split_top_level(m.group(2) or ""):
                if "=" not in kv:
                    raise ConfigError(f"{what} {token!r}: parameter {kv!r} must be key=value")
                k, val = kv.split("=", 1)
                params[k.strip()] = _parse_value(val.strip())
            out.append((m.group(1), params))
    return out


def int_arg(text: str) -> int:
    """An integer flag that also takes scientific notation for whole numbers (``1e6``)."""
    try:
        return int(text.replace("_", ""))
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer; got {text!r}") from None
    if not f.is_integer():
        raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}")
    return int(f)


def add_parsers(subparsers: Any) -> None:
    """Register the ``bench`` and ``report`` subcommands."""
    p = subparsers.add_parser(
        "bench", help="train units on tasks over seeds; store results and write a leaderboard",
        description="Run a benchmark sweep (default: the quick suite, 150 runs, about 2.5 minutes on 2 quiet cores "
                    "(137 s measured), at most 5; --suite full: 780 runs, 48 CPU-minutes measured), "
                    "store every run in SQLite (safe to interrupt and resume) and write a report.")
    p.add_argument("--suite", help="quick (default: 150 runs, ~2.5 min on 2 cores) or full (780 runs, 5 seeds, "
                                  "48 CPU-minutes measured: 25-30 min on 2 quiet cores)")
    p.add_argument("--units", action="extend", nargs="+", metavar="UNIT",
                   help="units, space- or comma-separated; parameters as NAME(key=value,...), e.g. 'relu,snake(a=2.0)'")
    p.add_argument("--tasks", action="extend", nargs="+", metavar="TASK",
                   help="tasks, space- or comma-separated; options as NAME(key=value,...), e.g. 'mnist1d,adding(length=50)'")
    p.add_argument("--seeds", type=int_arg, metavar="N", help="seeds 0..N-1")
    p.add_argument("--arch", action="append", metavar="ARCH",
                   help="model architecture (mlp, cnn1d, cnn2d, transformer, sequence, gpt2, llama); default: per task")
    p.add_argument("--width", type=int_arg, action="append", metavar="W", help="hidden width (repeatable)")
    p.add_argument("--depth", type=int_arg, metavar="D", help="hidden layers")
    p.add_argument("--match-params", type=int_arg, metavar="N",
                   help="choose each model's width so it has about N parameters")
    p.add_argument("--epochs", type=int_arg, help="override every task's epochs")
    p.add_argument("--lr", type=float, help="override every task's learning rate")
    p.add_argument("--max-seconds", type=float, help="wall-clock budget per run")
    p.add_argument("--config", metavar="FILE", help="sweep config (.toml, .yaml); see docs/benchmark.md")
    p.add_argument("--plugin", action="append", metavar="MODULE",
                   help="module to import in every worker (registers your own units or tasks)")
    p.add_argument("--store", metavar="PATH", help="SQLite results file (default runs.db)")
    p.add_argument("--executor", choices=("local", "ray"), help="local process pool (default) or Ray")
    p.add_argument("--address", help="Ray cluster address (default: start a local Ray instance)")
    p.add_argument("--workers", type=int_arg, metavar="N",
                   help="parallel runs (default: CPUs available; 0: in this process)")
    p.add_argument("--retry-failed", action="store_true", help="run 'failed' runs again")
    p.add_argument("--backward", action="extend", nargs="+", metavar="B",
                   help="backward of every run: exact (default) and/or fewbit-B[:TABLE] (nonlin.memory.fewbit, "
                        "B = 1..4 bits; TABLE optimal (N(0,1) objective), inputs (fitted to each layer's first batch), "
                        "approx_bp, fewbit_published or relu_step); several "
                        "values give one entry per unit and backward, e.g. --backward exact fewbit-3")
    p.add_argument("--data-dir", metavar="DIR",
                   help="root of local data sets (cifar-10-batches-py/, cifar-100-python/, lra_release/, shd/); "
                        "sets NONLIN_DATA_DIR, see docs/data.md")
    p.add_argument("--baseline", default="relu", metavar="UNIT",
                   help="the unit every other one is compared with on each board (default relu)")
    p.add_argument("--report-dir", metavar="DIR", help="where to write the report (default nonlin-report)")
    p.add_argument("--no-report", action="store_true", help="only run; write no report")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=bench_main)

    q = subparsers.add_parser("report", help="leaderboard and plots (Markdown + HTML) from a benchmark store")
    q.add_argument("--store", default="runs.db", metavar="PATH", help="SQLite results file (default runs.db)")
    q.add_argument("-o", "--output", default="nonlin-report", metavar="DIR", help="output directory")
    q.add_argument("--no-plots", action="store_true", help="tables only")
    q.add_argument("--baseline", default="relu", metavar="UNIT",
                   help="the unit every other one is compared with on each board (default relu)")
    q.set_defaults(func=report_main)


def _error(message: str, status: int = 2) -> int:
    print(f"nonlin: error: {message}", file=sys.stderr)
    return status


def spec_from_args(args: argparse.Namespace):
    """The :class:`SweepSpec` of a ``nonlin bench`` command line (suite, then config file, then flags)."""
    from .config import (MAX_DEPTH, MAX_MATCH_PARAMS, MAX_WIDTH, ConfigError, TaskEntry, UnitEntry, apply_mapping,
                         check_int, check_run_settings, parse_seeds, parse_train, read_config_file)
    from .suites import get_suite

    data = read_config_file(args.config) if getattr(args, "config", None) else {}
    suite_name = args.suite or data.get("suite") or "quick"
    if not isinstance(suite_name, str):
        raise ConfigError(f"'suite' must be a string; got {suite_name!r}")
    spec = get_suite(suite_name).to_spec()
    if data:
        apply_mapping(spec, data, where=args.config)
    if (args.units or args.tasks or args.arch) and "skip_incompatible" not in data:
        # Combinations the user names explicitly must build, or fail with the reason.
        spec.skip_incompatible = False
    if args.units:
        spec.units = [UnitEntry(n, p) for n, p in parse_named_list(args.units, "unit")]
        spec.missing = []
    if args.tasks:
        spec.tasks = [TaskEntry(n, p) for n, p in parse_named_list(args.tasks, "task")]
    if args.seeds is not None:
        spec.seeds = parse_seeds(args.seeds)
    if args.arch:
        spec.archs = list(args.arch)
    if args.width:
        spec.widths = [check_int(w, "--width", 1, MAX_WIDTH) for w in args.width]
    if args.depth is not None:
        spec.depth = check_int(args.depth, "--depth", 1, MAX_DEPTH)
    if args.match_params is not None:
        spec.match_params = check_int(args.match_params, "--match-params", 1, MAX_MATCH_PARAMS)
    train = {k: v for k, v in (("epochs", args.epochs), ("lr", args.lr), ("max_seconds", args.max_seconds))
             if v is not None}
    if train:
        spec.train = {**spec.train, **parse_train(train)}
    if args.plugin:
        spec.plugins = [*spec.plugins, *args.plugin]
    if args.store:
        spec.store = args.store
    if args.report_dir:
        spec.report_dir = args.report_dir
    if args.executor:
        spec.executor = args.executor
    if args.address:
        spec.address = args.address
    if args.workers is not None:
        if args.workers < 0:
            raise ConfigError(f"--workers must be >= 0; got {args.workers}")
        spec.workers = args.workers
    check_run_settings(spec.executor, spec.address, spec.workers)
    if args.retry_failed:
        spec.retry_failed = True
    if args.backward:
        from .config import parse_backward
        for b in args.backward:
            parse_backward(b)  # one clear error before any work
        spec.backwards = list(dict.fromkeys(args.backward))
    if not spec.units:
        raise ConfigError("no units to run (none of the suite's units is registered); pass --units")
    if not spec.tasks:
        raise ConfigError("no tasks to run; pass --tasks")
    return spec


def bench_main(args: argparse.Namespace) -> int:
    from .runner import SweepInterrupted, stop_on_signals

    store = getattr(args, "store", None) or "runs.db"
    try:
        with stop_on_signals():
            return _bench(args)
    except KeyboardInterrupt as err:  # SIGINT / Ctrl-C / SIGTERM, at any moment
        signum = err.signum if isinstance(err, SweepInterrupted) else signal.SIGINT
        print(f"nonlin: interrupted ({signal.Signals(signum).name}); finished runs are kept in {store}, "
              "unfinished ones were given back. Run the same command again to resume.", file=sys.stderr)
        return 128 + signum


def _bench(args: argparse.Namespace) -> int:
    from .config import ConfigError
    from .store import StoreError

    if getattr(args, "data_dir", None):
        if not os.path.isdir(args.data_dir):
            return _error(f"--data-dir {args.data_dir!r} is not a directory")
        # Local workers inherit the environment; tasks look their files up through it (docs/data.md).
        os.environ["NONLIN_DATA_DIR"] = os.path.abspath(args.data_dir)
    try:
        spec = spec_from_args(args)
        args.store = spec.store
        from .grid import build_grid
        from .runner import run_sweep
        skipped: list[str] = []
        grid = build_grid(spec, skipped)
    except (ConfigError, StoreError) as err:
        return _error(str(err))
    quiet = args.quiet
    if not quiet:
        missing = getattr(spec, "missing", [])
        if missing:
            print(f"note: skipping suite entries not registered here: {', '.join(missing)}", file=sys.stderr)
        for note in skipped:
            print(f"note: skipped {note}", file=sys.stderr)
        print(f"nonlin bench: {len(grid)} runs ({len(spec.units)} units x {len(spec.tasks)} tasks x "
              f"{len(spec.seeds)} seeds) -> {spec.store}", file=sys.stderr)
    if not grid:
        return _error("nothing to run: every unit/task combination was skipped"
                      + (f" ({skipped[0]})" if skipped else ""))
    try:
        result = run_sweep(grid, spec.store, executor=spec.executor, workers=spec.workers, address=spec.address,
                           plugins=spec.plugins, quiet=quiet, retry_failed=spec.retry_failed)
    except (ConfigError, StoreError) as err:
        return _error(str(err))
    c = result.counts
    print(f"{result.ran} runs now, {result.skipped} already in the store: {c['done']} done, "
          f"{c['diverged']} diverged, {c['failed']} failed ({result.wall_time:.0f} s). Store: {result.store}")
    if c["failed"] and not c["done"] and not c["diverged"]:
        # Every run failed: almost always one cause (a broken plugin, an environment problem).
        return _error(f"all {c['failed']} runs failed; the first: {result.first_failure}", status=1)
    if c["failed"]:
        print(f"note: {c['failed']} runs failed; the first: {result.first_failure} "
              "(full tracebacks: the store's error column; --retry-failed runs them again)", file=sys.stderr)
    if args.no_report:
        return 0
    from .report import write_report
    try:
        paths = write_report(result.store, spec.report_dir, baseline=args.baseline)
    except OSError as err:
        return _error(f"cannot write the report to {spec.report_dir!r}: {err.strerror or err}")
    _print_top(paths)
    print(f"report: {os.path.abspath(paths['html'])}\n        {os.path.abspath(paths['markdown'])}")
    return 0


def _print_top(paths: dict, n: int = 10) -> None:
    avg = paths.get("average_rank") or []
    if not avg:
        return
    seeds = {len(e.scores) for b in paths.get("boards", []) for e in b.entries if e.scores}
    few = max(seeds, default=0) < 5
    print("average rank across tasks (lower is better)"
          + (f"; {max(seeds, default=0)} seeds per unit, so these ranks are indicative only "
             "(the report marks which differences are significant):" if few else ":"))
    for d in avg[:n]:
        print(f"  {d['mean_rank']:5.2f}  {d['label']}  ({d['boards']} tasks)")


def report_main(args: argparse.Namespace) -> int:
    from .report import write_report
    from .store import Store, StoreError
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        return _error(f"-o {args.output!r} is a file; the report needs a directory (it writes several files)")
    try:
        with Store(args.store, readonly=True) as db:   # read-only: works on read-only media
            paths = write_report(db, args.output, plots=not args.no_plots, baseline=args.baseline)
    except (FileNotFoundError, StoreError) as err:
        return _error(str(err))
    except OSError as err:
        return _error(f"cannot write the report to {args.output!r}: {err.strerror or err}")
    _print_top(paths)
    print(f"report: {os.path.abspath(paths['html'])}\n        {os.path.abspath(paths['markdown'])}")
    return 0
