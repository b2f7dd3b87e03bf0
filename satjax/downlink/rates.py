r"""System B (paper B, Sec. II-B/C): SINR, rates, power consumption and energy efficiency.

Conventions of the plain-array contract: ``h`` and ``v`` are complex ``[N_t, K]`` with column
``k`` the channel / array response of user ``k``; precoders ``b`` are complex ``[N_t, K]`` with
column ``k`` = :math:`\mathbf{b}_k`; ``gamma`` is real ``[K]`` (:math:`\gamma_k = \mathbb E|g_k|^2`);
powers in W; rates in bit/s/Hz (log base 2); energy efficiency in bit/J.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._types import Array, Complex, Float, PRNGKeyArray

__all__ = [
    "gram",
    "sinr",
    "sinr_bound",
    "rate_bound",
    "ergodic_rate_monte_carlo",
    "transmit_power",
    "total_power",
    "energy_efficiency_bound",
]


def _abs2(x):
    return jnp.real(x) ** 2 + jnp.imag(x) ** 2


def gram(h: Complex[Array, "Nt K"], b: Complex[Array, "Nt K"]) -> Float[Array, "K K"]:
    r""":math:`|h_k^H b_\ell|^2`, row ``k`` = receiver, column ``l`` = precoder."""
    return _abs2(jnp.conj(h).T @ b)


def sinr(h: Complex[Array, "Nt K"], b: Complex[Array, "Nt K"], noise: Float[Array, ""]) -> Float[Array, " K"]:
    r"""Instantaneous SINR, eq. (7): :math:`|h_k^H b_k|^2 / (\sum_{\ell\ne k} |h_k^H b_\ell|^2 + N_0)`."""
    g = gram(h, b)
    signal = jnp.diagonal(g)
    return signal / (jnp.sum(g, axis=1) - signal + noise)


def sinr_bound(b: Complex[Array, "Nt K"], v: Complex[Array, "Nt K"], gamma: Float[Array, " K"],
               noise: Float[Array, ""]) -> Float[Array, " K"]:
    r"""The SINR inside the rate upper bound (9): eq. (7) with :math:`h_k \to \sqrt{\gamma_k}\, v_k`."""
    return sinr(v * jnp.sqrt(gamma)[None, :].astype(v.dtype), b, noise)


def rate_bound(b, v, gamma, noise) -> Float[Array, " K"]:
    r"""Upper bound :math:`\bar{\mathcal R}_k` of the ergodic rate, eq. (9) [bit/s/Hz]."""
    return jnp.log2(1 + sinr_bound(b, v, gamma, noise))


def ergodic_rate_monte_carlo(key: PRNGKeyArray, b: Complex[Array, "Nt K"], v: Complex[Array, "Nt K"],
                             alpha: Float[Array, "K L"], noise: Float[Array, ""],
                             num_samples: int = 10_000) -> Float[Array, " K"]:
    r"""Ergodic rate :math:`\mathcal R_k` of eq. (8) by Monte Carlo [bit/s/Hz].

    The gain :math:`g_k(t, f) = \sum_l \alpha_{kl} e^{j\phi_{kl}}` of eq. (3) is sampled with
    independent uniform path phases :math:`\phi_{kl}` (a uniformly random time and frequency
    across many Doppler/delay cycles); :math:`\mathbb E|g_k|^2 = \sum_l \alpha_{kl}^2 = \gamma_k`.
    Eq. (8) averages the interference inside the log (its denominator holds
    :math:`\mathbb E_{h_k}`), so :math:`\mathcal R_k \le \bar{\mathcal R}_k` by Jensen.
    """
    gamma = jnp.sum(alpha**2, axis=-1)
    g_all = gram(v, b)                                                   # |v_k^H b_l|^2
    signal_dir = jnp.diagonal(g_all)
    interference = gamma * (jnp.sum(g_all, axis=1) - signal_dir)

    def one(k):
        phases = jax.random.uniform(k, alpha.shape, alpha.dtype, 0, 2 * jnp.pi)
        g2 = _abs2(jnp.sum(alpha * jnp.exp(1j * phases.astype(v.dtype)), axis=-1))
        return jnp.log2(1 + g2 * signal_dir / (interference + noise))

    keys = jax.random.split(key, num_samples)
    return jax.lax.map(one, keys, batch_size=min(num_samples, 1024)).mean(axis=0)


def transmit_power(b: Complex[Array, "Nt K"]) -> Float[Array, ""]:
    r""":math:`\sum_k \|b_k\|^2` [W], the left side of (10b)."""
    return jnp.sum(_abs2(b))


def total_power(b: Complex[Array, "Nt K"], xi, p_static_w) -> Float[Array, ""]:
    r"""Eq. (5): :math:`P^{total} = \xi \sum_k \|b_k\|^2 + P_t` [W]; ``xi`` is the inverse
    amplifier efficiency, ``p_static_w`` is :math:`P_t` of eq. (6)."""
    return xi * transmit_power(b) + p_static_w


def energy_efficiency_bound(b, v, gamma, noise, bandwidth_hz, xi, p_static_w) -> Float[Array, ""]:
    r"""Objective (10a): :math:`B_w \sum_k \bar{\mathcal R}_k / P^{total}` [bit/J]."""
    return bandwidth_hz * jnp.sum(rate_bound(b, v, gamma, noise)) / total_power(b, xi, p_static_w)
