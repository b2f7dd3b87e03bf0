"""WMMSE and Dinkelbach + WMMSE (paper B, Sec. IV-A): monotonicity, power budget, Dinkelbach
gap to zero, solve vs unrolled, gradients, plain-array API and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.downlink import (
    PrecodingProblem,
    dinkelbach_step,
    dinkelbach_wmmse,
    dinkelbach_wmmse_solve,
    dinkelbach_wmmse_unrolled,
    energy_efficiency,
    statistical_mrt,
    transmit_power,
    wmmse_solve,
    wmmse_step,
)
from tests.downlink.helpers import random_instance

BW, XI = 20e6, 2.0


def _problem(seed=0, p_static=10.0, p_max=10.0, dtype=jnp.float32, **kw):
    v, alpha, gamma, noise, h = random_instance(seed, **kw)
    r = lambda x: jnp.asarray(x, dtype)  # noqa: E731
    cdt = jnp.complex128 if dtype == jnp.float64 else jnp.complex64
    return PrecodingProblem(v.astype(cdt), r(gamma), r(noise), r(p_max), r(BW), r(XI), r(p_static))


@pytest.mark.parametrize("seed", range(4))
def test_wmmse_sum_rate_monotone_and_budget_active(seed):
    p = _problem(seed)
    b = statistical_mrt(p.v, p.p_max)
    rates = [float(p.sum_rate(b))]
    for _ in range(15):
        b = wmmse_step(b, p)
        rates.append(float(p.sum_rate(b)))
        assert float(transmit_power(b)) <= float(p.p_max) * (1 + 1e-5)
    assert all(b2 >= b1 * (1 - 1e-5) for b1, b2 in zip(rates, rates[1:]))
    assert rates[-1] > rates[0]
    np.testing.assert_allclose(transmit_power(b), p.p_max, rtol=1e-4)   # sum rate wants every watt


@pytest.mark.parametrize("p_static", [1.0, 50.0])
def test_dinkelbach_gap_falls_to_zero_and_ee_never_decreases(p_static):
    with jax.enable_x64(True):
        p = _problem(1, p_static=p_static, dtype=jnp.float64)
        b = statistical_mrt(p.v, p.p_max)
        state = (b, p.energy_efficiency(b))
        ees, gaps = [float(state[1])], []
        for _ in range(12):
            rho = state[1]
            state = dinkelbach_step(state, p, inner_tol=1e-10, inner_max_iters=500)
            gaps.append(float(p.dinkelbach_gap(state[0], rho)))          # F(rho_n) at the subproblem's solution
            ees.append(float(state[1]))
            assert float(transmit_power(state[0])) <= float(p.p_max) * (1 + 1e-9)
        assert all(g >= -1e-6 * abs(gaps[0]) for g in gaps)              # F(rho_n) >= 0 ...
        assert gaps[-1] <= 1e-6 * gaps[0]                               # ... and -> 0
        assert all(e2 >= e1 * (1 - 1e-12) for e1, e2 in zip(ees, ees[1:]))
        assert ees[-1] > ees[0]


def test_energy_efficiency_beats_sum_rate_wmmse_and_mrt():
    for seed in range(3):
        p = _problem(seed, p_static=1.0)
        b_ee, ee, trace = dinkelbach_wmmse_solve(p)
        b_sr, _ = wmmse_solve(p)
        assert bool(trace.converged)
        assert float(ee) >= float(p.energy_efficiency(b_sr)) * (1 - 1e-5)
        assert float(ee) >= float(p.energy_efficiency(statistical_mrt(p.v, p.p_max)))
        # with little static power the EE optimum backs off from the budget
        assert float(transmit_power(b_ee)) < 0.9 * float(p.p_max)


def test_stationary_in_the_transmit_power_direction():
    """At the Dinkelbach solution, scaling all precoders by t cannot raise the EE (1-D optimality)."""
    with jax.enable_x64(True):
        p = _problem(2, p_static=5.0, dtype=jnp.float64)
        b, ee, _ = dinkelbach_wmmse_solve(p, tol=1e-12, inner_tol=1e-12, max_iters=100, inner_max_iters=1000)
        for t in (0.9, 0.99, 1.01, 1.1):
            if float(transmit_power(t * b)) <= float(p.p_max):
                assert float(p.energy_efficiency(t * b)) <= float(ee) * (1 + 1e-9)


def test_unrolled_approaches_solve_and_is_differentiable():
    with jax.enable_x64(True):
        p = _problem(3, p_static=5.0, dtype=jnp.float64, nx=2, ny=2, k=2)
        _, ee_solve, _ = dinkelbach_wmmse_solve(p, tol=1e-12, inner_tol=1e-12, max_iters=100, inner_max_iters=1000)
        _, ee_unrolled, trace = dinkelbach_wmmse_unrolled(p, num_outer=10, num_inner=20)
        np.testing.assert_allclose(ee_unrolled, ee_solve, rtol=1e-6)
        assert trace.objective.shape == (11,)

        def f(noise):
            q = PrecodingProblem(p.v, p.gamma, noise, p.p_max, p.bandwidth_hz, p.xi, p.p_static_w)
            return dinkelbach_wmmse_unrolled(q, num_outer=3, num_inner=3)[1] / 1e6

        n0 = p.noise
        g = jax.grad(f)(n0)
        h = 1e-4 * n0
        fd = (f(n0 + h) - f(n0 - h)) / (2 * h)
        assert np.isfinite(float(g)) and float(g) < 0                    # more noise, less EE
        np.testing.assert_allclose(g, fd, rtol=1e-4)


def test_vmap_matches_loop_and_jit():
    probs = [_problem(s, p_static=3.0) for s in range(3)]
    batch = jax.tree.map(lambda *x: jnp.stack(x), *probs)
    _, ee_b, tr = jax.jit(jax.vmap(dinkelbach_wmmse_solve))(batch)
    for i, p in enumerate(probs):
        _, ee, t = dinkelbach_wmmse_solve(p)
        np.testing.assert_allclose(ee_b[i], ee, rtol=1e-5)
        assert int(tr.num_iters[i]) == int(t.num_iters)


def test_plain_array_api():
    v, alpha, gamma, noise, h = random_instance(4)
    kw = dict(noise=noise, bandwidth_hz=BW, xi=XI, p_static_w=5.0)
    b, ee, trace = dinkelbach_wmmse(np.asarray(v), np.asarray(gamma), p_max=10.0, **kw)
    assert b.shape == v.shape and float(transmit_power(b)) <= 10.0 * (1 + 1e-5)
    np.testing.assert_allclose(energy_efficiency(b, v, gamma, **kw), ee, rtol=1e-5)
    assert trace.objective[0] <= ee


@pytest.mark.parametrize("change, match", [
    (dict(p_max=0.0), "p_max must be > 0"),
    (dict(p_max=-1.0), "p_max must be > 0"),
    (dict(noise=-1e-3), "noise must be >= 0"),
    (dict(gamma=np.ones(3)), r"gamma must have shape \(4,\)"),
    (dict(xi=0.0), "xi must be > 0"),
    (dict(bandwidth_hz=np.nan), "bandwidth_hz must be finite"),
    (dict(v=np.ones(16)), r"v must be a 2-D array \[N_t, K\]"),
    (dict(tol=0.0), "tol must be > 0"),
])
def test_bad_input_is_named(change, match):
    v, alpha, gamma, noise, h = random_instance(5)
    args = dict(v=v, gamma=gamma, p_max=10.0, noise=noise, bandwidth_hz=BW, xi=XI, p_static_w=5.0) | change
    with pytest.raises(ValueError, match=match):
        dinkelbach_wmmse(args.pop("v"), args.pop("gamma"), **args)


def test_energy_efficiency_rejects_antenna_mismatch():
    v, alpha, gamma, noise, h = random_instance(6)
    with pytest.raises(ValueError, match=r"b must have shape \(16, 4\)"):
        energy_efficiency(np.ones((8, 4), complex), v, gamma, noise=noise, bandwidth_hz=BW, xi=XI, p_static_w=1.0)
