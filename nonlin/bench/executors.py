"""Where runs execute: in this process, in a local process pool, or on Ray.

Every executor has ``slots`` (runs it takes at once), ``submit(config) ->
concurrent.futures.Future`` of the run's result dict, and ``shutdown(cancel)``.

* ``local``: a process pool (``forkserver`` on Linux, with torch preloaded so
  workers start fast; ``spawn`` elsewhere), one torch thread per worker,
  ``workers`` processes (default: the CPUs this process may use).
  ``workers=0`` runs in the calling process (tests, debugging).
* ``ray``: each run is one Ray task returning its result; the driver writes
  the store.  ``address`` connects to an existing cluster (whose nodes must
  have nonlin installed); without it a local Ray instance is started and
  stopped again.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import time
from typing import Any, Sequence

from .config import ConfigError
from .grid import import_plugins


def _execute(config: dict) -> dict:
    from .runner import execute  # the run itself; imported late (runner imports this module)
    return execute(config)


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
    import_plugins(plugins)


def _execute_in_worker(config: dict, plugins: Sequence[str]) -> dict:
    import_plugins(plugins)  # cheap when already imported
    return _execute(config)


def _ray_execute(config: dict, plugins: Sequence[str]) -> dict:
    import torch
    torch.set_num_threads(1)
    import_plugins(plugins)
    return _execute(config)


# -- executors ------------------------------------------------------------------

def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class InlineExecutor:
    """Runs in this process, on one helper thread so the driver can keep renewing leases."""

    def __init__(self, plugins: Sequence[str]):
        import_plugins(plugins)
        self.pool = cf.ThreadPoolExecutor(max_workers=1)
        self.slots = 1

    def submit(self, config: dict) -> cf.Future:
        return self.pool.submit(_execute, config)

    def shutdown(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class LocalExecutor:
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


class RayExecutor:
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


def make_executor(executor: str, plugins: Sequence[str], workers: int | None, address: str | None,
                  quiet: bool, todo: int) -> Any:
    """The executor named ``executor`` ('local' or 'ray') sized for ``todo`` runs."""
    if executor == "ray":
        return RayExecutor(plugins, workers, address, quiet)
    if workers == 0:
        return InlineExecutor(plugins)
    return LocalExecutor(plugins, min(workers or default_workers(), todo))
