"""Exercise 1 must be built by hand: the static policy turns away autodiff libraries."""

import pytest

from hardway.catalogue import topic_by_module
from hardway.policy import PolicyError, check_source, find_violations

EX01 = topic_by_module("ex01_forward_autodiff")


@pytest.mark.parametrize("source", [
    "import torch",
    "import torch.nn as nn",
    "from jax import grad",
    "import autograd.numpy as anp",
    "from sympy import diff",
    "m = __import__('torch')",
    "import importlib\nm = importlib.import_module('jax')",
    "exec('import torch')",
    "f = eval('lambda x: x')",
    "import sys\nt = sys.modules['torch']",
    "import builtins\nbuiltins.__dict__['__import__']('torch')",
])
def test_ways_of_reaching_an_autodiff_library_are_refused(source):
    assert find_violations(source, EX01), source
    with pytest.raises(PolicyError, match="building automatic differentiation by hand"):
        check_source(source.encode(), EX01, "ex01_forward_autodiff.py")


def test_plain_python_math_and_numpy_are_welcome():
    source = "import math\nimport numpy as np\nfrom typing import Any\n'''Like torch.func.jvp.'''\n"
    assert find_violations(source, EX01) == []


def test_the_message_names_the_line_and_what_to_do():
    with pytest.raises(PolicyError) as caught:
        check_source(b"x = 1\nimport torch\n", EX01, "ex01_forward_autodiff.py")
    assert "line 2: import torch" in str(caught.value)
    assert "use only Python, math and numpy" in str(caught.value)


@pytest.mark.parametrize("coding", ["utf-7", "latin-1", "cp1252"])
def test_a_coding_other_than_utf8_is_refused_because_python_would_read_other_code(coding):
    # In UTF-7, "+AGU-" is "e": the policy reading UTF-8 would see no `exec` while Python runs one.
    source = f"# coding: {coding}\n+AGU-xec('import torch')\n".encode("ascii")
    with pytest.raises(PolicyError, match="declares the coding .*Save it as UTF-8"):
        check_source(source, EX01, "ex01_forward_autodiff.py")


@pytest.mark.parametrize("source", [b"x = 1\ny = '\xff'\n", b"\xff\xfe = 1\n"])
def test_bytes_that_are_not_utf8_are_refused(source):
    with pytest.raises(PolicyError, match="not run: .*Save the file as UTF-8"):
        check_source(source, EX01, "ex01_forward_autodiff.py")


def test_source_too_deep_for_the_parser_is_the_submission_s_error():
    with pytest.raises(PolicyError, match="nested too deeply"):
        check_source(b"x = " + b"-" * 100_000 + b"1\n", EX01, "ex01_forward_autodiff.py")
