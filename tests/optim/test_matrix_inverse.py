"""Newton–Schulz inverse (paper B, eq. (29)): converges for well-conditioned matrices, stays
finite otherwise, and is differentiable."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.optim import inverse_residual, newton_schulz_init, newton_schulz_inverse
from tests.finite_differences import central_difference


def _hpd(seed, n, cond):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)))
    eig = np.geomspace(1.0, cond, n)
    return jnp.asarray((q * eig) @ q.conj().T, jnp.complex128)


@pytest.mark.parametrize("cond", [1.5, 10.0, 100.0])
def test_converges_to_exact_inverse(cond):
    with jax.enable_x64(True):
        p = _hpd(0, 16, cond)
        steps = int(np.ceil(2 * np.log2(cond * 16))) + 8
        x = newton_schulz_inverse(p, steps)
        np.testing.assert_allclose(x, jnp.linalg.inv(p), rtol=1e-8, atol=1e-10)
        assert float(inverse_residual(p, x)) < 1e-8


def test_residual_squares_every_step():
    with jax.enable_x64(True):
        p = _hpd(1, 8, 20.0)
        r = [float(inverse_residual(p, newton_schulz_inverse(p, t))) for t in range(12)]
        assert r[0] < 1
        for a, b in zip(r, r[1:]):
            if a > 1e-7:
                assert b == pytest.approx(a * a, rel=1e-3) or b <= a * a * 1.001


def test_error_versus_steps_general_matrix():
    """Non-Hermitian, real: still converges from the Pan–Schreiber initialization."""
    with jax.enable_x64(True):
        rng = np.random.default_rng(2)
        p = jnp.asarray(rng.standard_normal((10, 10)) + 10 * np.eye(10))
        errs = [float(jnp.max(jnp.abs(newton_schulz_inverse(p, t) - jnp.linalg.inv(p)))) for t in (2, 6, 12, 20)]
        assert errs == sorted(errs, reverse=True) and errs[-1] < 1e-10


def test_singular_matrix_stays_finite():
    p = jnp.asarray(np.diag([1.0, 0.5, 0.0]), jnp.float32)
    x = newton_schulz_inverse(p, 50)
    assert np.all(np.isfinite(np.asarray(x)))
    np.testing.assert_allclose(np.diag(np.asarray(x))[:2], [1.0, 2.0], rtol=1e-4)   # pseudo-inverse on the range
    assert abs(float(x[2, 2])) < 1e-6
    assert np.all(np.isfinite(np.asarray(newton_schulz_inverse(jnp.zeros((3, 3)), 5))))


def test_gradient_matches_finite_differences_and_batched():
    with jax.enable_x64(True):
        p = _hpd(3, 6, 5.0)
        d = _hpd(4, 6, 2.0) * 0.01

        def f(t):
            return jnp.real(jnp.trace(newton_schulz_inverse(p + t * d, 10)))

        h = 1e-6
        np.testing.assert_allclose(jax.grad(f)(0.0), central_difference(f, 0.0, h), rtol=1e-6)
        batch = jnp.stack([p, 2 * p])
        out = newton_schulz_inverse(batch, 30)
        np.testing.assert_allclose(out[1], jnp.linalg.inv(2 * p), rtol=1e-8, atol=1e-10)
        assert newton_schulz_init(batch).shape == batch.shape
