"""Mistakes in exercise 3 (PyTorch autograd loops) that the tests must catch and name."""

from mutants import Mutant

EX03 = "ex03_autograd_loops"

DESCENT_UPDATE = """        if x.grad.norm().item() < grad_tol:
            break
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
        steps += 1
"""

MUTANTS: list[Mutant] = [
    # 3.1 and 3.2
    Mutant("linear grads of w and x swapped", EX03,
           '{"dy_dw": w.grad.item(), "dy_dx": x.grad.item(), "dy_db": b.grad.item()}',
           '{"dy_dw": x.grad.item(), "dy_dx": w.grad.item(), "dy_db": b.grad.item()}', "dy/dw = x"),
    Mutant("linear grads returned as tensors", EX03,
           '{"dy_dw": w.grad.item(), "dy_dx": x.grad.item(), "dy_db": b.grad.item()}',
           '{"dy_dw": w.grad, "dy_dx": x.grad, "dy_db": b.grad}', "call .item() on a one-element tensor"),
    Mutant("cubic with the sign of b^2 flipped", EX03, "y = 3 * a**3 - b**2", "y = 3 * a**3 + b**2",
           "mind the minus sign"),
    Mutant("rosenbrock gradient returned as tensors", EX03, "return x.grad.item(), y.grad.item()",
           "return x.grad, y.grad", "a tensor is not a float"),
    Mutant("rosenbrock cuts y out of the graph", EX03, "rosenbrock(x, y).backward()",
           "rosenbrock(x, y.detach()).backward()", "only leaf tensors created with requires_grad=True get one"),
    # 3.3
    Mutant("descend never zeroes the gradient", EX03, "        x.grad.zero_()\n        steps += 1\n",
           "        steps += 1\n", "the gradient was never zeroed"),
    Mutant("descend updates the leaf in place outside no_grad", EX03,
           "        with torch.no_grad():\n            x -= lr * x.grad\n        x.grad.zero_()\n",
           "        x -= lr * x.grad\n        x.grad.zero_()\n", "must run inside `with torch.no_grad():`"),
    Mutant("descend rebinds x outside no_grad and keeps its grad", EX03,
           "        with torch.no_grad():\n            x -= lr * x.grad\n        x.grad.zero_()\n",
           "        x = x - lr * x.grad\n        x.retain_grad()\n", "x is not a leaf"),
    Mutant("descend returns x still attached", EX03, "return x.detach(), steps, history", "return x, steps, history",
           "return x.detach()"),
    Mutant("descend steps uphill", EX03, "with torch.no_grad():\n            x -= lr * x.grad",
           "with torch.no_grad():\n            x += lr * x.grad", "step against the gradient"),
    Mutant("descend ignores grad_tol", EX03, "        if x.grad.norm().item() < grad_tol:\n            break\n", "",
           "never stopped early"),
    Mutant("descend checks the gradient after updating", EX03, DESCENT_UPDATE,
           DESCENT_UPDATE.replace("        if x.grad.norm().item() < grad_tol:\n            break\n", "").replace(
               "        x.grad.zero_()\n        steps += 1\n",
               "        steps += 1\n        if x.grad.norm().item() < grad_tol:\n            break\n"
               "        x.grad.zero_()\n"), "BEFORE the update"),
    Mutant("descend moves the caller's x0", EX03, "tensor_options(x0)).detach().clone().requires_grad_(True)",
           "tensor_options(x0)).detach().requires_grad_(True)", "the caller's tensor must stay unchanged"),
    Mutant("descend keeps loss tensors in its history", EX03, "history.append(loss.item())", "history.append(loss)",
           "append loss.item() to history"),
    # 3.4
    Mutant("parabola without the column of ones", EX03,
           "design = torch.stack([x**2, x, torch.ones_like(x)], dim=1)\n"
           "    coefficients = torch.zeros(3, 1, requires_grad=True, **options)",
           "design = torch.stack([x**2, x], dim=1)\n"
           "    coefficients = torch.zeros(2, 1, requires_grad=True, **options)", "a column of ones"),
    Mutant("parabola subtracts (n,) from (n, 1)", EX03, "targets = torch.as_tensor(y, **options).reshape(-1, 1)",
           "targets = torch.as_tensor(y, **options)", "broadcasts to an (n, n) matrix"),
    Mutant("parabola never zeroes the gradient", EX03, "        coefficients.grad.zero_()\n", "",
           "the gradient was never zeroed"),
    Mutant("parabola returns a list", EX03, "return coefficients.detach().flatten()",
           "return coefficients.detach().flatten().tolist()", "as a torch tensor"),
    Mutant("parabola returns coefficients still attached", EX03, "return coefficients.detach().flatten()",
           "return coefficients.flatten()", "return x.detach()"),
    Mutant("parabola sums the squared errors", EX03,
           "loss = ((torch.mm(design, coefficients) - targets) ** 2).mean()",
           "loss = ((torch.mm(design, coefficients) - targets) ** 2).sum()", "the MEAN of the squared errors"),
    # 3.5
    Mutant("sine loss without the 1/2", EX03, "loss = 0.5 * ((torch.sin(omega * x + t) - y) ** 2).mean()",
           "loss = ((torch.sin(omega * x + t) - y) ** 2).mean()", "a factor 1/2"),
    Mutant("sine never zeroes the gradients", EX03, "        omega.grad.zero_()\n        t.grad.zero_()\n", "",
           "the gradient was never zeroed"),
    Mutant("sine returns tensors", EX03, "return omega.item(), t.item()", "return omega, t",
           "a tensor is not a float"),
    # 3.6
    Mutant("gaussian image with x and y swapped", EX03, "((rows - y) ** 2 + (columns - x) ** 2)",
           "((rows - x) ** 2 + (columns - y) ** 2)", "x is the column index j"),
    Mutant("gaussian image without the 2", EX03, "/ (2 * sigma**2))", "/ sigma**2)",
           "mind the 2 and the square on sigma"),
    Mutant("blob fit on the mean squared error", EX03,
           "loss = ((gaussian_image(image.shape[0], (x, y), sigma) - image) ** 2).sum()",
           "loss = ((gaussian_image(image.shape[0], (x, y), sigma) - image) ** 2).mean()",
           "the SUM of the squared differences"),
    Mutant("blob fit returns tensors", EX03, "return (x.item(), y.item()), sigma.item()", "return (x, y), sigma",
           "a tensor is not a float"),
    # The loop mistakes everyone makes once -----------------------------------------------
    Mutant("descend makes a float x0 a 1-element vector", EX03,
           "x = torch.as_tensor(x0, **tensor_options(x0)).detach()",
           "x = torch.atleast_1d(torch.as_tensor(x0, **tensor_options(x0))).detach()", "a float x0 gives a 0-d tensor"),
    Mutant("descend always works in float64", EX03, "x = torch.as_tensor(x0, **tensor_options(x0)).detach()",
           "x = torch.as_tensor(x0, dtype=torch.float64).detach()", "a tensor x0 keeps its dtype"),
    Mutant("parabola loss computed once, outside the loop", EX03,
           "    for _ in range(steps):\n        loss = ((torch.mm(design, coefficients) - targets) ** 2).mean()\n",
           "    loss = ((torch.mm(design, coefficients) - targets) ** 2).mean()\n    for _ in range(steps):\n",
           "computed once, before the loop"),
    Mutant("sine zeroes the gradients between backward and the update", EX03,
           "        loss.backward()\n        with torch.no_grad():\n            omega -= lr * omega.grad\n"
           "            t -= lr * t.grad\n        omega.grad.zero_()\n        t.grad.zero_()\n",
           "        loss.backward()\n        omega.grad.zero_()\n        t.grad.zero_()\n"
           "        with torch.no_grad():\n            omega -= lr * omega.grad\n            t -= lr * t.grad\n",
           "zeroed between backward() and the update"),
    Mutant("sine parameters in float32 with float64 data", EX03,
           "omega = torch.tensor(float(omega0), requires_grad=True, **options)\n"
           "    t = torch.tensor(float(t0), requires_grad=True, **options)",
           "omega = torch.tensor(float(omega0), requires_grad=True)\n"
           "    t = torch.tensor(float(t0), requires_grad=True)",
           "float32 keeps only about 7 digits"),
    Mutant("blob fit subtracts the image in place from a tensor autograd saved", EX03,
           "        loss = ((gaussian_image(image.shape[0], (x, y), sigma) - image) ** 2).sum()\n",
           "        difference = gaussian_image(image.shape[0], (x, y), sigma)\n        difference -= image\n"
           "        loss = (difference ** 2).sum()\n", "changed a tensor that autograd saved"),
    Mutant("blob fit reads sigma through .data", EX03, "gaussian_image(image.shape[0], (x, y), sigma)",
           "gaussian_image(image.shape[0], (x, y), sigma.data)", "read through .data"),
]

NEWTON_LOOP = """    while iterations < max_iter and abs(y * y - a) > tol * a:
        y = (y + a / y) / 2
        iterations += 1
"""

MUTANTS += [
    # 3.7
    Mutant("vjp puts the vector on the wrong side (J v)", EX03,
           "    f(leaf).backward(gradient=v)\n    return leaf.grad.detach()\n",
           "    return torch.autograd.functional.jacobian(f, leaf) @ v\n", "the vector on the wrong side"),
    Mutant("jacobian rows never cleared between passes", EX03, "        leaf.grad = None\n", "",
           "rows 0 to i summed"),
    # 3.8
    Mutant("newton_sqrt runs its loop under no_grad", EX03, NEWTON_LOOP,
           "    with torch.no_grad():\n" + "".join(f"    {line}\n" for line in NEWTON_LOOP.splitlines()),
           "where a gradient is needed"),
    # 3.9
    Mutant("to_numpy calls .numpy() without .cpu()", EX03, "return tensor.detach().cpu().numpy()",
           "return tensor.detach().numpy()", "call .cpu() before .numpy()"),
    Mutant("standardize changes the caller's array through from_numpy", EX03,
           "    tensor = torch.from_numpy(array).to(device=device, dtype=torch.float32)\n"
           "    return (tensor - tensor.mean()) / tensor.std(correction=0)\n",
           "    tensor = torch.from_numpy(array)\n    tensor -= tensor.mean()\n    tensor /= tensor.std(correction=0)\n"
           "    return tensor.to(device=device, dtype=torch.float32)\n",
           "torch.from_numpy shares the array's memory"),
    Mutant("standardize keeps float64", EX03, "torch.from_numpy(array).to(device=device, dtype=torch.float32)",
           "torch.from_numpy(array).to(device=device)", "Convert with .float()"),
]
