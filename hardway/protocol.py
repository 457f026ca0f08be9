"""The wire between the grader and the sandbox: one JSON object per line, each way.

Both sides import this module, so the message shapes are written once. The
grader's side treats every reply as hostile: `decode_reply` accepts only a
JSON object of bounded size, depth and number length, in UTF-8, and raises
`ProtocolError` for anything else, which the grader turns into a 0 for the
affected test, never into a grader error.

Messages:

* worker -> grader, once: ``{"ready": true, "refused": str|null, "import_error": {...}|null, "output": str}``
* grader -> worker: ``{"id": int, "source": str, "inputs": plain data}``
* worker -> grader: ``{"id": int, "ok": bool, "value": plain data, "error": {...}, "output": str, "seconds": float}``
"""

from __future__ import annotations

import json
from typing import Any

#: Longest integer literal (in digits) a reply may hold; plaindata sends big ints as strings anyway.
MAX_INT_DIGITS = 40


class ProtocolError(ValueError):
    """A reply that is not a well-formed message; the submission's fault, never the grader's."""


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ProtocolError(f"an integer with {len(text)} digits")
    return int(text)


def _no_constants(text: str) -> Any:
    raise ProtocolError(f"the non-standard JSON constant {text}")


def decode_reply(raw: bytes) -> dict[str, Any]:
    """The message in `raw`, or ProtocolError saying what was wrong with it."""
    try:
        message = json.loads(raw.decode("utf-8"), parse_int=_bounded_int, parse_constant=_no_constants)
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError("a reply nested too deeply") from None
    except (ValueError, UnicodeDecodeError, MemoryError) as error:
        raise ProtocolError(f"a reply that is not valid JSON ({type(error).__name__})") from None
    if type(message) is not dict:
        raise ProtocolError(f"a reply that is a JSON {type(message).__name__}, not an object")
    if "output" in message and type(message["output"]) is not str:
        raise ProtocolError("a reply whose output is not text")
    return message


def error_details(error: Any) -> tuple[str, str, str]:
    """(type, message, traceback) of an error a reply describes, each coerced to text."""
    if type(error) is not dict:
        error = {}
    return (str(error.get("type", "Error"))[:200], str(error.get("message", ""))[:4000],
            str(error.get("traceback", ""))[:6000])
