"""Character-level language modelling on Python's own standard-library source (offline), in bits per character.

The text is a fixed list of pure-Python standard-library modules (:data:`FILES`),
read from this interpreter's installation and concatenated in that order: nothing is
downloaded, and the same Python version always gives the same text (its SHA-256 is in
``TaskData.meta`` so runs on different Pythons are not mixed up silently).  The first
90 % of the characters is the training text, the last 10 % the test text (other
modules' code, never seen in training).

Vocabulary (97 symbols): 0 = any other character, 1 = newline, 2..96 = printable ASCII
(space .. ~).  A sample is a window of ``seq_len + 1`` characters: the input is its first
``seq_len`` characters, the target the same window shifted by one (next-character
prediction at every step), so the model must be causal.  Training windows start at
seeded random offsets; test windows are consecutive, non-overlapping tiles of the test
text (the same for every seed).

Score: bits per character, the mean next-character cross-entropy over every test
position divided by ln 2 (lower is better).  Trivial baseline: the unigram entropy of
the training text, what a model that ignores context achieves (4.53 bits on CPython 3.11; a
uniform guess over 97 symbols is log2 97 = 6.6 bits).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import math
import sys

import numpy as np
import torch
from torch import Tensor

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng

# Pure-Python modules present (and large) in every CPython 3.10 - 3.13.
FILES = ("textwrap", "difflib", "heapq", "shlex", "fractions", "calendar", "statistics", "fnmatch", "string")
VOCAB_SIZE = 97
OTHER, NEWLINE = 0, 1
TEST_FRACTION = 0.1


def encode(text: str) -> np.ndarray:
    """Character ids: printable ASCII -> 2..96, newline -> 1, anything else -> 0."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    ids = np.where((codes >= 32) & (codes <= 126), codes - 30, OTHER)
    return np.where(codes == 10, NEWLINE, ids)


def decode(ids) -> str:
    """Inverse of :func:`encode` (id 0 becomes '?')."""
    return "".join("\n" if i == NEWLINE else ("?" if i == OTHER else chr(int(i) + 30)) for i in ids)


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[str, str]:
    """(the concatenated source text, its SHA-256)."""
    parts = []
    for name in FILES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            raise RuntimeError(f"char_lm: the standard-library module {name!r} has no .py source in this Python "
                               f"({sys.version.split()[0]}); the task needs CPython's stdlib sources")
        with open(spec.origin, encoding="utf-8") as f:
            parts.append(f.read())
    text = "\n".join(parts)
    return text, hashlib.sha256(text.encode()).hexdigest()


def unigram_bits(ids: np.ndarray) -> float:
    """Entropy (bits) of the character frequencies: the best context-free predictor's bits per character."""
    p = np.bincount(ids, minlength=VOCAB_SIZE) / len(ids)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@register_task
class CharLM(OptionTask):
    name = "char_lm"
    description = ("next-character prediction on Python standard-library source (offline), scored in bits per "
                   "character")
    output_kind = "sequence_classification"
    metric = "bpc"
    higher_is_better = False
    reference = "character-level language modelling; text: CPython's standard library (shipped with Python)"
    default_model = "llama"
    vocab_size = VOCAB_SIZE
    causal = True  # targets are the next inputs: models must not see later steps
    option_specs = {
        "seq_len": Option(64, int, 2, 1024, doc="characters per sample (context length)"),
        "n_train": Option(2048, int, 1, 10**6, doc="training windows (random offsets)"),
        "n_test": Option(256, int, 1, 10**5, doc="test windows (consecutive tiles of the test text)"),
    }
    defaults = {"quick": TrainDefaults(epochs=4, batch_size=64, lr=3e-3),
                "full": TrainDefaults(epochs=20, batch_size=64, lr=1e-3)}

    def setup(self) -> None:
        self.input_shape = (self.options["seq_len"],)
        self.num_outputs = VOCAB_SIZE
        train, test = self._split()
        max_tiles = (len(test) - 1) // (self.options["seq_len"] + 1)
        if self.options["n_test"] > max_tiles:
            raise ValueError(f"task 'char_lm': option 'n_test' must be at most {max_tiles} for seq_len "
                             f"{self.options['seq_len']} (the test text has {len(test)} characters); "
                             f"got {self.options['n_test']}")
        self.trivial_baseline = round(unigram_bits(train), 3)
        self.trivial_baseline_note = "unigram entropy of the training text: a predictor that ignores context"

    @staticmethod
    def _split() -> tuple[np.ndarray, np.ndarray]:
        ids = encode(corpus()[0])
        cut = int(len(ids) * (1 - TEST_FRACTION))
        return ids[:cut], ids[cut:]

    def generate(self, seed: int) -> TaskData:
        t, n_train, n_test = self.options["seq_len"], self.options["n_train"], self.options["n_test"]
        train, test = self._split()
        rng = task_rng(seed, self.name)
        starts = rng.integers(0, len(train) - t - 1, size=n_train)
        win = train[starts[:, None] + np.arange(t + 1)]
        tiles = test[: n_test * (t + 1)].reshape(n_test, t + 1)
        text, sha = corpus()
        meta = {"files": list(FILES), "python": sys.version.split()[0], "sha256": sha,
                "train_chars": int(len(train)), "test_chars": int(len(test)),
                "unigram_bits": unigram_bits(train)}
        return as_tensors(win[:, :-1], win[:, 1:], tiles[:, :-1], tiles[:, 1:], meta)

    def score(self, pred: Tensor, target: Tensor) -> float:
        """Bits per character: mean cross-entropy over every test position, in bits."""
        ce = torch.nn.functional.cross_entropy(pred.reshape(-1, pred.shape[-1]).float(), target.reshape(-1))
        return float(ce) / math.log(2)
