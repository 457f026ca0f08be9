"""Every exercise has a "Try it": run as a script, each reference solution draws its picture.

Headless (MPLBACKEND=Agg), ``python solutions/exNN_*.py --save PATH`` writes a
PNG; with no --save it saves ``tryit_exNN.png`` in the current folder and says
where. The same block is the notebook's "Try it" cell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder import paths
from hardway.catalogue import TOPICS

PNG = b"\x89PNG\r\n\x1a\n"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.filename[:4])
def test_the_try_it_block_saves_a_picture(topic, tmp_path):
    picture = tmp_path / "picture.png"
    done = _run([str(paths.SOLUTIONS_DIR / topic.filename), "--save", str(picture)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert picture.read_bytes().startswith(PNG)
    assert str(picture) in done.stdout, "it says where the picture went"


def test_with_no_display_and_no_save_it_saves_beside_you_and_says_where(tmp_path):
    done = _run([str(paths.SOLUTIONS_DIR / TOPICS[0].filename)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tryit_ex01.png").read_bytes().startswith(PNG)
    assert str(tmp_path / "tryit_ex01.png") in done.stdout


def test_the_rosenbrock_picture_shows_the_minimum_and_labels_its_colourbar(tmp_path):
    script = textwrap.dedent(f"""
        import json, runpy, sys
        import matplotlib.pyplot as plt
        sys.argv = ["ex02", "--save", {str(tmp_path / "ex02.png")!r}]
        runpy.run_path({str(paths.SOLUTIONS_DIR / TOPICS[1].filename)!r}, run_name="__main__")
        figure = plt.gcf()
        print(json.dumps({{"xlim": figure.axes[0].get_xlim(), "ylim": figure.axes[0].get_ylim(),
                           "labels": [axes.get_ylabel() for axes in figure.axes[1:]]}}))
    """)
    done = _run(["-c", script], tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["xlim"][0] < 1.0 < shown["xlim"][1] and shown["ylim"][0] < 1.0 < shown["ylim"][1], shown
    assert shown["labels"] and all("log" in label for label in shown["labels"]), "the colourbar says what it shows"
