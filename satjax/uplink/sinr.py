r"""Effective SINR of system A with MRC: the expectations of eq. (20), their closed form (Theorem 1),
and the one formula that turns them into an SINR.

Layers (jax-md style: kernel -> system):

* ``SinrTerms`` — $\mathbb E z_{kk'}$, $\mathrm{Var}\,z_{kk'}$, noise: from
  ``closed_form_terms`` or ``satjax.uplink.monte_carlo_terms``;
* ``SisoProblem`` — the same terms as the SISO-equivalent interference channel of eq. (30),
  $\mathrm{SINR}_k = \rho_k a_k^2 / (\sum_{k'} B_{kk'}\rho_{k'} + n_k)$, which Algorithm 1,
  the utilities and the training losses all use;
* ``siso_sinr`` — that ratio, the only place an uplink SINR is computed;
* ``closed_form_sinr`` — Theorem 1 on a ``ChannelStats`` in one call.
"""

from __future__ import annotations

from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_choice, check_nonnegative, check_real, check_shape
from satjax._numerics import abs2, masked_ratio, safe_sqrt
from satjax._types import ArrayLike, Bool, Complex, Float, Real
from satjax.uplink.estimation import mmse_statistics
from satjax.uplink.statistics import ChannelStats, apply_masks, normalize

__all__ = ["LINKS", "Link", "SinrTerms", "SisoProblem", "closed_form_terms", "siso_problem", "siso_sinr",
           "interference_plus_noise", "closed_form_sinr", "closed_form_terms_by_link", "check_powers"]

Link = Literal["space_ground", "space", "ground"]
LINKS: tuple[str, ...] = ("space_ground", "space", "ground")


class SinrTerms(eqx.Module):
    r"""The expectations in eq. (20), for every pair of users.

    With $z_{kk'} = \mathbf{u}_k^H\mathbf{g}_{k'} + \sum_m u_{mk}^* g_{mk'}$ (eq. (17)):

    Attributes:
        mean_z: ``[K, K]`` complex $\mathbb{E}\{z_{kk'}\}$.
        var_z: ``[K, K]`` real $\mathbb{E}|z_{kk'}|^2 - |\mathbb{E}\{z_{kk'}\}|^2$.
        noise: ``[K]`` real $\mathbb{E}|\mathbf{u}_k^H\mathbf{w}|^2 + \sum_m\mathbb{E}|u_{mk}^*w_m|^2$.

    Powers are in units of the AP noise (see ``satjax.uplink.statistics.normalize``).
    """

    mean_z: Complex[ArrayLike, "K K"]
    var_z: Float[ArrayLike, "K K"]
    noise: Float[ArrayLike, " K"]

    @property
    def second_moment(self) -> Float[ArrayLike, "K K"]:
        r"""$\mathbb{E}|z_{kk'}|^2$."""
        return self.var_z + abs2(self.mean_z)


class SisoProblem(eqx.Module):
    r"""The SISO-equivalent interference channel of eq. (30), one scenario:

    $$
    \mathrm{SINR}_k = \frac{\rho_k a_k^2}{\delta_k}, \qquad
    \delta_k = \sum_{k'} B_{kk'}\rho_{k'} + n_k
    $$

    Attributes:
        gain: ``[K]`` $a_k = |\mathbb E z_{kk}|$ (in the power unit of
            ``satjax.uplink.normalize``, like every term here).
        interference: ``[K, K]`` $B_{kk'} = \mathrm{Var}\,z_{kk'} + [k' \ne k]|\mathbb E z_{kk'}|^2$,
            power of user k' leaking into the detection of user k per watt (row k = victim),
            including user k's own beamforming-gain uncertainty.
        noise: ``[K]`` $n_k$.
        user_mask: ``[K]`` bool, False for padding.
    """

    gain: Float[ArrayLike, " K"]
    interference: Float[ArrayLike, "K K"]
    noise: Float[ArrayLike, " K"]
    user_mask: Bool[ArrayLike, " K"]

    @classmethod
    def from_terms(cls, terms: SinrTerms, user_mask: Bool[ArrayLike, " K"]) -> SisoProblem:
        """The SISO form of the expectations of eq. (20) (closed form or Monte Carlo)."""
        mean_abs2 = abs2(terms.mean_z)
        k = mean_abs2.shape[0]
        off_diag = jnp.where(jnp.eye(k, dtype=bool), 0, mean_abs2)
        return cls(gain=safe_sqrt(jnp.diagonal(mean_abs2)), interference=terms.var_z + off_diag,
                   noise=terms.noise, user_mask=user_mask)

    @property
    def num_users(self) -> int:
        return self.gain.shape[0]


def interference_plus_noise(problem: SisoProblem, rho: Float[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
    r"""$\delta_k = \sum_{k'} B_{kk'}\rho_{k'} + n_k$, eq. (37) (LaTeX form; D12).

    Args:
        problem: the ``SisoProblem``.
        rho: ``[K]`` data powers [W] (entries of padded users are ignored).

    Returns:
        ``[K]`` interference plus noise $\delta_k$, in the power unit of the problem's terms.
    """
    return problem.interference @ jnp.where(problem.user_mask, rho, 0) + problem.noise


def siso_sinr(problem: SisoProblem, rho: Float[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
    r"""Effective SINR of eq. (20) (use-and-then-forget bound) from its SISO form:

    $$
    \mathrm{SINR}_k = \frac{\rho_k|\mathbb{E}z_{kk}|^2}
    {\sum_{k'}\rho_{k'}\mathrm{Var}(z_{kk'}) + \sum_{k'\ne k}\rho_{k'}|\mathbb{E}z_{kk'}|^2 + \mathrm{NO}_k}
    $$

    which equals eq. (20) term for term (the $-\rho_k|\mathbb{E}z_{kk}|^2$ is folded into the
    variance, avoiding cancellation). Padded users get exactly 0 (value and gradient); a real
    user with a NaN power or statistic gets NaN — never a plausible 0.

    Args:
        problem: the ``SisoProblem``.
        rho: ``[K]`` data powers [W] (entries of padded users are ignored).

    Returns:
        ``[K]`` SINR (linear).
    """
    rho = jnp.where(problem.user_mask, rho, 0)
    return masked_ratio(rho * problem.gain**2, interference_plus_noise(problem, rho), problem.user_mask)


def closed_form_terms(stats: ChannelStats, link: str = "space_ground") -> SinrTerms:
    r"""Closed-form expectations of eq. (20) with MRC (Theorem 1; derivation in docs/deviations.md).

    With $\boldsymbol\Psi_k = p\tau_p\mathbf R_k\boldsymbol\Phi_k\mathbf R_k$ and
    $\mathbb 1_{kk'} = 1\{k'\in\mathcal P_k\}$:

    $$
    \mathbb E z_{kk'} &= \bar{\mathbf g}_k^H\bar{\mathbf g}_{k'} + \mathbb 1_{kk'}\Big(
    p\tau_p\operatorname{tr}(\mathbf R_{k'}\boldsymbol\Phi_k\mathbf R_k)
    + \sqrt{p\tau_p}\textstyle\sum_m c_{mk}\beta_{mk'}\Big) \\
    \mathrm{Var}\,z_{kk'} &= \bar{\mathbf g}_k^H\mathbf R_{k'}\bar{\mathbf g}_k
    + \bar{\mathbf g}_{k'}^H\boldsymbol\Psi_k\bar{\mathbf g}_{k'}
    + \operatorname{tr}(\boldsymbol\Psi_k\mathbf R_{k'}) + \textstyle\sum_m\gamma_{mk}\beta_{mk'} \\
    \mathrm{NO}_k &= \sigma_s^2\big(\|\bar{\mathbf g}_k\|^2 + \operatorname{tr}\boldsymbol\Psi_k\big)
    + \sigma_a^2\textstyle\sum_m\gamma_{mk}
    $$

    $\sqrt{p\tau_p}\,c_{mk}\beta_{mk'} = \tfrac{c_{mk'}}{c_{mk}}\gamma_{mk}$ is the printed
    form of eq. (23) without its division by zero. ``link="space"`` keeps the satellite terms
    (eqs. (26)-(28)), ``"ground"`` the AP terms (eq. (25), corrected), ``"space_ground"`` both.

    Args:
        stats: the ``ChannelStats`` (masked and normalized here).
        link: ``"space_ground"``, ``"space"`` or ``"ground"`` (else a ``ValueError``).

    Returns:
        ``SinrTerms``: ``mean_z [K, K]`` (complex), ``var_z [K, K]``, ``noise [K]``, in the
        power unit of ``satjax.uplink.normalize``.
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
        est_power = jnp.sum(abs2(g), -1) + jnp.real(jnp.trace(psi, axis1=-2, axis2=-1))
        noise = noise + stats.noise_sat * est_power
    if link in ("space_ground", "ground"):
        ptau = stats.pilot_power * stats.tau_p
        mean_z = mean_z + jnp.where(s, ptau * est.c_unit.T @ stats.beta_ap, 0)         # sqrt(p tau_p) c^T beta
        var_z = var_z + est.gamma.T @ stats.beta_ap
        noise = noise + stats.noise_ap * jnp.sum(est.gamma, 0)
    return SinrTerms(mean_z=mean_z, var_z=var_z, noise=noise)


def closed_form_terms_by_link(stats: ChannelStats) -> dict[str, SinrTerms]:
    """``closed_form_terms`` of all three links at the cost of one: the satellite and AP parts
    of $z_{kk'}$ are independent, so every ``space_ground`` term is the sum of the ``space``
    and ``ground`` terms (bit-identical to computing it directly).

    Args:
        stats: the ``ChannelStats``.

    Returns:
        ``{"space_ground", "space", "ground"}`` -> ``SinrTerms`` (``[K, K]``, ``[K, K]``,
        ``[K]``, in the power unit of ``satjax.uplink.normalize``).
    """
    space, ground = closed_form_terms(stats, "space"), closed_form_terms(stats, "ground")
    both = jax.tree.map(jnp.add, space, ground)
    return {"space_ground": both, "space": space, "ground": ground}


def siso_problem(stats: ChannelStats, link: str = "space_ground") -> SisoProblem:
    """Theorem 1's terms of one scenario in SISO form (eq. (30)): the power-independent part of
    the SINR, computed once, after which every SINR, utility or Algorithm-1 step is O(K^2).

    Args:
        stats: the ``ChannelStats``.
        link: ``"space_ground"``, ``"space"`` or ``"ground"`` (else a ``ValueError``).

    Returns:
        ``SisoProblem``: gains ``[K]``, interference ``[K, K]``, noise ``[K]`` (power unit of
        ``satjax.uplink.normalize``) and the user mask ``[K]``.
    """
    return SisoProblem.from_terms(closed_form_terms(stats, link), stats.user_mask)


def closed_form_sinr(stats: ChannelStats, rho: Real[ArrayLike, " K"], link: str = "space_ground") -> Float[ArrayLike, " K"]:
    """Closed-form ergodic SINR of every user with MRC, paper A Theorem 1 (eqs. (22)-(28), corrected).

    Args:
        stats: the channel statistics (sampled, or ``ChannelStats.from_arrays`` for your own).
        rho: ``[K]`` data powers [W] (>= 0; checked when concrete).
        link: ``"space_ground"`` (eq. (22)), ``"space"`` (eq. (26)) or ``"ground"`` (eq. (25)).

    Returns:
        ``[K]`` SINR (linear) in the statistics' float dtype; 0 for padded users. Pure and
        differentiable in ``rho`` and in every statistic.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from satjax import uplink as ul
        >>> params = ul.UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)
        >>> stats = ul.sample_uplink_scenario(jax.random.key(0), params).stats
        >>> rho = jnp.full(4, 0.1)                                  # [W] per user
        >>> ul.closed_form_sinr(stats, rho).shape                   # one SINR per user
        (4,)
        >>> sum_se = lambda r: jnp.sum(jnp.log2(1 + ul.closed_form_sinr(stats, r)))
        >>> bool(jnp.all(jnp.isfinite(jax.grad(sum_se)(rho))))      # d(sum SE)/d(rho)
        True
    """
    check_powers("rho", rho, stats.num_users)
    return siso_sinr(siso_problem(stats, link), rho)


def check_powers(name: str, rho, k: int) -> None:
    """Boundary check of a power vector: shape ``[K]``, real, finite and >= 0 (values only when
    concrete)."""
    check_shape(name, rho, (k,))
    check_real(name, rho)
    check_nonnegative(name, rho, "W")
