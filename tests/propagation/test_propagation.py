import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.propagation import (
    TR38811_ELEVATIONS_DEG,
    TR38811_LOS_SIGMA_SF_DB,
    ground_large_scale_db,
    sample_shadowing_db,
    satellite_large_scale_db,
    satellite_shadowing_std_db,
)
from satjax.units import db_to_lin, dbm_to_watt, lin_to_db, thermal_noise_w


def test_satellite_formula_is_free_space_path_loss():
    d, f = 600e3, 3e9
    fspl = 20 * np.log10(4 * np.pi * d * f / 299_792_458.0)
    np.testing.assert_allclose(float(satellite_large_scale_db(d, f, 0.0, 0.0)), -fspl, atol=0.01)


def test_ground_formula_slope_and_gains():
    a = float(ground_large_scale_db(100.0, 3e9, 10.0, 10.0))
    b = float(ground_large_scale_db(1000.0, 3e9, 10.0, 10.0))
    np.testing.assert_allclose(a - b, 38.63, rtol=1e-5)
    np.testing.assert_allclose(a, 20 - 8.5 - 77.26 - 20 * np.log10(3.0), rtol=1e-5)


@pytest.mark.parametrize("env", sorted(TR38811_LOS_SIGMA_SF_DB))
def test_shadowing_std_hits_table_and_interpolates(env):
    el = jnp.deg2rad(jnp.asarray(TR38811_ELEVATIONS_DEG))
    np.testing.assert_allclose(np.asarray(satellite_shadowing_std_db(el, env)), TR38811_LOS_SIGMA_SF_DB[env], rtol=1e-5)
    mid = float(satellite_shadowing_std_db(jnp.deg2rad(45.0), env))
    t = TR38811_LOS_SIGMA_SF_DB[env]
    np.testing.assert_allclose(mid, 0.5 * (t[3] + t[4]), rtol=1e-5)
    low = float(satellite_shadowing_std_db(jnp.deg2rad(2.0), env))
    np.testing.assert_allclose(low, t[0], rtol=1e-5)


def test_shadowing_samples_have_requested_spread():
    x = np.asarray(sample_shadowing_db(jax.random.key(0), jnp.asarray(8.0), (100_000,)))
    assert abs(x.std() - 8.0) < 0.1 and abs(x.mean()) < 0.1


def test_units_round_trip_and_noise():
    np.testing.assert_allclose(float(lin_to_db(db_to_lin(13.0))), 13.0, rtol=1e-6)
    np.testing.assert_allclose(float(dbm_to_watt(30.0)), 1.0, rtol=1e-6)
    # -174 dBm/Hz at 290 K: 20 MHz and NF 0 dB -> -100.99 dBm
    np.testing.assert_allclose(10 * np.log10(float(thermal_noise_w(20e6, 0.0)) / 1e-3), -100.98, atol=0.02)
