"""System A in PyTorch, batched, as a researcher would write it without satjax: the closed-form
SINR of Theorem 1 (corrected, space+ground, MRC) and Algorithm 1 (WMMSE form of eqs. (36)-(42)).

Every function takes a leading batch axis (``beta_ap [B, M, K]``, ``g_bar [B, K, N]``, ``r_sat
[B, K, N, N]``, ``pilot [B, K]``, powers ``[B, K]``) and assumes all users and APs are real (no
padding). Checked against satjax in tests/benchmarks/test_reference.py; timed in
benchmarks/suites/.
"""

from __future__ import annotations

import math

import torch


def _t(x):
    return x.transpose(-1, -2)


def closed_form_terms(beta_ap, g_bar, r_sat, pilot, *, pilot_power, tau_p, noise_ap, noise_sat):
    """E z [B, K, K] (complex), Var z [B, K, K] and the noise term [B, K] of eq. (20)."""
    n = g_bar.shape[-1]
    ptau = pilot_power * tau_p
    s = (pilot[..., :, None] == pilot[..., None, :]).to(beta_ap.dtype)
    c = math.sqrt(ptau) * beta_ap / (ptau * beta_ap @ s + noise_ap)
    gamma = math.sqrt(ptau) * beta_ap * c
    # one received-pilot covariance per pilot, inverted once (users sharing a pilot share it)
    onehot = torch.nn.functional.one_hot(pilot.long(), tau_p).to(r_sat.dtype)                  # [..., K, P]
    q = ptau * torch.einsum("...kp,...kij->...pij", onehot, r_sat) + noise_sat * torch.eye(n, dtype=r_sat.dtype, device=r_sat.device)
    phi_r = torch.take_along_dim(torch.linalg.inv(q), pilot.long()[..., :, None, None], dim=-3) @ r_sat
    psi = ptau * r_sat @ phi_r
    g_h = g_bar.conj()
    mean_z = g_h @ _t(g_bar) + s * (ptau * torch.einsum("...lij,...kji->...kl", r_sat, phi_r)
                                   + math.sqrt(ptau) * _t(c) @ beta_ap)
    var_z = torch.real(
        torch.einsum("...ki,...lij,...kj->...kl", g_h, r_sat, g_bar)
        + torch.einsum("...li,...kij,...lj->...kl", g_h, psi, g_bar)
        + torch.einsum("...kij,...lji->...kl", psi, r_sat)
    ) + _t(gamma) @ beta_ap
    trace_psi = torch.real(torch.diagonal(psi, dim1=-2, dim2=-1).sum(-1))
    noise = noise_sat * ((g_bar.abs() ** 2).sum(-1) + trace_psi) + noise_ap * gamma.sum(-2)
    return mean_z, var_z, noise


def siso_terms(beta_ap, g_bar, r_sat, pilot, **scalars):
    """a [B, K] (gain), B [B, K, K] (interference incl. beamforming uncertainty), n [B, K] of eq. (30)."""
    mean_z, var_z, noise = closed_form_terms(beta_ap, g_bar, r_sat, pilot, **scalars)
    m2 = mean_z.abs() ** 2
    own = torch.diagonal(m2, dim1=-2, dim2=-1)
    return torch.real(torch.diagonal(mean_z, dim1=-2, dim2=-1)), var_z + m2 - torch.diag_embed(own), noise


def sinr_from_siso(a, b, noise, rho):
    """rho_k a_k^2 / (sum_k' B_kk' rho_k' + n_k), batched."""
    return rho * a**2 / ((b @ rho[..., None])[..., 0] + noise)


def closed_form_sinr(beta_ap, g_bar, r_sat, pilot, rho, **scalars):
    """Space+ground SINR [B, K]."""
    return sinr_from_siso(*siso_terms(beta_ap, g_bar, r_sat, pilot, **scalars), rho)


def algorithm1(beta_ap, g_bar, r_sat, pilot, p_max, *, pilot_power, tau_p, noise_ap, noise_sat, tol=1e-6,
               max_iters=1000):
    """Algorithm 1 from full power on a batch, each scenario frozen once its sum rate changes by at
    most ``tol`` (relative); the loop ends when all have. Works in AP-noise units like satjax.
    Returns (rho [B, K], iterations [B])."""
    s = noise_ap
    a, b, noise = siso_terms(beta_ap / s, g_bar / math.sqrt(s), r_sat / s, pilot, pilot_power=pilot_power, tau_p=tau_p,
                             noise_ap=1.0, noise_sat=noise_sat / s)
    sqrt_p = torch.sqrt(p_max)

    def sum_se(rt):
        return (torch.log1p(sinr_from_siso(a, b, noise, rt**2)) / math.log(2)).sum(-1)

    rt = sqrt_p.clone()
    f = sum_se(rt)
    active = torch.ones(f.shape, dtype=torch.bool, device=f.device)
    iters = torch.zeros(f.shape, dtype=torch.int64, device=f.device)
    for _ in range(max_iters):
        delta = (b @ (rt**2)[..., None])[..., 0] + noise
        v = rt * a / (rt**2 * a**2 + delta)
        alpha = 1 / ((rt * v * a - 1) ** 2 + v**2 * delta)
        w = alpha * v**2
        new = torch.minimum(torch.clamp(a * alpha * v / (w * a**2 + (_t(b) @ w[..., None])[..., 0]), min=0), sqrt_p)
        rt = torch.where(active[..., None], new, rt)
        f, prev = sum_se(rt), f
        iters += active
        active &= ~((f - prev).abs() <= tol * prev.abs())
        if not bool(active.any()):
            break
    return rt**2, iters
