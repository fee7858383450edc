"""Shared, cached fixtures for the probe tests: a trained width-64 MLP on scikit-learn digits."""

import pytest
import torch

from nonlin.probes.figures import train_digits_mlp  # noqa: F401  (one trainer for tests and doc figures)


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
