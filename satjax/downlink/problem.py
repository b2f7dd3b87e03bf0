r"""The precoding problem of system B (paper B, Sec. II-C, problem (10)) and its objective.

``PrecodingProblem`` holds what a precoder design sees of one scenario — statistical CSI
(array responses $v_k$, channel powers $\gamma_k$), the noise, the budget and the
power model — as arrays, so ``vmap`` can batch over any of them and ``grad`` reaches each.
``energy_efficiency`` is the one place objective (10a) is computed.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp

from satjax._checks import check_finite, check_ndim, check_nonnegative, check_positive, check_real, check_shape, float_dtype
from satjax._types import ArrayLike, Bool, Complex, Float, complex_dtype
from satjax.downlink.rates import rate_bound, total_power

__all__ = ["PrecodingProblem", "energy_efficiency", "sum_rate_bound"]


class PrecodingProblem(eqx.Module):
    r"""Statistical CSI and power model of one system-B scenario.

    Attributes:
        v: ``[N_t, K]`` complex array responses (column k = $v_k$, $\|v_k\|^2 = N_t$).
        gamma: ``[K]`` channel power $\gamma_k = \mathbb E|g_k|^2$ (W/W).
        noise_w: ``[]`` $N_0$ [W].
        p_max_w: ``[]`` total transmit power budget $P_{\max}$ [W], constraint (10b).
        bandwidth_hz: ``[]`` $B_w$ [Hz].
        xi: ``[]`` inverse power-amplifier efficiency $\xi$, eq. (5).
        p_static_w: ``[]`` $P_t$ of eq. (6) [W].
        user_mask: optional ``[K]`` bool, False for padded users (default: all real).
        antenna_mask: optional ``[N_t]`` bool, False for padded antennas (default: all real).

    Padded users and antennas carry zero ``v`` and ``gamma`` (``pad``), which every
    model-based precoder already maps to zero precoders; the masks tell learned models which
    entries are padding.
    """

    v: Complex[ArrayLike, "Nt K"]
    gamma: Float[ArrayLike, " K"]
    noise_w: Float[ArrayLike, ""]
    p_max_w: Float[ArrayLike, ""]
    bandwidth_hz: Float[ArrayLike, ""]
    xi: Float[ArrayLike, ""]
    p_static_w: Float[ArrayLike, ""]
    user_mask: Bool[ArrayLike, " K"] | None = None
    antenna_mask: Bool[ArrayLike, " Nt"] | None = None

    def __check_init__(self):
        if self.v.ndim != 2 or self.gamma.shape != self.v.shape[1:]:
            raise ValueError(f"v must be [N_t, K] and gamma [K], got shapes {self.v.shape} and {self.gamma.shape}")
        # value checks on concrete problems (sampled ones are traced and valid by construction)
        check_finite("v", self.v)
        check_nonnegative("gamma", self.gamma, "W/W")
        check_positive("noise_w", self.noise_w, "W")
        check_positive("p_max_w", self.p_max_w, "W")
        check_positive("bandwidth_hz", self.bandwidth_hz, "Hz")
        check_positive("xi", self.xi)
        check_nonnegative("p_static_w", self.p_static_w, "W")

    @classmethod
    def from_arrays(cls, v, gamma, *, p_max_w, noise_w, bandwidth_hz, xi, p_static_w) -> PrecodingProblem:
        """Validate plain arrays and bundle them (``ValueError`` naming the parameter for a wrong
        shape, a complex ``gamma`` or power, NaN/inf, ``noise_w <= 0``, ``p_max_w <= 0``,
        ``bandwidth_hz <= 0``, ``xi <= 0``, ``p_static_w < 0``, ``K = 0`` or float16)."""
        check_ndim("v", v, 2, "[N_t, K]")
        nt, k = jnp.shape(v)
        if nt == 0 or k == 0:
            raise ValueError(f"v must have N_t >= 1 antennas and K >= 1 users, got shape {(nt, k)}")
        rdt = float_dtype("v", v, "gamma", gamma)
        cdt = complex_dtype(rdt)
        check_finite("v", v)
        check_shape("gamma", gamma, (k,))
        for name, x in (("gamma", gamma), ("p_max_w", p_max_w), ("noise_w", noise_w), ("bandwidth_hz", bandwidth_hz),
                        ("xi", xi), ("p_static_w", p_static_w)):
            check_real(name, x)
            if name != "gamma":
                check_shape(name, x, ())
        check_nonnegative("gamma", gamma, "W/W")
        check_positive("p_max_w", p_max_w, "W")
        check_positive("noise_w", noise_w, "W")
        check_positive("bandwidth_hz", bandwidth_hz, "Hz")
        check_positive("xi", xi)
        check_nonnegative("p_static_w", p_static_w, "W")
        as_r = lambda x: jnp.asarray(x, rdt)  # noqa: E731
        return cls(v=jnp.asarray(v, cdt), gamma=as_r(gamma), noise_w=as_r(noise_w), p_max_w=as_r(p_max_w),
                   bandwidth_hz=as_r(bandwidth_hz), xi=as_r(xi), p_static_w=as_r(p_static_w))

    def pad(self, num_antennas: int, num_users: int) -> PrecodingProblem:
        """The same problem with zero antenna rows and zero users appended (``v`` and ``gamma``
        zero-padded). A padded user has no channel, gets a zero precoder from every satjax
        precoder and rate 0; a padded antenna radiates nothing. Energy efficiency, WMMSE and
        Dinkelbach-WMMSE equal the unpadded ones to round-off (tested), so problems of several
        sizes can share one compiled program. The power model (``p_static_w``) keeps the real
        array's value."""
        from satjax._checks import check_int_range

        nt, k = self.v.shape
        check_int_range("num_antennas", num_antennas, nt)
        check_int_range("num_users", num_users, k)
        return PrecodingProblem(v=jnp.pad(self.v, ((0, num_antennas - nt), (0, num_users - k))),
                                gamma=jnp.pad(self.gamma, (0, num_users - k)), noise_w=self.noise_w, p_max_w=self.p_max_w,
                                bandwidth_hz=self.bandwidth_hz, xi=self.xi, p_static_w=self.p_static_w,
                                user_mask=jnp.pad(self.users, (0, num_users - k)),
                                antenna_mask=jnp.pad(self.antennas, (0, num_antennas - nt)))

    @property
    def users(self) -> Bool[ArrayLike, "..."]:
        """``[K]`` bool: True for real users (the mask, or all True)."""
        if self.user_mask is None:
            return jnp.ones(self.v.shape[:-2] + self.v.shape[-1:], bool)
        return self.user_mask

    @property
    def antennas(self) -> Bool[ArrayLike, "..."]:
        """``[N_t]`` bool: True for real antennas (the mask, or all True)."""
        if self.antenna_mask is None:
            return jnp.ones(self.v.shape[:-1], bool)
        return self.antenna_mask

    @property
    def num_antennas(self) -> int:
        return self.v.shape[0]

    @property
    def num_users(self) -> int:
        return self.v.shape[1]


def sum_rate_bound(problem: PrecodingProblem, b: Complex[ArrayLike, "Nt K"]) -> Float[ArrayLike, ""]:
    r"""$\sum_k \bar{\mathcal R}_k$ of eq. (9) [bit/s/Hz] at precoders ``b``.

    Args:
        problem: the ``PrecodingProblem``.
        b: ``[N_t, K]`` complex precoders [sqrt(W)].

    Returns:
        ``[]`` sum of the rate upper bounds [bit/s/Hz].
    """
    return jnp.sum(rate_bound(b, problem.v, problem.gamma, problem.noise_w))


def energy_efficiency(problem: PrecodingProblem, b: Complex[ArrayLike, "Nt K"],
                      sum_rate: Float[ArrayLike, ""] | None = None) -> Float[ArrayLike, ""]:
    r"""Energy efficiency, objective (10a) with the power model (5):

    $$
    \mathrm{EE} = \frac{B_w \sum_k \mathcal R_k}{\xi\sum_k\|b_k\|^2 + P_t} \quad [\mathrm{bit/J}]
    $$

    Args:
        problem: the scenario's ``PrecodingProblem``.
        b: complex ``[N_t, K]`` precoders (column k = $b_k$) [sqrt(W)], the shape of ``problem.v``.
        sum_rate: $\sum_k\mathcal R_k$ [bit/s/Hz] to use (e.g. a Monte Carlo estimate of the
            ergodic rate (8)); default the bound (9), ``sum_rate_bound``.

    Returns:
        ``[]`` EE [bit/J].
    """
    check_shape("b", b, problem.v.shape)
    check_finite("b", b)
    rate = sum_rate_bound(problem, b) if sum_rate is None else sum_rate
    return problem.bandwidth_hz * rate / total_power(b, problem.xi, problem.p_static_w)
