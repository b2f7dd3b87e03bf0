"""Iteration drivers: solve stops per scenario under vmap; unroll is differentiable; they agree;
the mode owns the loop, so a user's ``Mode`` subclass runs the algorithms."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.optim import IterationTrace, Mode, Solve, Unroll, iterate, solve, unroll
from tests.typecheck import refused_by_checker_and_function


def _contraction(c):
    """x <- x/2 + c converges to 2c; the metric is x itself."""
    return (lambda x: 0.5 * x + c), (lambda x: x)


def test_unroll_trace_and_state():
    step, metric = _contraction(1.0)
    x, trace = unroll(step, jnp.asarray(0.0), metric, 5)
    expected = [0.0]
    for _ in range(5):
        expected.append(0.5 * expected[-1] + 1.0)
    np.testing.assert_allclose(trace.objective, expected, rtol=1e-6)
    assert float(x) == pytest.approx(expected[-1])
    assert int(trace.num_iters) == 5 and bool(trace.converged)


def test_solve_stops_at_tolerance_and_fills_tail():
    step, metric = _contraction(1.0)
    x, trace = solve(step, jnp.asarray(1.0), metric, tol=1e-3, max_iters=50)
    n = int(trace.num_iters)
    obj = np.asarray(trace.objective)
    assert bool(trace.converged) and 1 <= n < 50
    assert abs(obj[n] - obj[n - 1]) <= 1e-3 * abs(obj[n - 1])          # rule met at n
    assert abs(obj[n - 1] - obj[n - 2]) > 1e-3 * abs(obj[n - 2])      # not one step earlier
    np.testing.assert_array_equal(obj[n:], obj[n])                      # tail repeats the final value
    assert float(x) == pytest.approx(obj[n])


def test_solve_hits_max_iters_unconverged():
    step, metric = _contraction(1.0)
    _, trace = solve(step, jnp.asarray(0.0), metric, tol=1e-12, max_iters=3)
    assert int(trace.num_iters) == 3 and not bool(trace.converged)


def test_solve_vmap_per_scenario_counts_equal_loop():
    cs = jnp.asarray([0.1, 1.0, 100.0])
    inits = jnp.asarray([0.2, 0.0, 1.0])       # 0.2 is already the fixed point 2c of c = 0.1

    def run(c, x0):
        step, metric = _contraction(c)
        return solve(step, x0, metric, tol=1e-4, max_iters=100)

    xs, traces = jax.vmap(run)(cs, inits)
    for i in range(3):
        x, tr = run(cs[i], inits[i])
        assert int(traces.num_iters[i]) == int(tr.num_iters)
        np.testing.assert_allclose(xs[i], x, rtol=1e-6)
        np.testing.assert_allclose(traces.objective[i], tr.objective, rtol=1e-6)
    assert len(set(np.asarray(traces.num_iters).tolist())) > 1          # different stopping points


def test_solve_equals_unroll_at_its_depth():
    step, metric = _contraction(3.0)
    x_s, tr_s = solve(step, jnp.asarray(0.0), metric, tol=1e-5, max_iters=100)
    n = int(tr_s.num_iters)
    x_u, tr_u = unroll(step, jnp.asarray(0.0), metric, n)
    np.testing.assert_allclose(x_s, x_u, rtol=1e-6)
    np.testing.assert_allclose(tr_s.objective[: n + 1], tr_u.objective, rtol=1e-6)


@pytest.mark.parametrize("checkpoint", [False, True])
def test_unroll_gradient(checkpoint):
    def final(c):
        step, metric = _contraction(c)
        return unroll(step, jnp.asarray(0.0), metric, 4, checkpoint=checkpoint)[0]

    # x_4 = c (1 + 1/2 + 1/4 + 1/8)
    assert float(jax.grad(final)(2.0)) == pytest.approx(1.875)


class FixedSteps(Mode):
    """A user's mode: exactly ``n`` steps with ``lax.fori_loop`` (forward only), written against
    the ``Mode`` interface alone."""

    n: int = eqx.field(static=True)
    differentiable: ClassVar[bool] = False

    @property
    def max_steps(self) -> int:
        return self.n

    def run(self, step, init, metric):
        def body(i, carry):
            state, trace = carry
            state = step(state)
            return state, trace.at[i + 1].set(metric(state))

        f0 = metric(init)
        trace0 = jnp.zeros((self.n + 1,), f0.dtype).at[0].set(f0)
        state, trace = jax.lax.fori_loop(0, self.n, body, (init, trace0))
        return state, IterationTrace(trace, jnp.asarray(self.n, jnp.int32), jnp.asarray(True))


def test_the_mode_owns_the_loop_and_a_users_mode_runs_the_algorithms():
    """``iterate`` calls ``mode.run``; the built-in modes say what algorithms ask of them; a
    subclass of ``Mode`` (here ``fori_loop`` for n steps) runs Algorithm 1 (system A) and Algorithm 3
    (system C, which sizes its per-block record by ``max_steps`` and picks its inner pieces by
    ``differentiable``) to the same decisions and traces as ``Unroll(n)``."""
    from satjax.uav import algorithm3
    from satjax.uplink import algorithm1, siso_problem
    from tests.uav.helpers import tiny_scenario
    from tests.uplink.helpers import random_stats

    assert (Solve(max_iters=7).max_steps, Unroll(3).max_steps) == (7, 3)
    assert (Solve.differentiable, Unroll.differentiable, FixedSteps.differentiable) == (False, True, False)
    step, metric = _contraction(1.0)
    x, trace = iterate(step, jnp.asarray(0.0), metric, FixedSteps(4))
    x_u, trace_u = unroll(step, jnp.asarray(0.0), metric, 4)
    np.testing.assert_array_equal(trace.objective, trace_u.objective)
    assert float(x) == float(x_u)
    with pytest.raises(TypeError, match="abstract"):
        Mode()
    refused_by_checker_and_function(lambda: iterate(step, jnp.asarray(0.0), metric, "solve"), "mode",
                                    r"mode must be satjax.optim.Solve\(...\) or satjax.optim.Unroll\(...\)")
    with jax.enable_x64(True):
        stats, _ = random_stats(1)
        p_max = jnp.full(stats.num_users, 0.5)
        ours = algorithm1(siso_problem(stats), p_max, mode=FixedSteps(3))
        ref = algorithm1(siso_problem(stats), p_max, mode=Unroll(3))
        np.testing.assert_allclose(ours.rho, ref.rho, rtol=1e-12)
        np.testing.assert_allclose(ours.trace.objective, ref.trace.objective, rtol=1e-12)
        s = tiny_scenario(1)
        ours = algorithm3(s, mode=FixedSteps(2), power_mode=Unroll(2))
        ref = algorithm3(s, mode=Unroll(2), power_mode=Unroll(2))
        np.testing.assert_array_equal(ours.x, ref.x)
        np.testing.assert_allclose(ours.p, ref.p, rtol=1e-12, atol=0)
        np.testing.assert_allclose(ours.block_objective, ref.block_objective, rtol=1e-12)
        np.testing.assert_allclose(ours.trace.objective, ref.trace.objective, rtol=1e-12)

    # Algorithms 3/6 pick their inner loop by the mode's `differentiable`, whatever its class
    from satjax.uav.algorithms import _power_mode

    class DifferentiableFixedSteps(FixedSteps):
        differentiable: ClassVar[bool] = True

    assert _power_mode(FixedSteps(2), None) == Solve(tol=1e-6, max_iters=10)
    assert _power_mode(DifferentiableFixedSteps(2), None) == Unroll(10)
    with pytest.raises(ValueError, match="power_mode must be satjax.optim.Unroll"):
        algorithm3(s, mode=DifferentiableFixedSteps(2), power_mode=Solve())
