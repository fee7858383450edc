"""Run a grid of (unit x task x seed [x arch x width]) trainings into a :class:`Store`.

>>> from nonlin.bench.runner import run_sweep
>>> from nonlin.bench.suites import get_suite
>>> result = run_sweep(get_suite("quick").to_spec(), store="runs.db")   # doctest: +SKIP

One run = one :class:`RunConfig`: build the task's data for the seed, build
the reference model around the unit, train it with AdamW using the task's
:class:`TrainDefaults` for the suite (overridable), score the test split after
every epoch.  The run is deterministic given its config: the seed drives the
data generator, ``torch.manual_seed`` (initialisation), a private
``torch.Generator`` (shuffling) and ``torch.use_deterministic_algorithms``.

Outcomes: ``done``; ``diverged`` when the training loss or the test
predictions become NaN/inf (the epoch is recorded); ``failed`` when the run
raises (the traceback is recorded).  Neither stops the sweep.

Executors
---------
* ``local``: a process pool (``forkserver`` on Linux, with torch preloaded so
  workers start fast; ``spawn`` elsewhere), one torch thread per worker,
  ``workers`` processes (default: the CPUs this process may use).
  ``workers=0`` runs in the calling process (tests, debugging).
* ``ray``: each run is one Ray task returning its result; the driver writes
  the store.  ``address`` connects to an existing cluster (whose nodes must
  have nonlin installed); without it a local Ray instance is started and
  stopped again.

The driver claims rows atomically, renews their leases while they run and
writes each result as it arrives, so a sweep can be killed at any moment and
started again (see :mod:`nonlin.bench.store`), and several sweeps may share
one store.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import functools
import importlib
import json
import math
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import time
import traceback
from typing import Any, Callable, Iterable, Mapping, Sequence

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
        import hashlib
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


def _import_plugins(plugins: Iterable[str]) -> None:
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


def count_parameters(model) -> int:
    try:
        return int(_models().count_parameters(model))
    except ImportError:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)


def estimate_flops(model, input_shape: tuple) -> int | None:
    try:
        return int(_models().estimate_flops(model, input_shape))
    except Exception:  # an estimate is optional; never fail a run over it
        return None


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

    _import_plugins(spec.plugins)
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


# -- executing one run (in a worker) -------------------------------------------

class _PeakRSS:
    """Peak resident-set growth of this process during a block, in bytes.

    On Linux, writing 5 to /proc/self/clear_refs resets the high-water mark
    (VmHWM) to the current RSS, so each run in a reused worker is measured on
    its own.  Elsewhere, the growth of getrusage's ru_maxrss is used, which
    only sees a run that goes above every earlier peak of the process.
    Counts everything the process touches (weights, activations, optimizer
    state, allocator caches), not only tensors.
    """

    def __enter__(self) -> "_PeakRSS":
        self.linux = False
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            self.start = self._status("VmRSS")
            self.linux = self.start is not None
        except OSError:
            pass
        if not self.linux:
            import resource
            self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = None
        return self

    @staticmethod
    def _status(field: str) -> int | None:
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def read(self) -> int:
        if self.linux:
            now = self._status("VmHWM") or 0
        else:
            import resource
            now = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return max(0, now - self.start)

    def __exit__(self, *exc: Any) -> None:
        self.peak = self.read()


class _SavedBytes:
    """Bytes of the tensors autograd saves for backward inside the block (each storage once,
    parameters excluded): the activation memory of one training batch.  Deterministic and
    independent of the allocator, unlike the resident set."""

    def __init__(self, model):
        self.params = {p.untyped_storage().data_ptr() for p in model.parameters()}
        self.seen: dict[int, int] = {}
        self.total = 0

    def _pack(self, t):
        try:
            st = t.untyped_storage()
            ptr = st.data_ptr()
            if ptr not in self.params and ptr not in self.seen:
                self.seen[ptr] = st.nbytes()
        except (RuntimeError, NotImplementedError):  # tensors without a plain storage
            pass
        return t

    def __enter__(self) -> "_SavedBytes":
        import torch
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._hooks.__exit__(*exc)
        self.total = sum(self.seen.values())


_DATA_CACHE: dict[tuple, Any] = {}
_DATA_CACHE_SIZE = 6


def _task_data(task: Any, cfg: RunConfig):
    """Generate (or reuse, within one worker) the data of (task, options, seed)."""
    key = (cfg.task, json.dumps(_canonical(dict(cfg.task_options)), sort_keys=True), cfg.seed)
    if key not in _DATA_CACHE:
        if len(_DATA_CACHE) >= _DATA_CACHE_SIZE:
            _DATA_CACHE.pop(next(iter(_DATA_CACHE)))
        _DATA_CACHE[key] = task.generate(cfg.seed)
    return _DATA_CACHE[key]


_WARMED_UP = False


def _warm_up() -> None:
    """One tiny training step per process, so that one-time costs (lazy kernel and
    allocator initialisation) are not charged to whichever run comes first."""
    global _WARMED_UP
    if _WARMED_UP:
        return
    import torch
    g = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(32, 8, generator=g)
    for loss_fn, y in ((torch.nn.functional.cross_entropy, torch.randint(0, 4, (32,), generator=g)),
                       (torch.nn.functional.mse_loss, torch.randn(32, 4, generator=g))):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x[torch.randperm(32, generator=g)]), y).backward()
        opt.step()
    with torch.no_grad():
        torch.isfinite(model(x)).all()
    _WARMED_UP = True


def _predict(model, x, batch_size: int):
    import torch
    outs = [model(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
    return torch.cat(outs, 0) if outs else torch.empty(0)


def _finite(v: float) -> bool:
    return v is not None and math.isfinite(v)


def execute(config: RunConfig | Mapping[str, Any]) -> dict:
    """Train and evaluate one run; returns the result columns of its store row.

    Never raises for a problem of the run itself: those become ``failed``
    (with the traceback) or ``diverged`` results.
    """
    import torch
    import nonlin

    cfg = config if isinstance(config, RunConfig) else RunConfig.from_dict(config)
    # Every run trains on one thread, wherever it executes: comparable timings, and
    # no OpenMP oversubscription when several workers share the cores.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _execute(cfg)
    finally:
        torch.set_num_threads(threads)


def _execute(cfg: RunConfig) -> dict:
    import torch
    import nonlin

    t_start = time.time()
    result: dict[str, Any] = {
        "status": "failed", "started_at": t_start, "hostname": socket.gethostname(),
        "nonlin_version": nonlin.__version__, "torch_version": torch.__version__,
        "python_version": platform.python_version(),
    }
    curve: list[dict] = []
    epoch_times: list[float] = []
    try:
        from .tasks.base import get_task
        task = get_task(cfg.task, **dict(cfg.task_options))
        result["metric"] = task.metric
        result["higher_is_better"] = bool(task.higher_is_better)
        data = _task_data(task, cfg)
        tr = dict(cfg.train)
        epochs, bs = int(tr["epochs"]), int(tr["batch_size"])
        max_seconds = tr.get("max_seconds")

        torch.use_deterministic_algorithms(True, warn_only=True)
        _warm_up()
        torch.manual_seed(cfg.seed)
        shuffle = torch.Generator().manual_seed(cfg.seed)
        # Measured from here: model, training, evaluation (not data generation, which a
        # worker caches and so would charge to whichever run comes first).
        cpu_start = time.process_time()
        with _PeakRSS() as mem:
            model = build_model(cfg, task)
            result["params"] = count_parameters(model)
            result["flops"] = estimate_flops(model, tuple(data.x_train.shape[1:]))
            opt = torch.optim.AdamW(model.parameters(), lr=tr["lr"], weight_decay=tr["weight_decay"])
            n = data.x_train.shape[0]
            t_train = time.perf_counter()
            diverged_reason = None
            truncated = False
            for epoch in range(1, epochs + 1):
                t0 = time.perf_counter()
                model.train()
                perm = torch.randperm(n, generator=shuffle)
                total, seen = 0.0, 0
                for i in range(0, n, bs):
                    idx = perm[i:i + bs]
                    opt.zero_grad(set_to_none=True)
                    if epoch == 1 and i == 0:
                        # The first batch also measures what autograd keeps for backward.
                        with _SavedBytes(model) as saved:
                            loss = task.loss(model(data.x_train[idx]), data.y_train[idx])
                        result["saved_bytes"] = saved.total
                    else:
                        loss = task.loss(model(data.x_train[idx]), data.y_train[idx])
                    lv = float(loss.detach())
                    if not math.isfinite(lv):
                        diverged_reason = f"training loss became {lv} in epoch {epoch}"
                        break
                    loss.backward()
                    opt.step()
                    total += lv * len(idx)
                    seen += len(idx)
                if diverged_reason is None:
                    model.eval()
                    with torch.no_grad():
                        pred = _predict(model, data.x_test, max(bs, 512))
                        if not bool(torch.isfinite(pred).all()):
                            diverged_reason = f"test predictions became non-finite after epoch {epoch}"
                        else:
                            test_metric = float(task.score(pred, data.y_test))
                            test_loss = float(task.loss(pred, data.y_test))
                            if not math.isfinite(test_metric):
                                diverged_reason = f"test {task.metric} became {test_metric} after epoch {epoch}"
                dt = time.perf_counter() - t0
                epoch_times.append(dt)
                if diverged_reason is not None:
                    result["diverged_epoch"] = epoch
                    break
                curve.append({"epoch": epoch, "train_loss": total / max(seen, 1), "test_metric": test_metric,
                              "test_loss": test_loss if math.isfinite(test_loss) else None, "seconds": dt})
                if max_seconds is not None and time.perf_counter() - t_train > max_seconds and epoch < epochs:
                    truncated = True
                    break
        result["peak_memory"] = mem.peak
        result["cpu_time"] = time.process_time() - cpu_start
        metrics: dict[str, Any] = {"epochs_run": len(curve), "epochs_planned": epochs, "truncated": truncated}
        if curve:
            scores = [c["test_metric"] for c in curve]
            best = max(scores) if task.higher_is_better else min(scores)
            metrics.update(final=scores[-1], best=best, best_epoch=scores.index(best) + 1,
                           final_train_loss=curve[-1]["train_loss"], final_test_loss=curve[-1]["test_loss"])
            result.update(final_metric=scores[-1], best_metric=best, final_train_loss=curve[-1]["train_loss"])
        if diverged_reason is not None:
            result["status"] = "diverged"
            result["error"] = diverged_reason
            metrics["diverged_epoch"] = result["diverged_epoch"]
        else:
            result["status"] = "done"
        result["metrics"] = metrics
    except Exception:
        result["status"] = "failed"
        result["error"] = traceback.format_exc()
    result["curve"] = curve
    result["epoch_times"] = epoch_times
    result["time_per_epoch"] = statistics.median(epoch_times) if epoch_times else None
    result["wall_time"] = time.time() - t_start
    return result


def _exit_with_driver(driver_pid: int) -> None:
    """Exit this worker when the driver that owns its pool dies (even by SIGKILL).

    A forkserver worker's parent is the fork server, not the driver, so the
    parent-death signal cannot be used; a daemon thread polls instead.
    """
    import threading

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(driver_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="nonlin-driver-watch", daemon=True).start()


def _worker_init(plugins: Sequence[str], threads: int = 1, sys_path: Sequence[str] = (),
                 driver_pid: int | None = None) -> None:
    import torch
    if driver_pid is not None:
        _exit_with_driver(driver_pid)
    torch.set_num_threads(threads)
    # A forkserver started earlier may predate sys.path entries the driver added since.
    sys.path[:0] = [p for p in sys_path if p not in sys.path]
    _import_plugins(plugins)


def _execute_in_worker(config: dict, plugins: Sequence[str]) -> dict:
    _import_plugins(plugins)  # cheap when already imported
    return execute(config)


def _ray_execute(config: dict, plugins: Sequence[str]) -> dict:
    import torch
    torch.set_num_threads(1)
    _import_plugins(plugins)
    return execute(config)


# -- executors ------------------------------------------------------------------

def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class _InlineExecutor:
    """Runs in this process, on one helper thread so the driver can keep renewing leases."""

    def __init__(self, plugins: Sequence[str]):
        _import_plugins(plugins)
        self.pool = cf.ThreadPoolExecutor(max_workers=1)
        self.slots = 1

    def submit(self, config: dict) -> cf.Future:
        return self.pool.submit(execute, config)

    def shutdown(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _LocalExecutor:
    def __init__(self, plugins: Sequence[str], workers: int):
        self.plugins = list(plugins)
        self.slots = workers
        self.pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        if sys.platform.startswith("linux"):
            ctx = multiprocessing.get_context("forkserver")
            # Workers fork from a server that has already imported torch: fast start.
            ctx.set_forkserver_preload(["torch", "nonlin", "nonlin.bench.runner"])
        else:
            ctx = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(max_workers=self.slots, mp_context=ctx, initializer=_worker_init,
                                      initargs=(self.plugins, 1, list(sys.path), os.getpid()))

    def submit(self, config: dict) -> cf.Future:
        try:
            return self.pool.submit(_execute_in_worker, config, self.plugins)
        except cf.process.BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            return self.pool.submit(_execute_in_worker, config, self.plugins)

    def shutdown(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _RayExecutor:
    def __init__(self, plugins: Sequence[str], workers: int | None, address: str | None, quiet: bool):
        try:
            import ray
        except ModuleNotFoundError:
            raise ConfigError("the ray executor needs Ray: pip install 'ray>=2.9' (or nonlin[ray])") from None
        self.ray = ray
        self.plugins = list(plugins)
        self.started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=not quiet,
                                          configure_logging=not quiet)
            if address:
                kwargs["address"] = address
            else:
                # A local instance: its workers inherit our environment, so make
                # nonlin and the plugins importable the way they are here.
                paths = [p for p in sys.path if p and os.path.isdir(p)]
                old = os.environ.get("PYTHONPATH")
                os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(
                    [os.getcwd(), *paths, *filter(None, (old or "").split(os.pathsep))]))
                kwargs["num_cpus"] = workers or default_workers()
            try:
                ray.init(**kwargs)
            finally:
                if not address:  # the local instance has its environment now
                    if old is None:
                        os.environ.pop("PYTHONPATH", None)
                    else:
                        os.environ["PYTHONPATH"] = old
            self.started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.slots = workers or max(1, cpus)
        self.remote = ray.remote(num_cpus=1, max_retries=0)(_ray_execute)

    def submit(self, config: dict) -> cf.Future:
        return self.remote.remote(config, self.plugins).future()

    def shutdown(self, cancel: bool = False) -> None:
        if self.started:
            self.ray.shutdown()


# -- the sweep driver -------------------------------------------------------------

@dataclasses.dataclass
class SweepResult:
    store: str
    keys: list[str]
    counts: dict[str, int]          # status -> rows among this sweep's keys
    ran: int                        # runs executed by this call
    skipped: int                    # runs already finished before this call
    wall_time: float


class _Progress:
    """A rich progress bar (current run, done/total, ETA, last metric); silent when quiet."""

    def __init__(self, total: int, done: int, quiet: bool):
        self.bar = None
        if quiet:
            return
        try:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
        except ModuleNotFoundError:
            return
        self.bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                            TextColumn("{task.fields[last]}"), transient=False)
        self.bar.start()
        self.task = self.bar.add_task("bench", total=total, completed=done, last="")

    def update(self, running: Sequence[str], advance: int = 0, last: str | None = None) -> None:
        if self.bar is None:
            return
        desc = (running[0] + (f" (+{len(running) - 1})" if len(running) > 1 else "")) if running else "waiting"
        fields = {} if last is None else {"last": last}
        self.bar.update(self.task, description=desc, advance=advance, **fields)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _describe(cfg: RunConfig) -> str:
    return f"{cfg.unit_label} / {cfg.task_label} / {cfg.arch} / seed {cfg.seed}"


def _last_text(cfg: RunConfig, result: dict) -> str:
    if result.get("status") == "done" and result.get("final_metric") is not None:
        return f"last: {cfg.unit_label} {cfg.task_label} {result.get('metric')}={result['final_metric']:.4g}"
    return f"last: {cfg.unit_label} {cfg.task_label} {result.get('status')}"


def run_sweep(spec: SweepSpec | Sequence[RunConfig], store: str | os.PathLike | Store | None = None, *,
              executor: str | None = None, workers: int | None = None, address: str | None = None,
              plugins: Sequence[str] | None = None, quiet: bool = False, retry_failed: bool | None = None,
              lease_seconds: float = 120.0, heartbeat_seconds: float = 10.0, wait_for_others: bool = True,
              max_runs: int | None = None) -> SweepResult:
    """Run every config of ``spec`` that the store does not already hold as finished.

    ``spec`` is a :class:`SweepSpec` (expanded by :func:`build_grid`) or a list
    of :class:`RunConfig`.  Keyword arguments override the spec's run settings.
    ``wait_for_others``: when rows of this grid are being run by another live
    sweep, wait for them (and take them over if their owner dies) instead of
    returning early.  ``max_runs`` stops after that many runs (for tests).
    """
    t0 = time.time()
    if isinstance(spec, SweepSpec):
        configs = build_grid(spec)
        plugins = list(spec.plugins if plugins is None else plugins)
        executor = executor or spec.executor
        workers = spec.workers if workers is None else workers
        address = address or spec.address
        retry_failed = spec.retry_failed if retry_failed is None else retry_failed
        store = spec.store if store is None else store
    else:
        configs = list(spec)
        plugins = list(plugins or [])
        _import_plugins(plugins)
    executor = executor or "local"
    if executor not in ("local", "ray"):
        raise ConfigError(f"executor must be 'local' or 'ray'; got {executor!r}")
    if store is None:
        raise ConfigError("run_sweep needs a store path")
    db = store if isinstance(store, Store) else Store(store)
    by_key = {c.key: c for c in configs}
    keys = list(by_key)
    db.add(c.to_row() for c in configs)
    _record_task_info(db, configs)
    if retry_failed:
        db.reset(keys, ("failed",))
    counts = db.status_counts(keys)
    already = sum(counts[s] for s in FINISHED)
    todo = len(keys) - already
    ran = 0
    if todo == 0:
        if not isinstance(store, Store):
            db.close()
        return SweepResult(db.path, keys, counts, 0, already, time.time() - t0)

    if executor == "ray":
        ex: Any = _RayExecutor(plugins, workers, address, quiet)
    elif workers == 0:
        ex = _InlineExecutor(plugins)
    else:
        ex = _LocalExecutor(plugins, min(workers or default_workers(), todo))
    progress = _Progress(len(keys), already, quiet)
    in_flight: dict[cf.Future, str] = {}
    last_beat = time.time()
    try:
        while True:
            slots = ex.slots - len(in_flight)
            if max_runs is not None:
                slots = min(slots, max_runs - ran - len(in_flight))
            if slots > 0:
                for k in db.claim(keys, limit=slots, lease_seconds=lease_seconds):
                    in_flight[ex.submit(by_key[k].to_dict())] = k
            progress.update([_describe(by_key[k]) for k in in_flight.values()])
            if not in_flight:
                if max_runs is not None and ran >= max_runs:
                    break
                c = db.status_counts(keys)
                if c["pending"] == 0 and (c["running"] == 0 or not wait_for_others):
                    break
                time.sleep(min(1.0, heartbeat_seconds))  # others are running rows of our grid
                continue
            done, _ = cf.wait(list(in_flight), timeout=heartbeat_seconds, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                k = in_flight.pop(fut)
                try:
                    result = fut.result()
                except Exception as err:  # the worker itself died (killed, out of memory, ...)
                    result = {"status": "failed", "hostname": socket.gethostname(),
                              "error": f"worker failed: {type(err).__name__}: {err}\n{traceback.format_exc()}"}
                db.finish(k, result)
                ran += 1
                progress.update([_describe(by_key[x]) for x in in_flight.values()], advance=1,
                                last=_last_text(by_key[k], result))
            if time.time() - last_beat >= heartbeat_seconds / 2:
                db.heartbeat(list(in_flight.values()), lease_seconds)
                last_beat = time.time()
    except BaseException:
        # Ctrl-C or an error in the driver: give the unfinished rows back at once.
        db.release(list(in_flight.values()))
        progress.close()
        ex.shutdown(cancel=True)
        raise
    progress.close()
    ex.shutdown()
    counts = db.status_counts(keys)
    if not isinstance(store, Store):
        db.close()
    return SweepResult(db.path, keys, counts, ran, already, time.time() - t0)


def _record_task_info(db: Store, configs: Sequence[RunConfig]) -> None:
    from .tasks.base import get_task
    done: set[str] = set()
    for c in configs:
        if c.task_label in done:
            continue
        done.add(c.task_label)
        try:
            info = get_task(c.task, **dict(c.task_options)).describe()
        except Exception as err:  # describe() is informative only
            info = {"name": c.task, "error": str(err)}
        db.set_task_info(c.task_label, json.loads(json.dumps(info, default=repr)))
