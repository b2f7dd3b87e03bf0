"""The three systems over a LEO pass (and over a Walker constellation with handovers).

Run: ``python -m experiments.passes`` (Hydra overrides welcome, e.g. ``step_s=10
walker_total=0 models.shgnn=<run dir>``). For every time step: elevation, slant range, Doppler and
TR 38.811 LoS probability of the serving satellite (``satjax.passes.pass_geometry``); system A's
closed-form sum throughput (Theorem 1, full power) with the satellite (space + ground) and without
it (ground only), and with Algorithm 1's powers; system B's energy efficiency of Dinkelbach-WMMSE;
system C's overall efficiency (15) of Algorithm 3 and of a baseline scheme, with the satellite
users' interference threshold following the satellite's signal (``uav_threshold``). Trained
models of finished main-job runs (``models.<name>=<run dir>``, a name of ``System.models``:
``shgnn``, ``edge_gnn``, ``unfolded_wmmse``, ``linear_unfolding``, ``uav_gnn``) are applied
zero-shot at every step beside their system's reference; a run of another system or of other
sizes is refused, naming the key. Every step uses the same drop (users, APs, shadowing, paths):
only the satellite moves. With ``drops`` = D > 1 every metric column is the mean over D drops
(drop 0 the seed's key, drop i >= 1 ``fold_in(fold_in(key, DROPS_TAG), i)``, keys no sampler
draws from the seed's key: ``drops=1`` is the first drop of any larger run) and a learned model's
ratio to its reference is the ratio of those means. A visible step whose mean is not finite (a
drop that failed) is logged as a warning, naming the column. Writes ``passes.csv``, ``summary.json`` and PNG plots into the Hydra run
directory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from experiments.common import hydra_app, output_dir, save_figure, start_app, write_csv, write_json

log = logging.getLogger(__name__)

#: Tiny sizes by default (a pass is many scenarios); any size field of the system's Params.
_UPLINK_SIZES = {"num_users": 4, "num_aps": 8, "n_v": 3, "n_h": 3, "tau_p": 4}
_DOWNLINK_SIZES = {"n_v": 4, "n_h": 4, "num_users": 4, "num_paths": 2}
_UAV_SIZES = {"num_uavs": 2, "num_groups": 2, "users_per_group": 2, "num_sat_users": 2, "num_subchannels": 3,
              "num_rx_antennas": 2}

#: Per system: (column prefix, column unit suffix, the reference's column); the reference is the
#: system's ``System.reference`` policy.
_COLUMNS = {"uplink": ("a", "mbps", "a_algorithm1_mbps"), "downlink": ("b", "ee_mbit_per_j", "b_dinkelbach_ee_mbit_per_j"),
            "uav": ("c", "bit_per_hz", "c_algorithm3_bit_per_hz")}
#: C's interference threshold over a pass: ``"signal"`` follows the satellite's signal at the
#: satellite users (the configured threshold holds at ``uav_reference_elevation_deg``), ``"fixed"``.
UAV_THRESHOLDS = ("signal", "fixed")
#: Drop i >= 1 of ``drops`` uses ``fold_in(fold_in(key, DROPS_TAG), i)``: a tag far above the
#: indices the systems' samplers split or fold their key into.
DROPS_TAG = 2**31 - 1


def _model_names() -> dict[str, str]:
    """Every learned model name of ``System.models`` -> its system's name."""
    from satjax.systems import REGISTRY, get_system

    return {model: name for name in REGISTRY for model in get_system(name).models}


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


@dataclass
class PassesConfig:
    """One LEO pass over a ground point (and a Walker constellation), systems A, B and C per step."""

    seed: int = 0
    drops: int = 1                            # drops per step: the columns are means over them
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
    uav: dict = field(default_factory=lambda: dict(_UAV_SIZES))
    algorithm1: bool = True
    dinkelbach: bool = True
    algorithm3: bool = True
    uav_baseline: str = "scheme2"             # a policy of system C ('' for none)
    uav_threshold: str = "signal"             # UAV_THRESHOLDS
    uav_reference_elevation_deg: float = 90.0
    models: dict = field(default_factory=lambda: dict.fromkeys(_model_names()))  # models.<name>=<main-job run dir>
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
        if not (isinstance(self.drops, int) and self.drops >= 1):
            raise ValueError(f"drops must be an integer >= 1, got {self.drops!r}")
        if self.walker_total < 0:
            raise ValueError(f"walker_total must be >= 0 (0: no constellation), got {self.walker_total}")
        from satjax.propagation import ntn

        try:
            ntn.band_of_frequency(self.carrier_ghz * 1e9)
        except ValueError as err:
            raise ValueError(f"carrier_ghz: {err}") from None
        if self.environment not in ntn.ENVIRONMENTS:
            raise ValueError(f"environment must be one of {ntn.ENVIRONMENTS}, got {self.environment!r}")
        if self.uav_threshold not in UAV_THRESHOLDS:
            raise ValueError(f"uav_threshold must be one of {UAV_THRESHOLDS}, got {self.uav_threshold!r}")
        if not 0 <= self.uav_reference_elevation_deg <= 90:
            raise ValueError(f"uav_reference_elevation_deg must be in [0, 90], got {self.uav_reference_elevation_deg}")
        from satjax.uav import POLICIES

        if self.uav_baseline and self.uav_baseline not in POLICIES:
            raise ValueError(f"uav_baseline must be '' or one of {sorted(POLICIES)}, got {self.uav_baseline!r}")
        names = _model_names()
        for name, run in self.models.items():
            if name not in names:
                raise ValueError(f"models.{name}: not a learned model of any system; models takes {sorted(names)}")
            if run is not None and not Path(str(run)).is_dir():
                raise ValueError(f"models.{name}={run!r}: not a directory (pass a finished main-job run directory, "
                                 "or null)")


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


def load_models(cfg, params: dict) -> dict[str, tuple[str, object]]:
    """The trained models named in ``cfg.models`` (``name -> run directory``), as ``name ->
    (system name, model)``, loaded with the main job's run loader (``load_run``). A run of another
    model or system, or trained at sizes other than the pass's ``params[system]``, is refused with
    a ``ValueError`` naming ``models.<name>``."""
    import dataclasses

    from experiments.paper_b.generalization import load_run
    from satjax.systems import get_system

    names, out = _model_names(), {}
    missing = sorted(name for name in names if cfg.models.get(name) is None)
    if missing:
        log.info("no trained run for %s (models.<name>=<run dir>): their learned rows are skipped", ", ".join(missing))
    for name, run in cfg.models.items():
        if run is None:
            continue
        system = get_system(names[name])
        try:
            run_cfg, model = load_run(Path(str(run)))
        except FileNotFoundError as err:                       # the loader names the file it missed
            raise ValueError(f"models.{name}={run}: {str(err).split(' not found')[0]} not found; pass the directory "
                             f"of a finished `python -m experiments.train +exp={name}` run") from None
        want = system.models[name]
        if not isinstance(model, want):
            raise ValueError(f"models.{name}={run}: the run trained {type(model).__name__}, not {want.__name__} "
                             f"(system {system.paper}, {system.name}); pass a run of +exp={name}")
        trained, here = run_cfg.scenario.to_params(), params[system.name]
        sizes = [f.name for f in dataclasses.fields(here) if f.metadata.get("kind") == "size"]
        differ = {k: (getattr(trained, k), getattr(here, k)) for k in sizes if getattr(trained, k) != getattr(here, k)}
        if differ:
            raise ValueError(f"models.{name}={run}: trained at other sizes than the pass's {system.name} scenario: "
                             + ", ".join(f"{k} = {a} (run) vs {b} (pass)" for k, (a, b) in differ.items())
                             + f"; train at the pass's sizes or set {system.name}={{...}} to the run's")
        other = [k for k in here.physical_fields() if not np.allclose(np.asarray(getattr(trained, k), float),
                                                                       np.asarray(getattr(here, k), float))]
        log.info("models.%s: %s from %s, applied zero-shot at every step%s", name, type(model).__name__, run,
                 f" (trained with other {', '.join(other)})" if other else "")
        out[name] = (system.name, model)
    return out


def _uav_options(cfg) -> dict:
    """``uav_at_step``'s options: the reference loss of the satellite signal (``"signal"``)."""
    from satjax import passes

    if cfg.uav_threshold == "fixed":
        return {}
    loss = passes.snapshot_signal_loss_db(cfg.altitude_km * 1e3, np.deg2rad(cfg.uav_reference_elevation_deg),
                                          cfg.carrier_ghz * 1e9, cfg.environment)
    return {"reference_loss_db": float(loss)}


def run(cfg) -> dict:
    """Geometry and metrics per step. ``cfg`` is a :class:`PassesConfig`."""
    from tqdm.auto import tqdm

    import satjax
    from satjax import passes
    from satjax.uplink import PowerControlTask

    key = jax.random.key(cfg.seed)
    uplink, downlink, uav = (satjax.get_system(n) for n in ("uplink", "downlink", "uav"))
    params = {"uplink": uplink.params(**cfg.uplink),
              "downlink": downlink.params(altitude_m=cfg.altitude_km * 1e3, **cfg.downlink),
              "uav": uav.params(**cfg.uav)}
    models = load_models(cfg, params)
    options = {"uav": _uav_options(cfg)}
    geometries = _geometries(cfg)
    methods = [("a_space_ground_mbps", "uplink", uplink.policy("full_power"))]
    methods += [("a_algorithm1_mbps", "uplink", uplink.policy("algorithm1"))] if cfg.algorithm1 else []
    methods += [("b_dinkelbach_ee_mbit_per_j", "downlink", downlink.policy("dinkelbach_wmmse"))] if cfg.dinkelbach else []
    methods += [("c_algorithm3_bit_per_hz", "uav", uav.policy("algorithm3"))] if cfg.algorithm3 else []
    if cfg.uav_baseline:
        methods.append((f"c_{cfg.uav_baseline}_bit_per_hz", "uav", uav.policy(cfg.uav_baseline)))
    for name, (system_name, model) in models.items():
        prefix, unit, _ = _COLUMNS[system_name]
        methods.append((f"{prefix}_{name}_{unit}", system_name, model))
    keys = [key] + [jax.random.fold_in(jax.random.fold_in(key, DROPS_TAG), i) for i in range(1, cfg.drops)]

    def over_drops(metric):
        """``metric(key)`` averaged over the drops (the first drop's value itself when there is one)."""
        if len(keys) == 1:
            return metric(key)
        return jnp.mean(jax.vmap(metric)(jnp.stack(keys)), axis=0)

    ground = PowerControlTask(params["uplink"], link="ground")   # the satellite plays no part: one value for the pass
    a_ground = float(over_drops(lambda k: ground.score(uplink.policy("full_power"), ground.sample(k), k)["sum_mbps"]))
    if not np.isfinite(a_ground):
        log.warning("a_ground_mbps: not finite (%s): a drop failed", a_ground)
    out = {name: {"geometry": geo, "a_ground_mbps": np.full(geo.t_s.shape, a_ground)} for name, geo in geometries.items()}
    threshold_dbm = float(params["uav"].interference_threshold_dbm)
    for name, geo in geometries.items():                     # C's I_th per step (NaN where no satellite is visible)
        loss = np.asarray(passes.satellite_signal_loss_db(geo))
        shift = options["uav"]["reference_loss_db"] - loss if options["uav"] else np.where(np.isnan(loss), np.nan, 0.0)
        out[name]["c_threshold_dbm"] = threshold_dbm + shift
    jobs = [(g, *m) for g in geometries for m in methods]
    for name, column, system_name, policy in tqdm(jobs, desc="passes", unit="metric"):
        system = satjax.get_system(system_name)
        metric = jax.jit(lambda g, p=params[system_name], s=system, pol=policy, o=options.get(system_name):
                         over_drops(lambda k: passes.metric_over_pass(s, pol, k, p, g, step_options=o)))
        out[name][column] = np.asarray(metric(geometries[name]))
        failed = ~np.isfinite(out[name][column]) & (np.asarray(geometries[name].serving) >= 0)
        if failed.any():
            log.warning("%s over %s: not finite at %d visible step(s) (t = %s s): a drop failed", column, name,
                        int(failed.sum()), np.asarray(geometries[name].t_s)[failed].tolist())
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


def _learned_columns(cols) -> dict[str, str]:
    """The learned models' columns present in ``cols`` -> their system's reference column."""
    names = _model_names()
    out = {}
    for model, system in names.items():
        prefix, unit, reference = _COLUMNS[system]
        if f"{prefix}_{model}_{unit}" in cols:
            out[f"{prefix}_{model}_{unit}"] = reference
    return out


def summarize(out, drops: int = 1) -> dict:
    """Per geometry: steps, visible steps, maximum elevation, handovers, the drops per step, each
    metric's min/max/mean over the visible steps and each learned model's ratio to its system's
    reference there (per step, the ratio of the means over the drops)."""
    summary = {}
    for name, result in out.items():
        cols = _columns(result)
        visible = cols["serving"] >= 0
        entry = {"steps": int(visible.size), "visible_steps": int(visible.sum()), "drops": drops,
                 "max_elevation_deg": float(np.nanmax(cols["elevation_deg"])) if visible.any() else None,
                 "handovers": int(np.sum(np.diff(cols["serving"][visible]) != 0)) if visible.any() else 0}
        for key, values in cols.items():
            if key.endswith(("_mbps", "_mbit_per_j", "_bit_per_hz")) and visible.any():
                entry[key] = {"min": float(np.nanmin(values[visible])), "max": float(np.nanmax(values[visible])),
                              "mean": float(np.nanmean(values[visible]))}
        ratios = {}
        for column, reference in _learned_columns(cols).items():
            if reference not in cols:
                log.info("%s: no ratio, its reference %s was not run", column, reference)
            elif visible.any():
                ratio = cols[column][visible] / cols[reference][visible]
                ratios[column] = {"reference": reference, "min": float(np.min(ratio)), "mean": float(np.mean(ratio))}
        if ratios:
            entry["ratio_to_reference"] = ratios
        summary[name] = entry
    return summary


def _label(column: str) -> str:
    """The method of a metric column (``"c_scheme2_bit_per_hz"`` -> ``"scheme2"``); '' for others."""
    for prefix, unit, _ in _COLUMNS.values():
        if column.startswith(prefix + "_") and column.endswith("_" + unit):
            return column[len(prefix) + 1:-len(unit) - 1]
    return ""


#: Curves of the systems' plot: (column, label) per panel; learned columns are added to their
#: system's panel.
_PANELS = (("System A sum throughput [Mbit/s]", "a_", (("a_space_ground_mbps", "space + ground, full power"),
                                                        ("a_algorithm1_mbps", "space + ground, Algorithm 1"),
                                                        ("a_ground_mbps", "ground only"))),
           ("System B energy efficiency [Mbit/J]", "b_", (("b_dinkelbach_ee_mbit_per_j", "Dinkelbach-WMMSE"),)),
           ("System C overall efficiency (15) [bit/Hz]", "c_", (("c_algorithm3_bit_per_hz", "Algorithm 3"),)),
           ("System C interference threshold I_th [dBm]", None, (("c_threshold_dbm", "I_th"),)))


def write_outputs(out, summary, directory, environment: str = "", drops: int = 1) -> list:
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
        fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
        learned = _learned_columns(cols)
        for ax, (ylabel, prefix, curves) in zip(axes.ravel(), _PANELS):
            extra = [(k, _label(k) + (" (learned, zero-shot)" if k in learned else "")) for k in cols
                     if prefix and k.startswith(prefix) and _label(k) and k not in dict(curves)]
            for key, label in (*curves, *extra):
                if key in cols:
                    ax.plot(t, cols[key], marker=".", label=label)
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
        for ax in axes[1]:
            ax.set_xlabel("Time since the epoch [s]")
        fig.suptitle(f"{name}: the systems over the pass (same drop at every step)" if drops == 1 else
                     f"{name}: the systems over the pass (mean over {drops} drops, the same at every step)")
        files.append(save_figure(fig, directory / f"{name}_systems.png"))
    return files


@hydra_app(config_path="../conf", config_name="passes")
def main(cfg: DictConfig) -> float:
    config = start_app(cfg)
    out = run(config)
    summary = summarize(out, config.drops)
    directory = output_dir()
    write_outputs(out, summary, directory, config.environment, config.drops)
    for name, entry in summary.items():
        print(name, {k: v for k, v in entry.items()})
    print(f"results in {directory}")
    return summary["pass"]["max_elevation_deg"] or float("nan")


if __name__ == "__main__":
    main()
