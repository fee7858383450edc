"""Finding and reading data sets that the user keeps on local disk (nothing is downloaded).

Every file-backed task has an option ``data_dir`` and two environment
variables, looked up in this order:

1. the task option ``data_dir`` (``--task cifar10:data_dir=/data/cifar-10-batches-py``);
2. the data set's own variable, e.g. ``NONLIN_CIFAR10_DIR``;
3. ``NONLIN_DATA_DIR``, a root holding every data set under its usual folder
   name (``$NONLIN_DATA_DIR/cifar-10-batches-py`` ...).

Each place may name the folder with the files or a folder above it that holds
the data set's usual sub-folder.  An empty ``data_dir`` (the default) keeps
the location out of the run's options, so the store key of a run does not
change when the data moves.  Tasks check that the files exist when they are
constructed (the runner builds every task before the first run), so a missing
file fails the sweep at once with one message naming the folders searched, the
expected files and the variables; problems inside a file surface when it is
read, naming the file.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Iterable

ROOT_ENV = "NONLIN_DATA_DIR"


class DataFilesError(ValueError):
    """A local data set is missing, incomplete or not in the expected format.

    A ValueError so that sweep validation (``build_grid``) reports it as a
    configuration error before any run starts.
    """


def find_data_dir(task_name: str, data_dir: str, env_var: str, subdir: str,
                  expected: Iterable[str], *, how_to_get: str = "") -> Path:
    """The folder holding every path in ``expected`` (relative to it), or a clear DataFilesError.

    ``subdir`` is the data set's usual folder name (may contain '/').
    """
    expected = list(expected)
    candidates: list[tuple[str, Path]] = []
    if data_dir:
        candidates.append((f"option data_dir={data_dir!r}", Path(data_dir).expanduser()))
    elif os.environ.get(env_var):
        candidates.append((f"${env_var}={os.environ[env_var]!r}", Path(os.environ[env_var]).expanduser()))
    elif os.environ.get(ROOT_ENV):
        candidates.append((f"${ROOT_ENV}={os.environ[ROOT_ENV]!r}", Path(os.environ[ROOT_ENV]).expanduser()))
    if not candidates:
        raise DataFilesError(
            f"task '{task_name}' reads local files and no location is set: pass the task option data_dir=..., "
            f"or set ${env_var} to the folder with {', '.join(expected)}, or ${ROOT_ENV} to a folder holding "
            f"'{subdir}/'. {how_to_get}".rstrip())
    source, base = candidates[0]
    tried = []
    for folder in (base, base / subdir):
        missing = [p for p in expected if not (folder / p).exists()]
        if not missing:
            return folder
        if not folder.is_dir():
            tried.append(f"{folder} does not exist")
        elif len(missing) == len(expected) > 1:
            tried.append(f"{folder} has none of them")
        else:
            tried.append(f"{folder} lacks {', '.join(missing)}")
        if not base.is_dir():
            break  # its sub-folder cannot exist either
    raise DataFilesError(
        f"task '{task_name}': expected the files {', '.join(expected)} in the folder that {source} names or in "
        f"its '{subdir}/' sub-folder, but {'; '.join(tried)}. "
        f"Set the task option data_dir, ${env_var} or ${ROOT_ENV}. {how_to_get}".rstrip())


# Only what pickles of NumPy arrays need: loading a pickle may run any code it names,
# so data files are read with an unpickler that refuses everything else.
_SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 store bytes
}


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _SAFE_GLOBALS:
            raise pickle.UnpicklingError(f"refers to {module}.{name}, which a data file never needs")
        return super().find_class(module, name)


def load_pickle(path: Path, task_name: str) -> object:
    """A data pickle (Python 2 ones included: ``encoding='bytes'``), read without running foreign code."""
    try:
        with open(path, "rb") as f:
            return _DataUnpickler(f, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError) as err:
        raise DataFilesError(f"task '{task_name}': {path} is not a readable data pickle ({type(err).__name__}: "
                             f"{err}); the file may be truncated or corrupt") from None


def get_key(d: object, key: str, path: Path, task_name: str) -> object:
    """``d[b'key']`` (Python 2 pickles) or ``d['key']``, or a DataFilesError naming the file and the keys it has."""
    if not isinstance(d, dict):
        raise DataFilesError(f"task '{task_name}': {path} should hold a dict; it holds a {type(d).__name__}")
    for k in (key.encode(), key):
        if k in d:
            return d[k]
    have = ", ".join(sorted(k.decode() if isinstance(k, bytes) else str(k) for k in d))
    raise DataFilesError(f"task '{task_name}': {path} has no key '{key}' (keys: {have})")
