"""hardway: the public half of the kit, shipped to students with the exercises.

It holds what a student's `pytest` needs (the catalogue of tasks, the pytest
plugin, the helpers that write teaching failure messages) and what the grading
sandbox runs (the worker and the plain-data codec). Nothing here is secret.

It needs Python 3.11 or newer (its failure reports use exception notes, new in
3.11); on an older Python it stops here, at once, with a message that says so,
instead of failing every test with an obscure AttributeError later.
"""

import sys as _sys

#: The oldest Python the exercises, their tests and the grader support.
MINIMUM_PYTHON = (3, 11)

if tuple(_sys.version_info[:2]) < MINIMUM_PYTHON:
    raise RuntimeError(
        f"hardway needs Python {MINIMUM_PYTHON[0]}.{MINIMUM_PYTHON[1]} or newer, but this is Python "
        f"{_sys.version_info[0]}.{_sys.version_info[1]} ({_sys.executable}). Install a newer Python "
        f"(python.org, your package manager, or `uv python install 3.12`), then make the virtual environment "
        f"again with it: python3.12 -m venv .venv"
    )
