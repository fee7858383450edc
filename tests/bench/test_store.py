"""The SQLite store: schema, claiming, leases, dead owners, results, CSV export."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from nonlin.bench.store import COLUMN_NAMES, Store, StoreError, owner_is_dead, process_identity


def _rows(n):
    return [{"key": f"k{i}", "config": {"i": i}, "unit": "relu", "unit_label": "relu", "task": "t",
             "task_label": "t", "arch": "mlp", "width": 8, "depth": 1, "seed": i, "suite": "quick"}
            for i in range(n)]


def _dead_owner():
    """The identity of a process that has exited."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    ident = process_identity(p.pid)
    p.wait()
    return ident


def test_wal_mode_and_schema(tmp_path):
    with Store(tmp_path / "r.db") as s:
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        cols = [r[1] for r in s.conn.execute("PRAGMA table_info(runs)")]
        assert tuple(cols) == COLUMN_NAMES
        assert s.integrity_check() == "ok"


def test_add_is_idempotent_and_key_unique(tmp_path):
    with Store(tmp_path / "r.db") as s:
        assert s.add(_rows(3)) == 3
        assert s.add(_rows(4)) == 1          # only k3 is new
        assert len(s.rows()) == 4
        assert s.rows()[0]["config"] == {"i": 0}  # JSON decoded
        with pytest.raises(sqlite3.IntegrityError):
            s.conn.execute("INSERT INTO runs (key, config, unit, unit_label, task, task_label, arch, seed) "
                           "VALUES ('k0', '{}', 'u', 'u', 't', 't', 'a', 0)")
        with pytest.raises(sqlite3.IntegrityError):  # statuses are checked by the schema
            s.conn.execute("UPDATE runs SET status='finished' WHERE key='k0'")


def test_claim_takes_in_order_and_only_once(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(5))
        keys = [f"k{i}" for i in (4, 3, 2, 1, 0)]
        assert s.claim(keys, limit=2) == ["k4", "k3"]
        assert s.claim(keys, limit=2) == ["k2", "k1"]
        # A second store handle is another owner: it sees only what is left.
        other = Store(tmp_path / "r.db")
        other.identity = "otherhost:1:1"
        assert other.claim(keys, limit=10) == ["k0"]
        assert other.claim(keys, limit=10) == []
        assert s.status_counts()["running"] == 5
        assert {r["key"]: r["attempts"] for r in s.rows()} == {f"k{i}": 1 for i in range(5)}
        other.close()


def test_finish_only_by_owner(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(2))
        (k,) = s.claim(["k0"])
        intruder = Store(tmp_path / "r.db")
        intruder.identity = "otherhost:1:1"
        assert not intruder.finish(k, {"status": "done", "final_metric": 1.0})
        assert s.finish(k, {"status": "done", "final_metric": 93.5, "curve": [{"epoch": 1}], "params": 10})
        row = s.get(k)
        assert row["status"] == "done" and row["final_metric"] == 93.5 and row["curve"] == [{"epoch": 1}]
        assert row["owner"] is None and row["finished_at"] >= row["started_at"]
        assert not s.finish(k, {"status": "done"})  # not running any more: nothing written twice
        with pytest.raises(ValueError, match="must be one of"):
            s.finish("k1", {"status": "running"})
        intruder.close()


def test_dead_owner_rows_are_reclaimed_at_once(tmp_path):
    dead = _dead_owner()
    assert owner_is_dead(dead)
    assert not owner_is_dead(process_identity())
    assert not owner_is_dead("some-other-host:1:1")  # other hosts: only the lease decides
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(2))
        far = time.time() + 3600
        s.conn.execute("UPDATE runs SET status='running', owner=?, lease_until=? WHERE key='k0'", (dead, far))
        s.conn.execute("UPDATE runs SET status='running', owner='some-other-host:1:1', lease_until=? "
                       "WHERE key='k1'", (far,))
        assert s.claim(["k0", "k1"], limit=2) == ["k0"]


def test_pid_reuse_is_not_mistaken_for_the_owner(tmp_path):
    host, pid, start = process_identity().rsplit(":", 2)
    # Our own pid with another start time is a different (dead) process.
    assert owner_is_dead(f"{host}:{pid}:{int(start) + 12345}")


def test_expired_lease_is_reclaimed_and_heartbeat_extends_it(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(1))
        remote = Store(tmp_path / "r.db")
        remote.identity = "otherhost:7:7"  # alive as far as we can tell: only its lease counts
        assert remote.claim(["k0"], lease_seconds=0.2) == ["k0"]
        assert s.claim(["k0"]) == []
        assert remote.heartbeat(["k0"], lease_seconds=60) == 1
        time.sleep(0.3)
        assert s.claim(["k0"]) == []           # the heartbeat renewed the lease
        remote.heartbeat(["k0"], lease_seconds=0.05)
        time.sleep(0.1)
        assert s.claim(["k0"]) == ["k0"]       # expired: taken over
        assert s.get("k0")["attempts"] == 2
        assert not remote.finish("k0", {"status": "done"})  # the old owner's late result is dropped
        remote.close()


def test_release_and_reset(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(3))
        s.claim(["k0", "k1"], limit=2)
        s.release(["k0", "k1"])
        assert s.status_counts()["pending"] == 3
        s.claim(["k0"])
        s.finish("k0", {"status": "failed", "error": "boom"})
        s.claim(["k1"])
        s.finish("k1", {"status": "diverged"})
        assert s.reset(["k0", "k1", "k2"], ("failed",)) == 1
        assert s.get("k0")["status"] == "pending" and s.get("k1")["status"] == "diverged"
        with pytest.raises(ValueError, match="can only reset"):
            s.reset(["k0"], ("running",))


def test_export_csv(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(2))
        s.claim(["k1"])
        s.finish("k1", {"status": "done", "final_metric": 0.25, "metrics": {"final": 0.25}})
        path = s.export_csv(tmp_path / "runs.csv")
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and list(rows[0]) == list(COLUMN_NAMES)
    by_key = {r["key"]: r for r in rows}
    assert by_key["k1"]["status"] == "done" and float(by_key["k1"]["final_metric"]) == 0.25
    assert json.loads(by_key["k1"]["metrics"]) == {"final": 0.25}
    assert by_key["k0"]["status"] == "pending" and by_key["k0"]["final_metric"] == ""


def test_columns_added_later_are_migrated(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(1))
        s.conn.execute("ALTER TABLE runs DROP COLUMN cpu_time")  # a store from before cpu_time existed
    with Store(tmp_path / "r.db") as s:
        assert "cpu_time" in {r[1] for r in s.conn.execute("PRAGMA table_info(runs)")}
        s.claim(["k0"])
        assert s.finish("k0", {"status": "done", "cpu_time": 1.5})
        assert s.get("k0")["cpu_time"] == 1.5


def test_unusable_files_give_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "no" / "such" / "dir" / "r.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(StoreError, match="not a usable nonlin store"):
        Store(junk)
    with Store(tmp_path / "v.db") as s:
        s.conn.execute("UPDATE meta SET value='99' WHERE name='schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        Store(tmp_path / "v.db")


def test_requeue_is_bounded_and_records_the_cause(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(1))
        assert s.claim(["k0"]) == ["k0"]
        assert s.requeue("k0", "its worker died (SIGKILL)", max_attempts=2) == "pending"
        row = s.get("k0")
        assert row["status"] == "pending" and row["error"] is None
        assert row["unfinished"] == "attempt 1: its worker died (SIGKILL)"
        assert s.claim(["k0"]) == ["k0"]
        assert s.requeue("k0", "node lost", max_attempts=2) == "failed"
        row = s.get("k0")
        assert row["status"] == "failed" and row["attempts"] == 2
        assert "all 2 attempts" in row["error"] and "node lost" in row["error"]
        assert row["unfinished"].splitlines() == ["attempt 1: its worker died (SIGKILL)", "attempt 2: node lost"]
        # Not ours (any more): nothing changes.
        assert s.requeue("k0", "x", max_attempts=5) is None


def test_released_rows_do_not_use_up_attempts(tmp_path):
    with Store(tmp_path / "r.db") as s:
        s.add(_rows(1))
        s.claim(["k0"])
        s.release(["k0"])
        assert s.get("k0")["attempts"] == 0 and s.get("k0")["status"] == "pending"


def test_stored_json_is_strict_json(tmp_path):
    def strict(text):
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} stored"))

    with Store(tmp_path / "r.db") as s:
        s.add(_rows(1))
        s.claim(["k0"])
        s.finish("k0", {"status": "diverged", "metrics": {"final": float("nan"), "best": float("inf")},
                        "curve": [{"epoch": 1, "test_loss": float("-inf")}]})
        raw = s.conn.execute("SELECT metrics, curve FROM runs WHERE key='k0'").fetchone()
        assert strict(raw[0]) == {"final": None, "best": None}
        assert strict(raw[1]) == [{"epoch": 1, "test_loss": None}]


def test_read_only_store_never_writes(tmp_path):
    path = tmp_path / "r.db"
    with Store(path) as s:
        s.add(_rows(2))
    with Store(path, readonly=True) as s:
        assert len(s.rows()) == 2
        with pytest.raises(StoreError, match="read-only"):
            s.add(_rows(3))
    with pytest.raises(StoreError, match="no benchmark store"):
        Store(tmp_path / "missing.db", readonly=True)
