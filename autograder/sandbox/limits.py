"""What one sandbox may use: memory, CPU, disk, processes and wall-clock time.

`Limits` are per topic (the catalogue gives each exercise its own); a `Budget`
is a wall-clock allowance shared by everything one submission runs, so a
submission that stalls, hangs or crashes on purpose costs a bounded amount of
grading time, however many tests it makes wait.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hardway.catalogue import Topic


@dataclass(frozen=True)
class Limits:
    memory_mib: int = 2048
    cpu_seconds: int = 300
    #: Largest single file the student's code may write (printing counts too).
    file_size_mib: int = 8
    #: Size of the private, in-memory folders the student's code may write into (all files together).
    disk_mib: int = 64
    #: Processes and threads together (torch starts a few threads of its own).
    max_processes: int = 256
    start_timeout_s: float = 30.0
    call_timeout_s: float = 10.0
    #: Wall-clock seconds all of one topic's calls into the student's code may take together.
    topic_budget_s: float = 120.0
    #: Wall-clock seconds the calls made by one task's tests may take together (a share of the topic's).
    task_budget_s: float = 60.0

    @classmethod
    def for_topic(cls, topic: Topic) -> "Limits":
        return cls(memory_mib=topic.memory_limit_mib, call_timeout_s=topic.call_timeout_s,
                   file_size_mib=topic.file_size_limit_mib, disk_mib=topic.disk_limit_mib,
                   topic_budget_s=topic.budget_s, task_budget_s=topic.task_budget_s)


class BudgetExhausted(Exception):
    """The submission used up its grading time; the remaining tests score 0."""


class Budget:
    """A wall-clock allowance that only the time spent waiting on student code draws from."""

    def __init__(self, seconds: float, what: str = "your submission") -> None:
        self.seconds = seconds
        self.what = what
        self.used = 0.0

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.used)

    def charge(self, started: float) -> None:
        """Add the time since `started` (a `time.monotonic()` reading)."""
        self.used += time.monotonic() - started

    @property
    def exhausted(self) -> bool:
        return self.remaining() <= 0.0

    def message(self) -> str:
        return (f"the grading time for {self.what} ({self.seconds:g} s in all) was used up, so this test "
                "was not run and scores 0. Look for code that is very slow, hangs or crashes on purpose.")
