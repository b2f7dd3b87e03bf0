"""Channel statistics of system A: the data of Theorem 1, and their construction from geometry."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._types import Array, Bool, Complex, Float, Int, complex_dtype
from satjax.geometry.angles import direction_cosines
from satjax.geometry.arrays import upa_gaussian_correlation, upa_response
from satjax.constants import SPEED_OF_LIGHT_M_S

__all__ = ["ChannelStats", "apply_masks", "normalize", "satellite_statistics"]


class ChannelStats(eqx.Module):
    r"""Second-order channel statistics of one scenario (paper A, Sec. II), padded to static sizes.

    The AP channels are :math:`g_{mk} \sim \mathcal{CN}(0, \beta_{mk})` and the satellite channel
    is :math:`\mathbf{g}_k \sim \mathcal{CN}(\bar{\mathbf{g}}_k, \mathbf{R}_k)`. Padded users and
    APs (mask False) contribute nothing: :func:`apply_masks` zeroes their statistics.

    Attributes:
        beta_ap: ``[M, K]`` large-scale fading AP ``m`` -> user ``k`` (linear, W/W).
        g_bar: ``[K, N]`` complex LoS mean of the satellite channel.
        r_sat: ``[K, N, N]`` complex Hermitian PSD covariance of the satellite channel.
        pilot: ``[K]`` int32 pilot index in ``[0, tau_p)``.
        pilot_power: ``[]`` pilot power per symbol ``p`` [W].
        noise_ap: ``[]`` AP noise variance :math:`\sigma_a^2` [W].
        noise_sat: ``[]`` satellite noise variance :math:`\sigma_s^2` [W].
        user_mask: ``[K]`` bool, False for padding.
        ap_mask: ``[M]`` bool, False for padding.
        tau_p: pilot length (static).
    """

    beta_ap: Float[Array, "M K"]
    g_bar: Complex[Array, "K N"]
    r_sat: Complex[Array, "K N N"]
    pilot: Int[Array, " K"]
    pilot_power: Float[Array, ""]
    noise_ap: Float[Array, ""]
    noise_sat: Float[Array, ""]
    user_mask: Bool[Array, " K"]
    ap_mask: Bool[Array, " M"]
    tau_p: int = eqx.field(static=True)

    def __check_init__(self):
        m, k = self.beta_ap.shape
        n = self.g_bar.shape[-1]
        for name, arr, shape in (
            ("g_bar", self.g_bar, (k, n)),
            ("r_sat", self.r_sat, (k, n, n)),
            ("pilot", self.pilot, (k,)),
            ("user_mask", self.user_mask, (k,)),
            ("ap_mask", self.ap_mask, (m,)),
        ):
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape} to match beta_ap [M, K] = [{m}, {k}], got {arr.shape}")
        if not (isinstance(self.tau_p, int) and self.tau_p >= 1):
            raise ValueError(f"tau_p must be an integer >= 1, got {self.tau_p!r}")

    @property
    def num_users(self) -> int:
        return self.beta_ap.shape[1]

    @property
    def num_aps(self) -> int:
        return self.beta_ap.shape[0]

    @property
    def num_antennas(self) -> int:
        return self.g_bar.shape[1]


def apply_masks(stats: ChannelStats) -> ChannelStats:
    """Zero the statistics of padded users and APs, so they add exactly nothing."""
    valid = stats.ap_mask[:, None] & stats.user_mask[None, :]
    um = stats.user_mask
    return eqx.tree_at(
        lambda s: (s.beta_ap, s.g_bar, s.r_sat),
        stats,
        (
            jnp.where(valid, stats.beta_ap, 0),
            jnp.where(um[:, None], stats.g_bar, 0),
            jnp.where(um[:, None, None], stats.r_sat, 0),
        ),
    )


def normalize(stats: ChannelStats) -> ChannelStats:
    r"""Express all powers in units of the AP noise :math:`\sigma_a^2` (``noise_ap -> 1``).

    Theorem 1's SINR is invariant when every channel power and both noise variances are
    scaled by one factor. Working in noise units keeps float32 away from underflow: raw
    channel gains are ~1e-16 and their squares would be denormal.
    """
    inv = 1 / stats.noise_ap                       # multiply by the reciprocal: XLA's complex divide is slow
    return eqx.tree_at(
        lambda s: (s.beta_ap, s.g_bar, s.r_sat, s.noise_ap, s.noise_sat),
        stats,
        (
            stats.beta_ap * inv,
            stats.g_bar * jnp.sqrt(inv).astype(stats.g_bar.dtype),
            stats.r_sat * inv.astype(stats.r_sat.dtype),
            jnp.ones_like(stats.noise_ap),
            stats.noise_sat * inv,
        ),
    )


def satellite_statistics(
    user_pos: Float[Array, "K 3"],
    sat_pos: Float[Array, "3"],
    beta_sat: Float[Array, " K"],
    *,
    n_v: int,
    n_h: int,
    carrier_hz: float,
    rician_k: float,
    angular_spread: float,
) -> tuple[Complex[Array, "K N"], Complex[Array, "K N N"]]:
    r"""LoS mean and NLoS covariance of the satellite channel of each user.

    .. math::
        \bar{\mathbf{g}}_k = \sqrt{\tfrac{\kappa}{1+\kappa}\beta_k}\, e^{-j 2\pi d_k/\lambda}\,
        \mathbf{a}(\mathbf{u}_k), \qquad
        \mathbf{R}_k = \tfrac{\beta_k}{1+\kappa}\, \tilde{\mathbf{R}}(\mathbf{u}_k)

    with :math:`\kappa` the Rician factor, :math:`\mathbf{a}` the UPA response
    (:func:`satjax.geometry.upa_response`, ``||a||^2 = N``), and :math:`\tilde{\mathbf{R}}` the
    Gaussian local-scattering correlation (:func:`satjax.geometry.upa_gaussian_correlation`).
    So :math:`\mathbb{E}\|\mathbf{g}_k\|^2 = N\beta_k`: :math:`\beta_k` is the per-antenna gain.
    The LoS phase follows the path length. Paper A leaves this model unspecified
    (docs/deviations.md).
    """
    u = direction_cosines(user_pos, sat_pos)                               # [K, 3]
    wavelength = SPEED_OF_LIGHT_M_S / carrier_hz
    cdt = complex_dtype(beta_sat.dtype)
    # Path length relative to the frame origin, d_k - ||s||, in a cancellation-free form: a common
    # phase drops out of every statistic, and float32 keeps the relative phases accurate.
    dist = jnp.linalg.norm(user_pos - sat_pos[None, :], axis=-1)           # [K]
    excess = (jnp.sum(user_pos**2, -1) - 2.0 * user_pos @ sat_pos) / (dist + jnp.linalg.norm(sat_pos))
    phase = jnp.exp(-2j * jnp.pi * jnp.mod(excess / wavelength, 1.0).astype(cdt))
    a = jax.vmap(lambda x: upa_response(x, n_v, n_h))(u)                  # [K, N]
    los = jnp.sqrt(rician_k / (1.0 + rician_k) * beta_sat).astype(cdt)
    g_bar = (los * phase)[:, None] * a
    r_tilde = jax.vmap(lambda x: upa_gaussian_correlation(x, n_v, n_h, angular_spread))(u)
    r_sat = (beta_sat / (1.0 + rician_k)).astype(cdt)[:, None, None] * r_tilde
    return g_bar, r_sat

