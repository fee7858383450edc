"""The per-unit probe card of the benchmark report: five probe numbers for one unit on a small fixed setting.

The card does not reuse the benchmark's runs (their models are not kept); it trains its own small models,
deterministically for a seed, in a few seconds per unit, so ``nonlin report`` can show it for every
elementwise unit of a store without rerunning the sweep.  Cards are cached in the store
(``Store.put_probe_card``; keyed by unit label, the card settings and the nonlin version).

Setting (:class:`CardSettings`, defaults): the two-hidden-layer width-64 MLP on scikit-learn digits of the
probe figures (``figures.train_digits_mlp``: Adam 3e-3, batch 64, 10 epochs, seed 0), probed on the
359 test digits; and the 1-D coordinate MLP of the spectral probe (3 × 64, 300 full-batch Adam steps).

Columns (:data:`CARD_COLUMNS`):

* ``accuracy``      — test accuracy of the card's digits MLP (context: a unit that did not train makes
                      the other numbers meaningless).
* ``density``       — fraction of unit outputs with |a| > 1e-3 on the test set ("The Lazy Neuron
                      Phenomenon", arXiv 2210.06313); the |a| > ε form is used because smooth units
                      are never exactly 0.
* ``dormant_pct``   — % of units that are τ-dormant, τ = 0.025 (Sokar et al., arXiv 2302.12902).
* ``cett_ratio``    — activation ratio at CETT = 0.2 ("Sparsing Law", arXiv 2411.02335): fraction of
                      neurons needed to keep the tail-truncation error at 20 %; lower = more sparsity
                      that can be exploited.
* ``spectral_slope``— slope of log learning time on log frequency for a sum of sines k = 1, 3, 5, 7, 9
                      (Rahaman et al., arXiv 1806.08734; ``spectral.spectral_bias``); 0 = all
                      frequencies equally fast, larger = stronger low-frequency-first bias.
* ``lipschitz_gap`` — product of layer norms (× each unit's largest |f'|) divided by the certified
                      local Lipschitz bound (ℓ∞, ball 0.01, 6 test digits; ``bounds.lipschitz``): how
                      much a per-input certificate tightens the global bound.

Units that are not elementwise (gated, KAN, neuron and layer-type learnable units) get an
``n/a (why)`` card: these probes hook elementwise unit outputs of a fixed-width MLP.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import time
from typing import Any

import torch

from ._common import Result, one_thread

# column -> one-line explanation (the report prints these under its table)
CARD_COLUMNS: dict[str, str] = {
    "accuracy": "test accuracy of the card's digits MLP (2 × 64, 10 epochs); context for the other columns",
    "density": "fraction of unit outputs with |a| > 1e-3 on the test digits (Lazy Neuron, 2210.06313)",
    "dormant_pct": "% of units whose mean |a| is ≤ 0.025 × the layer mean (tau-dormant, 2302.12902)",
    "cett_ratio": "fraction of neurons kept at CETT = 0.2 (Sparsing Law, 2411.02335); lower = more exploitable sparsity",
    "spectral_slope": "d log(learning time) / d log(frequency) on a sum of sines (1806.08734); 0 = no low-frequency bias",
    "lipschitz_gap": "product of layer norms / certified local Lipschitz bound (l-inf, eps 0.01); how much certification tightens it",
}


@dataclasses.dataclass(frozen=True)
class CardSettings:
    """Everything a card depends on besides the unit (part of its cache key)."""

    seed: int = 0
    epochs: int = 10
    width: int = 64
    density_eps: float = 1e-3
    dormant_tau: float = 0.025
    cett_target: float = 0.2
    lipschitz_eps: float = 0.01
    lipschitz_inputs: int = 6
    spectral_steps: int = 300
    spectral_width: int = 64
    spectral_depth: int = 3
    spectral_lr: float = 2e-3

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"card setting {f.name} must be a finite number >= 0; got {v!r}")
        for name in ("epochs", "width", "lipschitz_inputs", "spectral_steps", "spectral_width", "spectral_depth"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"card setting {name} must be a positive integer; got {getattr(self, name)!r}")

    def key(self) -> str:
        """Canonical JSON of the settings (the cache key in the store)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


@dataclasses.dataclass
class ProbeCard(Result):
    """One unit's card: ``values[column]`` is a float, or None with ``reasons[column]`` saying why."""

    unit: str                                  # the unit label, e.g. "snake(a=2)"
    values: dict[str, float | None]
    reasons: dict[str, str]                    # column -> why it is n/a
    settings: str                              # CardSettings.key()
    version: str                               # nonlin version that computed it
    seconds: float = 0.0

    def cell(self, column: str, digits: int = 3) -> str:
        """The column as the report prints it: a number, or 'n/a (why)'."""
        v = self.values.get(column)
        if v is None:
            return f"n/a ({self.reasons.get(column, 'not computed')})"
        if math.isinf(v):
            return "inf"
        return f"{v:.{digits}g}" if abs(v) >= 1000 else f"{v:.{digits}f}"

    @classmethod
    def from_dict(cls, d: dict) -> "ProbeCard":
        return cls(d["unit"], dict(d["values"]), dict(d.get("reasons", {})), d["settings"], d["version"],
                   float(d.get("seconds", 0.0)))

    def _draw(self, ax: Any) -> None:
        # the columns have different scales: a table reads better than bars
        ax.axis("off")
        rows = [[c, self.cell(c)[:40]] for c in CARD_COLUMNS]
        table = ax.table(cellText=rows, colLabels=["probe", "value"], loc="center", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(8)
        table.scale(1, 1.4)
        ax.set_title(f"probe card: {self.unit}", fontsize=9)


def applicable(unit_label: str) -> str | None:
    """None if the card can be computed for ``unit_label``, else the reason it cannot (for 'n/a (why)')."""
    from .. import registry
    from .cli import parse_unit
    try:
        name, _ = parse_unit(unit_label)
        spec = registry.spec(name)
    except (ValueError, registry.UnknownUnitError, TypeError) as err:
        return f"not a registered unit here: {err}"
    if spec.properties.get("elementwise"):
        return None
    why = {"gated": "a gated unit changes the layer width", "kan": "a KAN unit replaces the Linear layers",
           "neuron": "a neuron unit has state over time"}.get(spec.kind, f"a {spec.kind} unit that is not elementwise")
    return f"{why}; the card probes elementwise units"


def _above_eps(res: Any) -> float:
    """Unit-weighted mean over layers of the fraction |a| > eps (``density``'s ``detail['above_eps']``)."""
    total = sum(l.units for l in res.layers)
    return sum(l.detail["above_eps"] * l.units for l in res.layers) / total


@contextlib.contextmanager
def _plain_formulas(model: torch.nn.Module):
    """Run nonlin's fixed elementwise units through their plain formula (``unit.reference``: the same
    values, differentiated by autograd) instead of their custom ``autograd.Function``, which
    ``torch.func.vmap`` (used by the Lipschitz probe's sampled Jacobians) cannot transform."""
    from ..elementwise import ElementwiseModule
    patched = []
    for mod in model.modules():
        if isinstance(mod, ElementwiseModule) and "forward" not in vars(mod):
            mod.forward = lambda x, m=mod: m.unit.reference(x, **m.params)
            patched.append(mod)
    try:
        yield
    finally:
        for mod in patched:
            del mod.forward


def _measure(values: dict, reasons: dict, column: str, fn) -> None:
    try:
        v = float(fn())
        values[column] = v if not math.isnan(v) else None
        if values[column] is None:
            reasons[column] = "NaN"
    except Exception as err:  # one probe failing (a unit the bounds cannot handle) leaves the others
        values[column] = None
        reasons[column] = f"{type(err).__name__}: {str(err)[:80]}"


def probe_card(unit_label: str, settings: CardSettings | None = None, data: Any = None) -> ProbeCard:
    """Compute the card of one unit (see the module doc).  Deterministic for ``settings.seed``.

    ``data`` optionally passes the digits task data (``get_task('digits').generate(0)``) to share it
    across units."""
    import nonlin
    from . import activity, bounds, exploitable, spectral
    from .cli import parse_unit
    from .figures import train_digits_mlp
    settings = settings or CardSettings()
    start = time.perf_counter()
    values: dict[str, float | None] = {c: None for c in CARD_COLUMNS}
    reasons: dict[str, str] = {}
    why = applicable(unit_label)
    if why is not None:
        reasons = {c: why for c in CARD_COLUMNS}
        return ProbeCard(unit_label, values, reasons, settings.key(), nonlin.__version__, 0.0)
    name, params = parse_unit(unit_label)
    with one_thread():   # deterministic reductions, and small tensors run fastest on one thread
        model, _, (xt, yt) = train_digits_mlp(name, seed=settings.seed, epochs=settings.epochs, width=settings.width,
                                              data=data, unit_params=params)
        _measure(values, reasons, "accuracy", lambda: exploitable.accuracy(model, (xt, yt)))
        _measure(values, reasons, "density",
                 lambda: _above_eps(activity.density(model, xt, eps=settings.density_eps)))
        _measure(values, reasons, "dormant_pct", lambda: 100 * activity.dormant(model, xt, tau=settings.dormant_tau).value)
        _measure(values, reasons, "cett_ratio", lambda: exploitable.cett(model, xt, target=settings.cett_target).value)
        with _plain_formulas(model):
            _measure(values, reasons, "lipschitz_gap",
                     lambda: bounds.lipschitz(model, xt[:settings.lipschitz_inputs], settings.lipschitz_eps,
                                              norm="inf", samples=4, seed=settings.seed).gap)
        _measure(values, reasons, "spectral_slope", lambda: spectral.spectral_bias(
            name, unit_params=params, steps=settings.spectral_steps, lr=settings.spectral_lr, record_every=2,
            seeds=(settings.seed,), width=settings.spectral_width, depth=settings.spectral_depth).slope_value)
    return ProbeCard(unit_label, values, reasons, settings.key(), nonlin.__version__, time.perf_counter() - start)


def fill_store(store: Any, settings: CardSettings | None = None, units: list[str] | None = None,
               force: bool = False, progress: Any = None) -> list[ProbeCard]:
    """Compute and cache the card of every unit label in a benchmark store (or of ``units``).

    Cards already in the store for these settings and this nonlin version are reused unless ``force``.
    ``store`` is a path or an open ``nonlin.bench.store.Store``."""
    import nonlin
    from ..bench.store import Store
    settings = settings or CardSettings()
    db, own = (store, False) if isinstance(store, Store) else (Store(store), True)
    try:
        labels = units if units is not None else sorted({r["unit_label"] for r in db.rows(decode=False)})
        cached = db.probe_cards(settings.key(), nonlin.__version__)
        data = None
        cards = []
        for label in labels:
            if label in cached and not force:
                cards.append(ProbeCard.from_dict(cached[label]))
                continue
            if data is None and applicable(label) is None:
                from ..bench.tasks import get_task
                data = get_task("digits").generate(0)
            card = probe_card(label, settings, data)
            db.put_probe_card(label, settings.key(), card.version, dataclasses.asdict(card))
            cards.append(card)
            if progress is not None:
                progress(card)
        return cards
    finally:
        if own:
            db.close()


def plot_cards(cards: list[ProbeCard], path: str | None = None):
    """One panel per card column, one bar per unit (n/a left empty); saves a PNG to ``path`` if given."""
    import matplotlib
    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    cols = list(CARD_COLUMNS)
    fig, axes = plt.subplots(2, (len(cols) + 1) // 2, figsize=(9, 4.6))
    for ax, col in zip(axes.ravel(), cols):
        vals = [c.values.get(col) for c in cards]
        ax.bar(range(len(cards)), [v if v is not None and math.isfinite(v) else 0.0 for v in vals],
               color="tab:blue")
        ax.set_xticks(range(len(cards)), [c.unit for c in cards], rotation=45, ha="right", fontsize=7)
        ax.set_title(col, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=80)
        plt.close(fig)
    return fig


def format_cards(cards: list[ProbeCard]) -> str:
    """A Markdown table of cards (the command's output), with the column legend below."""
    cols = list(CARD_COLUMNS)
    lines = ["| unit | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for c in cards:
        if all(c.values.get(k) is None for k in cols):   # one reason for the whole row (not elementwise)
            cells = [c.cell(cols[0])] + ["n/a"] * (len(cols) - 1)
        else:
            cells = [c.cell(k) for k in cols]
        lines.append(f"| {c.unit} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"{k}: {v}" for k, v in CARD_COLUMNS.items()]
    return "\n".join(lines)
