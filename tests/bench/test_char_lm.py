"""char_lm: offline character-level language modelling on Python's stdlib source, scored in bits per character."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import torch

from nonlin.bench.tasks import get_task, task_names
from nonlin.bench.tasks.char_lm import FILES, VOCAB_SIZE, corpus, decode, encode


def test_registered_and_described():
    assert "char_lm" in task_names()
    task = get_task("char_lm")
    d = task.describe()
    assert d["metric"] == "bpc" and d["higher_is_better"] is False and d["vocab_size"] == VOCAB_SIZE
    assert task.output_kind == "sequence_classification" and task.causal


def test_text_is_the_stdlib_sources_in_order():
    text, sha = corpus()
    first = open(importlib.util.find_spec(FILES[0]).origin, encoding="utf-8").read()
    assert text.startswith(first) and len(text) > 100_000
    assert len(sha) == 64


def test_encoding_round_trips_printable_ascii_and_maps_the_rest_to_zero():
    s = "def f(x):\n    return x ~ 1 # é\t"
    ids = encode(s)
    assert ids.min() >= 0 and ids.max() < VOCAB_SIZE
    assert decode(ids) == "def f(x):\n    return x ~ 1 # ??"
    assert encode(" ~")[0] == 2 and encode(" ~")[1] == VOCAB_SIZE - 1


def test_windows_are_next_character_pairs_and_deterministic():
    task = get_task("char_lm", seq_len=16, n_train=32, n_test=8)
    a, b, c = task.generate(0), task.generate(0), task.generate(1)
    assert a.x_train.shape == (32, 16) and a.y_test.shape == (8, 16)
    assert torch.equal(a.x_train[:, 1:], a.y_train[:, :-1].float())  # targets are the inputs shifted by one
    assert torch.equal(a.x_train, b.x_train) and not torch.equal(a.x_train, c.x_train)
    assert torch.equal(a.x_test, c.x_test)  # the test tiles do not depend on the seed
    # the test tiles are the tail of the text, never the training part
    text_ids = encode(corpus()[0])
    cut = int(len(text_ids) * 0.9)
    tile = a.x_test[0].long().numpy()
    assert np.array_equal(text_ids[cut:cut + 16], tile)


def test_bits_per_character_is_cross_entropy_in_bits():
    task = get_task("char_lm", seq_len=4, n_train=2, n_test=2)
    target = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    uniform = torch.zeros(2, 4, VOCAB_SIZE)
    assert task.score(uniform, target) == pytest.approx(math.log2(VOCAB_SIZE))
    sure = torch.full((2, 4, VOCAB_SIZE), -1e4).scatter(-1, target[..., None], 0.0)
    assert task.score(sure, target) == pytest.approx(0.0, abs=1e-6)


def test_trivial_baseline_is_the_unigram_entropy():
    task = get_task("char_lm")
    ids = encode(corpus()[0])
    train = ids[: int(len(ids) * 0.9)]
    p = np.bincount(train, minlength=VOCAB_SIZE) / len(train)
    p = p[p > 0]
    assert task.trivial_baseline == pytest.approx(float(-(p * np.log2(p)).sum()), abs=1e-3)
    assert 3.5 < task.trivial_baseline < math.log2(VOCAB_SIZE)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="seq_len"):
        get_task("char_lm", seq_len=1)
    with pytest.raises(ValueError, match="n_test.*at most"):
        get_task("char_lm", seq_len=512, n_test=1000)
