"""Stateful neuron models over time: ELM, Branch-ELM, LIF family, CfC/LTC, dendrites, Kuramoto.

Every module maps (batch, time, input_size) to (batch, time, output_size) and
returns its final state: ``y, state = neuron(x, state=None, timespans=None)``;
``neuron.step(x_t, state)`` advances one step with the same result, and
``neuron.initial_state(batch_size)`` gives the zero state.  Build them by name
with ``nonlin.create("branch_elm", 128, 2, num_memory=20)``.  ``elm`` / ``branch_elm`` are the
paper's ELM and Branch-ELM; ``elm_v2`` is the authors' later v2 file (docs/neurons.md).
"""

from .akorn import AKOrN
from .baselines import GRU, LSTMChrono
from .dendrites import ActiveDendrites, KWinners
from .elm import ELM, BranchELM, ELMv2, load_elmneuron_checkpoint
from .liquid import LTC, CfC
from .spiking import ALIF, LIF, LearnedDelay, SynapticLIF
from .surrogate import SURROGATES, spike_fn, surrogate_grad

__all__ = ["ELM", "BranchELM", "ELMv2", "load_elmneuron_checkpoint", "LIF", "ALIF", "SynapticLIF", "LearnedDelay",
           "CfC", "LTC",
           "ActiveDendrites", "KWinners", "AKOrN", "LSTMChrono", "GRU",
           "SURROGATES", "spike_fn", "surrogate_grad"]
