"""Propagation: large-scale fading formulas, shadowing models and NTN fast fading (``tdl``)."""

from satjax.propagation import itu_r, ntn, tdl
from satjax.propagation.pathloss import ground_large_scale_db, satellite_large_scale_db
from satjax.propagation.shadowing import (
    TR38811_ELEVATIONS_DEG,
    TR38811_LOS_SIGMA_SF_DB,
    sample_shadowing_db,
    satellite_shadowing_std_db,
)

__all__ = [
    "TR38811_ELEVATIONS_DEG",
    "TR38811_LOS_SIGMA_SF_DB",
    "ground_large_scale_db",
    "itu_r",
    "ntn",
    "sample_shadowing_db",
    "satellite_large_scale_db",
    "satellite_shadowing_std_db",
    "tdl",
]
