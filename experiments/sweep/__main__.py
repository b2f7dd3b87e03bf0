"""``python -m experiments.sweep sweep=NAME [overrides]``: run a sweep spec of ``conf/sweep/``.

Examples::

    python -m experiments.sweep sweep=uav_tiny                       # 40 points, 2 local workers
    python -m experiments.sweep sweep=paper_c_ith_energy_uavs executor.workers=2
    python -m experiments.sweep sweep=uplink_tiny executor.kind=debug store=/tmp/a.zarr

Every key of the spec is checked (:mod:`experiments.sweep.spec`) before any job starts; the
results land in one Zarr store (``store=``), read with ``xarray.open_zarr`` (docs/sweeps.md).
"""

from __future__ import annotations

import logging

from omegaconf import DictConfig

from experiments.common import hydra_app, load_config
from experiments.xla_env import configure_entry_point


@hydra_app(config_path="../../conf", config_name="sweep")
def main(cfg: DictConfig) -> None:
    configure_entry_point()
    import experiments.sweep.spec  # noqa: F401  (registers the schema)
    from experiments.sweep.driver import run_sweep

    logging.getLogger("experiments.sweep").setLevel(logging.INFO)
    store = run_sweep(load_config(cfg))
    print(f"results: {store}  (xarray.open_zarr({str(store)!r}))")


if __name__ == "__main__":
    import experiments.sweep.spec  # noqa: F401  (the schema must be in Hydra's ConfigStore before composing)

    main()
