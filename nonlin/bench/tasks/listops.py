"""ListOps (Nangia & Bowman 2018) with the Long Range Arena generator, re-implemented.

Expressions of nested list operators over the digits 0..9, e.g.
``[MAX 2 9 [MIN 4 7 ] 0 ]`` = 9.  Operators: MIN, MAX, MED (median, the
LRA rule ``int(np.median(...))``, i.e. the mean of the two middle values
truncated for an even count) and SM (sum modulo 10).  The label is the value
of the expression (10 classes).

Generator (LRA ``lra_benchmarks/data/listops.py``): a node at depth d <
max_depth is a digit with probability 0.75, otherwise an operator with
``uniform{2..max_args}`` children; at max_depth it is always a digit.  Trees
are rejection-sampled until ``min_length < tokens < max_length`` and
duplicates are dropped.  Differences from LRA, on purpose: a seeded NumPy RNG
instead of Python's ``random``, and *ordered* deduplication (first
occurrence kept, across train and test) so a seed fixes the data exactly.
Trees that grow past ``max_length`` are abandoned early; this rejects the
same trees as generating them fully, so the accepted distribution is the same.

Tokens: 0 = pad, 1..10 = digits 0..9, 11 = [MIN, 12 = [MAX, 13 = [MED,
14 = [SM, 15 = ] (LRA's 15 symbols plus pad; its parentheses carry no
information and are dropped as in LRA).  Sequences are padded on the left
to ``max_length`` so the last step of a recurrent model is the expression's
end; attention models mask the pads.  LRA settings: min_length 500,
max_length 2000, max_depth 10, max_args 10, 96k/2k/2k examples; the published
Transformer accuracy (36.37 %) is for those settings only.
"""

from __future__ import annotations

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng

OPERATORS = ("[MIN", "[MAX", "[MED", "[SM")
CLOSE = "]"
PAD = 0
TOKEN_IDS = {**{str(d): d + 1 for d in range(10)}, **{op: 11 + i for i, op in enumerate(OPERATORS)}, CLOSE: 15}
VOCAB_SIZE = 16
VALUE_PROBABILITY = 0.75


class _TooLong(Exception):
    pass


class _Uniforms:
    """Scalar draws from a NumPy generator, fetched in blocks (per-call NumPy scalars are slow)."""

    def __init__(self, rng: np.random.Generator, block: int = 8192):
        self.rng, self.block = rng, block
        self.buf: list[float] = []
        self.i = 0

    def random(self) -> float:
        if self.i == len(self.buf):
            self.buf, self.i = self.rng.random(self.block).tolist(), 0
        self.i += 1
        return self.buf[self.i - 1]

    def integer(self, low: int, high: int) -> int:
        """Uniform integer in [low, high)."""
        return low + min(int(self.random() * (high - low)), high - low - 1)


def _tree_tokens(u: _Uniforms, depth: int, max_depth: int, max_args: int,
                 budget: list[int]) -> tuple[list[str], int]:
    """Tokens and value of a random expression; raises _TooLong when the budget runs out."""
    if depth >= max_depth or u.random() < VALUE_PROBABILITY:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooLong
        v = u.integer(0, 10)
        return [str(v)], v
    n_args = u.integer(2, max_args + 1)
    op = OPERATORS[u.integer(0, len(OPERATORS))]
    budget[0] -= 2
    if budget[0] < 0:
        raise _TooLong
    tokens, values = [op], []
    for _ in range(n_args):
        t, v = _tree_tokens(u, depth + 1, max_depth, max_args, budget)
        tokens += t
        values.append(v)
    tokens.append(CLOSE)
    return tokens, apply_operator(op, values)


def apply_operator(op: str, values: list[int]) -> int:
    if op == "[MIN":
        return min(values)
    if op == "[MAX":
        return max(values)
    if op == "[MED":
        return int(np.median(values))
    if op == "[SM":
        return sum(values) % 10
    raise ValueError(f"unknown ListOps operator {op!r}")


def sample_expressions(rng: np.random.Generator, n: int, *, min_length: int, max_length: int,
                       max_depth: int, max_args: int, seen: set | None = None,
                       max_tries: int = 10_000_000) -> list[tuple[str, int]]:
    """``n`` distinct expressions (space-separated tokens, value) with min_length < tokens < max_length."""
    seen = set() if seen is None else seen
    u = _Uniforms(rng)
    out: list[tuple[str, int]] = []
    for _ in range(max_tries):
        if len(out) == n:
            return out
        try:
            tokens, value = _tree_tokens(u, 1, max_depth, max_args, [max_length - 1])
        except _TooLong:
            continue
        if not (min_length < len(tokens) < max_length):
            continue
        text = " ".join(tokens)
        if text in seen:
            continue
        seen.add(text)
        out.append((text, value))
    raise RuntimeError(f"listops: found only {len(out)} of {n} distinct expressions with "
                       f"{min_length} < length < {max_length}; widen the length bounds")


def tokenize(texts: list[str], max_length: int) -> np.ndarray:
    """Left-padded token ids, shape (N, max_length)."""
    ids = np.full((len(texts), max_length), PAD, dtype=np.int64)
    for i, text in enumerate(texts):
        toks = [TOKEN_IDS[t] for t in text.split()]
        ids[i, max_length - len(toks):] = toks
    return ids


@register_task
class ListOps(OptionTask):
    """Evaluate nested MIN/MAX/MED/SM expressions over digits (10 classes)."""

    name = "listops"
    description = "ListOps (LRA generator, seeded): value of nested MIN/MAX/MED/SM expressions, 10 classes"
    output_kind = "classification"
    metric = "accuracy"
    trivial_baseline_note = "majority class of the training labels, scored on the test set (set per seed in meta)"
    reference = ('"ListOps: A Diagnostic Dataset for Latent Tree Learning", Nangia & Bowman, NAACL SRW 2018, '
                 'arXiv 1804.06028; "Long Range Arena", Tay et al., ICLR 2021, arXiv 2011.04006')
    default_model = "transformer"
    num_outputs = 10
    vocab_size = VOCAB_SIZE
    pad_token = PAD
    option_specs = {
        "min_length": Option(10, int, low=0, doc="keep expressions with more tokens than this (LRA: 500)"),
        "max_length": Option(60, int, low=2, doc="... and fewer tokens than this; also the padded length (LRA: 2000)"),
        "max_depth": Option(10, int, low=1, high=50, doc="maximum nesting depth (LRA: 10)"),
        "max_args": Option(10, int, low=2, high=50, doc="maximum operator arguments (LRA: 10)"),
        "n_train": Option(2000, int, low=1, doc="training expressions (LRA: 96000)"),
        "n_test": Option(500, int, low=1, doc="test expressions (LRA: 2000)"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=3, batch_size=64, lr=1e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=50, batch_size=32, lr=1e-3),
    }

    def setup(self) -> None:
        o = self.options
        if o["max_length"] <= o["min_length"] + 1:
            raise ValueError(f"task 'listops': need max_length > min_length + 1; got min_length={o['min_length']}, "
                             f"max_length={o['max_length']}")
        self.input_shape = (o["max_length"],)
        lra = dict(min_length=500, max_length=2000, max_depth=10, max_args=10)
        self.published = {"Transformer (LRA)": 36.37} if all(o[k] == v for k, v in lra.items()) else {}

    def generate(self, seed: int) -> TaskData:
        o = self.options
        rng = task_rng(seed, self.name)
        kw = dict(min_length=o["min_length"], max_length=o["max_length"], max_depth=o["max_depth"],
                  max_args=o["max_args"])
        seen: set = set()
        train = sample_expressions(rng, o["n_train"], seen=seen, **kw)
        test = sample_expressions(rng, o["n_test"], seen=seen, **kw)
        ytr = np.array([v for _, v in train])
        yte = np.array([v for _, v in test])
        majority = int(np.bincount(ytr, minlength=10).argmax())
        meta = {"seed": seed, "train_text": [t for t, _ in train], "test_text": [t for t, _ in test],
                "majority_class_accuracy": float(np.mean(yte == majority) * 100.0)}
        return as_tensors(tokenize([t for t, _ in train], o["max_length"]), ytr,
                          tokenize([t for t, _ in test], o["max_length"]), yte, meta)
