"""Recurrent baselines for the long-horizon comparisons: LSTM with chrono initialisation, GRU."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import F32_SAFE, check_params, check_sequence, check_step_input, no_timespans


def _check_sizes(unit, input_size, output_size):
    for name, v in (("input_size", input_size), ("output_size", output_size)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ParameterError(f"'{unit}': {name} must be a positive integer; got {v!r}")


@register(
    "lstm_chrono", aliases=("chrono_lstm",), kind="neuron", family="recurrent_baselines",
    formula=(r"c_t=f_t\odot c_{t-1}+i_t\odot g_t,\ h_t=o_t\odot\tanh c_t,\ "
             r"b_f\sim\log\mathcal{U}[1,T_{max}-1],\ b_i=-b_f"),
    reference=ref("Can recurrent neural networks warp time?", "1804.11188", 2018,
                  authors="Tallec, Ollivier", venue="ICLR"),
    properties=dict(stateful=True, elementwise=False),
    params=dict(t_max=P(2.0, F32_SAFE, open_low=True, doc="largest expected dependency range T_max (steps)"),
                chrono=P(kind="bool", doc="use the chrono initialisation (else PyTorch's default)")),
    positional=2,
)
class LSTMChrono(nn.Module):
    """LSTM (hidden size = output_size) with the chrono initialisation of the gate biases.

    Standard LSTM cell (PyTorch ``nn.LSTM``).  Chrono init: forget-gate bias b_f = log(u),
    u ~ U[1, T_max − 1], input-gate bias b_i = −b_f, the other biases 0 (so the forget gates start
    with characteristic times spread over [1, T_max]).  Paper: "Can recurrent neural networks warp
    time?", Tallec & Ollivier, ICLR 2018, arXiv 1804.11188.  Set ``t_max`` to the task horizon.
    """

    _unit = "lstm_chrono"

    def __init__(self, input_size: int, output_size: int, t_max: float = 1000.0, chrono: bool = True):
        super().__init__()
        _check_sizes(self._unit, input_size, output_size)
        check_params(self._unit, t_max=t_max, chrono=chrono)
        self.input_size, self.output_size = input_size, output_size
        self.lstm = nn.LSTM(input_size, output_size, batch_first=True)
        if chrono:
            H = output_size
            with torch.no_grad():
                bf = torch.log(torch.empty(H).uniform_(1.0, max(t_max - 1.0, 1.0 + 1e-6)))
                self.lstm.bias_ih_l0.zero_()
                self.lstm.bias_hh_l0.zero_()
                # PyTorch gate order: input, forget, cell, output
                self.lstm.bias_ih_l0[H:2 * H] = bf
                self.lstm.bias_ih_l0[:H] = -bf

    def initial_state(self, batch_size, device=None, dtype=None):
        z = torch.zeros(batch_size, self.output_size, device=device or self.lstm.weight_ih_l0.device,
                        dtype=dtype or self.lstm.weight_ih_l0.dtype)
        return (z, z.clone())

    def forward(self, x: Tensor, state=None, timespans=None):
        check_sequence(x, self.input_size, self._unit)
        no_timespans(timespans, self._unit)
        if x.shape[1] == 0:  # no steps (torch's LSTM rejects them): empty output, state unchanged
            state = self.initial_state(x.shape[0], x.device, x.dtype) if state is None else state
            return x.new_zeros(x.shape[0], 0, self.output_size), state
        hc = None if state is None else (state[0][None], state[1][None])
        y, (h, c) = self.lstm(x, hc)
        return y, (h[0], c[0])

    def step(self, x_t: Tensor, state=None):
        check_step_input(x_t, self.input_size, self._unit)
        y, state = self.forward(x_t[:, None], state)
        return y[:, 0], state


@register(
    "gru", kind="neuron", family="recurrent_baselines",
    formula=(r"r_t=\sigma(W_r x_t+U_r h_{t-1}),\ z_t=\sigma(W_z x_t+U_z h_{t-1}),\ "
             r"n_t=\tanh(W_n x_t+r_t\odot U_n h_{t-1}),\ h_t=(1-z_t)\odot n_t+z_t\odot h_{t-1}"),
    reference=ref("Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation",
                  "1406.1078", 2014, authors="Cho, van Merriënboer, Gulcehre, Bahdanau, Bougares, Schwenk, Bengio",
                  venue="EMNLP"),
    properties=dict(stateful=True, elementwise=False),
    params={},
    positional=2,
)
class GRU(nn.Module):
    """Gated recurrent unit (PyTorch ``nn.GRU``, hidden size = output_size, PyTorch's initialisation).

    Paper: Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder for Statistical
    Machine Translation", EMNLP 2014, arXiv 1406.1078.
    """

    _unit = "gru"

    def __init__(self, input_size: int, output_size: int):
        super().__init__()
        _check_sizes(self._unit, input_size, output_size)
        self.input_size, self.output_size = input_size, output_size
        self.gru = nn.GRU(input_size, output_size, batch_first=True)

    def initial_state(self, batch_size, device=None, dtype=None):
        return torch.zeros(batch_size, self.output_size, device=device or self.gru.weight_ih_l0.device,
                           dtype=dtype or self.gru.weight_ih_l0.dtype)

    def forward(self, x: Tensor, state=None, timespans=None):
        check_sequence(x, self.input_size, self._unit)
        no_timespans(timespans, self._unit)
        if x.shape[1] == 0:  # no steps (torch's GRU rejects them): empty output, state unchanged
            state = self.initial_state(x.shape[0], x.device, x.dtype) if state is None else state
            return x.new_zeros(x.shape[0], 0, self.output_size), state
        y, h = self.gru(x, None if state is None else state[None])
        return y, h[0]

    def step(self, x_t: Tensor, state=None):
        check_step_input(x_t, self.input_size, self._unit)
        y, h = self.forward(x_t[:, None], state)
        return y[:, 0], h
