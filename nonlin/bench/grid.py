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
import json
import os
from typing import Any, Callable, Iterable, Mapping

from .config import ConfigError, SweepSpec, TaskEntry, UnitEntry, apply_mapping, read_config_file

from .config import ConfigError, SweepSpec, TaskEntry, UnitEntry
from .store import FINISHED, Store

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

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for k in ("train", "unit_params", "task_options"):
            d[k] = _canonical(dict(d[k]))
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @property
    def key(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:32]

    @property
    def unit_label(self) -> str:
        return _label(self.unit, self.unit_params)

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
    for mod in plugins:
        try:
            importlib.import_module(mod)
        except ImportError as err:
            raise ConfigError(f"cannot import plugin module '{mod}': {err}") from err


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
    """The task's TrainDefaults for ``suite`` (falling back to 'quick'), then overrides in order."""
    defaults = task.defaults.get(suite) or task.defaults.get("quick")
    base = dataclasses.asdict(defaults) if defaults is not None else {}
    for o in overrides:
        base.update({k: v for k, v in o.items()})
    base["lr"] = float(base["lr"])
    base["weight_decay"] = float(base["weight_decay"])
    if base.get("max_seconds") is not None:
        base["max_seconds"] = float(base["max_seconds"])
    return base


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
    units: list[UnitEntry] = []
    for u in spec.units:
        try:
            s = nonlin.spec(u.name)
            params = s.check_params(dict(u.params))
        except (KeyError, ValueError, TypeError) as err:
            raise ConfigError(str(err)) from None
        units.append(UnitEntry(s.name, params))
    seen: set[str] = set()
    configs: list[RunConfig] = []
    tasks: list[tuple[TaskEntry, Any]] = []
    for t in spec.tasks:
        try:
            task = get_task(t.name, **dict(t.options))
        except KeyError as err:
            raise ConfigError(str(err.args[0]) if err.args else str(err)) from None
        except (TypeError, ValueError) as err:
            raise ConfigError(f"task '{t.name}': {err}") from None
        tasks.append((t, task))
    for seed in spec.seeds:
        for t, task in tasks:
            train = resolve_train(task, spec.suite, spec.train, t.train)
            archs = [t.arch] if t.arch else (spec.archs or [task.default_model])
            widths = [t.width] if t.width else spec.widths
            for u in units:
                for arch in archs:
                    why = _incompatibility(arch, u.name, task, spec.depth, dict(u.params))
                    if why is not None:
                        if not spec.skip_incompatible:
                            raise ConfigError(why)
                        note = f"{u.name} on {t.name} ({arch}): {why}"
                        if skipped is not None and note not in skipped:
                            skipped.append(note)
                        continue
                    for width in widths:
                        if spec.match_params:
                            width = _matched_width(arch, u, task, spec.match_params, t, spec.depth)
                        cfg = RunConfig(unit=u.name, task=t.name, arch=arch, seed=seed, train=train,
                                        unit_params=dict(u.params), task_options=dict(t.options),
                                        width=int(width), depth=spec.depth, match_params=spec.match_params,
                                        suite=spec.suite, version=nonlin.__version__)
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
    try:
        return int(_models().match_width(arch, unit, task, target, depth=depth, unit_params=params or None))
    except ValueError as err:
        raise ConfigError(f"match_params={target} for {unit} on {task_name} ({arch}): {err}") from None


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
