"""Large-scale fading formulas of paper A, Sec. VI (gains included, shadowing added separately).

Both formulas use the distance in metres with reference distance ``d0 = 1 m`` and the carrier
in GHz. This is the unit convention under which the satellite formula is exactly free-space
path loss (``32.45 + 20 log10 f[GHz] + 20 log10 d[m]``); the paper does not state units
(docs/deviations.md, "Units of the large-scale fading formulas").
"""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import ArrayLike, Float

__all__ = ["ground_large_scale_db", "satellite_large_scale_db"]


def ground_large_scale_db(distance_m: Float[ArrayLike, "..."], carrier_hz: Float[ArrayLike, ""], gain_ap_dbi: Float[ArrayLike, ""], gain_user_dbi: Float[ArrayLike, ""],
                          d0_m: Float[ArrayLike, ""] = 1.0) -> Float[ArrayLike, "..."]:
    r"""AP-user large-scale fading without shadowing [dB], paper A Sec. VI.

    $$
    \beta_{mk} = G_m + G_k - 8.5 - 38.63\log_{10}(d_{mk}/d_0) - 20\log_{10} f_c
    $$
    """
    f_ghz = carrier_hz / 1e9
    return gain_ap_dbi + gain_user_dbi - 8.5 - 38.63 * jnp.log10(distance_m / d0_m) - 20.0 * jnp.log10(f_ghz)


def satellite_large_scale_db(distance_m: Float[ArrayLike, "..."], carrier_hz: Float[ArrayLike, ""], gain_sat_dbi: Float[ArrayLike, ""], gain_user_dbi: Float[ArrayLike, ""],
                             d0_m: Float[ArrayLike, ""] = 1.0) -> Float[ArrayLike, "..."]:
    r"""Satellite-user large-scale fading without shadowing [dB], paper A Sec. VI.

    $$
    \beta_k = G_k + G - 32.45 - 20\log_{10}(d_k/d_0) - 20\log_{10} f_c
    $$
    """
    f_ghz = carrier_hz / 1e9
    return gain_user_dbi + gain_sat_dbi - 32.45 - 20.0 * jnp.log10(distance_m / d0_m) - 20.0 * jnp.log10(f_ghz)
