"""Shadow fading. Satellite: elevation-dependent standard deviation from 3GPP TR 38.811.

TR 38.811 (V15.4.0) Tables 6.6.2-1 (dense urban), 6.6.2-2 (urban) and 6.6.2-3 (suburban and
rural) give the S-band shadow-fading standard deviation of the line-of-sight state for
elevations 10, 20, ..., 90 deg. We interpolate linearly in elevation and hold the end values
outside [10, 90] deg.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax.propagation.ntn import _SF_CL_DB, NTN_ELEVATIONS_DEG

__all__ = ["TR38811_LOS_SIGMA_SF_DB", "TR38811_ELEVATIONS_DEG", "satellite_shadowing_std_db", "sample_shadowing_db"]

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
