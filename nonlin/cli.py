"""The ``nonlin`` command.

    nonlin list [--kind K] [--family F] [--json]
    nonlin show NAME [--json]
    nonlin plot NAME... -o FILE.png [--range LO HI]
    nonlin catalog -o catalog.json
    nonlin perf [NAME...] [--all | --kind K] [--numel N] [--size S] [--json FILE] [--check-floor]
    nonlin probe NAME... [--json]
    nonlin similar QUERY [--top N] [--range LO HI] [--json]
    nonlin bench ...      (see `nonlin bench --help`)
    nonlin report ...

Errors in user input print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from . import registry


class UsageError(Exception):
    """Bad input from the command line: printed as one line, exit status 2."""


# `nonlin perf`: each case holds several tensors of --numel float32 numbers at once.
MAX_PERF_NUMEL = 1 << 28


def _output_file(path: str, flag: str = "-o") -> str:
    """``path`` if a file can be written there; else a UsageError naming the problem."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path!r} is a directory; give a file name")
    if not os.path.isdir(folder):
        raise UsageError(f"{flag} {path!r}: directory {folder!r} does not exist")
    return path


def _int_arg(text: str) -> int:
    from .bench.commands import int_arg
    return int_arg(text)


def _cmd_list(args: argparse.Namespace) -> int:
    try:
        found = registry.names(family=args.family, kind=args.kind)
    except ValueError as err:
        raise UsageError(str(err)) from None
    specs = [registry.spec(n) for n in found]
    if args.json:
        print(json.dumps([{"name": s.name, "kind": s.kind, "family": s.family, "aliases": list(s.aliases),
                           "summary": s.summary} for s in specs], indent=1))
        return 0
    width = max((len(s.name) for s in specs), default=4)
    fam_w = max((len(s.family) for s in specs), default=6)
    for s in specs:
        print(f"{s.name:<{width}}  {s.kind:<10}  {s.family:<{fam_w}}  {s.summary[:70]}")
    print(f"{len(specs)} units", file=sys.stderr)
    return 0


def _lookup(name: str) -> registry.Spec:
    try:
        return registry.spec(name)
    except registry.UnknownUnitError as err:
        raise UsageError(str(err)) from None


def _cmd_show(args: argparse.Namespace) -> int:
    s = _lookup(args.name)
    if args.json:
        print(json.dumps(s.to_dict(), indent=1))
        return 0
    print(f"{s.name}  ({s.kind}, family {s.family})")
    if s.aliases:
        print(f"aliases:    {', '.join(s.aliases)}")
    print(f"summary:    {s.summary}")
    print(f"formula:    {s.formula}")
    print(f"reference:  {s.reference}")
    if s.builtin:
        print(f"builtin:    {s.builtin}")
    print("properties: " + ", ".join(f"{k}={v}" for k, v in s.properties.items()))
    if s.params:
        print("parameters:")
        for p in s.params:
            print(f"  {p.name} = {p.default!r}  range {p.range_text()}  {p.doc}")
    else:
        print("parameters: none")
    if args.bits:
        from .memory import describe_table

        if s.fn is None:
            raise UsageError(f"--bits: '{s.name}' is a {s.kind} unit; b-bit derivative tables are for "
                             "elementwise activations")
        try:
            text = describe_table(s.name, bits=tuple(args.bits), dist=args.dist)
        except ValueError as err:
            raise UsageError(str(err)) from None
        print(f"b-bit derivative tables (memory-lean backward, nonlin.memory.fewbit) under {args.dist}:")
        print(text)
    return 0


def _cmd_catalog(args: argparse.Namespace) -> int:
    from . import __version__
    import torch

    from .novelty import neighbours

    near = neighbours(top=3)
    cat = {"nonlin_version": __version__, "torch_version": torch.__version__,
           "similar_method": "nearest fixed activations after the best affine maps of input and output "
                             "on [-5, 5] (coarse grid; `nonlin similar NAME` refines)",
           "units": [dict(s.to_dict(), similar=near.get(s.name, [])) for s in registry.all_specs()]}
    text = json.dumps(cat, indent=1)
    if args.output in (None, "-"):
        print(text)
    else:
        with open(_output_file(args.output), "w") as fh:
            fh.write(text + "\n")
        print(f"wrote {len(cat['units'])} units to {args.output}", file=sys.stderr)
    return 0


def _cmd_similar(args: argparse.Namespace) -> int:
    from .novelty import similar

    try:
        found = similar(args.query, top=args.top, interval=tuple(args.range), kinds=tuple(args.kinds))
    except (ValueError, TypeError) as err:
        raise UsageError(str(err)) from None
    if args.json:
        print(json.dumps([m.to_dict() for m in found], indent=1))
        return 0
    lo, hi = args.range
    print(f"closest registered units to {args.query!r} on [{lo:g}, {hi:g}] "
          "(distance: relative RMS residual after the best affine maps; 0 = same function)")
    for m in found:
        print(f"  {m}")
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from .plotting import plot_units

    for n in args.names:
        s = _lookup(n)
        if s.fn is None:
            raise UsageError(f"'{s.name}' is a {s.kind} unit; `nonlin plot` draws elementwise activations only")
    lo, hi = args.range
    if not lo < hi:
        raise UsageError(f"--range needs LO < HI; got {lo} {hi}")
    _output_file(args.output)
    if args.bits:
        from .memory import plot_table

        if len(args.names) != 1:
            raise UsageError("--bits plots one unit's derivative and its b-bit tables: give one NAME")
        try:
            plot_table(args.names[0], args.output, bits=tuple(args.bits), dist=args.dist, lo=lo, hi=hi)
        except ValueError as err:
            raise UsageError(str(err)) from None
    else:
        plot_units(args.names, args.output, lo=lo, hi=hi)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _perf_names(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(fixed activations, layer units) that `nonlin perf` measures, checked before any timing."""
    from .bench import perf, perf_layers

    if args.names and (args.all or args.kind):
        raise UsageError("give unit NAMEs or --all / --kind, not both")
    if args.all and args.kind:
        raise UsageError("--all means --kind activation; give one of them")
    if args.names:
        specs = [_lookup(n) for n in args.names]
        return ([s.name for s in specs if s.kind == "activation"],
                [s.name for s in specs if s.kind != "activation"])
    kind = "activation" if args.all else args.kind
    if kind is None:
        return list(perf.DEFAULT_UNITS), []
    acts = registry.names(kind="activation") if kind in ("activation", "all") else []
    layers = perf_layers.names("all" if kind in ("layers", "all") else kind) if kind != "activation" else []
    return acts, layers


def _cmd_perf(args: argparse.Namespace) -> int:
    from .bench import perf, perf_layers

    acts, layers = _perf_names(args)
    if not 1 <= args.numel <= MAX_PERF_NUMEL:
        raise UsageError(f"--numel must be from 1 to {MAX_PERF_NUMEL:,} (2**28); got {args.numel:,}")
    if args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1; got {args.repeats}")
    if not 0.0 <= args.floor_tol < 1.0:
        raise UsageError(f"--floor-tol must be in [0, 1); got {args.floor_tol}")
    if args.json:
        _output_file(args.json, "--json")
    rows = perf.run(acts, numel=args.numel, repeats=args.repeats, quiet=args.quiet) if acts else []
    layer_rows = perf_layers.run(layers, size=args.size, repeats=args.repeats, quiet=args.quiet) if layers else []
    failed = False
    if rows:
        print(perf.format_table(rows))
        print(perf.format_summary(rows))
        if args.check_floor:
            print(perf.format_floor(rows, args.floor_tol))
            failed |= bool(perf.floor_violations(rows, args.floor_tol))
    if layer_rows:
        if rows:
            print()
        print(perf_layers.format_table(layer_rows))
        print(perf_layers.format_summary(layer_rows))
        if args.check_floor:
            print(perf_layers.format_floor(layer_rows, args.floor_tol))
            failed |= bool(perf_layers.floor_violations(layer_rows, args.floor_tol))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"environment": perf.environment(), "rows": rows, "layer_rows": layer_rows}, fh, indent=1)
        print(f"wrote {args.json}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_probe(args: argparse.Namespace) -> int:
    from . import probes

    from .probes.cli import parse_unit

    units = []
    for text in args.names:  # a name, or a name with parameters: snake(a=2)
        try:
            name, params = parse_unit(text)
        except (ValueError, registry.UnknownUnitError) as err:
            raise UsageError(str(err)) from None
        s = _lookup(name)
        if s.fn is None and not s.properties.get("elementwise"):
            raise UsageError(f"'{s.name}' is a {s.kind} unit; unit probes need an elementwise unit "
                             "(network probes: nonlin probe NAME --unit U, see --help)")
        try:
            s.check_params(params)
        except registry.ParameterError as err:
            raise UsageError(str(err)) from None
        units.append((name, params))
    rows = [probes.profile(n, **params) for n, params in units]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    keys = [k for k in rows[0] if k != "unit"]
    print("| unit | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for r in rows:
        print(f"| {r['unit']} | " + " | ".join(f"{r[k]:.4g}" for k in keys) + " |")
    return 0


def _bits(text: str) -> list[int]:
    try:
        bits = [int(b) for b in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"bits must be integers in 1..4, e.g. 2 or 1,2,3; got {text!r}") from None
    if not bits or any(b not in (1, 2, 3, 4) for b in bits):
        raise argparse.ArgumentTypeError(f"bits must be in 1..4; got {text!r}")
    return bits


def _bits_options(q: argparse.ArgumentParser) -> None:
    q.add_argument("--bits", type=_bits, default=None, metavar="B[,B...]",
                   help="also the optimal b-bit derivative tables of the memory-lean backward (1..4)")
    q.add_argument("--dist", default="normal", metavar="DIST",
                   help="input distribution of the tables: normal (default), normal(m,s), uniform(a,b)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nonlin", description="Neural nonlinearities: catalogue, benchmark, probes.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    q = sub.add_parser("list", help="list registered units")
    q.add_argument("--kind", choices=registry.KINDS)
    q.add_argument("--family")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_list)

    q = sub.add_parser("show", help="formula, paper, properties and parameters of a unit")
    q.add_argument("name")
    q.add_argument("--json", action="store_true")
    _bits_options(q)
    q.set_defaults(func=_cmd_show)

    q = sub.add_parser("plot", help="plot activations and their derivatives")
    q.add_argument("names", nargs="+", metavar="NAME")
    q.add_argument("-o", "--output", required=True, help="PNG file")
    q.add_argument("--range", nargs=2, type=float, default=(-5.0, 5.0), metavar=("LO", "HI"))
    _bits_options(q)
    q.set_defaults(func=_cmd_plot)

    q = sub.add_parser("catalog", help="write the machine-readable catalogue (JSON)")
    q.add_argument("-o", "--output", default="-", help="file (default: stdout)")
    q.set_defaults(func=_cmd_catalog)

    q = sub.add_parser("perf", help="speed of units vs the code a user would otherwise write: naive formula, "
                                     "compiled, builtin (activations); naive and peer baselines (layer units)")
    q.add_argument("names", nargs="*", metavar="NAME", help="units of any kind (default: a representative "
                                                             "set of fixed activations)")
    q.add_argument("--all", action="store_true", help="every fixed activation (slow: two compiles per unit)")
    q.add_argument("--kind", choices=("activation", "learnable", "gated", "kan", "neuron", "layers", "all"),
                   help="every unit of a kind; layers = learnable+gated+kan+neuron; all = every unit")
    q.add_argument("--numel", type=_int_arg, default=1 << 22,
                   help="elements per tensor of the fixed activations (default 2^22)")
    q.add_argument("--size", choices=("default", "tiny"), default="default",
                   help="shapes of the layer units: default (see docs/perf.md) or tiny (smoke runs)")
    q.add_argument("--repeats", type=_int_arg, default=5, help="interleaved timing rounds (median reported)")
    q.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    q.add_argument("--check-floor", action="store_true",
                   help="list units slower than their naive formula beyond the rounds' noise; exit 1 if any")
    q.add_argument("--floor-tol", type=float, default=0.05,
                   help="tolerance of --check-floor: fail below (1 - tol) x naive speed (default 0.05)")
    q.add_argument("--quiet", action="store_true")
    q.set_defaults(func=_cmd_perf)

    from .probes.cli import epilog as probe_epilog

    q = sub.add_parser("probe", help="what a unit does to a signal (unit probes) or to a trained network "
                                     "(network probes: nonlin probe NAME --unit U --task T)",
                       epilog=probe_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("names", nargs="+", metavar="NAME", help="units, e.g. gelu pau 'snake(a=2)'")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_probe)

    q = sub.add_parser("similar", help="registered units closest to a formula, callable or unit (novelty search)",
                       description="Rank the registered elementwise units by distance to QUERY after the best "
                                   "affine rescaling of input and output. QUERY is a unit name or an expression "
                                   "in x, e.g. 'x * tanh(softplus(x))'.")
    q.add_argument("query", metavar="QUERY")
    q.add_argument("--top", type=int, default=5)
    q.add_argument("--range", nargs=2, type=float, default=(-5.0, 5.0), metavar=("LO", "HI"))
    q.add_argument("--kinds", nargs="+", default=["activation", "learnable"], choices=registry.KINDS)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_similar)

    try:
        from .bench import commands as bench_commands
    except ImportError:  # benchmark extras not installed
        bench_commands = None
    if bench_commands is not None:
        bench_commands.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) > 1 and argv[0] == "probe":
        from .probes.cli import NETWORK_PROBES, cli_main

        if argv[1] in NETWORK_PROBES:  # a network probe: its own options (--unit, --task, ...)
            return cli_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as err:
        print(f"nonlin: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as err:  # a file we were asked to write: no space, no permission, ...
        if err.filename is None:
            raise
        print(f"nonlin: error: cannot write {err.filename!r}: {err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nonlin: interrupted", file=sys.stderr)
        return 130



if __name__ == "__main__":
    sys.exit(main())
