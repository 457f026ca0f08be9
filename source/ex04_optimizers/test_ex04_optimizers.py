"""Public tests for exercise 4: training with torch.optim.

Run them with ``pytest exercises/tests/test_ex04_optimizers.py`` (add ``-x`` to
stop at the first failure, ``--pdb`` to debug it). Each test names its task.
Expected values are worked out by hand, come from torch itself (the rules you
write by hand must step exactly like ``torch.optim.SGD`` and ``torch.optim.Adam``,
which this file runs on the same numbers), from closed forms such as least
squares, or were recorded from the reference solution for these very cases:
the ``RECORDED`` block at the end of this file, written by the instructors'
``autograder record-expectations``. Some tests run your code on torch's "meta"
device, where tensors have a shape, a dtype and a device but no values: code
that creates a tensor or a model on a device of its own choosing fails there,
as it would on a GPU. The grader runs these tests too, plus hidden ones with
random data, learning rates and seeds, so make your code right in general.
"""

import math
from typing import Any

import numpy as np
import pytest
import torch

from hardway import expect
from hardway.testkit import attempt, devices
from hardway.testkit_ex04 import ITEM_HINT, STEP_COUNTER, check_losses

#: Every snippet starts with these imports, so it never relies on names your module happens to import.
IMPORTS = "import torch\nfrom torch import nn\n"
#: A small network, built from a seed.
NET = ("torch.manual_seed(seed)\n"
       "model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1), nn.Flatten(0, 1)).double()\n")
DROPOUT_NET = ("torch.manual_seed(seed)\n"
               "model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1), "
               "nn.Flatten(0, 1)).double()\n")
DATA = "x = torch.tensor(xs)\ny = torch.tensor(ys)\n"
PARAMETERS = "[p.detach().numpy() for p in model.parameters()]"

_data = np.random.default_rng(2024)
XS = _data.normal(size=(20, 3))
YS = np.sin(XS @ np.array([1.0, -0.5, 0.25])) + 0.1 * _data.normal(size=20)

#: The fixed cases whose answers were recorded from the reference solution: name -> (snippet, inputs).
CASES: dict[str, tuple[str, dict[str, Any]]] = {}

SAME_START_HINT = ("every optimizer should start from the same initial weights: call torch.manual_seed(seed) "
                   "right before make_model(), inside the loop over names")


def shown(case: str) -> str:
    """A recorded case's snippet, as the failure message shows the call."""
    return CASES[case][0].removeprefix(IMPORTS)


def run_case(submission: Any, case: str) -> Any:
    snippet, inputs = CASES[case]
    return submission.run(snippet, **inputs)


#: What torch says when code reads numbers from a tensor on the meta device, which has none.
META_READS = ("cannot be called on meta tensors", "Cannot copy out of meta tensor", "meta device type tensor")
DEVICE_HINT = ("create every new tensor and model on the device (and with the dtype) of the tensors you are "
               "given: x.device and x.dtype, or the parameter's (torch.zeros_like(p), .to(dtype=x.dtype, "
               "device=x.device)); a tensor made without device= lives on the CPU")


# -- Task 4.1: optimizers by name ----------------------------------------------------------


@pytest.mark.task("4.1", points=2)
def test_make_optimizer_builds_each_kind(submission):
    kinds = [("sgd", 0.1, "SGD", 0.0), ("momentum", 0.2, "SGD", 0.9), ("adam", 0.003, "Adam", None)]
    for name, lr, class_name, momentum in kinds:
        call = (f"w = torch.zeros(3, requires_grad=True)\noptimizer = make_optimizer({name!r}, [w], {lr})\n"
                "type(optimizer).__name__, optimizer.defaults['lr'], optimizer.defaults.get('momentum')")
        class_got, lr_got, momentum_got = submission.run(IMPORTS + call)
        expect.equal(call, class_got, class_name,
                     hint="'sgd' and 'momentum' are torch.optim.SGD; 'adam' is torch.optim.Adam")
        expect.close(call, lr_got, lr, hint="pass the learning rate on as lr=lr")
        if momentum is not None:
            expect.close(call, momentum_got, momentum,
                         hint="'momentum' means SGD with momentum=0.9 (unless the caller gives another value); "
                              "'sgd' has none")


@pytest.mark.task("4.1")
def test_make_optimizer_passes_options_through(submission):
    call = ("w = torch.zeros(2, requires_grad=True)\n"
            "a = make_optimizer('momentum', [w], 0.1, momentum=0.5)\n"
            "b = make_optimizer('adam', [w], 0.1, betas=(0.8, 0.9))\n"
            "c = make_optimizer('sgd', [w], 0.1, weight_decay=0.01)\n"
            "a.defaults['momentum'], list(b.defaults['betas']), c.defaults['weight_decay']")
    expect.close(call, submission.run(IMPORTS + call), (0.5, [0.8, 0.9], 0.01),
                 hint="hand every extra keyword to the optimizer (**kwargs); a momentum the caller gives wins over 0.9")


@pytest.mark.task("4.1")
def test_momentum_speeds_up_a_steady_slope(submission):
    call = ("w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)\n"
            "optimizer = make_optimizer('momentum', [w], 0.1)\npath = []\n"
            "for _ in range(2):\n"
            "    w.grad = torch.tensor([3.0], dtype=torch.float64)\n    optimizer.step()\n"
            "    path.append(w.item())\npath")
    # The gradient is always 3: buffers 3 then 0.9 * 3 + 3 = 5.7, so w = 1 - 0.3 = 0.7, then 0.7 - 0.57.
    expect.close(call, submission.run(IMPORTS + call), [0.7, 0.13],
                 hint="the second step should be 1.9 times the first: 'momentum' is SGD with momentum=0.9, "
                      "so was momentum applied at all?")


@pytest.mark.task("4.1")
def test_unknown_optimizer_name_is_rejected(submission):
    call = "raised(lambda: make_optimizer('rmsprop', [torch.zeros(1, requires_grad=True)], 0.1))"
    got = submission.run(IMPORTS + call)
    for valid in ("sgd", "momentum", "adam"):
        expect.rejects(call, got, "ValueError", mentions=(valid,),
                       hint="raise ValueError for a name you do not know, and list the valid ones in the message")


# -- Task 4.2: the training loop and evaluation ----------------------------------------------


CASES["train with momentum"] = (
    IMPORTS + NET + DATA + "optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)\n"
    f"losses = train(model, x, y, optimizer, epochs=8)\nlosses, {PARAMETERS}", {"seed": 0, "xs": XS, "ys": YS})


@pytest.mark.task("4.2", points=3)
def test_train_matches_the_recorded_run(submission):
    call = shown("train with momentum")
    got = run_case(submission, "train with momentum")
    expected_losses, expected_parameters = RECORDED["train with momentum"]
    losses = got[0] if isinstance(got, tuple) else got
    check_losses(call, losses, expected_losses)
    expect.close(call, got[1], expected_parameters, rtol=1e-9, atol=1e-12,
                 hint="after training, the parameters should be where the same loop leaves them")


CASES["train with L1 and Adam"] = (
    IMPORTS + NET + DATA + "optimizer = torch.optim.Adam(model.parameters(), lr=0.01)\n"
    "train(model, x, y, optimizer, loss_fn=nn.L1Loss(), epochs=5)", {"seed": 1, "xs": XS, "ys": YS})


@pytest.mark.task("4.2")
def test_train_uses_the_loss_function_it_is_given(submission):
    check_losses(shown("train with L1 and Adam"), run_case(submission, "train with L1 and Adam"),
                 RECORDED["train with L1 and Adam"])


@pytest.mark.task("4.2")
def test_train_returns_one_python_float_per_epoch(submission):
    call = NET + DATA + "train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.1), epochs=4)"
    got = submission.run(IMPORTS + call, seed=2, xs=XS, ys=YS)
    if not isinstance(got, list) or len(got) != 4:
        expect.fail(call, got, "a list of 4 losses, one per epoch")
    for value in got:
        expect.is_float(call, value, hint=ITEM_HINT)


CASES["train at lr 0"] = (
    IMPORTS + NET + DATA + "losses = train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.0), epochs=3)\n"
    "losses, [None if p.grad is None else p.grad.numpy() for p in model.parameters()]",
    {"seed": 3, "xs": XS, "ys": YS})


@pytest.mark.task("4.2")
def test_gradients_do_not_pile_up_across_epochs(submission):
    # With lr = 0 the model never moves, so every epoch computes the same loss and the same gradient.
    call = shown("train at lr 0")
    losses, got = run_case(submission, "train at lr 0")
    expected_losses, one_epoch = RECORDED["train at lr 0"]
    if isinstance(got, list) and len(got) == len(one_epoch):
        got = [expected if grad is None else grad for grad, expected in zip(got, one_epoch, strict=False)]
    expect.close(call, got, one_epoch, rtol=1e-9, atol=1e-12,
                 hint="after 3 epochs .grad holds 3 epochs' gradients added up: "
                      "call optimizer.zero_grad() every epoch, before backward()")
    # Clean gradients count only from a loop that trains: 3 epochs, 3 equal losses.
    check_losses(call, losses, expected_losses)


@pytest.mark.task("4.2")
def test_train_switches_the_model_to_training_mode(submission):
    call = (DROPOUT_NET + DATA + "model.eval()\n"
            "train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.01), epochs=1)\nmodel.training")
    expect.equal(call, submission.run(IMPORTS + call, seed=4, xs=XS, ys=YS), True,
                 hint="call model.train() in the loop: the model may arrive in eval mode (after evaluate, say)")


CASES["evaluate in train mode"] = (
    IMPORTS + DROPOUT_NET + DATA + "model.train()\n[evaluate(model, x, y), evaluate(model, x, y)]",
    {"seed": 5, "xs": XS, "ys": YS})


@pytest.mark.task("4.2", points=2)
def test_evaluate_switches_dropout_off(submission):
    call = shown("evaluate in train mode")
    got = run_case(submission, "evaluate in train mode")
    if isinstance(got, list):
        for value in got:
            expect.is_float(call, value, hint=ITEM_HINT)
    expect.close(call, got, RECORDED["evaluate in train mode"], rtol=1e-9, atol=1e-12,
                 hint="call model.eval() before the forward pass: in train mode dropout zeroes random units, "
                      "so the loss changes from call to call")


CASES["evaluate from either mode"] = (
    IMPORTS + DROPOUT_NET + DATA
    + "model.train()\nin_train_mode = evaluate(model, x, y)\nafter_train = model.training\n"
    "model.eval()\nin_eval_mode = evaluate(model, x, y)\n"
    "(after_train, model.training), [in_train_mode, in_eval_mode]", {"seed": 6, "xs": XS, "ys": YS})


@pytest.mark.task("4.2")
def test_evaluate_puts_the_mode_back(submission):
    call = shown("evaluate from either mode")
    modes, losses = run_case(submission, "evaluate from either mode")
    expect.equal(call, modes, (True, False),
                 hint="note model.training before switching to eval mode, and afterwards put it back with "
                      "model.train(was_training)")
    # Putting the mode back counts only when evaluating works: the loss without dropout, from either mode.
    expect.close(call, losses, RECORDED["evaluate from either mode"][1], rtol=1e-9, atol=1e-12,
                 hint="evaluate returns the loss (a float) with dropout switched off")


@pytest.mark.task("4.2")
def test_evaluate_does_not_track_gradients(submission):
    call = (NET + DATA + "seen = []\n"
            "def spying_loss(prediction, target):\n"
            "    seen.append(prediction.requires_grad)\n"
            "    return nn.functional.mse_loss(prediction, target)\n"
            "evaluate(model, x, y, loss_fn=spying_loss)\nseen")
    expect.equal(call, submission.run(IMPORTS + call, seed=7, xs=XS, ys=YS), [False],
                 hint="run the forward pass under torch.no_grad(): evaluating must not build a graph")


# -- Task 4.3: linear models ----------------------------------------------------------------


def least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Closed-form least squares with an intercept: the coefficients, then the intercept."""
    design = np.column_stack([np.asarray(x, dtype=float).reshape(len(y), -1), np.ones(len(y))])
    return np.linalg.lstsq(design, np.asarray(y, dtype=float), rcond=None)[0]


@pytest.mark.task("4.3")
def test_linear_regression_holds_one_linear_layer(submission):
    call = ("model = LinearRegression(4)\n"
            "(isinstance(model, nn.Module), type(model.linear).__name__, model.linear.in_features, "
            "model.linear.out_features, sum(p.numel() for p in model.parameters()))")
    expect.equal(call, submission.run(IMPORTS + call), (True, "Linear", 4, 1, 5),
                 hint="subclass nn.Module, call super().__init__() first, "
                      "then set self.linear = nn.Linear(n_features, 1)")
    call = "[type(module).__name__ for module in LinearRegression(4).modules()]"
    expect.equal(call, submission.run(IMPORTS + call), ["LinearRegression", "Linear"],
                 hint="self.linear is the model's only submodule: no nn.Flatten or other layer, "
                      "reshape in forward instead")


@pytest.mark.task("4.3", points=2)
def test_linear_regression_predicts_one_number_per_row(submission):
    xs = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-2.0, 1.0, 4.0]])
    model = ("model = LinearRegression(3).double()\n"
             "with torch.no_grad():\n"
             "    model.linear.weight.copy_(torch.tensor([[1.0, -2.0, 0.5]]))\n"
             "    model.linear.bias.fill_(0.25)\n")
    for rows in (4, 1):  # a batch, and a single row, which must keep its dimension too
        call = model + f"model(torch.tensor(xs[:{rows}]))"
        got = submission.run(IMPORTS + call, xs=xs)
        data = getattr(got, "data", got)
        if not isinstance(data, np.ndarray) or data.shape != (rows,):
            expect.fail(call, got, f"a tensor of shape ({rows},), one prediction per row",
                        hint="return shape (n,) for every n, 1 included: squeeze only the last dimension, "
                             ".squeeze(-1) (.squeeze() turns a (1, 1) output into shape ()). Against (n,) targets "
                             "an (n, 1) prediction broadcasts to an (n, n) table inside nn.MSELoss")
        expect.close(call, data, xs[:rows] @ np.array([1.0, -2.0, 0.5]) + 0.25, hint="the prediction is x @ w + b")


@pytest.mark.task("4.3", points=2)
def test_linear_regression_trains_to_the_least_squares_solution(submission):
    call = ("x, y = make_regression_data(64, 3, noise=0.1, seed=1, dtype=torch.float64)\n"
            "torch.manual_seed(0)\nmodel = LinearRegression(3).double()\n"
            "train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.1), epochs=300)\n"
            "x.numpy(), y.numpy(), model.linear.weight.detach().numpy().ravel(), model.linear.bias.item()")
    x, y, weight, bias = submission.run(IMPORTS + call)
    solution = least_squares(x, y)
    expect.close(call, (weight, bias), (solution[:3], solution[3]), rtol=1e-6, atol=1e-6,
                 hint="300 SGD steps on this data reach the least-squares fit; if yours does not, check that "
                      "forward returns shape (n,) so the loss compares each prediction with its own target")


@pytest.mark.task("4.3", points=2)
def test_fit_line_recovers_slope_and_intercept(submission):
    call = ("x, y = make_line_data(40, slope=-1.5, intercept=0.5, noise=0.2, seed=3)\n"
            "x.numpy(), y.numpy(), fit_line(x, y, epochs=400, lr=0.2)")
    x, y, fitted = submission.run(call)
    slope, intercept = least_squares(x, y)
    # The data are float32, so the fit can only be as good as float32 arithmetic.
    expect.close(call, fitted, (slope, intercept), rtol=1e-4, atol=1e-4,
                 hint="train nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)) with SGD and MSE; "
                      "the slope is the weight, the intercept the bias")


@pytest.mark.task("4.3")
def test_fit_line_returns_python_floats(submission):
    call = "x, y = make_line_data(20, seed=0)\nfit_line(x, y, epochs=5, lr=0.1)"
    got = submission.run(call)
    if not isinstance(got, tuple) or len(got) != 2:
        expect.fail(call, got, "a tuple (slope, intercept)")
    for value in got:
        expect.is_float(call, value, hint="return floats, not tensors: use .item() on the weight and the bias")


def fit_line_on_float64(fit_line, xs, ys):
    """(error, None) or (None, the fitted line) for a flat float64 x."""
    import torch

    return attempt(lambda: fit_line(torch.tensor(xs), torch.tensor(ys), epochs=400, lr=0.3))


@pytest.mark.task("4.3")
def test_fit_line_accepts_a_flat_float64_x(submission):
    xs = np.linspace(-1.0, 1.0, 25)
    ys = 0.75 * xs + 2.0 + 0.05 * np.cos(7.0 * xs)
    call = "fit_line(torch.tensor(xs), torch.tensor(ys), epochs=400, lr=0.3)"
    error, got = submission.call(fit_line_on_float64, xs=xs, ys=ys)
    if error is not None and ("dtype" in error[1] or "Double" in error[1]):
        expect.fail(call, f"{error[0]}: {error[1][:300]}", "the fitted line",
                    hint="float32 parameters with float64 data: make the model with x's dtype and device "
                         "(.to(dtype=x.dtype, device=x.device)), so float64 data meets float64 weights")
    if error is not None:
        expect.fail(call, f"{error[0]}: {error[1][:300]}", "the fitted line", hint="reshape a flat x to (n, 1)")
    expect.close(call, got, tuple(least_squares(xs, ys)), rtol=1e-8, atol=1e-8,
                 hint="reshape a flat x to (n, 1), and make the model with x's dtype and device "
                      "(.to(dtype=x.dtype, device=x.device)) so float64 data stays float64")


def fit_line_on_meta(fit_line):
    """The error fit_line raises with float64 x and y on the meta device, or None."""
    import torch

    x = torch.zeros(8, 1, dtype=torch.float64, device="meta")
    y = torch.zeros(8, dtype=torch.float64, device="meta")
    return attempt(lambda: fit_line(x, y, epochs=2, lr=0.1))[0]


@pytest.mark.task("4.3")
def test_fit_line_builds_its_model_where_x_lives(submission):
    call = "fit_line(x, y, epochs=2, lr=0.1) with float64 x and y on the meta device"
    error = submission.call(fit_line_on_meta)
    # Reading a number (.item(), float()) fails on meta, where tensors have none: that is expected, and fine.
    # It is also certain: the answer is two floats read from the trained model, so a run that ends
    # without that error never trained a model and read its answer.
    if error is None:
        expect.fail(call, "no error", "an error only where the slope and intercept are read out of the model "
                    "(meta tensors hold no numbers)",
                    hint="train a model on x's device and return its weight and bias read out with .item()")
    if not any(words in error[1] for words in META_READS):
        expect.fail(call, f"{error[0]}: {error[1][:300]}",
                    "a model and a training run on x's device (only reading numbers out may fail on meta)",
                    hint=DEVICE_HINT)


# -- Task 4.4: the update rules by hand ------------------------------------------------------


@pytest.mark.task("4.4")
def test_sgd_step_without_momentum(submission):
    call = ("w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)\n"
            "w.grad = torch.tensor([0.5, 1.0], dtype=torch.float64)\n"
            "sgd_step([w], lr=0.1)\nw")
    got = submission.run(IMPORTS + call)
    expect.close(call, getattr(got, "data", got), np.array([0.95, -2.1]), hint="p -= lr * p.grad, in place")
    if not (got.requires_grad and got.is_leaf):
        expect.fail(call, got, "the same leaf tensor, still requiring gradients",
                    hint="update in place (p -= ...) under torch.no_grad(); p = p - ... makes a new tensor")


@pytest.mark.task("4.4", points=2)
def test_sgd_step_with_momentum_by_hand(submission):
    call = ("w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)\n"
            "buffers, path = None, []\n"
            "for _ in range(3):\n"
            "    w.grad = torch.tensor([3.0], dtype=torch.float64)\n"
            "    buffers = sgd_step([w], lr=0.1, momentum=0.9, buffers=buffers)\n"
            "    path.append(w.item())\npath")
    # Buffers 3, 0.9 * 3 + 3 = 5.7, 0.9 * 5.7 + 3 = 8.13; each step subtracts 0.1 times the buffer.
    expected = [1.0 - 0.3, 1.0 - 0.3 - 0.57, 1.0 - 0.3 - 0.57 - 0.813]
    expect.close(call, submission.run(IMPORTS + call), expected,
                 hint="with momentum: buf = grad on the first step, then buf = momentum * buf + grad, and "
                      "p -= lr * buf; return the buffers so the caller can pass them back")


#: Gradients for a (2, 3) weight and a bias of 2, one pair per step (None: no gradient in that step).
_steps = np.random.default_rng(44)
START = [_steps.normal(size=(2, 3)), _steps.normal(size=2)]
GRADIENTS = [[_steps.normal(size=(2, 3)), _steps.normal(size=2)] for _ in range(12)]
#: The same, except that the bias has no gradient in the first step and the weight none in the third.
GAPPY = [[None if (step, index) in {(0, 1), (2, 0)} else grad for index, grad in enumerate(pair)]
         for step, pair in enumerate(GRADIENTS[:6])]

#: Steps taken by the rule under test on float64 parameters that start at `start`: `rule` sees `params` and `lr`.
BY_HAND = """
params = [torch.tensor(value, requires_grad=True) for value in start]
for step_gradients, lr in zip(gradients, rates):
    for p, g in zip(params, step_gradients):
        p.grad = None if g is None else torch.tensor(g)
    {rule}
[p.detach().numpy() for p in params]
"""


def torch_steps(optimizer_class: Any, gradients: list[list[Any]], rates: list[float], **options: Any) -> Any:
    """Where torch.optim's own optimizer takes START, fed the same gradients, at the same learning rates."""
    params = [torch.tensor(value, requires_grad=True) for value in START]
    optimizer = optimizer_class(params, lr=rates[0], **options)
    for step_gradients, rate in zip(gradients, rates, strict=False):
        for group in optimizer.param_groups:
            group["lr"] = rate
        for p, g in zip(params, step_gradients, strict=False):
            p.grad = None if g is None else torch.tensor(g)
        optimizer.step()
    return [p.detach().numpy() for p in params]


SGD_HINT = ("torch.optim.SGD (dampening=0, no nesterov, no weight decay): buf = grad on the first step, "
            "then buf = momentum * buf + grad, and p -= lr * buf")


@pytest.mark.task("4.4", points=2)
def test_sgd_step_matches_torch_optim_sgd(submission):
    rule = "buffers = sgd_step(params, lr=lr, momentum=0.9, buffers=buffers)"
    call = "buffers = None" + BY_HAND.format(rule=rule)
    got = submission.run(IMPORTS + call, start=START, gradients=GRADIENTS[:10], rates=[0.05] * 10)
    expect.close(f"{call}  # 10 steps at lr = 0.05", got, torch_steps(torch.optim.SGD, GRADIENTS[:10], [0.05] * 10,
                                                                      momentum=0.9),
                 rtol=1e-10, atol=1e-12, hint=SGD_HINT)


@pytest.mark.task("4.4")
def test_sgd_step_follows_torch_when_lr_changes_and_a_gradient_is_missing(submission):
    rates = [0.1, 0.02, 0.2, 0.05, 0.1, 0.3]
    rule = "buffers = sgd_step(params, lr=lr, momentum=0.8, buffers=buffers)"
    call = "buffers = None" + BY_HAND.format(rule=rule)
    got = submission.run(IMPORTS + call, start=START, gradients=GAPPY, rates=rates)
    expect.close(f"{call}  # lr per step {rates}; the bias has no gradient in step 1, the weight none in step 3",
                 got, torch_steps(torch.optim.SGD, GAPPY, rates, momentum=0.8), rtol=1e-10, atol=1e-12,
                 hint=SGD_HINT + " with each step's own lr: the buffer adds up gradients, not lr * gradient (the "
                                 "textbook velocity form differs once lr changes); a parameter without a gradient "
                                 "is skipped and keeps its buffer")


def two_runs_from_scratch(sgd_step, start, gradients):
    """The parameters after each of two runs of sgd_step from `start`, each beginning without buffers."""
    import torch

    def one_run():
        params = [torch.tensor(value, requires_grad=True) for value in start]
        buffers = None
        for step, step_gradients in enumerate(gradients):
            for p, g in zip(params, step_gradients, strict=True):
                p.grad = torch.tensor(g)
            if step == 0:
                buffers = sgd_step(params, lr=0.1, momentum=0.9)  # the first step: no buffers passed
            else:
                buffers = sgd_step(params, lr=0.1, momentum=0.9, buffers=buffers)
        return [p.detach().numpy() for p in params]

    return one_run(), one_run()


@pytest.mark.task("4.4")
def test_every_run_starts_afresh(submission):
    call = "two runs of sgd_step, each calling sgd_step(params, lr=0.1, momentum=0.9) first, without buffers"
    first, second = submission.call(two_runs_from_scratch, start=START, gradients=GRADIENTS[:4])
    expected = torch_steps(torch.optim.SGD, GRADIENTS[:4], [0.1] * 4, momentum=0.9)
    afresh = ("without buffers (None, the default) a step starts afresh, whatever earlier calls did: keep no "
              "state between calls but the list you return. A mutable default argument (buffers=[]) is created "
              "once and shared by every call, so it carries one run's buffers into the next")
    expect.close(f"{call}: the first run", first, expected, rtol=1e-10, atol=1e-12, hint=f"{SGD_HINT}; {afresh}")
    expect.close(f"{call}: the second run", second, expected, rtol=1e-10, atol=1e-12, hint=afresh)


@pytest.mark.task("4.4")
def test_adam_first_step_moves_each_weight_by_about_lr(submission):
    w0, grad, lr = np.array([1.0, -2.0, 3.0]), np.array([0.5, -4.0, 1e-3]), 0.01
    call = ("w = torch.tensor(w0, requires_grad=True)\nw.grad = torch.tensor(grad)\n"
            "adam_step([w], {}, lr=lr)\nw.detach().numpy()")
    # At t = 1 the corrected means are m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps).
    expect.close(call, submission.run(IMPORTS + call, w0=w0, grad=grad, lr=lr), w0 - lr * grad / (abs(grad) + 1e-8),
                 rtol=1e-10, atol=1e-12,
                 hint="the first step should be about lr per weight; without bias correction (dividing m by "
                      "1 - beta1**t and v by 1 - beta2**t) it is about 3.16 times too big")


ADAM_HINT = ("Adam: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, bias correction m / (1 - b1^t) and "
             "v / (1 - b2^t), then p -= lr * m_hat / (sqrt(v_hat) + eps), with t counting this parameter's steps "
             "from 1")


@pytest.mark.task("4.4", points=3)
def test_adam_step_matches_torch_optim_adam(submission):
    call = "state = {}" + BY_HAND.format(rule="adam_step(params, state, lr=lr)")
    got = submission.run(IMPORTS + call, start=START, gradients=GRADIENTS, rates=[0.01] * 12)
    expect.close(f"{call}  # 12 steps at lr = 0.01", got, torch_steps(torch.optim.Adam, GRADIENTS, [0.01] * 12),
                 rtol=1e-9, atol=1e-12, hint=ADAM_HINT)
    call = "state = {}" + BY_HAND.format(rule="adam_step(params, state, lr=lr, betas=(0.8, 0.99), eps=1e-4)")
    got = submission.run(IMPORTS + call, start=START, gradients=GRADIENTS, rates=[0.01] * 12)
    expect.close(f"{call}  # 12 steps at lr = 0.01", got,
                 torch_steps(torch.optim.Adam, GRADIENTS, [0.01] * 12, betas=(0.8, 0.99), eps=1e-4),
                 rtol=1e-9, atol=1e-12, hint=ADAM_HINT + "; use the betas and eps you are given")


@pytest.mark.task("4.4")
def test_adam_counts_steps_per_parameter(submission):
    call = "state = {}" + BY_HAND.format(rule="adam_step(params, state, lr=lr)")
    got = submission.run(IMPORTS + call, start=START, gradients=GAPPY, rates=[0.01] * 6)
    expect.close(f"{call}  # the bias has no gradient in step 1, the weight none in step 3", got,
                 torch_steps(torch.optim.Adam, GAPPY, [0.01] * 6), rtol=1e-9, atol=1e-12,
                 hint="a parameter without a gradient takes no step and keeps its t, m and v as they are: torch "
                      "counts steps per parameter, so here the bias's t is one behind the weight's")


def rules_on_meta(sgd_step, adam_step):
    """Two steps of each rule on meta parameters: (sgd's error, its buffers' devices, adam's error, its state's
    devices, the parameters' devices)."""
    import torch

    params = [torch.zeros(2, 3, device="meta", requires_grad=True), torch.zeros(2, device="meta", requires_grad=True)]
    for p in params:
        p.grad = torch.ones_like(p)
    buffers, state = [None], {}

    def sgd_twice():
        buffers[0] = sgd_step(params, lr=0.1, momentum=0.9)
        buffers[0] = sgd_step(params, lr=0.1, momentum=0.9, buffers=buffers[0])

    def adam_twice():
        adam_step(params, state, lr=0.01)
        adam_step(params, state, lr=0.01)

    sgd_error, adam_error = attempt(sgd_twice)[0], attempt(adam_twice)[0]
    return sgd_error, sorted(devices(buffers)), adam_error, sorted(devices(state)), sorted(devices(params))


@pytest.mark.task("4.4")
def test_the_rules_by_hand_keep_their_state_where_the_parameters_live(submission):
    sgd_error, buffers, adam_error, state, params = submission.call(rules_on_meta)
    for rule, error, kept, what in (("sgd_step", sgd_error, buffers, "buffers"), ("adam_step", adam_error, state,
                                                                                  "state")):
        call = f"{rule}(params, ...) twice, with the parameters and their gradients on the meta device"
        if error is not None:
            expect.fail(call, f"{error[0]}: {error[1][:300]}", "two steps taken on the meta device", hint=DEVICE_HINT)
        expect.equal(f"the devices of the tensors in the {what} after {call}", kept, ["meta"], hint=DEVICE_HINT)
    expect.equal("the devices of the parameters after both rules", params, ["meta"],
                 hint="update each parameter in place (p -= ...), where it lives")


# -- Task 4.5: a loss landscape ---------------------------------------------------------------


LINE_MODEL = "torch.manual_seed(0)\nmodel = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)).double()\n"
LINE_X = np.array([[-1.0], [0.0], [0.5], [2.0]])
LINE_Y = np.array([-2.0, 1.0, 1.5, 4.0])


@pytest.mark.task("4.5", points=2)
def test_loss_landscape_values(submission):
    weights, biases = [-1.0, 0.0, 2.0], [0.5, -0.5]
    call = (LINE_MODEL + DATA + f"loss_landscape(model, x, y, {weights}, {biases})")
    got = submission.run(IMPORTS + call, xs=LINE_X, ys=LINE_Y)
    expected = np.array([[np.mean((w * LINE_X[:, 0] + b - LINE_Y) ** 2) for b in biases] for w in weights])
    data = getattr(got, "data", got)
    if not isinstance(data, np.ndarray) or data.shape != expected.shape:
        expect.fail(call, got, f"a tensor of shape {expected.shape} (len(weights), len(biases))")
    expect.close(call, data, expected,
                 hint="entry [i, j] is the mean squared error with the weight set to weights[i], the bias to biases[j]")


@pytest.mark.task("4.5", points=2)
def test_loss_landscape_leaves_the_model_as_it_was(submission):
    weights, biases = [1.0, 3.0], [-1.0, 0.0, 1.0]
    call = (LINE_MODEL + DATA + "before = [p.detach().clone().numpy() for p in model.parameters()]\n"
            "ids = [id(p) for p in model.parameters()]\n"
            f"landscape = loss_landscape(model, x, y, {weights}, {biases})\n"
            "([p.detach().numpy() for p in model.parameters()], before, [id(p) for p in model.parameters()] == ids, "
            "[p.requires_grad for p in model.parameters()], landscape)")
    after, before, same_objects, requires_grad, landscape = submission.run(IMPORTS + call, xs=LINE_X, ys=LINE_Y)
    expect.close(call + "  # the parameters afterwards", after, before, rtol=0.0, atol=0.0,
                 hint="save the weight and bias first and copy them back at the end (in a finally block), "
                      "so the model is exactly as it was")
    expect.equal(call, same_objects, True,
                 hint="keep the same parameter objects (fill_/copy_ in place); an optimizer holds references to them")
    expect.equal(call, requires_grad, [True, True], hint="the parameters must still require gradients afterwards")
    # Leaving the model alone counts only from a landscape that was measured.
    expected = np.array([[np.mean((w * LINE_X[:, 0] + b - LINE_Y) ** 2) for b in biases] for w in weights])
    expect.close(call + "  # the landscape", getattr(landscape, "data", landscape), expected,
                 hint="entry [i, j] is the mean squared error with the weight set to weights[i], the bias to biases[j]")


@pytest.mark.task("4.5")
def test_loss_landscape_tracks_no_gradients(submission):
    call = LINE_MODEL + DATA + "loss_landscape(model, x, y, [0.0, 1.0], [0.0])"
    got = submission.run(IMPORTS + call, xs=LINE_X, ys=LINE_Y)
    if getattr(got, "requires_grad", True) or getattr(got, "has_grad_fn", True):
        expect.fail(call, got, "a tensor with requires_grad=False and no grad_fn",
                    hint="compute the landscape under torch.no_grad(): it is a measurement, nothing to differentiate")


def landscape_on_meta(loss_landscape):
    """(error, (device, dtype, shape) of the landscape, the devices of the model's parameters) on the meta device."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)).to("meta")
    x, y = torch.zeros(5, 1, device="meta"), torch.zeros(5, device="meta")
    error, landscape = attempt(lambda: loss_landscape(model, x, y, [0.0, 1.0, 2.0], [0.5, -0.5]))
    facts = None if landscape is None else (str(getattr(landscape, "device", None)),
                                            str(getattr(landscape, "dtype", None)),
                                            tuple(getattr(landscape, "shape", ())))
    return error, facts, sorted(devices(list(model.parameters())))


@pytest.mark.task("4.5")
def test_loss_landscape_stays_on_the_models_device(submission):
    call = ("loss_landscape(model, x, y, [0.0, 1.0, 2.0], [0.5, -0.5]) with a float32 model, x and y on the meta "
            "device")
    error, facts, parameters = submission.call(landscape_on_meta)
    if error is not None:
        expect.fail(call, f"{error[0]}: {error[1][:300]}", "the landscape, as a tensor on the meta device",
                    hint="make the result with the model's dtype and device (torch.empty(..., dtype=..., device=...)) "
                         "and store each loss tensor in it (result[i, j] = loss) without .item() or float(): "
                         "tensors on the meta device have no values to read")
    expect.equal(f"(device, dtype, shape) of {call}", facts, ("meta", "torch.float32", (3, 2)),
                 hint="the landscape has the model's dtype and device, and shape (len(weights), len(biases))")
    expect.equal(f"the devices of the model's parameters after {call}", parameters, ["meta"],
                 hint="leave the model where it was: copy the saved values back in place")


# -- Task 4.6: comparing optimizers --------------------------------------------------------------


TWO_FEATURES = "make_model = lambda: nn.Sequential(nn.Linear(2, 1), nn.Flatten(0, 1)).double()\n"

CASES["compare the three optimizers"] = (
    IMPORTS + TWO_FEATURES + DATA + "compare_optimizers(make_model, x, y, lr=0.05, epochs=6, seed=3)",
    {"xs": XS[:, :2], "ys": YS})


@pytest.mark.task("4.6", points=2)
def test_compare_optimizers_matches_the_recorded_race(submission):
    call = shown("compare the three optimizers")
    got = run_case(submission, "compare the three optimizers")
    expected = RECORDED["compare the three optimizers"]
    if not isinstance(got, dict) or list(got) != list(expected):
        expect.fail(call, got, f"a dict with keys {list(expected)}, in that order")
    first = [curve[0] for curve in got.values() if isinstance(curve, list) and curve and type(curve[0]) is float]
    if len(first) == len(expected) and not all(math.isclose(value, first[0], rel_tol=1e-12) for value in first):
        expect.fail(f"[curve[0] for curve in {call}.values()]", first, "equal first losses", hint=SAME_START_HINT)
    for name in expected:
        check_losses(f"{call}[{name!r}]", got[name], expected[name])


@pytest.mark.task("4.6")
def test_compare_optimizers_gives_every_optimizer_the_same_start(submission):
    call = (TWO_FEATURES + DATA + "curves = compare_optimizers(make_model, x, y, lr=0.05, epochs=2, seed=11)\n"
            "[curve[0] for curve in curves.values()]")
    first = submission.run(IMPORTS + call, xs=XS[:, :2], ys=YS)
    if not isinstance(first, list) or len(first) != 3:
        expect.fail(call, first, "one first loss for each of the three default optimizers")
    for value in first:
        expect.is_float(call, value, hint=ITEM_HINT)
    if not all(math.isclose(value, first[0], rel_tol=1e-12) for value in first):
        expect.fail(call, first, "three equal first losses", hint=SAME_START_HINT)


@pytest.mark.task("4.6", points=2)
def test_plot_losses_draws_one_labelled_line_per_curve_on_a_log_axis(submission):
    curves = {"sgd": [4.0, 2.0, 1.0, 0.5], "adam": [4.0, 1.0, 0.25, 0.0625]}
    call = ("import matplotlib.pyplot as plt\nax = plot_losses(curves)\n"
            "result = (ax.get_yscale(), [line.get_label() for line in ax.get_lines()], "
            "[np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()], ax.get_legend() is not None)\n"
            "plt.close(ax.figure)\nresult")
    scale, labels, ydata, has_legend = submission.run(call, curves=curves)
    expect.equal(call, scale, "log", hint="use a log scale on the y axis: ax.set_yscale('log')")
    expect.equal(call, labels, ["sgd", "adam"], hint="draw one line per curve and label it with its name (label=name)")
    expect.close(call, ydata, [np.array(v) for v in curves.values()], hint="plot each curve's losses as its y values")
    expect.equal(call, has_legend, True, hint="add a legend (ax.legend()) so the labels show")


@pytest.mark.task("4.6")
def test_plot_losses_draws_on_the_axes_it_is_given(submission):
    call = ("import matplotlib.pyplot as plt\nfigure, ax = plt.subplots()\n"
            "returned = plot_losses({'momentum': [1.0, 0.5]}, ax=ax)\n"
            "result = (returned is ax, len(ax.get_lines()))\nplt.close(figure)\nresult")
    expect.equal(call, submission.run(call), (True, 1),
                 hint="when an ax is given, draw on it and return it instead of making a new figure")


# -- Task 4.7: mini-batches ------------------------------------------------------------------------


#: Ten rows that say who they are: row i of x is (i, -i) and y[i] is i.
ROWS = "x = torch.stack([torch.arange(10.0), -torch.arange(10.0)], dim=1)\ny = torch.arange(10.0)\n"
#: Every epoch of `loader` as batches of y values, and whether each batch's x rows belong with its y values.
EPOCHS = ("def epochs(loader, count=2):\n"
          "    seen = [[(yb.tolist(), bool((xb[:, 0] == yb).all())) for xb, yb in loader] for _ in range(count)]\n"
          "    return [[batch for batch, _ in epoch] for epoch in seen], all(ok for e in seen for _, ok in e)\n")
GENERATOR_HINT = ("shuffle with a random generator of the loader's own, made from the seed: "
                  "DataLoader(..., shuffle=shuffle, generator=torch.Generator().manual_seed(seed)). Without it the "
                  "order comes from torch's global random numbers, so it changes with whatever ran before")
STEPS_HINT = ("an epoch is one full pass over the loader: len(loader) steps, one per batch, so `epochs` epochs take "
              "epochs * len(loader) steps; return one loss per epoch, not one per batch")
EPOCH_LOSS_HINT = ("the loss of an epoch is the mean per row: add up loss.item() * len(yb) over the batches and divide "
                   "by the number of rows; the plain mean of the batch losses gives the small last batch too much "
                   "weight")


@pytest.mark.task("4.7", points=2)
def test_make_loader_serves_every_row_once_per_epoch(submission):
    call = ROWS + EPOCHS + "epochs(make_loader(x, y, batch_size=4, seed=0))"
    batches, paired = submission.run(IMPORTS + call)
    if not isinstance(batches, list) or len(batches) != 2 or not all(isinstance(epoch, list) for epoch in batches):
        expect.fail(call, batches, "two epochs of batches")
    expect.equal(call, [[len(batch) for batch in epoch] for epoch in batches], [[4, 4, 2], [4, 4, 2]],
                 hint="10 rows in batches of 4 are batches of 4, 4 and 2 rows: DataLoader(..., batch_size=batch_size)")
    for epoch in batches:
        expect.equal(f"{call}  # the rows of one epoch, sorted", sorted(value for batch in epoch for value in batch),
                     [float(i) for i in range(10)], hint="every row exactly once per epoch")
    expect.equal(call + "  # does each batch's x belong with its y?", paired, True,
                 hint="keep x[i] and y[i] together: TensorDataset(x, y) pairs them row by row")


@pytest.mark.task("4.7")
def test_make_loader_without_shuffle_keeps_the_order(submission):
    call = ROWS + EPOCHS + "epochs(make_loader(x, y, batch_size=3, seed=0, shuffle=False))[0]"
    expected = [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [9.0]]] * 2
    expect.equal(call, submission.run(IMPORTS + call), expected,
                 hint="pass shuffle=shuffle to the DataLoader: without shuffling the rows come in order")


@pytest.mark.task("4.7", points=2)
def test_make_loader_is_reproducible_from_its_seed(submission):
    call = (ROWS + EPOCHS
            + "torch.manual_seed(0)\nfirst = make_loader(x, y, batch_size=4, seed=3)\ntorch.manual_seed(1)\n"
            "a = epochs(first)[0]\n"
            "torch.manual_seed(2)\nsecond = make_loader(x, y, batch_size=4, seed=3)\ntorch.rand(5)\n"
            "b = epochs(second)[0]\n"
            "torch.manual_seed(4)\nexpected = torch.rand(3).tolist()\n"
            "torch.manual_seed(4)\nepochs(make_loader(x, y, batch_size=4, seed=3))\n"
            "a == b, torch.rand(3).tolist() == expected, a[0] != a[1]")
    same, untouched, reshuffled = submission.run(IMPORTS + call)
    expect.equal(call + "  # two loaders with seed 3: the same batches?", same, True, hint=GENERATOR_HINT)
    expect.equal(call + "  # torch's global random numbers after iterating: as if untouched?", untouched, True,
                 hint=GENERATOR_HINT + "; iterating must leave the global random numbers alone (no "
                      "torch.manual_seed inside make_loader either)")
    expect.equal(call + "  # does the second epoch come in a new order?", reshuffled, True,
                 hint="pass shuffle=shuffle: with shuffle=True every epoch is a new random order")


CASES["loader orders"] = (
    IMPORTS + ROWS + EPOCHS + "[epochs(make_loader(x, y, batch_size=4, seed=seed))[0] for seed in (0, 5)]", {})


@pytest.mark.task("4.7")
def test_make_loader_shuffles_with_a_generator_seeded_from_seed(submission):
    expect.equal(shown("loader orders"), run_case(submission, "loader orders"), RECORDED["loader orders"],
                 hint=GENERATOR_HINT + "; hand it to the DataLoader itself (generator=...), not to a RandomSampler "
                                       "of your own, which draws its numbers in another order")


CASES["train_minibatch with momentum"] = (
    IMPORTS + NET + DATA + "optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)\n"
    f"losses = train_minibatch(model, make_loader(x, y, batch_size=6, seed=1), optimizer, epochs=3)\n"
    f"losses, {PARAMETERS}", {"seed": 8, "xs": XS, "ys": YS})


@pytest.mark.task("4.7", points=3)
def test_train_minibatch_matches_the_recorded_run(submission):
    call = shown("train_minibatch with momentum") + "  # 20 rows: batches of 6, 6, 6 and 2"
    got = run_case(submission, "train_minibatch with momentum")
    expected_losses, expected_parameters = RECORDED["train_minibatch with momentum"]
    losses = got[0] if isinstance(got, tuple) else got
    if isinstance(losses, list) and len(losses) != len(expected_losses):
        expect.fail(call, losses, f"a list of {len(expected_losses)} losses, one per epoch", hint=STEPS_HINT)
    for value in losses if isinstance(losses, list) else []:
        expect.is_float(call, value, hint=ITEM_HINT)
    expect.close(call, got[1], expected_parameters, rtol=1e-9, atol=1e-12,
                 hint="one step per batch, each batch the canonical loop: zero_grad, forward, loss, backward, step")
    # The parameters are right, so the steps are: what is left is how an epoch's loss is added up.
    expect.close(call, losses, expected_losses, rtol=1e-9, atol=1e-12, hint=EPOCH_LOSS_HINT)


@pytest.mark.task("4.7", points=2)
def test_train_minibatch_takes_one_step_per_batch(submission):
    call = (NET + DATA + "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)" + STEP_COUNTER
            + "losses = train_minibatch(model, make_loader(x, y, batch_size=6, seed=0), optimizer, epochs=3)\n"
            "len(steps), len(losses) if isinstance(losses, list) else losses")
    # 20 rows in batches of 6 are 4 batches, so 3 epochs are 12 steps and 3 losses.
    expect.equal(call, submission.run(IMPORTS + call, seed=9, xs=XS, ys=YS), (12, 3), hint=STEPS_HINT)


@pytest.mark.task("4.7", points=2)
def test_train_minibatch_epoch_loss_is_the_mean_per_row(submission):
    call = (NET + DATA + "optimizer = torch.optim.SGD(model.parameters(), lr=0.0)\n"
            "train_minibatch(model, make_loader(x, y, batch_size=6, seed=0), optimizer, epochs=2)")
    got = submission.run(IMPORTS + call, seed=10, xs=XS, ys=YS)
    # With lr = 0 the model never moves, so each epoch's mean loss per row is the loss on all 20 rows at once.
    torch.manual_seed(10)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1),
                                torch.nn.Flatten(0, 1)).double()
    with torch.no_grad():
        whole = torch.nn.functional.mse_loss(model(torch.tensor(XS)), torch.tensor(YS)).item()
    call = f"{call}  # lr = 0; 20 rows in batches of 6, 6, 6 and 2"
    if not isinstance(got, list) or len(got) != 2:
        expect.fail(call, got, "a list of 2 losses, one per epoch", hint=STEPS_HINT)
    for value in got:
        expect.is_float(call, value, hint=ITEM_HINT)
    expect.close(call, got, [whole, whole], rtol=1e-9, atol=1e-12, hint=EPOCH_LOSS_HINT)


@pytest.mark.task("4.7")
def test_lr_for_summed_loss_by_hand(submission):
    for name, lr, batch_size, expected in (("sgd", 0.1, 8, 0.0125), ("momentum", 0.3, 4, 0.075),
                                           ("adam", 0.01, 16, 0.01)):
        call = f"lr_for_summed_loss({name!r}, {lr}, {batch_size})"
        got = submission.run(call)
        expect.is_float(call, got, hint="return the learning rate as a Python float")
        expect.close(call, got, expected,
                     hint="the summed loss's gradient is batch_size times the mean's: SGD (with or without "
                          "momentum) needs lr / batch_size; Adam's step does not change when every gradient is "
                          "scaled, so it keeps lr")
    call = "raised(lambda: lr_for_summed_loss('rmsprop', 0.1, 8))"
    got = submission.run(call)
    for valid in ("sgd", "momentum", "adam"):
        expect.rejects(call, got, "ValueError", mentions=(valid,),
                       hint="raise ValueError for a name you do not know, and list the valid ones in the message")


def summed_and_mean_runs(train_minibatch, make_loader, lr_for_summed_loss, seed, xs, ys, name, lr):
    """The parameters at the start, after 2 epochs of optimizer `name` on the mean loss at `lr`, and after 2 on
    the summed loss at lr_for_summed_loss(name, lr, 5): 20 rows in 4 batches of 5, torch.optim's own optimizer."""
    import torch
    from torch import nn

    x, y = torch.tensor(xs), torch.tensor(ys)
    kinds = {"sgd": torch.optim.SGD, "momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
             "adam": torch.optim.Adam}

    def run(reduction, rate):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1), nn.Flatten(0, 1)).double()
        optimizer = kinds[name](model.parameters(), lr=rate)
        train_minibatch(model, make_loader(x, y, batch_size=5, seed=0), optimizer, nn.MSELoss(reduction=reduction),
                        2)
        return [p.detach().numpy() for p in model.parameters()]

    torch.manual_seed(seed)
    start = [p.detach().numpy() for p in nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
             .parameters()]
    return start, run("mean", lr), run("sum", lr_for_summed_loss(name, lr, 5))


@pytest.mark.task("4.7", points=2)
def test_a_summed_loss_at_the_matching_lr_takes_the_mean_s_steps(submission):
    for name, lr in (("sgd", 0.1), ("momentum", 0.05), ("adam", 0.01)):
        call = (f"summed_and_mean_runs(..., name={name!r}, lr={lr}) of the tests: 20 rows in 4 batches of 5, "
                "2 epochs, torch.optim's own optimizer, on the mean loss at lr and on the summed loss at "
                f"lr_for_summed_loss({name!r}, {lr}, 5)")
        start, mean, summed = submission.call(summed_and_mean_runs, seed=12, xs=XS, ys=YS, name=name, lr=lr)
        if isinstance(mean, list) and len(mean) == len(start) and all(
                np.array_equal(np.asarray(a), b) for a, b in zip(mean, start, strict=False)):
            expect.fail(call, "the parameters of run('mean', lr) never moved", "8 steps taken",
                        hint="train_minibatch takes one optimizer step per batch")
        expect.close(call, summed, mean, rtol=1e-6, atol=1e-9,
                     hint=f"{name} on the summed loss should step exactly as on the mean: the summed loss's "
                          "gradient is batch_size times bigger, so SGD needs lr / batch_size while Adam, which "
                          "divides by the gradient's own size, keeps lr")


# -- Task 4.8: a validation set ------------------------------------------------------------------


#: n rows that say who they are: row i of x is (i, 100 + i) and y[i] is i.
NUMBERED = "x = torch.stack([torch.arange(n) * 1.0, 100.0 + torch.arange(n)], dim=1)\ny = torch.arange(n) * 1.0\n"
PARTS = ("parts = split_train_val(x, y, n_val, seed=seed)\n"
         "x_train, y_train, x_val, y_val = parts\n"
         "(y_train.tolist(), y_val.tolist(), bool((x_train[:, 0] == y_train).all() and (x_val[:, 0] == y_val).all()),"
         " (tuple(x_train.shape), tuple(x_val.shape)))")
ONE_PART_HINT = ("every row goes to exactly one part: draw ONE permutation of the rows and slice it, the first n_val "
                 "entries for validation and the rest for training (two separate draws overlap and miss rows)")


@pytest.mark.task("4.8", points=2)
def test_split_puts_every_row_in_exactly_one_part(submission):
    for n, n_val, seed in ((10, 3, 0), (25, 5, 1)):
        call = NUMBERED + PARTS
        y_train, y_val, paired, shapes = submission.run(IMPORTS + call, n=n, n_val=n_val, seed=seed)
        shown_call = f"{call}  # n = {n}, n_val = {n_val}, seed = {seed}"
        expect.equal(shown_call, shapes, ((n - n_val, 2), (n_val, 2)),
                     hint="n_val rows go to validation and the other len(x) - n_val rows to training")
        expect.equal(shown_call + "  # rows in both parts", sorted(set(y_train) & set(y_val)), [], hint=ONE_PART_HINT)
        expect.equal(shown_call + "  # every row, sorted", sorted(y_train + y_val), [float(i) for i in range(n)],
                     hint=ONE_PART_HINT)
        expect.equal(shown_call + "  # does each x row stay with its y?", paired, True,
                     hint="index x and y with the same rows: x[order[:n_val]] and y[order[:n_val]]")


CASES["splits"] = (
    IMPORTS + NUMBERED + "[[part.tolist() for part in split_train_val(x, y, 4, seed=seed)[1::2]] for seed in (0, 7)]",
    {"n": 12})


@pytest.mark.task("4.8")
def test_split_comes_from_its_seed(submission):
    call = (NUMBERED + "torch.manual_seed(0)\nfirst = split_train_val(x, y, 4, seed=7)[3].tolist()\n"
            "torch.manual_seed(1)\nsecond = split_train_val(x, y, 4, seed=7)[3].tolist()\n"
            "torch.manual_seed(2)\nexpected = torch.rand(3).tolist()\n"
            "torch.manual_seed(2)\nsplit_train_val(x, y, 4, seed=7)\n"
            "first == second, torch.rand(3).tolist() == expected")
    same, untouched = submission.run(IMPORTS + call, n=12)
    seeded = ("draw the order from a generator of your own: torch.randperm(len(x), "
              "generator=torch.Generator().manual_seed(seed)), not from torch's global random numbers")
    expect.equal(call + "  # the same split twice?", same, True, hint=seeded)
    expect.equal(call + "  # torch's global random numbers afterwards: as if untouched?", untouched, True, hint=seeded)
    expect.equal(shown("splits") + "  # [[y_train, y_val] for each seed]", run_case(submission, "splits"),
                 RECORDED["splits"],
                 hint=seeded + "; the first n_val entries of the permutation are the validation rows and the rest "
                               "the training rows, each part in the permutation's order")


#: Twenty rows: the first 14 to train on (batches of 5, 5 and 4), the last 6 held out.
HELD_OUT = ("x_train, y_train, x_val, y_val = x[:14], y[:14], x[14:], y[14:]\n"
            "loader = make_loader(x_train, y_train, batch_size=5, seed=2)\n")

CASES["fit with validation"] = (
    IMPORTS + DROPOUT_NET + DATA + HELD_OUT + "optimizer = torch.optim.Adam(model.parameters(), lr=0.01)\n"
    f"curves = fit_with_validation(model, loader, x_val, y_val, optimizer, epochs=4)\ncurves, {PARAMETERS}",
    {"seed": 13, "xs": XS, "ys": YS})

VALIDATION_HINT = ("measure the validation loss on (x_val, y_val), the rows the model never trains on, with "
                   "evaluate(model, x_val, y_val, loss_fn) after each epoch of training")
EVALUATE_HINT = ("measure the validation loss as a test set is, with evaluate (task 4.2): eval mode, so dropout is "
                 "off, and under torch.no_grad(), so no graph is built")


@pytest.mark.task("4.8", points=3)
def test_fit_with_validation_matches_the_recorded_run(submission):
    call = shown("fit with validation")
    curves, parameters = run_case(submission, "fit with validation")
    (expected_train, expected_val), expected_parameters = RECORDED["fit with validation"]
    if not isinstance(curves, tuple) or len(curves) != 2:
        expect.fail(call, curves, "a tuple (train_losses, val_losses)")
    check_losses(call + "  # the training curve", curves[0], expected_train)
    for value in curves[1] if isinstance(curves[1], list) else []:
        expect.is_float(call, value, hint=ITEM_HINT)
    expect.close(call + "  # the validation curve", curves[1], expected_val, rtol=1e-9, atol=1e-12,
                 hint=f"{VALIDATION_HINT}; {EVALUATE_HINT}")
    expect.close(call, parameters, expected_parameters, rtol=1e-9, atol=1e-12,
                 hint="each epoch is one epoch of train_minibatch over train_loader")


@pytest.mark.task("4.8", points=2)
def test_validation_loss_is_measured_on_the_validation_rows(submission):
    call = (NET + DATA + HELD_OUT + "optimizer = torch.optim.SGD(model.parameters(), lr=0.0)\n"
            "fit_with_validation(model, loader, x_val, y_val, optimizer, epochs=3)")
    got = submission.run(IMPORTS + call, seed=14, xs=XS, ys=YS)
    # With lr = 0 the model never moves: every epoch has the loss on the 14 training rows and on the 6 held out.
    torch.manual_seed(14)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1),
                                torch.nn.Flatten(0, 1)).double()
    x, y = torch.tensor(XS), torch.tensor(YS)
    with torch.no_grad():
        on_train = torch.nn.functional.mse_loss(model(x[:14]), y[:14]).item()
        on_val = torch.nn.functional.mse_loss(model(x[14:]), y[14:]).item()
    shown_call = f"{call}  # lr = 0"
    if not isinstance(got, tuple) or len(got) != 2:
        expect.fail(shown_call, got, "a tuple (train_losses, val_losses)")
    check_losses(shown_call + "  # the training curve", got[0], [on_train] * 3)
    if not isinstance(got[1], list) or len(got[1]) != 3:
        expect.fail(shown_call, got[1], "3 validation losses, one per epoch")
    expect.close(shown_call + "  # the validation curve", got[1], [on_val] * 3, rtol=1e-9, atol=1e-12,
                 hint=VALIDATION_HINT)


@pytest.mark.task("4.8")
def test_validation_runs_in_eval_mode_without_gradients(submission):
    call = (DROPOUT_NET + DATA + HELD_OUT + "seen = []\n"
            "def spying_loss(prediction, target):\n"
            "    if len(target) == 6:  # the validation rows (training batches have 5 or 4)\n"
            "        seen.append((prediction.requires_grad, model.training))\n"
            "    return nn.functional.mse_loss(prediction, target)\n"
            "fit_with_validation(model, loader, x_val, y_val, torch.optim.SGD(model.parameters(), lr=0.01), "
            "loss_fn=spying_loss, epochs=2)\nseen")
    expect.equal(call + "  # (tracks gradients?, in training mode?) for each validation loss",
                 submission.run(IMPORTS + call, seed=15, xs=XS, ys=YS), [(False, False), (False, False)],
                 hint=EVALUATE_HINT + "; pass loss_fn on to it")


# -- Task 4.9: early stopping --------------------------------------------------------------------


#: A line to learn (y = 2x, plus a ripple) and held-out rows that follow y = 0.8x: the best weight is on the way.
DIVERGING = """
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)).double()
with torch.no_grad():
    model[0].weight.zero_()
    model[0].bias.zero_()
x_train = torch.linspace(-1.0, 1.0, 12, dtype=torch.float64).reshape(-1, 1)
y_train = 2.0 * x_train[:, 0] + 0.1 * torch.cos(5.0 * x_train[:, 0])
x_val = torch.linspace(-0.9, 0.9, 6, dtype=torch.float64).reshape(-1, 1)
y_val = 0.8 * x_val[:, 0]
loader = make_loader(x_train, y_train, batch_size=4, seed=0)
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
"""

CASES["early stopping"] = (
    IMPORTS + DIVERGING + "result = train_with_early_stopping(model, loader, x_val, y_val, optimizer, max_epochs=20, "
    f"patience=2)\nresult, {PARAMETERS}", {"lr": 0.05})

BEST_HINT = ("put the best epoch's weights back at the end: model.state_dict() holds the live tensors, which later "
             "steps keep changing, so keep a copy (copy.deepcopy(model.state_dict())) when an epoch is the best so "
             "far and restore it with model.load_state_dict")


@pytest.mark.task("4.9", points=3)
def test_early_stopping_matches_the_recorded_run(submission):
    call = shown("early stopping")
    result, parameters = run_case(submission, "early stopping")
    (expected_train, expected_val, expected_best), expected_parameters = RECORDED["early stopping"]
    if not isinstance(result, tuple) or len(result) != 3:
        expect.fail(call, result, "a tuple (train_losses, val_losses, best_epoch)")
    train_losses, val_losses, best = result
    check_losses(call + "  # the training curve", train_losses, expected_train)
    expect.close(call + "  # the validation curve", val_losses, expected_val, rtol=1e-9, atol=1e-12,
                 hint="after each epoch of training, the validation loss with evaluate")
    expect.equal(call + "  # best_epoch", best, expected_best,
                 hint="best_epoch is the index in val_losses of the lowest validation loss (the first, if tied)")
    expect.close(call + "  # the model's parameters afterwards", parameters, expected_parameters, rtol=1e-9,
                 atol=1e-12, hint=BEST_HINT)


PATIENCE_HINT = ("stop once `patience` epochs in a row bring no new best (a strictly lower validation loss): with the "
                 "best at epoch b, the last epoch is b + patience, so b + patience + 1 epochs run (never more than "
                 "max_epochs)")


@pytest.mark.task("4.9", points=2)
def test_early_stopping_waits_patience_epochs_for_a_new_best(submission):
    # With lr = 0 the validation loss never improves on epoch 0's.
    for patience, max_epochs, epochs in ((1, 10, 2), (3, 10, 4), (5, 3, 3)):
        call = (DIVERGING + "result = train_with_early_stopping(model, loader, x_val, y_val, optimizer, "
                f"max_epochs={max_epochs}, patience={patience})\n"
                "[len(part) if isinstance(part, list) else part for part in result] if isinstance(result, tuple) "
                "else result")
        expect.equal(f"{call}  # lr = 0: the validation loss stays as it is", submission.run(IMPORTS + call, lr=0.0),
                     [epochs, epochs, 0], hint=PATIENCE_HINT)


@pytest.mark.task("4.9")
def test_early_stopping_runs_every_epoch_while_it_improves(submission):
    call = (LINE_MODEL + DATA + "loader = make_loader(x, y, batch_size=4, seed=0, shuffle=False)\n"
            "result = train_with_early_stopping(model, loader, x, y, torch.optim.SGD(model.parameters(), lr=0.05), "
            "max_epochs=6, patience=1)\n"
            "[len(part) if isinstance(part, list) else part for part in result] if isinstance(result, tuple) "
            "else result")
    # Full-batch gradient descent with a small step on a least-squares loss lowers the loss every epoch.
    expect.equal(f"{call}  # validating on the training rows themselves", submission.run(IMPORTS + call, xs=LINE_X,
                                                                                          ys=LINE_Y),
                 [6, 6, 5], hint="while every epoch brings a new best, train all max_epochs epochs; best_epoch is "
                                 "then the last one, max_epochs - 1")


@pytest.mark.task("4.9", points=2)
def test_early_stopping_leaves_the_best_weights_in_the_model(submission):
    call = (DIVERGING + "ids = [id(p) for p in model.parameters()]\n"
            "result = train_with_early_stopping(model, loader, x_val, y_val, optimizer, max_epochs=20, patience=2)\n"
            "with torch.no_grad():\n    now = nn.functional.mse_loss(model(x_val), y_val).item()\n"
            "result, now, [id(p) for p in model.parameters()] == ids")
    result, now, same_objects = submission.run(IMPORTS + call, lr=0.05)
    if not isinstance(result, tuple) or len(result) != 3 or not isinstance(result[1], list) or \
            type(result[2]) is not int or not 0 <= result[2] < len(result[1]) - 1:
        expect.fail(call, result, "(train_losses, val_losses, best_epoch), best_epoch before the last epoch",
                    hint=PATIENCE_HINT)
    _, val_losses, best = result
    expect.close(f"{call}  # the model's validation loss afterwards", now, val_losses[best], rtol=1e-9, atol=1e-12,
                 hint=BEST_HINT)
    expect.equal(call, same_objects, True,
                 hint="load the best weights into the same parameter objects (model.load_state_dict copies in "
                      "place); the optimizer holds references to them")


# -- Recorded expectations ------------------------------------------------------------------
# The reference solution's answers to CASES, written by `autograder record-expectations`; never edit by hand.
# BEGIN RECORDED
RECORDED = {
    'train with momentum': (
        [
            0.528258704712605, 0.5007363418631199, 0.45551900480969854, 0.4038834108835257, 0.3539578081204132,
            0.3091534120872975, 0.2692274955669608, 0.2323146864649856,
        ],
        [
            np.array([
                [0.19665492089363876, 0.2939583233088534, -0.44037827819688047],
                [-0.1388021173544829, -0.2491944514727125, 0.20988704617318454],
                [-0.45667855245574124, 0.4337452975138654, -0.15012772153175108],
                [-0.13418784436989392, -0.17660802759075614, -0.17259196059255272],
            ]),
            np.array([-0.5935362170595011, -0.46756529960194165, -0.16084304187762763, 0.060904258538393964]),
            np.array([[0.21561737990205876, -0.06665061731084732, -0.4479468613243624, -0.10942405367775082]]),
            np.array([-0.008029908588995518]),
        ],
    ),
    'train with L1 and Adam': [
        0.5572975450959122, 0.54368108060366, 0.5301680459974107, 0.5166763669364139, 0.5052412658372537,
    ],
    'train at lr 0': (
        [0.29594013265560787, 0.29594013265560787, 0.29594013265560787],
        [
            np.array([
                [0.1438507687249907, -0.12495958080068437, 0.016193681211428328],
                [-0.1926774979290322, 0.1893207259558387, 0.0025442616732625385],
                [-0.13856591746680466, 0.13871581925160928, -0.046091590519095484],
                [-0.15914907139329365, 0.16096078481514395, -0.019437888667700416],
            ]),
            np.array([-0.04029466963317479, 0.07983359305164926, 0.024382262221673077, 0.047312525718870575]),
            np.array([[0.07107298494963393, 0.2901622811809766, -0.10959209796154397, -0.3078529608355682]]),
            np.array([0.1519113082488258]),
        ],
    ),
    'evaluate in train mode': [0.6659876157134736, 0.6659876157134736],
    'evaluate from either mode': ((True, False), [0.6866137392032142, 0.6866137392032142]),
    'compare the three optimizers': {
        'sgd': [
            1.9079140924564846, 1.541791038354057, 1.2509748316919462, 1.0198400425798133, 0.8360237019776051,
            0.6897410125452517,
        ],
        'momentum': [
            1.9079140924564846, 1.541791038354057, 0.9912824085456613, 0.4805911208703817, 0.17738969312389719,
            0.13584713899143225,
        ],
        'adam': [
            1.9079140924564846, 1.7129485262167232, 1.5343780174290018, 1.3723066183702284, 1.226543613348275,
            1.0964862793628785,
        ],
    },
    'loader orders': [
        [
            [[3.0, 7.0, 5.0, 2.0], [0.0, 8.0, 1.0, 6.0], [9.0, 4.0]],
            [[1.0, 3.0, 2.0, 7.0], [5.0, 9.0, 0.0, 6.0], [4.0, 8.0]],
        ],
        [
            [[7.0, 4.0, 8.0, 1.0], [2.0, 3.0, 6.0, 5.0], [9.0, 0.0]],
            [[2.0, 1.0, 6.0, 3.0], [5.0, 9.0, 4.0, 7.0], [8.0, 0.0]],
        ],
    ],
    'train_minibatch with momentum': (
        [0.32978659497682666, 0.22949562870075627, 0.14692380010315478],
        [
            np.array([
                [0.37339351880915805, 0.19032916070306902, 0.6297549039870728],
                [-0.6082591418897251, 0.28055235087121305, 0.000981265165178258],
                [0.4515064330976671, -0.5260136569480302, 0.07725671491282164],
                [-0.7033194533863341, 0.5966353974296359, -0.002094611269853376],
            ]),
            np.array([-0.26634344695157064, -0.3955397417451965, -0.6129923400559624, 0.2676263544630779]),
            np.array([[0.264493448235718, -0.5897167350630107, 0.46492137865941713, -0.6967865292474947]]),
            np.array([0.1414134231158384]),
        ],
    ),
    'splits': [
        [[7.0, 4.0, 2.0, 10.0, 3.0, 1.0, 11.0, 6.0], [8.0, 0.0, 5.0, 9.0]],
        [[7.0, 9.0, 11.0, 6.0, 8.0, 1.0, 10.0, 2.0], [3.0, 4.0, 0.0, 5.0]],
    ],
    'fit with validation': (
        (
            [0.7605255416303368, 0.5634667805896107, 0.3931308785190096, 0.5229080709495456],
            [0.5573012200630754, 0.45514189554049583, 0.3756866841311312, 0.3148075490467663],
        ),
        [
            np.array([
                [-0.4059363056961436, -0.06169055649144876, 0.3602824483820322],
                [-0.48301597002067326, -0.529296982327015, 0.08510196635913403],
                [-0.23740036036824902, 0.3588201632060479, 0.4785616124933301],
                [-0.4434508455766223, -0.5511857027753309, -0.03929922373711831],
                [0.4879802336943995, 0.0008311341532608096, 0.02857149356008695],
                [-0.33151905032607065, -0.3464112668180064, -0.21530848771686834],
                [0.46829809520396753, -0.4865549997403182, 0.5856609174386995],
                [-0.1175104503074363, -0.16981353819474537, 0.4026079288407102],
            ]),
            np.array([
                0.49614833947121917, -0.2915442810401333, -0.19212012424189537, 0.3445109440617073,
                -0.05308069734463972, -0.2439272109586367, -0.46120767930439066, -0.24782513525461955,
            ]),
            np.array([
                [
                    0.009783696970919612, 0.15542145446633573, 0.2616730655100235, -0.2486472231025773,
                    -0.07280274112988548, -0.20859543478024273, 0.2138656820707038, -0.27926908075197004,
                ],
            ]),
            np.array([0.23445287100519835]),
        ],
    ),
    'early stopping': (
        (
            [
                1.4690877666074378, 1.2013245997317796, 0.923838528006221, 0.70876929254875, 0.5620080644168095,
                0.43783257899637057,
            ],
            [
                0.12366490055340729, 0.05072593097595357, 0.013067666674484148, 0.00034591817518772085,
                0.004851749615101045, 0.021210727707964536,
            ],
            3,
        ),
        [np.array([[0.7720125721063921]]), np.array([-0.007059195548357895])],
    ),
}
# END RECORDED
