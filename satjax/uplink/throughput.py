"""Ergodic throughput of system A, eqs. (19) and (21)."""

from __future__ import annotations

import jax.numpy as jnp

from satjax._checks import check_int_range, check_positive

__all__ = ["throughput_bps", "prelog"]


def prelog(tau_p: int, tau_c: int) -> float:
    """Fraction of each coherence block used for data, ``1 - tau_p / tau_c``."""
    check_int_range("tau_c", tau_c, 1)
    check_int_range("tau_p", tau_p, 1, tau_c)
    return 1.0 - tau_p / tau_c


def throughput_bps(sinr, *, bandwidth_hz: float, tau_p: int, tau_c: int):
    r"""Per-user ergodic throughput :math:`R_k = B(1-\tau_p/\tau_c)\log_2(1+\mathrm{SINR}_k)` [bit/s].

    Eq. (21) labels the unit Mbps with ``B`` in MHz; satjax keeps ``B`` in Hz and returns bit/s.
    """
    check_positive("bandwidth_hz", bandwidth_hz, "Hz")
    return bandwidth_hz * prelog(tau_p, tau_c) * jnp.log2(1.0 + sinr)
