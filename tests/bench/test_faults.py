"""Fault injection: the sweep under dead workers, signals, hostile working directories and bad stores.

Each test here reproduces a defect that once lost or mis-recorded runs, or
printed a traceback instead of one ``nonlin: error:`` line.  Tests that need
root (tmpfs mounts) or Ray skip with the reason.  The multi-node Ray cluster
test is in ``test_faults_ray_cluster.py`` (marked ``slow``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from nonlin.bench.config import SweepSpec, TaskEntry, UnitEntry
from nonlin.bench.runner import run_sweep
from nonlin.bench.store import Store

from .test_runner import PLUGIN, ROOT, _count, plugin_registered  # noqa: F401  (autouse fixture)

FAULT_PLUGIN = "nonlin_fault_test_plugin"
FAULT_PLUGIN_SOURCE = '''
import os
import signal
import time

import nonlin_bench_test_plugin as base
from nonlin.bench.grid import register_arch


def _marker(unit):
    return os.path.join(os.environ["NONLIN_TEST_MARKERS"], unit)


@register_arch("dies_once")
def dies_once(unit, task, *, width, depth, unit_params):
    """relu's first attempt kills its own worker (as the OOM killer would); other units take 2 s."""
    if unit == "relu" and not os.path.exists(_marker(unit)):
        open(_marker(unit), "w").close()
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGKILL)
    if unit != "relu":
        time.sleep(float(os.environ.get("NONLIN_TEST_SLOW", "2")))
    return base._mlp(unit, task, width, depth, unit_params)


@register_arch("always_dies")
def always_dies(unit, task, *, width, depth, unit_params):
    os.kill(os.getpid(), signal.SIGKILL)


@register_arch("slow_mlp")
def slow_mlp(unit, task, *, width, depth, unit_params):
    time.sleep(float(os.environ.get("NONLIN_TEST_SLOW", "2")))
    return base._mlp(unit, task, width, depth, unit_params)
'''

PY = sys.executable


@pytest.fixture(scope="module")
def fault_plugin(plugin_registered):  # noqa: F811
    with open(os.path.join(plugin_registered, FAULT_PLUGIN + ".py"), "w") as fh:
        fh.write(FAULT_PLUGIN_SOURCE)
    import importlib
    from nonlin.bench import grid
    sys.modules.pop(FAULT_PLUGIN, None)
    for a in ("dies_once", "always_dies", "slow_mlp"):
        grid._ARCHS.pop(a, None)
    importlib.import_module(FAULT_PLUGIN)
    yield plugin_registered
    sys.modules.pop(FAULT_PLUGIN, None)
    for a in ("dies_once", "always_dies", "slow_mlp"):
        grid._ARCHS.pop(a, None)


@pytest.fixture
def markers(tmp_path, monkeypatch):
    d = tmp_path / "markers"
    d.mkdir()
    monkeypatch.setenv("NONLIN_TEST_MARKERS", str(d))
    return d


def fault_spec(store, arch, units=("relu", "leaky_relu"), **kw):
    spec = SweepSpec(units=[UnitEntry(u) for u in units], tasks=[TaskEntry("tiny_blobs", arch=arch)],
                     seeds=[0], widths=[8], depth=1, plugins=[PLUGIN, FAULT_PLUGIN], store=str(store))
    for k, v in kw.items():
        setattr(spec, k, v)
    return spec


def _rows(db):
    with Store(db) as s:
        return {r["unit"]: r for r in s.rows()}


# -- 1. a dead worker ---------------------------------------------------------------------

def test_killed_pool_worker_is_redone_and_healthy_run_untouched(tmp_path, fault_plugin, markers):
    db = tmp_path / "runs.db"
    res = run_sweep(fault_spec(db, "dies_once"), workers=2, quiet=True)
    rows = _rows(db)
    assert res.counts["done"] == 2, {u: r["error"] for u, r in rows.items()}
    # The killed run was redone once, with the cause recorded ...
    assert rows["relu"]["attempts"] == 2
    assert "worker" in rows["relu"]["unfinished"] and "died" in rows["relu"]["unfinished"]
    # ... and the run on the healthy worker was neither failed nor restarted.
    assert rows["leaky_relu"]["attempts"] == 1 and rows["leaky_relu"]["unfinished"] is None


def test_run_that_keeps_killing_its_worker_fails_after_bounded_retries(tmp_path, fault_plugin, markers):
    db = tmp_path / "runs.db"
    res = run_sweep(fault_spec(db, "always_dies", units=("relu",)), workers=1, quiet=True, max_attempts=2)
    row = _rows(db)["relu"]
    assert res.counts["failed"] == 1 and row["attempts"] == 2
    assert "2 attempts" in row["error"] and "died" in row["error"]


@pytest.mark.slow  # starts a Ray instance: 30-180 s on a loaded 2-core machine
def test_killed_ray_worker_is_redone(tmp_path, fault_plugin, markers):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'nonlin[ray]')")
    db = tmp_path / "runs.db"
    res = run_sweep(fault_spec(db, "dies_once"), executor="ray", workers=2, quiet=True)
    rows = _rows(db)
    assert res.counts["done"] == 2, {u: r["error"] for u, r in rows.items()}
    # Ray may hand the retry to a worker lease of the dead process once more: >= 2 attempts.
    assert rows["relu"]["attempts"] >= 2 and "died" in rows["relu"]["unfinished"], rows["relu"]["unfinished"]
    assert rows["leaky_relu"]["attempts"] == 1, rows["leaky_relu"]["unfinished"]


# -- 3. signals to the driver -------------------------------------------------------------------

def _env(**extra):
    env = dict(os.environ)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _bench(db, cwd, *extra, env=None, **popen):
    argv = [PY, "-m", "nonlin.cli", "bench", "--units", "relu,leaky_relu,elu", "--tasks", "tiny_blobs",
            "--arch", "slow_mlp", "--seeds", "2", "--width", "8", "--depth", "1", "--plugin", PLUGIN,
            "--plugin", FAULT_PLUGIN, "--store", str(db), "--no-report", "--quiet", *extra]
    return subprocess.Popen(argv, cwd=cwd, env=env or _env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


def _wait_for(db, status, n, proc, timeout=90):
    deadline = time.time() + timeout
    while _count(db, status) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, f"no {n} '{status}' rows after {timeout} s"
        time.sleep(0.05)


def _assert_clean_interrupt(proc, db, err, started):
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "again" in lines[0], err
    assert _count(db, "running") == 0     # claimed rows were given back
    assert time.time() - started < 20     # did not wait for the in-flight runs (30 s each)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_the_driver_gives_rows_back(tmp_path, fault_plugin, sig):
    db = tmp_path / "runs.db"
    proc = _bench(db, ROOT, "--workers", "2", env=_env(NONLIN_TEST_SLOW=30))
    _wait_for(db, "running", 2, proc)
    t = time.time()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    _assert_clean_interrupt(proc, db, err, t)


def test_ctrl_c_to_the_whole_group_while_workers_start(tmp_path, fault_plugin):
    db = tmp_path / "runs.db"
    proc = _bench(db, ROOT, "--workers", "2", env=_env(NONLIN_TEST_SLOW=30), start_new_session=True)
    _wait_for(db, "running", 1, proc)     # the pool is starting: its fork server is importing torch
    t = time.time()
    os.killpg(proc.pid, signal.SIGINT)    # what Ctrl-C in a terminal does
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    _assert_clean_interrupt(proc, db, err, t)
    with Store(db) as s:  # finished results (none yet, or some) stay; nothing is left 'running'
        assert all(r["status"] in ("pending", "done") for r in s.rows())


def test_finished_runs_survive_sigterm_and_the_sweep_resumes(tmp_path, fault_plugin):
    db = tmp_path / "runs.db"
    proc = _bench(db, ROOT, "--workers", "0", env=_env(NONLIN_TEST_SLOW=0.5))
    _wait_for(db, "done", 2, proc)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    done = _count(db, "done")
    assert done >= 2 and _count(db, "running") == 0
    proc = _bench(db, ROOT, "--workers", "0", env=_env(NONLIN_TEST_SLOW=0))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"{6 - done} runs now, {done} already in the store: 6 done" in out


# -- 2. a shadowing `nonlin` folder in the working directory; all runs failing -----------------

LAUNCHER = "import sys\nfrom nonlin.cli import main\nif __name__ == '__main__':\n    sys.exit(main())\n"  # as pip writes it


def _console_script(tmp_path):
    """A launcher like the `nonlin` console script: its own folder, not the cwd, is first on sys.path."""
    d = tmp_path / "bin"
    d.mkdir(exist_ok=True)
    (d / "nonlin_cli.py").write_text(LAUNCHER)
    return str(d / "nonlin_cli.py")


def test_nonlin_folder_in_cwd_does_not_shadow_the_workers_nonlin(tmp_path, fault_plugin):
    cwd = tmp_path / "work"
    (cwd / "nonlin").mkdir(parents=True)
    (cwd / "nonlin" / "__init__.py").write_text("# not nonlin: a folder that happens to have its name\n")
    db = tmp_path / "runs.db"
    argv = [PY, _console_script(tmp_path), "bench", "--units", "relu", "--tasks", "tiny_blobs", "--seeds", "1",
            "--width", "8", "--depth", "1", "--plugin", PLUGIN, "--store", str(db), "--no-report", "--quiet",
            "--workers", "1"]
    r = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "1 done" in r.stdout, (r.stdout, r.stderr, _rows(db)["relu"]["error"])


def test_a_sweep_whose_runs_all_fail_says_so(tmp_path, fault_plugin):
    db = tmp_path / "runs.db"
    argv = [PY, "-m", "nonlin.cli", "bench", "--units", "relu,elu", "--tasks", "tiny_blobs", "--arch", "broken",
            "--seeds", "1", "--width", "8", "--depth", "1", "--plugin", PLUGIN, "--store", str(db),
            "--no-report", "--quiet", "--workers", "0"]
    r = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=180)
    assert r.returncode == 1
    assert "all 2 runs failed" in r.stderr and "broken on purpose" in r.stderr, r.stderr


# -- 12. --plugin from the working directory -------------------------------------------------------

def test_plugin_in_cwd_works_under_console_script_and_python_m(tmp_path, fault_plugin):
    cwd = tmp_path / "proj"
    cwd.mkdir()
    (cwd / "mymod.py").write_text("import nonlin_bench_test_plugin  # registers tiny_blobs\n")
    for launcher in ([PY, _console_script(tmp_path)], [PY, "-m", "nonlin.cli"]):
        db = tmp_path / f"runs{len(launcher)}.db"
        argv = [*launcher, "bench", "--units", "relu", "--tasks", "tiny_blobs", "--seeds", "1", "--width", "8",
                "--depth", "1", "--plugin", "mymod", "--store", str(db), "--no-report", "--quiet",
                "--workers", "1"]
        r = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=180)
        assert r.returncode == 0 and "1 done" in r.stdout, (launcher, r.stdout, r.stderr)


# -- 10. stores that cannot be used ---------------------------------------------------------------

def _cli(argv, cwd=ROOT, timeout=120):
    return subprocess.run([PY, "-m", "nonlin.cli", *argv], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout)


def _one_error_line(r, *needles):
    assert r.returncode != 0
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("nonlin: error:"), r.stderr
    for n in needles:
        assert n in lines[0], lines[0]


BENCH_TINY = ["bench", "--units", "relu", "--tasks", "tiny_blobs", "--seeds", "1", "--width", "8", "--depth", "1",
              "--plugin", PLUGIN, "--no-report", "--quiet", "--workers", "0"]


def test_store_path_that_is_a_directory(tmp_path, fault_plugin):
    d = tmp_path / "adir"
    d.mkdir()
    _one_error_line(_cli([*BENCH_TINY, "--store", str(d)]), str(d))


@contextlib.contextmanager
def _mounted_tmpfs(path, size="1m", ro=False):
    """A small tmpfs at ``path`` (needs root); skips the test with the reason otherwise."""
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if ro else "")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {r.stderr.strip() or r.returncode}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def _readonly_dir(path):
    if os.geteuid() != 0:
        path.mkdir()
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
    else:  # root ignores permission bits: a read-only mount instead
        with _mounted_tmpfs(path, ro=True) as p:
            yield p


def test_store_in_a_read_only_directory(tmp_path, fault_plugin):
    with _readonly_dir(tmp_path / "ro") as d:
        db = d / "runs.db"
        _one_error_line(_cli([*BENCH_TINY, "--store", str(db)]), str(db))


def test_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path, fault_plugin):
    db = tmp_path / "app.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO users VALUES (1, 'ada')")
    con.commit()
    con.close()
    before = db.read_bytes()
    _one_error_line(_cli([*BENCH_TINY, "--store", str(db)]), str(db), "not a nonlin store")
    assert db.read_bytes() == before
    _one_error_line(_cli(["report", "--store", str(db), "-o", str(tmp_path / "rep")]), "not a nonlin store")
    assert db.read_bytes() == before


def test_store_with_a_foreign_schema_version(tmp_path, fault_plugin):
    db = tmp_path / "runs.db"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='99' WHERE name='schema_version'")
    con.commit()
    con.close()
    _one_error_line(_cli([*BENCH_TINY, "--store", str(db)]), "schema version 99")
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='two' WHERE name='schema_version'")
    con.commit()
    con.close()
    _one_error_line(_cli([*BENCH_TINY, "--store", str(db)]), "schema version")


def test_full_disk_is_one_error_line(tmp_path, fault_plugin):
    with _mounted_tmpfs(tmp_path / "small", size="200k") as d:
        db = d / "runs.db"
        # Leave about one store's worth of space, then let the sweep fill it.
        with open(d / "filler", "wb") as fh:
            with contextlib.suppress(OSError):
                fh.write(b"\0" * 150_000)
        r = _cli(["bench", "--units", "relu,elu,gelu,silu,tanh,mish,selu,celu", "--tasks", "tiny_blobs",
                  "--seeds", "40", "--width", "8", "--depth", "1", "--plugin", PLUGIN, "--no-report", "--quiet",
                  "--workers", "0", "--epochs", "1", "--store", str(db)])
        _one_error_line(r, "full")


def test_report_reads_a_store_on_read_only_media(tmp_path, fault_plugin):
    with _mounted_tmpfs(tmp_path / "media", size="4m") as d:
        db = d / "runs.db"
        r = _cli([*BENCH_TINY, "--store", str(db)])
        assert r.returncode == 0, r.stderr
        subprocess.run(["mount", "-o", "remount,ro", str(d)], check=True)
        r = _cli(["report", "--store", str(db), "-o", str(tmp_path / "rep"), "--no-plots"])
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "rep" / "report.md").exists()


# -- 9 and 10: bad input is one error line, before anything runs -------------------------------------

BAD_BENCH = {
    "lr nan": ["--lr", "nan"],
    "lr inf": ["--lr", "inf"],
    "max-seconds nan": ["--max-seconds", "nan"],
    "max-seconds inf": ["--max-seconds", "inf"],
    "seeds 1e15": ["--seeds", str(10 ** 15)],
    "width 1e9": ["--width", str(10 ** 9)],
    "depth 1e6": ["--depth", str(10 ** 6)],
    "match-params 1e15": ["--match-params", str(10 ** 15), "--arch", "mlp"],
    "unit param inf": ["--units", "snake(a=1e999)"],
    "task length 1e12": ["--tasks", "adding(length=1000000000000)"],
    "task option inf": ["--tasks", "periodic_extrapolation(noise=1e999)"],
    "address with local executor": ["--address", "127.0.0.1:6379"],
    "address not a host": ["--executor", "ray", "--address", "not a host::"],
}


@pytest.mark.parametrize("extra", list(BAD_BENCH.values()), ids=list(BAD_BENCH))
def test_bad_bench_settings_are_refused_before_anything_runs(tmp_path, fault_plugin, capsys, extra):
    from nonlin.cli import main
    db = tmp_path / "runs.db"
    argv = ["bench", "--units", "relu", "--tasks", "tiny_blobs", "--seeds", "1", "--width", "8", "--depth", "1",
            "--plugin", PLUGIN, "--no-report", "--quiet", "--workers", "0", "--store", str(db)]
    # later flags win: the bad setting replaces the harmless one
    code = main(argv + extra)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("nonlin: error:"), err
    assert not db.exists()


BAD_CONFIGS = {
    "weight_decay nan": "units = ['relu']\ntasks = ['tiny_blobs']\n[train]\nweight_decay = nan\n",
    "lr inf": "units = ['relu']\ntasks = ['tiny_blobs']\n[train]\nlr = inf\n",
    "negative seed": "units = ['relu']\ntasks = ['tiny_blobs']\nseeds = [-1]\n",
    "seed 2**70 (yaml)": "units: [relu]\ntasks: [tiny_blobs]\nseeds: [1180591620717411303424]\n",
    "task width 0": "units = ['relu']\ntasks = [{ name = 'tiny_blobs', width = 0 }]\n",
    "task width string": "units = ['relu']\ntasks = [{ name = 'tiny_blobs', width = '64' }]\n",
    "task option nan": "units = ['relu']\ntasks = [{ name = 'periodic_extrapolation', options = { noise = nan } }]\n",
    "unit param nan": "units = [{ name = 'snake', params = { a = nan } }]\ntasks = ['tiny_blobs']\n",
    "match_params huge": "units = ['relu']\ntasks = ['tiny_blobs']\narch = 'mlp'\nmatch_params = 1000000000000000\n",
}


@pytest.mark.parametrize("text", list(BAD_CONFIGS.values()), ids=list(BAD_CONFIGS))
def test_bad_config_settings_are_refused_before_anything_runs(tmp_path, fault_plugin, capsys, text):
    from nonlin.cli import main
    path = tmp_path / ("sweep.yaml" if "yaml" in text or text.startswith("units:") else "sweep.toml")
    path.write_text(text)
    db = tmp_path / "runs.db"
    code = main(["bench", "--config", str(path), "--plugin", PLUGIN, "--store", str(db), "--no-report",
                 "--quiet", "--workers", "0", "--width", "8", "--depth", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("nonlin: error:"), err
    assert not db.exists()


def test_ray_address_that_does_not_answer_times_out_with_a_clear_error(tmp_path, fault_plugin):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'nonlin[ray]')")
    db = tmp_path / "runs.db"
    t = time.time()
    r = _cli([*BENCH_TINY, "--store", str(db), "--executor", "ray", "--address", "127.0.0.1:1"], timeout=120)
    _one_error_line(r, "127.0.0.1:1")
    assert time.time() - t < 60
    assert not db.exists() or _count(db, "pending") == 0


def test_plugin_that_raises_is_one_error_line(tmp_path, fault_plugin):
    (tmp_path / "badplug.py").write_text("raise ValueError('bad plugin on purpose')\n")
    r = _cli([*BENCH_TINY, "--store", str(tmp_path / "runs.db"), "--plugin", "badplug"], cwd=tmp_path)
    _one_error_line(r, "badplug", "bad plugin on purpose")


OUTPUT_ERRORS = {
    "report -o existing file": lambda tmp: ["report", "--store", str(tmp / "runs.db"), "-o", str(tmp / "afile")],
    "plot -o missing dir": lambda tmp: ["plot", "relu", "-o", str(tmp / "missing" / "x.png")],
    "catalog -o missing dir": lambda tmp: ["catalog", "-o", str(tmp / "missing" / "c.json")],
    "perf --repeats 0": lambda tmp: ["perf", "relu", "--repeats", "0", "--numel", "1024"],
    "perf --numel 1e13": lambda tmp: ["perf", "relu", "--numel", "10000000000000"],
}


@pytest.mark.parametrize("make_argv", list(OUTPUT_ERRORS.values()), ids=list(OUTPUT_ERRORS))
def test_output_and_perf_errors_are_one_line(tmp_path, capsys, make_argv):
    from nonlin.cli import main
    Store(tmp_path / "runs.db").close()
    (tmp_path / "afile").write_text("x")
    code = main(make_argv(tmp_path))
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("nonlin: error:"), err
