"""``fewbit(model)``: give every supported unit of any model a 1-4-bit (or output-only) backward.

Which unit a module computes comes from model surgery (:func:`nonlin.surgery.identify`:
nonlin modules, torch.nn, transformers' ``ACT2FN`` classes, timm where installed).
Each supported module is wrapped in place by :class:`FewBitActivation`, which
keeps the original module and calls its own forward, so the forward is
bit-identical; only what autograd keeps changes.

Modes:

* ``"auto"`` (default): the output-only rule where f' is a function of y
  (sigmoid, tanh, softplus, ELU, ReLU, ...: exact gradient, 0 extra bytes when
  the next layer saves y, as a linear layer does); else an exact mask where f'
  is piecewise constant; else the optimal ``bits``-bit table.
* ``"table"``: always a code table (exact for piecewise-constant f').
* ``"output"``: output-only units only; everything else is left alone.

Tables are optimal for an input distribution (``dist``): N(0, 1) by default, or
``dist="inputs"``: each layer's own table, fitted to the empirical distribution of the
inputs that layer sees in training (refitted at its 1st, 2nd, 4th, ... training call up
to :data:`REFIT_UNTIL`, because pre-activations drift early in training);
:func:`calibrate` fits them to a batch of your choice (e.g. before fine-tuning).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Callable, Iterable, Iterator

import torch
from torch import Tensor, nn

from .. import registry
from ..surgery.identify import identify as _identify, is_unmapped_activation
from .gated import GATED_MODES, LeanGatedMLP, lean_gated_candidate
from .function import Codebook, fewbit_apply, output_only_apply, output_rule
from .packing import GROUP, GROUP_BYTES
from .tables import Table, _check_bits, as_distribution, compute_table, preset, table as optimal_table

MODES = ("auto", "table", "output")
CALIBRATION_SAMPLES = 1 << 16  # inputs kept (evenly strided) to fit a layer's table
CALIBRATION_CELLS = 512  # DP grid of a fitted table: quantile cells of the samples
# dist="inputs" refits at the 1st, 2nd, 4th, ... training call up to this one: pre-activations
# widen early in training (a 3-bit table fitted at initialisation alone puts GELU' = 0.18 where
# it is ~0 a few hundred steps later, and cost 2.6 points on MNIST-1D); by then they settle.
REFIT_UNTIL = 1024
TABLE_CHOICES = ("optimal", "approx_bp", "fewbit_published", "relu_step")

_ENABLED = [True]


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """``with nonlin.memory.disabled(): ...``: converted modules run their exact original backward."""
    old = _ENABLED[0]
    _ENABLED[0] = False
    try:
        yield
    finally:
        _ENABLED[0] = old


def identify(module: nn.Module):
    """(unit, params, exact, note) of a module via model surgery, or None."""
    hit = _identify(module)  # surgery knows every ecosystem's classes (torch.nn, transformers, timm, ...)
    if hit is None:
        return None
    return hit.name, dict(hit.params), bool(hit.exact), hit.note


def _unmapped_reason(module: nn.Module) -> str | None:
    return is_unmapped_activation(module)


class FewBitActivation(nn.Module):
    """An activation module with a memory-lean backward; ``original`` runs the forward.

    ``codebook`` (b-bit codes, approximate or exact-mask backward) or ``rule``
    (output-only, exact backward) decides what is kept; exactly one is set.
    """

    def __init__(self, original: nn.Module, unit: str, params: dict, codebook: Codebook | None = None,
                 rule: Callable[[Tensor], Tensor] | None = None, inplace: bool = False,
                 calibrate_bits: int | None = None):
        super().__init__()
        if calibrate_bits is None and (codebook is None) == (rule is None):
            raise ValueError("FewBitActivation needs exactly one of codebook and rule (or calibrate_bits)")
        if calibrate_bits is not None and rule is not None:
            raise ValueError("an output-only FewBitActivation has no table to calibrate")
        self.original = original
        self.unit, self.params = unit, dict(params)
        self.codebook, self.rule = codebook, rule
        # dist="inputs": bits of the table refitted to the layer's inputs as training goes, else None
        self.calibrate_bits = calibrate_bits
        self._calls = 0
        # an in-place original (nn.ReLU(inplace=True)) overwrites x anyway
        self.inplace = inplace or bool(getattr(original, "inplace", False))

    @property
    def table(self) -> Table | None:
        return None if self.codebook is None else self.codebook.table

    def forward(self, x: Tensor) -> Tensor:
        if not _ENABLED[0] or not isinstance(x, Tensor):
            return self.original(x)
        if self.calibrate_bits is not None and self.rule is None and torch.is_grad_enabled():
            self._calls += 1  # dist="inputs": refit at training calls 1, 2, 4, ..., REFIT_UNTIL
            if self._calls & (self._calls - 1) == 0 and self._calls <= REFIT_UNTIL:
                self.fit_table(x)
        if self.codebook is None and self.rule is None:  # not fitted yet and no gradient wanted
            return self.original(x)
        if self.codebook is not None:
            return fewbit_apply(x, self.original, self.codebook, self.inplace)
        return output_only_apply(x, self.original, self.rule, self.inplace)

    @torch.compiler.disable  # NumPy work: never traced
    def fit_table(self, x: Tensor, bits: int | None = None) -> Table:
        """Replace the table by the optimal one for the empirical distribution of ``x``.

        Up to :data:`CALIBRATION_SAMPLES` finite values of ``x`` (evenly strided) are
        kept; the DP runs on :data:`CALIBRATION_CELLS` quantile cells of them.
        """
        if self.rule is not None:
            raise ValueError(f"'{self.unit}' runs output-only (exact): it has no table to fit")
        bits = bits or self.calibrate_bits or self.codebook.table.bits
        flat = x.detach().reshape(-1)
        if flat.numel() > CALIBRATION_SAMPLES:
            flat = flat[torch.linspace(0, flat.numel() - 1, CALIBRATION_SAMPLES, device=flat.device).long()]
        flat = flat[torch.isfinite(flat)].double().cpu()
        if flat.numel() < 2 or bool((flat == flat[0]).all()):
            t = optimal_table(self.unit, bits, "normal", **self.params)  # nothing to fit: the default objective
        else:
            t = compute_table(self.unit, bits, flat, params=self.params, fine_cells=CALIBRATION_CELLS)
        self.codebook = Codebook(t)
        return t

    def extra_repr(self) -> str:
        if self.codebook is None and self.rule is None:
            return f"unit={self.unit}, bits={self.calibrate_bits}, table fitted to the inputs (pending)"
        if self.codebook is not None:
            t = self.codebook.table
            return f"unit={self.unit}, bits={t.code_bits}, table={t.method}, rel_error={t.rel_error:.3g}"
        return f"unit={self.unit}, output-only (exact)"


@dataclasses.dataclass
class Converted:
    path: str
    module: str
    unit: str
    kind: str  # "table" | "exact-mask" | "output-only"
    bits: int  # code bits; 0 for output-only
    bytes_per_element: float  # what this module keeps per element (output-only: shared with the next layer)
    rel_error: float  # relative derivative error of the table (0 = exact)
    table: str = ""


@dataclasses.dataclass
class FewBitReport:
    """What :func:`fewbit` converted and what it left alone, and why."""

    converted: list[Converted] = dataclasses.field(default_factory=list)
    skipped: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # (path, class, reason)

    def __str__(self) -> str:
        lines = [f"fewbit: converted {len(self.converted)} module(s), left {len(self.skipped)} alone"]
        for c in self.converted:
            if c.kind.startswith("gated"):
                lines.append(f"  + {c.path} ({c.module}, act {c.unit}): lean gated block, {c.table}")
                continue
            lines.append(f"  + {c.path or '<root>'} ({c.module} = {c.unit}): {c.kind}, "
                         f"{c.bytes_per_element:g} B/element, rel. derivative error {c.rel_error:.3g}"
                         + (f" [{c.table}]" if c.table else ""))
        for path, cls, why in self.skipped:  # noqa: B007
            lines.append(f"  - {path or '<root>'} ({cls}): {why}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"converted": [dataclasses.asdict(c) for c in self.converted],
                "skipped": [dict(path=p, module=m, reason=r) for p, m, r in self.skipped]}


def _pick_table(choice: Any, unit: str, params: dict, bits: int, dist: Any) -> Table:
    if callable(choice):
        return choice(unit, params, bits)
    if choice == "optimal":
        return optimal_table(unit, bits, dist, **params)
    family = {"gelu": "gelu", "gelu_tanh": "gelu", "silu": "silu", "swish": "silu"}.get(unit)
    if params and unit != "swish" or (unit == "swish" and params.get("beta", 1.0) != 1.0):
        family = None  # the presets are fitted to the default-parameter functions
    if choice == "approx_bp":
        if family is None:
            raise LookupError("Approx-BP publishes tables for GELU and SiLU only")
        return preset({"gelu": "regelu2", "silu": "resilu2"}[family], 2, dist)
    if choice == "fewbit_published":
        avail = {("gelu", 1), ("gelu", 2), ("gelu", 3), ("silu", 2)}
        if (family, bits) not in avail:
            raise LookupError(f"Few-Bit publishes tables for GELU (1-3 bits) and SiLU (2 bits) only")
        return preset("fewbit_" + family, bits, dist)
    if choice == "relu_step":
        return Table(unit, tuple(sorted(params.items())), 1, "relu step", (0.0,), (0.0, 1.0), None, False,
                     float("nan"), "preset", "the derivative of ReLU: 1[x > 0]")
    raise ValueError(f"table must be one of {', '.join(TABLE_CHOICES)} or a function (unit, params, bits) -> Table; "
                     f"got {choice!r}")


def fewbit(model: nn.Module, bits: int = 2, units: Iterable[str] | None = None, mode: str = "auto", *,
           table: Any = "optimal", dist: Any = "normal", inplace: bool = False,
           gated: str | None = "recompute") -> FewBitReport:
    """Convert, in place, every supported unit of ``model`` to a memory-lean backward.

    ``bits`` (1-4): code width of the approximate tables.  ``units``: only
    these registered units (names or aliases); None = all.  ``mode``: see the
    module doc.  ``table``: ``"optimal"`` (DP under ``dist``: default N(0,1); ``"inputs"``:
    each layer's table fitted to the inputs it sees in training, see the module doc and :func:`calibrate`),
    ``"approx_bp"`` (ReGELU2/ReSiLU2), ``"fewbit_published"`` (the paper's
    released tables), ``"relu_step"`` (1-bit 1[x>0]) or a function.  ``inplace``:
    write outputs into inputs (only safe where nothing else keeps the input).
    ``gated``: gated MLPs (``down_proj(act_fn(gate_proj(x)) * up_proj(x))``, as
    in LLaMA/Mistral/Qwen) become :class:`~nonlin.memory.gated.LeanGatedMLP`
    with that mode (``"recompute"``, default: keeps x, up and recomputes the
    gate projection, one extra matmul; ``"exact"``: keeps x, gate, up), or
    None to convert only their ``act_fn``.  Both are exact (see
    :mod:`nonlin.memory.gated` for why a b-bit gate does not pay there).
    Returns a :class:`FewBitReport`; modules already converted are left alone.
    """
    _check_bits(bits)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if not (callable(table) or table in TABLE_CHOICES):
        raise ValueError(f"table must be one of {', '.join(TABLE_CHOICES)} or a function; got {table!r}")
    if gated is not None and gated not in GATED_MODES:
        raise ValueError(f"gated must be None or one of {', '.join(GATED_MODES)}; got {gated!r}")
    per_layer = isinstance(dist, str) and dist == "inputs"
    if per_layer and table != "optimal":
        raise ValueError(f"dist='inputs' fits the optimal table to each layer; it cannot apply to table={table!r}")
    if not per_layer:
        as_distribution(dist)  # a bad distribution fails here, before any module changes
    if not isinstance(model, nn.Module):
        raise TypeError(f"fewbit expects an nn.Module; got {type(model).__name__}")
    wanted = None if units is None else {registry.resolve(u) for u in units}
    report = FewBitReport()
    replace: list[tuple[nn.Module, str, nn.Module]] = []
    for path, module in model.named_modules():
        if isinstance(module, (FewBitActivation, LeanGatedMLP)) or _inside(path, replace):
            continue
        cls = type(module).__name__
        if gated is not None and not isinstance(module, LeanGatedMLP):
            why_not = lean_gated_candidate(module)
            if why_not is None:
                act = identify(module.act_fn)
                why = "act_fn is not a registered unit" if act is None else \
                    _unsupported(registry.spec(act[0]), act[2], act[3], wanted)
                if why is None and path:
                    replace.append((model, path, LeanGatedMLP(module, act[0], act[1], gated)))
                    report.converted.append(Converted(path, cls, act[0], f"gated-{gated}", 0, float("nan"), 0.0,
                                                      "exact; keeps x, gate, up" if gated == "exact"
                                                      else "exact; keeps x, up; recomputes gate"))
                    continue
                report.skipped.append((path, cls, f"gated block: {why or 'the model itself'}"))
            elif why_not:
                report.skipped.append((path, cls, f"gated block: {why_not}"))
        hit = identify(module)
        if hit is None:
            why = _unmapped_reason(module)
            if why:
                report.skipped.append((path, cls, f"no registered unit: {why}"))
            continue
        unit, params, exact, note = hit
        if path == "":
            report.skipped.append((path, cls, "the model itself is the unit: put it inside a container"))
            continue
        s = registry.spec(unit)
        why = _unsupported(s, exact, note, wanted)
        if why:
            report.skipped.append((path, cls, why))
            continue
        rule = output_rule(unit, params) if mode in ("auto", "output") else None
        if rule is not None:
            new = FewBitActivation(module, unit, params, rule=rule, inplace=inplace)
            conv = Converted(path, cls, unit, "output-only", 0, 0.0, 0.0, "f' from the output")
        elif mode == "output":
            report.skipped.append((path, cls, f"'{unit}': f' is not a function of its output (mode='output')"))
            continue
        else:
            try:  # dist="inputs": only a piecewise-constant f' has its table now (the exact mask)
                t = _exact_mask(unit, params, bits) if per_layer else _pick_table(table, unit, params, bits, dist)
            except LookupError as err:
                report.skipped.append((path, cls, str(err)))
                continue
            if t is None:  # fitted to the layer's inputs once training starts
                new = FewBitActivation(module, unit, params, inplace=inplace, calibrate_bits=bits)
                conv = Converted(path, cls, unit, "table", bits, GROUP_BYTES[bits] / GROUP[bits], float("nan"),
                                 "dp, fitted to the layer's inputs in training")
            else:
                new = FewBitActivation(module, unit, params, codebook=Codebook(t), inplace=inplace)
                kind = "exact-mask" if t.method == "exact" else "table"
                b = t.code_bits
                conv = Converted(path, cls, unit, kind, b, GROUP_BYTES[b] / GROUP[b], t.rel_error,
                                 f"{t.method}, {t.dist}")
        replace.append((model, path, new))
        report.converted.append(conv)
    for root, path, new in replace:
        _set_submodule(root, path, new)
    return report


def _exact_mask(unit: str, params: dict, bits: int) -> Table | None:
    """The exact table where f' is piecewise constant with <= 2^bits values (found before any DP), else None."""
    t = compute_table(unit, bits, "normal", params=params, fine_cells=8, polish=False)
    return t if t.method == "exact" else None


def calibrate(model: nn.Module, *args: Any, **kwargs: Any) -> list[tuple[str, Table]]:
    """Refit every b-bit table of a :func:`fewbit`-converted ``model`` to its layer's inputs.

    Runs ``model(*args, **kwargs)`` once without gradients, records the input of each
    converted activation that uses an approximate table, and replaces the table by the
    optimal one for those inputs (the empirical distribution of the layer's real
    pre-activations).  Exact masks and output-only modules are left alone.  Returns
    ``(path, new table)`` per refitted module.
    """
    targets = {path: m for path, m in model.named_modules()
               if isinstance(m, FewBitActivation) and m.rule is None
               and (m.codebook is None or m.codebook.table.method != "exact")}
    if not targets:
        raise ValueError("calibrate: the model has no few-bit tables to fit (convert it with fewbit() first)")
    seen: dict[str, Tensor] = {}

    def keep(path):
        def hook(_module, inputs):
            if path not in seen and inputs and isinstance(inputs[0], Tensor):
                seen[path] = inputs[0].detach()
        return hook

    handles = [m.register_forward_pre_hook(keep(path)) for path, m in targets.items()]
    try:
        with torch.no_grad(), disabled():
            model(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
    return [(path, targets[path].fit_table(x)) for path, x in seen.items()]


def _inside(path: str, replace: list) -> bool:
    return any(path.startswith(p + ".") for _, p, _ in replace)


def _unsupported(s, exact: bool, note: str, wanted) -> str | None:
    if wanted is not None and s.name not in wanted:
        return f"'{s.name}' not in units"
    if s.kind != "activation" or s.fn is None:
        return (f"'{s.name}' is a {s.kind} unit: the gradients of its own parameters need the full input "
                "(tables are for fixed units; see nonlin.memory.compute_table(fprime=...))")
    if s.properties.get("stochastic"):
        return f"'{s.name}' is stochastic in training: its derivative is not a fixed function of x"
    if not exact:
        return f"matches '{s.name}' only in part ({note})"
    return None


def _set_submodule(root: nn.Module, path: str, new: nn.Module) -> None:
    if path == "":
        raise ValueError("fewbit cannot replace the model itself; wrap the activation in a container")
    parent_path, _, name = path.rpartition(".")
    parent = root.get_submodule(parent_path) if parent_path else root
    setattr(parent, name, new)


def restore(model: nn.Module) -> int:
    """Undo :func:`fewbit`: put the original modules back; returns how many."""
    n = 0
    for path, module in list(model.named_modules()):
        if isinstance(module, (FewBitActivation, LeanGatedMLP)):
            _set_submodule(model, path, module.original)
            n += 1
    return n
