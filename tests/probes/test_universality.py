"""Universal neurons across seeds (arXiv 2401.12181): known cases and a digits reproduction."""

import copy

import pytest
import torch
from torch import nn

import nonlin
from nonlin.probes import universality as U


def _gauss(n, k, seed):
    return torch.randn(n, k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_identical_activations_are_all_universal_and_independent_ones_none():
    a = _gauss(2000, 128, 0)
    same, _ = U.universality_of_activations([[a], [a.clone()], [a.clone()]])
    assert same == [1.0, 1.0, 1.0]
    other, detail = U.universality_of_activations([[a], [_gauss(2000, 128, 1)]])
    assert other == [0.0, 0.0]
    # max correlation of independent features at n = 2000 is about sqrt(2 ln 128 / 2000) ~ 0.07
    assert max(detail[0][0].max_corr) < 0.15


def test_max_correlation_matches_a_float64_pearson_reference_and_skips_constant_neurons():
    a, b = _gauss(300, 5, 2), _gauss(300, 7, 3)
    b[:, 3] = a[:, 1] * 2 + 0.1 * b[:, 3]
    a[:, 4] = 1.0                                          # a dead neuron
    ref = torch.corrcoef(torch.cat([a[:, :4], b], 1).T)[:4, 4:].amax(1)
    got = U.max_correlation(a, b)
    torch.testing.assert_close(got[:4], ref, atol=1e-10, rtol=0)
    assert torch.isnan(got[4])


def test_identical_models_are_all_universal():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(256, 64), nonlin.create("tanh"), nn.Linear(64, 3))
    x = torch.randn(2000, 256, generator=torch.Generator().manual_seed(1))
    res = U.universality([m, copy.deepcopy(m)], x)
    assert res.value == 1.0 and res.layers[0].constant == 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least 2 models"):
        U.universality([nn.Sequential(nn.Linear(2, 2), nn.ReLU())], torch.zeros(4, 2))
    with pytest.raises(ValueError, match="match must be"):
        U.universality_of_activations([[torch.zeros(4, 2)]] * 2, match="nearest")


def test_reproduction_digits_mlps_correlate_across_seeds_far_above_untrained_ones(digits_data):
    # 3 seeds of the width-64 ReLU digits MLP (10 epochs) vs 3 untrained ones, on 600 test digits
    from nonlin.probes.figures import train_digits_mlp
    trained = [train_digits_mlp("relu", seed=s, data=digits_data)[0] for s in range(3)]
    untrained = []
    for s in range(3):
        torch.manual_seed(100 + s)
        untrained.append(nn.Sequential(nn.Linear(64, 64), nonlin.create("relu"), nn.Linear(64, 64),
                                       nonlin.create("relu"), nn.Linear(64, 10)))
    x = digits_data.x_test.reshape(len(digits_data.x_test), -1)[:600]
    res = U.universality(trained, x, baseline_models=untrained)
    # the paper: 1-5 % of GPT2 neurons universal (excess correlation > 0.5); a small MLP's representation
    # is low-dimensional, so rotated neurons correlate almost as well and the excess stays small
    assert 0.0 <= res.ci[1] <= 0.05
    assert res.mean_max_corr > res.baseline_max_corr + 0.2
