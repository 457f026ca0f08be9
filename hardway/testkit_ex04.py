"""Exercise 4's shared test pieces: the hints for a wrong training loop, the check of a loss curve, a step counter.

The public tests (exercises/tests/test_ex04_optimizers.py) and the hidden
ones import these, so a wrong loop gets the same hint on a student's machine
and in the grade. The expected losses always come from the test: nothing
here trains a model.
"""

from __future__ import annotations

import math
from typing import Any

from hardway import expect

ZERO_GRAD_HINT = ("the first loss is right but later ones drift: backward() adds to .grad, so gradients pile up "
                  "unless you call optimizer.zero_grad() every epoch")
STEP_HINT = ("the loss never changes. Either the parameters never moved (loss.backward() fills .grad and "
             "optimizer.step() uses it: call optimizer.step() after loss.backward(), with no zero_grad() between "
             "them), or the loss was computed once, before the loop (do the forward pass and the loss inside the "
             "loop, every epoch)")
LOOP_HINT = "each epoch is model.train(), optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step()"
ITEM_HINT = "return Python floats: use loss.item() (or float(...)), not the tensor itself"

#: Snippet lines that make `optimizer.step` count its calls in `steps` (one item a call); `optimizer` must exist.
STEP_COUNTER = """
steps = []
def counted(step):
    def counting_step(*args, **kwargs):
        steps.append(1)
        return step(*args, **kwargs)
    return counting_step
optimizer.step = counted(optimizer.step)
"""


def loop_hint(got: Any, expected: list[float]) -> str:
    """Name the likely mistake from the shape of a wrong loss curve."""
    if isinstance(got, list) and len(got) == len(expected) > 2 and all(type(v) is float for v in got):
        if len(set(got)) == 1 and len(set(expected)) > 1:
            return STEP_HINT
        if math.isclose(got[0], expected[0], rel_tol=1e-9, abs_tol=1e-12):
            return ZERO_GRAD_HINT
    return LOOP_HINT


def check_losses(call: str, got: Any, expected: list[float], rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """One Python float per epoch, each close to the test's own."""
    __tracebackhide__ = True
    if not isinstance(got, list) or len(got) != len(expected):
        expect.fail(call, got, f"a list of {len(expected)} losses, one per epoch")
    for value in got:
        expect.is_float(call, value, hint=ITEM_HINT)
    expect.close(call, got, expected, rtol=rtol, atol=atol, hint=loop_hint(got, expected))
