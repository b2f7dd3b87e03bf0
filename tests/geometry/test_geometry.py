import jax
import jax.numpy as jnp
import numpy as np

from satjax.geometry import (
    direction_cosines,
    drop_uniform_square,
    elevation_azimuth,
    pairwise_distance,
    upa_gaussian_correlation,
    upa_response,
)


def test_drop_inside_square_at_height():
    pos = np.asarray(drop_uniform_square(jax.random.key(0), 1000, 4000.0, 15.0))
    assert pos.shape == (1000, 3)
    assert pos[:, :2].min() >= 0 and pos[:, :2].max() <= 4000 and np.all(pos[:, 2] == 15.0)
    assert abs(pos[:, 0].mean() - 2000) < 5 * 4000 / np.sqrt(12 * 1000)


def test_pairwise_distance():
    a = jnp.array([[0.0, 0.0, 0.0], [3.0, 0.0, 0.0]])
    b = jnp.array([[0.0, 4.0, 0.0]])
    np.testing.assert_allclose(np.asarray(pairwise_distance(a, b)), [[4.0], [5.0]], rtol=1e-6)


def test_elevation_of_satellite_overhead_and_at_45_degrees():
    users = jnp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    el, az = elevation_azimuth(users, jnp.array([0.0, 0.0, 500e3]))
    np.testing.assert_allclose(np.asarray(el), np.pi / 2, rtol=1e-6)
    el, az = elevation_azimuth(users[:1], jnp.array([0.0, 400e3, 400e3]))
    np.testing.assert_allclose(np.asarray(el), np.pi / 4, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(az), np.pi / 2, rtol=1e-6)


def test_upa_response_unit_modulus_and_broadside():
    u = direction_cosines(jnp.array([[0.0, 0.0, 0.0]]), jnp.array([0.0, 0.0, 500e3]))[0]
    a = np.asarray(upa_response(u, 5, 5))
    assert a.shape == (25,)
    np.testing.assert_allclose(np.abs(a), 1.0, rtol=1e-6)
    np.testing.assert_allclose(a, 1.0, atol=1e-6)            # broadside (nadir): all in phase


def test_upa_response_phase_progression():
    u = jnp.array([0.5, 0.0, -np.sqrt(0.75)])
    a = np.asarray(upa_response(u, 2, 3))                     # element (v, h) at index v*3 + h
    np.testing.assert_allclose(a[1] / a[0], np.exp(1j * np.pi * 0.5), rtol=1e-6)
    np.testing.assert_allclose(a[3] / a[0], 1.0, rtol=1e-6)


def test_correlation_is_hermitian_psd_unit_diagonal_with_limits():
    u = jnp.array([0.3, -0.2, -np.sqrt(1 - 0.13)])
    a = np.asarray(upa_response(u, 3, 4))
    for spread in (0.0, 0.05, 0.5):
        r = np.asarray(upa_gaussian_correlation(u, 3, 4, spread))
        np.testing.assert_allclose(r, r.conj().T, atol=1e-6)
        np.testing.assert_allclose(np.diag(r).real, 1.0, rtol=1e-6)
        assert np.linalg.eigvalsh(r).min() > -1e-5
    np.testing.assert_allclose(np.asarray(upa_gaussian_correlation(u, 3, 4, 0.0)), np.outer(a, a.conj()), atol=1e-6)
    np.testing.assert_allclose(np.asarray(upa_gaussian_correlation(u, 3, 4, 5.0)), np.eye(12), atol=1e-6)
