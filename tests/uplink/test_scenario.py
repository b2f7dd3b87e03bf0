import jax
import jax.numpy as jnp
import numpy as np

from satjax.units import lin_to_db
from satjax.uplink import UplinkParams, sample_uplink_scenario, sample_uplink_scenarios, throughput_bps


def test_same_seed_same_scenarios_whatever_the_batch_size():
    p = UplinkParams(num_users=5, num_aps=6)
    key = jax.random.key(42)
    whole = sample_uplink_scenarios(key, p, 6)
    halves = [sample_uplink_scenarios(key, p, 3, start=s) for s in (0, 3)]
    joined = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), *halves)
    for a, b in zip(jax.tree.leaves(whole), jax.tree.leaves(joined)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_scenario_shapes_statistics_and_rician_split():
    p = UplinkParams(num_users=7, num_aps=9, n_v=2, n_h=3, rician_k_db=10.0)
    s = sample_uplink_scenario(jax.random.key(0), p)
    assert s.stats.beta_ap.shape == (9, 7) and s.stats.g_bar.shape == (7, 6) and s.stats.r_sat.shape == (7, 6, 6)
    np.testing.assert_array_equal(np.asarray(s.stats.pilot), np.arange(7) % p.tau_p)
    # E||g_k||^2 = N beta_k with a K-factor of 10 dB between LoS and NLoS power
    los = np.sum(np.abs(np.asarray(s.stats.g_bar)) ** 2, -1)
    nlos = np.real(np.trace(np.asarray(s.stats.r_sat), axis1=1, axis2=2))
    np.testing.assert_allclose(los + nlos, 6 * np.asarray(s.beta_sat), rtol=1e-4)
    np.testing.assert_allclose(los / nlos, 10.0, rtol=1e-4)
    # AP gains in a physically sensible window for a 4 km square at 3 GHz
    db = np.asarray(lin_to_db(s.stats.beta_ap))
    assert -200 < db.min() and db.max() < 0


def test_throughput_formula():
    r = throughput_bps(jnp.array([0.0, 1.0, 3.0]), bandwidth_hz=20e6, tau_p=10, tau_c=200)
    np.testing.assert_allclose(np.asarray(r), 20e6 * 0.95 * np.array([0.0, 1.0, 2.0]), rtol=1e-6)
