"""Offline benchmark tasks: importing this package registers every task.

>>> from nonlin.bench.tasks import get_task, task_names
>>> task = get_task("adding", length=200)
>>> data = task.generate(seed=0)
"""

from .base import (
    OUTPUT_KINDS,
    Option,
    OptionTask,
    Task,
    TaskData,
    TrainDefaults,
    check_options,
    get_task,
    preserve_global_rngs,
    register_task,
    task_names,
)

# One module per task family; importing registers the tasks.
from . import (  # noqa: F401,E402
    adding, char_lm, cifar, copy_memory, digits, image_fit, kan_toy, listops, lra_files, mnist, mnist1d, pathfinder,
    periodic, shd, special_fn,
)

__all__ = [
    "OUTPUT_KINDS", "Option", "OptionTask", "Task", "TaskData", "TrainDefaults", "check_options",
    "get_task", "preserve_global_rngs", "register_task", "task_names",
]
