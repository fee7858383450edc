"""Smoke tests of the rerunnable benchmark scripts in benchmarks/ (tiny sizes: they must not rot)."""

from __future__ import annotations

import importlib.util
import json
import pathlib

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_long_horizon_curriculum_writes_a_record_for_the_last_length(tmp_path):
    long_horizon = _load("long_horizon")
    out = tmp_path / "adding.json"
    threads = torch.get_num_threads()            # the script sets its own thread count
    try:
        record = long_horizon.main(["--task", "adding", "--curriculum", "8,16", "--stage-target", "10",
                                    "--n-train", "40", "--unit", "branch_elm", "--num-memory", "4",
                                    "--epochs", "3", "--batch", "20", "--max-seconds", "60", "--json", str(out)])
    finally:
        torch.set_num_threads(threads)
    saved = json.loads(out.read_text())
    assert saved["finished"] and saved["curriculum"] == [8, 16] and saved["seq_len"] == 16
    lengths = [h["length"] for h in saved["history"]]
    assert lengths[0] == 8 and lengths[-1] == 16            # target 10 reached at once: one epoch at T = 8
    assert record["final_length"] == 16 and record["epochs"] == 3


def test_long_horizon_one_hot_encodes_token_tasks():
    long_horizon = _load("long_horizon")
    from nonlin.bench.tasks.base import get_task
    task = get_task("listops", n_train=4, n_test=2)
    x = task.generate(0).x_train
    seq = long_horizon.sequence_encoder(task)(x)
    assert seq.shape == (*x.shape, task.vocab_size)
    assert torch.equal(seq.argmax(-1), x.long()) and torch.all(seq.sum(-1) == 1)
