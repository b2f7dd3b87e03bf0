"""Every method is a policy(scenario, key) -> decision: system A's powers and system B's precoders
are feasible, reproducible, vmappable; the protocol is system-neutral."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import satjax.downlink as dl
from satjax.policies import Policy
from satjax.uplink import (
    POLICIES,
    Algorithm1Policy,
    FullPower,
    ProjectedGradientPolicy,
    RandomPower,
    UplinkParams,
    sample_uplink_scenarios,
    siso_problem,
    sum_spectral_efficiency,
    utility_of_powers,
)

SCEN = sample_uplink_scenarios(jax.random.key(0), UplinkParams(num_users=6, tau_p=3, num_aps=8), 2)
FAST = {"projected_gradient": dict(num_starts=2, num_steps=60)}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_protocol_feasible_and_reproducible(name):
    policy = POLICIES[name](**FAST.get(name, {}))
    assert isinstance(policy, Policy)
    keys = jax.random.split(jax.random.key(1), 2)
    rho = jax.jit(jax.vmap(policy))(SCEN, keys)
    assert rho.shape == (2, 6)
    assert np.all(np.isfinite(rho)) and np.all(rho >= 0) and np.all(rho <= SCEN.p_max_w * (1 + 1e-6))
    np.testing.assert_array_equal(rho, jax.jit(jax.vmap(policy))(SCEN, keys))          # same key, same powers


def test_random_policy_depends_on_key_deterministic_ones_do_not():
    s = jax.tree.map(lambda x: x[0], SCEN)
    k1, k2 = jax.random.key(1), jax.random.key(2)
    assert not np.allclose(RandomPower()(s, k1), RandomPower()(s, k2))
    np.testing.assert_array_equal(FullPower()(s, k1), FullPower()(s, k2))
    np.testing.assert_array_equal(Algorithm1Policy()(s, k1), Algorithm1Policy()(s, k2))


@pytest.mark.parametrize("utility", ["proportional_fair", "max_min_smooth"])
def test_projected_gradient_improves_any_utility_over_full_power(utility):
    s = jax.tree.map(lambda x: x[0], SCEN)
    rho = ProjectedGradientPolicy(utility=utility, num_starts=2, num_steps=100)(s, jax.random.key(3))
    problem = siso_problem(s.stats)
    assert float(utility_of_powers(problem, rho, utility)) >= float(utility_of_powers(problem, s.p_max_w, utility))


def test_algorithm1_policy_beats_full_power():
    s = jax.tree.map(lambda x: x[0], SCEN)
    problem = siso_problem(s.stats)
    rho = Algorithm1Policy()(s, jax.random.key(0))
    assert float(sum_spectral_efficiency(problem, rho)) >= float(sum_spectral_efficiency(problem, s.p_max_w))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ProjectedGradientPolicy(utility="sum_throughput"), "utility must be one of"),
        (lambda: ProjectedGradientPolicy(num_starts=0), "num_starts"),
        (lambda: Algorithm1Policy(tol=0.0), "tol must be a finite number > 0"),
        (lambda: Algorithm1Policy(max_iters=0), "max_iters"),
        (lambda: Algorithm1Policy(link="sky"), "link must be one of"),
    ],
)
def test_bad_settings(make, match):
    with pytest.raises(ValueError, match=match):
        make()


B_SCEN = jax.vmap(lambda k: dl.sample_downlink_scenario(k, dl.DownlinkParams(n_h=3, n_v=3, num_users=4)))(
    jax.random.split(jax.random.key(4), 2))


@pytest.mark.parametrize("name", sorted(dl.POLICIES))
def test_downlink_policies_are_policies_feasible_and_deterministic(name):
    policy = dl.POLICIES[name]()
    assert isinstance(policy, Policy)
    keys = jax.random.split(jax.random.key(1), 2)
    b = jax.jit(jax.vmap(policy))(B_SCEN, keys)
    assert b.shape == (2, 9, 4) and jnp.iscomplexobj(b)
    power = jnp.sum(jnp.abs(b) ** 2, axis=(1, 2))
    assert np.all(np.isfinite(np.asarray(b))) and np.all(np.asarray(power) <= np.asarray(B_SCEN.problem.p_max_w) * (1 + 1e-5))
    np.testing.assert_array_equal(b, jax.jit(jax.vmap(policy))(B_SCEN, keys[::-1]))      # the key is unused


def test_dinkelbach_policy_beats_every_other_downlink_policy_on_ee():
    s = jax.tree.map(lambda x: x[0], B_SCEN)
    ee = {name: float(dl.energy_efficiency(s.problem, cls()(s, None))) for name, cls in dl.POLICIES.items()}
    assert all(ee["dinkelbach_wmmse"] >= v * (1 - 1e-5) for v in ee.values()), ee
