"""Shared, cached fixtures for the probe tests: a trained width-64 MLP on scikit-learn digits."""

import pytest
import torch
from torch import nn


def train_digits_mlp(unit: str, seed: int = 0, epochs: int = 10, width: int = 64, data=None):
    import nonlin
    from nonlin.bench.tasks import get_task
    d = data or get_task("digits").generate(0)
    x, y = d.x_train.reshape(len(d.x_train), -1), d.y_train
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, width), nonlin.create(unit), nn.Linear(width, width), nonlin.create(unit),
                          nn.Linear(width, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    return model, (x, y), (d.x_test.reshape(len(d.x_test), -1), d.y_test)


@pytest.fixture(scope="session")
def digits_data():
    from nonlin.bench.tasks import get_task
    return get_task("digits").generate(0)


@pytest.fixture(scope="session")
def relu_digits(digits_data):
    return train_digits_mlp("relu", data=digits_data)


@pytest.fixture(scope="session")
def gelu_digits(digits_data):
    return train_digits_mlp("gelu", data=digits_data)


@pytest.fixture(autouse=True)
def _one_thread():
    """These tests use tiny tensors: one intra-op thread is faster and, on a shared loaded machine,
    avoids the thread contention that made a 3 s (CPU) test take minutes of wall time."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
