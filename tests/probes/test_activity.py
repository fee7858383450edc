"""Activity probes against constructed networks and numpy references; density falls over training."""

import numpy as np
import pytest
import torch
from torch import nn

from nonlin import probes
from nonlin.probes import activity
from nonlin.probes._common import mean_ci


def _constructed():
    lin = nn.Linear(2, 4)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 1.0]]))
        lin.bias.copy_(torch.tensor([0.0, 0.0, -1.0, 0.0]))  # unit 2 is always -1 -> dead under ReLU
    return nn.Sequential(lin, nn.ReLU())


X = torch.tensor([[1.0, -1.0], [2.0, 3.0], [-1.0, -2.0], [0.5, 0.5], [-3.0, 1.0], [1.0, -4.0]])


def test_dead_units_and_density_of_a_constructed_network():
    model = _constructed()
    out = torch.relu(model[0](X)).detach().numpy()
    dead = activity.dead_units(model, X)
    assert dead.value == pytest.approx(0.25) and dead.layers[0].detail["dead_index"] == [2]
    dens = activity.density(model, X)
    assert dens.value == pytest.approx(float((out != 0).mean()))
    assert dens.layers[0].detail["above_eps"] == pytest.approx(float((np.abs(out) > 1e-3).mean()))
    # per batch of 2: units silent on the whole batch, averaged over the 3 batches
    dyn = np.mean([(out[i:i + 2] == 0).all(0).mean() for i in range(0, 6, 2)])
    assert activity.dead_units(model, X, batch_size=2).layers[0].detail["dynamic_rate"] == pytest.approx(dyn)


def test_dormant_scores_follow_sokar_et_al():
    model = _constructed()
    a = np.abs(torch.relu(model[0](X)).detach().numpy())
    s = a.mean(0) / a.mean(0).mean()
    res = activity.dormant(model, X, tau=0.3)
    np.testing.assert_allclose(res.layers[0].detail["score"], s, rtol=1e-6)
    assert res.value == pytest.approx(float((s <= 0.3).mean()))
    with pytest.raises(ValueError, match="tau"):
        activity.dormant(model, X, tau=-1)


def test_saturation_of_hardtanh_counts_flat_regions():
    model = nn.Sequential(nn.Identity(), nn.Hardtanh())
    x = torch.tensor([[-3.0, -0.5, 0.2, 2.0]])
    res = activity.saturation(model, x)
    assert res.value == pytest.approx(0.5)
    assert res.layers[0].detail["near_bound"] == pytest.approx(0.5)


def test_activation_stats_kept_working():
    model = _constructed()
    (stats,) = probes.activation_stats(model, X)
    assert stats.unit == "relu" and stats.dead_fraction == pytest.approx(0.25)


def test_no_units_is_a_clear_error():
    with pytest.raises(ValueError, match="no unit modules"):
        activity.density(nn.Linear(2, 2), X)


def test_reproduction_density_falls_over_training(digits_data):
    # "The Lazy Neuron Phenomenon" (arXiv 2210.06313): ReLU activation density falls during training.
    # On a width-128 ReLU MLP on digits the density first rises (about 0.52 at init -> 0.74 after 5 epochs)
    # and then falls; we test the fall from epoch 5 to epoch 25, paired over 3 seeds (95 % CI below 0).
    x, y = digits_data.x_train.reshape(len(digits_data.x_train), -1), digits_data.y_train
    xt = digits_data.x_test.reshape(len(digits_data.x_test), -1)
    diffs = []
    for seed in range(3):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        g = torch.Generator().manual_seed(seed)
        seen = {}
        for epoch in range(1, 26):
            perm = torch.randperm(len(x), generator=g)
            for i in range(0, len(x), 128):
                idx = perm[i:i + 128]
                opt.zero_grad()
                nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
                opt.step()
            if epoch in (5, 25):
                seen[epoch] = activity.density(model, xt).value
        diffs.append(seen[25] - seen[5])
    _, _, hi = mean_ci(diffs)
    assert hi < 0, diffs


def test_dormant_callback_records_history():
    model = _constructed()
    cb = activity.DormantCallback(model, X, tau=0.1, every=2)
    for step in range(5):
        cb(step)
    assert [s for s, _ in cb.history] == [0, 2, 4]
