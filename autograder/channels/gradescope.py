"""A Gradescope autograder bundle: the kit plus `setup.sh` and `run_autograder`.

Gradescope unzips the bundle into ``/autograder/source``, runs ``setup.sh``
once when it builds the image, then ``run_autograder`` for every submission,
which it places in ``/autograder/submission`` and whose results it reads from
``/autograder/results/results.json``. `run_autograder` honours
``AUTOGRADER_ROOT`` (default ``/autograder``) and ``PYTHON`` so the same script
runs locally, without root, in the kit's tests.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from autograder import paths

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
# Fail at once, before any download, on a Python the kit does not support.
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hardway needs Python 3.11 or newer, but this image has " + sys.version.split()[0] + ": choose a base image with Python 3.11 or newer in the assignment settings")'
# CPU-only torch (about 200 MB) rather than the default CUDA build (several GB): grading never uses a GPU.
python3 -m pip install --quiet --extra-index-url https://download.pytorch.org/whl/cpu -e .
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it must leave results/results.json behind.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${PYTHON:-python3}"
cd "$ROOT/source"
mkdir -p "$ROOT/results"
"$PYTHON" -m autograder grade "$ROOT/submission" --out "$ROOT/results" {grade_options}
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  # The grader itself failed: say so in Gradescope's format rather than leaving nothing.
  printf '{"score": 0, "output": "The autograder failed (exit %s) before writing results. This is not a grade of your work: please tell your instructor.", "tests": []}\\n' "$status" > "$ROOT/results/results.json"
fi
exit 0
"""

#: The parts of the kit the bundle carries (tests of the kit itself stay behind).
BUNDLED = ("pyproject.toml", "README.md", "hardway", "autograder", "solutions", "exercises")


def bundle_files() -> list[Path]:
    files: list[Path] = []
    for name in BUNDLED:
        path = paths.KIT_ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [c for c in candidates if c.is_file() and "__pycache__" not in c.parts and c.suffix != ".pyc"]
    return files


def build_bundle(target: Path, *, allow_process_isolation: bool = False) -> Path:
    """Write the Gradescope zip to `target` and return it.

    `allow_process_isolation` bakes `--allow-process-isolation` into
    `run_autograder`, for an image where the namespace jail cannot be made.
    """
    options = "--allow-process-isolation" if allow_process_isolation else ""
    run_autograder = RUN_AUTOGRADER.replace("{grade_options}", options).replace(" \n", "\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in bundle_files():
            bundle.write(path, path.relative_to(paths.KIT_ROOT).as_posix())
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", run_autograder)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope expects
            bundle.writestr(info, text)
    return target
