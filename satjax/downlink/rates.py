r"""System B (paper B, Sec. II-B/C): SINR, rates, power consumption and energy efficiency.

Conventions of the plain-array contract: ``h`` and ``v`` are complex ``[N_t, K]`` with column
``k`` the channel / array response of user ``k``; precoders ``b`` are complex ``[N_t, K]`` with
column ``k`` = $\mathbf{b}_k$; ``gamma`` is real ``[K]`` ($\gamma_k = \mathbb E|g_k|^2$);
powers in W; rates in bit/s/Hz (log base 2); energy efficiency in bit/J.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax._numerics import abs2, log2_1p, safe_sqrt
from satjax._types import ArrayLike, Complex, Float, PRNGKeyArray

__all__ = [
    "gram",
    "sinr",
    "rate",
    "sinr_bound",
    "rate_bound",
    "ergodic_rate_monte_carlo",
    "transmit_power",
    "total_power",
]


def gram(h: Complex[ArrayLike, "Nt K"], b: Complex[ArrayLike, "Nt K"]) -> Float[ArrayLike, "K K"]:
    r"""$|h_k^H b_\ell|^2$, row ``k`` = receiver, column ``l`` = precoder.

    Args:
        h: ``[N_t, K]`` complex channels (column k = $h_k$).
        b: ``[N_t, K]`` complex precoders [sqrt(W)].

    Returns:
        ``[K, K]`` received powers $|h_k^H b_\ell|^2$ [W per unit channel gain].
    """
    return abs2(jnp.conj(h).T @ b)


def sinr(h: Complex[ArrayLike, "Nt K"], b: Complex[ArrayLike, "Nt K"], noise: Float[ArrayLike, ""]) -> Float[ArrayLike, " K"]:
    r"""Instantaneous SINR, eq. (7):

    $$
    \mathrm{SINR}_k = \frac{|h_k^H b_k|^2}{\sum_{\ell\ne k} |h_k^H b_\ell|^2 + N_0}
    $$

    Args:
        h: complex ``[N_t, K]`` channels (column k = $h_k$).
        b: complex ``[N_t, K]`` precoders (column k = $b_k$) [sqrt(W)].
        noise: $N_0 > 0$ [W].

    Returns:
        ``[K]`` SINR (linear). The interference is summed over the other users directly (no
        "total minus signal" cancellation).
    """
    g = gram(h, b)
    k = g.shape[0]
    signal = jnp.diagonal(g)
    interference = jnp.sum(jnp.where(jnp.eye(k, dtype=bool), 0, g), axis=1)
    return signal / (interference + noise)


def rate(h: Complex[ArrayLike, "Nt K"], b: Complex[ArrayLike, "Nt K"], noise: Float[ArrayLike, ""]) -> Float[ArrayLike, " K"]:
    r"""Instantaneous rate $\log_2(1 + \mathrm{SINR}_k)$ of eq. (7) [bit/s/Hz] (``log1p`` form).

    Args:
        h: ``[N_t, K]`` complex channels.
        b: ``[N_t, K]`` complex precoders [sqrt(W)].
        noise: ``[]`` $N_0 > 0$ [W].

    Returns:
        ``[K]`` rates [bit/s/Hz].
    """
    return log2_1p(sinr(h, b, noise))


def sinr_bound(b: Complex[ArrayLike, "Nt K"], v: Complex[ArrayLike, "Nt K"], gamma: Float[ArrayLike, " K"],
               noise: Float[ArrayLike, ""]) -> Float[ArrayLike, " K"]:
    r"""The SINR inside the rate upper bound (9): eq. (7) with $h_k \to \sqrt{\gamma_k}\, v_k$.

    Args:
        b: ``[N_t, K]`` complex precoders [sqrt(W)].
        v: ``[N_t, K]`` complex array responses (statistical CSI, column k = $v_k$).
        gamma: ``[K]`` channel powers $\gamma_k$ (linear).
        noise: ``[]`` $N_0 > 0$ [W].

    Returns:
        ``[K]`` SINR (linear).
    """
    return sinr(v * safe_sqrt(gamma)[None, :].astype(v.dtype), b, noise)


def rate_bound(b: Complex[ArrayLike, "Nt K"], v: Complex[ArrayLike, "Nt K"], gamma: Float[ArrayLike, " K"],
               noise: Float[ArrayLike, ""]) -> Float[ArrayLike, " K"]:
    r"""Upper bound $\bar{\mathcal R}_k = \log_2(1 + \overline{\mathrm{SINR}}_k)$ of the ergodic
    rate, eq. (9) [bit/s/Hz] (``log1p`` form: accurate at low SINR in float32).

    Args:
        b: ``[N_t, K]`` complex precoders [sqrt(W)].
        v: ``[N_t, K]`` complex array responses.
        gamma: ``[K]`` channel powers $\gamma_k$ (linear).
        noise: ``[]`` $N_0 > 0$ [W].

    Returns:
        ``[K]`` rate upper bounds [bit/s/Hz].
    """
    return log2_1p(sinr_bound(b, v, gamma, noise))


def ergodic_rate_monte_carlo(key: PRNGKeyArray, b: Complex[ArrayLike, "Nt K"], v: Complex[ArrayLike, "Nt K"],
                             alpha: Float[ArrayLike, "K L"], noise: Float[ArrayLike, ""],
                             num_samples: int = 10_000) -> Float[ArrayLike, " K"]:
    r"""Ergodic rate $\mathcal R_k$ of eq. (8) by Monte Carlo [bit/s/Hz].

    The gain $g_k(t, f) = \sum_l \alpha_{kl} e^{j\phi_{kl}}$ of eq. (3) is sampled with
    independent uniform path phases $\phi_{kl}$ (a uniformly random time and frequency
    across many Doppler/delay cycles); $\mathbb E|g_k|^2 = \sum_l \alpha_{kl}^2 = \gamma_k$.
    Eq. (8) averages the interference inside the log (its denominator holds
    $\mathbb E_{h_k}$), so $\mathcal R_k \le \bar{\mathcal R}_k$ by Jensen.

    Args:
        key: PRNG key of the path phases.
        b: ``[N_t, K]`` complex precoders [sqrt(W)].
        v: ``[N_t, K]`` complex array responses.
        alpha: ``[K, L]`` path amplitudes $\alpha_{kl}$ (``L`` paths; linear amplitude).
        noise: ``[]`` $N_0 > 0$ [W].
        num_samples: number of phase draws ``S`` (>= 1).

    Returns:
        ``[K]`` ergodic rates [bit/s/Hz].
    """
    check_int_range("num_samples", num_samples, 1)
    gamma = jnp.sum(alpha**2, axis=-1)
    g_all = gram(v, b)                                                   # |v_k^H b_l|^2
    k = g_all.shape[0]
    signal_dir = jnp.diagonal(g_all)
    interference = gamma * jnp.sum(jnp.where(jnp.eye(k, dtype=bool), 0, g_all), axis=1)

    def one(k):
        phases = jax.random.uniform(k, alpha.shape, alpha.dtype, 0, 2 * jnp.pi)
        g2 = abs2(jnp.sum(alpha * jnp.exp(1j * phases.astype(v.dtype)), axis=-1))
        return log2_1p(g2 * signal_dir / (interference + noise))

    keys = jax.random.split(key, num_samples)
    return jax.lax.map(one, keys, batch_size=min(num_samples, 1024)).mean(axis=0)


def transmit_power(b: Complex[ArrayLike, "Nt K"]) -> Float[ArrayLike, ""]:
    r"""$\sum_k \|b_k\|^2$ [W], the left side of (10b).

    Args:
        b: ``[N_t, K]`` complex precoders [sqrt(W)].

    Returns:
        ``[]`` transmit power [W].
    """
    return jnp.sum(abs2(b))


def total_power(b: Complex[ArrayLike, "Nt K"], xi: Float[ArrayLike, ""], p_static_w: Float[ArrayLike, ""]) -> Float[ArrayLike, ""]:
    r"""Eq. (5): $P^{total} = \xi \sum_k \|b_k\|^2 + P_t$ [W]; ``xi`` is the inverse
    amplifier efficiency, ``p_static_w`` is $P_t$ of eq. (6).

    Args:
        b: ``[N_t, K]`` complex precoders [sqrt(W)].
        xi: ``[]`` inverse amplifier efficiency $\xi \ge 1$ (dimensionless).
        p_static_w: ``[]`` static power $P_t$ [W].

    Returns:
        ``[]`` total power consumption [W].
    """
    return xi * transmit_power(b) + p_static_w
