"""The sweep runner: grid, determinism, statuses, crash-resume, concurrency, config files, Ray.

The sweeps run a tiny test-only task and model defined in a plugin module
(``PLUGIN_SOURCE``), so these tests never depend on the real tasks and models.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from nonlin.bench.config import ConfigError, SweepSpec, TaskEntry, UnitEntry
from nonlin.bench.grid import RunConfig, build_grid, load_config
from nonlin.bench.runner import execute, run_sweep
from nonlin.bench.store import Store
from nonlin.bench.tasks import base as task_base

PLUGIN = "nonlin_bench_test_plugin"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A tiny task, a tiny regression and three tiny architectures, written as a
# plugin module: sweeps import it in their worker processes.  It is registered
# only while these tests run (fixture below), so the real task list seen by
# other test modules stays clean.
PLUGIN_SOURCE = '''
import os
import time

import torch
from torch import nn

import nonlin
from nonlin.bench.grid import register_arch
from nonlin.bench.tasks import base as task_base


class TinyBlobs(task_base.Task):
    """Three Gaussian blobs in 6 dimensions: a 3-class problem an MLP solves in a few epochs."""

    name = "tiny_blobs"
    description = "test-only: 3 Gaussian blobs"
    output_kind = "classification"
    metric = "accuracy"
    higher_is_better = True
    default_model = "tiny_mlp"
    input_shape = (6,)
    num_outputs = 3
    defaults = {"quick": task_base.TrainDefaults(epochs=3, batch_size=32, lr=1e-2),
                "full": task_base.TrainDefaults(epochs=4, batch_size=32, lr=1e-2)}

    def generate(self, seed):
        g = torch.Generator().manual_seed(1000 + seed)
        n = int(self.options.get("n", 96))
        centers = torch.randn(3, 6, generator=g) * 2.0
        y = torch.randint(0, 3, (n + 48,), generator=g)
        x = centers[y] + torch.randn(n + 48, 6, generator=g)
        return task_base.TaskData(x[:n], y[:n], x[n:], y[n:])


class TinyRegression(task_base.Task):
    name = "tiny_regression"
    description = "test-only: y = sin(x)"
    output_kind = "regression"
    metric = "mse"
    higher_is_better = False
    default_model = "tiny_mlp"
    input_shape = (1,)
    num_outputs = 1
    defaults = {"quick": task_base.TrainDefaults(epochs=2, batch_size=16, lr=1e-2)}

    def generate(self, seed):
        g = torch.Generator().manual_seed(seed)
        x = torch.rand(80, 1, generator=g) * 6 - 3
        return task_base.TaskData(x[:60], torch.sin(x[:60]), x[60:], torch.sin(x[60:]))


task_base.register_task(TinyBlobs)
task_base.register_task(TinyRegression)


def _mlp(unit, task, width, depth, unit_params):
    # Slows every run down enough to kill a sweep mid-way, without changing the runs' configs.
    delay = float(os.environ.get("NONLIN_TEST_RUN_DELAY", "0"))
    if delay:
        time.sleep(delay)
    layers, d = [], task.input_shape[0]
    for _ in range(depth):
        layers += [nn.Linear(d, width), nonlin.create(unit, **unit_params)]
        d = width
    layers.append(nn.Linear(d, task.num_outputs))
    return nn.Sequential(*layers)


class NaNAfter(nn.Module):
    """Emits NaN once it has seen `after` training batches: a run that must be recorded as diverged."""

    def __init__(self, inner, after):
        super().__init__()
        self.inner, self.after, self.calls = inner, after, 0

    def forward(self, x):
        out = self.inner(x)
        if self.training:
            self.calls += 1
            if self.calls > self.after:
                out = out * float("nan")
        return out


@register_arch("tiny_mlp")
def tiny_mlp(unit, task, *, width, depth, unit_params):
    return _mlp(unit, task, width, depth, unit_params)


@register_arch("nan_mlp")
def nan_mlp(unit, task, *, width, depth, unit_params):
    return NaNAfter(_mlp(unit, task, width, depth, unit_params), after=4)


@register_arch("broken")
def broken(unit, task, **kw):
    # An architecture that fails when built: a run that must be recorded as failed.
    raise RuntimeError("broken on purpose")
'''


@pytest.fixture(scope="module", autouse=True)
def plugin_registered(tmp_path_factory):
    """Write the plugin, import it (registering its task and archs), and unregister it afterwards."""
    from nonlin.bench import grid
    folder = str(tmp_path_factory.mktemp("plugin"))
    with open(os.path.join(folder, PLUGIN + ".py"), "w") as fh:
        fh.write(PLUGIN_SOURCE)
    sys.path.insert(0, folder)
    old_pythonpath = os.environ.get("PYTHONPATH")
    # Subprocesses (kill/concurrency tests, Ray workers) find the plugin through PYTHONPATH.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [folder, ROOT, old_pythonpath]))

    def unregister():
        sys.modules.pop(PLUGIN, None)
        for name in ("tiny_blobs", "tiny_regression"):
            task_base._TASKS.pop(name, None)
        for name in ("tiny_mlp", "nan_mlp", "broken"):
            grid._ARCHS.pop(name, None)

    unregister()  # another test module may have registered it already
    importlib.import_module(PLUGIN)
    yield folder
    unregister()
    sys.path.remove(folder)
    if old_pythonpath is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old_pythonpath


def tiny_spec(store, **kw):
    spec = SweepSpec(units=[UnitEntry("relu"), UnitEntry("leaky_relu", {"negative_slope": 0.1})],
                     tasks=[TaskEntry("tiny_blobs")], seeds=[0, 1], widths=[8], depth=1,
                     plugins=[PLUGIN], store=str(store))
    for k, v in kw.items():
        setattr(spec, k, v)
    return spec


# -- grid and single runs --------------------------------------------------------

def test_grid_keys_are_stable_and_distinct():
    spec = tiny_spec("unused.db")
    grid = build_grid(spec)
    assert len(grid) == 2 * 2  # units x seeds
    assert len({c.key for c in grid}) == 4
    again = build_grid(tiny_spec("unused.db"))
    assert [c.key for c in grid] == [c.key for c in again]
    # The key changes with anything that changes the result, and only with that.
    c = grid[0]
    assert RunConfig.from_dict(json.loads(c.to_json())).key == c.key
    assert RunConfig.from_dict({**c.to_dict(), "seed": 7}).key != c.key
    assert RunConfig.from_dict({**c.to_dict(), "train": {**c.train, "lr": 0.5}}).key != c.key
    assert c.train == {"epochs": 3, "batch_size": 32, "lr": 0.01, "weight_decay": 0.0, "max_seconds": None}
    assert grid[1].unit_label == "leaky_relu(negative_slope=0.1)"


def test_grid_rejects_unknown_names_and_bad_params():
    with pytest.raises(ConfigError, match="unknown unit 'relux'"):
        build_grid(tiny_spec("x.db", units=[UnitEntry("relux")]))
    with pytest.raises(ConfigError, match="negative_slope"):
        build_grid(tiny_spec("x.db", units=[UnitEntry("leaky_relu", {"negative_slop": 0.1})]))
    with pytest.raises(ConfigError, match="unknown task 'tiny_blob'.*tiny_blobs"):
        build_grid(tiny_spec("x.db", tasks=[TaskEntry("tiny_blob")]))


def test_task_entry_width_depth_and_units_stay_on_their_board():
    # A task's width/depth/units override its own board only: the next task gets the sweep's.
    spec = tiny_spec("x.db", seeds=[0], tasks=[
        TaskEntry("tiny_blobs", width=5, depth=2, units=("leaky_relu",)),
        TaskEntry("tiny_regression"),
    ])
    got = sorted((c.task, c.unit, c.width, c.depth) for c in build_grid(spec))
    assert got == [("tiny_blobs", "leaky_relu", 5, 2),
                   ("tiny_regression", "leaky_relu", 8, 1), ("tiny_regression", "relu", 8, 1)]
    with pytest.raises(ConfigError, match="tiny_blobs.*'units'.*relux"):
        build_grid(tiny_spec("x.db", tasks=[TaskEntry("tiny_blobs", units=("relux",))]))
    # A suite (skip_incompatible) skips unit names this installation lacks.
    lenient = tiny_spec("x.db", seeds=[0], skip_incompatible=True,
                        tasks=[TaskEntry("tiny_blobs", units=("relu", "relux"))])
    assert [c.unit for c in build_grid(lenient)] == ["relu"]


def test_execute_is_deterministic_and_learns():
    cfg = build_grid(tiny_spec("unused.db"))[0]
    a, b = execute(cfg), execute(cfg)
    assert a["status"] == "done", a.get("error")
    assert [e["train_loss"] for e in a["curve"]] == [e["train_loss"] for e in b["curve"]]
    assert a["final_metric"] == b["final_metric"]
    assert len(a["curve"]) == 3 and a["metrics"]["epochs_run"] == 3
    # Separable blobs: well above the 33 % of chance after 3 epochs.
    assert a["final_metric"] > 60.0
    # 6*8+8 + 8*3+3 parameters in Linear(6,8) -> relu -> Linear(8,3)
    assert a["params"] == 6 * 8 + 8 + 8 * 3 + 3
    assert a["time_per_epoch"] > 0 and a["wall_time"] >= sum(a["epoch_times"])
    assert a["peak_memory"] >= 0
    assert a["metric"] == "accuracy" and a["higher_is_better"] is True


def test_execute_records_divergence_and_failure():
    base = build_grid(tiny_spec("unused.db"))[0].to_dict()
    div = execute({**base, "arch": "nan_mlp"})
    assert div["status"] == "diverged"
    # 96 samples / batch 32 = 3 batches per epoch; NaN from the 5th batch = epoch 2.
    assert div["diverged_epoch"] == 2 and "epoch 2" in div["error"]
    assert len(div["curve"]) == 1
    bad = execute({**base, "arch": "broken"})
    assert bad["status"] == "failed" and "broken on purpose" in bad["error"]


def test_regression_task_best_is_minimum():
    spec = tiny_spec("unused.db", tasks=[TaskEntry("tiny_regression")], units=[UnitEntry("relu")], seeds=[0])
    r = execute(build_grid(spec)[0])
    scores = [c["test_metric"] for c in r["curve"]]
    assert r["best_metric"] == min(scores) and r["final_metric"] == scores[-1]
    assert r["metric"] == "mse" and r["higher_is_better"] is False
    # Saved for backward in the first batch (16 samples, float32), parameters excluded:
    # the input of Linear(1,8), the ReLU output (also the input of Linear(8,1), stored once),
    # and the prediction and target kept by mse_loss.
    assert r["saved_bytes"] == 4 * (16 * 1 + 16 * 8 + 16 * 1 + 16 * 1)


# -- sweeps into a store -----------------------------------------------------------

def test_inline_sweep_end_to_end(tmp_path):
    db = tmp_path / "runs.db"
    spec = tiny_spec(db, units=[UnitEntry("relu")], seeds=[0, 1], workers=0)
    spec.tasks = [TaskEntry("tiny_blobs"), TaskEntry("tiny_blobs", arch="nan_mlp", options={"n": 64})]
    res = run_sweep(spec, quiet=True)
    assert res.counts == {"pending": 0, "running": 0, "done": 2, "diverged": 2, "failed": 0}
    assert res.ran == 4 and res.skipped == 0
    with Store(db) as s:
        rows = s.rows()
        assert len(rows) == 4
        for r in rows:
            assert r["attempts"] == 1 and r["owner"] is None
            if r["status"] == "done":
                assert r["final_metric"] == r["curve"][-1]["test_metric"]
                assert r["metrics"]["final"] == r["final_metric"]
                assert r["params"] == 6 * 8 + 8 + 8 * 3 + 3
            else:
                assert r["arch"] == "nan_mlp" and r["diverged_epoch"] is not None
        assert set(s.task_info()) == {"tiny_blobs", "tiny_blobs(n=64)"}
    # Started again: nothing to do.
    again = run_sweep(spec, quiet=True)
    assert again.ran == 0 and again.skipped == 4


def test_failed_runs_are_recorded_and_retried_on_request(tmp_path):
    db = tmp_path / "runs.db"
    spec = tiny_spec(db, units=[UnitEntry("relu")], seeds=[0], workers=0)
    spec.tasks = [TaskEntry("tiny_blobs"), TaskEntry("tiny_blobs", arch="broken")]
    res = run_sweep(spec, quiet=True)
    assert res.counts["done"] == 1 and res.counts["failed"] == 1
    assert run_sweep(spec, quiet=True).ran == 0
    res = run_sweep(spec, quiet=True, retry_failed=True)
    assert res.ran == 1 and res.counts["failed"] == 1
    with Store(db) as s:
        (row,) = s.rows("status = 'failed'")
        assert row["attempts"] == 2 and "broken on purpose" in row["error"]


def test_local_process_pool_sweep(tmp_path):
    db = tmp_path / "runs.db"
    res = run_sweep(tiny_spec(db, workers=2), quiet=True)
    assert res.counts["done"] == 4
    with Store(db) as s:
        rows = s.rows()
    # Same numbers as running in this process: workers are deterministic too.
    inline = {c.key: execute(c)["final_metric"] for c in build_grid(tiny_spec(db))}
    assert {r["key"]: r["final_metric"] for r in rows} == inline
    assert len({r["hostname"] for r in rows}) == 1


SWEEP_SCRIPT = textwrap.dedent("""
    import sys
    from nonlin.bench.config import SweepSpec, TaskEntry, UnitEntry
    from nonlin.bench.runner import run_sweep
    spec = SweepSpec(units=[UnitEntry(u) for u in ("relu", "leaky_relu", "relu_squared")],
                     tasks=[TaskEntry("tiny_blobs")], seeds=[0, 1, 2, 3],
                     widths=[8], depth=1, plugins=["{plugin}"], store=sys.argv[1], workers={workers})
    r = run_sweep(spec, quiet=True)
    print("RAN", r.ran, flush=True)
""")


def _sweep_process(db, delay, workers=0):
    code = SWEEP_SCRIPT.format(plugin=PLUGIN, workers=workers)
    env = {**os.environ, "NONLIN_TEST_RUN_DELAY": str(delay)}
    return subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _session_members(sid):
    """Pids of live processes in session ``sid`` (the sweep subprocess and everything it started)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":  # fields: state, ppid, pgrp, session
                pids.append(int(entry))
    return pids


def _count(db, status):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM runs WHERE status=?", (status,)).fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0
    finally:
        con.close()


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "pool"])
def test_sigkill_mid_sweep_then_resume(tmp_path, workers):
    db = tmp_path / "runs.db"
    proc = _sweep_process(db, delay=0.4, workers=workers)
    deadline = time.time() + 60
    while _count(db, "done") < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "sweep made no progress"
        time.sleep(0.05)
    if workers:
        # Only the driver dies; its pool workers are orphaned mid-run and their results lost.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # ... and they notice and exit instead of lingering.
        deadline = time.time() + 15
        while _session_members(proc.pid):
            assert time.time() < deadline, f"orphaned workers still alive: {_session_members(proc.pid)}"
            time.sleep(0.2)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _count(db, "done")
    assert 3 <= done_before < 12
    with Store(db) as s:
        finished_before = {r["key"]: r["finished_at"] for r in s.rows("status = 'done'")}
    # Started again, the dead sweep's 'running' rows are taken over at once.
    proc = _sweep_process(db, delay=0.0, workers=workers)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"RAN {12 - done_before}" in out
    with Store(db) as s:
        rows = s.rows()
        assert len(rows) == 12 and len({r["key"] for r in rows}) == 12
        assert all(r["status"] == "done" for r in rows)
        # Completed runs were not redone.
        assert {r["key"]: r["finished_at"] for r in rows if r["key"] in finished_before} == finished_before
        assert s.integrity_check() == "ok"


def test_two_concurrent_sweeps_share_one_store(tmp_path):
    db = tmp_path / "runs.db"
    a, b = _sweep_process(db, delay=0.3), _sweep_process(db, delay=0.3)
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, outs
    ran = [int(o[0].split("RAN")[1]) for o in outs]
    assert sum(ran) == 12  # every config run exactly once, by one of the two
    assert min(ran) >= 1, f"the sweeps did not overlap (ran {ran}); the test proves nothing"
    with Store(db) as s:
        rows = s.rows()
        assert len(rows) == 12 and all(r["status"] == "done" and r["attempts"] == 1 for r in rows)
        assert s.integrity_check() == "ok"


# -- config files -------------------------------------------------------------------

TOML = """
suite = "quick"
units = ["relu", { name = "leaky_relu", params = { negative_slope = 0.2 } }]
tasks = ["tiny_blobs", { name = "tiny_regression", arch = "tiny_mlp", train = { epochs = 1 } }]
seeds = [3, 5]
width = [4, 8]
depth = 1
plugins = ["nonlin_bench_test_plugin"]
workers = 0
[train]
lr = 0.05
"""

YAML = """
units: [relu]
tasks:
  - name: tiny_blobs
    options: {n: 40}
seeds: 2
arch: tiny_mlp
width: 4
plugins: [nonlin_bench_test_plugin]
train: {epochs: 2, max_seconds: 10}
"""


def test_toml_config(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(TOML)
    spec = load_config(path)
    assert spec.seeds == [3, 5] and spec.widths == [4, 8] and spec.workers == 0
    assert spec.units[1] == UnitEntry("leaky_relu", {"negative_slope": 0.2})
    grid = build_grid(spec)
    assert len(grid) == 2 * 2 * 2 * 2  # seeds x tasks x units x widths
    blobs = [c for c in grid if c.task == "tiny_blobs"]
    reg = [c for c in grid if c.task == "tiny_regression"]
    # The file's [train] overrides the task defaults; the task entry's train overrides both.
    assert {c.train["lr"] for c in grid} == {0.05}
    assert {c.train["epochs"] for c in blobs} == {3} and {c.train["epochs"] for c in reg} == {1}


def test_yaml_config(tmp_path):
    pytest.importorskip("yaml", reason="pyyaml is not installed (nonlin[bench])")
    path = tmp_path / "sweep.yaml"
    path.write_text(YAML)
    spec = load_config(path)
    grid = build_grid(spec)
    assert len(grid) == 2
    assert grid[0].task_options == {"n": 40} and grid[0].train["max_seconds"] == 10.0
    assert grid[0].train["epochs"] == 2 and grid[0].train["lr"] == 0.01  # lr from the task default


@pytest.mark.parametrize("text, message", [
    ('unitz = ["relu"]', "unknown key 'unitz'.*Did you mean units"),
    ('seeds = 0', "'seeds' .a count. must be between 1 and"),
    ('[train]\nepoch = 3', "unknown key 'epoch' in 'train'.*epochs"),
    ('[train]\nlr = "fast"', "train.lr must be a number"),
    ('executor = "slurm"', "'executor' must be one of local, ray"),
    ('units = [', "invalid TOML"),
    ('tasks = [{ name = "tiny_blobs", depth = 0 }]', "tiny_blobs.: depth must be"),
    ('tasks = [{ name = "tiny_blobs", units = "relu" }]', "'units' must be a list of unit names"),
])
def test_bad_config_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_task_entry_keys_in_a_config_file(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text('tasks = [{ name = "tiny_blobs", width = 5, depth = 3, units = ["relu"] }]')
    assert load_config(path).tasks == [TaskEntry("tiny_blobs", {}, None, {}, 5, 3, ("relu",))]


def test_missing_and_unknown_format_config(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    p = tmp_path / "sweep.json"
    p.write_text("{}")
    with pytest.raises(ConfigError, match="use .toml, .yaml or .yml"):
        load_config(p)


# -- Ray -------------------------------------------------------------------------------

def test_ray_executor_local_instance(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'nonlin[ray]')")
    db = tmp_path / "runs.db"
    spec = tiny_spec(db, executor="ray", workers=2, units=[UnitEntry("relu")])
    spec.tasks = [TaskEntry("tiny_blobs"), TaskEntry("tiny_blobs", arch="nan_mlp")]
    res = run_sweep(spec, quiet=True)
    with Store(db) as s:
        rows = {r["key"]: r for r in s.rows()}
    assert res.counts["done"] == 2 and res.counts["diverged"] == 2, [r["error"] for r in rows.values()]
    # Ray workers compute exactly what this process computes.
    for c in build_grid(spec):
        expect = execute(c)
        assert rows[c.key]["status"] == expect["status"]
        assert rows[c.key]["final_metric"] == expect.get("final_metric")


def test_full_suite_has_every_kind_of_unit_on_the_boards_it_fits():
    from nonlin.bench.suites import FULL_GATED, FULL_KAN, FULL_LEARNABLE, FULL_NEURONS, get_suite

    spec = get_suite("full").to_spec()
    assert spec.missing == [] and spec.seeds == [0, 1, 2, 3, 4]
    grid = build_grid(spec)
    assert len(grid) == 780  # the run count the suite's docstring and `bench --help` state
    boards = {}
    for c in grid:
        boards.setdefault((c.task, c.arch), set()).add(c.unit)
    assert set(FULL_NEURONS) == boards[("mnist1d_seq", "sequence")] & set(FULL_NEURONS)
    assert set(FULL_KAN) <= boards[("kan_toy", "mlp")] and not set(FULL_KAN) & boards[("mnist1d", "mlp")]
    assert set(FULL_GATED) <= boards[("mnist1d", "mlp")] and set(FULL_LEARNABLE) <= boards[("special_fn", "mlp")]
    # MNIST-1D at the paper's sizes: MLP 2 x 100, CNN 3 x 25 channels.
    assert {(c.width, c.depth) for c in grid if c.task == "mnist1d" and c.arch == "mlp"} == {(100, 2)}
    assert {(c.width, c.depth) for c in grid if c.arch == "cnn1d"} == {(25, 3)}
