"""Helpers that the public and the hidden tests share: the one home of each, holding no answer.

Public tests import this module where students run them, and hidden tests
import it in the grader, so a check or a hint written here reads the same on a
student's machine and in their grade. It ships with the `hardway` package
wherever the public tests go (the starter repository, the notebooks' kernels,
the Gradescope bundle, the jail). Nothing here implements a graded task: a
helper that would (an oracle that trains, say) stays with the hidden tests.

Two kinds of helper live here:

* checks that run in the test's own process, on the plain data a snippet
  gave back (`identical`);
* probe helpers, plain functions that a probe uses and that travel with it,
  as source, to the process where the student's code runs (`devices`, `attempt`). They
  import what they need inside, since only their source travels.

`hardway.testkit_ex02` to `hardway.testkit_ex05` hold each exercise's own hints, probe helpers and checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hardway.plaindata import TensorRecord


def identical(got: Any, expected: Any) -> bool:
    """Equal to the last bit: tensors of the same dtype and shape with equal elements, within nested containers.

    A resumed run must reproduce the uninterrupted one exactly, so no tolerance applies here; use
    `expect.close` where rounding is allowed. Dicts need the same keys, lists and tuples the same length.
    """
    if isinstance(expected, TensorRecord):
        return (isinstance(got, TensorRecord) and got.dtype == expected.dtype
                and got.data.shape == expected.data.shape and bool(np.array_equal(got.data, expected.data)))
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(
            identical(got[key], expected[key]) for key in expected)
    if isinstance(expected, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(expected)
                and all(identical(a, b) for a, b in zip(got, expected, strict=True)))
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        return isinstance(got, np.ndarray) and isinstance(expected, np.ndarray) and got.dtype == expected.dtype \
            and bool(np.array_equal(got, expected))
    return bool(got == expected)


# -- probe helpers: they run where the student's code runs -------------------------------------------------


def devices(value: Any) -> set[str]:
    """The devices of every tensor in `value` (nested dicts, lists and tuples), as text such as "cuda:0"."""
    import torch

    if isinstance(value, torch.Tensor):
        return {str(value.device)}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set().union(*map(devices, value))
    return set()


def attempt(action: Any) -> tuple[tuple[str, str] | None, Any]:
    """(None, what `action()` returns), or ((error type name, message), None) when it raises.

    Lets a probe look at an error the student's code raised (on the meta device, say) as data. An
    unfinished stub ("Task N.k: ...") still stops the test, since it is no answer to what the test asks.
    """
    try:
        return None, action()
    except NotImplementedError as error:
        if str(error).startswith("Task "):
            raise
        return ("NotImplementedError", str(error)), None
    except Exception as error:  # noqa: BLE001 - the test decides which errors are right
        return (type(error).__name__, str(error)), None
