"""WMMSE and Dinkelbach + WMMSE (paper B, Sec. IV-A): monotonicity, power budget, Dinkelbach
gap to zero, solve vs unrolled, exact gradients through the power multiplier (budget binding and
slack), plain arrays through PrecodingProblem.from_arrays, and bad input."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from satjax.downlink import (
    PrecodingProblem,
    budget_precoders,
    dinkelbach_step,
    dinkelbach_wmmse,
    energy_efficiency,
    statistical_mrt,
    sum_rate_bound,
    total_power,
    transmit_power,
    wmmse,
    wmmse_step,
)
from satjax.optim import Solve, Unroll
from tests.downlink.helpers import random_instance

BW, XI = 20e6, 2.0
EXACT = dict(mode=Solve(tol=1e-12, max_iters=100), inner=Solve(tol=1e-12, max_iters=1000))


def _problem(seed=0, p_static=10.0, p_max=10.0, dtype=jnp.float32, **kw):
    v, alpha, gamma, noise, h = random_instance(seed, **kw)
    r = lambda x: jnp.asarray(x, dtype)  # noqa: E731
    cdt = jnp.complex128 if dtype == jnp.float64 else jnp.complex64
    return PrecodingProblem(v.astype(cdt), r(gamma), r(noise), r(p_max), r(BW), r(XI), r(p_static))


@pytest.mark.parametrize("seed", range(4))
def test_wmmse_sum_rate_monotone_and_budget_active(seed):
    p = _problem(seed)
    b = statistical_mrt(p.v, p.p_max_w)
    rates = [float(sum_rate_bound(p, b))]
    for _ in range(15):
        b = wmmse_step(b, p)
        rates.append(float(sum_rate_bound(p, b)))
        assert float(transmit_power(b)) <= float(p.p_max_w) * (1 + 1e-5)
    assert all(b2 >= b1 * (1 - 1e-5) for b1, b2 in zip(rates, rates[1:]))
    assert rates[-1] > rates[0]
    np.testing.assert_allclose(transmit_power(b), p.p_max_w, rtol=1e-4)   # sum rate wants every watt


@pytest.mark.parametrize("p_static", [1.0, 50.0])
def test_dinkelbach_gap_falls_to_zero_and_ee_never_decreases(p_static):
    with jax.enable_x64(True):
        p = _problem(1, p_static=p_static, dtype=jnp.float64)
        b = statistical_mrt(p.v, p.p_max_w)
        state = (b, energy_efficiency(p, b))
        ees, gaps = [float(state[1])], []
        for _ in range(12):
            rho = state[1]
            state = dinkelbach_step(state, p, Solve(tol=1e-10, max_iters=500))
            # F(rho_n) = B_w sum R - rho_n P_total at the subproblem's solution, eq. (16a)
            gaps.append(float(p.bandwidth_hz * sum_rate_bound(p, state[0]) - rho * total_power(state[0], p.xi, p.p_static_w)))
            ees.append(float(state[1]))
            assert float(transmit_power(state[0])) <= float(p.p_max_w) * (1 + 1e-9)
        assert all(g >= -1e-6 * abs(gaps[0]) for g in gaps)              # F(rho_n) >= 0 ...
        assert gaps[-1] <= 1e-6 * gaps[0]                               # ... and -> 0
        assert all(e2 >= e1 * (1 - 1e-12) for e1, e2 in zip(ees, ees[1:]))
        assert ees[-1] > ees[0]


def test_energy_efficiency_beats_sum_rate_wmmse_and_mrt():
    for seed in range(3):
        p = _problem(seed, p_static=1.0)
        b_ee, ee, trace = dinkelbach_wmmse(p)
        b_sr, _ = wmmse(p)
        assert bool(trace.converged)
        assert float(ee) >= float(energy_efficiency(p, b_sr)) * (1 - 1e-5)
        assert float(ee) >= float(energy_efficiency(p, statistical_mrt(p.v, p.p_max_w)))
        # with little static power the EE optimum backs off from the budget
        assert float(transmit_power(b_ee)) < 0.9 * float(p.p_max_w)


def test_stationary_in_the_transmit_power_direction():
    """At the Dinkelbach solution, scaling all precoders by t cannot raise the EE (1-D optimality)."""
    with jax.enable_x64(True):
        p = _problem(2, p_static=5.0, dtype=jnp.float64)
        b, ee, _ = dinkelbach_wmmse(p, **EXACT)
        for t in (0.9, 0.99, 1.01, 1.1):
            if float(transmit_power(t * b)) <= float(p.p_max_w):
                assert float(energy_efficiency(p, t * b)) <= float(ee) * (1 + 1e-9)


def test_unrolled_approaches_solve():
    with jax.enable_x64(True):
        p = _problem(3, p_static=5.0, dtype=jnp.float64, n_h=2, n_v=2, k=2)
        _, ee_solve, _ = dinkelbach_wmmse(p, **EXACT)
        _, ee_unrolled, trace = dinkelbach_wmmse(p, mode=Unroll(10), inner=Unroll(20))
        np.testing.assert_allclose(ee_unrolled, ee_solve, rtol=1e-6)
        assert trace.objective.shape == (11,)


def test_solve_equals_unroll_at_the_same_depth():
    p = _problem(4, p_static=5.0)
    b_s, ee_s, tr = dinkelbach_wmmse(p, mode=Solve(tol=1e-5, max_iters=30), inner=Unroll(8))
    n = int(tr.num_iters)
    b_u, ee_u, tr_u = dinkelbach_wmmse(p, mode=Unroll(n), inner=Unroll(8))
    np.testing.assert_allclose(ee_u, ee_s, rtol=1e-6)
    np.testing.assert_allclose(tr_u.objective, tr.objective[: n + 1], rtol=1e-6)


# --- gradients through the power multiplier (implicit function theorem) ----------------------

def _with(p, **changes):
    return eqx.tree_at(lambda q: [getattr(q, k) for k in changes], p, list(changes.values()))


def _regime_problem(binding: bool):
    # binding: a small budget the EE optimum wants to exceed; slack: a budget far above it
    return _problem(5, p_static=1.0 if binding else 0.05, p_max=0.05 if binding else 50.0, dtype=jnp.float64, n_h=2, n_v=3, k=3)


@pytest.mark.parametrize("binding", [True, False])
def test_unrolled_dinkelbach_gradients_match_finite_differences(binding):
    """d EE / d (p_max, gamma, noise, v) of the unrolled Dinkelbach-WMMSE against central finite
    differences, with the budget binding (multiplier > 0) and slack (multiplier = 0)."""
    with jax.enable_x64(True):
        p = _regime_problem(binding)
        b, _, _ = dinkelbach_wmmse(p, mode=Unroll(4), inner=Unroll(6))
        power = float(transmit_power(b))
        if binding:
            assert power == pytest.approx(float(p.p_max_w), rel=1e-9)
        else:
            assert power < 0.5 * float(p.p_max_w)

        def ee(p_max, gamma, noise, v):
            q = _with(p, p_max_w=p_max, gamma=gamma, noise_w=noise, v=v)
            return dinkelbach_wmmse(q, mode=Unroll(4), inner=Unroll(6))[1] / 1e6

        check_grads(ee, (p.p_max_w, p.gamma, p.noise_w, p.v), order=1, modes=("fwd", "rev"), eps=1e-7, rtol=1e-5)


def test_one_wmmse_step_spends_the_budget_exactly_and_its_derivative_is_one():
    """The multiplier is differentiated through its root: d ||B||^2 / d P_max = 1 when binding
    (autodiff through the bisection gave 0.492)."""
    with jax.enable_x64(True):
        p = _problem(6, p_max=0.5, dtype=jnp.float64)

        def power(p_max):
            q = _with(p, p_max_w=p_max)
            return transmit_power(wmmse_step(statistical_mrt(q.v, q.p_max_w), q))

        assert float(power(p.p_max_w)) == pytest.approx(0.5, rel=1e-12)
        assert float(jax.grad(power)(p.p_max_w)) == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("c, p_max", [(0.0, 0.3), (0.5, 0.3), (5.0, 100.0)])
def test_budget_precoders_jvp_matches_finite_differences(c, p_max):
    """The custom JVP of eq. (23)'s solution map in all its arguments: sum-rate (c = 0, binding),
    Dinkelbach price with a binding budget, and a slack budget."""
    with jax.enable_x64(True):
        rng = np.random.default_rng(0)
        v = jnp.asarray(rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3)))
        w = jnp.asarray(rng.uniform(0.5, 2.0, 3))
        a = (v * w[None, :]) @ jnp.conj(v).T
        r = v * jnp.asarray(rng.uniform(0.5, 1.5, 3))[None, :]
        slack = float(jnp.sum(jnp.abs(budget_precoders(a, r, jnp.asarray(c), jnp.asarray(1e9))) ** 2)) < p_max
        assert slack == (p_max > 1)

        def f(a_, r_, c_, pm):
            a_ = 0.5 * (a_ + jnp.conj(a_).T)             # stay Hermitian under perturbation
            return budget_precoders(a_, r_, c_, pm)

        check_grads(f, (a, r, jnp.asarray(c), jnp.asarray(p_max)), order=1, modes=("fwd", "rev"), eps=1e-7, rtol=1e-5)


def test_gradient_is_finite_for_deep_unrolling_with_checkpointing():
    p = _problem(7, p_static=5.0)
    g = jax.grad(lambda pm: dinkelbach_wmmse(_with(p, p_max_w=pm), mode=Unroll(8, checkpoint=True),
                                             inner=Unroll(10, checkpoint=True))[1])(p.p_max_w)
    assert np.isfinite(float(g))


def test_vmap_matches_loop_and_jit():
    probs = [_problem(s, p_static=3.0) for s in range(3)]
    batch = jax.tree.map(lambda *x: jnp.stack(x), *probs)
    _, ee_b, tr = jax.jit(jax.vmap(dinkelbach_wmmse))(batch)
    for i, p in enumerate(probs):
        _, ee, t = dinkelbach_wmmse(p)
        np.testing.assert_allclose(ee_b[i], ee, rtol=1e-5)
        assert int(tr.num_iters[i]) == int(t.num_iters)


def test_padded_problem_gives_the_same_precoders():
    with jax.enable_x64(True):
        p = _problem(8, p_static=5.0, dtype=jnp.float64)
        q = p.pad(25, 7)
        b1, ee1, _ = dinkelbach_wmmse(p, **EXACT)
        b2, ee2, _ = dinkelbach_wmmse(q, **EXACT)
        np.testing.assert_allclose(ee2, ee1, rtol=1e-10)
        np.testing.assert_allclose(b2[:16, :4], b1, atol=1e-9 * float(jnp.abs(b1).max()))
        assert float(jnp.abs(b2[16:]).max()) == 0 and float(jnp.abs(b2[:, 4:]).max()) == 0


# --- plain arrays and bad input ---------------------------------------------------------------

def test_plain_arrays_through_from_arrays():
    v, alpha, gamma, noise, h = random_instance(4)
    problem = PrecodingProblem.from_arrays(np.asarray(v), np.asarray(gamma), p_max_w=10.0, noise_w=noise, bandwidth_hz=BW,
                                           xi=XI, p_static_w=5.0)
    b, ee, trace = dinkelbach_wmmse(problem)
    assert b.shape == v.shape and float(transmit_power(b)) <= 10.0 * (1 + 1e-5)
    np.testing.assert_allclose(energy_efficiency(problem, b), ee, rtol=1e-5)
    assert trace.objective[0] <= ee


@pytest.mark.parametrize("change, match", [
    (dict(p_max_w=0.0), "p_max_w must be > 0"),
    (dict(p_max_w=-1.0), "p_max_w must be > 0"),
    (dict(noise_w=0.0), "noise_w must be > 0"),
    (dict(noise_w=-1e-3), "noise_w must be > 0"),
    (dict(gamma=np.ones(3)), r"gamma must have shape \(4,\)"),
    (dict(gamma=np.ones(4) + 1j), "gamma must be real"),
    (dict(xi=0.0), "xi must be > 0"),
    (dict(bandwidth_hz=np.nan), "bandwidth_hz must be finite"),
    (dict(v=np.ones(16)), r"v must be a 2-D array \[N_t, K\]"),
    (dict(v=np.ones((16, 4), np.float16)), "float16 is not supported"),
])
def test_bad_input_is_named(change, match):
    v, alpha, gamma, noise, h = random_instance(5)
    args = dict(v=v, gamma=gamma, p_max_w=10.0, noise_w=noise, bandwidth_hz=BW, xi=XI, p_static_w=5.0) | change
    with pytest.raises(ValueError, match=match):
        PrecodingProblem.from_arrays(args.pop("v"), args.pop("gamma"), **args)


def test_bad_modes_and_start_are_named():
    p = _problem(9)
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        dinkelbach_wmmse(p, mode=Solve(tol=0.0))
    with pytest.raises(ValueError, match="num_iters must be an integer >= 0"):
        dinkelbach_wmmse(p, mode=Unroll(-1))
    with pytest.raises(ValueError, match="mode must be"):
        dinkelbach_wmmse(p, mode="solve")
    with pytest.raises(ValueError, match=r"b0 must have shape \(16, 4\)"):
        dinkelbach_wmmse(p, b0=jnp.ones((8, 4), jnp.complex64))
