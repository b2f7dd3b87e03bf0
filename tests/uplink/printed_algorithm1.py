"""Paper A's printed (LaTeX) eqs. (37) and (42), transcribed term by term with explicit loops.

Independent of satjax's implementation (only NumPy and Lemma 1's formulas): the tests check
that the library's SISO quantities equal these printed forms.
"""

from __future__ import annotations

import numpy as np


def lemma1(beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat):
    """Phi_k [K, N, N], c_mk and gamma_mk [M, K] of Lemma 1 (eqs. (7), (8) with sigma_a, (10))."""
    m, k = beta.shape
    n = g_bar.shape[1]
    ptau = p * tau_p
    share = pilot[:, None] == pilot[None, :]
    phi = np.stack([np.linalg.inv(ptau * sum(r_sat[j] for j in range(k) if share[i, j]) + noise_sat * np.eye(n))
                    for i in range(k)])
    c = np.sqrt(ptau) * beta / (ptau * beta @ share.astype(float) + noise_ap)
    gamma = np.sqrt(ptau) * beta * c
    return phi, c, gamma, share


def printed_delta(rho, beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat):
    """delta_k of eq. (37) (LaTeX) at powers rho = rho_tilde**2."""
    phi, c, gamma, share = lemma1(beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat)
    m, k = beta.shape
    ptau = p * tau_p
    g, r = g_bar, r_sat
    h = lambda x: x.conj().T   # noqa: E731
    out = np.zeros(k)
    for i in range(k):
        d = 0.0
        for j in range(k):
            if j != i and share[i, j]:
                d += rho[j] * abs(h(g[i]) @ g[j] + ptau * np.trace(r[j] @ phi[i] @ r[i])
                                  + sum(c[a, j] / c[a, i] * gamma[a, i] for a in range(m))) ** 2
            if not share[i, j]:
                d += rho[j] * abs(h(g[i]) @ g[j]) ** 2
            d += rho[j] * ptau * np.real(h(g[j]) @ r[i] @ phi[i] @ r[i] @ g[j])
            d += rho[j] * np.real(h(g[i]) @ r[j] @ g[i])
            d += ptau * rho[j] * np.real(np.trace(r[j] @ r[i] @ phi[i] @ r[i]))
            d += rho[j] * sum(gamma[a, i] * beta[a, j] for a in range(m))
        d += noise_sat * np.linalg.norm(g[i]) ** 2 + ptau * noise_sat * np.real(np.trace(r[i] @ phi[i] @ r[i]))
        d += noise_ap * gamma[:, i].sum()
        out[i] = d
    return out


def printed_gain(beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat):
    """The SISO gain of eq. (30): ||g_k||^2 + p tau_p tr(R_k Phi_k R_k) + sum_m gamma_mk."""
    phi, _, gamma, _ = lemma1(beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat)
    k = beta.shape[1]
    return np.array([np.linalg.norm(g_bar[i]) ** 2 + p * tau_p * np.real(np.trace(r_sat[i] @ phi[i] @ r_sat[i]))
                     + gamma[:, i].sum() for i in range(k)])


def printed_t(v, alpha, beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat):
    """t_k of eq. (42) (LaTeX)."""
    phi, c, gamma, share = lemma1(beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat)
    a = printed_gain(beta, g_bar, r_sat, pilot, p, tau_p, noise_ap, noise_sat)
    m, k = beta.shape
    ptau = p * tau_p
    g, r = g_bar, r_sat
    h = lambda x: x.conj().T   # noqa: E731
    out = np.zeros(k)
    for i in range(k):
        t = alpha[i] * a[i] ** 2 * v[i] ** 2
        for j in range(k):             # j plays k''
            w = alpha[j] * v[j] ** 2
            t += w * (ptau * np.real(h(g[i]) @ r[j] @ phi[j] @ r[j] @ g[i]) + np.real(h(g[j]) @ r[i] @ g[j])
                      + ptau * np.real(np.trace(r[i] @ r[j] @ phi[j] @ r[j])) + sum(gamma[x, j] * beta[x, i] for x in range(m)))
            if not share[i, j]:
                t += w * abs(h(g[j]) @ g[i]) ** 2
            elif j != i:
                t += w * abs(h(g[j]) @ g[i] + ptau * np.trace(r[i] @ phi[j] @ r[j])
                             + sum(c[x, i] / c[x, j] * gamma[x, j] for x in range(m))) ** 2
        out[i] = t
    return out
