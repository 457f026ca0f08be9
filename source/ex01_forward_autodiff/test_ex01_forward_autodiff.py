"""Public tests for exercise 1: automatic differentiation, forward mode and then reverse.

Run them with ``pytest exercises/tests/test_ex01_forward_autodiff.py`` (add
``-x`` to stop at the first failure, ``--pdb`` to debug it). Each test names its task; the
expected values are worked out here by hand or with `math`, never copied from
a solution. The grader runs these tests too, plus hidden ones that draw random
inputs, so make your code right in general, not just for these numbers.
"""

import math

import numpy as np
import pytest

from hardway import expect
from hardway.submission import StudentCodeRaised

# -- Task 1.1: dual numbers as (value, derivative) tuples --------------------------------


@pytest.mark.task("1.1")
def test_add_sums_values_and_derivatives(submission):
    call = "add((2.0, 1.0), (3.0, 4.0))"
    expect.close(call, submission.run(call), (5.0, 5.0), hint="the derivative of a sum is the sum of the derivatives")


@pytest.mark.task("1.1")
def test_mul_follows_the_product_rule(submission):
    call = "mul((2.0, 1.0), (3.0, 4.0))"
    expect.close(call, submission.run(call), (6.0, 1.0 * 3.0 + 2.0 * 4.0),
                 hint="the product rule has two terms: (uv)' = u'v + uv'")


@pytest.mark.task("1.1")
def test_square_doubles_the_derivative_times_the_value(submission):
    call = "square((3.0, 2.0))"
    expect.close(call, submission.run(call), (9.0, 2 * 3.0 * 2.0), hint="(u^2)' = 2 u u'")


@pytest.mark.task("1.1", points=2)
def test_nested_tuple_duals(submission):
    call = "add(square(add(square(x), x)), x)"
    # y = (x^2 + x)^2 + x, so y' = 2 (x^2 + x)(2x + 1) + 1; at x = 5 that is 661.
    expect.close(f"{call} at x = (5, 1)", submission.run(call, x=(5, 1)), (905, 661))


# -- Task 1.2: the AutoDiff class -----------------------------------------------------------


@pytest.mark.task("1.2")
def test_number_plus_autodiff(submission):
    call = "y = 3.0 + AutoDiff(2.0, 1.0)\ny.value, y.gradient"
    expect.close(call, submission.run(call), (5.0, 1.0),
                 hint="3.0 + x calls x.__radd__(3.0): a constant added on the left changes only the value")


@pytest.mark.task("1.2")
def test_subtraction_from_either_side(submission):
    left = "y = AutoDiff(5.0, 1.0) - 2.0\ny.value, y.gradient"
    expect.close(left, submission.run(left), (3.0, 1.0))
    right = "y = 2.0 - AutoDiff(5.0, 1.0)\ny.value, y.gradient"
    expect.close(right, submission.run(right), (-3.0, -1.0),
                 hint="2.0 - x calls x.__rsub__(2.0), which must give 2.0 - x, not x - 2.0")


@pytest.mark.task("1.2", points=2)
def test_product_rule(submission):
    call = "y = AutoDiff(2.0, 1.0) * AutoDiff(3.0, 0.5)\ny.value, y.gradient"
    expect.close(call, submission.run(call), (6.0, 1.0 * 3.0 + 2.0 * 0.5),
                 hint="the product rule has two terms: (uv)' = u'v + uv'")
    scaled = "y = 4.0 * AutoDiff(2.0, 1.0)\ny.value, y.gradient"
    expect.close(scaled, submission.run(scaled), (8.0, 4.0), hint="4.0 * x calls x.__rmul__(4.0)")


@pytest.mark.task("1.2", points=2)
def test_quotient_rule(submission):
    call = "y = AutoDiff(3.0, 1.0) / AutoDiff(2.0, 1.0)\ny.value, y.gradient"
    # (u/v)' = (u'v - uv') / v^2 = (2 - 3) / 4
    expect.close(call, submission.run(call), (1.5, -0.25), hint="(u/v)' = (u'v - uv') / v^2")
    reciprocal = "y = 1.0 / AutoDiff(4.0, 1.0)\ny.value, y.gradient"
    expect.close(reciprocal, submission.run(reciprocal), (0.25, -1 / 16),
                 hint="1.0 / x calls x.__rtruediv__(1.0); (1/v)' = -v' / v^2")


@pytest.mark.task("1.2")
def test_negation(submission):
    call = "y = -AutoDiff(2.0, 3.0)\ny.value, y.gradient"
    expect.close(call, submission.run(call), (-2.0, -3.0))


@pytest.mark.task("1.2", points=2)
def test_power_with_a_number_exponent(submission):
    call = "y = AutoDiff(2.0, 1.0) ** 3\ny.value, y.gradient"
    expect.close(call, submission.run(call), (8.0, 12.0), hint="the power rule: (u^n)' = n u^(n-1) u'")
    negative_base = "y = AutoDiff(-3.0, 1.0) ** 2\ny.value, y.gradient"
    expect.close(negative_base, submission.run(negative_base), (9.0, -6.0),
                 hint="a number exponent works for negative bases too; don't take log of the base here")


@pytest.mark.task("1.2", points=2)
def test_power_with_an_autodiff_exponent(submission):
    call = "x = AutoDiff(2.0, 1.0)\ny = x ** x\ny.value, y.gradient"
    # d/dx x^x = x^x (ln x + 1)
    expect.close(call, submission.run(call), (4.0, 4.0 * (math.log(2.0) + 1.0)),
                 hint="with both base and exponent varying: (a^b)' = a^b (b' ln a + b a'/a)")
    number_base = "y = 2.0 ** AutoDiff(3.0, 1.0)\ny.value, y.gradient"
    expect.close(number_base, submission.run(number_base), (8.0, 8.0 * math.log(2.0)),
                 hint="2.0 ** x calls x.__rpow__(2.0); (c^b)' = c^b ln(c) b'")


@pytest.mark.task("1.2", points=2)
def test_powers_work_on_arrays(submission):
    # Task 1.5 runs every operation on arrays: the power rules apply element by element.
    cases = [
        ("AutoDiff(np.array([-3.0, 2.0]), np.ones(2)) ** 2", ([9.0, 4.0], [-6.0, 4.0])),
        ("AutoDiff(np.array([1.0, 4.0]), np.ones(2)) ** 0.5", ([1.0, 2.0], [0.5, 0.25])),
        ("2.0 ** AutoDiff(np.array([1.0, 3.0]), np.ones(2))", ([2.0, 8.0], [2.0 * math.log(2.0), 8.0 * math.log(2.0)])),
        # x ** x with x = [1, 2]: the derivative is x^x (ln x + 1)
        ("AutoDiff(np.array([1.0, 2.0]), np.ones(2)) ** AutoDiff(np.array([1.0, 2.0]), np.ones(2))",
         ([1.0, 4.0], [1.0, 4.0 * (math.log(2.0) + 1.0)])),
    ]
    for expression, (value, slope) in cases:
        call = f"y = {expression}\ny.value, y.gradient"
        try:
            got = submission.run(call)
        except StudentCodeRaised as error:
            if "truth value of an array" not in error.message:
                raise
            expect.fail(call, f"{error.type_name}: {error.message}", "a result",
                        hint="check the domain of every element with np.any(...): `if value <= 0` asks a whole array "
                             "for one truth value")
        expect.close(call, got, (np.array(value), np.array(slope)),
                     hint="with numpy arrays inside, the same power rules apply element by element")


@pytest.mark.task("1.2", points=2)
def test_powers_outside_their_domain_raise_value_error(submission):
    for call in ["raised(lambda: AutoDiff(-2.0) ** 0.5)",  # no real square root of -2, as with sqrt
                 "raised(lambda: AutoDiff(np.array([4.0, -2.0]), np.ones(2)) ** 1.5)",
                 "raised(lambda: AutoDiff(np.array([4.0, -2.0]), np.ones(2)) ** AutoDiff(2.0))",
                 "raised(lambda: np.array([4.0, 0.0]) ** AutoDiff(2.0))"]:
        got = submission.run(call)
        if isinstance(got, tuple) and "truth value of an array" in got[1]:
            expect.fail(call, got, "a ValueError that says why",
                        hint="check every element with np.any(...): `if value <= 0` asks a whole array for one "
                             "truth value, and that error is not the one you mean")
        expect.rejects(call, got, "ValueError", mentions=("positive", "base", "negative"),
                       hint="a negative base to a non-integer power has no real value (as with sqrt), and an "
                            "AutoDiff exponent needs ln of the base; with arrays, one bad element is enough")


@pytest.mark.task("1.2")
def test_comparisons_look_at_values_only(submission):
    call = "a, b = AutoDiff(1.0, 5.0), AutoDiff(2.0, -5.0)\n(a < b, a <= b, a > b, a >= b, a < 1.5, a >= 1.0)"
    expect.equal(call, submission.run(call), (True, True, False, False, True, True),
                 hint="compare the values; the gradients play no part in ordering")


@pytest.mark.task("1.2")
def test_repr_shows_value_and_gradient(submission):
    call = "repr(AutoDiff(2.5, -1.0))"
    text = submission.run(call)
    if not (isinstance(text, str) and "AutoDiff" in text and "2.5" in text and "-1.0" in text):
        expect.fail(call, text, "a string such as 'AutoDiff(value=2.5, gradient=-1.0)'",
                    hint="a good repr names the class and shows both fields")
    full = "repr(AutoDiff(1 / 3, 0.5))"
    text = submission.run(full)
    if not (isinstance(text, str) and repr(1 / 3) in text and "0.5" in text):
        expect.fail(full, text, f"a string showing {1 / 3!r} and 0.5 in full",
                    hint="show each number as Python prints it ({self.value} or {self.value!r}); rounding such as "
                         ":.2f hides digits")


@pytest.mark.task("1.2", points=2)
def test_rosenbrock_through_the_operators(submission):
    call = "y = rosenbrock(AutoDiff(2.0))\ny.value, y.gradient"
    # f = (1 - x)^2 + 100 (1 - x^2)^2; f' = -2 (1 - x) - 400 x (1 - x^2)
    expect.close(call, submission.run(call), (901.0, 2402.0))


@pytest.mark.task("1.2")
def test_operations_leave_their_inputs_unchanged(submission):
    operations = "x + y, x * y, x - y, x / y, x ** 2, -x, 2.0 ** x"
    call = (f"x = AutoDiff(2.0, 1.0)\ny = AutoDiff(3.0, 0.0)\nresults = ({operations})\n"
            "(x.value, x.gradient, y.value, y.gradient), [(z.value, z.gradient) for z in results]")
    inputs, results = submission.run(call)
    expect.close(f"{call}  # the inputs afterwards", inputs, (2.0, 1.0, 3.0, 0.0),
                 hint="return a new AutoDiff from every operation; never change self or other")
    # Leaving the inputs alone counts only when the operations work: (value, gradient) of each, with x' = 1, y' = 0.
    expect.close(f"{call}  # the results of {operations}", results,
                 [(5.0, 1.0), (6.0, 3.0), (-1.0, 1.0), (2.0 / 3.0, 1.0 / 3.0), (4.0, 4.0), (-2.0, -1.0),
                  (4.0, 4.0 * math.log(2.0))])


# -- Task 1.3: elementary functions ------------------------------------------------------------


@pytest.mark.task("1.3", points=2)
def test_chain_rule_for_sin_cos_exp(submission):
    x = 0.7
    for name, value, slope in [("sin", math.sin(x), math.cos(x)), ("cos", math.cos(x), -math.sin(x)),
                               ("exp", math.exp(x), math.exp(x))]:
        call = f"y = {name}(AutoDiff(x, 2.0))\ny.value, y.gradient"
        expect.close(f"{call} at x = {x}", submission.run(call, x=x), (value, 2.0 * slope),
                     hint=f"the chain rule: ({name} u)' = {name}'(u) u', and here u' = 2")


@pytest.mark.task("1.3", points=2)
def test_chain_rule_for_log_sqrt_tanh(submission):
    x = 1.7
    for name, value, slope, rule in [("log", math.log(x), 1 / x, "(ln u)' = u' / u"),
                                     ("sqrt", math.sqrt(x), 0.5 / math.sqrt(x), "(sqrt u)' = u' / (2 sqrt u)"),
                                     ("tanh", math.tanh(x), 1 - math.tanh(x) ** 2, "(tanh u)' = (1 - tanh(u)^2) u'")]:
        call = f"y = {name}(AutoDiff(x, 1.0))\ny.value, y.gradient"
        expect.close(f"{call} at x = {x}", submission.run(call, x=x), (value, slope), hint=f"the chain rule: {rule}")


@pytest.mark.task("1.3")
def test_functions_accept_plain_numbers(submission):
    call = "sin(0.5), exp(1.0), sqrt(9.0)"
    expect.close(call, submission.run(call), (math.sin(0.5), math.e, 3.0),
                 hint="a plain number in gives a plain number out (its derivative is not needed)")


@pytest.mark.task("1.3", points=2)
def test_out_of_domain_inputs_raise_value_error(submission):
    for call, words in [("raised(lambda: log(AutoDiff(0.0)))", ("positive", "log", "domain")),
                        ("raised(lambda: sqrt(AutoDiff(-4.0)))", ("negative", "sqrt", "domain")),
                        ("raised(lambda: (-2.0) ** AutoDiff(0.5))", ("positive", "base", "negative")),
                        ("raised(lambda: AutoDiff(-2.0) ** AutoDiff(0.5))", ("positive", "base", "negative"))]:
        expect.rejects(call, submission.run(call), "ValueError", mentions=words,
                       hint="check the input first and raise ValueError with a message that says why")


# -- Task 1.4: derivative, gradient, jacobian, jvp --------------------------------------------


@pytest.mark.task("1.4")
def test_derivative_of_a_polynomial(submission):
    call = "derivative(lambda x: x ** 3 - 2 * x, 2.0)"
    got = submission.run(call)
    expect.close(call, got, 3 * 2.0**2 - 2, hint="seed the input with gradient 1.0 and read the output's gradient")
    expect.is_float(call, got)


@pytest.mark.task("1.4")
def test_derivative_of_a_constant_function_is_zero(submission):
    call = "derivative(lambda x: 7.0, 3.0)"
    got = submission.run(call)
    expect.close(call, got, 0.0, hint="f may ignore its input and return a plain number")
    expect.is_float(call, got)
    # A derivative that is always 0.0 is not one: the same constant times x has slope 7.
    line = "derivative(lambda x: 7.0 * x, 3.0)"
    expect.close(line, submission.run(line), 7.0,
                 hint="seed the input with gradient 1.0 and read the output's gradient")


@pytest.mark.task("1.4", points=2)
def test_gradient_of_the_rosenbrock_function(submission):
    call = "gradient(lambda x, y: rosenbrock(x, y), [2.0, 1.0])"
    # df/dx = -2 (1 - x) - 400 x (y - x^2) ; df/dy = 200 (y - x^2)
    expect.close(call, submission.run(call), [2402.0, -600.0],
                 hint="one forward pass per input: seed that input with 1.0 and all others with 0.0")


@pytest.mark.task("1.4")
def test_gradient_takes_one_forward_pass_per_input(submission):
    call = ("calls = []\n"
            "def f(a, b, c, d):\n    calls.append(1)\n    return a * b + c * d\n"
            "gradient(f, [1.0, 2.0, 3.0, 4.0]), len(calls)")
    expect.close(call, submission.run(call), ([2.0, 1.0, 4.0, 3.0], 4),
                 hint="seed one input at a time: a function of four inputs needs exactly four passes")


@pytest.mark.task("1.4", points=2)
def test_jacobian_of_polar_to_cartesian(submission):
    r, theta = 2.0, 0.3
    call = "jacobian(lambda r, t: [r * cos(t), r * sin(t)], [r, theta])"
    expected = [[math.cos(theta), -r * math.sin(theta)], [math.sin(theta), r * math.cos(theta)]]
    expect.close(call, submission.run(call, r=r, theta=theta), expected,
                 hint="J[i][j] is d(output i)/d(input j): rows are outputs, columns are inputs")


@pytest.mark.task("1.4", points=2)
def test_jvp_is_a_directional_derivative(submission):
    call = "jvp(lambda x, y: x * y + sin(x), (1.0, 2.0), (1.0, 0.5))"
    # value x y + sin x; tangent (y + cos x) * 1.0 + x * 0.5
    expected = (2.0 + math.sin(1.0), (2.0 + math.cos(1.0)) * 1.0 + 1.0 * 0.5)
    expect.close(call, submission.run(call), expected,
                 hint="seed every input with its tangent at once: one pass gives J @ tangents")


# -- Task 1.5: vectorised duals -----------------------------------------------------------------


@pytest.mark.task("1.5", points=2)
def test_products_work_elementwise_on_arrays(submission):
    xs = np.array([1.0, 2.0, 3.0])
    call = "vectorised_derivative(lambda x: x * (x + 1.0), xs)"
    # (x (x + 1))' = 2x + 1 at every point at once
    expect.close(call, submission.run(call, xs=xs), 2 * xs + 1,
                 hint="with numpy arrays inside, the same formulas apply element by element")
    total = "(AutoDiff(np.array([1.0, 2.0, 3.0]), np.ones(3)) * AutoDiff(np.array([4.0, 5.0, 6.0]), np.zeros(3))).sum()"
    y = f"y = {total}\ny.value, y.gradient"
    expect.close(y, submission.run(y), (4.0 + 10.0 + 18.0, 4.0 + 5.0 + 6.0),
                 hint="elementwise products [4, 10, 18] with gradients [4, 5, 6], then summed")


@pytest.mark.task("1.5")
def test_functions_work_elementwise_on_arrays(submission):
    xs = np.linspace(0.1, 2.0, 5)
    call = "vectorised_derivative(sin, xs), vectorised_derivative(lambda x: exp(2.0 * x), xs)"
    expect.close(call, submission.run(call, xs=xs), (np.cos(xs), 2.0 * np.exp(2.0 * xs)),
                 hint="use numpy's functions (np.sin, ...) so arrays work elementwise")


@pytest.mark.task("1.5")
def test_sum_adds_values_and_gradients(submission):
    call = "y = AutoDiff(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.5, 1.0])).sum()\ny.value, y.gradient"
    expect.close(call, submission.run(call), (6.0, 2.0))


@pytest.mark.task("1.5", points=2)
def test_vectorised_derivative_takes_one_pass(submission):
    xs = np.array([-1.0, 0.0, 0.5, 3.0])
    call = "vectorised_derivative(lambda x: x ** 3 + 2 * x, xs)"
    expect.close(call, submission.run(call, xs=xs), 3 * xs**2 + 2,
                 hint="seed a whole array of ones as the gradient and run f once")
    constant = "vectorised_derivative(lambda x: 5.0, xs)"
    expect.close(constant, submission.run(constant, xs=xs), np.zeros(4),
                 hint="a constant output has derivative 0 everywhere: return an array of zeros shaped like xs")


# -- Task 1.6: reverse mode --------------------------------------------------------------------

#: Names for the input nodes of a snippet, so a test can say which parent is which.
NAMES = "names = {id(x): 'x', id(y): 'y'}\n"


@pytest.mark.task("1.6", points=2)
def test_a_product_records_its_parents_and_local_derivatives(submission):
    call = ("x, y = Node(2.0), Node(3.0)\nm = x * y\n" + NAMES +
            "m.value, [names.get(id(p), 'another node') for p in m.parents], m.local_derivatives, x.grad")
    expect.close(call, submission.run(call), (6.0, ["x", "y"], (3.0, 2.0), 0.0),
                 hint="x * y records its parents (x, y) and the local derivatives d(xy)/dx = y = 3, "
                      "d(xy)/dy = x = 2; no gradient moves before backward()")


@pytest.mark.task("1.6", points=2)
def test_each_operation_records_its_local_derivatives(submission):
    x, y = 1.7, 0.4
    cases = [("x - y", x - y, ["x", "y"], (1.0, -1.0), "d(u - v)/du = 1, d(u - v)/dv = -1"),
             ("x / y", x / y, ["x", "y"], (1 / y, -x / y**2), "d(u/v)/du = 1/v, d(u/v)/dv = -u/v^2"),
             ("-x", -x, ["x"], (-1.0,), "d(-u)/du = -1"),
             ("x ** 3", x**3, ["x"], (3 * x**2,), "the power rule: d(u^n)/du = n u^(n-1)"),
             ("sin(x)", math.sin(x), ["x"], (math.cos(x),), "d(sin u)/du = cos u"),
             ("cos(x)", math.cos(x), ["x"], (-math.sin(x),), "d(cos u)/du = -sin u"),
             ("exp(x)", math.exp(x), ["x"], (math.exp(x),), "d(e^u)/du = e^u"),
             ("log(x)", math.log(x), ["x"], (1 / x,), "d(ln u)/du = 1/u"),
             ("sqrt(x)", math.sqrt(x), ["x"], (0.5 / math.sqrt(x),), "d(sqrt u)/du = 1 / (2 sqrt u)"),
             ("tanh(x)", math.tanh(x), ["x"], (1 - math.tanh(x) ** 2,), "d(tanh u)/du = 1 - tanh(u)^2")]
    for expression, value, parents, slopes, rule in cases:
        call = (f"x, y = Node({x}), Node({y})\nm = {expression}\n" + NAMES +
                "m.value, [names.get(id(p), 'another node') for p in m.parents], m.local_derivatives")
        expect.close(call, submission.run(call), (value, parents, slopes),
                     hint=f"{rule}; the parents are the operands, self first, and one operand makes one parent")


@pytest.mark.task("1.6", points=2)
def test_topological_order_puts_every_node_after_its_parents(submission):
    call = ("x, y = Node(2.0), Node(3.0)\nm = x * y\nf = m * (m + x)\n"
            "s = f.parents[1]\nnames = {id(x): 'x', id(y): 'y', id(m): 'm', id(s): 's', id(f): 'f'}\n"
            "[names.get(id(node), 'another node') for node in topological_order(f)]")
    got = submission.run(call)
    # The graph: m = x * y, s = m + x, f = m * s. Each node with its parents:
    parents = {"x": [], "y": [], "m": ["x", "y"], "s": ["m", "x"], "f": ["m", "s"]}
    expected = "the five nodes, each once, every node after its parents, f last: such as ['x', 'y', 'm', 's', 'f']"
    if not isinstance(got, list) or not all(isinstance(name, str) for name in got):
        expect.fail(call, got, expected, hint="return a list of the nodes")
    if len(set(got)) < len(got):
        expect.fail(call, got, expected, hint="each node appears once: m and x are used twice, so remember the "
                                              "nodes you have visited and skip them the second time")
    if sorted(got) != sorted(parents):
        expect.fail(call, got, expected, hint="list every node that f depends on, the inputs and f itself included")
    late = [node for node in got if any(got.index(parent) > got.index(node) for parent in parents[node])]
    if late:
        expect.fail(call, got, expected, hint=f"{late[0]} comes before one of its parents: each node must come "
                                              "after all of its parents, so append a node only after visiting them")


@pytest.mark.task("1.6", points=2)
def test_backward_of_a_small_graph(submission):
    call = "x, y = Node(2.0), Node(3.0)\nf = x * y + x\nf.backward()\nf.grad, x.grad, y.grad"
    got = submission.run(call)
    # df/dx = y + 1 = 4 and df/dy = x = 2; the output's own grad is d f / d f = 1.
    hint = ("walk topological_order(f) backwards, from f to the inputs (reversed): a node passes its grad on only "
            "after every node that uses it has added its share; parent.grad += local derivative * node.grad")
    if isinstance(got, tuple) and got == (0.0, 0.0, 0.0):
        hint = "seed the output first: f.grad = 1.0, because d f / d f = 1; otherwise every share is 0"
    expect.close(call, got, (1.0, 4.0, 2.0), hint=hint)


@pytest.mark.task("1.6", points=2)
def test_backward_adds_up_the_shares_of_a_reused_node(submission):
    # f = x * x has df/dx = 2x; g = (x + y) * (x + y) uses the node a = x + y twice: dg/dx = 2 (x + y).
    call = ("x = Node(3.0)\nf = x * x\nf.backward()\n"
            "u, v = Node(1.0), Node(2.0)\na = u + v\ng = a * a\ng.backward()\nx.grad, u.grad, v.grad")
    expect.close(call, submission.run(call), (6.0, 6.0, 6.0),
                 hint="x is used twice in x * x, and each use passes its share: add to parent.grad (+=), "
                      "never overwrite it")


@pytest.mark.task("1.6")
def test_backward_with_numbers_on_either_side(submission):
    x = 2.0
    for expression, value, slope in [("3.0 + x", 5.0, 1.0), ("3.0 - x", 1.0, -1.0), ("x - 3.0", -1.0, 1.0),
                                     ("4.0 * x", 8.0, 4.0), ("1.0 / x", 0.5, -0.25), ("x / 4.0", 0.5, 0.25)]:
        call = f"x = Node({x})\nf = {expression}\nf.backward()\nf.value, x.grad"
        expect.close(call, submission.run(call), (value, slope),
                     hint="a plain number is a constant: lift it to a leaf Node with _as_node; 3.0 - x calls "
                          "x.__rsub__(3.0), which must give 3.0 - x")


@pytest.mark.task("1.6")
def test_backward_through_the_rosenbrock_function(submission):
    call = "x, y = Node(2.0), Node(1.0)\nf = rosenbrock(x, y)\nf.backward()\nf.value, x.grad, y.grad"
    # f = (1 - x)^2 + 100 (y - x^2)^2; df/dx = -2 (1 - x) - 400 x (y - x^2), df/dy = 200 (y - x^2)
    expect.close(call, submission.run(call), (901.0, 2402.0, -600.0))


# -- Task 1.7: the whole gradient in one backward pass ------------------------------------------


@pytest.mark.task("1.7", points=2)
def test_reverse_gradient_of_the_rosenbrock_function(submission):
    call = "reverse_gradient(lambda x, y: rosenbrock(x, y), [2.0, 1.0])"
    expect.close(call, submission.run(call), [2402.0, -600.0],
                 hint="make a Node per input, call f once, call backward() on its output, read each input's grad")


@pytest.mark.task("1.7", points=2)
def test_reverse_gradient_calls_f_once_whatever_the_number_of_inputs(submission):
    call = ("calls = []\n"
            "def f(a, b, c, d, e, g):\n    calls.append(1)\n    return a * b + c * d + e * g\n"
            "reverse_gradient(f, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), len(calls)")
    expect.close(call, submission.run(call), ([2.0, 1.0, 4.0, 3.0, 6.0, 5.0], 1),
                 hint="reverse mode needs one call of f for the whole gradient, however many inputs (forward "
                      "mode's gradient needs six here): one backward pass fills in every input's grad")


@pytest.mark.task("1.7")
def test_reverse_gradient_of_a_constant_or_an_unused_input_is_zero(submission):
    constant = "reverse_gradient(lambda x, y: 7.0, [1.0, 2.0])"
    expect.close(constant, submission.run(constant), [0.0, 0.0],
                 hint="f may ignore its inputs and return a plain number: then every partial derivative is 0.0")
    unused = "reverse_gradient(lambda x, y: 3.0 * x, [1.0, 2.0])"
    expect.close(unused, submission.run(unused), [3.0, 0.0], hint="an input f never uses keeps grad 0.0")
