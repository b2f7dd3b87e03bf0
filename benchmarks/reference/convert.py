"""satjax scenario batches as the plain arrays the NumPy and PyTorch references take."""

from __future__ import annotations

import numpy as np


def torch_device():
    """Where the PyTorch references run: the GPU when PyTorch sees one, else the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def plain_arrays(stats, p_max, lib: str = "numpy", double: bool = False):
    """``(beta_ap, g_bar, r_sat, pilot, p_max), scalars`` from batched (or single) satjax
    statistics: arrays of ``lib`` ("numpy" or "torch") in float32/complex64 (float64/complex128
    with ``double``); ``scalars`` the keyword arguments ``pilot_power, tau_p, noise_ap,
    noise_sat`` as Python numbers (one value for the whole batch, as for one parameter set)."""
    real, cplx = (np.float64, np.complex128) if double else (np.float32, np.complex64)
    arrays = (np.asarray(stats.beta_ap, real), np.asarray(stats.g_bar, cplx), np.asarray(stats.r_sat, cplx),
              np.asarray(stats.pilot), np.asarray(p_max, real))
    if lib == "torch":
        import torch

        arrays = tuple(torch.from_numpy(np.array(a)).to(torch_device()) for a in arrays)
    elif lib != "numpy":
        raise ValueError(f"lib must be 'numpy' or 'torch', got {lib!r}")
    first = lambda x: float(np.ravel(np.asarray(x))[0])  # noqa: E731
    scalars = dict(pilot_power=first(stats.pilot_power), tau_p=int(stats.tau_p), noise_ap=first(stats.noise_ap),
                   noise_sat=first(stats.noise_sat))
    return arrays, scalars
