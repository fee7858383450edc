"""The Ray executor on a real two-node cluster made on this machine; one node is killed mid-sweep.

``ray start --head`` and a second ``ray start --address`` node, each with its own
resources (one CPU each, different ports, on 127.0.0.1).  The sweep is sharded
over both; the second node (its raylet and its task workers) is SIGKILLed while it runs a task; every run
must still end ``done`` exactly once, with the lost attempt recorded in
``unfinished``.  Slow (two Ray nodes start in 20-90 s on a loaded 2-core machine):
marked ``slow``; run it with ``pytest -m slow tests/bench/test_faults_ray_cluster.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from nonlin.bench.config import SweepSpec, TaskEntry, UnitEntry
from nonlin.bench.runner import run_sweep
from nonlin.bench.store import Store

from .test_faults import FAULT_PLUGIN, fault_plugin  # noqa: F401  (fixture)
from .test_runner import PLUGIN, plugin_registered  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'nonlin[ray]')")
RAY = os.path.join(os.path.dirname(sys.executable), "ray")


def _children(pids: list[int]) -> list[int]:
    """Every descendant process of ``pids`` (a node's task workers are its raylet's children)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    out, frontier = [], set(pids)
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier and p not in out}
        out += sorted(frontier)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray(*args, env, timeout=240):
    return subprocess.run([RAY, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _raylet_pids(node_manager_port: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any("raylet" in c for c in cmd[:1]) and f"--node_manager_port={node_manager_port}" in cmd:
            pids.append(int(entry))
    return pids


@pytest.fixture
def cluster(tmp_path, fault_plugin):  # noqa: F811
    if not shutil.which(RAY):
        pytest.skip(f"the ray command is not installed next to {sys.executable}")
    port = _free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    head = _ray("start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port), "--include-dashboard",
                "false", "--resources", '{"head_node": 1}', *common, env=env)
    if head.returncode != 0:
        pytest.skip(f"ray start --head failed here: {head.stderr.strip()[-300:]}")
    try:
        worker = _ray("start", "--address", f"127.0.0.1:{port}", "--node-ip-address", "127.0.0.1",
                      "--node-manager-port", str(_free_port()), "--resources", '{"second_node": 1}', *common, env=env)
        assert worker.returncode == 0, worker.stderr
        yield f"127.0.0.1:{port}"
    finally:
        if ray.is_initialized():
            ray.shutdown()
        _ray("stop", "--force", env=env)


def test_sweep_over_two_nodes_survives_losing_one(tmp_path, cluster, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("NONLIN_TEST_SLOW", "3")
    db = tmp_path / "runs.db"
    spec = SweepSpec(units=[UnitEntry(u) for u in ("relu", "leaky_relu", "elu")],
                     tasks=[TaskEntry("tiny_blobs", arch="slow_mlp")], seeds=[0, 1, 2], widths=[8], depth=1,
                     plugins=[PLUGIN, FAULT_PLUGIN], store=str(db), executor="ray", address=cluster)

    # Kill the second node once it is running one of our tasks (a task holds its only CPU).
    import threading
    killed: list[int] = []

    def kill_second_node():
        deadline = time.time() + 300
        while time.time() < deadline and not killed:
            time.sleep(0.5)
            if not ray.is_initialized():
                continue
            try:
                nodes = [n for n in ray.nodes() if n["Alive"] and "second_node" in n["Resources"]]
                avail = ray.available_resources().get("CPU", 0.0)  # a resource fully in use is left out
            except Exception:
                continue
            if nodes and avail < 1 and _count_done(db) >= 1:
                # The whole node, as when a machine dies: its raylet and the workers it started.
                # Killing the raylet alone is not a lost node: a running task's worker outlives it
                # and hands its result straight to the driver (Ray 2.60).
                raylets = _raylet_pids(nodes[0]["NodeManagerPort"])
                for pid in raylets + _children(raylets):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

    t = threading.Thread(target=kill_second_node, daemon=True)
    t.start()
    res = run_sweep(spec, quiet=True)
    t.join(5)
    assert killed, "the second node was never seen busy; the test proves nothing"
    with Store(db) as s:
        rows = s.rows()
    assert len(rows) == 9 and res.counts["done"] == 9, [(r["status"], r["error"]) for r in rows]
    lost = [r for r in rows if r["unfinished"]]
    assert lost, "no run was on the killed node"
    assert all(r["attempts"] >= 2 for r in lost)


def _count_done(db) -> int:
    import sqlite3
    try:
        con = sqlite3.connect(db, timeout=30)
        try:
            return con.execute("SELECT COUNT(*) FROM runs WHERE status='done'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0
