"""torchvision activation classes -> the registered unit each computes.

torchvision's models build their activations from torch.nn (``nn.ReLU``,
``nn.Hardswish``, ``nn.SiLU``, ``nn.GELU``, via ``torchvision.ops.misc``'s
``Conv2dNormActivation`` / ``SqueezeExcitation`` / ``MLP``), which
:mod:`nonlin.surgery.torch_nn` covers, and call ``F.relu`` inside ``forward``
in GoogLeNet, Inception v3, DenseNet and the quantizable models (handled by
:mod:`nonlin.surgery.functional`).  It defines no activation class of its own
(checked on torchvision 0.29), so its table is empty; it exists so an ecosystem
is always one file here.  Keys would be qualified names; torchvision is never imported.
"""

from __future__ import annotations

MODULE_UNITS: dict = {}
UNMAPPED: dict[str, str] = {}
