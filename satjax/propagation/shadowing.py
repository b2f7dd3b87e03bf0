r"""Shadow fading. Satellite: elevation-dependent standard deviation from 3GPP TR 38.811.
Terrestrial: i.i.d. log-normal draws, or draws correlated in space by Gudmundson's exponential
model (M. Gudmundson, "Correlation model for shadow fading in mobile radio systems", Electron.
Lett. 27(23), 1991): two links from one transmitter to receivers a distance $\Delta d$ apart have
shadowing correlation $e^{-\Delta d / d_{cor}}$.

TR 38.811 (V15.4.0) Tables 6.6.2-1 (dense urban), 6.6.2-2 (urban) and 6.6.2-3 (suburban and
rural) give the S-band shadow-fading standard deviation of the line-of-sight state for
elevations 10, 20, ..., 90 deg. We interpolate linearly in elevation and hold the end values
outside [10, 90] deg.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_choice
from satjax._numerics import safe_sqrt
from satjax._types import ArrayLike, Float, PRNGKeyArray
from satjax.propagation.ntn import _SF_CL_DB, NTN_ELEVATIONS_DEG

__all__ = ["TR38811_LOS_SIGMA_SF_DB", "TR38811_ELEVATIONS_DEG", "satellite_shadowing_std_db", "sample_shadowing_db",
           "gudmundson_correlation", "sample_correlated_shadowing_db"]

#: Table rows [deg] (``ntn.NTN_ELEVATIONS_DEG``).
TR38811_ELEVATIONS_DEG = NTN_ELEVATIONS_DEG

#: S-band LOS shadow-fading sigma [dB] per environment, TR 38.811 Tables 6.6.2-1..3: the LoS
#: column of ``satjax.propagation.ntn``'s S-band tables (one copy of the TR's values).
TR38811_LOS_SIGMA_SF_DB = {env: _SF_CL_DB[(env, "S")][0] for env in ("dense_urban", "urban", "suburban")}


def satellite_shadowing_std_db(elevation_rad, environment: str = "dense_urban"):
    """Shadow-fading standard deviation [dB] of the satellite link at the given elevation."""
    check_choice("environment", environment, TR38811_LOS_SIGMA_SF_DB)
    elevation_deg = jnp.rad2deg(elevation_rad)
    table = jnp.asarray(TR38811_LOS_SIGMA_SF_DB[environment], elevation_deg.dtype)
    grid = jnp.asarray(TR38811_ELEVATIONS_DEG, elevation_deg.dtype)
    return jnp.interp(elevation_deg, grid, table)


def sample_shadowing_db(key, std_db, shape=None):
    """Zero-mean Gaussian shadowing in dB with standard deviation ``std_db`` (broadcast to ``shape``)."""
    std_db = jnp.asarray(std_db)
    shape = std_db.shape if shape is None else shape
    return std_db * jax.random.normal(key, shape, std_db.dtype)


#: Diagonal loading of the correlation matrix before its Cholesky factor, in units of
#: ``R * eps(dtype)`` for R receivers (D111): coincident receivers or a correlation distance far
#: above their spacing make the matrix singular, whose factor is NaN without it (measured: float32,
#: R = 2..200, a coincident pair, d_cor = 1 km .. inf: NaN at 0, finite from 1). 10 leaves a margin.
_JITTER_PER_RECEIVER_EPS = 10.0


def gudmundson_correlation(rx_pos: Float[ArrayLike, "... R D"], corr_distance_m: Float[ArrayLike, ""]
                           ) -> Float[ArrayLike, "... R R"]:
    r"""Gudmundson's exponential shadowing correlation $e^{-\lVert x_i - x_j\rVert / d_{cor}}$
    between the links of one transmitter to the receivers ``rx_pos`` (module docstring).

    Args:
        rx_pos: ``[..., R, D]`` receiver positions [m] (D coordinates, e.g. 3).
        corr_distance_m: ``[]`` decorrelation distance $d_{cor}$ [m] (> 0; may be traced).

    Returns:
        ``[..., R, R]`` correlation matrix (1 on the diagonal). Differentiable in both arguments,
        also for coincident receivers (their distance 0 has a zero gradient, not NaN).
    """
    diff = rx_pos[..., :, None, :] - rx_pos[..., None, :, :]
    dist = safe_sqrt(jnp.sum(diff * diff, axis=-1))                          # sqrt'(0) is inf: 0 instead
    return jnp.exp(-dist / corr_distance_m)


def sample_correlated_shadowing_db(key: PRNGKeyArray, std_db: Float[ArrayLike, ""],
                                   rx_pos: Float[ArrayLike, "... R D"], corr_distance_m: Float[ArrayLike, ""],
                                   shape: tuple[int, ...]) -> Float[ArrayLike, "... R"]:
    r"""Zero-mean Gaussian shadowing [dB] with standard deviation ``std_db``, correlated over the
    last axis (receivers) by ``gudmundson_correlation`` and independent over the leading axes:
    $X = \sigma\, C z$ with $C C^T = (R_{corr} + \delta I)/(1 + \delta)$, $z \sim \mathcal N(0, I)$.
    The loading $\delta = 10\,R\,\epsilon$ (``eps`` of the dtype: 1e-5 in float32 at R = 8, 2e-14
    in float64) keeps the factor finite for coincident receivers and lowers each correlation by
    the factor $1/(1+\delta)$; the variance stays exactly $\sigma^2$.

    Args:
        key: PRNG key.
        std_db: ``[]`` standard deviation $\sigma$ [dB] (its dtype is the draw's).
        rx_pos: ``[..., R, D]`` receiver positions [m], leading axes broadcast against
            ``shape[:-1]`` (one Cholesky factor per distinct set of receivers).
        corr_distance_m: ``[]`` decorrelation distance $d_{cor}$ [m] (> 0).
        shape: shape ``(..., R)`` of the draw.

    Returns:
        ``shape`` shadowing values [dB].
    """
    std_db = jnp.asarray(std_db)
    corr = gudmundson_correlation(jnp.asarray(rx_pos, std_db.dtype), jnp.asarray(corr_distance_m, std_db.dtype))
    r = corr.shape[-1]
    delta = _JITTER_PER_RECEIVER_EPS * r * np.finfo(std_db.dtype).eps
    loaded = (corr + delta * jnp.broadcast_to(jnp.eye(r, dtype=std_db.dtype), corr.shape)) / (1 + delta)
    factor = jnp.linalg.cholesky(loaded)
    factor = factor.reshape((1,) * (len(shape) + 1 - factor.ndim) + factor.shape)      # leading axes as the draw's
    z = jax.random.normal(key, shape, std_db.dtype)
    return std_db * jnp.einsum("...ij,...j->...i", factor, z)
