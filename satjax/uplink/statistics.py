"""Channel statistics of system A: the data of Theorem 1, and their construction from geometry."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

import numpy as np

from satjax._checks import (
    check_finite,
    check_hermitian_psd,
    check_int_range,
    check_mask,
    check_ndim,
    check_nonnegative,
    check_positive,
    check_real,
    check_shape,
    float_dtype,
    is_concrete,
)
from satjax._types import ArrayLike, Bool, Complex, Float, Int, complex_dtype
from satjax.uplink.pilots import check_pilots
from satjax.geometry.angles import direction_cosines
from satjax.geometry.arrays import upa_gaussian_correlation, upa_response
from satjax.constants import SPEED_OF_LIGHT_M_S

__all__ = ["ChannelStats", "apply_masks", "normalize", "power_scale", "satellite_statistics"]


class ChannelStats(eqx.Module):
    r"""Second-order channel statistics of one scenario (paper A, Sec. II), padded to static sizes.

    The AP channels are $g_{mk} \sim \mathcal{CN}(0, \beta_{mk})$ and the satellite channel
    is $\mathbf{g}_k \sim \mathcal{CN}(\bar{\mathbf{g}}_k, \mathbf{R}_k)$. Padded users and
    APs (mask False) contribute nothing: ``apply_masks`` zeroes their statistics.

    Attributes:
        beta_ap: ``[M, K]`` large-scale fading AP ``m`` -> user ``k`` (linear, W/W).
        g_bar: ``[K, N]`` complex LoS mean of the satellite channel.
        r_sat: ``[K, N, N]`` complex Hermitian PSD covariance of the satellite channel.
        pilot: ``[K]`` int32 pilot index in ``[0, tau_p)``.
        pilot_power: ``[]`` pilot power per symbol ``p`` [W].
        noise_ap: ``[]`` AP noise variance $\sigma_a^2$ [W].
        noise_sat: ``[]`` satellite noise variance $\sigma_s^2$ [W].
        user_mask: ``[K]`` bool, False for padding.
        ap_mask: ``[M]`` bool, False for padding.
        tau_p: pilot length (static).
    """

    beta_ap: Float[ArrayLike, "M K"]
    g_bar: Complex[ArrayLike, "K N"]
    r_sat: Complex[ArrayLike, "K N N"]
    pilot: Int[ArrayLike, " K"]
    pilot_power: Float[ArrayLike, ""]
    noise_ap: Float[ArrayLike, ""]
    noise_sat: Float[ArrayLike, ""]
    user_mask: Bool[ArrayLike, " K"]
    ap_mask: Bool[ArrayLike, " M"]
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
        check_pilots(self.pilot, self.tau_p)           # concrete indices: a ValueError before any jit
        for name in ("user_mask", "ap_mask"):
            if getattr(self, name).dtype != jnp.bool_:
                raise ValueError(f"{name} must be a boolean array (True = real entry), got dtype {getattr(self, name).dtype}")
        # cheap value checks on concrete statistics (the full ones, e.g. r_sat PSD, are in from_arrays)
        check_positive("noise_ap", self.noise_ap, "W")
        check_positive("noise_sat", self.noise_sat, "W")
        check_nonnegative("pilot_power", self.pilot_power, "W")
        check_nonnegative("beta_ap", self.beta_ap)
        check_finite("g_bar", self.g_bar)

    @classmethod
    def from_arrays(cls, beta_ap, g_bar, r_sat, pilot, *, pilot_power, tau_p: int, noise_ap, noise_sat,
                    user_mask=None, ap_mask=None) -> ChannelStats:
        r"""Validate plain arrays and bundle them: the entry point for users who bring their own
        channel statistics. Every function of ``satjax.uplink`` then takes the result.

        Args:
            beta_ap: real ``[M, K]`` AP large-scale fading $\beta_{mk} \ge 0$ (linear).
            g_bar: complex ``[K, N]`` satellite LoS means $\bar{\mathbf g}_k$.
            r_sat: complex Hermitian PSD ``[K, N, N]`` satellite covariances $\mathbf R_k$.
            pilot: int ``[K]`` pilot index of each user in ``[0, tau_p)``.
            pilot_power: pilot power per symbol ``p`` [W] (>= 0).
            tau_p: pilot length (number of orthonormal pilots, >= 1).
            noise_ap: AP noise variance $\sigma_a^2$ [W] (> 0).
            noise_sat: satellite noise variance $\sigma_s^2$ [W] (> 0).
            user_mask: optional bool ``[K]``; False marks a padded user.
            ap_mask: optional bool ``[M]``; False marks a padded AP.

        Raises:
            ValueError: naming the parameter, for wrong shapes, ``K = 0``, ``M = 0``, ``N = 0``,
                ``tau_p < 1``, pilots outside ``[0, tau_p)``, complex, negative, NaN or inf gains and
                powers, non-positive noise, an ``r_sat`` that is not Hermitian positive
                semidefinite, masks that are not boolean, or float16 input. Value checks run on
                concrete arrays only (under ``jit`` the caller vouches for them).
        """
        check_int_range("tau_p", tau_p, 1)
        check_ndim("beta_ap", beta_ap, 2, "[M, K]")
        m, k = np.shape(beta_ap)
        if k == 0:
            raise ValueError("beta_ap has K = 0 users: need at least one user")
        if m == 0:
            raise ValueError("beta_ap has M = 0 APs: need at least one AP (use link='space' to ignore them)")
        check_ndim("g_bar", g_bar, 2, "[K, N]")
        n = np.shape(g_bar)[1]
        if n == 0:
            raise ValueError("g_bar has N = 0 antennas: need at least one")
        check_shape("g_bar", g_bar, (k, n))
        check_shape("r_sat", r_sat, (k, n, n))
        check_shape("pilot", pilot, (k,))
        for name, x in (("pilot_power", pilot_power), ("noise_ap", noise_ap), ("noise_sat", noise_sat)):
            check_shape(name, x, ())
        rdt = float_dtype("beta_ap", beta_ap, "g_bar", g_bar, "r_sat", r_sat)
        for name, x in (("beta_ap", beta_ap), ("pilot_power", pilot_power), ("noise_ap", noise_ap),
                        ("noise_sat", noise_sat)):
            check_real(name, x)
        check_nonnegative("beta_ap", beta_ap)
        check_finite("g_bar", g_bar)
        check_nonnegative("pilot_power", pilot_power, "W")
        check_positive("noise_ap", noise_ap, "W")
        check_positive("noise_sat", noise_sat, "W")
        if not jnp.issubdtype(jnp.asarray(pilot).dtype, jnp.integer):
            raise ValueError(f"pilot must hold integers, got dtype {jnp.asarray(pilot).dtype}")
        if is_concrete(pilot):
            p = np.asarray(pilot)
            if p.min() < 0 or p.max() >= tau_p:
                raise ValueError(f"pilot indices must be in [0, tau_p) = [0, {tau_p}), got range [{p.min()}, {p.max()}]")
        check_hermitian_psd("r_sat", r_sat)
        user_mask = check_mask("user_mask", user_mask, k)
        ap_mask = check_mask("ap_mask", ap_mask, m)
        cdt = complex_dtype(rdt)
        return cls(
            beta_ap=jnp.asarray(beta_ap, rdt),
            g_bar=jnp.asarray(g_bar, cdt),
            r_sat=jnp.asarray(r_sat, cdt),
            pilot=jnp.asarray(pilot, jnp.int32),
            pilot_power=jnp.asarray(pilot_power, rdt),
            noise_ap=jnp.asarray(noise_ap, rdt),
            noise_sat=jnp.asarray(noise_sat, rdt),
            user_mask=user_mask,
            ap_mask=ap_mask,
            tau_p=tau_p,
        )

    def pad(self, num_users: int, num_aps: int) -> ChannelStats:
        """The same statistics padded to ``num_users`` users and ``num_aps`` APs: padded entries
        hold zeros (pilot 0) and mask False, so they change nothing for the real users."""
        k, m = self.num_users, self.num_aps
        check_int_range("num_users", num_users, k)
        check_int_range("num_aps", num_aps, m)
        dk, dm = num_users - k, num_aps - m
        return ChannelStats(
            beta_ap=jnp.pad(self.beta_ap, ((0, dm), (0, dk))),
            g_bar=jnp.pad(self.g_bar, ((0, dk), (0, 0))),
            r_sat=jnp.pad(self.r_sat, ((0, dk), (0, 0), (0, 0))),
            pilot=jnp.pad(self.pilot, (0, dk)),
            pilot_power=self.pilot_power,
            noise_ap=self.noise_ap,
            noise_sat=self.noise_sat,
            user_mask=jnp.pad(self.user_mask, (0, dk)),
            ap_mask=jnp.pad(self.ap_mask, (0, dm)),
            tau_p=self.tau_p,
        )

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
    """Zero the statistics of padded users and APs, so they add exactly nothing.

    Args:
        stats: the ``ChannelStats``.

    Returns:
        ``ChannelStats`` with ``beta_ap [M, K]``, ``g_bar [K, N]`` and ``r_sat [K, N, N]`` zero
        wherever the user (or AP) mask is False; units unchanged.
    """
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


def power_scale(stats: ChannelStats) -> Float[ArrayLike, ""]:
    r"""The power unit of ``normalize``: $s = \sqrt{\sigma_a^2\,P_{\rm big}}$ with
    $P_{\rm big}$ the largest of the AP noise, the AP gains $\beta_{mk}$ and the
    per-antenna satellite powers $\|\bar g_k\|^2/N$, $\mathrm{tr}R_k/N$ (masked).

    Theorem 1 multiplies two channel powers (e.g. $\gamma_{mk}\beta_{mk'}$). In units of
    the noise alone, a user 1 cm from an AP has $\beta/\sigma_a^2 \approx 10^{21}$ and its
    square overflows float32; in units of the largest gain alone, a distant user's square
    underflows. The geometric mean puts both ends of a drop's ~40-decade span inside float32.

    Args:
        stats: the ``ChannelStats``.

    Returns:
        ``[]`` the power unit $s$ [W] (a constant for differentiation: ``stop_gradient``).
    """
    n = stats.num_antennas
    valid = stats.ap_mask[:, None] & stats.user_mask[None, :]
    beta_max = jnp.max(jnp.where(valid, stats.beta_ap, 0))
    los = jnp.sum(jnp.real(stats.g_bar) ** 2 + jnp.imag(stats.g_bar) ** 2, -1) / n
    scatter = jnp.real(jnp.trace(stats.r_sat, axis1=-2, axis2=-1)) / n
    sat_max = jnp.max(jnp.where(stats.user_mask, jnp.maximum(los, scatter), 0))
    big = jnp.maximum(jnp.maximum(beta_max, sat_max), jnp.maximum(stats.noise_ap, stats.noise_sat))
    return jax.lax.stop_gradient(jnp.sqrt(stats.noise_ap) * jnp.sqrt(big))


def normalize(stats: ChannelStats) -> ChannelStats:
    r"""Express all channel powers and noise variances in the unit ``power_scale``.

    Theorem 1's SINR is invariant when every channel power and both noise variances are
    scaled by one factor (transmit powers stay in W). Working in this unit keeps float32 away
    from overflow and underflow: raw channel gains are ~1e-16 and their squares would be
    denormal, while a user next to an AP has a gain ~1e21 times the noise. The scale is a
    constant for differentiation (the SINR does not depend on it).

    Args:
        stats: the ``ChannelStats`` [W].

    Returns:
        ``ChannelStats`` with ``beta_ap``, ``r_sat``, ``noise_ap``, ``noise_sat`` divided by
        ``power_scale(stats)`` and ``g_bar`` by its square root (``pilot_power`` stays in W).
    """
    inv = 1 / power_scale(stats)                   # multiply by the reciprocal: XLA's complex divide is slow
    return eqx.tree_at(
        lambda s: (s.beta_ap, s.g_bar, s.r_sat, s.noise_ap, s.noise_sat),
        stats,
        (
            stats.beta_ap * inv,
            stats.g_bar * jnp.sqrt(inv).astype(stats.g_bar.dtype),
            stats.r_sat * inv.astype(stats.r_sat.dtype),
            stats.noise_ap * inv,
            stats.noise_sat * inv,
        ),
    )


def satellite_statistics(
    user_pos: Float[ArrayLike, "K 3"],
    sat_pos: Float[ArrayLike, "3"],
    beta_sat: Float[ArrayLike, " K"],
    *,
    n_v: int,
    n_h: int,
    carrier_hz: Float[ArrayLike, ""],
    rician_k: Float[ArrayLike, ""],
    angular_spread: Float[ArrayLike, ""],
) -> tuple[Complex[ArrayLike, "K N"], Complex[ArrayLike, "K N N"]]:
    r"""LoS mean and NLoS covariance of the satellite channel of each user.

    $$
    \bar{\mathbf{g}}_k = \sqrt{\tfrac{\kappa}{1+\kappa}\beta_k}\, e^{-j 2\pi d_k/\lambda}\,
    \mathbf{a}(\mathbf{u}_k), \qquad
    \mathbf{R}_k = \tfrac{\beta_k}{1+\kappa}\, \tilde{\mathbf{R}}(\mathbf{u}_k)
    $$

    with $\kappa$ the Rician factor, $\mathbf{a}$ the UPA response
    (``satjax.geometry.upa_response``, ``||a||^2 = N``), and $\tilde{\mathbf{R}}$ the
    Gaussian local-scattering correlation (``satjax.geometry.upa_gaussian_correlation``).
    So $\mathbb{E}\|\mathbf{g}_k\|^2 = N\beta_k$: $\beta_k$ is the per-antenna gain.
    The LoS phase follows the path length. Paper A leaves this model unspecified
    (docs/deviations.md).

    Args:
        user_pos: ``[K, 3]`` user positions [m].
        sat_pos: ``[3]`` satellite position [m].
        beta_sat: ``[K]`` per-antenna large-scale gain $\beta_k$ (linear).
        n_v: UPA rows.
        n_h: UPA columns (``N = n_v * n_h``).
        carrier_hz: carrier frequency [Hz].
        rician_k: Rician factor $\kappa$ (linear).
        angular_spread: angular spread of the local scattering (direction-cosine units).

    Returns:
        ``(g_bar, r_sat)``: complex LoS means ``[K, N]`` and covariances ``[K, N, N]`` (amplitude
        and power in the unit of ``beta_sat``).
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

