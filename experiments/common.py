"""Small helpers shared by the experiment entry points (the thin shell around satjax)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def output_dir() -> Path:
    """The Hydra run directory when running under Hydra, else the current directory."""
    try:
        from hydra.core.hydra_config import HydraConfig

        return Path(HydraConfig.get().runtime.output_dir)
    except ValueError:
        return Path.cwd()


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_json(path: Path, payload) -> Path:
    path.write_text(json.dumps(payload, indent=2, default=float))
    return path


def set_precision(x64: bool) -> None:
    """Experiments (never the library) choose the float width."""
    jax.config.update("jax_enable_x64", bool(x64))


def save_figure(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def ecdf(values):
    """Sorted values and their empirical CDF levels."""
    import numpy as np

    x = np.sort(np.asarray(values).ravel())
    return x, np.arange(1, x.size + 1) / x.size
