"""Geometry: node placement, angles to the satellite, UPA response and correlation."""

from satjax.geometry.angles import direction_cosines, elevation_azimuth
from satjax.geometry.arrays import upa_element_grid, upa_gaussian_correlation, upa_response
from satjax.geometry.placement import drop_uniform_square, pairwise_distance

__all__ = [
    "direction_cosines",
    "drop_uniform_square",
    "elevation_azimuth",
    "pairwise_distance",
    "upa_element_grid",
    "upa_gaussian_correlation",
    "upa_response",
]
