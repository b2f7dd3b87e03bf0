r"""ITU-R propagation models for system C (paper C, Sec. V): free-space loss (P.525) and gaseous
attenuation (P.676-12, Annex 2 approximate path method with the Annex 1 line-by-line specific
attenuations), written in JAX so they are differentiable in frequency, elevation and path length.

Units follow the Recommendations at the formula level (GHz, km, hPa, K, g/m^3) but every entry
point takes SI inputs (Hz, m, rad) and converts, like the rest of satjax:

* ``free_space_loss_db`` — P.525-4 eq. (1): $L_{bf} = 20\log_{10}(4\pi d f / c)$;
* ``specific_attenuation_db_per_km`` — P.676-12 Annex 1 eq. (1): $\gamma_o$ (oxygen
  lines + dry continuum, eqs. (2)-(8)) and $\gamma_w$ (water-vapour lines, eqs. (2)-(6),
  (9)), each $0.1820\, f\, N''(f)$ [dB/km];
* ``equivalent_heights_km`` — P.676-12 Annex 2 eqs. (30)-(38): $h_o$, $h_w$ [km];
* ``gaseous_attenuation_slant_db`` — Annex 2 eq. (29), Earth-space path, 5 < theta <= 90 deg;
* ``gaseous_attenuation_inclined_db`` — Annex 2 eqs. (31)-(33) (numbering of the 2019
  edition as ITU-Rpy cites it), path between altitudes $h_1 < h_2 \le 10$ km: the
  exponential-profile form for theta > 5 deg, the curved-Earth form (effective radius 8500 km,
  $F(x) = 1/(0.661x + 0.339\sqrt{x^2+5.51})$) for theta <= 5 deg;
* ``gaseous_attenuation_terrestrial_db`` — Annex 1 eq. (10): $(\gamma_o+\gamma_w) r$.

Agreement with ITU-Rpy (``itur`` 0.4.0, P.676-12) is measured in ``tests/propagation/test_itu_r.py``
and reported in docs/paper-c.md. Two differences from ``itur``'s inclined path are deliberate
(docs/deviations.md, D61): the meteorological inputs are the values *at the lower terminal* (we do
not rescale $\rho$ by ``exp(+h1/2)`` as ``itur`` does), and the equivalent heights take the
dry pressure $p$ (``itur`` passes $p + e$, so $e$ is counted twice in
$r_p$).

The line tables are P.676-12 Annex 1 Tables 1 (oxygen: f0 [GHz], a1..a6) and 2 (water vapour:
f0, b1..b6).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from satjax._types import ArrayLike, Float
from satjax.constants import SPEED_OF_LIGHT_M_S

__all__ = [
    "STANDARD_PRESSURE_HPA",
    "STANDARD_TEMPERATURE_K",
    "STANDARD_WATER_VAPOUR_G_M3",
    "free_space_loss_db",
    "specific_attenuation_db_per_km",
    "equivalent_heights_km",
    "gaseous_attenuation_slant_db",
    "gaseous_attenuation_inclined_db",
    "gaseous_attenuation_terrestrial_db",
]

#: Mean annual global reference atmosphere at the surface (P.835): 1013.25 hPa, 15 deg C, 7.5 g/m^3.
STANDARD_PRESSURE_HPA = 1013.25
STANDARD_TEMPERATURE_K = 288.15
STANDARD_WATER_VAPOUR_G_M3 = 7.5
#: Effective Earth radius of the curved-path formula [km] (P.676-12 Annex 2).
_EFFECTIVE_EARTH_RADIUS_KM = 8500.0

_OXYGEN_LINES = np.array([
    [50.474214, 0.975, 9.651, 6.69, 0.0, 2.566, 6.85],
    [50.987745, 2.529, 8.653, 7.17, 0.0, 2.246, 6.8],
    [51.50336, 6.193, 7.709, 7.64, 0.0, 1.947, 6.729],
    [52.021429, 14.32, 6.819, 8.11, 0.0, 1.667, 6.64],
    [52.542418, 31.24, 5.983, 8.58, 0.0, 1.388, 6.526],
    [53.066934, 64.29, 5.201, 9.06, 0.0, 1.349, 6.206],
    [53.595775, 124.6, 4.474, 9.55, 0.0, 2.227, 5.085],
    [54.130025, 227.3, 3.8, 9.96, 0.0, 3.17, 3.75],
    [54.67118, 389.7, 3.182, 10.37, 0.0, 3.558, 2.654],
    [55.221384, 627.1, 2.618, 10.89, 0.0, 2.56, 2.952],
    [55.783815, 945.3, 2.109, 11.34, 0.0, -1.172, 6.135],
    [56.264774, 543.4, 0.014, 17.03, 0.0, 3.525, -0.978],
    [56.363399, 1331.8, 1.654, 11.89, 0.0, -2.378, 6.547],
    [56.968211, 1746.6, 1.255, 12.23, 0.0, -3.545, 6.451],
    [57.612486, 2120.1, 0.91, 12.62, 0.0, -5.416, 6.056],
    [58.323877, 2363.7, 0.621, 12.95, 0.0, -1.932, 0.436],
    [58.446588, 1442.1, 0.083, 14.91, 0.0, 6.768, -1.273],
    [59.164204, 2379.9, 0.387, 13.53, 0.0, -6.561, 2.309],
    [59.590983, 2090.7, 0.207, 14.08, 0.0, 6.957, -0.776],
    [60.306056, 2103.4, 0.207, 14.15, 0.0, -6.395, 0.699],
    [60.434778, 2438.0, 0.386, 13.39, 0.0, 6.342, -2.825],
    [61.150562, 2479.5, 0.621, 12.92, 0.0, 1.014, -0.584],
    [61.800158, 2275.9, 0.91, 12.63, 0.0, 5.014, -6.619],
    [62.41122, 1915.4, 1.255, 12.17, 0.0, 3.029, -6.759],
    [62.486253, 1503.0, 0.083, 15.13, 0.0, -4.499, 0.844],
    [62.997984, 1490.2, 1.654, 11.74, 0.0, 1.856, -6.675],
    [63.568526, 1078.0, 2.108, 11.34, 0.0, 0.658, -6.139],
    [64.127775, 728.7, 2.617, 10.88, 0.0, -3.036, -2.895],
    [64.67891, 461.3, 3.181, 10.38, 0.0, -3.968, -2.59],
    [65.224078, 274.0, 3.8, 9.96, 0.0, -3.528, -3.68],
    [65.764779, 153.0, 4.473, 9.55, 0.0, -2.548, -5.002],
    [66.302096, 80.4, 5.2, 9.06, 0.0, -1.66, -6.091],
    [66.836834, 39.8, 5.982, 8.58, 0.0, -1.68, -6.393],
    [67.369601, 18.56, 6.818, 8.11, 0.0, -1.956, -6.475],
    [67.900868, 8.172, 7.708, 7.64, 0.0, -2.216, -6.545],
    [68.431006, 3.397, 8.652, 7.17, 0.0, -2.492, -6.6],
    [68.960312, 1.334, 9.65, 6.69, 0.0, -2.773, -6.65],
    [118.750334, 940.3, 0.01, 16.64, 0.0, -0.439, 0.079],
    [368.498246, 67.4, 0.048, 16.4, 0.0, 0.0, 0.0],
    [424.76302, 637.7, 0.044, 16.4, 0.0, 0.0, 0.0],
    [487.249273, 237.4, 0.049, 16.0, 0.0, 0.0, 0.0],
    [715.392902, 98.1, 0.145, 16.0, 0.0, 0.0, 0.0],
    [773.83949, 572.3, 0.141, 16.2, 0.0, 0.0, 0.0],
    [834.145546, 183.1, 0.145, 14.7, 0.0, 0.0, 0.0],
])
_WATER_VAPOUR_LINES = np.array([
    [22.23508, 0.1079, 2.144, 26.38, 0.76, 5.087, 1.0],
    [67.80396, 0.0011, 8.732, 28.58, 0.69, 4.93, 0.82],
    [119.99594, 0.0007, 8.353, 29.48, 0.7, 4.78, 0.79],
    [183.310087, 2.273, 0.668, 29.06, 0.77, 5.022, 0.85],
    [321.22563, 0.047, 6.179, 24.04, 0.67, 4.398, 0.54],
    [325.152888, 1.514, 1.541, 28.23, 0.64, 4.893, 0.74],
    [336.227764, 0.001, 9.825, 26.93, 0.69, 4.74, 0.61],
    [380.197353, 11.67, 1.048, 28.11, 0.54, 5.063, 0.89],
    [390.134508, 0.0045, 7.347, 21.52, 0.63, 4.81, 0.55],
    [437.346667, 0.0632, 5.048, 18.45, 0.6, 4.23, 0.48],
    [439.150807, 0.9098, 3.595, 20.07, 0.63, 4.483, 0.52],
    [443.018343, 0.192, 5.048, 15.55, 0.6, 5.083, 0.5],
    [448.001085, 10.41, 1.405, 25.64, 0.66, 5.028, 0.67],
    [470.888999, 0.3254, 3.597, 21.34, 0.66, 4.506, 0.65],
    [474.689092, 1.26, 2.379, 23.2, 0.65, 4.804, 0.64],
    [488.490108, 0.2529, 2.852, 25.86, 0.69, 5.201, 0.72],
    [503.568532, 0.0372, 6.731, 16.12, 0.61, 3.98, 0.43],
    [504.482692, 0.0124, 6.731, 16.12, 0.61, 4.01, 0.45],
    [547.67644, 0.9785, 0.158, 26.0, 0.7, 4.5, 1.0],
    [552.02096, 0.184, 0.158, 26.0, 0.7, 4.5, 1.0],
    [556.935985, 497.0, 0.159, 30.86, 0.69, 4.552, 1.0],
    [620.700807, 5.015, 2.391, 24.38, 0.71, 4.856, 0.68],
    [645.766085, 0.0067, 8.633, 18.0, 0.6, 4.0, 0.5],
    [658.00528, 0.2732, 7.816, 32.1, 0.69, 4.14, 1.0],
    [752.033113, 243.4, 0.396, 30.86, 0.68, 4.352, 0.84],
    [841.051732, 0.0134, 8.177, 15.9, 0.33, 5.76, 0.45],
    [859.965698, 0.1325, 8.055, 30.6, 0.68, 4.09, 0.84],
    [899.303175, 0.0547, 7.914, 29.85, 0.68, 4.53, 0.9],
    [902.611085, 0.0386, 8.429, 28.65, 0.7, 5.1, 0.95],
    [906.205957, 0.1836, 5.11, 24.08, 0.7, 4.7, 0.53],
    [916.171582, 8.4, 1.441, 26.73, 0.7, 5.15, 0.78],
    [923.112692, 0.0079, 10.293, 29.0, 0.7, 5.0, 0.8],
    [970.315022, 9.009, 1.919, 25.5, 0.64, 4.94, 0.67],
    [987.926764, 134.6, 0.257, 29.85, 0.68, 4.55, 0.9],
    [1780.0, 17506.0, 0.952, 196.3, 2.0, 24.15, 5.0],
])

#: Annex 2 eq. (33) t2 terms: (c_i, f_i [GHz]).
_H0_T2 = np.array([[0.1597, 118.750334], [0.1066, 368.498246], [0.1325, 424.763020], [0.1242, 487.249273],
                   [0.0938, 715.392902], [0.1448, 773.839490], [0.1374, 834.145546]])
#: Annex 2 Table 4: water-vapour equivalent-height lines (f_i [GHz], A_i, B_i).
_HW_LINES = np.array([[22.23508, 1.52, 2.56], [183.310087, 7.62, 10.2], [325.152888, 1.56, 2.7],
                      [380.197353, 4.15, 5.7], [439.150807, 0.2, 0.91], [448.001085, 1.63, 2.46],
                      [474.689092, 0.76, 2.22], [488.490108, 0.26, 2.49], [556.935985, 7.81, 10.0],
                      [620.70087, 1.25, 2.35], [752.033113, 16.2, 20.0], [916.171582, 1.47, 2.58],
                      [970.315022, 1.36, 2.44], [987.926764, 1.6, 1.86]])


def free_space_loss_db(distance_m: Float[ArrayLike, "..."], frequency_hz: Float[ArrayLike, "..."]) -> Float[ArrayLike, "..."]:
    r"""Free-space basic transmission loss [dB], ITU-R P.525-4 eq. (1).

    $$
    L_{bf} = 20\log_{10}\frac{4\pi d f}{c}
    \;(= 32.45 + 20\log_{10} f_{\rm MHz} + 20\log_{10} d_{\rm km})
    $$

    Shapes broadcast. Differentiable in both arguments."""
    distance_m, frequency_hz = jnp.asarray(distance_m), jnp.asarray(frequency_hz)
    return 20.0 * jnp.log10(4.0 * jnp.pi * distance_m * frequency_hz / SPEED_OF_LIGHT_M_S)


def _columns(table, f):
    """The columns of a line table, each shaped ``(1,) * f.ndim + (lines,)`` to broadcast against
    ``f[..., None]``."""
    t = jnp.asarray(table, jnp.result_type(f))
    return tuple(t[:, i].reshape((1,) * f.ndim + (-1,)) for i in range(t.shape[1]))


def _vapour_pressure_hpa(rho, t):
    """Water-vapour partial pressure e = rho T / 216.7 [hPa] (P.676-12 Annex 1 eq. (4))."""
    return rho * t / 216.7


def _gamma_oxygen(f, p, rho, t):
    """gamma_o [dB/km] at f [GHz] (array of any shape), dry pressure p [hPa], rho [g/m^3], T [K]."""
    theta = 300.0 / t
    e = _vapour_pressure_hpa(rho, t)
    f0, a1, a2, a3, a4, a5, a6 = _columns(_OXYGEN_LINES, f)
    fe = f[..., None]                                                                    # [..., lines]
    width = a3 * 1e-4 * (p * theta ** (0.8 - a4) + 1.1 * e * theta)                       # eq. (6a)
    width = jnp.sqrt(width**2 + 2.25e-6)                                                 # Zeeman, eq. (6b)
    delta = (a5 + a6 * theta) * 1e-4 * (p + e) * theta**0.8                               # eq. (7)
    shape = fe / f0 * ((width - delta * (f0 - fe)) / ((f0 - fe) ** 2 + width**2)
                       + (width - delta * (f0 + fe)) / ((f0 + fe) ** 2 + width**2))      # eq. (5)
    strength = a1 * 1e-7 * p * theta**3 * jnp.exp(a2 * (1.0 - theta))                    # eq. (3)
    d = 5.6e-4 * (p + e) * theta**0.8                                                    # eq. (9)
    dry = f * p * theta**2 * (6.14e-5 / (d * (1.0 + (f / d) ** 2))
                              + 1.4e-12 * p * theta**1.5 / (1.0 + 1.9e-5 * f**1.5))     # eq. (8)
    return 0.1820 * f * (jnp.sum(strength * shape, axis=-1) + dry)                        # eqs. (1)-(2)


def _gamma_water(f, p, rho, t):
    """gamma_w [dB/km], same conventions as ``_gamma_oxygen``."""
    theta = 300.0 / t
    e = _vapour_pressure_hpa(rho, t)
    f0, b1, b2, b3, b4, b5, b6 = _columns(_WATER_VAPOUR_LINES, f)
    fe = f[..., None]
    width = b3 * 1e-4 * (p * theta**b4 + b5 * e * theta**b6)                               # eq. (6a)
    width = 0.535 * width + jnp.sqrt(0.217 * width**2 + 2.1316e-12 * f0**2 / theta)       # Doppler, eq. (6b)
    shape = fe / f0 * (width / ((f0 - fe) ** 2 + width**2) + width / ((f0 + fe) ** 2 + width**2))  # eq. (5), delta = 0
    strength = b1 * 1e-1 * e * theta**3.5 * jnp.exp(b2 * (1.0 - theta))                    # eq. (3)
    return 0.1820 * f * jnp.sum(strength * shape, axis=-1)


def specific_attenuation_db_per_km(frequency_hz: Float[ArrayLike, "..."],
                                   pressure_hpa: Float[ArrayLike, ""] = STANDARD_PRESSURE_HPA,
                                   water_vapour_g_m3: Float[ArrayLike, ""] = STANDARD_WATER_VAPOUR_G_M3,
                                   temperature_k: Float[ArrayLike, ""] = STANDARD_TEMPERATURE_K):
    r"""Specific attenuations $(\gamma_o, \gamma_w)$ [dB/km], P.676-12 Annex 1 eqs. (1)-(9).

    ``pressure_hpa`` is the dry-air pressure $p$; the water-vapour partial pressure is
    $e = \rho T/216.7$. Returns two arrays of ``frequency_hz``'s shape."""
    f = jnp.asarray(frequency_hz) / 1e9
    return (_gamma_oxygen(f, pressure_hpa, water_vapour_g_m3, temperature_k),
            _gamma_water(f, pressure_hpa, water_vapour_g_m3, temperature_k))


def equivalent_heights_km(frequency_hz: Float[ArrayLike, "..."],
                          pressure_hpa: Float[ArrayLike, ""] = STANDARD_PRESSURE_HPA,
                          water_vapour_g_m3: Float[ArrayLike, ""] = STANDARD_WATER_VAPOUR_G_M3,
                          temperature_k: Float[ArrayLike, ""] = STANDARD_TEMPERATURE_K):
    r"""Equivalent heights $(h_o, h_w)$ [km] of dry air and water vapour, P.676-12 Annex 2
    eqs. (30)-(38), with $r_p = (p + e)/1013.25$; $h_o$ capped at
    $10.7\,r_p^{0.3}$ below 70 GHz."""
    f = jnp.asarray(frequency_hz) / 1e9
    p, rho, t = pressure_hpa, water_vapour_g_m3, temperature_k
    rp = (p + _vapour_pressure_hpa(rho, t)) / 1013.25
    t1 = 5.1040 / (1.0 + 0.066 * rp**-2.3) * jnp.exp(-(((f - 59.7) / (2.87 + 12.4 * jnp.exp(-7.9 * rp))) ** 2))
    c2, f2 = _columns(_H0_T2, f)
    t2 = jnp.sum(c2 * jnp.exp(2.12 * rp) / ((f[..., None] - f2) ** 2 + 0.025 * jnp.exp(2.2 * rp)), axis=-1)
    t3 = (0.0114 * f / (1.0 + 0.14 * rp**-2.6) * (15.02 * f**2 - 1353.0 * f + 5.333e4)
          / (f**3 - 151.3 * f**2 + 9629.0 * f - 6803.0))
    a = 0.7832 + 0.00709 * (t - 273.15)
    h_o = 6.1 * a / (1.0 + 0.17 * rp**-1.1) * (1.0 + t1 + t2 + t3)
    h_o = jnp.where(f < 70.0, jnp.minimum(h_o, 10.7 * rp**0.3), h_o)
    a_w = 1.9298 - 0.04166 * (t - 273.15) + 0.0517 * rho
    b_w = 1.1674 - 0.00622 * (t - 273.15) + 0.0063 * rho
    sigma_w = 1.013 / (1.0 + jnp.exp(-8.6 * (rp - 0.57)))
    fw, aw, bw = _columns(_HW_LINES, f)
    h_w = a_w + b_w * jnp.sum(aw * sigma_w / ((f[..., None] - fw) ** 2 + bw * sigma_w), axis=-1)
    return h_o, h_w


def gaseous_attenuation_slant_db(frequency_hz: Float[ArrayLike, "..."], elevation_rad: Float[ArrayLike, "..."],
                                 pressure_hpa: Float[ArrayLike, ""] = STANDARD_PRESSURE_HPA,
                                 water_vapour_g_m3: Float[ArrayLike, ""] = STANDARD_WATER_VAPOUR_G_M3,
                                 temperature_k: Float[ArrayLike, ""] = STANDARD_TEMPERATURE_K) -> Float[ArrayLike, "..."]:
    r"""Earth-space gaseous attenuation [dB], P.676-12 Annex 2 eq. (29), valid for
    5 deg < theta <= 90 deg: $A = (\gamma_o h_o + \gamma_w h_w)/\sin\theta$. Shapes broadcast."""
    frequency_hz, elevation_rad = jnp.broadcast_arrays(jnp.asarray(frequency_hz), jnp.asarray(elevation_rad))
    g_o, g_w = specific_attenuation_db_per_km(frequency_hz, pressure_hpa, water_vapour_g_m3, temperature_k)
    h_o, h_w = equivalent_heights_km(frequency_hz, pressure_hpa, water_vapour_g_m3, temperature_k)
    return (g_o * h_o + g_w * h_w) / jnp.sin(elevation_rad)


def gaseous_attenuation_inclined_db(frequency_hz: Float[ArrayLike, "..."], elevation_rad: Float[ArrayLike, "..."],
                                    h1_m: Float[ArrayLike, "..."], h2_m: Float[ArrayLike, "..."],
                                    pressure_hpa: Float[ArrayLike, ""] = STANDARD_PRESSURE_HPA,
                                    water_vapour_g_m3: Float[ArrayLike, ""] = STANDARD_WATER_VAPOUR_G_M3,
                                    temperature_k: Float[ArrayLike, ""] = STANDARD_TEMPERATURE_K) -> Float[ArrayLike, "..."]:
    r"""Gaseous attenuation [dB] of an inclined path between altitudes $h_1 < h_2 \le 10$ km
    (elevation $\theta$ seen from $h_1$), P.676-12 Annex 2. Meteorological inputs are
    the values at $h_1$.

    For $\theta > 5^\circ$:

    $$
    A = \frac{\gamma_o h_o (e^{-h_1/h_o} - e^{-h_2/h_o})
    + \gamma_w h_w (e^{-h_1/h_w} - e^{-h_2/h_w})}{\sin\theta}
    $$

    For $\theta \le 5^\circ$ the curved-Earth form with $R_e$ = 8500 km,
    $\theta_2 = \arccos(\frac{R_e+h_1}{R_e+h_2}\cos\theta)$,
    $x_i = \tan\theta_i\sqrt{(R_e+h_i)/h}$ and
    $A_h = \gamma h^{1/2}\big[\sqrt{R_e+h_1}F(x_1)e^{-h_1/h}/\cos\theta
    - \sqrt{R_e+h_2}F(x_2)e^{-h_2/h}/\cos\theta_2\big]$ summed over dry air and water vapour.

    Shapes broadcast; differentiable in frequency, elevation and both altitudes (the unused branch
    is evaluated at a safe elevation so its gradient is finite)."""
    f, el, h1, h2 = jnp.broadcast_arrays(jnp.asarray(frequency_hz), jnp.asarray(elevation_rad),
                                         jnp.asarray(h1_m) / 1e3, jnp.asarray(h2_m) / 1e3)
    g_o, g_w = specific_attenuation_db_per_km(f, pressure_hpa, water_vapour_g_m3, temperature_k)
    h_o, h_w = equivalent_heights_km(f, pressure_hpa, water_vapour_g_m3, temperature_k)
    five = jnp.deg2rad(5.0)
    steep = el > five
    el_hi = jnp.where(steep, el, jnp.pi / 2)                 # each branch sees a value where it is finite
    el_lo = jnp.where(steep, five, el)

    def layer(h):
        return h * (jnp.exp(-h1 / h) - jnp.exp(-h2 / h))

    a_steep = (g_o * layer(h_o) + g_w * layer(h_w)) / jnp.sin(el_hi)

    re = _EFFECTIVE_EARTH_RADIUS_KM
    el2 = jnp.arccos((re + h1) / (re + h2) * jnp.cos(el_lo))

    def curved(gamma, h):
        def term(hi, eli):
            x = jnp.tan(eli) * jnp.sqrt((re + hi) / h)
            big_f = 1.0 / (0.661 * x + 0.339 * jnp.sqrt(x**2 + 5.51))
            return jnp.sqrt(re + hi) * big_f * jnp.exp(-hi / h) / jnp.cos(eli)
        return gamma * jnp.sqrt(h) * (term(h1, el_lo) - term(h2, el2))

    a_curved = curved(g_o, h_o) + curved(g_w, h_w)
    return jnp.where(steep, a_steep, a_curved)


def gaseous_attenuation_terrestrial_db(frequency_hz: Float[ArrayLike, "..."], length_m: Float[ArrayLike, "..."],
                                       pressure_hpa: Float[ArrayLike, ""] = STANDARD_PRESSURE_HPA,
                                       water_vapour_g_m3: Float[ArrayLike, ""] = STANDARD_WATER_VAPOUR_G_M3,
                                       temperature_k: Float[ArrayLike, ""] = STANDARD_TEMPERATURE_K) -> Float[ArrayLike, "..."]:
    r"""Gaseous attenuation of a horizontal (terrestrial) path of length $r$ [dB],
    P.676-12 Annex 1 eq. (10): $A = (\gamma_o + \gamma_w)\, r$. Shapes broadcast."""
    f, r = jnp.broadcast_arrays(jnp.asarray(frequency_hz), jnp.asarray(length_m) / 1e3)
    g_o, g_w = specific_attenuation_db_per_km(f, pressure_hpa, water_vapour_g_m3, temperature_k)
    return (g_o + g_w) * r
