r"""Imperfect channel knowledge for the robustness study (paper B, Fig. 13).

The transmitter sees $\hat h_k = h_k + e_k$ with $e_k \sim \mathcal{CN}(0,
\epsilon\,\gamma_k I_{N_t})$: ``error_variance`` $\epsilon$ is the error power relative to
the mean channel power per antenna ($\mathbb E|[h_k]_n|^2 = \gamma_k$ for a UPA response of
unit-modulus entries). Precoders are designed on $\hat h$ and evaluated on $h$.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._checks import check_nonnegative, check_real, check_shape
from satjax._types import ArrayLike, Complex, Float, PRNGKeyArray, Real

__all__ = ["estimated_channel"]


def estimated_channel(key: PRNGKeyArray, h: Complex[ArrayLike, "Nt K"], gamma: Float[ArrayLike, " K"],
                      error_variance: Real[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    """$\\hat h = h + e$, $e_k \\sim \\mathcal{CN}(0, \\epsilon \\gamma_k I)$ (module docstring).

    Args:
        key: PRNG key of the error.
        h: ``[N_t, K]`` complex true channels.
        gamma: ``[K]`` channel powers $\\gamma_k$ (linear).
        error_variance: ``[]`` real relative error power $\\epsilon \\ge 0$ (shape and dtype checked;
            the value when concrete).

    Returns:
        ``[N_t, K]`` complex estimated channels $\\hat h$ (units of ``h``).
    """
    check_real("error_variance", error_variance)
    check_shape("error_variance", error_variance, ())
    check_nonnegative("error_variance", error_variance)
    noise = jax.random.normal(key, h.shape, h.dtype)                 # CN(0, 1) for a complex dtype
    scale = jnp.sqrt(error_variance * gamma)[None, :].astype(h.dtype)
    return h + scale * noise
