"""Tasks: one object per task, declaring its inputs, forward contract, output, metrics, protocols, command
line and benchmark (:class:`~fusionzoo.tasks.base.Task`).  The shared modules dispatch through these objects.

    from fusionzoo.tasks import get_task, list_tasks, register_task
"""

from __future__ import annotations

from .base import InputSpec, Modality, Task, TaskError
from .classification import ClassificationTask, CrossmodalTask
from .hs_ms_fusion import HSMSFusionTask
from .pansharpening import PansharpeningTask

__all__ = ["Task", "TaskError", "Modality", "InputSpec", "register_task", "unregister_task", "get_task",
           "list_tasks"]

_TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    """Register a task object under ``task.name`` (a second task of the same name is an error)."""
    if not task.name:
        raise ValueError("a task needs a name")
    if task.name in _TASKS:
        raise ValueError(f"task {task.name!r} is already registered")
    _TASKS[task.name] = task
    return task


def unregister_task(name: str) -> None:
    """Remove a task (for tests that register a toy one)."""
    _TASKS.pop(name, None)


def get_task(name: str) -> Task:
    if name not in _TASKS:
        raise KeyError(f"unknown task {name!r}; the tasks are {', '.join(_TASKS)}")
    return _TASKS[name]


def list_tasks() -> list[str]:
    return list(_TASKS)


for _t in (PansharpeningTask(), HSMSFusionTask(), ClassificationTask(), CrossmodalTask()):
    register_task(_t)
