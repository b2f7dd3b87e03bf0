"""System A scenarios: configuration (``UplinkParams``) and drawn drops (``UplinkScenario``)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_int_range, is_concrete
from satjax._types import ArrayLike, DTypeLike, Float, PRNGKeyArray
from satjax.geometry.angles import elevation_azimuth
from satjax.geometry.placement import drop_uniform_square, pairwise_distance
from satjax.propagation.pathloss import ground_large_scale_db, satellite_large_scale_db
from satjax.propagation.shadowing import (
    TR38811_LOS_SIGMA_SF_DB,
    sample_shadowing_db,
    satellite_shadowing_std_db,
)
from satjax.params import Params, mode, physical, resolve_dtype, sample_batch, size
from satjax.units import db_to_lin, thermal_noise_w
from satjax.uplink.pilots import default_pilots
from satjax.uplink.statistics import ChannelStats, satellite_statistics

__all__ = ["UplinkParams", "UplinkScenario", "sample_uplink_scenario", "sample_uplink_scenarios"]


class UplinkParams(Params):
    """Configuration of system A (paper A, Sec. VI).

    Sizes and modes are static; every physical quantity is an array leaf (SI units or dB as
    named), so a sweep over any of them is one compiled ``vmap`` (``satjax.sweep``) and
    ``jax.grad`` reaches it. Values the paper does not give are ours; docs/paper-a.md lists each
    with its source.
    """

    num_aps: int = size(40, doc="APs M")
    num_users: int = size(20, doc="users K")
    n_v: int = size(5, doc="satellite UPA rows")
    n_h: int = size(5, doc="satellite UPA columns")
    tau_p: int = size(10, doc="pilot length (orthogonal pilots)")
    tau_c: int = size(10_000, doc="coherence block [symbols]")
    sat_environment: str = mode("dense_urban", TR38811_LOS_SIGMA_SF_DB, doc="TR 38.811 shadowing table")
    area_side_m: Float[ArrayLike, ""] = physical(4_000.0, unit="m", lo=0, lo_open=True)
    ap_height_m: Float[ArrayLike, ""] = physical(15.0, unit="m", lo=0)
    user_height_m: Float[ArrayLike, ""] = physical(1.5, unit="m", lo=0)
    sat_position_m: Float[ArrayLike, "3"] = physical((300e3, 300e3, 400e3), unit="m", shape=(3,))
    carrier_hz: Float[ArrayLike, ""] = physical(3e9, unit="Hz", lo=0, lo_open=True)
    bandwidth_hz: Float[ArrayLike, ""] = physical(20e6, unit="Hz", lo=0, lo_open=True)
    noise_figure_ap_db: Float[ArrayLike, ""] = physical(1.2, unit="dB")
    noise_figure_sat_db: Float[ArrayLike, ""] = physical(4.0, unit="dB")
    gain_ap_dbi: Float[ArrayLike, ""] = physical(10.0, unit="dBi")
    gain_user_dbi: Float[ArrayLike, ""] = physical(10.0, unit="dBi")
    gain_sat_dbi: Float[ArrayLike, ""] = physical(16.0, unit="dBi")
    shadowing_ap_db: Float[ArrayLike, ""] = physical(8.0, unit="dB", lo=0)
    rician_k_db: Float[ArrayLike, ""] = physical(10.224, unit="dB", doc="TR 38.811 Table 6.9.2-3 (NTN-TDL-C LOS tap)")
    sat_angular_spread: Float[ArrayLike, ""] = physical(0.02, lo=0)
    p_max_w: Float[ArrayLike, ""] = physical(0.2, unit="W", lo=0)
    pilot_power_w: Float[ArrayLike, ""] = physical(0.2, unit="W", lo=0)

    def __check_init__(self):
        if self.tau_p > self.tau_c:
            raise ValueError(f"tau_p must be in [1, tau_c] = [1, {self.tau_c}], got {self.tau_p}")
        shapes_ok = np.shape(self.sat_position_m) == (3,) and np.shape(self.ap_height_m) == np.shape(self.user_height_m) == ()
        if shapes_ok and is_concrete(self.sat_position_m, self.ap_height_m, self.user_height_m):
            top = max(float(np.asarray(self.ap_height_m)), float(np.asarray(self.user_height_m)))
            altitude = float(np.asarray(self.sat_position_m)[2])
            if not altitude > top:
                raise ValueError(f"sat_position_m[2] (altitude) must be above the ground nodes ({top} m), got {altitude}")

    @property
    def num_antennas(self) -> int:
        return self.n_v * self.n_h

    @property
    def noise_ap_w(self) -> Float[ArrayLike, ""]:
        """AP noise power $k_B T B F$ [W]."""
        return thermal_noise_w(self.bandwidth_hz, self.noise_figure_ap_db)

    @property
    def noise_sat_w(self) -> Float[ArrayLike, ""]:
        """Satellite noise power $k_B T B F$ [W]."""
        return thermal_noise_w(self.bandwidth_hz, self.noise_figure_sat_db)

    @property
    def rician_k(self) -> Float[ArrayLike, ""]:
        """Rician factor (linear)."""
        return db_to_lin(self.rician_k_db)


class UplinkScenario(eqx.Module):
    """One drop of system A: geometry, large-scale fading, channel statistics and power budgets.

    Attributes:
        ap_pos: ``[M, 3]`` AP positions [m].
        user_pos: ``[K, 3]`` user positions [m].
        sat_pos: ``[3]`` satellite position [m].
        beta_sat: ``[K]`` per-antenna large-scale fading of the satellite link (linear).
        stats: the ``ChannelStats`` of Theorem 1.
        p_max_w: ``[K]`` maximum data power per user [W].
        tau_c: coherence block length in symbols (static).
    """

    ap_pos: Float[ArrayLike, "M 3"]
    user_pos: Float[ArrayLike, "K 3"]
    sat_pos: Float[ArrayLike, "3"]
    beta_sat: Float[ArrayLike, " K"]
    stats: ChannelStats
    p_max_w: Float[ArrayLike, " K"]
    tau_c: int = eqx.field(static=True)

    def __check_init__(self):
        if not 1 <= self.stats.tau_p <= self.tau_c:
            raise ValueError(f"need 1 <= tau_p <= tau_c, got tau_p={self.stats.tau_p}, tau_c={self.tau_c}")


def sample_uplink_scenario(key: PRNGKeyArray, params: UplinkParams, dtype: DTypeLike | None = None) -> UplinkScenario:
    r"""Draw one drop of system A: positions, shadowing, and the channel statistics (Sec. II, VI).

    Pure and ``jit``-able: sizes and modes of ``params`` are static, its physical fields are
    traced. Every user gets the pilot ``k mod tau_p``
    and the budget ``p_max_w``.

    Args:
        key: PRNG key.
        params: the ``UplinkParams``.
        dtype: real dtype of the drop: ``None`` (default) for the dtype of ``params``'
            physical fields (``UplinkParams.dtype``: float64 when they were built with x64 on),
            or float32 / float64 (float16 is refused by name).

    Returns:
        ``UplinkScenario``: positions ``[M, 3]``, ``[K, 3]``, ``[3]`` [m], satellite gains
        ``beta_sat [K]`` (linear), the ``ChannelStats`` (powers [W]) and budgets ``p_max_w [K]`` [W].
    """
    return _sample_uplink_scenario(key, params, resolve_dtype(params, dtype, params_class=UplinkParams))


@eqx.filter_jit
def _sample_uplink_scenario(key: PRNGKeyArray, params: UplinkParams, dtype) -> UplinkScenario:
    """The jitted sampler behind ``sample_uplink_scenario`` (``dtype`` resolved)."""
    params = params.astype(dtype)
    k_ap, k_user, k_sh_ap, k_sh_sat = jax.random.split(key, 4)
    ap_pos = drop_uniform_square(k_ap, params.num_aps, params.area_side_m, params.ap_height_m, dtype)
    user_pos = drop_uniform_square(k_user, params.num_users, params.area_side_m, params.user_height_m, dtype)
    sat_pos = params.sat_position_m

    beta_ap_db = ground_large_scale_db(
        pairwise_distance(ap_pos, user_pos), params.carrier_hz, params.gain_ap_dbi, params.gain_user_dbi
    ) + sample_shadowing_db(k_sh_ap, params.shadowing_ap_db, (params.num_aps, params.num_users))

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
        pilot_power=params.pilot_power_w,
        noise_ap=params.noise_ap_w,
        noise_sat=params.noise_sat_w,
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
        p_max_w=jnp.full((k,), params.p_max_w),
        tau_c=params.tau_c,
    )


def sample_uplink_scenarios(key: PRNGKeyArray, params: UplinkParams, num: int, start: int = 0,
                            dtype: DTypeLike | None = None) -> UplinkScenario:
    """A batch of drops; drop ``i`` uses ``fold_in(key, start + i)``, so any batching of the
    same indices gives the same scenarios (``satjax.params.sample_batch``; every system's
    ``SYSTEM.sample_batch``). ``dtype`` as in ``sample_uplink_scenario``; every leaf gains a
    leading axis ``num``.

    Args:
        key: PRNG key of the whole batch.
        params: the ``UplinkParams``.
        num: number of drops ``S`` (>= 1).
        start: index of the first drop (>= 0).
        dtype: real dtype of the drops, as in ``sample_uplink_scenario``.

    Returns:
        ``UplinkScenario`` whose array leaves have a leading axis ``[S, ...]`` (units as in
        ``sample_uplink_scenario``).
    """
    return sample_batch(sample_uplink_scenario, key, params, num, start, dtype)
