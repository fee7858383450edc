"""`nonlin perf` says when its numbers are noise."""

import os

import pytest

from nonlin.bench import perf


def _row(unit="u", spread=(1.0, 1.1), load=(0.1, 0.2)):
    return {"unit": unit, "builtin": None, "numel": 16, "fwd_naive_over_ours": 1.05,
            "fwd_ours_over_compiled": 1.0, "fwdbwd_naive_over_ours": 1.05, "fwdbwd_ours_over_compiled": 1.0,
            "saved_bytes_per_elem": {"ours": 4.0, "naive": 8.0},
            "fwd_ms": {"ours": 1.0}, "fwdbwd_ms": {"ours": 2.0},
            "spread": {"fwdbwd_naive_over_ours": spread}, "load": load}


def test_quiet_and_consistent_rounds_give_no_warning(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert perf.noise_warning([_row()]) is None


def test_spread_between_rounds_is_flagged(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    w = perf.noise_warning([_row("a", spread=(0.98, 16.1)), _row("b")])
    assert "NOISY" in w and "1 of 2 units (a)" in w
    assert perf.relative_spread(_row(spread=(1.0, 1.5))) == pytest.approx(0.5)


def test_load_is_flagged(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(perf.torch, "get_num_threads", lambda: 2)
    w = perf.noise_warning([_row(load=(9.5, 12.0))])
    assert "load average up to 12.0 on 2 cores" in w


def test_a_real_measurement_reports_spread_and_load():
    row = perf.measure("relu", numel=1 << 12, repeats=2, min_run_time=0.001)
    lo, hi = row["spread"]["fwdbwd_ours_over_builtin"]
    assert 0 < lo <= hi
    assert len(row["load"]) == 2
    text = perf.format_summary([row])
    assert "spread of the ratios over rounds" in text
