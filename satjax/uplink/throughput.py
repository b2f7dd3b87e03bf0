"""Ergodic throughput of system A, eqs. (19) and (21)."""

from __future__ import annotations

from satjax._checks import check_int_range, check_positive
from satjax._numerics import log2_1p
from satjax._types import ArrayLike, Float, Real

__all__ = ["throughput_bps", "throughput_scale_bps", "prelog"]


def prelog(tau_p: int, tau_c: int) -> float:
    """Fraction of each coherence block used for data, ``1 - tau_p / tau_c``.

    Args:
        tau_p: pilot length [symbols], in ``[1, tau_c]``.
        tau_c: coherence block length [symbols], >= 1.

    Returns:
        The pre-log factor in ``[0, 1)`` (dimensionless).
    """
    check_int_range("tau_c", tau_c, 1)
    check_int_range("tau_p", tau_p, 1, tau_c)
    return 1.0 - tau_p / tau_c


def throughput_scale_bps(*, bandwidth_hz: Real[ArrayLike, "*batch"], tau_p: int, tau_c: int) -> Float[ArrayLike, "*batch"]:
    r"""Throughput per unit spectral efficiency, $B(1-\tau_p/\tau_c)$ [bit/s per bit/s/Hz]:
    the one conversion from spectral efficiency to throughput (eq. (21)).

    Args:
        bandwidth_hz: bandwidth $B$ [Hz] (> 0), a scalar or any batch shape ``[*batch]``.
        tau_p: pilot length [symbols], in ``[1, tau_c]``.
        tau_c: coherence block length [symbols], >= 1.

    Returns:
        ``[*batch]`` $B(1-\tau_p/\tau_c)$ [Hz, i.e. bit/s per bit/s/Hz].
    """
    check_positive("bandwidth_hz", bandwidth_hz, "Hz")
    return bandwidth_hz * prelog(tau_p, tau_c)


def throughput_bps(sinr: Float[ArrayLike, "*batch K"], *, bandwidth_hz: Real[ArrayLike, "..."], tau_p: int,
                   tau_c: int) -> Float[ArrayLike, "*batch K"]:
    r"""Per-user ergodic throughput $R_k = B(1-\tau_p/\tau_c)\log_2(1+\mathrm{SINR}_k)$ [bit/s].

    Eq. (21) labels the unit Mbps with ``B`` in MHz; satjax keeps ``B`` in Hz and returns bit/s.

    Args:
        sinr: ``[*batch, K]`` effective SINR of eq. (20) (linear, >= 0).
        bandwidth_hz: bandwidth $B$ [Hz] (> 0), a scalar or any shape broadcastable to ``sinr``
            (``[*batch, 1]`` for one bandwidth per drop).
        tau_p: pilot length [symbols], in ``[1, tau_c]``.
        tau_c: coherence block length [symbols], >= 1.

    Returns:
        ``[*batch, K]`` throughput $R_k$ [bit/s].
    """
    return throughput_scale_bps(bandwidth_hz=bandwidth_hz, tau_p=tau_p, tau_c=tau_c) * log2_1p(sinr)
