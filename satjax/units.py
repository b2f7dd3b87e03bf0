"""Conversions between dB and linear scale, and thermal noise.

satjax computes in linear SI units (W, Hz, m); dB appears only at the edges (configs, reports).
"""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import ArrayLike, Float
from satjax.constants import BOLTZMANN_J_K, REFERENCE_TEMPERATURE_K

__all__ = ["db_to_lin", "lin_to_db", "dbm_to_watt", "watt_to_dbm", "thermal_noise_w"]


def db_to_lin(x_db):
    """10^(x/10): a power ratio in dB to linear scale."""
    return 10.0 ** (jnp.asarray(x_db) / 10.0)


def lin_to_db(x):
    """10 log10(x): a linear power ratio to dB."""
    return 10.0 * jnp.log10(jnp.asarray(x))


def dbm_to_watt(x_dbm):
    """Power in dBm to W."""
    return db_to_lin(x_dbm) * 1e-3


def watt_to_dbm(x_w):
    """Power in W to dBm."""
    return lin_to_db(x_w) + 30.0


def thermal_noise_w(bandwidth_hz: Float[ArrayLike, ""], noise_figure_db: Float[ArrayLike, ""],
                    temperature_k: Float[ArrayLike, ""] = REFERENCE_TEMPERATURE_K) -> Float[ArrayLike, ""]:
    """Thermal noise power k_B T B F in W (-174 dBm/Hz at 290 K, plus the noise figure)."""
    return BOLTZMANN_J_K * temperature_k * bandwidth_hz * db_to_lin(noise_figure_db)
