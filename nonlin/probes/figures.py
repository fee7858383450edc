"""Regenerate the figures of docs/probes.md: ``python -m nonlin.probes.figures docs/images/probes``.

Small models on scikit-learn digits (offline), a few epochs each; one PNG per probe family.
"""

from __future__ import annotations

import os
import sys

import torch
from torch import nn


def train_digits_mlp(unit: str, seed: int = 0, epochs: int = 10, width: int = 64, data=None,
                     unit_params: dict | None = None):
    """A width-``width`` two-hidden-layer MLP with ``unit`` (parameters ``unit_params``) trained on
    scikit-learn digits (figures, tests, the report's probe card)."""
    from ._common import one_thread
    with one_thread():   # tiny batches: one thread is faster, and avoids contention on a loaded machine
        return _train_digits_mlp(unit, seed, epochs, width, data, unit_params)


def _train_digits_mlp(unit, seed, epochs, width, data, unit_params):
    import nonlin
    from nonlin.bench.tasks import get_task
    d = data or get_task("digits").generate(0)
    x, y = d.x_train.reshape(len(d.x_train), -1), d.y_train
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, width), nonlin.create(unit, **(unit_params or {})), nn.Linear(width, width),
                          nonlin.create(unit, **(unit_params or {})),
                          nn.Linear(width, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    return model, (x, y), (d.x_test.reshape(len(d.x_test), -1), d.y_test)


def _mnist1d_mlp(seed: int, data, depth: int = 3, width: int = 128, epochs: int = 30):
    """The 3-hidden-layer ReLU MLP on mnist1d of the nonlinear-advantage figure and test."""
    import nonlin
    torch.manual_seed(seed)
    layers, w = [], data.x_train.shape[1]
    for _ in range(depth):
        layers += [nn.Linear(w, width), nonlin.create("relu")]
        w = width
    model = nn.Sequential(*layers, nn.Linear(w, 10))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(data.x_train), generator=g)
        for i in range(0, len(perm), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx]).backward()
            opt.step()
    return model.eval()


def main(out: str, only: list[str] | None = None) -> None:
    from . import activity, bounds, exploitable, geometry, linear, ntk, spectral
    from .nonlinear_advantage import nonlinear_advantage
    from .universality import universality
    import nonlin
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name + ".png")  # noqa: E731
    want = lambda name: not only or name in only  # noqa: E731
    relu, (x, y), (xt, yt) = train_digits_mlp("relu")
    if want("universality"):
        seeds = [relu] + [train_digits_mlp("relu", seed=s)[0] for s in (1, 2)]
        untrained = []
        for s in range(3):
            torch.manual_seed(100 + s)
            untrained.append(nn.Sequential(nn.Linear(64, 64), nonlin.create("relu"), nn.Linear(64, 64),
                                           nonlin.create("relu"), nn.Linear(64, 10)))
        universality(seeds, xt[:600], baseline_models=untrained).plot(p("universality"))
    if want("nonlinear_advantage"):
        from nonlin.bench.tasks import get_task
        d = get_task("mnist1d").generate(0)
        nonlinear_advantage(_mnist1d_mlp(0, d), (d.x_test, d.y_test), calibration=d.x_train).plot(
            p("nonlinear_advantage"))
    if only:
        return
    gelu, _, _ = train_digits_mlp("gelu")
    activity.density(relu, xt).plot(p("density"))
    geometry.layer_cka(relu, xt[:300], other=gelu).plot(p("cka"))
    geometry.alignment(relu, (xt[:300], yt[:300])).plot(p("alignment"))
    exploitable.cats_curve(gelu, x, (xt, yt), sparsities=(0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)).plot(p("cats"))
    linear.linear_map(relu, xt[:1]).plot(p("linear_map"))
    ntk.ntk(relu, xt[:64]).plot(p("ntk"))
    spectral.spectral_bias("relu", freqs=(1, 3, 5, 7, 9), steps=600, lr=2e-3, seeds=1).plot(p("spectral"))
    bounds.relaxation("gelu", torch.tensor([-2.5]), torch.tensor([1.5])).plot(p("relaxation_gelu"))
    bounds.relaxation("sine_relu", torch.tensor([-0.05]), torch.tensor([0.05])).plot(p("relaxation_sine_relu"))
    bounds.lipschitz(relu, xt[:12], 0.01, norm="inf", samples=8).plot(p("lipschitz"))


def card_figures(out: str) -> None:
    """The figures of docs/probes_card.md: a probe card, the CETT trend, the spectral slopes."""
    from . import card, exploitable, spectral
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name + ".png")  # noqa: E731
    from ..bench.tasks import get_task
    data = get_task("digits").generate(0)
    cards = [card.probe_card(u, data=data) for u in ("relu", "gelu", "silu", "tanh", "sine(w0=10)", "snake(a=30)")]
    card.plot_cards(cards, p("cards"))
    print(card.format_cards(cards))
    exploitable.cett_trend(("relu", "silu"), checkpoints=(100, 200, 400, 800), seeds=3, width=128,
                           target=0.1).plot(p("cett_trend"))
    spectral.compare(("relu", "sine(w0=10)", "snake(a=30)"), seeds=3, steps=200, width=64, depth=3,
                     record_every=2).plot(p("spectral_compare"))


if __name__ == "__main__":
    # python -m nonlin.probes.figures [DIR] [card | NAME...]: every figure of docs/probes.md, the named
    # ones, or with 'card' those of docs/probes_card.md
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/images/probes"
    card_figures(target) if sys.argv[2:3] == ["card"] else main(target, sys.argv[2:] or None)
