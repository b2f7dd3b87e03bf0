"""Monte Carlo ground truth for eq. (20) with MRC: sample averages over fading and pilot noise.

Each realization draws the true channels (Sec. II), the pilot noise, forms the received pilot
signals (eqs. (2), (4)) and the MMSE estimates from them (eqs. (6), (9)), and evaluates
$z_{kk'}$ (eq. (17)) with $\\mathbf u_k = \\hat{\\mathbf g}_k$, $u_{mk} = \\hat g_{mk}$.
The data-noise expectation is taken exactly given the estimate
($\\mathbb E_w|\\mathbf u_k^H\\mathbf w|^2 = \\sigma_s^2\\|\\hat{\\mathbf g}_k\\|^2$), which
removes sampling noise without bias.

Realization ``i`` uses the key ``fold_in(key, i)``, so results do not depend on the chunk size.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._numerics import abs2
from satjax._types import ArrayLike, Complex, Float, PRNGKeyArray, Real
from satjax.uplink.channels import hermitian_sqrt, sample_channels, sample_pilot_signals
from satjax.uplink.estimation import MMSEStats, mmse_estimate, mmse_statistics
from satjax.uplink.sinr import LINKS, Link, SinrTerms, SisoProblem, check_powers, siso_sinr
from satjax.uplink.statistics import ChannelStats, apply_masks, normalize
from satjax._checks import check_choice, check_int_range

__all__ = ["RealizationTerms", "sample_realization", "monte_carlo_terms", "monte_carlo_sinr"]


class RealizationTerms(eqx.Module):
    """One realization: ``z [K, K]`` (eq. (17)) and the conditional noise power ``noise [K]``."""

    z: Complex[ArrayLike, "K K"]
    noise: Float[ArrayLike, " K"]


def sample_realization(
    key: PRNGKeyArray,
    stats: ChannelStats,
    est: MMSEStats,
    r_sqrt: Complex[ArrayLike, "K N N"],
    link: Link = "space_ground",
) -> RealizationTerms:
    """Draw one realization of channels and pilot noise and return ``z`` and the noise power.

    ``stats`` should be masked and normalized (``apply_masks``, ``normalize``);
    ``est = mmse_statistics(stats)`` and ``r_sqrt = hermitian_sqrt(stats.r_sat)`` are computed
    once per scenario by the caller.

    Args:
        key: PRNG key of this realization.
        stats: the masked, normalized ``ChannelStats`` (powers in the unit of ``normalize``).
        est: ``mmse_statistics(stats)``.
        r_sqrt: ``[K, N, N]`` complex Hermitian square roots of ``stats.r_sat``.
        link: ``"space_ground"``, ``"space"`` or ``"ground"``.

    Returns:
        ``RealizationTerms``: ``z [K, K]`` complex (eq. (17)) and the conditional noise power
        ``noise [K]`` given the estimates (both in the power unit of ``stats``).
    """
    k_ch, k_pilot = jax.random.split(key)
    g_ap, g_sat = sample_channels(k_ch, stats, r_sqrt)
    y_ap, y_sat = sample_pilot_signals(k_pilot, stats, g_ap, g_sat)
    g_ap_hat, g_sat_hat = mmse_estimate(stats, est, y_ap, y_sat)
    k = stats.num_users
    z = jnp.zeros((k, k), g_sat.dtype)
    noise = jnp.zeros((k,), stats.beta_ap.dtype)
    if link in ("space_ground", "space"):
        z = z + jnp.conj(g_sat_hat) @ g_sat.T
        noise = noise + stats.noise_sat * jnp.sum(abs2(g_sat_hat), -1)
    if link in ("space_ground", "ground"):
        z = z + jnp.conj(g_ap_hat).T @ g_ap
        noise = noise + stats.noise_ap * jnp.sum(abs2(g_ap_hat), 0)
    return RealizationTerms(z=z, noise=noise)


def monte_carlo_terms(
    key: PRNGKeyArray,
    stats: ChannelStats,
    *,
    num_samples: int,
    chunk_size: int = 1024,
    link: str = "space_ground",
) -> SinrTerms:
    """Sample estimates of the expectations of eq. (20), accumulated chunk by chunk.

    Memory is ``O(chunk_size * K^2)`` whatever ``num_samples`` is. To keep float32 accurate when
    the LoS part dominates, the sums are taken around the deterministic LoS product
    $\\bar{\\mathbf g}_k^H\\bar{\\mathbf g}_{k'}$ (a shift, not a model of the mean).
    Powers are in units of the AP noise, like ``closed_form_terms``.

    Args:
        key: PRNG key; realization ``i`` uses ``fold_in(key, i)``.
        stats: the ``ChannelStats`` (masked and normalized here).
        num_samples: number of realizations ``S`` (>= 1).
        chunk_size: realizations drawn at once (>= 1; memory only, not the result).
        link: ``"space_ground"``, ``"space"`` or ``"ground"`` (else a ``ValueError``).

    Returns:
        ``SinrTerms``: sample means ``mean_z [K, K]`` (complex), variances ``var_z [K, K]`` and
        noise ``[K]``, in the power unit of ``satjax.uplink.normalize``.
    """
    check_choice("link", link, LINKS)
    check_int_range("num_samples", num_samples, 1)
    check_int_range("chunk_size", chunk_size, 1)
    return _monte_carlo_terms(key, stats, num_samples, min(chunk_size, num_samples), link)


@eqx.filter_jit
def _monte_carlo_terms(key, stats: ChannelStats, num_samples: int, chunk: int, link: str) -> SinrTerms:
    stats = normalize(apply_masks(stats))
    est = mmse_statistics(stats)
    r_sqrt = hermitian_sqrt(stats.r_sat)
    k = stats.num_users
    shift = jnp.conj(stats.g_bar) @ stats.g_bar.T if link != "ground" else jnp.zeros((k, k), stats.g_bar.dtype)
    num_chunks = -(-num_samples // chunk)

    def one(i):
        r = sample_realization(jax.random.fold_in(key, i), stats, est, r_sqrt, link)
        w = (i < num_samples).astype(r.noise.dtype)
        d = r.z - shift
        return w * d, w * abs2(d), w * r.noise

    def body(acc, c):
        idx = c * chunk + jnp.arange(chunk)
        d, d2, nz = jax.vmap(one)(idx)
        return jax.tree.map(lambda a, b: a + b.sum(0), acc, (d, d2, nz)), None

    zero = (jnp.zeros((k, k), shift.dtype), jnp.zeros((k, k), stats.beta_ap.dtype), jnp.zeros((k,), stats.beta_ap.dtype))
    (s1, s2, sn), _ = jax.lax.scan(body, zero, jnp.arange(num_chunks))
    mean_d = s1 / num_samples
    var = jnp.maximum(s2 / num_samples - abs2(mean_d), 0)
    return SinrTerms(mean_z=shift + mean_d, var_z=var, noise=sn / num_samples)


def monte_carlo_sinr(
    key: PRNGKeyArray,
    stats: ChannelStats,
    rho: Real[ArrayLike, " K"],
    *,
    num_samples: int,
    chunk_size: int = 1024,
    link: str = "space_ground",
) -> Float[ArrayLike, " K"]:
    """Monte Carlo estimate of the effective SINR of eq. (20) with MRC: the ground truth for
    ``satjax.uplink.closed_form_sinr`` (same arguments, plus a PRNG key and the number of
    realizations; realization ``i`` uses ``fold_in(key, i)``, so the chunk size changes nothing
    but memory).

    Args:
        key: PRNG key; realization ``i`` uses ``fold_in(key, i)``.
        stats: the ``ChannelStats`` of the scenario.
        rho: ``[K]`` data powers [W] (>= 0; checked when concrete).
        num_samples: number of realizations ``S`` (>= 1).
        chunk_size: realizations drawn at once (>= 1; memory only).
        link: ``"space_ground"``, ``"space"`` or ``"ground"``.

    Returns:
        ``[K]`` SINR estimate (linear); 0 for padded users.
    """
    check_powers("rho", rho, stats.num_users)
    terms = monte_carlo_terms(key, stats, num_samples=num_samples, chunk_size=chunk_size, link=link)
    return siso_sinr(SisoProblem.from_terms(terms, stats.user_mask), rho)
