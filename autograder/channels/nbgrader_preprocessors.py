"""The nbgrader preprocessors the kit adds: classes nbgrader itself loads from a course's `nbgrader_config.py`.

* `ResilientExecute` replaces nbgrader's Execute in `Autograde.autograde_preprocessors`:
  a cell that kills the kernel costs that cell, not the notebook.
* `ClearStudentOutputs` joins `GenerateFeedback.preprocessors`: feedback shows the
  test cells' outputs only.

They run inside `nbgrader autograde` and `nbgrader generate_feedback`, in the
processes the loop (`autograder.channels.nbgrader_loop`) starts; their settings
are nbgrader traitlets, set in the course's config like nbgrader's own
(`c.ResilientExecute.crash_budget_s = 120`).
"""

from __future__ import annotations

import time
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Float

from autograder.channels.kernel_jail import JailedKernelManager
from autograder.channels.notebook_code import is_test_cell, module_source, topic_interface

KERNEL_DIED = ("This cell stopped the Python kernel (it called os._exit, crashed, or ran out of memory). "
               "It was skipped: a new kernel got the definitions of the cells above it, and the rest of the "
               "notebook ran on.")
NOT_RUN = ("Not run: cells of this notebook killed the kernel so often that the time allowed for restarting "
           "it (ResilientExecute.crash_budget_s) was spent. Your grade does not depend on this: the grader runs "
           "your code by itself.")


def error_output(name: str, message: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


class ResilientExecute(Execute):
    """nbgrader's Execute, except that a cell which kills the kernel costs that cell, not the notebook.

    When a cell kills the kernel, the cell gets an error output, a new kernel is
    started, the definitions of the cells above it are run in it again (only
    those: the statements `autograder.channels.notebook_code` keeps, so nothing that
    printed, computed, or crashed runs twice) and execution goes on with the next
    cell. Rebuilding definitions is cheap, so a notebook is never run again from
    the top. What bounds this is time, not a count: once restarts and rebuilds
    have taken `crash_budget_s` in all, the kernel is not started again, and the
    cells after the next crash are marked as not run. Kernels start in
    `JailedKernelManager`'s jail.
    """

    crash_budget_s = Float(120.0, help="Seconds a notebook may spend, in all, on restarting the kernel after "
                           "cells killed it and rebuilding its definitions.").tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", JailedKernelManager)
        super().__init__(**kwargs)

    def preprocess(self, nb: Any, resources: Any, km: Any = None) -> Any:
        self._recovery_s = 0.0
        self._crashed: set[int] = set()
        self._kernel_gone = False
        self._interface = topic_interface(resources.get("nbgrader", {}).get("notebook", ""))
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> Any:
        if self._kernel_gone:
            if cell.cell_type == "code":
                cell.outputs = [error_output("NotRun", NOT_RUN)]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            cell.outputs.append(error_output("KernelDied", KERNEL_DIED))
            self._crashed.add(index)
            if self._recovery_s >= self.crash_budget_s:
                self.log.warning("cell %d killed the kernel; the crash budget is spent, so no cell runs after it",
                                 index)
                self._kernel_gone = True
            else:
                self.log.warning("cell %d killed the kernel; restarting it and going on with the next cell", index)
                self._recover(index)
            return cell, resources

    def _recover(self, index: int) -> None:
        """A new kernel with the definitions of the cells above `index`, timed against the budget."""
        started = time.monotonic()
        try:
            self._restart()
            self._replay(index)
        except DeadKernelError:  # a definition killed it too: go on with an empty kernel
            self.log.warning("rebuilding definitions killed the kernel again; going on without them")
            self._restart()
        finally:
            self._recovery_s += time.monotonic() - started

    def _restart(self) -> None:
        run_sync(self._async_restart)()

    async def _async_restart(self) -> None:
        if self.kc is not None:
            await ensure_async(self.kc.stop_channels())
        await self.km.restart_kernel(now=True)
        await self.async_start_new_kernel_client()

    def _replay(self, index: int) -> None:
        cells = [cell.source for number, cell in enumerate(self.nb.cells[:index])
                 if cell.cell_type == "code" and not is_test_cell(cell) and number not in self._crashed]
        try:
            code = module_source(cells, self._interface)
        except (RecursionError, MemoryError):  # code too deeply nested to read: a kernel without it, then
            return
        self.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))


class ClearStudentOutputs(NbGraderPreprocessor):
    """Feedback keeps the outputs of the test cells only.

    Whatever a student's own cells printed (a copy of something they should not
    have, a flood of text, a plot) is not handed back in feedback; the test
    cells' outputs (which tests failed, and why) are. A cell counts as a test
    cell only with the grade id that nbgrader's autograde checked against the
    gradebook (it drops ids the gradebook does not know).
    """

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> Any:
        if cell.cell_type == "code" and not (is_test_cell(cell) and cell.metadata.nbgrader.get("grade_id")):
            cell.outputs = []
            cell.execution_count = None
        return cell, resources
