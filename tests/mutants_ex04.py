"""Mistakes in exercise 4 (training with torch.optim) that the tests must catch and name."""

from mutants import Mutant

EX04 = "ex04_optimizers"

MUTANTS: list[Mutant] = [
    Mutant("unknown optimizer name falls back to SGD", EX04,
           "raise ValueError(f\"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZER_NAMES)}\")",
           "return torch.optim.SGD(params, lr=lr, **kwargs)", "expected a ValueError"),
    Mutant("momentum optimizer without momentum", EX04, "kwargs.setdefault(\"momentum\", 0.9)\n        ", "",
           "momentum=0.9"),
    Mutant("make_optimizer drops extra options", EX04, "torch.optim.Adam(params, lr=lr, **kwargs)",
           "torch.optim.Adam(params, lr=lr)", "every extra keyword"),
    Mutant("train forgets zero_grad", EX04, "optimizer.zero_grad()\n        loss = loss_fn(model(x), y)",
           "loss = loss_fn(model(x), y)", "call optimizer.zero_grad() every epoch"),
    Mutant("train steps before backward", EX04, "loss.backward()\n        optimizer.step()",
           "optimizer.step()\n        loss.backward()", "call optimizer.step() after loss.backward()"),
    Mutant("train returns loss tensors", EX04, "losses.append(loss.item())", "losses.append(loss)",
           "use loss.item()"),
    Mutant("train never calls model.train()", EX04, "        model.train()\n        optimizer.zero_grad()",
           "        optimizer.zero_grad()", "call model.train() in the loop"),
    Mutant("evaluate stays in train mode", EX04, "    model.eval()\n    try:", "    try:",
           "call model.eval() before the forward pass"),
    Mutant("evaluate tracks gradients", EX04,
           "        with torch.no_grad():\n            return loss_fn(model(x), y).item()",
           "        return loss_fn(model(x), y).item()", "run the forward pass under torch.no_grad()"),
    Mutant("evaluate leaves the model in train mode", EX04, "        model.train(was_training)",
           "        model.train()", "model.train(was_training)"),
    Mutant("evaluate returns a tensor", EX04, "return loss_fn(model(x), y).item()", "return loss_fn(model(x), y)",
           "use loss.item()"),
    Mutant("LinearRegression predicts shape (n, 1)", EX04, "return self.linear(x).squeeze(-1)",
           "return self.linear(x)", "return shape (n,), not (n, 1)"),
    Mutant("fit_line returns tensors", EX04, "return line.weight.item(), line.bias.item()",
           "return line.weight[0, 0], line.bias[0]", "return floats, not tensors"),
    Mutant("sgd_step ignores its momentum buffer", EX04, "                direction = buf\n",
           "", "buf = momentum * buf + grad"),
    Mutant("sgd_step damps the gradient like an average", EX04, "else momentum * buf + p.grad",
           "else momentum * buf + (1 - momentum) * p.grad", "buf = momentum * buf + grad"),
    Mutant("adam without bias correction", EX04,
           "m_hat = m / (1 - beta1**t)\n            v_hat = v / (1 - beta2**t)",
           "m_hat = m\n            v_hat = v", "without bias correction"),
    Mutant("adam adds eps inside the square root", EX04, "(v_hat.sqrt() + eps)", "(v_hat + eps).sqrt()",
           "p -= lr * m_hat / (sqrt(v_hat) + eps)"),
    Mutant("adam step count stuck at 1", EX04, "state[\"step\"] += 1", "state[\"step\"] = 1",
           "with t counting calls from 1"),
    Mutant("loss_landscape leaves the last grid point in the model", EX04,
           "        with torch.no_grad():\n            linear.weight.copy_(saved_weight)\n"
           "            linear.bias.copy_(saved_bias)",
           "        pass", "copy them back at the end"),
    Mutant("loss_landscape tracks gradients", EX04,
           "        with torch.no_grad():\n            for i, w in enumerate(weights):\n"
           "                for j, b in enumerate(biases):\n                    linear.weight.fill_(float(w))\n"
           "                    linear.bias.fill_(float(b))",
           "        if True:\n            for i, w in enumerate(weights):\n"
           "                for j, b in enumerate(biases):\n                    linear.weight.data.fill_(float(w))\n"
           "                    linear.bias.data.fill_(float(b))",
           "compute the landscape under torch.no_grad()"),
    Mutant("compare_optimizers seeds only once", EX04,
           "    for name in names:\n        torch.manual_seed(seed)\n",
           "    torch.manual_seed(seed)\n    for name in names:\n",
           "call torch.manual_seed(seed) right before make_model()"),
    Mutant("plot_losses on a linear axis", EX04, "    ax.set_yscale(\"log\")\n", "", "ax.set_yscale('log')"),
    Mutant("plot_losses without labels", EX04, "ax.plot(range(1, len(losses) + 1), list(losses), label=name)",
           "ax.plot(range(1, len(losses) + 1), list(losses))", "with its name"),
    Mutant("plot_losses ignores the given axes", EX04, "    if ax is None:\n        _, ax = plt.subplots()",
           "    _, ax = plt.subplots()", "when an ax is given, draw on it"),
]
