"""Systems A and B over a LEO pass (and over a Walker constellation with handovers).

Run: ``python -m experiments.passes`` (Hydra overrides welcome, e.g. ``step_s=10
walker_total=0``). For every time step: elevation, slant range, Doppler and TR 38.811 LoS
probability of the serving satellite (``satjax.passes.pass_geometry``); system A's closed-form
sum throughput (Theorem 1, full power) with the satellite (space + ground) and without it
(ground only), and with Algorithm 1's powers; system B's energy efficiency of Dinkelbach-WMMSE.
Every step uses the same drop (users, APs, shadowing, paths): only the satellite moves. Writes
``passes.csv``, ``summary.json`` and PNG plots into the Hydra run directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from experiments.common import hydra_app, load_config, output_dir, save_figure, set_precision, write_csv, write_json
from experiments.xla_env import configure_entry_point

#: Tiny sizes by default (a pass is many scenarios); any size field of the system's Params.
_UPLINK_SIZES = {"num_users": 4, "num_aps": 8, "n_v": 3, "n_h": 3, "tau_p": 4}
_DOWNLINK_SIZES = {"n_v": 4, "n_h": 4, "num_users": 4, "num_paths": 2}


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


@dataclass
class PassesConfig:
    """One LEO pass over a ground point (and a Walker constellation), systems A and B per step."""

    seed: int = 0
    altitude_km: float = 600.0
    inclination_deg: float = 53.0
    lat_deg: float = 48.8                     # ground point (geodetic) = centre of A's area and B's footprint
    lon_deg: float = 2.35
    track_offset_deg: float = 3.0             # the sub-satellite track crosses the point's latitude this far east
    epoch_jd: float = 2461379.25              # JD(UT1) of the epoch
    half_window_s: float = 300.0              # the pass: culmination -/+ this
    step_s: float = 20.0
    min_elevation_deg: float = 10.0
    carrier_ghz: float = 2.0                  # for the TR 38.811 tables and the geometry's Doppler
    environment: str = "dense_urban"
    uplink: dict = field(default_factory=lambda: dict(_UPLINK_SIZES))
    downlink: dict = field(default_factory=lambda: dict(_DOWNLINK_SIZES))
    algorithm1: bool = True
    dinkelbach: bool = True
    walker_total: int = 24                    # Walker-delta i: T/P/F at the same altitude; 0: no constellation
    walker_planes: int = 4
    walker_phasing: int = 1
    walker_window_s: float = 1800.0
    walker_step_s: float = 30.0
    hysteresis_deg: float = 2.0
    x64: bool = True

    def __post_init__(self):
        for name in ("altitude_km", "half_window_s", "step_s", "carrier_ghz", "walker_window_s", "walker_step_s"):
            _positive(name, getattr(self, name))
        if not 0 <= self.min_elevation_deg <= 90:
            raise ValueError(f"min_elevation_deg must be in [0, 90], got {self.min_elevation_deg}")
        if self.hysteresis_deg < 0:
            raise ValueError(f"hysteresis_deg must be >= 0, got {self.hysteresis_deg}")
        if self.walker_total < 0:
            raise ValueError(f"walker_total must be >= 0 (0: no constellation), got {self.walker_total}")
        from satjax.propagation import ntn

        try:
            ntn.band_of_frequency(self.carrier_ghz * 1e9)
        except ValueError as err:
            raise ValueError(f"carrier_ghz: {err}") from None
        if self.environment not in ntn.ENVIRONMENTS:
            raise ValueError(f"environment must be one of {ntn.ENVIRONMENTS}, got {self.environment!r}")


ConfigStore.instance().store(name="passes_schema", node=PassesConfig)


def _geometries(cfg):
    """The single pass and (optionally) the constellation's serving-satellite geometry."""
    from satjax import orbits, passes

    rotation = orbits.earth_rotation(cfg.epoch_jd)
    point = orbits.ground_point(np.deg2rad(cfg.lat_deg), np.deg2rad(cfg.lon_deg))
    x, y, z = np.asarray(orbits.geodetic_to_ecef(point))
    t_over = cfg.half_window_s
    orbit = passes.orbit_over_point(cfg.altitude_km * 1e3, np.deg2rad(cfg.inclination_deg), np.arctan2(z, np.hypot(x, y)),
                                    np.deg2rad(cfg.lon_deg + cfg.track_offset_deg), t_over, rotation)
    common = dict(carrier_hz=cfg.carrier_ghz * 1e9, environment=cfg.environment,
                  min_elevation_rad=np.deg2rad(cfg.min_elevation_deg))
    out = {"pass": passes.pass_geometry(orbit, point, jnp.arange(0.0, 2 * t_over + cfg.step_s / 2, cfg.step_s),
                                        rotation, **common)}
    if cfg.walker_total:
        shell = orbits.walker_delta(cfg.altitude_km * 1e3, np.deg2rad(cfg.inclination_deg), cfg.walker_total,
                                    cfg.walker_planes, cfg.walker_phasing)
        out["walker"] = passes.pass_geometry(shell, point, jnp.arange(0.0, cfg.walker_window_s, cfg.walker_step_s),
                                             rotation, hysteresis_rad=np.deg2rad(cfg.hysteresis_deg), **common)
    return out


def run(cfg) -> dict:
    """Geometry and metrics per step. ``cfg`` is a :class:`PassesConfig`."""
    from tqdm.auto import tqdm

    import satjax
    from satjax import passes
    from satjax.uplink import PowerControlTask

    key = jax.random.key(cfg.seed)
    uplink, downlink = satjax.get_system("uplink"), satjax.get_system("downlink")
    params_a = uplink.params(**cfg.uplink)
    params_b = downlink.params(altitude_m=cfg.altitude_km * 1e3, **cfg.downlink)
    geometries = _geometries(cfg)
    jobs = [(g, "a_space_ground_mbps", uplink, params_a, "full_power") for g in geometries]
    if cfg.algorithm1:
        jobs += [(g, "a_algorithm1_mbps", uplink, params_a, "algorithm1") for g in geometries]
    if cfg.dinkelbach:
        jobs += [(g, "b_dinkelbach_ee_mbit_per_j", downlink, params_b, "dinkelbach_wmmse") for g in geometries]
    full = uplink.policy("full_power")
    ground = PowerControlTask(params_a, link="ground")        # the satellite plays no part: one value for the pass
    a_ground = float(ground.score(full, ground.sample(key), key)["sum_mbps"])
    out = {name: {"geometry": geo, "a_ground_mbps": np.full(geo.t_s.shape, a_ground)} for name, geo in geometries.items()}
    for name, column, system, params, policy in tqdm(jobs, desc="passes", unit="metric"):
        geo = geometries[name]
        metric = jax.jit(lambda g, p=params, s=system, pol=system.policy(policy):
                         passes.metric_over_pass(s, pol, key, p, g))
        out[name][column] = np.asarray(metric(geo))
    return out


def _columns(result):
    geo = result["geometry"]
    cols = {"t_s": np.asarray(geo.t_s), "serving": np.asarray(geo.serving),
            "elevation_deg": np.rad2deg(np.asarray(geo.elevation_rad)),
            "azimuth_deg": np.rad2deg(np.asarray(geo.azimuth_rad)),
            "slant_range_km": np.asarray(geo.slant_range_m) / 1e3, "doppler_khz": np.asarray(geo.doppler_hz) / 1e3,
            "los_probability": np.asarray(geo.los_probability), "path_loss_los_db": np.asarray(geo.path_loss_los_db),
            "path_loss_nlos_db": np.asarray(geo.path_loss_nlos_db)}
    cols.update({k: v for k, v in result.items() if k != "geometry"})
    return cols


def summarize(out) -> dict:
    summary = {}
    for name, result in out.items():
        cols = _columns(result)
        visible = cols["serving"] >= 0
        entry = {"steps": int(visible.size), "visible_steps": int(visible.sum()),
                 "max_elevation_deg": float(np.nanmax(cols["elevation_deg"])) if visible.any() else None,
                 "handovers": int(np.sum(np.diff(cols["serving"][visible]) != 0)) if visible.any() else 0}
        for key, values in cols.items():
            if key.endswith(("_mbps", "_mbit_per_j")) and visible.any():
                entry[key] = {"min": float(np.nanmin(values[visible])), "max": float(np.nanmax(values[visible])),
                              "mean": float(np.nanmean(values[visible]))}
        summary[name] = entry
    return summary


def write_outputs(out, summary, directory, environment: str = "") -> list:
    import matplotlib.pyplot as plt

    files = []
    rows, header = [], None
    for name, result in out.items():
        cols = _columns(result)
        header = header or ["geometry"] + list(cols)
        rows += [[name] + [cols[h][i] if h in cols else "" for h in header[1:]] for i in range(cols["t_s"].size)]
    files.append(write_csv(directory / "passes.csv", header, rows))
    files.append(write_json(directory / "summary.json", summary))
    for name, result in out.items():
        cols = _columns(result)
        t = cols["t_s"]
        fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=True)
        for ax, key, label in zip(axes.ravel(), ("elevation_deg", "slant_range_km", "doppler_khz", "los_probability"),
                                  ("Elevation [deg]", "Slant range [km]", "Doppler [kHz]", "LoS probability")):
            ax.plot(t, cols[key], marker=".")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
        for ax in axes[1]:
            ax.set_xlabel("Time since the epoch [s]")
        fig.suptitle(f"{name}: serving satellite seen from the ground point (TR 38.811 {environment})")
        files.append(save_figure(fig, directory / f"{name}_geometry.png"))
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for key, label in (("a_space_ground_mbps", "space + ground, full power"),
                           ("a_algorithm1_mbps", "space + ground, Algorithm 1"), ("a_ground_mbps", "ground only")):
            if key in cols:
                axes[0].plot(t, cols[key], marker=".", label=label)
        axes[0].set_ylabel("System A sum throughput [Mbit/s]")
        axes[0].legend(fontsize=8)
        if "b_dinkelbach_ee_mbit_per_j" in cols:
            axes[1].plot(t, cols["b_dinkelbach_ee_mbit_per_j"], marker=".", label="Dinkelbach-WMMSE")
            axes[1].legend(fontsize=8)
        axes[1].set_ylabel("System B energy efficiency [Mbit/J]")
        for ax in axes:
            ax.set_xlabel("Time since the epoch [s]")
            ax.grid(alpha=0.3)
        files.append(save_figure(fig, directory / f"{name}_systems.png"))
    return files


@hydra_app(config_path="../conf", config_name="passes")
def main(cfg: DictConfig) -> float:
    configure_entry_point()
    config = load_config(cfg)
    set_precision(config.x64)
    out = run(config)
    summary = summarize(out)
    directory = output_dir()
    write_outputs(out, summary, directory, config.environment)
    for name, entry in summary.items():
        print(name, {k: v for k, v in entry.items()})
    print(f"results in {directory}")
    return summary["pass"]["max_elevation_deg"] or float("nan")


if __name__ == "__main__":
    main()
