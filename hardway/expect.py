"""Assertions that teach.

Every failure says which task, what was called, what came back, what was
expected and, when the test knows the usual mistake, a hint:

    Task 1.2: `(AutoDiff(2.0) * AutoDiff(3.0, 0.0)).gradient` gave 2.0; expected 3.0.
    Hint: the product rule has two terms, u'v + uv'.

The task id comes from the running test's ``@pytest.mark.task`` marker (the
pytest plugin records it), so tests do not repeat it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import numpy as np

from hardway.plaindata import Opaque, TensorRecord
from hardway.snippets import one_line

current_task: ContextVar[str] = ContextVar("current_task", default="")


class ExpectationFailed(AssertionError):
    """A test's expectation was not met; the message is written for the student."""


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=10, threshold=12)
        return f"array({text}, dtype={value.dtype})"
    if isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray):
        return repr(float(value))
    if type(value) in (tuple, list) and len(value) <= 12:
        inner = ", ".join(_show(item) for item in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if type(value) is tuple else f"[{inner}]"
    if isinstance(value, TensorRecord):
        flags = ", requires_grad=True" if value.requires_grad else ""
        return f"tensor({np.array2string(value.data, precision=10, threshold=12)}{flags}) on {value.device}"
    if isinstance(value, Opaque):
        return f"{value.text} (a {value.type_name})"
    text = repr(value)
    return text if len(text) < 400 else text[:397] + "..."


def fail(call: str, got: Any, expected: str, hint: str = "") -> None:
    """Raise the standard teaching message."""
    __tracebackhide__ = True
    task = current_task.get()
    prefix = f"Task {task}: " if task else ""
    message = f"{prefix}`{one_line(call, limit=1000)}` gave {_show(got)}; expected {expected}."
    if hint:
        message += f"\nHint: {hint}"
    raise ExpectationFailed(message)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _numbers_close(got: Any, expected: Any, rtol: float, atol: float) -> bool:
    got_array = np.asarray(got, dtype=float)
    expected_array = np.asarray(expected, dtype=float)
    if got_array.shape != expected_array.shape:
        return False
    return bool(np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True))


def _shape_of(value: Any) -> Any:
    """The nesting structure of a value: where numbers sit, as a comparable key."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape)
    if isinstance(value, TensorRecord):
        return ("tensor", value.data.shape)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((key, _shape_of(item)) for key, item in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_shape_of(item) for item in value))
    if _is_number(value):
        return "number"
    return ("other", type(value).__name__)


def close(call: str, got: Any, expected: Any, *, hint: str = "", rtol: float = 1e-9, atol: float = 1e-12,
          strict_container: bool = False) -> None:
    """`got` equals `expected` to within tolerance, with the same structure.

    Numbers compare with ``|got - expected| <= atol + rtol * |expected|``.
    Tuples and lists must have the same length (and, with `strict_container`, the same type);
    dicts the same keys; a TensorRecord compares by its data (check its flags separately).
    """
    __tracebackhide__ = True
    want = _show(expected)
    if _shape_of(got) != _shape_of(expected):
        if not strict_container and _loose_shape(got) == _loose_shape(expected):
            pass
        elif _is_number(expected) and not _is_number(got):
            fail(call, got, f"a number, {want}", hint or "return a plain float here, not an object or a container")
        elif isinstance(expected, np.ndarray):
            fail(call, got, f"a numpy array of shape {expected.shape}, {want}", hint)
        else:
            fail(call, got, f"{want} (a {type(expected).__name__} of this structure)", hint)
    if not _numbers_close(_flatten(got), _flatten(expected), rtol, atol):
        fail(call, got, want, hint)


def _loose_shape(value: Any) -> Any:
    """Like `_shape_of`, but a list and a tuple of the same items look alike."""
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(_loose_shape(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((key, _loose_shape(item)) for key, item in value.items())))
    return _shape_of(value)


def _flatten(value: Any) -> list[float]:
    if isinstance(value, TensorRecord):
        value = value.data
    if isinstance(value, dict):
        return [number for key in sorted(value) for number in _flatten(value[key])]
    if isinstance(value, np.ndarray):
        return [float(item) for item in value.ravel()]
    if isinstance(value, (list, tuple)):
        return [number for item in value for number in _flatten(item)]
    return [float(value)]


def equal(call: str, got: Any, expected: Any, *, hint: str = "") -> None:
    """`got == expected` exactly (for booleans, strings, exception names)."""
    __tracebackhide__ = True
    if type(got) is not type(expected) or got != expected:
        fail(call, got, _show(expected), hint)


def is_float(call: str, got: Any, *, hint: str = "") -> None:
    """`got` is a real Python float (not an array, an AutoDiff or a numpy scalar)."""
    __tracebackhide__ = True
    if type(got) is not float:
        fail(call, got, "a Python float", hint or "convert the result with float(...) before returning it")


def rejects(call: str, got: Any, error_type: str, *, mentions: tuple[str, ...] = (), hint: str = "") -> None:
    """`got` (from the snippet helper ``raised(...)``) shows `error_type` whose message names why."""
    __tracebackhide__ = True
    if got is None:
        fail(call, "no error", f"a {error_type}", hint)
    name, message = got
    if name != error_type:
        fail(call, f"{name}: {message}", f"a {error_type}", hint)
    if not message.strip():
        fail(call, f"{name} with an empty message", f"a {error_type} whose message says what went wrong", hint)
    lowered = message.lower()
    if mentions and not any(word.lower() in lowered for word in mentions):
        options = " or ".join(repr(word) for word in mentions)
        fail(call, f"{name}: {message}", f"a message that says why (mentioning {options})", hint)


__all__ = ["ExpectationFailed", "close", "current_task", "equal", "fail", "is_float", "rejects"]
