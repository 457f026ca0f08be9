"""Hidden tests for exercise 4 (never shipped to students).

Data, architectures, learning rates, seeds and step counts are drawn from
`rng`, which the grading seed fixes. Every snippet seeds torch itself before
building its model, and the grader builds the identical model from the same
source and seed in its own process, then trains it with ``torch.optim`` and a
loop of its own (see `oracles_ex04`), or solves least squares in closed form.
Those oracles must agree with the reference solution before a student's
answer is judged. Each test runs once per available device (the CPU, plus
CUDA where the grader has it); the device name reaches the snippet as `device`.
By the kit's device rule (`hardway.pytest_plugin.task_marker`) only the CPU run
earns points; device handling is graded on every machine by the public tests
on the "meta" device.

Only values are random. Every case that decides a requirement (each optimizer
name with and without options, each loss function, both modes of a model, a
single row, a flat and a column x, a parameter without a gradient) is in every
run, so a grade never depends on the seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograder.hidden.oracles import agreed
from autograder.hidden.oracles_ex04 import (
    DATA,
    IMPORTS,
    PARAMETERS,
    TORCH_LOADER,
    available_devices,
    build,
    early_stopping_run,
    hand_loop,
    held_out_loss,
    least_squares,
    minibatch_epochs,
    model_source,
    parameters_of,
    random_architecture,
    random_data,
    tensors,
    torch_loader,
    uneven_batch_size,
    validation_run,
)
from hardway import expect
from hardway.testkit_ex04 import ITEM_HINT, STEP_COUNTER, check_losses

RTOL, ATOL = 1e-8, 1e-10
NAMES = ("sgd", "momentum", "adam")


@pytest.fixture(params=available_devices())
def device(request: pytest.FixtureRequest) -> str:
    """The device the snippets put their tensors on."""
    return request.param


def torch_optimizer(name: str, params: Any, lr: float, **options: Any) -> Any:
    """The optimizer each name stands for, made directly with torch.optim."""
    import torch

    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, **options)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, **{"momentum": 0.9, **options})
    return torch.optim.Adam(params, lr=lr, **options)


def random_problem(rng: np.random.Generator, kind: str = "mlp") -> tuple[str, np.ndarray, np.ndarray, int]:
    """(model-building source, xs, ys, seed) for a small random regression problem on a network of `kind`."""
    n_in = int(rng.integers(1, 5))
    xs, ys = random_data(rng, n_in)
    return model_source(random_architecture(rng, n_in, kind=kind)), xs, ys, int(rng.integers(0, 10_000))


# -- 4.1 ------------------------------------------------------------------------------------


@pytest.mark.task("4.1", points=2)
def test_make_optimizer_with_random_settings_steps_like_torch(submission, reference, rng, device):
    # Each name once without options and once with one: which ones is fixed, only the values are random.
    cases = [(name, with_options) for name in NAMES for with_options in (False, True)]
    for index in rng.permutation(len(cases)).tolist():
        name, with_options = cases[index]
        build_model, xs, ys, seed = random_problem(rng, "mlp" if with_options else "linear")
        lr = float(rng.uniform(0.01, 0.1))
        options: dict[str, Any] = {}
        if name == "momentum" and with_options:
            options["momentum"] = round(float(rng.uniform(0.5, 0.85)), 3)
        if name == "sgd" and with_options:
            options["weight_decay"] = round(float(rng.uniform(0.01, 0.1)), 3)
        if name == "adam" and with_options:
            options["betas"] = (round(float(rng.uniform(0.7, 0.85)), 3), round(float(rng.uniform(0.9, 0.99)), 4))
        extra = "".join(f", {key}={value!r}" for key, value in options.items())
        call = (build_model + DATA + f"optimizer = make_optimizer({name!r}, model.parameters(), lr{extra})\n"
                "for _ in range(3):\n"
                "    optimizer.zero_grad()\n    nn.functional.mse_loss(model(x), y).backward()\n    optimizer.step()\n"
                f"type(optimizer).__name__, {PARAMETERS}")
        inputs = {"seed": seed, "xs": xs, "ys": ys, "lr": lr, "device": device}
        mine = build(build_model, seed=seed, device=device)["model"]
        x, y = tensors(xs, ys, device)
        optimizer = torch_optimizer(name, mine.parameters(), lr, **options)
        hand_loop(mine, x, y, optimizer, lambda p, t: ((p - t) ** 2).mean(), 3)
        oracle = parameters_of(mine)
        expected = agreed(oracle, reference.run(IMPORTS + call, **inputs)[1])
        class_name, got = submission.run(IMPORTS + call, **inputs)
        shown = f"{call}  # with lr = {lr!r}"
        expect.equal(shown, class_name, type(optimizer).__name__,
                     hint="'sgd' and 'momentum' are torch.optim.SGD; 'adam' is torch.optim.Adam")
        expect.close(shown, got, expected, rtol=RTOL, atol=ATOL,
                     hint="pass lr and every keyword on to the optimizer; 'momentum' means momentum=0.9 unless given")


@pytest.mark.task("4.1")
def test_unknown_names_are_rejected(submission, rng):
    bad = ["rmsprop", "adagrad", "adamw", "nesterov", "lbfgs", "sgd_momentum", "", "ada", "adam "]
    for name in rng.permutation(bad).tolist():
        call = f"raised(lambda: make_optimizer({name!r}, [torch.zeros(1, requires_grad=True)], 0.1))"
        got = submission.run(IMPORTS + call)
        for valid in NAMES:
            expect.rejects(call, got, "ValueError", mentions=(valid,),
                           hint="raise ValueError for a name you do not know, and list the valid ones")


# -- 4.2 ------------------------------------------------------------------------------------

LOSSES = {"None": "nn.MSELoss()", "nn.L1Loss()": "nn.L1Loss()", "nn.HuberLoss(delta=0.5)": "nn.HuberLoss(delta=0.5)"}


@pytest.mark.task("4.2", points=4)
def test_train_matches_an_independent_loop(submission, reference, rng, device):
    # Every optimizer and every loss function once, paired at random.
    pairs = zip(NAMES, rng.permutation(list(LOSSES)).tolist(), ("linear", "mlp", "mlp"), strict=True)
    for name, loss_given, kind in pairs:
        build_model, xs, ys, seed = random_problem(rng, kind)
        lr = float(rng.uniform(0.005, 0.05) if name == "adam" else rng.uniform(0.01, 0.1))
        epochs = int(rng.integers(3, 11))
        make = {"sgd": "torch.optim.SGD(model.parameters(), lr=lr)",
                "momentum": "torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)",
                "adam": "torch.optim.Adam(model.parameters(), lr=lr)"}[name]
        call = (build_model + DATA + f"optimizer = {make}\n"
                f"losses = train(model, x, y, optimizer, loss_fn={loss_given}, epochs={epochs})\n"
                f"losses, {PARAMETERS}")
        inputs = {"seed": seed, "xs": xs, "ys": ys, "lr": lr, "device": device}
        namespace = build(build_model, seed=seed, device=device)
        mine = namespace["model"]
        x, y = tensors(xs, ys, device)
        loss_fn = eval(LOSSES[loss_given], {"nn": namespace["nn"]})  # noqa: S307 - the grader's own text
        oracle = (hand_loop(mine, x, y, torch_optimizer(name, mine.parameters(), lr), loss_fn, epochs),
                  parameters_of(mine))
        expected = agreed(oracle, reference.run(IMPORTS + call, **inputs))
        got = submission.run(IMPORTS + call, **inputs)
        shown = f"{call}  # with lr = {lr!r}"
        check_losses(shown, got[0] if isinstance(got, tuple) else got, expected[0], RTOL, ATOL)
        expect.close(shown, got[1], expected[1], rtol=RTOL, atol=ATOL,
                     hint="after training, the parameters should be where the same loop leaves them")


@pytest.mark.task("4.2")
def test_gradients_do_not_accumulate(submission, reference, rng, device):
    build_model, xs, ys, seed = random_problem(rng)
    epochs = int(rng.integers(2, 6))
    call = (build_model + DATA
            + f"losses = train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.0), epochs={epochs})\n"
            "losses, [None if p.grad is None else p.grad.cpu().numpy() for p in model.parameters()]")
    inputs = {"seed": seed, "xs": xs, "ys": ys, "device": device}
    mine = build(build_model, seed=seed, device=device)["model"]
    x, y = tensors(xs, ys, device)
    loss = ((mine(x) - y) ** 2).mean()
    loss.backward()
    oracle = ([loss.item()] * epochs, [p.grad.cpu().numpy() for p in mine.parameters()])
    expected_losses, expected = agreed(oracle, reference.run(IMPORTS + call, **inputs))
    losses, got = submission.run(IMPORTS + call, **inputs)
    shown = f"{call}  # lr = 0, so every epoch has the same loss and the same gradient"
    if isinstance(got, list) and len(got) == len(expected):
        got = [want if grad is None else grad for grad, want in zip(got, expected, strict=False)]
    expect.close(shown, got, expected, rtol=RTOL, atol=ATOL,
                 hint=f"after {epochs} epochs .grad holds {epochs} epochs' gradients added up: "
                      "call optimizer.zero_grad() every epoch, before backward()")
    # Clean gradients count only from a loop that trains.
    check_losses(shown, losses, expected_losses, RTOL, ATOL)


@pytest.mark.task("4.2", points=2)
def test_evaluate_matches_the_loss_without_dropout(submission, reference, rng, device):
    for training in (True, False):  # from either mode, and back to it
        n_in = int(rng.integers(1, 5))
        xs, ys = random_data(rng, n_in)
        seed, p = int(rng.integers(0, 10_000)), round(float(rng.uniform(0.2, 0.8)), 3)
        build_model = model_source(random_architecture(rng, n_in, dropout=p))
        call = (build_model + DATA + f"model.train({training})\n"
                "[evaluate(model, x, y), evaluate(model, x, y)], model.training")
        inputs = {"seed": seed, "xs": xs, "ys": ys, "device": device}
        mine = build(build_model, seed=seed, device=device)["model"].eval()
        x, y = tensors(xs, ys, device)
        import torch

        with torch.no_grad():
            no_dropout = float(((mine(x) - y) ** 2).mean())
        expected = agreed(([no_dropout, no_dropout], float(training)), reference.run(IMPORTS + call, **inputs))
        values, mode = submission.run(IMPORTS + call, **inputs)
        if isinstance(values, list):
            for value in values:
                expect.is_float(call, value, hint=ITEM_HINT)
        expect.close(call, values, expected[0], rtol=RTOL, atol=ATOL,
                     hint="call model.eval() before the forward pass: in train mode dropout zeroes random units")
        expect.equal(call, mode, training,
                     hint="put the model back in the mode it was in: model.train(was_training)")


@pytest.mark.task("4.2")
def test_evaluate_runs_without_gradients(submission, rng, device):
    build_model, xs, ys, seed = random_problem(rng)
    call = (build_model + DATA + "seen = []\n"
            "def spying_loss(prediction, target):\n"
            "    seen.append(prediction.requires_grad)\n"
            "    return ((prediction - target) ** 2).mean()\n"
            "value = evaluate(model, x, y, loss_fn=spying_loss)\n"
            "seen, [p.grad is None for p in model.parameters()]")
    seen, untouched = submission.run(IMPORTS + call, seed=seed, xs=xs, ys=ys, device=device)
    expect.equal(call, seen, [False], hint="run the forward pass under torch.no_grad(): evaluating builds no graph")
    expect.equal(call, all(untouched), True, hint="evaluating must leave every parameter's .grad alone")


# -- 4.3 ------------------------------------------------------------------------------------


@pytest.mark.task("4.3", points=2)
def test_linear_regression_forward_on_random_inputs(submission, reference, rng, device):
    for n in (1, int(rng.integers(2, 9))):  # a single row is always one of the cases
        n_features = int(rng.integers(1, 7))
        xs, weight, bias = rng.normal(size=(n, n_features)), rng.normal(size=n_features), float(rng.normal())
        call = (f"model = LinearRegression({n_features}).to(dtype=torch.float64, device=device)\n"
                "with torch.no_grad():\n"
                "    model.linear.weight.copy_(torch.tensor(weight).reshape(1, -1))\n"
                "    model.linear.bias.fill_(bias)\n"
                "prediction = model(torch.tensor(xs, device=device))\n"
                "tuple(prediction.shape), prediction.detach().cpu().numpy(), "
                "[type(m).__name__ for m in model.modules()]")
        inputs = {"xs": xs, "weight": weight, "bias": bias, "device": device}
        oracle = ((n,), xs @ weight + bias)
        reference_shape, reference_values, _ = reference.run(IMPORTS + call, **inputs)
        expected = agreed(oracle, (reference_shape, reference_values))
        shape, values, modules = submission.run(IMPORTS + call, **inputs)
        expect.equal(call, shape, (n,),
                     hint="return shape (n,) for every n, 1 included: squeeze only the last dimension, "
                          ".squeeze(-1), since .squeeze() turns a (1, 1) output into shape ()")
        expect.close(call, values, expected[1], rtol=RTOL, atol=ATOL, hint="the prediction is x @ w + b")
        expect.equal(call, modules, ["LinearRegression", "Linear"],
                     hint="self.linear = nn.Linear(n_features, 1) is the model's only submodule: no nn.Flatten, "
                          "reshape in forward instead")


@pytest.mark.task("4.3", points=2)
def test_linear_regression_trains_to_least_squares(submission, reference, rng, device):
    n_features, n = int(rng.integers(1, 6)), int(rng.integers(40, 80))
    xs = rng.normal(size=(n, n_features))
    ys = xs @ rng.normal(size=n_features) + float(rng.normal()) + 0.2 * rng.normal(size=n)
    seed = int(rng.integers(0, 10_000))
    call = (f"torch.manual_seed(seed)\nmodel = LinearRegression({n_features}).to(dtype=torch.float64, device=device)\n"
            + DATA + "train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.1), epochs=400)\n"
            "model.linear.weight.detach().cpu().numpy().ravel(), model.linear.bias.item()")
    inputs = {"seed": seed, "xs": xs, "ys": ys, "device": device}
    solution = least_squares(xs, ys)
    expected = agreed((solution[:-1], solution[-1]), reference.run(IMPORTS + call, **inputs), rtol=1e-7, atol=1e-7)
    expect.close(call, submission.run(IMPORTS + call, **inputs), expected, rtol=1e-6, atol=1e-6,
                 hint="400 SGD steps reach the least-squares fit here; check that forward returns shape (n,)")


@pytest.mark.task("4.3", points=3)
def test_fit_line_recovers_random_lines(submission, reference, rng, device):
    for shaped in ("x", "x.reshape(-1, 1)"):  # a flat x and a column, every time
        n = int(rng.integers(30, 80))
        slope, intercept = rng.uniform(-3, 3, size=2).tolist()
        xs = rng.uniform(-1.0, 1.0, size=n)
        ys = slope * xs + intercept + float(rng.uniform(0.0, 0.5)) * rng.normal(size=n)
        lr = round(float(rng.uniform(0.2, 0.4)), 3)
        call = DATA + f"fit_line({shaped}, y, epochs=500, lr={lr})"
        inputs = {"xs": xs, "ys": ys, "device": device}
        expected = agreed(tuple(least_squares(xs, ys)), reference.run(IMPORTS + call, **inputs))
        got = submission.run(IMPORTS + call, **inputs)
        if isinstance(got, tuple):
            for value in got:
                expect.is_float(call, value, hint="return floats, not tensors: use .item()")
        expect.close(call, got, expected, rtol=1e-7, atol=1e-8,
                     hint="train nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)) in x's dtype and on its device "
                          "with SGD and MSE; reshape a flat x to (n, 1)")


# -- 4.4 ------------------------------------------------------------------------------------


def _update_loop(rule: str) -> str:
    """Steps of a by-hand rule; where ``keep[step][i]`` is False, parameter i has no gradient in that step."""
    return ("for step in range(steps):\n"
            "    model.zero_grad()\n    ((model(x) - y) ** 2).mean().backward()\n"
            "    for p, kept in zip(model.parameters(), keep[step]):\n"
            "        if not kept:\n            p.grad = None\n"
            "    lr = rates[step]\n"
            f"    {rule}\n" + PARAMETERS)


def check_the_rule(submission: Any, reference: Any, call: str, build_model: str, inputs: dict[str, Any], note: str,
                   hint: str, optimizer: str, **options: Any) -> None:
    """The parameters after the steps of `call` are where torch.optim's own `optimizer` (with `options`) leaves
    them, and where the reference leaves them; `note` tells the message the step's settings."""
    __tracebackhide__ = True
    expected = agreed(_torch_steps(build_model, inputs, optimizer, **options), reference.run(IMPORTS + call, **inputs))
    expect.close(f"{call}  # {note}", submission.run(IMPORTS + call, **inputs), expected, rtol=RTOL, atol=ATOL,
                 hint=hint)


def _torch_steps(build_model: str, inputs: dict[str, Any], optimizer: str, **options: Any) -> Any:
    """The steps of `inputs` (rates, gradients kept) taken by torch.optim's own `optimizer` on the same model.

    The yardstick for the rules by hand: the model is built from `build_model` as the snippet builds it.
    """
    import torch

    model = build(build_model, seed=inputs["seed"], device=inputs["device"])["model"]
    x, y = tensors(inputs["xs"], inputs["ys"], inputs["device"])
    optimizer = getattr(torch.optim, optimizer)(model.parameters(), **options)
    rates, keep = inputs["rates"], inputs["keep"]
    for step, rate in enumerate(rates):
        for group in optimizer.param_groups:
            group["lr"] = rate
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        for p, kept in zip(model.parameters(), keep[step], strict=False):
            if not kept:
                p.grad = None
        optimizer.step()
    return parameters_of(model)


def _everyone_every_step(steps: int, count: int) -> list[list[bool]]:
    return [[True] * count for _ in range(steps)]


def _some_skipped(steps: int, count: int) -> list[list[bool]]:
    """The last parameter has no gradient in the first step, the first none in the second: fixed, not drawn."""
    keep = _everyone_every_step(steps, count)
    keep[0][count - 1] = False
    keep[1][0] = False
    return keep


def _count_parameters(build_model: str) -> int:
    return len(list(build(build_model, seed=0, device="cpu")["model"].parameters()))


SGD_HINT = ("torch.optim.SGD with dampening=0: buf = grad on the first step, then buf = momentum * buf + grad, "
            "and p -= lr * buf with this step's lr (p -= lr * grad when momentum is 0); skip a parameter without a "
            "gradient and keep its buffer")
ADAM_HINT = ("Adam: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, bias correction m / (1 - b1^t) and "
             "v / (1 - b2^t), then p -= lr * m_hat / (sqrt(v_hat) + eps), with t counting this parameter's "
             "own steps from 1")


@pytest.mark.task("4.4", points=3)
def test_sgd_step_matches_torch_on_random_problems(submission, reference, rng, device):
    # Three runs, each from buffers=None: without momentum, then with two momenta (nothing may carry over).
    momenta = (0.0, round(float(rng.uniform(0.5, 0.95)), 3), round(float(rng.uniform(0.5, 0.95)), 3))
    for momentum, kind in zip(momenta, ("mlp", "linear", "mlp"), strict=False):
        build_model, xs, ys, seed = random_problem(rng, kind)
        lr, steps = float(rng.uniform(0.01, 0.2)), int(rng.integers(3, 11))
        call = (build_model + DATA + "buffers = None\n"
                + _update_loop("buffers = sgd_step(model.parameters(), lr=lr, momentum=momentum, buffers=buffers)"))
        keep = _everyone_every_step(steps, _count_parameters(build_model))
        inputs = {"seed": seed, "xs": xs, "ys": ys, "rates": [lr] * steps, "momentum": momentum, "steps": steps,
                  "keep": keep, "device": device}
        check_the_rule(submission, reference, call, build_model, inputs,
                       f"lr = {lr!r}, momentum = {momentum!r}, steps = {steps}", SGD_HINT,
                       "SGD", lr=lr, momentum=momentum)


@pytest.mark.task("4.4", points=2)
def test_sgd_step_follows_torch_when_lr_changes_and_gradients_are_missing(submission, reference, rng, device):
    build_model, xs, ys, seed = random_problem(rng)
    steps, momentum = int(rng.integers(4, 9)), round(float(rng.uniform(0.5, 0.95)), 3)
    rates = rng.uniform(0.01, 0.2, size=steps).tolist()
    keep = _some_skipped(steps, _count_parameters(build_model))
    call = (build_model + DATA + "buffers = None\n"
            + _update_loop("buffers = sgd_step(model.parameters(), lr=lr, momentum=momentum, buffers=buffers)"))
    inputs = {"seed": seed, "xs": xs, "ys": ys, "rates": rates, "momentum": momentum, "steps": steps, "keep": keep,
              "device": device}
    check_the_rule(submission, reference, call, build_model, inputs,
                   f"lr per step = {rates}, momentum = {momentum!r}, no gradient where keep is False: {keep}",
                   SGD_HINT + ". torch's buffer adds up gradients, not lr * gradient (the textbook velocity): "
                              "the two differ once lr changes",
                   "SGD", lr=rates[0], momentum=momentum)


@pytest.mark.task("4.4", points=3)
def test_adam_step_matches_torch_on_random_problems(submission, reference, rng, device):
    # The default eps on a two-layer network, then another eps (which must be used) on one Linear layer.
    for eps, kind in ((1e-8, "mlp"), (float(rng.choice([1e-6, 1e-4])), "linear")):
        build_model, xs, ys, seed = random_problem(rng, kind)
        lr, steps = float(rng.uniform(0.001, 0.05)), int(rng.integers(3, 13))
        betas = (round(float(rng.uniform(0.8, 0.95)), 3), round(float(rng.uniform(0.9, 0.9999)), 5))
        call = (build_model + DATA + "state = {}\n"
                + _update_loop("adam_step(model.parameters(), state, lr=lr, betas=betas, eps=eps)"))
        keep = _everyone_every_step(steps, _count_parameters(build_model))
        inputs = {"seed": seed, "xs": xs, "ys": ys, "rates": [lr] * steps, "betas": betas, "eps": eps,
                  "steps": steps, "keep": keep, "device": device}
        check_the_rule(submission, reference, call, build_model, inputs,
                       f"lr = {lr!r}, betas = {betas}, eps = {eps!r}, steps = {steps}", ADAM_HINT,
                       "Adam", lr=lr, betas=betas, eps=eps)


@pytest.mark.task("4.4", points=2)
def test_adam_step_counts_steps_per_parameter(submission, reference, rng, device):
    build_model, xs, ys, seed = random_problem(rng)
    lr, steps = float(rng.uniform(0.001, 0.05)), int(rng.integers(4, 10))
    betas = (round(float(rng.uniform(0.8, 0.95)), 3), round(float(rng.uniform(0.9, 0.9999)), 5))
    keep = _some_skipped(steps, _count_parameters(build_model))
    call = (build_model + DATA + "state = {}\n"
            + _update_loop("adam_step(model.parameters(), state, lr=lr, betas=betas)"))
    inputs = {"seed": seed, "xs": xs, "ys": ys, "rates": [lr] * steps, "betas": betas, "steps": steps, "keep": keep,
              "device": device}
    check_the_rule(submission, reference, call, build_model, inputs,
                   f"lr = {lr!r}, betas = {betas}, steps = {steps}, no gradient where keep is False: {keep}",
                   "a parameter without a gradient takes no step and keeps its own t, m and v: torch counts "
                   "steps per parameter, so t differs between parameters once one of them has skipped a step",
                   "Adam", lr=lr, betas=betas)


@pytest.mark.task("4.4")
def test_adam_first_step_is_about_lr(submission, reference, rng, device):
    size = int(rng.integers(1, 6))
    w0, grad = rng.normal(size=size), rng.normal(size=size) * 10.0 ** rng.uniform(-2, 2, size=size)
    lr = float(rng.uniform(0.001, 0.1))
    call = ("w = torch.tensor(w0, device=device, requires_grad=True)\nw.grad = torch.tensor(grad, device=device)\n"
            "adam_step([w], {}, lr=lr)\nw.detach().cpu().numpy()")
    inputs = {"w0": w0, "grad": grad, "lr": lr, "device": device}
    expected = agreed(w0 - lr * grad / (np.abs(grad) + 1e-8), reference.run(IMPORTS + call, **inputs))
    expect.close(f"{call}  # lr = {lr!r}", submission.run(IMPORTS + call, **inputs), expected, rtol=RTOL, atol=ATOL,
                 hint="the first step should be about lr per weight; without bias correction (dividing m by "
                      "1 - beta1**t and v by 1 - beta2**t) it is about 3.16 times too big")


# -- 4.5 ------------------------------------------------------------------------------------


def _landscape_case(rng: np.random.Generator, sizes: tuple[int, int] | None = None
                    ) -> tuple[dict[str, Any], list[float], list[float]]:
    """A random line and grid; `sizes` fixes (len(weights), len(biases)), 0 meaning "drawn from 2 to 5"."""
    n = int(rng.integers(3, 12))
    xs = rng.uniform(-2, 2, size=(n, 1))
    ys = float(rng.uniform(-2, 2)) * xs[:, 0] + float(rng.uniform(-1, 1)) + 0.3 * rng.normal(size=n)
    rows, columns = sizes or (0, 0)
    weights = np.round(rng.uniform(-3, 3, size=rows or int(rng.integers(2, 6))), 3).tolist()
    biases = np.round(rng.uniform(-3, 3, size=columns or int(rng.integers(2, 6))), 3).tolist()
    return {"xs": xs, "ys": ys, "weights": weights, "biases": biases, "seed": int(rng.integers(0, 10_000))}, \
        weights, biases


LINE_MODEL = model_source("nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1))")


@pytest.mark.task("4.5", points=2)
def test_loss_landscape_on_random_grids(submission, reference, rng, device):
    for sizes in ((1, 0), (0, 1), (0, 0)):  # a single weight, a single bias, then both drawn: every time
        inputs, weights, biases = _landscape_case(rng, sizes)
        call = LINE_MODEL + DATA + "loss_landscape(model, x, y, weights, biases)"
        xs, ys = inputs["xs"][:, 0], inputs["ys"]
        oracle = np.array([[np.mean((w * xs + b - ys) ** 2) for b in biases] for w in weights])
        expected = agreed(oracle, reference.run(IMPORTS + call, device=device, **inputs).data)
        got = submission.run(IMPORTS + call, device=device, **inputs)
        data = getattr(got, "data", got)
        shown = f"{call}  # weights = {weights}, biases = {biases}"
        if not isinstance(data, np.ndarray) or data.shape != expected.shape:
            expect.fail(shown, got, f"a tensor of shape {expected.shape} (len(weights), len(biases))")
        expect.close(shown, data, expected, rtol=RTOL, atol=ATOL,
                     hint="entry [i, j] is the loss with the weight set to weights[i] and the bias to biases[j]")


@pytest.mark.task("4.5", points=2)
def test_loss_landscape_leaves_random_models_untouched(submission, rng, device):
    inputs, _, _ = _landscape_case(rng)
    call = (LINE_MODEL + DATA + "model.train(training)\n"
            "before = [p.detach().clone().cpu().numpy() for p in model.parameters()]\n"
            "ids = [id(p) for p in model.parameters()]\n"
            "result = loss_landscape(model, x, y, weights, biases)\n"
            "([p.detach().cpu().numpy() for p in model.parameters()], before, "
            "[id(p) for p in model.parameters()] == ids, [p.requires_grad for p in model.parameters()], "
            "[p.grad is None for p in model.parameters()], result.requires_grad or result.grad_fn is not None)")
    training = bool(rng.random() < 0.5)
    after, before, same, requires_grad, no_grads, tracked = submission.run(
        IMPORTS + call, device=device, training=training, **inputs)
    expect.close(call, after, before, rtol=0.0, atol=0.0,
                 hint="save the weight and bias first and copy them back at the end (in a finally block)")
    expect.equal(call, same, True, hint="keep the same parameter objects; an optimizer holds references to them")
    expect.equal(call, requires_grad, [True, True], hint="the parameters must still require gradients afterwards")
    expect.equal(call, all(no_grads), True, hint="a landscape computes losses only; it must not fill .grad")
    expect.equal(call, tracked, False,
                 hint="compute the landscape under torch.no_grad(): the result must not track gradients")


# -- 4.6 ------------------------------------------------------------------------------------


@pytest.mark.task("4.6", points=3)
def test_compare_optimizers_on_random_races(submission, reference, rng, device):
    n_in = int(rng.integers(1, 4))
    xs, ys = random_data(rng, n_in)
    architecture = random_architecture(rng, n_in)
    names = tuple(rng.permutation(NAMES)[:2].tolist())  # always two of the three, in a random order
    lr, epochs, seed = float(rng.uniform(0.01, 0.08)), int(rng.integers(3, 9)), int(rng.integers(0, 10_000))
    call = (f"make_model = lambda: ({architecture}).to(dtype=torch.float64, device=device)\n" + DATA
            + f"compare_optimizers(make_model, x, y, names={names!r}, lr=lr, epochs={epochs}, seed={seed})")
    inputs = {"xs": xs, "ys": ys, "lr": lr, "device": device}
    oracle = {}
    for name in names:
        mine = build(model_source(architecture), seed=seed, device=device)["model"]
        x, y = tensors(xs, ys, device)
        oracle[name] = hand_loop(mine, x, y, torch_optimizer(name, mine.parameters(), lr),
                                 lambda p, t: ((p - t) ** 2).mean(), epochs)
    from_reference = reference.run(IMPORTS + call, **inputs)
    agreed([oracle[name] for name in names], [from_reference[name] for name in names])
    got = submission.run(IMPORTS + call, **inputs)
    note = f"  # lr = {lr!r}"
    shown = call + note
    if not isinstance(got, dict) or list(got) != list(names):
        expect.fail(shown, got, f"a dict with keys {list(names)}, in that order")
    firsts = [curve[0] for curve in got.values() if isinstance(curve, list) and curve and type(curve[0]) is float]
    if len(firsts) == len(names) and not all(math.isclose(f, firsts[0], rel_tol=1e-12) for f in firsts):
        expect.fail(shown, firsts, "equal first losses",
                    hint="every optimizer should start from the same initial weights: call torch.manual_seed(seed) "
                         "right before make_model(), inside the loop over names")
    for name in names:
        check_losses(f"{call}[{name!r}]{note}", got[name], oracle[name], RTOL, ATOL)


@pytest.mark.task("4.6", points=2)
def test_plot_losses_with_random_curves(submission, rng):
    for given in (True, False):  # on the axes given, and on a new figure
        labels = rng.permutation(["sgd", "momentum", "adam", "adamw", "rmsprop"])[: int(rng.integers(1, 5))].tolist()
        curves = {name: np.exp(np.cumsum(-rng.uniform(0, 1, size=int(rng.integers(2, 12))))).tolist()
                  for name in labels}
        call = ("import matplotlib.pyplot as plt\n"
                + ("figure, given = plt.subplots()\nax = plot_losses(curves, ax=given)\nsame = ax is given\n" if given
                   else "ax = plot_losses(curves)\nsame = True\n")
                + "result = (ax.get_yscale(), [line.get_label() for line in ax.get_lines()], "
                "[np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()], ax.get_legend() is not None, "
                "same)\nplt.close(ax.figure)\nresult")
        scale, got_labels, ydata, has_legend, same = submission.run(call, curves=curves)
        expect.equal(call, scale, "log", hint="use a log scale on the y axis: ax.set_yscale('log')")
        expect.equal(call, got_labels, labels, hint="draw one line per curve, in order, labelled with its name")
        expect.close(call, ydata, [np.array(v) for v in curves.values()],
                     hint="plot each curve's losses as its y values")
        expect.equal(call, has_legend, True, hint="add a legend (ax.legend()) so the labels show")
        expect.equal(call, same, True, hint="when an ax is given, draw on it and return it")


# -- 4.7 ------------------------------------------------------------------------------------

GENERATOR_HINT = ("shuffle with a random generator of the loader's own, made from the seed: "
                  "DataLoader(..., shuffle=shuffle, generator=torch.Generator().manual_seed(seed)); without it the "
                  "order comes from torch's global random numbers")
STEPS_HINT = ("an epoch is one full pass over the loader: len(loader) steps, one per batch; return one loss per "
              "epoch, the mean per row (loss.item() * len(yb) added up, divided by the rows)")


def _numbered_rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random rows whose first column repeats y, so a test can see that x and y stay paired."""
    ys = rng.normal(size=n)
    return np.column_stack([ys, rng.normal(size=(n, int(rng.integers(1, 4))))]), ys


@pytest.mark.task("4.7", points=2)
def test_make_loader_batches_random_rows_in_the_seeded_order(submission, reference, rng, device):
    for shuffle in (True, False):  # both, every time; the last batch is always a smaller one
        n = int(rng.integers(7, 30))
        batch_size, seed, noise = uneven_batch_size(rng, n), int(rng.integers(0, 10_000)), int(rng.integers(0, 99))
        xs, ys = _numbered_rows(rng, n)
        call = (DATA + f"loader = make_loader(x, y, batch_size={batch_size}, seed={seed}, shuffle={shuffle})\n"
                f"torch.manual_seed({noise})\n"
                "[[(xb.cpu().numpy(), yb.cpu().numpy()) for xb, yb in loader] for _ in range(2)]")
        inputs = {"xs": xs, "ys": ys, "device": device}
        x, y = tensors(xs, ys, "cpu")
        loader = torch_loader(x, y, batch_size, seed, shuffle)
        oracle = [[(xb.numpy(), yb.numpy()) for xb, yb in loader] for _ in range(2)]
        expected = agreed(oracle, reference.run(IMPORTS + call, **inputs), rtol=0.0, atol=0.0)
        got = submission.run(IMPORTS + call, **inputs)
        sizes = [[len(yb) for _, yb in epoch] for epoch in oracle]
        if not isinstance(got, list) or [[len(batch[1]) if isinstance(batch, tuple) else None for batch in epoch]
                                         for epoch in got] != sizes:
            expect.fail(call, got, f"two epochs of batches of these sizes: {sizes}",
                        hint="DataLoader(TensorDataset(x, y), batch_size=batch_size, ...): every row once per epoch, "
                             "the last batch holding what is left")
        expect.close(call, got, expected, rtol=0.0, atol=0.0,
                     hint=GENERATOR_HINT if shuffle else "with shuffle=False the rows come in order")


@pytest.mark.task("4.7", points=3)
def test_train_minibatch_matches_an_independent_loop(submission, reference, rng, device):
    # Every optimizer and every loss function once, paired at random; the last batch is always smaller.
    pairs = zip(NAMES, rng.permutation(list(LOSSES)).tolist(), ("linear", "mlp", "mlp"), strict=True)
    for name, loss_given, kind in pairs:
        build_model, xs, ys, seed = random_problem(rng, kind)
        batch_size, loader_seed = uneven_batch_size(rng, len(ys)), int(rng.integers(0, 10_000))
        lr = float(rng.uniform(0.005, 0.05) if name == "adam" else rng.uniform(0.01, 0.1))
        epochs = int(rng.integers(2, 4))
        make = {"sgd": "torch.optim.SGD(model.parameters(), lr=lr)",
                "momentum": "torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)",
                "adam": "torch.optim.Adam(model.parameters(), lr=lr)"}[name]
        call = (build_model + DATA + "x_train, y_train = x, y\n" + TORCH_LOADER + f"optimizer = {make}\n"
                f"losses = train_minibatch(model, loader, optimizer, loss_fn={loss_given}, epochs={epochs})\n"
                f"losses, {PARAMETERS}")
        inputs = {"seed": seed, "xs": xs, "ys": ys, "lr": lr, "device": device, "batch_size": batch_size,
                  "loader_seed": loader_seed}
        namespace = build(build_model, seed=seed, device=device)
        mine = namespace["model"]
        x, y = tensors(xs, ys, device)
        loss_fn = eval(LOSSES[loss_given], {"nn": namespace["nn"]})  # noqa: S307 - the grader's own text
        oracle = (minibatch_epochs(mine, torch_loader(x, y, batch_size, loader_seed), torch_optimizer(
            name, mine.parameters(), lr), loss_fn, epochs), parameters_of(mine))
        expected = agreed(oracle, reference.run(IMPORTS + call, **inputs))
        got = submission.run(IMPORTS + call, **inputs)
        shown = f"{call}  # lr = {lr!r}, batch_size = {batch_size} for {len(ys)} rows"
        losses = got[0] if isinstance(got, tuple) else got
        if isinstance(losses, list) and len(losses) != epochs:
            expect.fail(shown, losses, f"a list of {epochs} losses, one per epoch", hint=STEPS_HINT)
        for value in losses if isinstance(losses, list) else []:
            expect.is_float(shown, value, hint=ITEM_HINT)
        expect.close(shown, got[1], expected[1], rtol=RTOL, atol=ATOL,
                     hint="one step per batch, each the canonical loop: zero_grad, forward, loss, backward, step")
        # The parameters are right, so the steps are: what is left is how an epoch's loss is added up.
        expect.close(shown, losses, expected[0], rtol=RTOL, atol=ATOL,
                     hint="the loss of an epoch is the mean per row: loss.item() * len(yb) added up over the batches, "
                          "divided by the number of rows")


@pytest.mark.task("4.7")
def test_train_minibatch_counts_epochs_not_steps(submission, rng, device):
    build_model, xs, ys, seed = random_problem(rng)
    batch_size, epochs = uneven_batch_size(rng, len(ys)), int(rng.integers(2, 5))
    call = (build_model + DATA + "x_train, y_train = x, y\n" + TORCH_LOADER
            + "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)" + STEP_COUNTER
            + f"losses = train_minibatch(model, loader, optimizer, epochs={epochs})\n"
            "len(steps), len(losses) if isinstance(losses, list) else losses")
    batches = -(-len(ys) // batch_size)
    got = submission.run(IMPORTS + call, seed=seed, xs=xs, ys=ys, device=device, batch_size=batch_size,
                         loader_seed=int(rng.integers(0, 10_000)))
    expect.equal(f"{call}  # {len(ys)} rows in batches of {batch_size}: {batches} batches", got,
                 (epochs * batches, epochs), hint=STEPS_HINT)


@pytest.mark.task("4.7")
def test_lr_for_summed_loss_on_random_settings(submission, rng):
    for name in rng.permutation(NAMES).tolist():
        lr, batch_size = round(float(rng.uniform(0.001, 0.5)), 4), int(rng.integers(2, 129))
        call = f"lr_for_summed_loss({name!r}, {lr!r}, {batch_size})"
        got = submission.run(call)
        expect.is_float(call, got, hint="return the learning rate as a Python float")
        expect.close(call, got, lr if name == "adam" else lr / batch_size, rtol=1e-12, atol=0.0,
                     hint="the summed loss's gradient is batch_size times the mean's: SGD (with or without momentum) "
                          "needs lr / batch_size; Adam's step does not change when every gradient is scaled")
    bad = rng.permutation(["rmsprop", "adamw", "SGD", "", "adam "]).tolist()[0]
    call = f"raised(lambda: lr_for_summed_loss({bad!r}, 0.1, 8))"
    got = submission.run(call)
    for valid in NAMES:
        expect.rejects(call, got, "ValueError", mentions=(valid,),
                       hint="raise ValueError for a name you do not know, and list the valid ones")


# -- 4.8 ------------------------------------------------------------------------------------

ONE_PART_HINT = ("every row goes to exactly one part: ONE permutation, torch.randperm(len(x), "
                 "generator=torch.Generator().manual_seed(seed)), its first n_val entries for validation and the rest "
                 "for training, each part in the permutation's order")


@pytest.mark.task("4.8", points=2)
def test_split_random_rows(submission, reference, rng, device):
    n = int(rng.integers(5, 40))
    for n_val in (1, n - 1, int(rng.integers(2, n - 1))):  # the smallest and largest parts, every time
        seed, noise = int(rng.integers(0, 10_000)), int(rng.integers(0, 99))
        xs, ys = _numbered_rows(rng, n)
        call = (DATA + f"torch.manual_seed({noise})\n"
                f"parts = split_train_val(x, y, {n_val}, seed={seed})\n"
                "[part.cpu().numpy() for part in parts], torch.rand(2).tolist()")
        inputs = {"xs": xs, "ys": ys, "device": device}
        import torch

        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
        torch.manual_seed(noise)
        untouched = torch.rand(2).tolist()
        oracle = ([xs[order[n_val:]], ys[order[n_val:]], xs[order[:n_val]], ys[order[:n_val]]], untouched)
        expected = agreed(oracle, reference.run(IMPORTS + call, **inputs), rtol=0.0, atol=0.0)
        parts, after = submission.run(IMPORTS + call, **inputs)
        shown = f"{call}  # {n} rows"
        if not isinstance(parts, list) or len(parts) != 4 or not all(isinstance(p, np.ndarray) for p in parts):
            expect.fail(shown, parts, "four tensors: x_train, y_train, x_val, y_val")
        expect.equal(shown + "  # the number of rows in each part", [len(part) for part in parts],
                     [n - n_val, n - n_val, n_val, n_val],
                     hint="n_val rows go to validation and the other len(x) - n_val to training")
        both = set(parts[1].tolist()) & set(parts[3].tolist())
        expect.equal(shown + "  # y values in both parts", sorted(both), [], hint=ONE_PART_HINT)
        expect.close(shown, parts, expected[0], rtol=0.0, atol=0.0, hint=ONE_PART_HINT)
        expect.close(shown + "  # torch.rand(2) afterwards, after torch.manual_seed", after, expected[1], rtol=0.0,
                     atol=0.0, hint="leave torch's global random numbers alone: draw from a generator of your own")


VALIDATION_HINT = ("after each epoch of train_minibatch, the validation loss on (x_val, y_val) with "
                   "evaluate(model, x_val, y_val, loss_fn): eval mode, no gradients")


def _held_out_problem(rng: np.random.Generator, dropout: bool) -> dict[str, Any]:
    """A random network (with dropout if asked), training rows in uneven batches and more held-out rows than a batch."""
    n_in = int(rng.integers(1, 4))
    xs, ys = random_data(rng, n_in)
    n_val = int(rng.integers(5, 9))
    while all((len(ys) - n_val) % size == 0 for size in range(2, 5)):
        n_val += 1  # so that some batch size below 5 leaves a smaller last batch
    p = round(float(rng.uniform(0.2, 0.6)), 3) if dropout else None
    return {"build_model": model_source(random_architecture(rng, n_in, dropout=p)), "xs": xs, "ys": ys,
            "n_val": n_val, "seed": int(rng.integers(0, 10_000)), "loader_seed": int(rng.integers(0, 10_000)),
            "batch_size": uneven_batch_size(rng, len(ys) - n_val, high=5)}


SPLIT = "x_train, y_train, x_val, y_val = x[n_val:], y[n_val:], x[:n_val], y[:n_val]\n"


@pytest.mark.task("4.8", points=3)
def test_fit_with_validation_matches_an_independent_loop(submission, reference, rng, device):
    for name, dropout in (("adam", True), ("momentum", False)):  # a model with dropout, and one without
        problem = _held_out_problem(rng, dropout)
        lr = float(rng.uniform(0.005, 0.03) if name == "adam" else rng.uniform(0.01, 0.05))
        epochs = int(rng.integers(2, 5))
        make = {"adam": "torch.optim.Adam(model.parameters(), lr=lr)",
                "momentum": "torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)"}[name]
        call = (problem["build_model"] + DATA + SPLIT + TORCH_LOADER + f"optimizer = {make}\n"
                f"curves = fit_with_validation(model, loader, x_val, y_val, optimizer, epochs={epochs})\n"
                f"curves, {PARAMETERS}")
        inputs = {key: problem[key] for key in ("xs", "ys", "n_val", "seed", "loader_seed", "batch_size")}
        inputs.update(lr=lr, device=device)
        mine = build(problem["build_model"], seed=problem["seed"], device=device)["model"]
        x, y = tensors(problem["xs"], problem["ys"], device)
        n_val = problem["n_val"]
        loader = torch_loader(x[n_val:], y[n_val:], problem["batch_size"], problem["loader_seed"])
        curves = validation_run(mine, loader, x[:n_val], y[:n_val], torch_optimizer(name, mine.parameters(), lr),
                                lambda p, t: ((p - t) ** 2).mean(), epochs)
        expected = agreed((curves, parameters_of(mine)), reference.run(IMPORTS + call, **inputs))
        got_curves, got_parameters = submission.run(IMPORTS + call, **inputs)
        shown = f"{call}  # lr = {lr!r}"
        if not isinstance(got_curves, tuple) or len(got_curves) != 2:
            expect.fail(shown, got_curves, "a tuple (train_losses, val_losses)")
        check_losses(shown + "  # the training curve", got_curves[0], expected[0][0], RTOL, ATOL)
        for value in got_curves[1] if isinstance(got_curves[1], list) else []:
            expect.is_float(shown, value, hint=ITEM_HINT)
        expect.close(shown + "  # the validation curve", got_curves[1], expected[0][1], rtol=RTOL, atol=ATOL,
                     hint=VALIDATION_HINT)
        expect.close(shown, got_parameters, expected[1], rtol=RTOL, atol=ATOL,
                     hint="each epoch is one epoch of train_minibatch over train_loader")


@pytest.mark.task("4.8")
def test_validation_runs_in_eval_mode_without_gradients(submission, rng, device):
    problem = _held_out_problem(rng, dropout=True)
    epochs = int(rng.integers(2, 4))
    call = (problem["build_model"] + DATA + SPLIT + TORCH_LOADER + "seen = []\n"
            "def spying_loss(prediction, target):\n"
            "    if len(target) == n_val:  # the held-out rows: every training batch is smaller\n"
            "        seen.append((prediction.requires_grad, model.training))\n"
            "    return ((prediction - target) ** 2).mean()\n"
            "fit_with_validation(model, loader, x_val, y_val, torch.optim.SGD(model.parameters(), lr=0.01), "
            f"loss_fn=spying_loss, epochs={epochs})\nseen")
    inputs = {key: problem[key] for key in ("xs", "ys", "n_val", "seed", "loader_seed", "batch_size")}
    expect.equal(call + "  # (tracks gradients?, in training mode?) for each validation loss",
                 submission.run(IMPORTS + call, device=device, **inputs), [(False, False)] * epochs,
                 hint="measure the validation loss with evaluate (eval mode, under torch.no_grad()), once per epoch, "
                      "with the loss_fn given")


# -- 4.9 ------------------------------------------------------------------------------------

BEST_HINT = ("put the best epoch's weights back at the end: model.state_dict() holds the live tensors, so keep a "
             "copy (copy.deepcopy) when an epoch is the best so far and restore it with model.load_state_dict")
PATIENCE_HINT = ("stop once `patience` epochs in a row bring no strictly lower validation loss: with the best at "
                 "epoch b, b + patience + 1 epochs run (never more than max_epochs)")
#: A line from the origin: training rows on y = a x (plus a ripple), held-out rows on y = b x, with b between 0 and a.
DIVERGING = """
model = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)).to(dtype=torch.float64, device=device)
with torch.no_grad():
    model[0].weight.zero_()
    model[0].bias.zero_()
x_train = torch.tensor(train_x, device=device).reshape(-1, 1)
y_train = torch.tensor(train_y, device=device)
x_val = torch.tensor(val_x, device=device).reshape(-1, 1)
y_val = torch.tensor(val_y, device=device)
"""


def _diverging_problem(rng: np.random.Generator) -> dict[str, Any]:
    n, n_val = int(rng.integers(10, 25)), int(rng.integers(4, 9))
    a = float(rng.uniform(1.5, 3.0))
    train_x = rng.uniform(-1.0, 1.0, size=n)
    val_x = rng.uniform(-1.0, 1.0, size=n_val)
    return {"train_x": train_x, "train_y": a * train_x + 0.1 * rng.normal(size=n),
            "val_x": val_x, "val_y": float(rng.uniform(0.3, 0.7)) * a * val_x,
            "batch_size": uneven_batch_size(rng, n), "loader_seed": int(rng.integers(0, 10_000))}


def _diverging_oracle(problem: dict[str, Any], device: str, lr: float, max_epochs: int, patience: int) -> Any:
    namespace = build(DIVERGING, device=device, **problem)
    model = namespace["model"]
    loader = torch_loader(namespace["x_train"], namespace["y_train"], problem["batch_size"], problem["loader_seed"])
    import torch

    result = early_stopping_run(model, loader, namespace["x_val"], namespace["y_val"],
                                torch.optim.SGD(model.parameters(), lr=lr), lambda p, t: ((p - t) ** 2).mean(),
                                max_epochs, patience)
    return result, parameters_of(model), held_out_loss(model, namespace["x_val"], namespace["y_val"],
                                                       lambda p, t: ((p - t) ** 2).mean())


@pytest.mark.task("4.9", points=3)
def test_early_stopping_matches_an_independent_loop(submission, reference, rng, device):
    problem = _diverging_problem(rng)
    lr, patience = float(rng.uniform(0.03, 0.08)), int(rng.integers(1, 4))
    call = (DIVERGING + TORCH_LOADER + "optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n"
            f"result = train_with_early_stopping(model, loader, x_val, y_val, optimizer, max_epochs=60, "
            f"patience={patience})\nwith torch.no_grad():\n    now = ((model(x_val) - y_val) ** 2).mean().item()\n"
            f"result, {PARAMETERS}, now")
    inputs = {**problem, "lr": lr, "device": device}
    oracle = _diverging_oracle(problem, device, lr, 60, patience)
    assert oracle[0][2] < len(oracle[0][1]) - 1, "the problem stops early, so the best weights are not the last"
    expected = agreed(oracle, reference.run(IMPORTS + call, **inputs))
    result, parameters, now = submission.run(IMPORTS + call, **inputs)
    shown = f"{call}  # lr = {lr!r}"
    if not isinstance(result, tuple) or len(result) != 3:
        expect.fail(shown, result, "a tuple (train_losses, val_losses, best_epoch)")
    (train_curve, val_curve, best), expected_parameters, expected_now = expected
    check_losses(shown + "  # the training curve", result[0], train_curve, RTOL, ATOL)
    if isinstance(result[1], list) and len(result[1]) != len(val_curve):
        expect.fail(shown, result[1], f"{len(val_curve)} validation losses: the best epoch was {best}",
                    hint=PATIENCE_HINT)
    expect.close(shown + "  # the validation curve", result[1], val_curve, rtol=RTOL, atol=ATOL,
                 hint="after each epoch of training, the validation loss with evaluate")
    expect.equal(shown + "  # best_epoch", result[2], best,
                 hint="best_epoch is the index in val_losses of the lowest validation loss (the first, if tied)")
    expect.close(shown + "  # the model's validation loss afterwards", now, expected_now, rtol=RTOL, atol=ATOL,
                 hint=BEST_HINT)
    expect.close(shown + "  # the model's parameters afterwards", parameters, expected_parameters, rtol=RTOL,
                 atol=ATOL, hint=BEST_HINT)


@pytest.mark.task("4.9")
def test_early_stopping_patience_on_a_flat_validation_curve(submission, rng, device):
    # With lr = 0 the validation loss never improves on epoch 0's: one case stops on patience, one on max_epochs.
    patience = int(rng.integers(1, 6))
    for max_epochs in (patience + int(rng.integers(2, 5)), int(rng.integers(1, patience + 1))):
        problem = _diverging_problem(rng)
        call = (DIVERGING + TORCH_LOADER + "optimizer = torch.optim.SGD(model.parameters(), lr=0.0)\n"
                "result = train_with_early_stopping(model, loader, x_val, y_val, optimizer, "
                f"max_epochs={max_epochs}, patience={patience})\n"
                "[len(part) if isinstance(part, list) else part for part in result] if isinstance(result, tuple) "
                "else result")
        epochs = min(max_epochs, patience + 1)
        expect.equal(f"{call}  # lr = 0: the validation loss stays as it is",
                     submission.run(IMPORTS + call, device=device, **problem), [epochs, epochs, 0],
                     hint=PATIENCE_HINT)
