r"""Where the UAVs' signals reach, per subchannel: paper C's Fig. 5 (coverage maps).

The paper calls a ground point *served* on subchannel n when the large-scale received power from
the UAVs transmitting on n exceeds a threshold (−100 dBm in our reconstruction, spec Sec. 4.2):

$$
P^{rx}_n(\mathbf r) = \sum_l p_{l,n}\,10^{-L(\mathbf u_l, \mathbf r, f_n)/10}
$$

with ``uav_ground_loss_db`` the median loss (P.525 + P.676 inclined path) of the scenario
sampler. The maps leave out shadowing: in our synthetic model it is i.i.d. per (link, subchannel)
(D62), with no spatial correlation, so a shadowed map would be pixel noise. The paper's maps,
computed on real terrain, are irregular for that reason. Ours change shape and range with the
subchannel only through the powers the algorithm gives each UAV on it.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from satjax._checks import check_finite, check_int_range, check_nonnegative, check_positive, check_real, check_shape, float_dtype
from satjax._types import ArrayLike, Float, Real
from satjax.uav.scenario import UavParams, subchannel_frequencies_hz, uav_ground_loss_db
from satjax.units import db_to_lin

__all__ = ["received_power_w", "coverage_grid"]


def received_power_w(params: UavParams | Any, uav_pos: Float[ArrayLike, "L 3"], p: Float[ArrayLike, "L N"],
                     points: Float[ArrayLike, "*batch 2"]) -> Float[ArrayLike, "*batch N"]:
    """Median large-scale received power [W] ``[..., N]`` at ground points ``points [..., 2]``
    (x, y [m], height 0) from UAVs at ``uav_pos [L, 3]`` [m] transmitting ``p [L, N]`` [W] on the
    N subchannels of ``params`` (carrier, bandwidth, altitude). Pure and ``jit``-able;
    differentiable in the powers, positions and physical fields. On concrete input, NaN or inf
    positions and points and negative powers raise a ``ValueError`` naming the argument.

    Args:
        params: the ``UavParams`` (anything else: a ``ValueError``).
        uav_pos: ``[L, 3]`` UAV positions [m].
        p: ``[L, N]`` transmit powers [W] >= 0.
        points: ``[..., 2]`` ground points (x, y) [m].

    Returns:
        ``[..., N]`` median received power per subchannel [W].
    """
    if not isinstance(params, UavParams):
        raise ValueError(f"params must be a satjax.uav.UavParams, got {type(params).__name__}")
    l, n = params.num_uavs, params.num_subchannels
    check_shape("uav_pos", uav_pos, (l, 3))
    check_shape("p", p, (l, n))
    if jnp.shape(points)[-1:] != (2,):
        raise ValueError(f"points must have shape [..., 2] (x, y in m), got {tuple(jnp.shape(points))}")
    float_dtype("uav_pos", uav_pos, "p", p, "points", points)
    for name, v in (("uav_pos", uav_pos), ("p", p), ("points", points)):
        check_real(name, v)
        check_finite(name, v)
    check_nonnegative("p", p, "W")
    points = jnp.asarray(points)
    params = params.astype(jnp.result_type(jnp.asarray(uav_pos).dtype, jnp.asarray(p).dtype, points.dtype, jnp.float32))
    freqs = subchannel_frequencies_hz(params.carrier_hz, params.subchannel_bandwidth_hz, n)
    rx = jnp.concatenate([points, jnp.zeros(points.shape[:-1] + (1,), points.dtype)], axis=-1)
    lead = (1,) * (rx.ndim - 1)
    tx = jnp.reshape(jnp.asarray(uav_pos), lead + (l, 3))
    loss, _ = uav_ground_loss_db(tx, rx[..., None, :], freqs, params.uav_altitude_m)              # [..., L, N]
    return jnp.sum(jnp.reshape(jnp.asarray(p), lead + (l, n)) * db_to_lin(-loss), axis=-2)


def coverage_grid(center: Real[ArrayLike, " 2"], half_width_m: Real[ArrayLike, ""], num: int | Any
                  ) -> tuple[Float[ArrayLike, "num num 2"], Float[ArrayLike, " num"], Float[ArrayLike, " num"]]:
    """A square grid of ``num x num`` ground points ``[num, num, 2]`` [m] centred on ``center``
    with half-width ``half_width_m``, and its axes (x, y) [m].

    Args:
        center: ``[2]`` centre (x, y) [m], finite.
        half_width_m: ``[]`` half-width of the square [m] > 0.
        num: points per axis (an integer >= 2).

    Returns:
        ``(grid, xs, ys)``: points ``[num, num, 2]`` (x, y) [m] and the axes ``[num]`` [m].
    """
    check_shape("center", center, (2,))
    check_real("center", center)
    check_finite("center", center)
    check_real("half_width_m", half_width_m)
    check_positive("half_width_m", half_width_m, "m")
    check_int_range("num", num, 2)
    center = jnp.asarray(center)
    xs = center[0] + jnp.linspace(-half_width_m, half_width_m, num)
    ys = center[1] + jnp.linspace(-half_width_m, half_width_m, num)
    gx, gy = jnp.meshgrid(xs, ys)
    return jnp.stack([gx, gy], axis=-1), xs, ys
