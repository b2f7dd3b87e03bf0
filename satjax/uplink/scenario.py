"""System A scenarios: configuration (``UplinkParams``) and drawn drops (``UplinkScenario``)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_choice, check_int_range
from satjax._types import Array, Float, PRNGKeyArray
from satjax.geometry.angles import elevation_azimuth
from satjax.geometry.placement import drop_uniform_square, pairwise_distance
from satjax.propagation.pathloss import ground_large_scale_db, satellite_large_scale_db
from satjax.propagation.shadowing import (
    TR38811_LOS_SIGMA_SF_DB,
    sample_shadowing_db,
    satellite_shadowing_std_db,
)
from satjax.constants import BOLTZMANN_J_K, REFERENCE_TEMPERATURE_K
from satjax.units import db_to_lin
from satjax.uplink.pilots import default_pilots
from satjax.uplink.statistics import ChannelStats, satellite_statistics

__all__ = ["UplinkParams", "UplinkScenario", "sample_uplink_scenario", "sample_uplink_scenarios"]


def _static(default):
    return eqx.field(static=True, default=default)


class UplinkParams(eqx.Module):
    """Configuration of system A (paper A, Sec. VI). Python scalars in SI units or dB as named.

    Values the paper does not give are ours; docs/paper-a.md lists each with its source.
    """

    num_aps: int = _static(40)
    num_users: int = _static(20)
    area_side_m: float = _static(4_000.0)
    ap_height_m: float = _static(15.0)
    user_height_m: float = _static(1.5)
    sat_position_m: tuple[float, float, float] = _static((300e3, 300e3, 400e3))
    n_v: int = _static(5)
    n_h: int = _static(5)
    carrier_hz: float = _static(3e9)
    bandwidth_hz: float = _static(20e6)
    noise_figure_ap_db: float = _static(1.2)
    noise_figure_sat_db: float = _static(4.0)
    gain_ap_dbi: float = _static(10.0)
    gain_user_dbi: float = _static(10.0)
    gain_sat_dbi: float = _static(16.0)
    shadowing_ap_db: float = _static(8.0)
    sat_environment: str = _static("dense_urban")
    rician_k_db: float = _static(10.0)
    sat_angular_spread: float = _static(0.02)
    p_max_w: float = _static(0.2)
    pilot_power_w: float = _static(0.2)
    tau_p: int = _static(10)
    tau_c: int = _static(10_000)

    def __check_init__(self):
        check_int_range("num_aps", self.num_aps, 1)
        check_int_range("num_users", self.num_users, 1)
        check_int_range("n_v", self.n_v, 1)
        check_int_range("n_h", self.n_h, 1)
        check_int_range("tau_c", self.tau_c, 1)
        check_int_range("tau_p", self.tau_p, 1, self.tau_c)
        check_choice("sat_environment", self.sat_environment, TR38811_LOS_SIGMA_SF_DB)
        positive = ("area_side_m", "carrier_hz", "bandwidth_hz")
        nonneg = ("ap_height_m", "user_height_m", "shadowing_ap_db", "sat_angular_spread", "p_max_w", "pilot_power_w")
        for name in positive + nonneg:
            v = getattr(self, name)
            ok = isinstance(v, (int, float)) and v == v and abs(v) != float("inf")
            if not ok or (v <= 0 if name in positive else v < 0):
                bound = "> 0" if name in positive else ">= 0"
                raise ValueError(f"{name} must be a finite number {bound}, got {v!r}")
        if len(self.sat_position_m) != 3 or not all(abs(float(x)) < float("inf") for x in self.sat_position_m):
            raise ValueError(f"sat_position_m must be three finite coordinates [m], got {self.sat_position_m!r}")
        if self.sat_position_m[2] <= max(self.ap_height_m, self.user_height_m):
            raise ValueError(f"sat_position_m[2] (altitude) must be above the ground nodes, got {self.sat_position_m[2]}")

    @property
    def num_antennas(self) -> int:
        return self.n_v * self.n_h

    @property
    def noise_ap_w(self) -> float:
        """AP noise power k_B T B F [W]."""
        return BOLTZMANN_J_K * REFERENCE_TEMPERATURE_K * self.bandwidth_hz * 10 ** (self.noise_figure_ap_db / 10)

    @property
    def noise_sat_w(self) -> float:
        """Satellite noise power k_B T B F [W]."""
        return BOLTZMANN_J_K * REFERENCE_TEMPERATURE_K * self.bandwidth_hz * 10 ** (self.noise_figure_sat_db / 10)

    @property
    def rician_k(self) -> float:
        """Rician factor (linear)."""
        return 10 ** (self.rician_k_db / 10)


class UplinkScenario(eqx.Module):
    """One drop of system A: geometry, large-scale fading, channel statistics and power budgets.

    Attributes:
        ap_pos: ``[M, 3]`` AP positions [m].
        user_pos: ``[K, 3]`` user positions [m].
        sat_pos: ``[3]`` satellite position [m].
        beta_sat: ``[K]`` per-antenna large-scale fading of the satellite link (linear).
        stats: the :class:`ChannelStats` of Theorem 1.
        p_max: ``[K]`` maximum data power per user [W].
        tau_c: coherence block length in symbols (static).
    """

    ap_pos: Float[Array, "M 3"]
    user_pos: Float[Array, "K 3"]
    sat_pos: Float[Array, "3"]
    beta_sat: Float[Array, " K"]
    stats: ChannelStats
    p_max: Float[Array, " K"]
    tau_c: int = eqx.field(static=True)

    def __check_init__(self):
        if not 1 <= self.stats.tau_p <= self.tau_c:
            raise ValueError(f"need 1 <= tau_p <= tau_c, got tau_p={self.stats.tau_p}, tau_c={self.tau_c}")


@eqx.filter_jit
def sample_uplink_scenario(key: PRNGKeyArray, params: UplinkParams, dtype=jnp.float32) -> UplinkScenario:
    """Draw one drop of system A: positions, shadowing, and the channel statistics (Sec. II, VI).

    Pure and ``jit``-able (``params`` is static). Every user gets the pilot ``k mod tau_p``
    and the budget ``p_max_w``.
    """
    k_ap, k_user, k_sh_ap, k_sh_sat = jax.random.split(key, 4)
    ap_pos = drop_uniform_square(k_ap, params.num_aps, params.area_side_m, params.ap_height_m, dtype)
    user_pos = drop_uniform_square(k_user, params.num_users, params.area_side_m, params.user_height_m, dtype)
    sat_pos = jnp.asarray(params.sat_position_m, dtype)

    beta_ap_db = ground_large_scale_db(
        pairwise_distance(ap_pos, user_pos), params.carrier_hz, params.gain_ap_dbi, params.gain_user_dbi
    ) + sample_shadowing_db(k_sh_ap, jnp.asarray(params.shadowing_ap_db, dtype), (params.num_aps, params.num_users))

    elevation, _ = elevation_azimuth(user_pos, sat_pos)
    sat_dist = jnp.linalg.norm(user_pos - sat_pos[None, :], axis=-1)
    beta_sat_db = satellite_large_scale_db(
        sat_dist, params.carrier_hz, params.gain_sat_dbi, params.gain_user_dbi
    ) + sample_shadowing_db(k_sh_sat, satellite_shadowing_std_db(elevation, params.sat_environment))
    beta_sat = db_to_lin(beta_sat_db)
    g_bar, r_sat = satellite_statistics(
        user_pos,
        sat_pos,
        beta_sat,
        n_v=params.n_v,
        n_h=params.n_h,
        carrier_hz=params.carrier_hz,
        rician_k=params.rician_k,
        angular_spread=params.sat_angular_spread,
    )
    k = params.num_users
    stats = ChannelStats(
        beta_ap=db_to_lin(beta_ap_db),
        g_bar=g_bar,
        r_sat=r_sat,
        pilot=default_pilots(k, params.tau_p),
        pilot_power=jnp.asarray(params.pilot_power_w, dtype),
        noise_ap=jnp.asarray(params.noise_ap_w, dtype),
        noise_sat=jnp.asarray(params.noise_sat_w, dtype),
        user_mask=jnp.ones((k,), bool),
        ap_mask=jnp.ones((params.num_aps,), bool),
        tau_p=params.tau_p,
    )
    return UplinkScenario(
        ap_pos=ap_pos,
        user_pos=user_pos,
        sat_pos=sat_pos,
        beta_sat=beta_sat,
        stats=stats,
        p_max=jnp.full((k,), params.p_max_w, dtype),
        tau_c=params.tau_c,
    )


def sample_uplink_scenarios(key: PRNGKeyArray, params: UplinkParams, num: int, start: int = 0, dtype=jnp.float32):
    """A batch of drops; drop ``i`` uses ``fold_in(key, start + i)``, so any batching of the
    same indices gives the same scenarios."""
    check_int_range("num", num, 1)
    idx = start + jnp.arange(num)
    return jax.vmap(lambda i: sample_uplink_scenario(jax.random.fold_in(key, i), params, dtype))(idx)
