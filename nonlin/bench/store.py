"""Benchmark results in one SQLite file, safe to resume and to share.

One row per run, keyed by the hash of the run's canonical JSON config (see
:class:`nonlin.bench.runner.RunConfig`), so the same configuration can never
appear twice (``key`` is the primary key) and a sweep started again finds the
work it already did.

Life of a row::

    pending --claim--> running --finish--> done | diverged | failed
                          |
                          +-- owner died / lease expired --> claimed again
                          +-- worker or node died (requeue) --> pending again, or
                                failed after max_attempts (causes in `unfinished`)

``failed`` is for exceptions the run itself raised; a run cut short by the
infrastructure (a worker killed by the OOM killer, a lost Ray node) is
*unfinished* and is run again.

Crash safety
------------
* The database runs in WAL mode with ``synchronous=NORMAL`` (a committed
  transaction survives the death of the process, SIGKILL included) and a busy
  timeout, so several processes can share it.
* Every state change is one short ``BEGIN IMMEDIATE`` transaction: the write
  lock is taken before the read that decides what to claim, so two sweeps can
  never claim the same row.
* A claimed row records its *owner* (``host:pid:process-start-time``) and a
  lease (``lease_until``) that the owning driver renews while the run is in
  flight (:meth:`Store.heartbeat`).  A ``running`` row is claimable again when
  its lease has expired, or at once when its owner is a dead process on this
  host (the start time guards against pid reuse).  Results are written only
  while the writer still owns the row, so a run reclaimed by someone else is
  not recorded twice.

Peak memory is measured by the runner (see ``runner._PeakRSS``): the growth
of the worker's resident set over its level before the run, from Linux's
``VmHWM`` after resetting it through ``/proc/self/clear_refs``, or from the
``getrusage`` high-water mark where that is not available.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import socket
import sqlite3
import time
import urllib.parse
from typing import Any, Iterable, Iterator, Sequence

STATUSES = ("pending", "running", "done", "diverged", "failed")
FINISHED = ("done", "diverged", "failed")
SCHEMA_VERSION = 1

# Columns of the runs table, in order.  JSON columns hold text.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "TEXT PRIMARY KEY"),
    ("config", "TEXT NOT NULL"),          # canonical JSON of the RunConfig
    ("unit", "TEXT NOT NULL"),
    ("unit_label", "TEXT NOT NULL"),      # unit plus non-default parameters, e.g. snake(a=2)
    ("task", "TEXT NOT NULL"),
    ("task_label", "TEXT NOT NULL"),      # task plus options, e.g. adding(T=50)
    ("arch", "TEXT NOT NULL"),
    ("width", "INTEGER"),
    ("depth", "INTEGER"),
    ("seed", "INTEGER NOT NULL"),
    ("suite", "TEXT"),
    ("status", "TEXT NOT NULL DEFAULT 'pending'"),
    ("attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("owner", "TEXT"),
    ("lease_until", "REAL"),
    ("metric", "TEXT"),                   # name of the task's metric
    ("higher_is_better", "INTEGER"),
    ("final_metric", "REAL"),             # test metric after the last epoch
    ("best_metric", "REAL"),              # best test metric over epochs (for curves, not ranking)
    ("final_train_loss", "REAL"),
    ("metrics", "TEXT"),                  # JSON: final, best, best_epoch, final_train_loss, epochs_run, ...
    ("curve", "TEXT"),                    # JSON list per epoch: epoch, train_loss, test_metric, test_loss, seconds
    ("epoch_times", "TEXT"),              # JSON list of wall seconds per epoch
    ("diverged_epoch", "INTEGER"),
    ("wall_time", "REAL"),                # seconds for the whole run (data, model, train, eval)
    ("time_per_epoch", "REAL"),           # median training+eval seconds per epoch
    ("cpu_time", "REAL"),                 # CPU seconds of model build + training + evaluation (robust to busy machines)
    ("peak_memory", "INTEGER"),           # bytes of resident-set growth during the run
    ("saved_bytes", "INTEGER"),           # bytes autograd saved for backward in the first training batch
    ("params", "INTEGER"),
    ("flops", "INTEGER"),                 # forward FLOPs per sample (estimate)
    ("nonlin_version", "TEXT"),
    ("torch_version", "TEXT"),
    ("python_version", "TEXT"),
    ("hostname", "TEXT"),
    ("error", "TEXT"),                    # traceback of a failed run, reason of a diverged one
    ("unfinished", "TEXT"),               # why earlier attempts were cut short by the infrastructure (one per line)
    ("created_at", "REAL"),
    ("started_at", "REAL"),
    ("finished_at", "REAL"),
    ("updated_at", "REAL"),
)
COLUMN_NAMES = tuple(c for c, _ in COLUMNS)
JSON_COLUMNS = ("config", "metrics", "curve", "epoch_times")
# What a finished run may set (everything the runner measures).
RESULT_COLUMNS = (
    "status", "metric", "higher_is_better", "final_metric", "best_metric", "final_train_loss",
    "metrics", "curve", "epoch_times", "diverged_epoch", "wall_time", "time_per_epoch", "cpu_time",
    "peak_memory", "saved_bytes", "params", "flops", "nonlin_version", "torch_version", "python_version",
    "hostname", "error", "started_at",
)

DEFAULT_LEASE_SECONDS = 120.0


class StoreError(RuntimeError):
    """The store file cannot be used (wrong schema, not a nonlin store, ...)."""


def _process_start_time(pid: int) -> str | None:
    """Start time of a process in clock ticks since boot (Linux), to tell a pid's owners apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read().decode(errors="replace")
    except OSError:
        return None
    # The command name (field 2) may contain spaces; fields resume after the last ')'.
    fields = data[data.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


def process_identity(pid: int | None = None) -> str:
    """``host:pid:start`` naming this process uniquely across pid reuse."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_process_start_time(pid) or '?'}"


def owner_is_dead(owner: str | None) -> bool:
    """True when ``owner`` names a process on this host that no longer exists.

    Owners on other hosts are never declared dead here; their rows come back
    when the lease expires.
    """
    if not owner:
        return True
    try:
        host, pid_s, start = owner.rsplit(":", 2)
        pid = int(pid_s)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by someone else
    current = _process_start_time(pid)
    return start != "?" and current is not None and current != start


class Store:
    """The runs of one benchmark in one SQLite file.

    >>> store = Store("runs.db")
    >>> store.add([cfg.to_row() for cfg in grid])  # doctest: +SKIP
    >>> cfg_key = store.claim(keys)                 # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = 60.0, readonly: bool = False):
        self.path = os.fspath(path)
        self.readonly = readonly
        parent = os.path.dirname(os.path.abspath(self.path))
        if os.path.isdir(self.path):
            raise StoreError(f"store {self.path!r} is a directory; give the path of a file, e.g. "
                             f"{os.path.join(self.path, 'runs.db')!r}")
        if not os.path.isdir(parent):
            raise StoreError(f"cannot create store {self.path!r}: directory {parent!r} does not exist")
        if readonly and not os.path.isfile(self.path):
            raise StoreError(f"no benchmark store at {self.path!r}; run `nonlin bench` first")
        self.conn = self._connect(timeout)
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            # Before anything writes (WAL mode, tables): another application's database stays untouched.
            self._check_is_ours()
            self.identity = process_identity()
            if readonly:
                return
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"store {self.path!r}: could not enable WAL mode (got {mode!r})")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self._create_schema()
        except sqlite3.DatabaseError as err:
            self.conn.close()
            raise StoreError(self._explain(err)) from None
        except BaseException:
            self.conn.close()
            raise

    def _connect(self, timeout: float) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        try:
            if not self.readonly:
                return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            uri = "file:" + urllib.parse.quote(os.path.abspath(self.path))
            conn = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=timeout, isolation_level=None)
            try:
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError:
                # A WAL database on read-only media cannot create its shared-memory file:
                # read it as an immutable file instead (nobody can be writing to it there).
                conn.close()
                return sqlite3.connect(uri + "?immutable=1", uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.DatabaseError as err:
            raise StoreError(self._explain(err)) from None

    def _explain(self, err: Exception) -> str:
        """One sentence naming the store and what is wrong with it."""
        msg = str(err)
        parent = os.path.dirname(os.path.abspath(self.path))
        if "unable to open" in msg or "readonly" in msg or "read-only" in msg:
            if not os.access(parent, os.W_OK) or _read_only_mount(parent):
                return (f"cannot write the store {self.path!r}: directory {parent!r} is read-only "
                        "(choose another --store)")
            return f"cannot open the store {self.path!r}: {msg}"
        if "full" in msg:
            return f"cannot write the store {self.path!r}: the disk is full ({msg})"
        return f"{self.path!r} is not a usable nonlin store: {msg}"

    def _check_is_ours(self) -> None:
        """Refuse a database that another application made (it has tables, but not ours)."""
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            if self.readonly:
                raise StoreError(f"{self.path!r} is an empty database, not a nonlin store")
            return
        if not {"runs", "meta"} <= tables:
            raise StoreError(f"{self.path!r} is not a nonlin store (it holds tables "
                             f"{', '.join(sorted(tables))}); refusing to add to it. Choose another --store")
        row = self.conn.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()
        if row is None:
            raise StoreError(f"{self.path!r} is not a nonlin store (no schema version); refusing to use it")
        try:
            version = int(row[0])
        except (TypeError, ValueError):
            version = None
        if version != SCHEMA_VERSION:
            raise StoreError(f"store {self.path!r} has schema version {row[0]}; this nonlin reads version "
                             f"{SCHEMA_VERSION} (use another --store, or the nonlin that wrote it)")

    # -- schema ---------------------------------------------------------------

    def _create_schema(self) -> None:
        cols = ",\n  ".join(f"{n} {t}" for n, t in COLUMNS)
        with self.transaction():
            self.conn.execute(f"CREATE TABLE IF NOT EXISTS runs (\n  {cols},\n"
                              f"  CHECK (status IN ({', '.join(repr(s) for s in STATUSES)})))")
            self.conn.execute("CREATE INDEX IF NOT EXISTS runs_status ON runs(status)")
            self.conn.execute("CREATE INDEX IF NOT EXISTS runs_task_unit ON runs(task_label, unit_label)")
            self.conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            # What the report needs to know about a task without importing it.
            self.conn.execute("CREATE TABLE IF NOT EXISTS tasks (label TEXT PRIMARY KEY, info TEXT NOT NULL)")
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('application', 'nonlin')")
            have = {r[1] for r in self.conn.execute("PRAGMA table_info(runs)")}
            if "key" not in have or "status" not in have:
                raise StoreError(f"{self.path!r} has a 'runs' table that was not written by nonlin")
            # Columns added since the store was created (nullable measurements) are added in place.
            for name, decl in COLUMNS:
                if name not in have:
                    self.conn.execute(f"ALTER TABLE runs ADD COLUMN {name} {decl.split(' DEFAULT')[0].replace(' NOT NULL', '')}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction (takes the write lock up front)."""
        if self.readonly:
            raise StoreError(f"store {self.path!r} was opened read-only")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as err:  # disk full, read-only media, ...: one sentence, not a traceback
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise StoreError(self._explain(err)) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- writing --------------------------------------------------------------

    def add(self, rows: Iterable[dict]) -> int:
        """Insert configs as ``pending`` rows; keys already present are left alone.  Returns how many were new."""
        now = time.time()
        new = 0
        with self.transaction() as c:
            for row in rows:
                values = {k: _encode(k, v) for k, v in row.items() if k in COLUMN_NAMES}
                values.setdefault("status", "pending")
                values.setdefault("created_at", now)
                values["updated_at"] = now
                names = list(values)
                cur = c.execute(
                    f"INSERT OR IGNORE INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [values[n] for n in names])
                new += cur.rowcount
        return new

    def set_task_info(self, label: str, info: dict) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO tasks VALUES (?, ?)", (label, json.dumps(info, sort_keys=True)))

    def reset(self, keys: Sequence[str], statuses: Sequence[str] = ("failed",)) -> int:
        """Put finished rows with the given statuses back to ``pending`` (e.g. to retry failed runs)."""
        bad = set(statuses) - set(FINISHED)
        if bad:
            raise ValueError(f"can only reset finished statuses {FINISHED}; got {sorted(bad)}")
        with self.transaction() as c:
            cur = c.execute(
                f"UPDATE runs SET status='pending', owner=NULL, lease_until=NULL, updated_at=? "
                f"WHERE key IN (SELECT value FROM json_each(?)) AND status IN ({', '.join('?' * len(statuses))})",
                [time.time(), json.dumps(list(keys)), *statuses])
            return cur.rowcount

    def claim(self, keys: Sequence[str], *, limit: int = 1,
              lease_seconds: float = DEFAULT_LEASE_SECONDS) -> list[str]:
        """Atomically take up to ``limit`` runnable rows among ``keys`` and mark them ``running`` by us.

        Runnable: ``pending``, or ``running`` with an expired lease or a dead owner.
        Rows are taken in the order of ``keys``.
        """
        if limit <= 0 or not keys:
            return []
        now = time.time()
        with self.transaction() as c:
            order = {k: i for i, k in enumerate(keys)}
            rows = c.execute(
                "SELECT key, status, owner, lease_until FROM runs "
                "WHERE status IN ('pending', 'running') AND key IN (SELECT value FROM json_each(?))",
                (json.dumps(list(keys)),)).fetchall()
            runnable = [r["key"] for r in rows
                        if r["status"] == "pending"
                        or (r["owner"] != self.identity
                            and ((r["lease_until"] or 0) < now or owner_is_dead(r["owner"])))]
            runnable.sort(key=order.__getitem__)
            taken = runnable[:limit]
            for k in taken:
                c.execute("UPDATE runs SET status='running', owner=?, lease_until=?, attempts=attempts+1, "
                          "started_at=?, updated_at=? WHERE key=?",
                          (self.identity, now + lease_seconds, now, now, k))
        return taken

    def heartbeat(self, keys: Sequence[str], lease_seconds: float = DEFAULT_LEASE_SECONDS) -> int:
        """Renew our lease on rows we are still running."""
        if not keys:
            return 0
        now = time.time()
        with self.transaction() as c:
            cur = c.execute("UPDATE runs SET lease_until=?, updated_at=? WHERE owner=? AND status='running' "
                            "AND key IN (SELECT value FROM json_each(?))",
                            (now + lease_seconds, now, self.identity, json.dumps(list(keys))))
            return cur.rowcount

    def finish(self, key: str, result: dict) -> bool:
        """Record a run's result if we still own it.  Returns False (and writes nothing) otherwise."""
        status = result.get("status")
        if status not in FINISHED:
            raise ValueError(f"a finished run's status must be one of {FINISHED}; got {status!r}")
        values = {k: _encode(k, result[k]) for k in RESULT_COLUMNS if k in result}
        now = time.time()
        values.update(finished_at=now, updated_at=now, owner=None, lease_until=None)
        sets = ", ".join(f"{k}=?" for k in values)
        with self.transaction() as c:
            cur = c.execute(f"UPDATE runs SET {sets} WHERE key=? AND status='running' AND owner=?",
                            [*values.values(), key, self.identity])
            return cur.rowcount == 1

    def release(self, keys: Sequence[str]) -> None:
        """Give back rows we claimed but will not run (e.g. on Ctrl-C); the attempt is not counted."""
        if not keys:
            return
        with self.transaction() as c:
            c.execute("UPDATE runs SET status='pending', owner=NULL, lease_until=NULL, updated_at=?, "
                      "attempts=MAX(attempts - 1, 0) "
                      "WHERE owner=? AND status='running' AND key IN (SELECT value FROM json_each(?))",
                      (time.time(), self.identity, json.dumps(list(keys))))

    def requeue(self, key: str, cause: str, max_attempts: int) -> str:
        """A run we own was cut short by the infrastructure (its worker or node died): not its own fault.

        The cause is appended to the row's ``unfinished`` column.  The row goes back to
        ``pending`` to be run again, unless it has used ``max_attempts`` attempts: then it is
        ``failed`` (a run that keeps killing its worker, e.g. by running out of memory).
        Returns the new status, or None when we no longer own the row.
        """
        now = time.time()
        with self.transaction() as c:
            row = c.execute("SELECT attempts, unfinished FROM runs WHERE key=? AND status='running' AND owner=?",
                            (key, self.identity)).fetchone()
            if row is None:
                return None
            note = f"attempt {row['attempts']}: {cause}"
            unfinished = f"{row['unfinished']}\n{note}" if row["unfinished"] else note
            if row["attempts"] >= max_attempts:
                status = "failed"
                error = (f"cut short by the infrastructure in all {row['attempts']} attempts "
                         f"(gave up): {cause}")
            else:
                status, error = "pending", None
            c.execute("UPDATE runs SET status=?, owner=NULL, lease_until=NULL, unfinished=?, error=?, "
                      "finished_at=?, updated_at=? WHERE key=?",
                      (status, unfinished, error, now if status == "failed" else None, now, key))
            return status

    # -- reading --------------------------------------------------------------

    def rows(self, where: str = "", params: Sequence[Any] = (), *, decode: bool = True) -> list[dict]:
        """All runs (optionally filtered by an SQL ``where`` clause) as dicts, JSON columns decoded."""
        sql = "SELECT * FROM runs" + (f" WHERE {where}" if where else "") + " ORDER BY rowid"
        out = []
        for r in self.conn.execute(sql, params):
            d = dict(r)
            if decode:
                for k in JSON_COLUMNS:
                    if d.get(k) is not None:
                        d[k] = json.loads(d[k])
            out.append(d)
        return out

    def get(self, key: str) -> dict | None:
        rows = self.rows("key = ?", (key,))
        return rows[0] if rows else None

    def status_counts(self, keys: Sequence[str] | None = None) -> dict[str, int]:
        if keys is None:
            cur = self.conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status")
        else:
            cur = self.conn.execute("SELECT status, COUNT(*) FROM runs WHERE key IN (SELECT value FROM json_each(?)) "
                                    "GROUP BY status", (json.dumps(list(keys)),))
        counts = {s: 0 for s in STATUSES}
        counts.update({s: n for s, n in cur})
        return counts

    def task_info(self) -> dict[str, dict]:
        return {label: json.loads(info) for label, info in self.conn.execute("SELECT label, info FROM tasks")}

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    def export_csv(self, path: str | os.PathLike) -> str:
        """Write every run (all columns, JSON columns as JSON text) to a CSV file; returns the path."""
        path = os.fspath(path)
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMN_NAMES)
            for r in self.conn.execute(f"SELECT {', '.join(COLUMN_NAMES)} FROM runs ORDER BY rowid"):
                writer.writerow(["" if v is None else v for v in r])
        return path

    # -- probe cards (owned by nonlin.probes.card; additive: one table, created on first write) ----------
    # A card is JSON keyed by (unit label, card settings, nonlin version); `nonlin report` reads the
    # cards of the current version and shows them when there are any.

    def put_probe_card(self, unit_label: str, settings: str, version: str, card: dict) -> None:
        """Store (replace) the probe card of ``unit_label`` for these settings and nonlin version."""
        with self.transaction() as c:
            c.execute("CREATE TABLE IF NOT EXISTS probe_cards (unit_label TEXT NOT NULL, settings TEXT NOT NULL, "
                      "nonlin_version TEXT NOT NULL, card TEXT NOT NULL, created_at REAL, "
                      "PRIMARY KEY (unit_label, settings, nonlin_version))")
            c.execute("INSERT OR REPLACE INTO probe_cards VALUES (?, ?, ?, ?, ?)",
                      (unit_label, settings, version, json.dumps(card, sort_keys=True, default=float), time.time()))

    def probe_cards(self, settings: str | None = None, version: str | None = None) -> dict[str, dict]:
        """unit label -> card (the newest one matching ``settings`` / ``version`` where given); {} if none."""
        have = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='probe_cards'").fetchone()
        if not have:
            return {}
        where, params = [], []
        for col, v in (("settings", settings), ("nonlin_version", version)):
            if v is not None:
                where.append(f"{col} = ?")
                params.append(v)
        sql = ("SELECT unit_label, card FROM probe_cards" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY created_at")
        return {label: json.loads(card) for label, card in self.conn.execute(sql, params)}

    # -- end of probe cards ------------------------------------------------------------------------------


def _encode(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS and value is not None and not isinstance(value, str):
        return json.dumps(_finite_or_none(value), sort_keys=True, allow_nan=False)
    if column == "higher_is_better" and value is not None:
        return int(bool(value))
    return value


def _finite_or_none(value: Any) -> Any:
    """``value`` with every NaN/inf float replaced by None, so that stored JSON is valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value


def _read_only_mount(path: str) -> bool:
    """True when ``path`` lies on a file system mounted read-only (root ignores permission bits)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False
