"""Small random system-B instances: UPA array responses, path gains, channels."""

import jax
import jax.numpy as jnp
import numpy as np

from satjax.geometry.arrays import upa_response


def random_instance(seed: int, *, n_h: int = 4, n_v: int = 4, k: int = 4, paths: int = 3, snr_db: float = 10.0):
    """``v [Nt, K]`` (UPA responses towards random directions), path gains ``alpha [K, L]``,
    ``gamma [K]``, noise, and one channel realization ``h [Nt, K]`` of eq. (2)."""
    rng = np.random.default_rng(seed)
    directions = []
    for _ in range(k):
        ux, uy = rng.uniform(-0.6, 0.6, 2)
        directions.append([ux, uy, -np.sqrt(max(1 - ux**2 - uy**2, 0.0))])
    u = jnp.asarray(np.array(directions), jnp.float32)
    v = jax.vmap(lambda d: upa_response(d, n_v, n_h))(u).T                 # [Nt, K]
    alpha = jnp.asarray(rng.rayleigh(1.0, (k, paths)) * np.sqrt(rng.uniform(0.5, 2.0, (k, 1))), jnp.float32)
    gamma = jnp.sum(alpha**2, axis=-1)
    noise = jnp.asarray(float(jnp.mean(gamma)) * 10 ** (-snr_db / 10), jnp.float32)
    phases = jnp.asarray(rng.uniform(0, 2 * np.pi, (k, paths)), jnp.float32)
    g = jnp.sum(alpha * jnp.exp(1j * phases), axis=-1)
    h = v * (g * jnp.exp(1j * jnp.asarray(rng.uniform(0, 2 * np.pi, k), jnp.float32)))[None, :]
    return v.astype(jnp.complex64), alpha, gamma, noise, h.astype(jnp.complex64)
