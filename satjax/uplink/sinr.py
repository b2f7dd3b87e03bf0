"""Effective SINR of system A with MRC: eq. (20) from its terms, and Theorem 1 in closed form."""

from __future__ import annotations

from typing import Literal

import equinox as eqx
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import Array, Complex, Float
from satjax.uplink.estimation import mmse_statistics
from satjax.uplink.statistics import ChannelStats, apply_masks, normalize

__all__ = ["LINKS", "Link", "SinrTerms", "sinr_from_terms", "closed_form_terms", "sinr_closed_form"]

Link = Literal["space_ground", "space", "ground"]
LINKS: tuple[str, ...] = ("space_ground", "space", "ground")


class SinrTerms(eqx.Module):
    r"""The expectations in eq. (20), for every pair of users.

    With :math:`z_{kk'} = \mathbf{u}_k^H\mathbf{g}_{k'} + \sum_m u_{mk}^* g_{mk'}` (eq. (17)):

    Attributes:
        mean_z: ``[K, K]`` complex :math:`\mathbb{E}\{z_{kk'}\}`.
        var_z: ``[K, K]`` real :math:`\mathbb{E}|z_{kk'}|^2 - |\mathbb{E}\{z_{kk'}\}|^2`.
        noise: ``[K]`` real :math:`\mathbb{E}|\mathbf{u}_k^H\mathbf{w}|^2 + \sum_m\mathbb{E}|u_{mk}^*w_m|^2`.

    Powers are in units of the AP noise (see :func:`satjax.uplink.statistics.normalize`).
    """

    mean_z: Complex[Array, "K K"]
    var_z: Float[Array, "K K"]
    noise: Float[Array, " K"]

    @property
    def second_moment(self) -> Float[Array, "K K"]:
        r""":math:`\mathbb{E}|z_{kk'}|^2`."""
        return self.var_z + _abs2(self.mean_z)


def _abs2(x):
    return jnp.real(x) ** 2 + jnp.imag(x) ** 2


def sinr_from_terms(terms: SinrTerms, rho: Float[Array, " K"]) -> Float[Array, " K"]:
    r"""Effective SINR of eq. (20) (use-and-then-forget bound) from its expectations.

    .. math::
        \mathrm{SINR}_k = \frac{\rho_k|\mathbb{E}z_{kk}|^2}
        {\sum_{k'}\rho_{k'}\mathrm{Var}(z_{kk'}) + \sum_{k'\ne k}\rho_{k'}|\mathbb{E}z_{kk'}|^2 + \mathrm{NO}_k}

    which equals eq. (20) term for term (the :math:`-\rho_k|\mathbb{E}z_{kk}|^2` is folded into the
    variance, avoiding cancellation). A user whose denominator is zero (no signal, no noise,
    no interference: padding) gets SINR 0, with finite gradients.
    """
    mean_abs2 = _abs2(terms.mean_z)
    k = mean_abs2.shape[0]
    off_diag = jnp.where(jnp.eye(k, dtype=bool), 0, mean_abs2)
    num = rho * jnp.diagonal(mean_abs2)
    den = terms.var_z @ rho + off_diag @ rho + terms.noise
    ok = den > 0
    return jnp.where(ok, num / jnp.where(ok, den, 1), 0)


def closed_form_terms(stats: ChannelStats, link: Link = "space_ground") -> SinrTerms:
    r"""Closed-form expectations of eq. (20) with MRC (Theorem 1; derivation in docs/deviations.md).

    With :math:`\boldsymbol\Psi_k = p\tau_p\mathbf R_k\boldsymbol\Phi_k\mathbf R_k` and
    :math:`\mathbb 1_{kk'} = 1\{k'\in\mathcal P_k\}`:

    .. math::
        \mathbb E z_{kk'} &= \bar{\mathbf g}_k^H\bar{\mathbf g}_{k'} + \mathbb 1_{kk'}\Big(
            p\tau_p\operatorname{tr}(\mathbf R_{k'}\boldsymbol\Phi_k\mathbf R_k)
            + \sqrt{p\tau_p}\textstyle\sum_m c_{mk}\beta_{mk'}\Big) \\
        \mathrm{Var}\,z_{kk'} &= \bar{\mathbf g}_k^H\mathbf R_{k'}\bar{\mathbf g}_k
            + \bar{\mathbf g}_{k'}^H\boldsymbol\Psi_k\bar{\mathbf g}_{k'}
            + \operatorname{tr}(\boldsymbol\Psi_k\mathbf R_{k'}) + \textstyle\sum_m\gamma_{mk}\beta_{mk'} \\
        \mathrm{NO}_k &= \sigma_s^2\big(\|\bar{\mathbf g}_k\|^2 + \operatorname{tr}\boldsymbol\Psi_k\big)
            + \sigma_a^2\textstyle\sum_m\gamma_{mk}

    :math:`\sqrt{p\tau_p}\,c_{mk}\beta_{mk'} = \tfrac{c_{mk'}}{c_{mk}}\gamma_{mk}` is the printed
    form of eq. (23) without its division by zero. ``link="space"`` keeps the satellite terms
    (eqs. (26)-(28)), ``"ground"`` the AP terms (eq. (25), corrected), ``"space_ground"`` both.
    """
    check_choice("link", link, LINKS)
    stats = normalize(apply_masks(stats))
    est = mmse_statistics(stats)
    s = est.sharing
    rdt = stats.beta_ap.dtype
    k = stats.num_users
    mean_z = jnp.zeros((k, k), stats.g_bar.dtype)
    var_z = jnp.zeros((k, k), rdt)
    noise = jnp.zeros((k,), rdt)
    if link in ("space_ground", "space"):
        g, r, psi = stats.g_bar, stats.r_sat, est.psi
        ptau = stats.pilot_power * stats.tau_p
        # Every K x K term is a contraction over (i, j) of two stacks of N x N matrices, so each is
        # one [K, N^2] x [N^2, K] product (docs/performance.md): with G_k = conj(g_k) g_k^T,
        # g_k^H A g_k = <G_k, A> and tr(A B) = <A, B^T>, where <A, B> = sum_ij A_ij B_ij.
        outer = jnp.conj(g)[:, :, None] * g[:, None, :]                               # G_k
        coherent = ptau * jnp.einsum("kji,lij->kl", est.phi_r, r)                      # tr(R_k' Phi_k R_k)
        mean_z = mean_z + jnp.conj(g) @ g.T + jnp.where(s, coherent, 0)
        var_z = var_z + jnp.real(
            jnp.einsum("kij,lij->kl", outer, r)                                        # g_k^H R_k' g_k
            + jnp.einsum("lij,kij->kl", outer, psi)                                    # g_k'^H Psi_k g_k'
            + jnp.einsum("kij,lji->kl", psi, r)                                        # tr(Psi_k R_k')
        )
        est_power = jnp.sum(_abs2(g), -1) + jnp.real(jnp.trace(psi, axis1=-2, axis2=-1))
        noise = noise + stats.noise_sat * est_power
    if link in ("space_ground", "ground"):
        sqrt_ptau = jnp.sqrt(stats.pilot_power * stats.tau_p)
        mean_z = mean_z + jnp.where(s, sqrt_ptau * est.c.T @ stats.beta_ap, 0)
        var_z = var_z + est.gamma.T @ stats.beta_ap
        noise = noise + stats.noise_ap * jnp.sum(est.gamma, 0)
    return SinrTerms(mean_z=mean_z, var_z=var_z, noise=noise)


def sinr_closed_form(stats: ChannelStats, rho: Float[Array, " K"], link: Link = "space_ground") -> Float[Array, " K"]:
    """Closed-form ergodic SINR of every user, Theorem 1 (eqs. (22)-(28), corrected).

    Pure and differentiable in ``rho`` and in the statistics; padded users get 0. Scenario-object
    counterpart of :func:`satjax.uplink.closed_form_sinr`, without input validation.
    """
    rho = jnp.where(stats.user_mask, rho, 0)
    return sinr_from_terms(closed_form_terms(stats, link), rho)
