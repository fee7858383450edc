"""What a surgery did: one record per site, one report per call, and the site filter.

Shared by activation swapping (``swap``) and block replacement (``blocks``):
both walk a model, pick *sites* (module paths) through :func:`site_filter`,
and describe each change with a :class:`SiteRecord` inside a :class:`SwapReport`.
"""

from __future__ import annotations

import collections
import dataclasses
import fnmatch
from typing import Any, Callable, Iterable

from torch import nn

# include / exclude: a glob on the dotted module path ("encoder.layer.*.intermediate.*"),
# a list of globs, or a predicate predicate(path, module) -> bool.
PathPattern = str | Iterable[str] | Callable[[str, nn.Module], bool] | None


def count_params(module: nn.Module | None) -> int:
    """Number of parameter elements of ``module`` (0 for None / parameter-free)."""
    if module is None:
        return 0
    return sum(p.numel() for p in module.parameters())


def type_name(obj: Any) -> str:
    """``module.Qualname`` of an object's class (or of a class), as tables key it."""
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _as_matcher(pattern: PathPattern, what: str) -> Callable[[str, nn.Module], bool] | None:
    if pattern is None:
        return None
    if isinstance(pattern, str):
        pattern = [pattern]
    if callable(pattern):
        fn = pattern
        return lambda path, module: bool(fn(path, module))
    try:
        globs = list(pattern)
    except TypeError:
        globs = None
    if globs is None or not all(isinstance(g, str) for g in globs):
        raise TypeError(
            f"{what} must be a glob on module paths (e.g. 'encoder.*.mlp.*'), a list of globs, "
            f"or a predicate (path, module) -> bool; got {type(pattern).__name__} {pattern!r}")
    return lambda path, module: any(fnmatch.fnmatchcase(path, g) for g in globs)


def site_filter(include: PathPattern = None, exclude: PathPattern = None) -> Callable[[str, nn.Module], bool]:
    """A predicate ``(path, module) -> bool``: in ``include`` (default: everything) and not in ``exclude``.

    Paths are the dotted names of ``model.named_modules()`` ("h.0.mlp.act");
    globs use :mod:`fnmatch` (``*`` also crosses dots).  Bad arguments raise
    ``TypeError`` at once, before any module is visited.
    """
    inc = _as_matcher(include, "include")
    exc = _as_matcher(exclude, "exclude")

    def keep(path: str, module: nn.Module) -> bool:
        if inc is not None and not inc(path, module):
            return False
        return not (exc is not None and exc(path, module))

    return keep


@dataclasses.dataclass
class SiteRecord:
    """One replaced (or, in a dry run, replaceable) site.

    ``path``: dotted module path (for a functional call: the path of the module
    whose ``forward`` makes the call, plus ``:F.relu`` etc.).  ``old_type``:
    qualified class (or function) name found there.  ``old_unit`` / ``old_params``:
    the registered unit it computes and its bound parameters (None if unknown).
    ``new_unit`` / ``new_params``: what replaces it (parameters as passed to
    ``nonlin.create``, including any init chosen from the old unit).
    ``params_before`` / ``params_after``: trainable parameter element counts.
    ``kind``: "module", "functional" or "block".  ``note``: anything a user
    should know (inexact identification, init chosen, channel axis, ...).
    """

    path: str
    old_type: str
    old_unit: str | None
    new_unit: str
    old_params: dict = dataclasses.field(default_factory=dict)
    new_params: dict = dataclasses.field(default_factory=dict)
    params_before: int = 0
    params_after: int = 0
    kind: str = "module"
    note: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class SwapReport:
    """Everything one surgery call changed (or would change, with ``dry_run``).

    ``sites``: the :class:`SiteRecord` list in model order.  ``seen``: counts of
    every activation type met while walking (matched or not) -- the list a
    "nothing matched" error shows.  ``model``: the model operated on.
    """

    sites: list[SiteRecord] = dataclasses.field(default_factory=list)
    seen: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    dry_run: bool = False
    shared: bool = False
    model: nn.Module | None = dataclasses.field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.sites)

    def __iter__(self):
        return iter(self.sites)

    @property
    def paths(self) -> list[str]:
        return [s.path for s in self.sites]

    @property
    def params_before(self) -> int:
        return sum(s.params_before for s in self.sites)

    @property
    def params_after(self) -> int:
        """Trainable elements at the sites afterwards (a shared unit counted once)."""
        if self.shared and self.sites:
            return self.sites[0].params_after
        return sum(s.params_after for s in self.sites)

    def to_dict(self) -> dict:
        return {"sites": [s.to_dict() for s in self.sites], "seen": dict(self.seen),
                "dry_run": self.dry_run, "shared": self.shared,
                "params_before": self.params_before, "params_after": self.params_after}

    def summary(self) -> str:
        """A plain-text table: one line per site, then totals."""
        head = ("path", "old", "old unit", "new", "params", "note")
        rows = []
        for s in self.sites:
            old_unit = s.old_unit or "?"
            if s.old_params:
                old_unit += "(" + ", ".join(f"{k}={_short(v)}" for k, v in s.old_params.items()) + ")"
            new = s.new_unit
            if s.new_params:
                new += "(" + ", ".join(f"{k}={_short(v)}" for k, v in s.new_params.items()) + ")"
            rows.append((s.path, s.old_type.rsplit(".", 1)[-1], old_unit, new,
                         f"{s.params_before}->{s.params_after}", s.note))
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
        fmt = "  ".join("{:<%d}" % w for w in widths)
        lines = [fmt.format(*head).rstrip(), fmt.format(*("-" * w for w in widths)).rstrip()]
        lines += [fmt.format(*r).rstrip() for r in rows]
        verb = "would replace" if self.dry_run else "replaced"
        shared = ", one shared unit" if self.shared else ""
        lines.append(f"{verb} {len(self.sites)} site(s){shared}; trainable parameters at the sites "
                     f"{self.params_before} -> {self.params_after}")
        return "\n".join(lines)

    __str__ = summary


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return repr(v)
