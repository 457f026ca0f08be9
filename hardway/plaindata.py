"""Plain data: the only thing that crosses from a student's code to the grader.

The grader never unpickles anything a submission made. Results travel as JSON
holding only None, bool, int, float, str, lists, tuples, string-keyed dicts,
numeric numpy arrays and numpy scalars. Real torch tensors travel as a `TensorRecord`
(their data plus flags such as `requires_grad`). Anything else is described, not sent:
an :class:`Opaque` record carries its type name and a short repr, so a test can
say "returned an AutoDiff where a float was expected" instead of crashing.

`decode` runs in the trusted process and builds only the exact built-in types
above, so a test compares real floats, never an object whose ``__eq__`` lies.
"""

from __future__ import annotations

import base64
import json
import math
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Largest number of elements an array may have to be sent back.
MAX_ARRAY_ELEMENTS = 5_000_000
#: Deepest nesting of lists/dicts that is encoded.
MAX_DEPTH = 32
_REPR_LIMIT = 300
_NUMERIC_KINDS = "biufc"


@dataclass(frozen=True)
class Opaque:
    """A value that could not travel as plain data, described by its type and repr."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class TensorRecord:
    """A torch tensor as the grader sees it: its data (as numpy) and the facts tests check.

    The grader never holds the student's tensor, only this record, so a test can
    ask "is the result a detached leaf on the right device?" without trusting it.
    """

    data: np.ndarray
    dtype: str
    device: str
    requires_grad: bool
    is_leaf: bool
    has_grad_fn: bool


class PlainDataError(ValueError):
    """Raised by `decode` when a payload is not the plain data this module writes."""


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except BaseException as error:  # noqa: BLE001 - a broken __repr__ must not break grading
        text = f"<{type(value).__name__} whose repr raised {type(error).__name__}>"
    if not isinstance(text, str):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


def _encode_float(value: float) -> Any:
    # float.__repr__ reads the C double directly, whatever a subclass overrides.
    if math.isfinite(value):
        return value
    return {"__float__": float.__repr__(value)}


def to_plain(value: Any, _depth: int = 0) -> Any:
    """Turn a value into JSON-ready plain data (untrusted side; never raises)."""
    if _depth > MAX_DEPTH:
        return {"__opaque__": [type(value).__name__, "<nested too deeply>"]}
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**63 else {"__bigint__": str(value)}
    if kind is float:
        return _encode_float(value)
    if kind is complex:
        return {"__complex__": [_encode_float(value.real), _encode_float(value.imag)]}
    if kind is tuple:
        return {"__tuple__": [to_plain(item, _depth + 1) for item in value]}
    if kind is list:
        return [to_plain(item, _depth + 1) for item in value]
    if kind is dict and all(type(key) is str for key in value):
        return {"__dict__": {key: to_plain(item, _depth + 1) for key, item in value.items()}}
    if kind is np.ndarray and value.dtype.kind in _NUMERIC_KINDS and value.size <= MAX_ARRAY_ELEMENTS:
        data = np.ascontiguousarray(value)
        return {
            "__ndarray__": {
                "dtype": data.dtype.str,
                "shape": list(value.shape),
                "data": base64.b64encode(data.tobytes()).decode("ascii"),
            }
        }
    if isinstance(value, np.generic) and value.dtype.kind in _NUMERIC_KINDS:
        return {"__npscalar__": {"dtype": value.dtype.str, "data": base64.b64encode(value.tobytes()).decode("ascii")}}
    tensor = _tensor_to_plain(value, _depth)
    if tensor is not None:
        return tensor
    return {"__opaque__": [kind.__name__, _safe_repr(value)]}


def _tensor_to_plain(value: Any, depth: int) -> Any:
    """Encode a real torch.Tensor or Parameter (never a subclass); None if `value` is not one."""
    torch = sys.modules.get("torch")
    if torch is None or type(value) not in (torch.Tensor, torch.nn.Parameter):
        return None
    if value.is_meta:  # a shape without data: there is nothing to copy out, only a description to give
        return {"__opaque__": [type(value).__name__, _safe_repr(value)]}
    try:
        array = value.detach().cpu().numpy()
    except (TypeError, RuntimeError):  # e.g. bfloat16 has no numpy twin
        array = value.detach().cpu().double().numpy()
    return {"__tensor__": {
        "data": to_plain(array, depth + 1),
        "dtype": str(value.dtype).removeprefix("torch."),
        "device": str(value.device),
        "requires_grad": bool(value.requires_grad),
        "is_leaf": bool(value.is_leaf),
        "has_grad_fn": value.grad_fn is not None,
    }}


def dumps(value: Any) -> str:
    return json.dumps(to_plain(value), allow_nan=False, separators=(",", ":"))


_TAGS = {"__float__", "__bigint__", "__complex__", "__tuple__", "__dict__", "__ndarray__", "__npscalar__", "__opaque__",
         "__tensor__"}


def _dtype(text: Any) -> np.dtype:
    if not isinstance(text, str):
        raise PlainDataError("an array's dtype must be a string")
    dtype = np.dtype(text)
    if dtype.kind not in _NUMERIC_KINDS:
        raise PlainDataError(f"only numeric arrays may be sent, not dtype {text!r}")
    return dtype


def _from_plain(node: Any, depth: int) -> Any:
    if depth > MAX_DEPTH + 2:
        raise PlainDataError("plain data nested too deeply")
    if node is None or type(node) in (bool, int, float, str):
        return node
    if type(node) is list:
        return [_from_plain(item, depth + 1) for item in node]
    if type(node) is not dict or len(node) != 1 or next(iter(node)) not in _TAGS:
        raise PlainDataError(f"unexpected JSON object {str(node)[:80]}")
    tag, body = next(iter(node.items()))
    if tag == "__float__":
        if body not in ("nan", "inf", "-inf"):
            raise PlainDataError(f"bad special float {body!r}")
        return float(body)
    if tag == "__bigint__":
        return int(str(body))
    if tag == "__complex__":
        real, imag = (_from_plain(part, depth + 1) for part in body)
        return complex(float(real), float(imag))
    if tag == "__tuple__":
        return tuple(_from_plain(item, depth + 1) for item in body)
    if tag == "__dict__":
        return {str(key): _from_plain(item, depth + 1) for key, item in body.items()}
    if tag == "__ndarray__":
        dtype = _dtype(body["dtype"])
        shape = tuple(int(n) for n in body["shape"])
        raw = base64.b64decode(body["data"], validate=True)
        count = math.prod(shape)
        if count > MAX_ARRAY_ELEMENTS or len(raw) != count * dtype.itemsize:
            raise PlainDataError("array data does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if tag == "__npscalar__":
        dtype = _dtype(body["dtype"])
        raw = base64.b64decode(body["data"], validate=True)
        if len(raw) != dtype.itemsize:
            raise PlainDataError("numpy scalar has the wrong size")
        return np.frombuffer(raw, dtype=dtype)[0]
    if tag == "__tensor__":
        data = _from_plain(body["data"], depth + 1)
        if type(data) is not np.ndarray:
            raise PlainDataError("a tensor's data must be an array")
        flags = [body[name] for name in ("requires_grad", "is_leaf", "has_grad_fn")]
        if not all(type(flag) is bool for flag in flags):
            raise PlainDataError("a tensor's flags must be booleans")
        return TensorRecord(data, str(body["dtype"]), str(body["device"]), *flags)
    type_name, text = body
    return Opaque(str(type_name), str(text))


def from_plain(node: Any) -> Any:
    """Rebuild values from plain data (trusted side); raises PlainDataError on anything else."""
    try:
        return _from_plain(node, 0)
    except PlainDataError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise PlainDataError(f"malformed plain data: {error}") from None


def loads(text: str | bytes) -> Any:
    try:
        node = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PlainDataError(f"not valid JSON: {error}") from None
    return from_plain(node)


def round_trip(value: Any) -> Any:
    """What the grader would see of `value`: used in-process so both modes behave alike."""
    return loads(dumps(value))
