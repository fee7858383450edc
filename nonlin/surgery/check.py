"""Does surgery work on *this* model?  Run every check a user relies on and tabulate.

``check_model(build, inputs)`` builds the model twice (a fresh copy for the
state_dict round trip), swaps its activations, and runs: the report, forward
and backward, the output changing (and not changing when an activation is
swapped for the nonlin unit of the same function), state_dict round trip into
a freshly swapped model, deepcopy, torch.save/torch.load of the whole model,
bfloat16, torch.compile and torch.export.  Each check gives "ok", "skip" or the
error's first line, so one broken check never hides the others.  The same
function backs the tests on real models and ``benchmarks/surgery_models.py``.
"""

from __future__ import annotations

import copy
import io
from typing import Any, Callable

import torch
from torch import nn

from .swap import swap

CHECKS = ("sites", "fwd/bwd", "changes", "same fn", "state_dict", "deepcopy", "save/load", "bf16",
          "compile", "export")


def _first(out: Any) -> torch.Tensor:
    """The main tensor of a model's output (logits / last_hidden_state / the tensor / first element)."""
    if isinstance(out, torch.Tensor):
        return out
    for key in ("logits", "last_hidden_state"):
        v = getattr(out, key, None)
        if isinstance(v, torch.Tensor):
            return v
    if isinstance(out, (tuple, list)):
        return _first(out[0])
    raise TypeError(f"cannot find the output tensor in {type(out).__name__}")


def _err(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).strip().splitlines()[0][:120] if str(e).strip() else ''}"


def check_model(build: Callable[[], nn.Module], inputs: tuple, *, new: str = "mish", same: str | None = None,
                old: Any = None, compile: bool = True, export: bool = True, kwargs: dict | None = None,
                atol: float = 1e-5) -> dict[str, str]:
    """Run every check on a model; returns {check: "ok" | "skip" | error}.

    ``build()`` returns a fresh model (random weights); ``inputs``/``kwargs``
    its forward arguments.  ``new`` is swapped in for ``old`` (default: every
    activation); ``same`` names the unit the model's activations compute, for
    the "same fn" check (skipped when None).
    """
    kwargs = kwargs or {}
    res: dict[str, str] = {c: "skip" for c in CHECKS}

    def run(m):
        return _first(m(*inputs, **kwargs))

    def attempt(name, fn):
        try:
            r = fn()
            res[name] = "ok" if r in (None, True) else str(r)
        except Exception as e:  # a check's failure is its result
            res[name] = _err(e)

    torch.manual_seed(0)
    model = build().eval()
    with torch.no_grad():
        base = run(model)
    rep = {}

    def sites():
        rep["r"] = swap(model, old, new, report=True)
        return f"ok ({len(rep['r'])})"

    attempt("sites", sites)
    if "r" not in rep:
        return res

    def fwd_bwd():  # on a copy: a training step updates batch-norm statistics
        m = copy.deepcopy(model).train()
        run(m).float().square().mean().backward()
        grads = [p.grad for p in m.parameters() if p.grad is not None]
        assert grads and all(torch.isfinite(g).all() for g in grads)

    attempt("fwd/bwd", fwd_bwd)
    with torch.no_grad():
        after = run(model)

    attempt("changes", lambda: (not torch.allclose(after, base, atol=atol)) or "output unchanged")

    def same_fn():
        torch.manual_seed(0)
        m = build().eval()
        swap(m, same, same)  # only the sites computing `same`
        with torch.no_grad():
            y = run(m)
        torch.testing.assert_close(y, base, atol=atol, rtol=1e-4)

    if same is not None:
        attempt("same fn", same_fn)

    def state_dict():
        torch.manual_seed(1)
        fresh = build().eval()
        swap(fresh, old, new)
        fresh.load_state_dict(model.state_dict())
        with torch.no_grad():
            torch.testing.assert_close(run(fresh), after)

    attempt("state_dict", state_dict)

    def deep():
        with torch.no_grad():
            torch.testing.assert_close(run(copy.deepcopy(model)), after)

    attempt("deepcopy", deep)

    def save_load():
        buf = io.BytesIO()
        torch.save(model, buf)
        buf.seek(0)
        with torch.no_grad():
            torch.testing.assert_close(run(torch.load(buf, weights_only=False)), after)

    attempt("save/load", save_load)

    def bf16():
        torch.manual_seed(0)
        m = build().eval().to(torch.bfloat16)
        swap(m, old, new)
        cast = tuple(x.to(torch.bfloat16) if isinstance(x, torch.Tensor) and x.is_floating_point() else x
                     for x in inputs)
        with torch.no_grad():
            y = _first(m(*cast, **kwargs))
        assert y.dtype == torch.bfloat16 and torch.isfinite(y.float()).all()

    attempt("bf16", bf16)

    def compiled():
        with torch.no_grad():
            torch.testing.assert_close(run(torch.compile(model)), after, atol=1e-4, rtol=1e-3)

    if compile:
        attempt("compile", compiled)

    def exported():
        ep = torch.export.export(model, inputs, kwargs)
        with torch.no_grad():
            torch.testing.assert_close(_first(ep.module()(*inputs, **kwargs)), after, atol=1e-4, rtol=1e-3)

    if export:
        attempt("export", exported)
    return res


def format_table(rows: dict[str, dict[str, str]]) -> str:
    """Markdown table: one row per model, one column per check (errors as footnotes)."""
    notes: list[str] = []
    lines = ["| model | " + " | ".join(CHECKS) + " |", "|---" * (len(CHECKS) + 1) + "|"]
    for model, res in rows.items():
        cells = []
        for c in CHECKS:
            v = res.get(c, "skip")
            if v == "ok" or v == "skip" or v.startswith("ok ("):
                cells.append(v)
            else:
                notes.append(f"[{len(notes) + 1}] {model} / {c}: {v}")
                cells.append(f"FAIL [{len(notes)}]")
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines + ([""] + notes if notes else []))
