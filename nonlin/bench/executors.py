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
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Any, Sequence

from .config import ConfigError, parse_ray_address
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


def _package_dir() -> str:
    import nonlin
    return os.path.dirname(os.path.realpath(nonlin.__file__))


def _shadowed_in_cwd() -> bool:
    """True when the current directory holds a 'nonlin' that is not the package we imported."""
    here = os.path.join(os.getcwd(), "nonlin")
    return os.path.exists(here) and os.path.realpath(here) != _package_dir()


def _wrong_nonlin(expected: str | None) -> dict | None:
    """A failed result when this worker imported another ``nonlin`` than the driver did."""
    if expected is None:
        return None
    try:
        here = _package_dir()
    except Exception as err:  # a shadowing folder without __init__ (a namespace package)
        here = f"<unusable: {type(err).__name__}: {err}>"
    if here == expected:
        return None
    return {"status": "failed", "error": f"the worker imported nonlin from {here}, the driver from {expected}: "
                                         "a folder named 'nonlin' shadows the installed package"}


def _execute_in_worker(config: dict, plugins: Sequence[str], nonlin_dir: str | None = None) -> dict:
    wrong = _wrong_nonlin(nonlin_dir)
    if wrong is not None:
        return wrong
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
    """Runs in this process, on a daemon helper thread so the driver can keep renewing leases
    (and can exit on a signal without waiting for the run)."""

    def __init__(self, plugins: Sequence[str]):
        import_plugins(plugins)
        self.slots = 1

    def submit(self, config: dict) -> cf.Future:
        fut: cf.Future = cf.Future()

        def work() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(_execute(config))
            except BaseException as err:  # noqa: BLE001  (handed to the driver)
                fut.set_exception(err)

        threading.Thread(target=work, name="nonlin-inline-run", daemon=True).start()
        return fut

    def shutdown(self, cancel: bool = False) -> None:
        pass


@contextlib.contextmanager
def _fork_server_environment():
    """While the fork server starts: the current directory is not put first on its ``sys.path``
    (a folder named ``nonlin`` there would shadow the package the driver imported), the
    driver's ``nonlin`` comes first, and SIGINT is ignored (Ctrl-C is the driver's to handle:
    a fork server interrupted while it imports torch prints a long traceback, and workers
    inherit the ignored SIGINT so that they are stopped by the driver, not killed mid-write)."""
    saved = {k: os.environ.get(k) for k in ("PYTHONSAFEPATH", "PYTHONPATH")}
    os.environ["PYTHONSAFEPATH"] = "1"   # Python >= 3.11: no '' / cwd entry for `python -c`
    os.environ["PYTHONPATH"] = os.pathsep.join(
        dict.fromkeys([os.path.dirname(_package_dir()), *filter(None, (saved["PYTHONPATH"] or "").split(os.pathsep))]))
    in_main = threading.current_thread() is threading.main_thread()
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if in_main:
            signal.signal(signal.SIGINT, old_int)


class LocalExecutor:
    """``workers`` single-process pools, one run each.

    One pool per worker (not one pool of ``workers`` processes): when a worker
    dies (SIGKILL, the OOM killer), concurrent.futures breaks its whole pool and
    fails every run in it; with one pool per worker only the run on the dead
    worker is lost, and the runs on healthy workers carry on.
    """

    def __init__(self, plugins: Sequence[str], workers: int):
        self.plugins = list(plugins)
        self.slots = workers
        self.nonlin_dir = _package_dir()
        if sys.platform.startswith("linux"):
            self.ctx = multiprocessing.get_context("forkserver")
            # Workers fork from a server that has already imported torch: fast start.  Before
            # Python 3.11 (no PYTHONSAFEPATH) the server has the current directory first on its
            # sys.path: if a 'nonlin' there would shadow ours, workers import nonlin themselves
            # (with the driver's sys.path) instead.
            shadowed = sys.version_info < (3, 11) and _shadowed_in_cwd()
            self.ctx.set_forkserver_preload(["torch"] if shadowed else ["torch", "nonlin", "nonlin.bench.runner"])
            with _fork_server_environment():
                from multiprocessing import forkserver
                forkserver.ensure_running()
        else:
            self.ctx = multiprocessing.get_context("spawn")
        self.pools: list[cf.ProcessPoolExecutor | None] = [None] * workers
        self.running: list[cf.Future | None] = [None] * workers

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=1, mp_context=self.ctx, initializer=_worker_init,
                                      initargs=(self.plugins, 1, list(sys.path), os.getpid()))

    def submit(self, config: dict) -> cf.Future:
        i = next(i for i, f in enumerate(self.running) if f is None or f.done())
        pool = self.pools[i]
        if pool is not None and getattr(pool, "_broken", False):  # its worker died: start a fresh one
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None
        if pool is None:
            pool = self.pools[i] = self._new_pool()
        self.running[i] = pool.submit(_execute_in_worker, config, self.plugins, self.nonlin_dir)
        return self.running[i]

    def shutdown(self, cancel: bool = False) -> None:
        for pool in self.pools:
            if pool is None:
                continue
            if cancel:
                # Stop runs in flight now (their rows were given back), rather than letting
                # the interpreter wait for them at exit.
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    with contextlib.suppress(Exception):
                        proc.kill()
            pool.shutdown(wait=not cancel, cancel_futures=cancel)


class RayExecutor:
    """Each run is one Ray task (``max_retries=0``: a task lost with its worker or node comes
    back to the driver as an error, and the sweep loop runs it again)."""

    def __init__(self, plugins: Sequence[str], workers: int | None, address: str | None, quiet: bool):
        try:
            import ray
        except ModuleNotFoundError:
            raise ConfigError("the ray executor needs Ray: pip install 'ray>=2.9' (or nonlin[ray])") from None
        self.ray = ray
        self.plugins = list(plugins)
        self.started = False
        self.refs: dict[cf.Future, Any] = {}
        if not ray.is_initialized():
            kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=not quiet,
                                          configure_logging=not quiet)
            old = os.environ.get("PYTHONPATH")
            if address:
                where = parse_ray_address(address)
                if where is not None:
                    _probe(address, *where)
                kwargs["address"] = address
            else:
                # A local instance: its workers inherit our environment, so make nonlin (the
                # package this driver imported, first) and the plugins importable as they are here.
                paths = [p for p in sys.path if p and os.path.isdir(p)]
                os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(
                    [os.path.dirname(_package_dir()), *paths, *filter(None, (old or "").split(os.pathsep)),
                     os.getcwd()]))
                kwargs["num_cpus"] = workers or default_workers()
            try:
                self._init(kwargs, address or "a local Ray instance")
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

    def _init(self, kwargs: dict, where: str) -> None:
        # In the main thread: Ray sets signal handlers there (and its core aborts the process when
        # it cannot reach the cluster's GCS from another thread).  An address where nothing
        # listens was refused by _probe already.
        try:
            self.ray.init(**kwargs)
        except Exception as err:
            first = (str(err).strip().splitlines() or [""])[0][:300]
            raise ConfigError(f"cannot connect to the Ray cluster at {where}: {type(err).__name__}: {first}") from None

    def submit(self, config: dict) -> cf.Future:
        ref = self.remote.remote(config, self.plugins)
        fut = ref.future()
        self.refs[fut] = ref
        fut.add_done_callback(lambda f: self.refs.pop(f, None))
        return fut

    def shutdown(self, cancel: bool = False) -> None:
        if cancel:
            for ref in list(self.refs.values()):
                with contextlib.suppress(Exception):
                    self.ray.cancel(ref, force=True)
        if self.started:
            self.ray.shutdown()


def _probe(address: str, host: str, port: int, timeout: float = 10.0) -> None:
    """Fail fast (and before any row is written) when nothing listens at a Ray address."""
    import socket
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as err:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {err.strerror or err} "
                          "(is `ray start --head` running there?)") from None


def make_executor(executor: str, plugins: Sequence[str], workers: int | None, address: str | None,
                  quiet: bool, todo: int) -> Any:
    """The executor named ``executor`` ('local' or 'ray') sized for ``todo`` runs."""
    if executor == "ray":
        return RayExecutor(plugins, workers, address, quiet)
    if workers == 0:
        return InlineExecutor(plugins)
    return LocalExecutor(plugins, min(workers or default_workers(), todo))
