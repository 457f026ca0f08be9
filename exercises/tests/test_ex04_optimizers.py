"""Public tests for exercise 4: training with torch.optim.

Run them with ``pytest exercises/tests/test_ex04_optimizers.py`` (add ``-x`` to
stop at the first failure, ``--pdb`` to debug it). Each test names its task.
Expected values are worked out here, by hand or by an independent loop that
this file runs itself with ``torch.optim`` (never with your code), from the
very same seeds and data. The grader runs these tests too, plus hidden ones
with random data, learning rates and seeds, so make your code right in general.
"""

import math
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from hardway import expect

#: Every snippet starts with these imports, so it never relies on names your module happens to import.
IMPORTS = "import torch\nfrom torch import nn\n"
#: A small network, built from a seed; this file builds the identical one to compute expected values.
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

ZERO_GRAD_HINT = ("the first loss is right but later ones drift: backward() adds to .grad, so gradients pile up "
                  "unless you call optimizer.zero_grad() every epoch")
STEP_HINT = ("the loss never changes, so the parameters never moved: "
             "call optimizer.step() after loss.backward(), which is what fills .grad")
LOOP_HINT = "each epoch is model.train(), optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step()"
ITEM_HINT = "return Python floats: use loss.item() (or float(...)), not the tensor itself"
SAME_START_HINT = ("every optimizer should start from the same initial weights: call torch.manual_seed(seed) "
                   "right before make_model(), inside the loop over names")


def build(source: str, **values: Any) -> dict[str, Any]:
    """Run model-building `source` here, in the test, exactly as the snippet runs it."""
    namespace: dict[str, Any] = {"torch": torch, "nn": nn, **values}
    exec(IMPORTS + source, namespace)  # noqa: S102 - the test's own text
    return namespace


def hand_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
              loss_fn: Any, epochs: int) -> list[float]:
    """The canonical loop, written out once here as the yardstick for `train`."""
    losses = []
    for _ in range(epochs):
        model.train()
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def parameters_of(model: nn.Module) -> list[np.ndarray]:
    return [p.detach().numpy() for p in model.parameters()]


def loop_hint(got: Any, expected: list[float]) -> str:
    """Name the likely mistake from the shape of the wrong loss curve."""
    if isinstance(got, list) and len(got) == len(expected) > 2 and all(type(v) is float for v in got):
        if len(set(got)) == 1 and len(set(expected)) > 1:
            return STEP_HINT
        if math.isclose(got[0], expected[0], rel_tol=1e-9, abs_tol=1e-12):
            return ZERO_GRAD_HINT
    return LOOP_HINT


def check_losses(call: str, got: Any, expected: list[float]) -> None:
    """One Python float per epoch, equal to the yardstick's."""
    __tracebackhide__ = True
    if not isinstance(got, list) or len(got) != len(expected):
        expect.fail(call, got, f"a list of {len(expected)} losses, one per epoch")
    for value in got:
        expect.is_float(call, value, hint=ITEM_HINT)
    expect.close(call, got, expected, rtol=1e-9, atol=1e-12, hint=loop_hint(got, expected))


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
            "    optimizer.zero_grad()\n    (3.0 * w).sum().backward()\n    optimizer.step()\n"
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


@pytest.mark.task("4.2", points=3)
def test_train_matches_a_hand_written_loop(submission):
    call = (NET + DATA + "optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)\n"
            f"losses = train(model, x, y, optimizer, epochs=8)\nlosses, {PARAMETERS}")
    got = submission.run(IMPORTS + call, seed=0, xs=XS, ys=YS)
    mine = build(NET, seed=0)["model"]
    expected = hand_loop(mine, torch.tensor(XS), torch.tensor(YS),
                         torch.optim.SGD(mine.parameters(), lr=0.05, momentum=0.9), nn.MSELoss(), 8)
    losses = got[0] if isinstance(got, tuple) else got
    check_losses(call, losses, expected)
    expect.close(call, got[1], parameters_of(mine), rtol=1e-9, atol=1e-12,
                 hint="after training, the parameters should be where the same loop leaves them")


@pytest.mark.task("4.2")
def test_train_uses_the_loss_function_it_is_given(submission):
    call = (NET + DATA + "optimizer = torch.optim.Adam(model.parameters(), lr=0.01)\n"
            "train(model, x, y, optimizer, loss_fn=nn.L1Loss(), epochs=5)")
    mine = build(NET, seed=1)["model"]
    expected = hand_loop(mine, torch.tensor(XS), torch.tensor(YS), torch.optim.Adam(mine.parameters(), lr=0.01),
                         nn.L1Loss(), 5)
    check_losses(call, submission.run(IMPORTS + call, seed=1, xs=XS, ys=YS), expected)


@pytest.mark.task("4.2")
def test_train_returns_one_python_float_per_epoch(submission):
    call = NET + DATA + "train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.1), epochs=4)"
    got = submission.run(IMPORTS + call, seed=2, xs=XS, ys=YS)
    if not isinstance(got, list) or len(got) != 4:
        expect.fail(call, got, "a list of 4 losses, one per epoch")
    for value in got:
        expect.is_float(call, value, hint=ITEM_HINT)


@pytest.mark.task("4.2")
def test_gradients_do_not_pile_up_across_epochs(submission):
    # With lr = 0 the model never moves, so every epoch computes the same loss and the same gradient.
    call = (NET + DATA + "losses = train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.0), epochs=3)\n"
            "losses, [None if p.grad is None else p.grad.numpy() for p in model.parameters()]")
    losses, got = submission.run(IMPORTS + call, seed=3, xs=XS, ys=YS)
    mine = build(NET, seed=3)["model"]
    loss = nn.MSELoss()(mine(torch.tensor(XS)), torch.tensor(YS))
    loss.backward()
    one_epoch = [p.grad.numpy() for p in mine.parameters()]
    if isinstance(got, list) and len(got) == len(one_epoch):
        got = [expected if grad is None else grad for grad, expected in zip(got, one_epoch)]
    expect.close(call, got, one_epoch, rtol=1e-9, atol=1e-12,
                 hint="after 3 epochs .grad holds 3 epochs' gradients added up: "
                      "call optimizer.zero_grad() every epoch, before backward()")
    # Clean gradients count only from a loop that trains: 3 epochs, 3 equal losses.
    check_losses(call, losses, [loss.item()] * 3)


@pytest.mark.task("4.2")
def test_train_switches_the_model_to_training_mode(submission):
    call = (DROPOUT_NET + DATA + "model.eval()\n"
            "train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.01), epochs=1)\nmodel.training")
    expect.equal(call, submission.run(IMPORTS + call, seed=4, xs=XS, ys=YS), True,
                 hint="call model.train() in the loop: the model may arrive in eval mode (after evaluate, say)")


@pytest.mark.task("4.2", points=2)
def test_evaluate_switches_dropout_off(submission):
    call = DROPOUT_NET + DATA + "model.train()\n[evaluate(model, x, y), evaluate(model, x, y)]"
    got = submission.run(IMPORTS + call, seed=5, xs=XS, ys=YS)
    mine = build(DROPOUT_NET, seed=5)["model"].eval()
    with torch.no_grad():
        no_dropout = nn.MSELoss()(mine(torch.tensor(XS)), torch.tensor(YS)).item()
    if isinstance(got, list):
        for value in got:
            expect.is_float(call, value, hint=ITEM_HINT)
    expect.close(call, got, [no_dropout, no_dropout], rtol=1e-9, atol=1e-12,
                 hint="call model.eval() before the forward pass: in train mode dropout zeroes random units, "
                      "so the loss changes from call to call")


@pytest.mark.task("4.2")
def test_evaluate_puts_the_mode_back(submission):
    call = (DROPOUT_NET + DATA + "model.train()\nin_train_mode = evaluate(model, x, y)\nafter_train = model.training\n"
            "model.eval()\nin_eval_mode = evaluate(model, x, y)\n"
            "(after_train, model.training), [in_train_mode, in_eval_mode]")
    modes, losses = submission.run(IMPORTS + call, seed=6, xs=XS, ys=YS)
    expect.equal(call, modes, (True, False),
                 hint="note model.training before switching to eval mode, and afterwards put it back with "
                      "model.train(was_training)")
    # Putting the mode back counts only when evaluating works: the loss without dropout, from either mode.
    mine = build(DROPOUT_NET, seed=6)["model"].eval()
    with torch.no_grad():
        no_dropout = nn.MSELoss()(mine(torch.tensor(XS)), torch.tensor(YS)).item()
    expect.close(call, losses, [no_dropout, no_dropout], rtol=1e-9, atol=1e-12,
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


@pytest.mark.task("4.3", points=2)
def test_linear_regression_predicts_one_number_per_row(submission):
    xs = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-2.0, 1.0, 4.0]])
    call = ("model = LinearRegression(3).double()\n"
            "with torch.no_grad():\n"
            "    model.linear.weight.copy_(torch.tensor([[1.0, -2.0, 0.5]]))\n"
            "    model.linear.bias.fill_(0.25)\n"
            "model(torch.tensor(xs))")
    got = submission.run(IMPORTS + call, xs=xs)
    data = getattr(got, "data", got)
    if not isinstance(data, np.ndarray) or data.shape != (4,):
        expect.fail(call, got, "a tensor of shape (4,), one prediction per row",
                    hint="return shape (n,), not (n, 1): squeeze the last dimension. Against (n,) targets an "
                         "(n, 1) prediction broadcasts to an (n, n) table inside nn.MSELoss")
    expect.close(call, data, xs @ np.array([1.0, -2.0, 0.5]) + 0.25, hint="the prediction is x @ w + b")


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


@pytest.mark.task("4.3")
def test_fit_line_accepts_a_flat_float64_x(submission):
    xs = np.linspace(-1.0, 1.0, 25)
    ys = 0.75 * xs + 2.0 + 0.05 * np.cos(7.0 * xs)
    call = "fit_line(torch.tensor(xs), torch.tensor(ys), epochs=400, lr=0.3)"
    expect.close(call, submission.run(IMPORTS + call, xs=xs, ys=ys), tuple(least_squares(xs, ys)),
                 rtol=1e-8, atol=1e-8,
                 hint="reshape a flat x to (n, 1), and make the model with x's dtype and device "
                      "(.to(dtype=x.dtype, device=x.device)) so float64 data stays float64")


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


@pytest.mark.task("4.4", points=2)
def test_sgd_step_matches_torch_optim_sgd(submission):
    call = (NET + DATA + "buffers = None\n"
            "for _ in range(10):\n"
            "    model.zero_grad()\n    nn.functional.mse_loss(model(x), y).backward()\n"
            "    buffers = sgd_step(model.parameters(), lr=0.05, momentum=0.9, buffers=buffers)\n"
            + PARAMETERS)
    mine = build(NET, seed=8)["model"]
    hand_loop(mine, torch.tensor(XS), torch.tensor(YS), torch.optim.SGD(mine.parameters(), lr=0.05, momentum=0.9),
              nn.MSELoss(), 10)
    expect.close(call, submission.run(IMPORTS + call, seed=8, xs=XS, ys=YS), parameters_of(mine),
                 rtol=1e-10, atol=1e-12,
                 hint="torch.optim.SGD with momentum does buf = momentum * buf + grad (buf = grad at first), "
                      "then p -= lr * buf")


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


@pytest.mark.task("4.4", points=3)
def test_adam_step_matches_torch_optim_adam(submission):
    call = (NET + DATA + "state = {}\n"
            "for _ in range(15):\n"
            "    model.zero_grad()\n    nn.functional.mse_loss(model(x), y).backward()\n"
            "    adam_step(model.parameters(), state, lr=0.01)\n"
            + PARAMETERS)
    mine = build(NET, seed=9)["model"]
    hand_loop(mine, torch.tensor(XS), torch.tensor(YS), torch.optim.Adam(mine.parameters(), lr=0.01), nn.MSELoss(), 15)
    expect.close(call, submission.run(IMPORTS + call, seed=9, xs=XS, ys=YS), parameters_of(mine),
                 rtol=1e-9, atol=1e-12,
                 hint="Adam: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, bias correction m / (1 - b1^t) and "
                      "v / (1 - b2^t), then p -= lr * m_hat / (sqrt(v_hat) + eps), with t counting calls from 1")


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


# -- Task 4.6: comparing optimizers --------------------------------------------------------------


TWO_FEATURES = "make_model = lambda: nn.Sequential(nn.Linear(2, 1), nn.Flatten(0, 1)).double()\n"
FACTORY = {"sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
           "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
           "adam": lambda p, lr: torch.optim.Adam(p, lr=lr)}


@pytest.mark.task("4.6", points=2)
def test_compare_optimizers_matches_hand_written_loops(submission):
    xs, ys = XS[:, :2], YS
    call = TWO_FEATURES + DATA + "compare_optimizers(make_model, x, y, lr=0.05, epochs=6, seed=3)"
    got = submission.run(IMPORTS + call, xs=xs, ys=ys)
    expected = {}
    for name, make in FACTORY.items():
        torch.manual_seed(3)
        model = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0, 1)).double()
        expected[name] = hand_loop(model, torch.tensor(xs), torch.tensor(ys), make(model.parameters(), 0.05),
                                   nn.MSELoss(), 6)
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
