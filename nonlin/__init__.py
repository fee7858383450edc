"""nonlin: neural nonlinearities, each implemented once, tested and measured.

>>> import nonlin
>>> nonlin.names(kind="activation")[:3]
>>> act = nonlin.create("mish")
>>> f = nonlin.get_fn("snake", a=2.0)
"""

from .elementwise import get_backend, set_backend, use_backend
from .registry import (
    KINDS,
    Param,
    ParameterError,
    Reference,
    Spec,
    UnknownUnitError,
    all_specs,
    create,
    families,
    get_fn,
    names,
    register,
    resolve,
    spec,
)
from .swap import swap  # after importing the submodule nonlin.swap, so the name is the function

__version__ = "0.1.0"

__all__ = [
    "KINDS", "Param", "ParameterError", "Reference", "Spec", "UnknownUnitError",
    "all_specs", "create", "families", "get_fn", "names", "register", "resolve", "spec",
    "swap", "set_backend", "get_backend", "use_backend", "__version__",
]
