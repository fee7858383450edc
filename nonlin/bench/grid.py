"""What a sweep runs: the (unit x task x seed [x arch x width]) grid of :class:`RunConfig`.

>>> from nonlin.bench.grid import build_grid, load_config
>>> grid = build_grid(load_config("sweep.toml"))     # doctest: +SKIP

A :class:`~nonlin.bench.config.SweepSpec` (from a suite, a config file and
command-line flags) expands here into run configurations, each checked before
anything runs: unknown units, tasks and parameters, incompatible
(unit, arch, task) combinations and bad training settings fail with a
:class:`~nonlin.bench.config.ConfigError`.  A run's config is everything that
decides its result; its hash is its key in the store.

Architectures defined outside :mod:`nonlin.bench.models` (plugins, tests) are
registered with :func:`register_arch`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import inspect
import json
import math
import os
import sys
from typing import Any, Callable, Iterable, Mapping

from .config import (MAX_DEPTH, MAX_MATCH_PARAMS, MAX_WIDTH, TRAIN_KEYS, ConfigError, SweepSpec, TaskEntry, UnitEntry,
                     apply_mapping, check_int, parse_seeds, parse_train, read_config_file)

from .config import ConfigError, SweepSpec, TaskEntry, UnitEntry

# Architectures defined outside nonlin.bench.models (by plugins and tests):
# name -> builder(unit, task, *, width, depth, unit_params) -> nn.Module.
_ARCHS: dict[str, Callable[..., Any]] = {}


def register_arch(name: str) -> Callable:
    """Decorator adding a model builder usable as ``arch=name`` in a sweep.

    The builder is called as ``builder(unit, task, width=..., depth=..., unit_params=...)``
    and returns an ``nn.Module`` mapping the task's inputs to its outputs.  Register
    it in a plugin module (``plugins=[...]``) so worker processes see it too.
    """

    def deco(fn: Callable) -> Callable:
        if name in _ARCHS and _ARCHS[name] is not fn:
            raise ValueError(f"architecture '{name}' is registered twice")
        _ARCHS[name] = fn
        return fn

    return deco


# -- run configurations -------------------------------------------------------

def _canonical(value: Any) -> Any:
    """JSON-stable form: dict keys sorted by json.dumps, tuples as lists, integral floats kept as floats."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _label(name: str, params: Mapping[str, Any]) -> str:
    if not params:
        return name
    inner = ",".join(f"{k}={json.dumps(_canonical(v), separators=(',', ':'))}" for k, v in sorted(params.items()))
    return f"{name}({inner})"


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Everything that decides one run's result; its hash is the store key."""

    unit: str
    task: str
    arch: str
    seed: int
    train: Mapping[str, Any]                 # epochs, batch_size, lr, weight_decay, max_seconds
    unit_params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    task_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    width: int = 64
    depth: int = 2
    match_params: int | None = None          # the target that chose ``width``, if any
    suite: str = "quick"
    version: str = ""                        # nonlin version (a new version re-runs)
    backward: str = "exact"                  # or "fewbit-B[:TABLE]": nonlin.memory.fewbit on the model

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for k in ("train", "unit_params", "task_options"):
            d[k] = _canonical(dict(d[k]))
        if d["backward"] == "exact":  # left out, so the keys of runs stored before the field stay the same
            del d["backward"]
        return d

    def to_json(self) -> str:
        # allow_nan=False: a stored config is valid JSON (build_grid refuses NaN/inf before this).
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @property
    def key(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:32]

    @property
    def unit_label(self) -> str:
        label = _label(self.unit, self.unit_params)
        return label if self.backward == "exact" else f"{label} [{self.backward}]"

    @property
    def task_label(self) -> str:
        return _label(self.task, self.task_options)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RunConfig":
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls) if f.name in d})

    def to_row(self) -> dict:
        return {"key": self.key, "config": self.to_json(), "unit": self.unit, "unit_label": self.unit_label,
                "task": self.task, "task_label": self.task_label, "arch": self.arch, "width": self.width,
                "depth": self.depth, "seed": self.seed, "suite": self.suite}


def import_plugins(plugins: Iterable[str]) -> None:
    """Import the plugin modules (they register units, tasks, architectures).

    Plugins are looked up on ``sys.path`` and then in the current directory, the
    same under the ``nonlin`` console script as under ``python -m nonlin.cli``
    (only the latter puts the current directory on ``sys.path`` by itself).
    The current directory goes last, so a folder there never shadows an
    installed package.
    """
    plugins = list(plugins)
    if not plugins:
        return
    cwd = os.getcwd()
    if not any(p in ("", cwd) or (p and os.path.isdir(p) and os.path.samefile(p, cwd)) for p in sys.path):
        sys.path.append(cwd)
    for mod in plugins:
        try:
            importlib.import_module(mod)
        except ImportError as err:
            raise ConfigError(f"cannot import plugin module '{mod}': {err}") from err
        except Exception as err:  # the plugin's own code raised while being imported
            first = (str(err).strip().splitlines() or [""])[0][:300]
            raise ConfigError(f"plugin module '{mod}' raised {type(err).__name__} while being imported: "
                              f"{first}") from err


def _models():
    """The reference models module (written separately; imported lazily)."""
    from . import models
    return models


def build_model(config: RunConfig, task: Any):
    if config.arch in _ARCHS:
        return _ARCHS[config.arch](config.unit, task, width=config.width, depth=config.depth,
                                   unit_params=dict(config.unit_params))
    return _models().build_model(config.arch, config.unit, task, width=config.width, depth=config.depth,
                                 unit_params=dict(config.unit_params) or None)


def resolve_train(task: Any, suite: str, *overrides: Mapping[str, Any]) -> dict:
    """The task's TrainDefaults for ``suite`` (falling back to 'quick'), then overrides in order (checked)."""
    defaults = task.defaults.get(suite) or task.defaults.get("quick")
    base = dataclasses.asdict(defaults) if defaults is not None else {}
    for o in overrides:
        base.update({k: v for k, v in o.items()})
    checked = parse_train({k: v for k, v in base.items() if k in TRAIN_KEYS})
    base.update(checked)
    return base


def _non_finite(value: Any, path: str = "") -> str | None:
    """The first path inside ``value`` holding a NaN or infinite float, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "value"
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = _non_finite(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = _non_finite(v, f"{path}[{i}]")
            if found:
                return found
    return None


# A task's data must fit in memory: numbers per sample, and in the whole data set.
MAX_SAMPLE_NUMEL = 10 ** 7
MAX_DATA_NUMEL = 10 ** 9


def _check_task_size(name: str, task: Any) -> None:
    shape = getattr(task, "input_shape", None)
    if not isinstance(shape, tuple) or not all(isinstance(d, int) for d in shape):
        return
    per_sample = math.prod(shape)
    if per_sample > MAX_SAMPLE_NUMEL:
        raise ConfigError(f"task '{name}': its options make inputs of shape {shape} "
                          f"({per_sample:,} numbers per sample; at most {MAX_SAMPLE_NUMEL:,})")
    n = sum(v for k, v in getattr(task, "options", {}).items()
            if k in ("n", "n_train", "n_test", "n_val") and isinstance(v, int))
    if n * per_sample > MAX_DATA_NUMEL:
        raise ConfigError(f"task '{name}': its options make a data set of {n:,} samples x {per_sample:,} "
                          f"numbers (at most {MAX_DATA_NUMEL:,} numbers in all)")


def _board_units(entry: TaskEntry, lenient: bool) -> set[str]:
    """Canonical names of a task entry's ``units`` restriction; names not registered here are an
    error, or skipped when ``lenient`` (suites name units that another install may lack)."""
    import nonlin

    names = set()
    for n in entry.units or ():
        try:
            names.add(nonlin.resolve(n))
        except KeyError as err:
            if not lenient:
                raise ConfigError(f"task '{entry.name}': 'units': {err.args[0] if err.args else n}") from None
    return names


def _incompatibility(arch: str, unit: str, task: Any, depth: int, unit_params: dict | None = None) -> str | None:
    """Why the reference models cannot build (arch, unit, task), or None."""
    if arch in _ARCHS:
        return None
    models = _models()
    check = getattr(models, "compatible", None)
    if check is None:
        return None
    try:
        check(arch, unit, task, depth, unit_params or None)
    except ValueError as err:
        return str(err)
    return None


def build_grid(spec: SweepSpec, skipped: list[str] | None = None) -> list[RunConfig]:
    """All run configs of a sweep, checked (unknown units, tasks, parameters fail here, before any run).

    Incompatible (unit, arch, task) combinations raise :class:`ConfigError`, or
    with ``spec.skip_incompatible`` are left out and described in ``skipped``.
    """
    import nonlin
    from .tasks.base import get_task

    import_plugins(spec.plugins)
    seeds = parse_seeds(list(spec.seeds))
    widths = [check_int(w, "width", 1, MAX_WIDTH) for w in spec.widths]
    check_int(spec.depth, "depth", 1, MAX_DEPTH)
    if spec.match_params is not None:
        check_int(spec.match_params, "match_params", 1, MAX_MATCH_PARAMS)
    units: list[UnitEntry] = []
    for u in spec.units:
        bad = _non_finite(dict(u.params))
        if bad:
            raise ConfigError(f"unit '{u.name}': parameter {bad} must be a finite number; "
                              f"got {dict(u.params)!r}")
        try:
            s = nonlin.spec(u.name)
            params = s.check_params(dict(u.params))
        except (KeyError, ValueError, TypeError, OverflowError) as err:
            raise ConfigError(str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)) from None
        units.append(UnitEntry(s.name, params))
    seen: set[str] = set()
    configs: list[RunConfig] = []
    tasks: list[tuple[TaskEntry, Any]] = []
    for t in spec.tasks:
        bad = _non_finite(dict(t.options))
        if bad:
            raise ConfigError(f"task '{t.name}': option {bad} must be a finite number; got {dict(t.options)!r}")
        if t.width is not None:
            check_int(t.width, f"task '{t.name}': width", 1, MAX_WIDTH)
        if t.depth is not None:
            check_int(t.depth, f"task '{t.name}': depth", 1, MAX_DEPTH)
        try:
            task = get_task(t.name, **dict(t.options))
        except KeyError as err:
            raise ConfigError(str(err.args[0]) if err.args else str(err)) from None
        except (TypeError, ValueError, OverflowError) as err:
            raise ConfigError(f"task '{t.name}': {err}") from None
        _check_task_size(t.name, task)
        tasks.append((t, task))
    for seed in seeds:
        for t, task in tasks:
            train = resolve_train(task, spec.suite, spec.train, t.train)
            archs = [t.arch] if t.arch else (spec.archs or [task.default_model])
            task_widths = [t.width] if t.width is not None else widths
            depth = t.depth if t.depth is not None else spec.depth
            only = None if t.units is None else _board_units(t, spec.skip_incompatible)
            for u in units:
                if only is not None and u.name not in only:
                    continue
                for arch in archs:
                    why = _incompatibility(arch, u.name, task, depth, dict(u.params))
                    if why is not None:
                        if not spec.skip_incompatible:
                            raise ConfigError(why)
                        note = f"{u.name} on {t.name} ({arch}): {why}"
                        if skipped is not None and note not in skipped:
                            skipped.append(note)
                        continue
                    for width in task_widths:
                        if spec.match_params:
                            width = _matched_width(arch, u, task, spec.match_params, t, depth)
                        for backward in spec.backwards:
                            cfg = RunConfig(unit=u.name, task=t.name, arch=arch, seed=seed, train=train,
                                            unit_params=dict(u.params), task_options=dict(t.options),
                                            width=int(width), depth=depth, match_params=spec.match_params,
                                            suite=spec.suite, version=nonlin.__version__, backward=backward)
                            if cfg.key not in seen:
                                seen.add(cfg.key)
                                configs.append(cfg)
    return configs


@functools.lru_cache(maxsize=None)
def _matched_width_cached(arch: str, unit: str, params_json: str, task_name: str, options_json: str,
                          target: int, depth: int) -> int:
    from .tasks.base import get_task
    if arch in _ARCHS:
        raise ConfigError(f"match_params needs nonlin.bench.models.match_width; architecture '{arch}' "
                          "is a plugin architecture")
    task = get_task(task_name, **json.loads(options_json))
    params = json.loads(params_json)
    match_width = _models().match_width
    try:
        width = int(match_width(arch, unit, task, target, depth=depth, unit_params=params or None))
    except ValueError as err:
        raise ConfigError(f"match_params={target} for {unit} on {task_name} ({arch}): {err}") from None
    cap = inspect.signature(match_width).parameters.get("max_width")
    if cap is not None and isinstance(cap.default, int) and width >= cap.default - 16 and _models().count_parameters(
            _models().build_model(arch, unit, task, width=width, depth=depth, unit_params=params or None)) < 0.9 * target:
        # match_width stops at its widest model: the target was not reached.
        raise ConfigError(f"match_params={target:,} for {unit} on {task_name} ({arch}) needs a model wider "
                          f"than {cap.default} units; choose a smaller target")
    return width


def _matched_width(arch: str, unit: UnitEntry, task: Any, target: int, entry: TaskEntry, depth: int) -> int:
    return _matched_width_cached(arch, unit.name, json.dumps(_canonical(dict(unit.params)), sort_keys=True),
                                 entry.name, json.dumps(_canonical(dict(entry.options)), sort_keys=True),
                                 target, depth)


def load_config(path: str | os.PathLike, base: SweepSpec | None = None) -> SweepSpec:
    """A :class:`SweepSpec` from a config file.

    The file's ``suite`` (default ``quick``) supplies whatever the file does
    not set; ``base`` replaces the suite when given.
    """
    data = read_config_file(path)
    if base is None:
        from .suites import get_suite
        suite_name = data.get("suite", "quick")
        if not isinstance(suite_name, str):
            raise ConfigError(f"'suite' must be a string; got {suite_name!r}")
        base = get_suite(suite_name).to_spec()
    return apply_mapping(base, data, where=os.fspath(path))
