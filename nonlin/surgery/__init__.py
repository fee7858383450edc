"""Find, identify and swap nonlinearities inside any model (torch.nn, transformers, timm, torchvision).

Stable API::

    from nonlin.surgery import identify, swap, plan, SwapReport, SiteRecord, site_filter

    identify(module)            -> Identified(name, params, source, exact, note) | None
    swap(model, old, new, ...)  -> model  (report=True / dry_run=True -> SwapReport)
    plan(model, old, new, ...)  -> SwapReport (dry run)
    site_filter(include, exclude) -> (path, module) -> bool   (shared with block surgery)

One file per ecosystem holds its table of classes -> units: ``torch_nn.py``,
``transformers.py``, ``timm.py``, ``torchvision.py``; ``functional.py``
swaps activations called as functions in ``forward``; ``channels.py`` puts
per-channel parameters on the site's channel axis.  Guide: docs/surgery.md.
"""

from .check import CHECKS, check_model, format_table
from .channels import ChannelAxis, infer_channel_dim
from .identify import ECOSYSTEMS, Identified, identify, identify_call, is_elementwise, probe_module
from .report import SiteRecord, SwapReport, count_params, site_filter, type_name
from .swap import init_for, plan, swap

__all__ = [
    "CHECKS", "ChannelAxis", "ECOSYSTEMS", "check_model", "format_table", "Identified", "SiteRecord", "SwapReport", "count_params",
    "identify", "identify_call", "infer_channel_dim", "init_for", "is_elementwise", "plan",
    "probe_module", "site_filter", "swap", "type_name",
]
