"""Accuracy of few-bit backward: exact vs optimal 1-4-bit tables vs published tables, same tasks and seeds.

    python benchmarks/memory_accuracy.py [--tasks digits,mnist1d,pathfinder] [--seeds 5] [--unit gelu]
                                         [--epochs N] [--json out.json]

Trains the benchmark's reference models (``nonlin.bench.models.build_model``) on the benchmark's
tasks (``nonlin.bench.tasks``) directly, with small budgets, once per (variant, task, seed); the
same seed gives the same data, initialisation and batch order to every variant.  Variants:

* ``exact``: the unit's own backward;
* ``optimal-b`` (b = 1..4): ``fewbit(model, bits=b)``, the DP-optimal table under N(0, 1);
* ``fewbit-paper-2``: Few-Bit's released 2-bit table (arXiv 2202.00441);
* ``approx-bp``: ReGELU2 / ReSiLU2 (arXiv 2406.16282);
* ``relu-step``: the 1-bit derivative of ReLU, 1[x > 0].

Not yet wired into ``nonlin bench`` (the runner and store belong to another part of the code): this
script prints a Markdown table of mean ± std test metric over seeds and the gap to exact.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nonlin.bench.models import build_model  # noqa: E402
from nonlin.bench.tasks import get_task  # noqa: E402
from nonlin.memory import fewbit  # noqa: E402

VARIANTS = {
    "exact": None,
    "optimal-1": dict(bits=1), "optimal-2": dict(bits=2), "optimal-3": dict(bits=3), "optimal-4": dict(bits=4),
    "fewbit-paper-2": dict(bits=2, table="fewbit_published", mode="table"),
    "approx-bp": dict(bits=2, table="approx_bp", mode="table"),
    "relu-step": dict(bits=1, table="relu_step", mode="table"),
}
ARCH = {"digits": "mlp", "mnist1d": "mlp", "pathfinder": "mlp", "image_fit": "mlp", "special_fn": "mlp"}


def run(task_name: str, unit: str, variant: str, seed: int, epochs: int, width: int) -> float:
    task = get_task(task_name)
    data = task.generate(seed)
    torch.manual_seed(seed)
    model = build_model(ARCH.get(task_name, task.default_model), unit, task, width=width, depth=2)
    if VARIANTS[variant] is not None:
        rep = fewbit(model, **VARIANTS[variant])
        if not rep.converted:
            raise RuntimeError(f"{variant}: nothing converted ({rep})")
    d = task.defaults.get("quick")
    opt = torch.optim.Adam(model.parameters(), lr=d.lr, weight_decay=d.weight_decay)
    g = torch.Generator().manual_seed(seed)
    n = data.x_train.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, d.batch_size):
            idx = perm[i:i + d.batch_size]
            loss = task.loss(model(data.x_train[idx]), data.y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return task.score(model(data.x_test), data.y_test)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", default="digits,mnist1d,pathfinder")
    ap.add_argument("--unit", default="gelu")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    variants = a.variants.split(",")
    results: dict = {}
    t0 = time.time()
    for task in a.tasks.split(","):
        for v in variants:
            results[(task, v)] = [run(task, a.unit, v, s, a.epochs, a.width) for s in range(a.seeds)]
            print(f"{task:10s} {v:15s} " + " ".join(f"{x:.2f}" for x in results[(task, v)])
                  + f"  ({time.time() - t0:.0f} s)", flush=True)
    print(f"\n| task | " + " | ".join(variants) + " |\n|---|" + "---|" * len(variants))
    for task in a.tasks.split(","):
        ex = statistics.mean(results[(task, "exact")]) if (task, "exact") in results else None
        cells = []
        for v in variants:
            xs = results[(task, v)]
            m, s = statistics.mean(xs), statistics.stdev(xs) if len(xs) > 1 else 0.0
            gap = "" if ex is None or v == "exact" else f" ({m - ex:+.2f})"
            cells.append(f"{m:.2f} ± {s:.2f}{gap}")
        print(f"| {task} | " + " | ".join(cells) + " |")
    out = {f"{t}/{v}": xs for (t, v), xs in results.items()}
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
