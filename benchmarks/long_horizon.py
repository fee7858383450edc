"""Long-horizon tasks with neuron models: train a neuron unit + last-step readout under a time budget.

Uses the benchmark's generators (``nonlin.bench.tasks.get_task``), never its own copies.
Each run trains one unit on one task with Adam (optionally through a curriculum of
lengths), evaluates on the test split at the end of every epoch, stops at
``--max-seconds``, and prints / saves (after every epoch) a JSON record with the
parameter count, epochs done, wall time and the test score.  The CPU budget is the
honest limit here: the record says what was reached, not what would be with more time.

Examples
--------
  # the adding problem at T = 1000 (docs/neurons.md): published ELM defaults, T = 100 first
  .venv/bin/python benchmarks/long_horizon.py --task adding --curriculum 100,1000 --stage-target 0.002 \\
      --n-train 20000 --unit elm_v2 --num-memory 16 --tau-b 0.2 --lr 1e-3 --batch 50 \\
      --max-seconds 600 --json runs/adding_elm.json
  .venv/bin/python benchmarks/long_horizon.py --task mnist1d_seq --unit elm_v2 --num-memory 64
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

ELM_UNITS = ("elm", "branch_elm", "elm_v2")  # units with their own readout and ELM hyper-parameters
from nonlin.bench.tasks.base import get_task


class SequenceModel(nn.Module):
    """neuron unit (B, T, C) -> (B, T, H), then a linear readout of the last step (if H != outputs)."""

    def __init__(self, unit: str, in_size: int, n_out: int, hidden: int, unit_kw: dict):
        super().__init__()
        direct = unit in ELM_UNITS  # ELM has its own linear readout W_y
        self.neuron = nonlin.create(unit, in_size, n_out if direct else hidden, **unit_kw)
        self.head = nn.Identity() if direct else nn.Linear(hidden, n_out)

    def forward(self, x):
        y, _ = self.neuron(x)
        return self.head(y[:, -1])


def sequence_encoder(task):
    """How a task's inputs become (B, T, C) sequences for a neuron unit.

    Token ids (ListOps) become one-hot vectors over the task's vocabulary;
    images and vectors are read one value per step (Pathfinder's LRA scan,
    MNIST-1D); sequences pass through.
    """
    vocab = getattr(task, "vocab_size", None)

    def encode(x: torch.Tensor) -> torch.Tensor:
        if vocab is not None:
            return torch.nn.functional.one_hot(x.long(), vocab).float()
        return x if x.dim() == 3 else x.reshape(x.shape[0], -1, 1)
    return encode


def evaluate(model, task, x, y, batch, encode):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            preds.append(model(encode(x[i:i + batch])))
    model.train()
    return task.score(torch.cat(preds), y)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", default="adding")
    ap.add_argument("--length", type=int, default=None, help="sequence length option of the task (adding, copy)")
    ap.add_argument("--task-options", default="", help="more task options, e.g. layout=sequence,min_length=500")
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--curriculum", default=None,
                    help="comma list of lengths trained in turn, e.g. 100,1000; the last is the task reported")
    ap.add_argument("--stage-target", type=float, default=None,
                    help="move to the next curriculum length once the test metric reaches this")
    ap.add_argument("--unit", default="branch_elm")
    ap.add_argument("--num-memory", type=int, default=64, help="ELM d_m")
    ap.add_argument("--tau-b", type=float, default=5.0,
                    help="ELM trace time constant: τ_b of elm_v2, τ_s of elm / branch_elm")
    ap.add_argument("--tau-min", type=float, default=1.0, help="ELM τ_min")
    ap.add_argument("--tau-max", type=float, default=1000.0, help="ELM τ_max")
    ap.add_argument("--lambda-value", type=float, default=5.0,
                    help="ELM λ: memory input gain 1 − exp(−λ/τ_m) (published 5; larger lets slow memories move)")
    ap.add_argument("--learn-tau", action="store_true", help="train the ELM memory time constants")
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

    lengths = [int(v) for v in args.curriculum.split(",")] if args.curriculum else [args.length]
    base_opts = {} if args.n_train is None else {"n_train": args.n_train}
    for item in filter(None, args.task_options.split(",")):
        key, _, value = item.partition("=")
        base_opts[key] = int(value) if value.lstrip("-").isdigit() else value

    def load(length):
        opts = dict(base_opts, **({} if length is None else {"length": length}))
        task = get_task(args.task, **opts)
        return task, opts, task.generate(args.seed)

    task, opts, data = load(lengths[-1])   # the task the result is for
    encode = sequence_encoder(task)
    seq_len, in_size = encode(data.x_train[:1]).shape[1:]
    n_out = task.num_outputs
    unit_kw = {}
    if args.unit in ELM_UNITS:
        unit_kw = dict(num_memory=args.num_memory, memory_tau_min=args.tau_min, memory_tau_max=args.tau_max,
                       lambda_value=args.lambda_value, learn_memory_tau=args.learn_tau,
                       **({"tau_b": args.tau_b} if args.unit == "elm_v2" else {"tau_s": args.tau_b}))
    if args.unit == "lstm_chrono":
        unit_kw = dict(t_max=float(seq_len))
    model = SequenceModel(args.unit, in_size, n_out, args.hidden, unit_kw)
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    record = {"task": args.task, "task_options": opts, "unit": args.unit, "unit_options": unit_kw,
              "hidden": args.hidden, "params": n_params, "seq_len": int(seq_len),
              "curriculum": lengths if args.curriculum else None, "stage_target": args.stage_target,
              "lr": args.lr, "batch": args.batch, "budget_s": args.max_seconds, "history": [],
              "trivial_baseline": task.trivial_baseline, "published": dict(task.published)}
    print(f"{args.unit} on {args.task} {opts}: {n_params} parameters, T = {record['seq_len']}"
          + (f", curriculum {lengths}" if args.curriculum else ""), flush=True)
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(args.seed)
    best = None
    epoch = 0
    for stage, length in enumerate(lengths):
        last = stage == len(lengths) - 1
        stage_task, _, stage_data = (task, opts, data) if last else load(length)
        xtr, ytr, xte, yte = stage_data.x_train, stage_data.y_train, stage_data.x_test, stage_data.y_test
        while epoch < args.epochs:
            epoch += 1
            perm = torch.randperm(len(xtr), generator=g)
            losses = []
            for i in range(0, len(xtr), args.batch):
                idx = perm[i:i + args.batch]
                loss = stage_task.loss(model(encode(xtr[idx])), ytr[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                losses.append(float(loss.detach()))
                if time.perf_counter() - t0 > args.max_seconds:
                    break
            score = evaluate(model, stage_task, xte, yte, 500, encode)
            elapsed = time.perf_counter() - t0
            record["history"].append({"epoch": epoch, "length": length, "train_loss": sum(losses) / len(losses),
                                      "test": score, "seconds": elapsed})
            print(f"epoch {epoch} (T = {length or record['seq_len']}): train loss {sum(losses) / len(losses):.4f}, "
                  f"test {stage_task.metric} {score:.4f}, {elapsed:.0f} s", flush=True)
            reached = args.stage_target is not None and (
                score >= args.stage_target if stage_task.higher_is_better else score <= args.stage_target)
            if last:
                better = best is None or (score > best if task.higher_is_better else score < best)
                best = score if better else best
                record.update(final_test=score, final_length=length, best_test=best, epochs=epoch,
                              seconds=elapsed, metric=task.metric, finished=False)
            save(record, args.json)
            if elapsed > args.max_seconds or (reached and not last):
                break
        if time.perf_counter() - t0 > args.max_seconds:
            break
    record.update(final_test=score, final_length=length, best_test=best, epochs=epoch, seconds=time.perf_counter() - t0,
                  metric=task.metric, finished=True)
    save(record, args.json)
    return record


def save(record: dict, path: str | None) -> None:
    """Write the record atomically (a killed run keeps the last completed epoch)."""
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(record, f, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
