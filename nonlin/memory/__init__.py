"""Memory-lean training: an exact forward with a 1-4-bit (or output-only) backward.

>>> from nonlin.memory import fewbit
>>> report = fewbit(model, bits=2)     # converts in place; print(report)
>>> with nonlin.memory.disabled(): ...  # exact backward again

See docs/memory.md.  Pieces: :mod:`.tables` (optimal derivative tables),
:mod:`.packing` (bit-packing), :mod:`.function` (the autograd functions),
:mod:`.convert` (``fewbit``), :mod:`.gated` (SwiGLU-family blocks),
:mod:`.show` (describe and plot a table).
"""

from .convert import FewBitActivation, FewBitReport, calibrate, disabled, fewbit, restore
from .function import (OUTPUT_RULES, Codebook, FewBitFunction, OutputOnlyFunction, fewbit_apply,
                       output_only_apply, output_rule)
from .packing import pack, packed_nbytes, unpack
from .show import describe_table, plot_table
from .tables import PRESETS, Table, as_distribution, cache_dir, compute_table, preset, table

__all__ = [
    "fewbit", "calibrate", "restore", "disabled", "FewBitActivation", "FewBitReport", "describe_table", "plot_table",
    "table", "compute_table", "preset", "PRESETS", "Table", "as_distribution", "cache_dir",
    "pack", "unpack", "packed_nbytes",
    "Codebook", "FewBitFunction", "OutputOnlyFunction", "fewbit_apply", "output_only_apply",
    "output_rule", "OUTPUT_RULES",
]
