"""System-A closed-form SINR (Theorem 1, corrected) in vectorized NumPy, one scenario at a time.

Written the way a researcher would without satjax; used as a speed baseline and checked
against satjax in tests/benchmarks/test_reference.py.
"""

from __future__ import annotations

import numpy as np


def closed_form_terms(beta_ap, g_bar, r_sat, pilot, *, pilot_power, tau_p, noise_ap, noise_sat):
    """E z [..., K, K], Var z [..., K, K] and the noise term [..., K] of eq. (20), space+ground,
    MRC. Any leading batch axes (``beta_ap [..., M, K]``, ``g_bar [..., K, N]``, ``r_sat
    [..., K, N, N]``, ``pilot [..., K]``)."""
    n = g_bar.shape[-1]
    ptau = pilot_power * tau_p
    s = (pilot[..., :, None] == pilot[..., None, :]).astype(beta_ap.dtype)
    denom = ptau * beta_ap @ s + noise_ap
    c = np.sqrt(ptau) * beta_ap / denom
    gamma = np.sqrt(ptau) * beta_ap * c
    # one received-pilot covariance per pilot, inverted once (users sharing a pilot share it)
    onehot = (pilot[..., :, None] == np.arange(tau_p)).astype(r_sat.dtype)                      # [..., K, P]
    q = ptau * np.einsum("...kp,...kij->...pij", onehot, r_sat) + noise_sat * np.eye(n, dtype=r_sat.dtype)
    phi_r = np.take_along_axis(np.linalg.inv(q), pilot[..., :, None, None], axis=-3) @ r_sat
    psi = ptau * r_sat @ phi_r
    g_h = g_bar.conj()
    t = lambda x: np.swapaxes(x, -1, -2)  # noqa: E731
    mean_z = g_h @ t(g_bar) + s * (ptau * np.einsum("...lij,...kji->...kl", r_sat, phi_r, optimize=True)
                                  + np.sqrt(ptau) * t(c) @ beta_ap)
    var_z = np.real(
        np.einsum("...ki,...lij,...kj->...kl", g_h, r_sat, g_bar, optimize=True)
        + np.einsum("...li,...kij,...lj->...kl", g_h, psi, g_bar, optimize=True)
        + np.einsum("...kij,...lji->...kl", psi, r_sat, optimize=True)
    ) + t(gamma) @ beta_ap
    noise = (noise_sat * (np.sum(np.abs(g_bar) ** 2, -1) + np.real(np.trace(psi, axis1=-2, axis2=-1)))
             + noise_ap * gamma.sum(-2))
    return mean_z, var_z, noise


def closed_form_sinr(beta_ap, g_bar, r_sat, pilot, rho, *, pilot_power, tau_p, noise_ap, noise_sat):
    """Space+ground SINR [..., K] for MRC, all users real (no padding); leading batch axes allowed."""
    mean_z, var_z, noise = closed_form_terms(beta_ap, g_bar, r_sat, pilot, pilot_power=pilot_power, tau_p=tau_p,
                                             noise_ap=noise_ap, noise_sat=noise_sat)
    m2 = np.abs(mean_z) ** 2
    own = np.diagonal(m2, axis1=-2, axis2=-1)
    leak = var_z + m2 - own[..., :, None] * np.eye(m2.shape[-1], dtype=m2.dtype)
    return rho * own / ((leak @ rho[..., None])[..., 0] + noise)


def algorithm1(beta_ap, g_bar, r_sat, pilot, p_max, *, pilot_power, tau_p, noise_ap, noise_sat, tol=1e-6, max_iters=1000):
    """Paper A, Algorithm 1 (WMMSE form of eqs. (36)-(42)) from full power; returns (rho, iterations).

    Works in AP-noise units like satjax (float64 does not need it, but the iterates then match).
    """
    s = noise_ap
    mean_z, var_z, noise = closed_form_terms(beta_ap / s, g_bar / np.sqrt(s), r_sat / s, pilot, pilot_power=pilot_power,
                                             tau_p=tau_p, noise_ap=1.0, noise_sat=noise_sat / s)
    a = np.real(np.diag(mean_z))
    m2 = np.abs(mean_z) ** 2
    b = var_z + m2 - np.diag(np.diag(m2))
    sqrt_p = np.sqrt(p_max)

    def sum_se(rt):
        rho = rt**2
        return np.sum(np.log1p(rho * a**2 / (b @ rho + noise))) / np.log(2)

    rt = sqrt_p.copy()
    f = sum_se(rt)
    for it in range(1, max_iters + 1):
        delta = b @ rt**2 + noise
        v = rt * a / (rt**2 * a**2 + delta)
        alpha = 1 / ((rt * v * a - 1) ** 2 + v**2 * delta)
        w = alpha * v**2
        rt = np.clip(a * alpha * v / (w * a**2 + b.T @ w), 0, sqrt_p)
        f, prev = sum_se(rt), f
        if abs(f - prev) <= tol * abs(prev):
            break
    return rt**2, it
