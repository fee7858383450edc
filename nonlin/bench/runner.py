"""Run a grid of (unit x task x seed [x arch x width]) trainings into a :class:`Store`.

>>> from nonlin.bench.runner import run_sweep
>>> from nonlin.bench.suites import get_suite
>>> result = run_sweep(get_suite("quick").to_spec(), store="runs.db")   # doctest: +SKIP

One run = one :class:`RunConfig` (:mod:`nonlin.bench.grid`): build the task's
data for the seed, build the reference model around the unit, train it with
AdamW using the task's :class:`TrainDefaults` for the suite (overridable),
score the test split after every epoch (:func:`execute`).  The run is
deterministic given its config: the seed drives the data generator,
``torch.manual_seed`` (initialisation), a private ``torch.Generator``
(shuffling) and ``torch.use_deterministic_algorithms``.

Outcomes: ``done``; ``diverged`` when the training loss or the test
predictions become NaN/inf (the epoch is recorded); ``failed`` when the run
raises (the traceback is recorded).  Neither stops the sweep.

The sweep loop (:func:`run_sweep`) claims rows atomically, hands them to an
executor (:mod:`nonlin.bench.executors`), renews their leases while they run
and writes each result as it arrives, so a sweep can be killed at any moment
and started again (see :mod:`nonlin.bench.store`), and several sweeps may
share one store.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import json
import math
import os
import platform
import signal
import socket
import statistics
import threading
import time
import traceback
from typing import Any, Mapping, Sequence

from .config import ConfigError, SweepSpec, check_run_settings
from .executors import default_workers, make_executor  # noqa: F401  (default_workers: public here too)
from .grid import (_ARCHS, RunConfig, _canonical, build_grid, build_model, import_plugins,  # noqa: F401
                   register_arch, resolve_train)
from .measure import PeakRSS, SavedBytes, count_parameters, estimate_flops, warm_up
from .store import FINISHED, Store

# A run whose worker dies under it is run again, up to this many attempts in all.
MAX_ATTEMPTS = 3

# -- one run (executed in a worker) -----------------------------------------------------

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


def _predict(model, x, batch_size: int):
    import torch
    outs = [model(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
    return torch.cat(outs, 0) if outs else torch.empty(0)


def _finite(v: float) -> bool:
    return v is not None and math.isfinite(v)


def _apply_backward(model, cfg: RunConfig) -> None:
    """``cfg.backward = "fewbit-B[:TABLE]"``: the model's units get nonlin.memory's b-bit backward."""
    from .config import parse_backward

    how = parse_backward(cfg.backward)
    if how is None:
        return
    from ..memory import fewbit

    bits, table = how
    if table == "inputs":  # the optimal table of each layer's own first inputs
        report = fewbit(model, bits=bits, dist="inputs")
    else:
        report = fewbit(model, bits=bits, table=table)
    if not report.converted:
        raise ValueError(f"backward {cfg.backward!r}: nothing in the {cfg.arch} model of unit {cfg.unit_label!r} "
                         f"can be converted ({report})")


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
        warm_up()
        torch.manual_seed(cfg.seed)
        shuffle = torch.Generator().manual_seed(cfg.seed)
        # Measured from here: model, training, evaluation (not data generation, which a
        # worker caches and so would charge to whichever run comes first).
        cpu_start = time.process_time()
        with PeakRSS() as mem:
            model = build_model(cfg, task)
            _apply_backward(model, cfg)
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
                        with SavedBytes(model) as saved:
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


# -- the sweep driver -------------------------------------------------------------

@dataclasses.dataclass
class SweepResult:
    store: str
    keys: list[str]
    counts: dict[str, int]          # status -> rows among this sweep's keys
    ran: int                        # runs executed by this call
    skipped: int                    # runs already finished before this call
    wall_time: float
    first_failure: str | None = None  # "unit / task / arch / seed: last line of its error", if any failed


class SweepInterrupted(KeyboardInterrupt):
    """The driver was asked to stop (SIGTERM, or SIGINT/Ctrl-C): rows in flight were given back."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# Signals that arrived inside a critical section of the sweep loop, raised when it ends.
_DEFER = {"depth": 0, "pending": None}


def _on_signal(signum, frame):
    if _DEFER["depth"]:
        _DEFER["pending"] = signum
        return
    raise SweepInterrupted(signum)


@contextlib.contextmanager
def stop_on_signals():
    """Turn SIGTERM (what `timeout`, `kill` and job schedulers send) and SIGINT into
    :class:`SweepInterrupted` in the main thread, so the sweep gives its rows back and the
    command exits with one line; outside the main thread (where handlers cannot be set) a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


@contextlib.contextmanager
def _signals_deferred():
    """A signal arriving inside this block is raised when the block ends (not in its middle)."""
    _DEFER["depth"] += 1
    try:
        yield
    finally:
        _DEFER["depth"] -= 1
        if not _DEFER["depth"] and _DEFER["pending"] is not None:
            signum, _DEFER["pending"] = _DEFER["pending"], None
            raise SweepInterrupted(signum)


@contextlib.contextmanager
def _signals_ignored():
    """Cleanup after an interrupt must not itself be interrupted by a second Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


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
              max_runs: int | None = None, max_attempts: int = MAX_ATTEMPTS) -> SweepResult:
    """Run every config of ``spec`` that the store does not already hold as finished.

    ``spec`` is a :class:`SweepSpec` (expanded by :func:`build_grid`) or a list
    of :class:`RunConfig`.  Keyword arguments override the spec's run settings.
    ``wait_for_others``: when rows of this grid are being run by another live
    sweep, wait for them (and take them over if their owner dies) instead of
    returning early.  ``max_runs`` stops after that many runs (for tests).
    ``max_attempts``: a run whose worker (or Ray node) dies under it is run
    again, up to this many attempts in all; then it is recorded as failed.
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
        import_plugins(plugins)
    executor = executor or "local"
    check_run_settings(executor, address, workers)
    if store is None:
        raise ConfigError("run_sweep needs a store path")
    if not isinstance(max_attempts, int) or max_attempts < 1:
        raise ConfigError(f"max_attempts must be a positive integer; got {max_attempts!r}")
    ex: Any = None
    if executor == "ray":
        # Connect first: nothing is written to the store before the cluster answers.
        ex = make_executor(executor, plugins, workers, address, quiet, len(configs))
    try:
        db = store if isinstance(store, Store) else Store(store)
    except BaseException:
        if ex is not None:
            ex.shutdown(cancel=True)
        raise
    try:
        with stop_on_signals():
            return _sweep(db, configs, ex, executor=executor, workers=workers, address=address, plugins=plugins,
                          quiet=quiet, retry_failed=retry_failed, lease_seconds=lease_seconds,
                          heartbeat_seconds=heartbeat_seconds, wait_for_others=wait_for_others,
                          max_runs=max_runs, max_attempts=max_attempts, t0=t0)
    finally:
        if not isinstance(store, Store):
            db.close()


def _sweep(db: Store, configs: Sequence[RunConfig], ex: Any, *, executor: str, workers: int | None,
           address: str | None, plugins: Sequence[str], quiet: bool, retry_failed: bool | None,
           lease_seconds: float, heartbeat_seconds: float, wait_for_others: bool, max_runs: int | None,
           max_attempts: int, t0: float) -> SweepResult:
    by_key = {c.key: c for c in configs}
    keys = list(by_key)
    try:
        db.add(c.to_row() for c in configs)
        _record_task_info(db, configs)
        if retry_failed:
            db.reset(keys, ("failed",))
    except BaseException:
        if ex is not None:
            ex.shutdown(cancel=True)
        raise
    counts = db.status_counts(keys)
    already = sum(counts[s] for s in FINISHED)
    todo = len(keys) - already
    ran = 0
    if todo == 0:
        if ex is not None:
            ex.shutdown()
        return SweepResult(db.path, keys, counts, 0, already, time.time() - t0, _first_failure(db, keys))

    progress = _Progress(len(keys), already, quiet)
    in_flight: dict[cf.Future, str] = {}
    last_beat = time.time()
    try:
        if ex is None:
            ex = make_executor(executor, plugins, workers, address, quiet, todo)
        while True:
            slots = ex.slots - len(in_flight)
            if max_runs is not None:
                slots = min(slots, max_runs - ran - len(in_flight))
            if slots > 0:
                # A signal here would leave a claimed row unrecorded in in_flight, or a worker
                # half started (it then prints a traceback): take it just after.
                with _signals_deferred():
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
                except Exception as err:
                    # The run did not fail: its worker or node died under it (killed, out of
                    # memory, node lost).  Run it again, a bounded number of times.
                    first = (str(err).strip().splitlines() or [""])[0][:300]
                    cause = f"its worker died ({type(err).__name__}: {first})"
                    if db.requeue(k, cause, max_attempts) != "failed":
                        continue
                    result = {"status": "failed"}
                else:
                    db.finish(k, result)
                ran += 1
                progress.update([_describe(by_key[x]) for x in in_flight.values()], advance=1,
                                last=_last_text(by_key[k], result))
            if time.time() - last_beat >= heartbeat_seconds / 2:
                db.heartbeat(list(in_flight.values()), lease_seconds)
                last_beat = time.time()
    except BaseException:
        # A signal, Ctrl-C or an error in the driver: give the unfinished rows back at once,
        # stop the runs in flight (their results would not be recorded), keep what finished.
        with _signals_ignored():
            progress.close()
            try:
                db.release(list(in_flight.values()))
            finally:
                if ex is not None:
                    ex.shutdown(cancel=True)
        raise
    progress.close()
    ex.shutdown()
    counts = db.status_counts(keys)
    return SweepResult(db.path, keys, counts, ran, already, time.time() - t0, _first_failure(db, keys))


def _first_failure(db: Store, keys: Sequence[str]) -> str | None:
    rows = db.conn.execute("SELECT unit_label, task_label, arch, seed, error FROM runs WHERE status='failed' "
                           "AND key IN (SELECT value FROM json_each(?)) ORDER BY rowid LIMIT 1",
                           (json.dumps(list(keys)),)).fetchall()
    if not rows:
        return None
    r = rows[0]
    lines = [ln.strip() for ln in (r["error"] or "").strip().splitlines() if ln.strip()]
    return f"{r['unit_label']} / {r['task_label']} / {r['arch']} / seed {r['seed']}: {lines[-1] if lines else '?'}"


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
