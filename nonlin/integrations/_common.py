"""What both integrations share: which units to offer and under which keys."""

from __future__ import annotations

from typing import Iterable

from ..registry import names as _names
from ..registry import resolve
from ..surgery.identify import is_elementwise

PREFIX = "nonlin:"


def elementwise_units(names: Iterable[str] | None) -> list[str]:
    """Canonical names to register: ``names`` (checked) or every elementwise unit."""
    if names is None:
        return [n for n in _names() if is_elementwise(n)]
    if isinstance(names, str):
        names = [names]
    out = []
    for n in names:
        c = resolve(n)
        if not is_elementwise(c):
            raise ValueError(f"'{c}' is not an elementwise unit, so it cannot be a model's activation; "
                             f"elementwise units: nonlin.names(kind='activation') and the learnable ones")
        out.append(c)
    return out


def keys_for(name: str, prefix: bool, taken: set[str], override: bool) -> list[str]:
    """``nonlin:<name>`` always (when ``prefix``); the bare name unless the library already uses it."""
    keys = [PREFIX + name] if prefix else []
    if override or name not in taken:
        keys.append(name)
    return keys
