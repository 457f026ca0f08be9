"""Exercise 3's shared test pieces: the hints for the typical mistakes, torch's well-known errors and their fixes.

The public tests (exercises/tests/test_ex03_autograd_loops.py) and the hidden
ones import these, so a torch error gets the same hint on a student's machine
and in the grade. Nothing here runs an autograd loop: the hints name mistakes
and the messages of torch's errors, never the numbers a loop should give.
"""

from __future__ import annotations

from typing import Any, Sequence

from hardway import expect
from hardway.submission import StudentCodeRaised, SubmissionError

# -- what each typical mistake is called, and what to tell the student -------------------------------------

#: The hint for each typical mistake, by the name the tests give it.
MISTAKE_HINTS = {
    "keeps gradients": ("the gradient was never zeroed: backward() adds into .grad, so every step followed the sum "
                        "of all the gradients so far. Zero it after each update (x.grad.zero_() or x.grad = None)"),
    "ascends": "the loss went up: step against the gradient, x -= lr * x.grad (a minus sign, not a plus)",
    "ignores grad_tol": "the loop never stopped early: stop as soon as the gradient norm falls below grad_tol",
    "checks after": ("check the gradient norm right after backward() and BEFORE the update, and stop without "
                     "updating; `steps` counts updates and `history` has one loss per call of f"),
    "broadcast": ("the predictions have shape (n, 1) and y has shape (n,): their difference broadcasts to an (n, n) "
                  "matrix. Reshape y to (n, 1) (or flatten the predictions) before subtracting"),
    "sum": "the loss is the MEAN of the squared errors, not their sum",
    "no half": "the loss has a factor 1/2 in front: 1/2 * mean((sin(omega x + t) - y)^2), as in exercise 2",
    "mean": "the loss here is the SUM of the squared differences over all pixels, not their mean",
    "precision": ("close, but not equal to rounding error: compute in float64, creating the parameters with the "
                  "data's dtype (**tensor_options(x)); float32 keeps only about 7 digits"),
    "swapped": ("pos is (x, y): x is the column index j and y the row index i, "
                "image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2))"),
    "never moves": ("nothing moved: was the gradient zeroed between backward() and the update? Then every update "
                    "subtracts lr * 0. Zero it after the update (or before backward())"),
    "wrong side": ("that is J v, the vector on the wrong side: backward(gradient=v) leaves v^T J in x.grad, "
                   "x.grad[j] = sum_i v[i] * dy_i/dx_j (the vector multiplies J from the left)"),
    "transposed": "that is J transposed: row i of J is e_i^T J, the leaf's .grad after backward(gradient=e_i)",
    "rows summed": ("row i came out as rows 0 to i summed: backward() ADDS into .grad, so clear the leaf's gradient "
                    "before each row (leaf.grad = None, or leaf.grad.zero_())"),
    "rows shared": ("every row is the last one: the rows you kept are one .grad tensor, changed in place by each "
                    "pass; keep a copy of each row (.clone()), or set leaf.grad = None before each pass"),
    "callers x": ("the caller's x changed: make a fresh leaf copy (x.detach().clone().requires_grad_(True)) and "
                  "differentiate that, so x gains neither requires_grad nor a .grad"),
    "no graph": ("y came back without a graph, so y.backward() cannot reach a: did the loop run under "
                 "torch.no_grad(), or through .item() or .detach()? Compute y from a with ordinary tensor "
                 "operations, outside no_grad, where a gradient is needed"),
    "copied start": ("start from y = a itself, so that dy_0/da = 1: a copy of its value (a.item(), a.detach()) "
                     "starts the derivative at 0"),
    "shared memory": ("the caller's array changed: torch.from_numpy shares the array's memory, so an in-place "
                      "change (-=, /=) of that tensor changes the array too. Compute out of place, "
                      "(t - t.mean()) / ..., or copy"),
    "float32": ("models compute in float32 (nn.Linear's weights, GPUs): float64 data meeting them fails with 'mat1 "
                "and mat2 must have the same dtype'. Convert with .float() or .to(dtype=torch.float32)"),
    "unbiased std": "std divides by n here (numpy's array.std(), torch's t.std(correction=0)), not by n - 1",
}

FLOAT_HINT = "return plain Python floats: call .item() on a one-element tensor (a tensor is not a float)"

# -- torch's well-known errors ---------------------------------------------------------------------------

DTYPE_HINT = "create every new tensor with the inputs' dtype (**tensor_options(x), or dtype=x.dtype)"

#: Fragments of torch's error messages, and the fix each one calls for; the first fragment found names the fix.
KNOWN_ERRORS: tuple[tuple[str, str], ...] = (
    ("leaf Variable that requires grad is being used in an in-place operation",
     "an in-place update of a leaf that requires grad must run inside `with torch.no_grad():`"),
    ("does not require grad and does not have a grad_fn",
     "backward() found no tensor with requires_grad=True behind the result: create the leaves with "
     "requires_grad=True (and compute outside torch.no_grad())"),
    ("NoneType",
     "if that None was a .grad: only leaf tensors created with requires_grad=True get one, a parameter read through "
     ".data or .detach() inside the loss is cut out of the graph (its .grad stays None), and an update outside "
     "torch.no_grad() turns x into a non-leaf whose .grad stays None"),
    ("backward through the graph a second time",
     "was the loss computed once, before the loop? Compute a fresh loss from the current parameters in every step "
     "before calling backward() again (to walk one graph twice on purpose, as for the rows of a Jacobian, pass "
     "retain_graph=True to backward())"),
    ("modified by an inplace operation",
     "an in-place operation (-=, +=, mul_, ...) changed a tensor that autograd saved to compute the gradient: "
     "write the out-of-place form (d = d - image) inside the loss, and keep in-place updates for the parameters, "
     "under torch.no_grad()"),
    ("grad can be implicitly created only for scalar outputs",
     "backward() needs a scalar: reduce the loss to one number (.mean() or .sum()) first"),
    ("Can't call numpy() on Tensor that requires grad",
     "numpy knows nothing of autograd: detach the tensor first, then copy it to the CPU, then call .numpy()"),
    ("same device", "create every new tensor on the device of the inputs (**tensor_options(x), or device=x.device)"),
    ("dtype", DTYPE_HINT),
    ("scalar type", DTYPE_HINT),
)


def error_hint(message: str, known: Sequence[tuple[str, str]] = KNOWN_ERRORS) -> str | None:
    """The fix for the first fragment of `known` that `message` holds; None when no fix is known."""
    for fragment, hint in known:
        if fragment in message:
            return hint
    return None


def call(submission: Any, shown: str, expression: str, setup: str = "",
         known: Sequence[tuple[str, str]] = KNOWN_ERRORS, **inputs: Any) -> Any:
    """The value of `expression` after `setup`, run against the student's module.

    A torch error whose cause is well known (`known`) fails the test with the fix as its hint; any other
    error (and an unfinished stub) propagates unchanged, so the student still sees their traceback.
    """
    __tracebackhide__ = True
    try:
        return submission.run(f"{setup}\n{expression}", **inputs)
    except Exception as error:
        if isinstance(error, StudentCodeRaised):
            name, message = error.type_name, error.message
        elif isinstance(error, (SubmissionError, NotImplementedError)):
            raise
        else:  # the student's own exception, when the tests import their module directly
            name, message = type(error).__name__, str(error)
        hint = error_hint(message, known)
        if hint is None or name == "NotImplementedError":
            raise  # no known fix: the traceback says more
        expect.fail(shown, f"{name}: {message[:300]}", "a result, not an error", hint)


# -- checks of what came back, and of what a descent loop hands the function it minimises --------------------


def floats(call_text: str, got: Any, count: int, hint: str = FLOAT_HINT) -> None:
    """`got` is a tuple/list of `count` Python floats."""
    __tracebackhide__ = True
    if not isinstance(got, (tuple, list)) or len(got) != count:
        expect.fail(call_text, got, f"a tuple of {count} Python floats", hint)
    for item in got:
        expect.is_float(call_text, item, hint=hint)


def descent_result(call_text: str, got: Any) -> tuple[Any, int, list[float]]:
    """`got` split into (x, steps, history), once it has that shape and those types."""
    __tracebackhide__ = True
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        expect.fail(call_text, got, "a tuple (x, steps, history)")
    x_got, steps_got, history_got = got
    if type(steps_got) is not int:
        expect.fail(call_text, steps_got, "`steps` as a Python int", "count the updates in a plain int")
    if not isinstance(history_got, list):
        expect.fail(call_text, history_got, "`history` as a list of Python floats")
    for loss in history_got:
        expect.is_float(f"the losses in the history of {call_text}", loss,
                        hint="append loss.item() to history, not the loss tensor itself")
    return x_got, steps_got, history_got


def check_f_got_leaves(shown: str, seen: list[tuple[bool, bool, bool]]) -> None:
    """Each call of f received a leaf that requires grad: `seen` holds (is_leaf, grad_fn is None, requires_grad)."""
    __tracebackhide__ = True
    for number, (is_leaf, no_grad_fn, requires_grad) in enumerate(seen, start=1):
        if not (is_leaf and no_grad_fn):
            expect.fail(f"call {number} of f in {shown}", "an x that is not a leaf (it has a grad_fn)",
                        "a leaf tensor every time",
                        "x is not a leaf: the update ran outside torch.no_grad(), so x became the output of a graph "
                        "that grows with every step. Update in place inside `with torch.no_grad():`")
        if not requires_grad:
            expect.fail(f"call {number} of f in {shown}", "an x with requires_grad=False", "an x that requires grad",
                        "make x a leaf with requires_grad=True before the loop")
