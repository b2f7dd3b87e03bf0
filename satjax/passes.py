r"""The three systems over a LEO pass: time-varying geometry and environment from ``satjax.orbits``
and ``satjax.propagation.ntn``, fed to each system's own sampler and closed forms with time as a
``vmap`` axis.

Every satjax scenario is a snapshot. Along a pass, the satellite's position relative to the
ground changes; ``pass_geometry`` gives, per time step, the serving satellite's elevation,
azimuth, slant range, range rate, Doppler, its position and velocity in the local east-north-up
(ENU) frame of the ground point, the TR 38.811 LoS probability and the LoS / NLoS path loss.
Each system then takes only what is physically the same quantity in its snapshot
(docs/ntn.md, "Systems over a pass"; docs/deviations.md):

* system A (``satjax.uplink``): the satellite position ``sat_position_m`` of ``UplinkParams``
  (flat frame, x east, y north, z up, area centre under the ground point) —
  ``uplink_satellite_position_m``. A's sampler derives from it the slant ranges, the elevations
  (its TR 38.811 shadowing σ) and the array directions, as in the snapshot;
* system B (``satjax.downlink``): the sampler puts the satellite at the zenith of the footprint
  centre (by default); ``downlink_at_step`` re-points one drawn footprint to the satellite's ENU
  position with ``satjax.downlink.repoint_satellite``: array responses, channel powers (the
  free-space ratio to the snapshot), minimum delays and satellite Dopplers (from the satellite
  velocity); the receiver noise stays the snapshot's;
* system C (``satjax.uav``): the satellite enters only through its users: their occupancy ``y``
  and the interference threshold ``I_th`` that protects their reception. ``uav_at_step`` keeps
  ``y`` while a satellite is visible above the mask and clears it otherwise; with a
  ``reference_loss_db`` it also makes ``I_th`` follow the satellite's signal at the satellite
  users (a fixed signal-to-interference protection): ``satellite_signal_loss_db`` per step.

``metric_over_pass`` runs any system (``satjax.systems.System``) over the steps in one ``vmap``
with the same drop (key) at every step, so only the satellite moves. Pure functions under
``jit``/``vmap``/``grad``: the gradient of a metric at one step w.r.t. the orbit altitude is
checked against finite differences in float64 (tests/test_passes.py).

Examples:

    >>> import jax, jax.numpy as jnp, numpy as np
    >>> import satjax
    >>> from satjax import orbits, passes
    >>> jax.config.update("jax_enable_x64", True)
    >>> rotation = orbits.earth_rotation((2461379.0, 0.25))               # Julian date (day, fraction)
    >>> lat, lon = np.deg2rad(48.8), np.deg2rad(2.35)
    >>> orbit = passes.orbit_over_point(600e3, np.deg2rad(53.0), lat, lon + np.deg2rad(3.0), 300.0, rotation)
    >>> t = 300.0 + jnp.linspace(-200.0, 200.0, 9)                        # [s]
    >>> geo = passes.pass_geometry(orbit, orbits.ground_point(lat, lon), t, rotation, carrier_hz=3e9,
    ...                            environment="dense_urban", min_elevation_rad=np.deg2rad(10.0))
    >>> system = satjax.get_system("uplink")
    >>> params = system.params(**system.tiny)
    >>> mbps = passes.metric_over_pass(system, system.policy("full_power"), jax.random.key(0), params, geo)
    >>> mbps.shape                                                        # one value per step
    (9,)
    >>> bool(jnp.all(jnp.isfinite(mbps)))
    True
    >>> jax.config.update("jax_enable_x64", False)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax import orbits
from satjax._checks import check_choice, check_finite, is_concrete
from satjax._types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from satjax.downlink.scenario import repoint_satellite
from satjax.params import Params
from satjax.propagation import ntn
from satjax.units import db_to_lin

__all__ = [
    "PassGeometry",
    "orbit_over_point",
    "pass_geometry",
    "uplink_satellite_position_m",
    "downlink_at_step",
    "satellite_signal_loss_db",
    "snapshot_signal_loss_db",
    "uav_at_step",
    "PASS_ADAPTERS",
    "scenarios_over_pass",
    "metric_over_pass",
    "POLICY_KEY_TAG",
]

#: ``metric_over_pass`` gives the policy ``fold_in(key, POLICY_KEY_TAG)``, not the drop's own key
#: (whose sub-keys the samplers draw from): a tag far above the indices they split or fold into.
POLICY_KEY_TAG = 2**31 - 2


class PassGeometry(NamedTuple):
    """Geometry and large-scale environment of the serving satellite per time step (fields ``[T]``
    or ``[T, 3]``; NaN where no satellite is visible, ``serving`` = -1 there).

    Attributes:
        t_s: times since the epoch [s].
        serving: index of the serving satellite (int32; -1: none above the mask).
        elevation_rad, azimuth_rad: look angles (azimuth clockwise from north) [rad].
        slant_range_m: distance [m].
        range_rate_m_s: time derivative of the slant range [m/s].
        doppler_hz: carrier Doppler shift $-f_c\\dot d/c$ [Hz].
        position_enu_m: ``[T, 3]`` satellite position in the ground point's east-north-up frame [m].
        velocity_enu_m_s: ``[T, 3]`` its time derivative in that (rotating) frame [m/s].
        los_probability: TR 38.811 Table 6.6.1-1.
        path_loss_los_db, path_loss_nlos_db: TR 38.811 §6.6.2 total loss with median shadowing
            (``ntn.path_loss_db`` at the orbit's slant range) [dB].
    """

    t_s: Array
    serving: Array
    elevation_rad: Array
    azimuth_rad: Array
    slant_range_m: Array
    range_rate_m_s: Array
    doppler_hz: Array
    position_enu_m: Array
    velocity_enu_m_s: Array
    los_probability: Array
    path_loss_los_db: Array
    path_loss_nlos_db: Array

    @property
    def visible(self) -> Bool[Array, "*T"]:
        """True where a satellite serves the ground point."""
        return self.serving >= 0


def _enu_m(orbit, point, rotation, j2, t):
    """ENU position [3] of one satellite seen from ``point`` at ``t`` (from its look angles)."""
    sat = orbits.eci_to_ecef(orbits.satellite_position_eci(orbit, t, j2), t, rotation)
    elevation, azimuth, rng = orbits.look_angles(sat, point)
    horizontal = rng * jnp.cos(elevation)
    return jnp.stack([horizontal * jnp.sin(azimuth), horizontal * jnp.cos(azimuth), rng * jnp.sin(elevation)])


def orbit_over_point(altitude_m: Float[ArrayLike, ""], inclination_rad: Float[ArrayLike, ""],
                     lat_rad: Float[ArrayLike, ""], lon_rad: Float[ArrayLike, ""], t_s: Float[ArrayLike, ""],
                     rotation: orbits.EarthRotation) -> orbits.KeplerOrbit:
    r"""The circular orbit (no J2) whose sub-satellite point at time ``t_s`` is the geocentric
    latitude/longitude ``(lat_rad, lon_rad)``, on the ascending half of the orbit.

    With the argument of latitude $u$ and RAAN $\Omega$, the direction of the satellite in the
    inertial frame is $(\cos\Omega\cos u - \sin\Omega\cos i\sin u,\ \sin\Omega\cos u
    + \cos\Omega\cos i\sin u,\ \sin i\sin u)$, so $\sin\varphi = \sin i\sin u$ and
    $\alpha - \Omega = \operatorname{atan2}(\cos i\sin u, \cos u)$ with $\alpha$ the inertial
    longitude, $\alpha = \lambda + \theta(t)$. Used to build a pass over a chosen ground point.

    Args:
        altitude_m: altitude above the WGS-84 equatorial radius [m], >= 0.
        inclination_rad: inclination in (0, pi) rad, with ``|lat_rad| <= min(i, pi - i)``.
        lat_rad: geocentric latitude of the sub-satellite point [rad].
        lon_rad: its longitude [rad].
        t_s: time since the epoch at which the satellite is above that point [s].
        rotation: ``orbits.earth_rotation`` of the epoch.

    Returns:
        The ``KeplerOrbit`` (scalar fields).
    """
    if is_concrete(inclination_rad, lat_rad):
        reach = min(float(inclination_rad), np.pi - float(inclination_rad))
        if not 0.0 < float(inclination_rad) < np.pi or abs(float(lat_rad)) > reach:
            raise ValueError(f"lat_rad must be within the inclination's reach [-{reach:.4g}, {reach:.4g}] rad and "
                             f"inclination_rad in (0, pi), got lat_rad={float(lat_rad)!r}, "
                             f"inclination_rad={float(inclination_rad)!r}")
    i = jnp.asarray(inclination_rad)
    u = jnp.arcsin(jnp.sin(lat_rad) / jnp.sin(i))
    alpha = lon_rad + rotation.angle_at_epoch_rad + rotation.rate_rad_s * jnp.asarray(t_s)
    raan = alpha - jnp.arctan2(jnp.cos(i) * jnp.sin(u), jnp.cos(u))
    a = orbits.WGS84_A_M + jnp.asarray(altitude_m)
    return orbits.circular_orbit(altitude_m, i, raan, u - jnp.sqrt(orbits.MU_EARTH_M3_S2 / a**3) * t_s)


def _as_orbits(orbit: orbits.KeplerOrbit) -> orbits.KeplerOrbit:
    fields = [jnp.asarray(x) for x in orbit]
    if any(f.ndim > 1 for f in fields) or len({f.shape for f in fields}) != 1:
        raise ValueError(f"orbit must have scalar fields (one satellite) or fields [S] (a constellation), got shapes "
                         f"{[tuple(f.shape) for f in fields]}")
    return orbits.KeplerOrbit(*(jnp.atleast_1d(f) for f in fields))


def pass_geometry(orbit: orbits.KeplerOrbit, point: orbits.GroundPoint, t_s: Float[ArrayLike, " T"],
                  rotation: orbits.EarthRotation, *, carrier_hz: float, environment: str,
                  min_elevation_rad: float = 0.0, hysteresis_rad: float = 0.0, j2: bool = False,
                  interpolation: str = "linear") -> PassGeometry:
    r"""Geometry and TR 38.811 environment of the serving satellite at each time step.

    One satellite (scalar orbit fields) serves while it is above ``min_elevation_rad``; for a
    constellation (fields ``[S]``) the serving satellite is ``orbits.serving_satellite``'s hard
    choice with hysteresis (handovers). Range rate: ``orbits.link_geometry`` (``jax.jvp``);
    ENU velocity: ``jax.jvp`` of the ENU position, so $\dot d = s\cdot\dot s/|s|$.

    Args:
        orbit: one satellite or S satellites (``orbits.circular_orbit``, ``orbits.walker_delta``).
        point: one ground point (scalar fields, ``orbits.ground_point``).
        t_s: ``[T]`` times since the epoch [s] (1-D, finite).
        rotation: ``orbits.earth_rotation`` of the epoch.
        carrier_hz: carrier [Hz] (host number; S band 1.9-4 GHz or Ka band 17.7-40 GHz).
        environment: TR 38.811 environment (``ntn.ENVIRONMENTS``).
        min_elevation_rad: visibility mask in [0, pi/2] rad.
        hysteresis_rad: handover margin [rad], >= 0.
        j2: secular J2 drift of the orbits.
        interpolation: ``"linear"`` (smooth, for gradients) or ``"nearest"`` between table rows.

    Returns:
        ``PassGeometry`` (fields ``[T]``, positions/velocities ``[T, 3]``; NaN where no
        satellite is visible).
    """
    band = ntn.band_of_frequency(carrier_hz)
    check_choice("environment", environment, ntn.ENVIRONMENTS)
    check_choice("interpolation", interpolation, ntn.INTERPOLATIONS)
    if not (is_concrete(min_elevation_rad) and 0.0 <= float(min_elevation_rad) <= np.pi / 2):
        raise ValueError(f"min_elevation_rad must be a number in [0, pi/2] rad, got {min_elevation_rad!r}")
    t = jnp.asarray(t_s)
    if t.ndim != 1 or t.shape[0] < 1:
        raise ValueError(f"t_s must be a 1-D array of times [T >= 1] in seconds, got shape {t.shape}")
    check_finite("t_s", t)
    if any(jnp.ndim(x) != 0 for x in point):
        raise ValueError(f"point must be one ground point (scalar fields), got shapes {[jnp.shape(x) for x in point]}")
    orbit = _as_orbits(orbit)
    t = t.astype(jnp.result_type(orbit.semi_major_axis_m, float))
    elevation = orbits.link_geometry_grid(orbit, orbits.GroundPoint(*(jnp.atleast_1d(x) for x in point)), t,
                                          rotation, j2).elevation_rad[:, :, 0]
    serving = orbits.serving_satellite(elevation, min_elevation_rad, hysteresis_rad)
    return _pass_geometry(orbit, point, t, rotation, serving, float(carrier_hz), band, environment, j2, interpolation)


@partial(jax.jit, static_argnums=(5, 6, 7, 8, 9))
def _pass_geometry(orbit, point, t, rotation, serving, carrier_hz, band, environment, j2, interpolation):
    visible = serving >= 0

    def one(index, tt):
        sat = jax.tree.map(lambda x: x[jnp.maximum(index, 0)], orbit)
        geo = orbits.link_geometry(sat, point, tt, rotation, j2)
        position, velocity = jax.jvp(lambda s: _enu_m(sat, point, rotation, j2, s), (tt,), (jnp.ones_like(tt),))
        return geo, position, velocity, sat.semi_major_axis_m - orbits.WGS84_A_M

    geo, position, velocity, altitude = jax.vmap(one)(serving, t)
    elevation = jnp.clip(geo.elevation_rad, 0.0, jnp.pi / 2)          # masked below; keeps ntn's tables defined
    loss = [ntn.path_loss_db(altitude, elevation, carrier_hz, jnp.full(t.shape, los), environment,
                             interpolation=interpolation, slant_range=geo.slant_range_m) for los in (True, False)]

    def masked(x):
        return jnp.where(visible.reshape(visible.shape + (1,) * (x.ndim - 1)), x, jnp.nan)

    return PassGeometry(
        t_s=t, serving=serving, elevation_rad=masked(geo.elevation_rad), azimuth_rad=masked(geo.azimuth_rad),
        slant_range_m=masked(geo.slant_range_m), range_rate_m_s=masked(geo.range_rate_m_s),
        doppler_hz=masked(orbits.doppler_shift_hz(geo.range_rate_m_s, carrier_hz)),
        position_enu_m=masked(position), velocity_enu_m_s=masked(velocity),
        los_probability=masked(ntn.los_probability(elevation, environment, interpolation)),
        path_loss_los_db=masked(loss[0]), path_loss_nlos_db=masked(loss[1]))


# ------------------------------------------------------------------------ the systems' hooks


def uplink_satellite_position_m(geometry: PassGeometry, area_side_m: Float[ArrayLike, ""]) -> Float[Array, "*T 3"]:
    """System A's ``sat_position_m`` per step: the ENU position of the satellite with the ground
    point at the centre of A's square area (A's frame: x east, y north, z up, area
    ``[0, side]^2``), so elevation, azimuth and slant range at the centre are the pass's.

    Args:
        geometry: a ``PassGeometry`` (or one step of it).
        area_side_m: ``UplinkParams.area_side_m`` [m].

    Returns:
        ``[T, 3]`` (or ``[3]``) positions [m]; NaN where no satellite is visible.
    """
    position = geometry.position_enu_m
    centre = jnp.stack([area_side_m / 2, area_side_m / 2, jnp.zeros_like(area_side_m)]).astype(position.dtype)
    return position + jnp.broadcast_to(centre, position.shape)


def _uplink_fields(params: Params, geometry: PassGeometry) -> dict[str, Array]:
    return {"sat_position_m": uplink_satellite_position_m(geometry, params.area_side_m)}


def downlink_at_step(scenario: Any, params: Params, step: PassGeometry) -> Any:
    r"""One drop of system B re-pointed to the satellite of one pass step.

    B's sampler puts the satellite at the zenith of the footprint centre (the ENU origin) by
    default. Here it sits at ``step.position_enu_m`` (the UPA kept parallel to the ground, axes
    east/north) with ``step.velocity_enu_m_s``, and ``satjax.downlink.repoint_satellite`` updates
    the geometry-dependent fields: array responses $v_k$ (eq. (2)), channel powers
    $\gamma_k$ and path amplitudes scaled by the free-space ratio to the snapshot, minimum delays
    $d_k/c$ and satellite Dopplers $-f_c\dot d_k/c$. The receiver noise stays the snapshot's
    (the receiver does not change along a pass).

    Args:
        scenario: a ``satjax.downlink.DownlinkScenario`` drawn with ``params``.
        params: its ``DownlinkParams`` (array size, carrier, gains).
        step: one step of a ``PassGeometry`` (scalar fields, ``[3]`` position/velocity).

    Returns:
        The ``DownlinkScenario`` at that step (same users, paths, noise and budget).
    """
    return repoint_satellite(scenario, params, step.position_enu_m, step.velocity_enu_m_s)


def _mean_signal_loss_db(los_probability, loss_los_db, loss_nlos_db):
    """The loss of the mean received power over the LoS state [dB] (one formula for both callers)."""
    gain = los_probability * db_to_lin(-loss_los_db) + (1 - los_probability) * db_to_lin(-loss_nlos_db)
    return -10 * jnp.log10(gain)


def satellite_signal_loss_db(geometry: PassGeometry) -> Float[Array, "*T"]:
    r"""Loss of the serving satellite's signal at a ground user per step, averaged in power over
    the TR 38.811 LoS state:

    $$
    L = -10\log_{10}\bigl(p_{LoS}\,10^{-PL_{LoS}/10} + (1 - p_{LoS})\,10^{-PL_{NLoS}/10}\bigr)
    $$

    with $p_{LoS}$ (Table 6.6.1-1) and $PL$ (§6.6.2, median shadowing) of ``geometry``.

    Args:
        geometry: a ``PassGeometry`` (or one step of it).

    Returns:
        ``[T]`` (or ``[]``) loss [dB]; NaN where no satellite is visible.
    """
    return _mean_signal_loss_db(geometry.los_probability, geometry.path_loss_los_db, geometry.path_loss_nlos_db)


def snapshot_signal_loss_db(altitude_m: Float[ArrayLike, "..."], elevation_rad: Float[ArrayLike, "..."],
                            carrier_hz: float, environment: str, *, slant_range_m: Float[ArrayLike, "..."] | None = None,
                            interpolation: str = "linear") -> Float[Array, "..."]:
    """``satellite_signal_loss_db`` of a satellite seen at a fixed elevation (a snapshot), from
    TR 38.811 directly: the reference of ``uav_at_step``'s threshold.

    Args:
        altitude_m: satellite altitude [m], >= 0.
        elevation_rad: elevation in [0, pi/2] rad.
        carrier_hz: carrier [Hz] (host number; S or Ka band, ``ntn.band_of_frequency``).
        environment: TR 38.811 environment (``ntn.ENVIRONMENTS``).
        slant_range_m: distance [m]; default TR 38.811's spherical-Earth slant range (eq. 6.6-3).
        interpolation: ``"linear"`` (as ``pass_geometry``) or ``"nearest"`` between table rows.

    Returns:
        Loss [dB], the broadcast shape of the inputs.
    """
    elevation = jnp.asarray(elevation_rad)
    if is_concrete(elevation) and not np.all((np.asarray(elevation) >= 0) & (np.asarray(elevation) <= np.pi / 2)):
        raise ValueError(f"elevation_rad must be in [0, pi/2] rad, got {np.asarray(elevation)!r}")
    loss = [ntn.path_loss_db(altitude_m, elevation, carrier_hz, jnp.full(elevation.shape, los), environment,
                             interpolation=interpolation, slant_range=slant_range_m) for los in (True, False)]
    return _mean_signal_loss_db(ntn.los_probability(elevation, environment, interpolation), *loss)


def uav_at_step(scenario: Any, params: Params, step: PassGeometry, reference_loss_db: float | None = None) -> Any:
    r"""One drop of system C at one pass step.

    C's satellite appears only through its users (paper C ignores its interference into the UAV
    users, and the UAV -> satellite-user gains $\phi$ are terrestrial links). At each step:

    * the occupancy $y_{g,m,n}$ is kept while a satellite is visible above the mask and cleared
      otherwise (no satellite: nothing to receive, nothing to protect);
    * with ``reference_loss_db`` (a number, dB), the interference threshold of (14b) follows the
      satellite's signal at the satellite users, i.e. a fixed signal-to-interference protection:
      $I_{th}(t) = I_{th}\,10^{(L_{ref} - L(t))/10}$ with $L(t)$ = ``satellite_signal_loss_db``
      of the step (the ground point's geometry, shared by all satellite users) and $I_{th}$ the
      drop's threshold, which holds where $L(t) = L_{ref}$ (e.g. ``snapshot_signal_loss_db`` at
      the zenith). Without it (``None``), $I_{th}$ stays the drop's (an interference-to-noise
      criterion). Where no satellite is visible the threshold is the drop's (``y`` = 0 there, so
      it constrains nothing).

    Everything else (positions, $\lambda$, $\phi$, limits) is the drop's.

    Args:
        scenario: a ``satjax.uav.UavScenario``.
        params: its ``UavParams`` (unused; the hooks share one signature).
        step: one step of a ``PassGeometry``.
        reference_loss_db: loss [dB] of the satellite signal at which the drop's threshold holds,
            or ``None`` for a threshold fixed over the pass.

    Returns:
        The ``UavScenario`` at that step.
    """
    del params
    visible = step.visible
    scenario = eqx.tree_at(lambda s: s.y, scenario, scenario.y * visible.astype(scenario.y.dtype))
    if reference_loss_db is None:
        return scenario
    if is_concrete(reference_loss_db) and not (np.ndim(reference_loss_db) == 0 and np.isfinite(reference_loss_db)):
        raise ValueError(f"reference_loss_db must be a finite number [dB] or None, got {reference_loss_db!r}")
    i_th = scenario.interference_threshold_w
    reference = jnp.asarray(reference_loss_db, i_th.dtype)
    loss = jnp.where(visible, satellite_signal_loss_db(step).astype(i_th.dtype), reference)   # no NaN in the where
    return eqx.tree_at(lambda s: s.interference_threshold_w, scenario, i_th * db_to_lin(reference - loss))


#: How each system takes a pass: ``(fields, at_step)`` — ``fields(params, geometry)`` gives the
#: physical fields of its Params per step (``[T, ...]``), ``at_step(scenario, params, step,
#: **step_options)``
#: rewrites a drawn scenario for one step. ``None`` where a system needs none.
PASS_ADAPTERS: dict[str, tuple[Callable | None, Callable | None]] = {
    "uplink": (_uplink_fields, None),
    "downlink": (None, downlink_at_step),
    "uav": (None, uav_at_step),
}


def scenarios_over_pass(system: Any, key: PRNGKeyArray, params: Params, geometry: PassGeometry,
                        step_options: Mapping[str, Any] | None = None) -> Any:
    """A system's drop at every step of a pass, in one ``vmap`` over time.

    At each step: the system's Params with the pass's fields (``PASS_ADAPTERS``), one drop with
    ``key`` (the same users, shadowing and paths at every step: only the satellite moves), then the
    step's rewrite of the drop.

    Args:
        system: a ``satjax.systems.System`` or its name (``"uplink"``, ``"downlink"``, ``"uav"``).
        key: PRNG key of the drop.
        params: the system's Params.
        geometry: ``pass_geometry``'s output (``[T]``).
        step_options: keyword arguments of the system's step rewrite, the same at every step (e.g.
            ``{"reference_loss_db": ...}`` for ``uav_at_step``); ``None`` for its defaults.

    Returns:
        The system's scenario with a leading axis ``[T]`` on every array leaf (NaN geometry where
        no satellite is visible, for systems A and B).
    """
    system = _resolve(system, params, geometry)
    fields_of, at_step = PASS_ADAPTERS[system.name]
    fields = {} if fields_of is None else fields_of(params, geometry)
    options = dict(step_options or {})
    accepted = set(inspect.signature(at_step).parameters) - {"scenario", "params", "step"} if at_step else set()
    if set(options) - accepted:
        raise ValueError(f"step_options for system {system.name!r} may hold {sorted(accepted)}, got {sorted(options)}")

    def one(values, step):
        p = params.replace(**values) if values else params
        scenario = system.sample(key, p)
        return scenario if at_step is None else at_step(scenario, p, step, **options)

    return jax.vmap(one)(fields, geometry)


def _resolve(system, params, geometry):
    from satjax.systems import get_system

    system = get_system(system) if isinstance(system, str) else system
    if system.name not in PASS_ADAPTERS:
        raise ValueError(f"system must be one of {sorted(PASS_ADAPTERS)} (systems with a pass adapter), got {system.name!r}")
    if not isinstance(params, system.params_class):
        raise ValueError(f"params must be a {system.params_class.__name__} for system {system.name!r}, "
                         f"got {type(params).__name__}")
    if not isinstance(geometry, PassGeometry):
        raise ValueError(f"geometry must be a satjax.passes.PassGeometry, got {type(geometry).__name__}")
    return system


def metric_over_pass(system: Any, policy: Any, key: PRNGKeyArray, params: Params, geometry: PassGeometry,
                     metric: str | None = None, step_options: Mapping[str, Any] | None = None) -> Float[Array, " T"]:
    """A system's metric at every step of a pass: ``system.task(params).score(policy,
    system.example(drop), fold_in(key, POLICY_KEY_TAG))`` on each of ``scenarios_over_pass``'s
    drops (one ``vmap``; the same policy key at every step, as the same drop).

    Args:
        system: a ``satjax.systems.System`` or its name (``"uplink"``, ``"downlink"``, ``"uav"``).
        policy: a policy of the system (``system.policy(name)`` or a trained model).
        key: PRNG key of the drop; the policy's is ``fold_in(key, POLICY_KEY_TAG)``.
        params: the system's Params.
        geometry: ``pass_geometry``'s output (``[T]``).
        metric: key of the score dict; default the system's headline metric.
        step_options: as in ``scenarios_over_pass``.

    Returns:
        ``[T]`` metric values (``system.metric.unit`` for the headline metric); NaN where no
        satellite is visible for systems A and B.
    """
    system = _resolve(system, params, geometry)
    name = system.metric.name if metric is None else metric
    task = system.task(params)
    scenarios = scenarios_over_pass(system, key, params, geometry, step_options)
    policy_key = jax.random.fold_in(key, POLICY_KEY_TAG)
    return jax.vmap(lambda s: task.score(policy, system.example(s), policy_key)[name])(scenarios)
