"""No answers in what students receive: no solution region's logic appears in a public file.

Students receive the skeletons and public tests in exercises/, the nbgrader
release (release/: notebooks and tests) and the starter repository that
`autograder release-template` builds. A public test that compares with a second
implementation of a graded task hands out the answer; so does a skeleton or a
notebook that keeps a solution's lines. This test looks, in every one of those
files, for any two consecutive non-trivial lines, or any one long line, of any
solution region of the five exercises. Both sides are normalised first: no
comments or spaces, numbers written one way (2 and 2.0 alike), and every plain
variable name replaced by ``_``, keeping the names of functions called and of
attributes (so ``np.exp(-(rows - y) ** 2)`` and ``torch.exp(-(i - py) ** 2)``
read the same). Lines that the solution file also has outside its regions
(given code) do not count on their own. A scan of text cannot prove that no
file re-derives an answer in other words; it keeps the copies out, and the
review of each public test does the rest.
"""

from __future__ import annotations

import builtins
import io
import json
import keyword
import re
import tokenize
from pathlib import Path

import pytest

from autograder import paths
from autograder.authoring.stubgen import find_regions
from autograder.channels.student_repo import release_template
from hardway.catalogue import TOPICS

#: Normalised lines shorter than this are too common to be an answer (`break`, `return_`, `_+=1`).
SHORTEST = 16
#: A normalised line this long is distinctive on its own.
LONG = 40
NAMES_KEPT = set(dir(builtins))


def normalise(line: str) -> str:
    """A line as a sequence of tokens: no comment or whitespace, plain variable names as `_`, numbers as floats."""
    code = line.strip()
    if not code or code.startswith("#"):
        return ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code + "\n").readline))
    except (tokenize.TokenError, SyntaxError):  # a line cut out of a bracket or a string: compare it as text
        return re.sub(r"\s+", "", code)
    kept = []
    for index, token in enumerate(tokens):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                          tokenize.ENDMARKER):
            continue
        text = token.string
        if token.type == tokenize.NAME and not keyword.iskeyword(text) and text not in NAMES_KEPT:
            after_dot = index > 0 and tokens[index - 1].string == "."
            called = index + 1 < len(tokens) and tokens[index + 1].string == "("
            text = text if after_dot or called else "_"
        elif token.type == tokenize.NUMBER:
            try:
                text = repr(float(text))
            except ValueError:  # a complex or oddly written number: keep it as it is
                pass
        kept.append(text)
    return "".join(kept)


def pieces(lines: list[str]) -> set[tuple[str, ...]]:
    """Consecutive pairs of non-trivial normalised lines (trivial ones are skipped, not breaks), and long lines."""
    kept = [line for line in map(normalise, lines) if len(line) >= SHORTEST]
    return set(zip(kept, kept[1:], strict=False)) | {(line,) for line in kept if len(line) >= LONG}


def solution_pieces() -> list[tuple[str, str, tuple[str, ...]]]:
    """(topic, function, piece) for every piece of a solution region that is not all given code."""
    found = []
    for topic in TOPICS:
        source = (paths.SOLUTIONS_DIR / topic.filename).read_text(encoding="utf-8")
        lines = source.splitlines()
        regions = find_regions(source)
        inside = {number for region in regions for number in range(region.begin, region.end - 1)}
        given = {normalise(line) for number, line in enumerate(lines) if number not in inside}
        for region in regions:
            for piece in sorted(pieces(lines[region.begin:region.end - 1])):
                if not set(piece) <= given:
                    found.append((topic.module, region.qualname, piece))
    return found


def notebook_lines(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines: list[str] = []
    for cell in cells:
        source = cell["source"]
        lines += ("".join(source) if isinstance(source, list) else source).splitlines()
    return lines


def student_files(template: Path) -> dict[str, list[str]]:
    """Every text file a student receives, by a name that says where it comes from, as lines."""
    files = sorted(paths.EXERCISES_DIR.glob("*.py")) + sorted(paths.PUBLIC_TESTS_DIR.glob("*.py"))
    files += sorted((paths.KIT_ROOT / "release").glob("*/*.py"))
    files += sorted(path for path in template.rglob("*") if path.is_file() and path.suffix in (".py", ".md", ".yml"))
    texts = {str(path.relative_to(paths.KIT_ROOT if paths.KIT_ROOT in path.parents else template)):
             path.read_text(encoding="utf-8").splitlines() for path in files}
    for notebook in sorted((paths.KIT_ROOT / "release").glob("*/*.ipynb")):
        texts[str(notebook.relative_to(paths.KIT_ROOT))] = notebook_lines(notebook)
    return texts


@pytest.fixture(scope="module")
def received(tmp_path_factory) -> dict[str, set[tuple[str, ...]]]:
    template = tmp_path_factory.mktemp("template") / "starter"
    release_template(template)
    return {name: pieces(lines) for name, lines in student_files(template).items()}


def test_the_scan_finds_a_copied_answer_in_other_words():
    solution = ["residual = np.sin(omega * x + t) - y  # the model's error", "return 0.5 * np.mean(residual ** 2)"]
    renamed = ["r = np.sin(w*xs + phase) - ys", "return 0.5*np.mean(r**2)  # half the mean square"]
    assert pieces(solution) and pieces(solution) <= pieces(renamed)
    formula = ["return torch.exp(-((rows - y) ** 2 + (columns - x) ** 2) / (2 * sigma**2))"]
    assert pieces(formula) <= pieces(["return np.exp(-((i - py) ** 2 + (j - px) ** 2) / (2.0 * s ** 2))"])
    assert not pieces(["steps += 1", "break"])


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.module)
def test_no_solution_logic_in_a_file_a_student_receives(received, topic):
    leaks = []
    for module, function, piece in solution_pieces():
        if module != topic.module:
            continue
        for name, found in received.items():
            if piece in found:
                leaks.append(f"{name} holds {'a line' if len(piece) == 1 else 'two lines'} of {module}.{function}, "
                             "normalised:\n" + "\n".join(f"    {line}" for line in piece))
    assert not leaks, "answers in public files (compare with recorded values, built-ins or properties instead):\n" + \
        "\n".join(leaks)
