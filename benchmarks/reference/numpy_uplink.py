"""System-A closed-form SINR (Theorem 1, corrected) in vectorized NumPy, one scenario at a time.

Written the way a researcher would without satjax; used as a speed baseline and checked
against satjax in tests/benchmarks/test_reference.py.
"""

from __future__ import annotations

import numpy as np


def closed_form_sinr(beta_ap, g_bar, r_sat, pilot, rho, *, pilot_power, tau_p, noise_ap, noise_sat):
    """Space+ground SINR [K] for MRC, all users real (no padding)."""
    k, n = g_bar.shape
    ptau = pilot_power * tau_p
    s = (pilot[:, None] == pilot[None, :]).astype(float)
    denom = ptau * beta_ap @ s + noise_ap
    c = np.sqrt(ptau) * beta_ap / denom
    gamma = np.sqrt(ptau) * beta_ap * c
    q = ptau * np.einsum("kl,lij->kij", s, r_sat) + noise_sat * np.eye(n)[None]
    phi_r = np.linalg.solve(q, r_sat)
    psi = ptau * r_sat @ phi_r
    mean_z = g_bar.conj() @ g_bar.T + s * (ptau * np.einsum("lij,kji->kl", r_sat, phi_r) + np.sqrt(ptau) * c.T @ beta_ap)
    var_z = np.real(
        np.einsum("ki,lij,kj->kl", g_bar.conj(), r_sat, g_bar, optimize=True)
        + np.einsum("li,kij,lj->kl", g_bar.conj(), psi, g_bar, optimize=True)
        + np.einsum("kij,lji->kl", psi, r_sat, optimize=True)
    ) + gamma.T @ beta_ap
    noise = noise_sat * (np.sum(np.abs(g_bar) ** 2, -1) + np.real(np.trace(psi, axis1=1, axis2=2))) + noise_ap * gamma.sum(0)
    m2 = np.abs(mean_z) ** 2
    num = rho * np.diag(m2)
    den = var_z @ rho + (m2 - np.diag(np.diag(m2))) @ rho + noise
    return num / den
