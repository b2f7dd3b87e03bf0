"""Fig. 5's received-power maps (satjax.uav.coverage): the same median path loss as the scenario
sampler, linear in the powers, and named errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.uav import coverage_grid, received_power_w, sample_uav_scenario
from tests.typecheck import as_a_user, refused_by_checker_and_function
from tests.uav.helpers import TINY


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def test_received_power_at_the_users_is_the_samplers_gain_without_shadowing():
    """At each user's position, sum_l p_{l,n} lambda_{k,l,n} of a drop sampled with 0 dB shadowing."""
    params = TINY.replace(shadowing_std_db=0.0)
    s = sample_uav_scenario(jax.random.key(0), params, jnp.float64)
    p = jax.random.uniform(jax.random.key(1), (params.num_uavs, params.num_subchannels), jnp.float64) * 0.01
    for g in range(params.num_groups):
        got = received_power_w(params, s.uav_pos[g], p, s.user_pos[g, :, :2])              # [K, N]
        want = jnp.einsum("kln,ln->kn", s.lam[g], p)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_linear_in_the_powers_and_differentiable():
    params = TINY
    s = sample_uav_scenario(jax.random.key(2), params, jnp.float64)
    pts = jnp.array([[100.0, -50.0], [2000.0, 300.0]])
    p = jnp.full((params.num_uavs, params.num_subchannels), 0.01)
    np.testing.assert_allclose(received_power_w(params, s.uav_pos[0], 3 * p, pts),
                               3 * received_power_w(params, s.uav_pos[0], p, pts), rtol=1e-14)
    grad = jax.grad(lambda q: received_power_w(params, s.uav_pos[0], q, pts)[1, 0])(p)
    assert bool(jnp.all(grad[:, 0] > 0)) and float(jnp.max(jnp.abs(grad[:, 1:]))) == 0.0
    near, far = received_power_w(params, s.uav_pos[0], p, jnp.stack([s.uav_pos[0, 0, :2], s.uav_pos[0, 0, :2] + 5e3]))
    assert bool(jnp.all(near > 100 * far))


def test_grid_and_errors():
    grid, xs, ys = coverage_grid(jnp.array([10.0, -20.0]), 500.0, 5)
    assert grid.shape == (5, 5, 2) and float(xs[0]) == -490.0 and float(ys[-1]) == 480.0
    np.testing.assert_allclose(grid[2, 2], [10.0, -20.0])
    p = jnp.zeros((TINY.num_uavs, TINY.num_subchannels))
    uav = jnp.zeros((TINY.num_uavs, 3))
    with pytest.raises(ValueError, match="p must have shape"):
        received_power_w(TINY, uav, p[:, :1], grid)
    with pytest.raises(ValueError, match="uav_pos"), as_a_user():     # the checker: test below
        received_power_w(TINY, uav[:, :2], p, grid)
    with pytest.raises(ValueError, match="points"), as_a_user():
        received_power_w(TINY, uav, p, jnp.zeros((4, 3)))
    with pytest.raises(ValueError, match="half_width_m must be > 0"):
        coverage_grid(jnp.zeros(2), 0.0, 5)
    with pytest.raises(ValueError, match="num must be an integer >= 2"):
        coverage_grid(jnp.zeros(2), 1.0, 1)


@pytest.mark.parametrize("param, args", [
    ("points", lambda uav, p: (uav, p, jnp.zeros((4, 3)))),
    ("uav_pos", lambda uav, p: (uav[:, :2], p, jnp.zeros((4, 2)))),
])
def test_a_wrong_shape_is_refused_by_the_checker_and_by_the_function(param, args):
    """The suite's run-time checker refuses a wrong shape naming the parameter (``points [..., 2]``,
    ``uav_pos [L, 3]``); a user, who runs without it, gets the function's own ValueError naming it."""
    uav, p = jnp.zeros((TINY.num_uavs, 3)), jnp.zeros((TINY.num_uavs, TINY.num_subchannels))
    refused_by_checker_and_function(lambda: received_power_w(TINY, *args(uav, p)), param, rf"^{param} must have shape")
