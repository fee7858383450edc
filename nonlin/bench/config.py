"""What a sweep runs: the :class:`SweepSpec`, and loading it from TOML or YAML.

A config file describes one sweep; every key is optional and command-line
flags override the file.  TOML (read with :mod:`tomllib`, Python >= 3.11, or
the ``tomli`` package) and YAML (``pyyaml``, in the ``bench`` extra) hold the
same schema::

    # sweep.toml
    suite = "quick"          # start from a suite's units/tasks/seeds/train settings
    units = [                # a name, or a table with parameters
      "relu", "gelu",
      { name = "snake", params = { a = 2.0 } },
    ]
    tasks = [                # a name, or a table with options / arch / train overrides
      "mnist1d",
      { name = "adding", options = { T = 50 }, arch = "sequence", train = { epochs = 4 } },
    ]
    seeds = 3                # N (seeds 0..N-1) or an explicit list [0, 1, 2]
    arch = "mlp"             # or a list; default: each task's default_model
    width = 64               # or a list of widths
    depth = 2
    match_params = 20000     # optional: per (unit, task) pick the width reaching this parameter count
    plugins = ["mypkg.units"]  # modules imported in the driver and every worker (register your own units/tasks)
    store = "runs.db"
    report_dir = "nonlin-report"
    executor = "local"       # local | ray
    address = "auto"         # ray only: an existing cluster; default starts a local instance
    workers = 2              # local: processes (default: CPUs); ray: tasks in flight
    retry_failed = false     # run 'failed' rows again
    skip_incompatible = false  # leave out unit/arch/task combinations the models cannot build (suites: true)

    [train]                  # overrides the tasks' suite defaults (TrainDefaults)
    epochs = 5
    batch_size = 128
    lr = 1e-3
    weight_decay = 0.0
    max_seconds = 30         # wall-clock budget per run

Unknown keys are errors (a typo must not silently change a benchmark).

This module knows nothing of suites; :func:`nonlin.bench.grid.load_config`
reads a file on top of its suite.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
from typing import Any, Mapping

TRAIN_KEYS = ("epochs", "batch_size", "lr", "weight_decay", "max_seconds")
EXECUTORS = ("local", "ray")
TOP_KEYS = ("suite", "units", "tasks", "seeds", "arch", "width", "depth", "match_params", "plugins",
            "store", "report_dir", "executor", "address", "workers", "retry_failed", "skip_incompatible",
            "train")


# Bounds on sizes: beyond them a sweep would run out of memory or time long before it
# could record anything useful; refusing up front is one clear error instead.
MAX_SEED = 2 ** 32 - 1        # numpy's and most generators' seed range
MAX_SEED_COUNT = 10_000
MAX_WIDTH = 65_536
MAX_DEPTH = 256
MAX_MATCH_PARAMS = 10 ** 9
MAX_EPOCHS = 1_000_000
MAX_BATCH_SIZE = 10_000_000


class ConfigError(ValueError):
    """A config file or option that cannot be used; the message says what and what is allowed."""


@dataclasses.dataclass(frozen=True)
class UnitEntry:
    name: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TaskEntry:
    name: str
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    arch: str | None = None                                   # overrides the sweep's arch for this task
    train: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # overrides for this task
    width: int | None = None                                  # overrides the sweep's width for this task
    depth: int | None = None                                  # overrides the sweep's depth for this task
    # Only these of the sweep's units run on this task (None: all).  Lets a suite keep
    # units that are slow on a board (KAN layers on a 150-epoch MNIST-1D) to the boards they fit.
    units: tuple[str, ...] | None = None


@dataclasses.dataclass
class SweepSpec:
    """Everything that decides which runs a sweep contains and how they train."""

    units: list[UnitEntry]
    tasks: list[TaskEntry]
    seeds: list[int] = dataclasses.field(default_factory=lambda: [0])
    archs: list[str] | None = None          # None: each task's default_model
    widths: list[int] = dataclasses.field(default_factory=lambda: [64])
    depth: int = 2
    match_params: int | None = None
    train: dict = dataclasses.field(default_factory=dict)  # overrides of TrainDefaults
    suite: str = "quick"                    # which TrainDefaults of each task to start from
    plugins: list[str] = dataclasses.field(default_factory=list)
    # Leave out (unit, arch, task) combinations the models cannot build instead of
    # failing (suites mix unit kinds; a user's explicit choice should fail loudly).
    skip_incompatible: bool = False
    # Backward of every run: "exact", or "fewbit-B[:TABLE]" (nonlin.memory.fewbit, B = 1..4 bits,
    # TABLE one of nonlin.memory's table choices; default optimal).
    backwards: list[str] = dataclasses.field(default_factory=lambda: ["exact"])
    # How to run (not part of any run's identity).
    store: str = "runs.db"
    report_dir: str = "nonlin-report"
    executor: str = "local"
    address: str | None = None
    workers: int | None = None
    retry_failed: bool = False


# -- parsing helpers (shared with the command line) ---------------------------

# "inputs": the optimal table fitted to each layer's first training batch (fewbit(dist="inputs"))
BACKWARD_TABLES = ("optimal", "inputs", "approx_bp", "fewbit_published", "relu_step")


def parse_backward(text: Any) -> tuple[int, str] | None:
    """``"exact"`` -> None; ``"fewbit-2"`` -> (2, "optimal"); ``"fewbit-2:approx_bp"`` -> (2, "approx_bp")."""
    if text == "exact":
        return None
    m = re.fullmatch(r"fewbit-([1-4])(?::(\w+))?", text) if isinstance(text, str) else None
    if m is None or (m.group(2) or "optimal") not in BACKWARD_TABLES:
        raise ConfigError(f"backward must be 'exact' or 'fewbit-B[:TABLE]' with B in 1..4 and TABLE one of "
                          f"{', '.join(BACKWARD_TABLES)}; got {text!r}")
    return int(m.group(1)), m.group(2) or "optimal"

def parse_units(value: Any) -> list[UnitEntry]:
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"'units' must be a non-empty list of names or {{name, params}} tables; got {value!r}")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(UnitEntry(item))
        elif isinstance(item, Mapping):
            _check_keys(item, ("name", "params"), "a unit entry")
            if not isinstance(item.get("name"), str):
                raise ConfigError(f"a unit entry needs a 'name' string; got {dict(item)!r}")
            params = item.get("params") or {}
            if not isinstance(params, Mapping):
                raise ConfigError(f"unit '{item['name']}': 'params' must be a table; got {params!r}")
            out.append(UnitEntry(item["name"], dict(params)))
        else:
            raise ConfigError(f"a unit entry must be a name or a {{name, params}} table; got {item!r}")
    return out


def parse_tasks(value: Any) -> list[TaskEntry]:
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"'tasks' must be a non-empty list of names or {{name, options}} tables; got {value!r}")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(TaskEntry(item))
        elif isinstance(item, Mapping):
            _check_keys(item, ("name", "options", "arch", "train", "width", "depth", "units"), "a task entry")
            if not isinstance(item.get("name"), str):
                raise ConfigError(f"a task entry needs a 'name' string; got {dict(item)!r}")
            options = item.get("options") or {}
            if not isinstance(options, Mapping):
                raise ConfigError(f"task '{item['name']}': 'options' must be a table; got {options!r}")
            width = item.get("width")
            if width is not None:
                check_int(width, f"task '{item['name']}': width", 1, MAX_WIDTH)
            depth = item.get("depth")
            if depth is not None:
                check_int(depth, f"task '{item['name']}': depth", 1, MAX_DEPTH)
            only = item.get("units")
            if only is not None and (not isinstance(only, (list, tuple)) or not all(isinstance(u, str) for u in only)):
                raise ConfigError(f"task '{item['name']}': 'units' must be a list of unit names; got {only!r}")
            out.append(TaskEntry(item["name"], dict(options), item.get("arch"),
                                 parse_train(item.get("train") or {}), width, depth,
                                 tuple(only) if only is not None else None))
        else:
            raise ConfigError(f"a task entry must be a name or a {{name, options}} table; got {item!r}")
    return out


def parse_seeds(value: Any) -> list[int]:
    if isinstance(value, bool):
        raise ConfigError(f"'seeds' must be a count N or a list of integers; got {value!r}")
    if isinstance(value, int):
        if not 1 <= value <= MAX_SEED_COUNT:
            raise ConfigError(f"'seeds' (a count) must be between 1 and {MAX_SEED_COUNT:,}; got {value}")
        return list(range(value))
    if isinstance(value, (list, tuple)) and value and all(isinstance(s, int) and not isinstance(s, bool)
                                                          for s in value):
        bad = [s for s in value if not 0 <= s <= MAX_SEED]
        if bad:
            raise ConfigError(f"seeds must be integers from 0 to {MAX_SEED} (2**32 - 1); got {bad[0]}")
        if len(set(value)) != len(value):
            raise ConfigError(f"'seeds' lists a seed twice: {list(value)}")
        if len(value) > MAX_SEED_COUNT:
            raise ConfigError(f"'seeds' lists {len(value)} seeds; at most {MAX_SEED_COUNT:,}")
        return list(value)
    raise ConfigError(f"'seeds' must be a count N or a non-empty list of integers; got {value!r}")


def check_int(value: Any, what: str, low: int, high: int) -> int:
    """``value`` if it is an integer in [low, high] (not a bool, not a string); else a ConfigError."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{what} must be an integer from {low} to {high:,}; got {value!r}")
    return value


def _check_number(value: Any, what: str, *, low: float, strict: bool = False) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"{what} must be a number; got {value!r}")
    try:
        f = float(value)
    except OverflowError:
        f = math.inf
    if not math.isfinite(f) or f < low or (strict and f == low):
        raise ConfigError(f"{what} must be a finite number {'>' if strict else '>='} {low:g}; got {value!r}")
    return f


def parse_train(value: Any) -> dict:
    if not isinstance(value, Mapping):
        raise ConfigError(f"'train' must be a table with keys {', '.join(TRAIN_KEYS)}; got {value!r}")
    _check_keys(value, TRAIN_KEYS, "'train'")
    out = dict(value)
    if "epochs" in out:
        check_int(out["epochs"], "train.epochs", 1, MAX_EPOCHS)
    if "batch_size" in out:
        check_int(out["batch_size"], "train.batch_size", 1, MAX_BATCH_SIZE)
    for k in ("lr", "weight_decay"):
        if k in out:
            out[k] = _check_number(out[k], f"train.{k}", low=0.0)
    if "max_seconds" in out and out["max_seconds"] is not None:
        out["max_seconds"] = _check_number(out["max_seconds"], "train.max_seconds (omit it for no limit)",
                                           low=0.0, strict=True)
    return out


def check_run_settings(executor: str, address: str | None, workers: int | None) -> None:
    """How a sweep runs: a known executor, an address only for Ray (and a well-formed one)."""
    if executor not in EXECUTORS:
        raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}; got {executor!r}")
    if address is not None:
        if executor != "ray":
            raise ConfigError(f"--address {address!r} is a Ray cluster address; it needs --executor ray "
                              "(the local executor runs on this machine)")
        parse_ray_address(address)
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 0):
        raise ConfigError(f"workers must be an integer >= 0 (0: run in this process); got {workers!r}")


def parse_ray_address(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a Ray address (``host:port`` or ``ray://host:port``); None for ``auto``.

    Raises :class:`ConfigError` for anything else (the check runs before any row is written).
    """
    if address == "auto":
        return None
    rest = address[len("ray://"):] if address.startswith("ray://") else address
    host, sep, port = rest.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1]  # [IPv6]:port
    if not (sep and host and not any(c.isspace() for c in host) and (bracketed or ":" not in host)
            and port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"--address must be 'auto', HOST:PORT or ray://HOST:PORT (port 1-65535); got {address!r}")
    return host, int(port)


def _list_of(value: Any, typ: type, what: str) -> list:
    vals = value if isinstance(value, (list, tuple)) else [value]
    if not vals or not all(isinstance(v, typ) and not isinstance(v, bool) for v in vals):
        raise ConfigError(f"'{what}' must be a {typ.__name__} or a list of them; got {value!r}")
    return list(vals)


def _check_keys(d: Mapping, allowed: tuple, where: str) -> None:
    for k in d:
        if k not in allowed:
            close = difflib.get_close_matches(str(k), allowed, n=2)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise ConfigError(f"unknown key '{k}' in {where}.{hint} Allowed: {', '.join(allowed)}")


# -- files ------------------------------------------------------------------

def read_config_file(path: str | os.PathLike) -> dict:
    """The raw mapping in a ``.toml``, ``.yaml`` or ``.yml`` file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ConfigError(f"config file not found: {path}")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            try:
                import tomli as tomllib  # type: ignore[no-redef]
            except ModuleNotFoundError:
                raise ConfigError("reading TOML needs Python >= 3.11 or the 'tomli' package "
                                  "(pip install tomli)") from None
        with open(path, "rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as err:
                raise ConfigError(f"{path}: invalid TOML: {err}") from None
    elif ext in (".yaml", ".yml"):
        try:
            import yaml
        except ModuleNotFoundError:
            raise ConfigError("reading YAML needs pyyaml (pip install pyyaml, or nonlin[bench]); "
                              "or write the config as TOML") from None
        with open(path) as fh:
            try:
                data = yaml.safe_load(fh)
            except yaml.YAMLError as err:
                raise ConfigError(f"{path}: invalid YAML: {err}") from None
        data = {} if data is None else data
    else:
        raise ConfigError(f"config file {path}: unknown format {ext or '(no extension)'!r}; "
                          "use .toml, .yaml or .yml")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the top level must be a table/mapping; got {type(data).__name__}")
    return dict(data)


def apply_mapping(spec: SweepSpec, data: Mapping[str, Any], where: str = "config") -> SweepSpec:
    """Override the fields of ``spec`` with a config mapping (already validated key by key)."""
    _check_keys(data, TOP_KEYS, where)
    if "units" in data:
        spec.units = parse_units(data["units"])
    if "tasks" in data:
        spec.tasks = parse_tasks(data["tasks"])
    if "seeds" in data:
        spec.seeds = parse_seeds(data["seeds"])
    if "arch" in data:
        spec.archs = _list_of(data["arch"], str, "arch")
    if "width" in data:
        spec.widths = [check_int(w, "'width'", 1, MAX_WIDTH) for w in _list_of(data["width"], int, "width")]
    if "depth" in data:
        spec.depth = check_int(data["depth"], "'depth'", 1, MAX_DEPTH)
    if "match_params" in data:
        mp = data["match_params"]
        spec.match_params = None if mp is None else check_int(mp, "'match_params'", 1, MAX_MATCH_PARAMS)
    if "train" in data:
        spec.train = {**spec.train, **parse_train(data["train"])}
    if "plugins" in data:
        spec.plugins = _list_of(data["plugins"], str, "plugins")
    for k in ("store", "report_dir", "address"):
        if k in data:
            if not isinstance(data[k], str):
                raise ConfigError(f"'{k}' must be a string; got {data[k]!r}")
            setattr(spec, k, data[k])
    if "address" in data:
        parse_ray_address(data["address"])
    if "executor" in data:
        if data["executor"] not in EXECUTORS:
            raise ConfigError(f"'executor' must be one of {', '.join(EXECUTORS)}; got {data['executor']!r}")
        spec.executor = data["executor"]
    if "workers" in data:
        w = data["workers"]
        if not isinstance(w, int) or isinstance(w, bool) or w < 0:
            raise ConfigError(f"'workers' must be an integer >= 0 (0: run in this process); got {w!r}")
        spec.workers = w
    for k in ("retry_failed", "skip_incompatible"):
        if k in data:
            if not isinstance(data[k], bool):
                raise ConfigError(f"'{k}' must be true or false; got {data[k]!r}")
            setattr(spec, k, data[k])
    return spec
