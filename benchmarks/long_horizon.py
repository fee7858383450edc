"""Long-horizon tasks with neuron models: train a neuron unit + last-step readout under a time budget.

Uses the benchmark's generators (``nonlin.bench.tasks.get_task``), never its own copies.
Each run trains one unit on one task with Adam, evaluates on the test split at the end
of every epoch, stops at ``--max-seconds``, and prints / saves a JSON record with the
parameter count, epochs done, wall time and the test score.  The CPU budget is the
honest limit here: the record says what was reached, not what would be with more time.

Examples
--------
  .venv/bin/python benchmarks/long_horizon.py --task adding --length 1000 --unit branch_elm \\
      --num-memory 64 --max-seconds 900 --json runs/adding_elm.json
  .venv/bin/python benchmarks/long_horizon.py --task mnist1d_seq --unit branch_elm --num-memory 64
  .venv/bin/python benchmarks/long_horizon.py --task adding --unit lstm_chrono --hidden 64
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import torch
from torch import nn

import nonlin
from nonlin.bench.tasks.base import get_task


class SequenceModel(nn.Module):
    """neuron unit (B, T, C) -> (B, T, H), then a linear readout of the last step (if H != outputs)."""

    def __init__(self, unit: str, in_size: int, n_out: int, hidden: int, unit_kw: dict):
        super().__init__()
        direct = unit in ("elm", "branch_elm")  # ELM has its own linear readout W_y
        self.neuron = nonlin.create(unit, in_size, n_out if direct else hidden, **unit_kw)
        self.head = nn.Identity() if direct else nn.Linear(hidden, n_out)

    def forward(self, x):
        y, _ = self.neuron(x)
        return self.head(y[:, -1])


def as_sequence(x: torch.Tensor) -> torch.Tensor:
    return x if x.dim() == 3 else x.reshape(x.shape[0], -1, 1)  # images/vectors read one value per step


def evaluate(model, task, x, y, batch):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            preds.append(model(as_sequence(x[i:i + batch])))
    model.train()
    return task.score(torch.cat(preds), y)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", default="adding")
    ap.add_argument("--length", type=int, default=None, help="sequence length option of the task (adding, copy)")
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--unit", default="branch_elm")
    ap.add_argument("--num-memory", type=int, default=64, help="ELM d_m")
    ap.add_argument("--tau-b", type=float, default=5.0, help="ELM branch trace τ_b")
    ap.add_argument("--tau-max", type=float, default=1000.0, help="ELM τ_max")
    ap.add_argument("--hidden", type=int, default=64, help="hidden size of non-ELM units")
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    opts = {}
    if args.length is not None:
        opts["length"] = args.length
    if args.n_train is not None:
        opts["n_train"] = args.n_train
    task = get_task(args.task, **opts)
    data = task.generate(args.seed)
    xtr, ytr, xte, yte = data.x_train, data.y_train, data.x_test, data.y_test
    in_size = as_sequence(xtr[:1]).shape[-1]
    n_out = task.num_outputs
    unit_kw = {}
    if args.unit in ("elm", "branch_elm"):
        unit_kw = dict(num_memory=args.num_memory, memory_tau_max=args.tau_max,
                       **({"tau_b": args.tau_b} if args.unit == "branch_elm" else {"tau_s": args.tau_b}))
    if args.unit == "lstm_chrono":
        unit_kw = dict(t_max=float(as_sequence(xtr[:1]).shape[1]))
    model = SequenceModel(args.unit, in_size, n_out, args.hidden, unit_kw)
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    record = {"task": args.task, "task_options": opts, "unit": args.unit, "unit_options": unit_kw,
              "hidden": args.hidden, "params": n_params, "seq_len": int(as_sequence(xtr[:1]).shape[1]),
              "lr": args.lr, "batch": args.batch, "budget_s": args.max_seconds, "history": [],
              "trivial_baseline": task.trivial_baseline, "published": dict(task.published)}
    print(f"{args.unit} on {args.task} {opts}: {n_params} parameters, T = {record['seq_len']}", flush=True)
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(args.seed)
    best = None
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(xtr), generator=g)
        losses = []
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            loss = task.loss(model(as_sequence(xtr[idx])), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(float(loss.detach()))
            if time.perf_counter() - t0 > args.max_seconds:
                break
        score = evaluate(model, task, xte, yte, 500)
        better = best is None or (score > best if task.higher_is_better else score < best)
        best = score if better else best
        elapsed = time.perf_counter() - t0
        record["history"].append({"epoch": epoch, "train_loss": sum(losses) / len(losses),
                                  "test": score, "seconds": elapsed})
        print(f"epoch {epoch}: train loss {sum(losses) / len(losses):.4f}, test {task.metric} {score:.4f}, "
              f"{elapsed:.0f} s", flush=True)
        if elapsed > args.max_seconds:
            break
    record.update(final_test=score, best_test=best, epochs=epoch, seconds=time.perf_counter() - t0,
                  metric=task.metric)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)
    return record


if __name__ == "__main__":
    main()
