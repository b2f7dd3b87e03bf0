"""Paper B beyond the paper: trained precoders on array sizes and at satellite elevations they
never saw, and the deep unfolding's EE against its number of learned inverse layers (untrained
Newton–Schulz unrolling vs the trained network).

    python -m experiments.paper_b.generalization OUT_DIR RUN_DIR [RUN_DIR ...] [--drops 100] [--sides 4 6 8 10 12]
        [--layers 1 2 3 4 6 8] [--elevations 10 20 30 45 60 75 90 | --elevations]

Each ``RUN_DIR`` is a finished main-job run of a paper-B model (its ``.hydra/config.yaml`` and
``model.eqx``). Writes ``OUT_DIR/ee_vs_nt.csv|png`` (every size-agnostic model, zero-shot at
N_t = side², beside Dinkelbach-WMMSE on the same channels) and, for deep-unfolding runs,
``OUT_DIR/ee_vs_layers.csv|png`` (untrained unrolling with 1…8 layers — Newton–Schulz, or the
paper's layers for a run trained with them — and the trained model at its own count, each also as a
ratio to Dinkelbach-WMMSE on the same channels), and (unless ``--elevations`` is given with no
value) ``OUT_DIR/ee_vs_elevation.csv|png`` (every
model with the satellite at each elevation, random azimuth, the noise the zenith's:
``DownlinkParams.elevation_min_deg`` = ``elevation_max_deg``; the same users at every elevation),
all on fixed, seeded channels.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import equinox as eqx
import jax
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import experiments.schema  # noqa: F401  (registers the config schemas)
from experiments.common import save_figure, write_csv
from experiments.xla_env import configure_entry_point
from satjax.downlink import DinkelbachWMMSEPolicy, PrecodingTask
from satjax.downlink import UnfoldedDinkelbachWMMSE
from satjax.train import Evaluator

METRIC = "ee_mbit_per_j"
CONF = Path(__file__).resolve().parents[2] / "conf"
SIDES = (4, 6, 8, 10, 12)
LAYERS = (1, 2, 3, 4, 6, 8)
ELEVATIONS = (10.0, 20.0, 30.0, 45.0, 60.0, 75.0, 90.0)


def load_run(run: Path):
    """``(config, trained model)`` of a main-job run directory."""
    from experiments.common import load_config
    from experiments.runner import instantiate_model

    overrides, weights = run / ".hydra" / "overrides.yaml", run / "model.eqx"
    for p in (overrides, weights):
        if not p.is_file():
            raise FileNotFoundError(f"{p} not found: pass the directory of a finished `python -m experiments.train "
                                    "+exp=<paper-B model>` run")
    # the run's config, composed again from its command-line overrides (with the schemas); inside a
    # Hydra app of this repository (same conf/ directory) Hydra is initialized already
    from hydra.core.global_hydra import GlobalHydra

    args = [o for o in OmegaConf.load(overrides) if not o.startswith("hydra.")]
    if GlobalHydra.instance().is_initialized():
        cfg = load_config(compose(config_name="config", overrides=args))
    else:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = load_config(compose(config_name="config", overrides=args))
    params = cfg.scenario.to_params()
    skeleton = instantiate_model(cfg.model, params, key=jax.random.key(0))
    return cfg, eqx.tree_deserialise_leaves(weights, skeleton)


def _evaluator(cfg, params, salt: int, drops: int) -> Evaluator:
    return Evaluator(PrecodingTask(params), jax.random.fold_in(jax.random.key(cfg.evaluation.seed), salt), drops)


def ee_vs_nt(runs, drops: int, sides=SIDES) -> list[dict]:
    rows, reference = [], {}
    for run, (cfg, model) in runs.items():
        if hasattr(model, "num_users"):           # built for one size (linear unfolding): nothing to generalize
            continue
        dinkelbach = _dinkelbach(cfg)
        for side in sides:
            evaluator = _evaluator(cfg, cfg.scenario.to_params(n_h=side, n_v=side), 200 + side, drops)
            if side not in reference:
                reference[side] = evaluator(dinkelbach)[METRIC]
            m = evaluator(model)[METRIC]
            rows.append({"model": type(model).__name__, "run": str(run), "N_t": side * side,
                         "trained_at": cfg.scenario.to_params().num_antennas, "ee": m,
                         "dinkelbach": reference[side], "ratio": m / reference[side]})
    return rows


def _dinkelbach(cfg) -> DinkelbachWMMSEPolicy:
    ev = cfg.evaluation
    return DinkelbachWMMSEPolicy(tol=ev.tol, max_iters=ev.max_iters, inner_tol=ev.tol, inner_max_iters=ev.inner_max_iters)


def ee_vs_elevation(runs, drops: int, elevations=ELEVATIONS) -> list[dict]:
    """Every run's model and Dinkelbach-WMMSE with the satellite at each elevation [deg] (its
    scenario otherwise; the same users and paths at every elevation: one evaluation key)."""
    rows, reference = [], {}
    for run, (cfg, model) in runs.items():
        trained = cfg.scenario.to_params()
        for elevation in elevations:
            params = trained.at_elevation(elevation)
            evaluator = _evaluator(cfg, params, 400, drops)
            # the same channels for runs that differ only in their training elevations: one reference
            seen = dataclasses.replace(cfg.scenario, elevation_min_deg=elevation, elevation_max_deg=elevation)
            channels = (repr(seen), cfg.evaluation.seed)
            if channels not in reference:
                reference[channels] = evaluator(_dinkelbach(cfg))[METRIC]
            m = evaluator(model)[METRIC]
            rows.append({"model": type(model).__name__, "run": str(run), "elevation_deg": elevation,
                         "trained_elevation_deg": f"{float(trained.elevation_min_deg):g}-{float(trained.elevation_max_deg):g}",
                         "ee": m, "dinkelbach": reference[channels], "ratio": m / reference[channels]})
    return rows


def ee_vs_layers(runs, drops: int, layers=LAYERS) -> list[dict]:
    """Untrained Newton–Schulz unrolling at every count in ``layers`` and each deep-unfolding run at
    its own count, on the same fixed channels. Runs that share a scenario and unrolling depth share
    one untrained sweep, so several runs trained with different ``model.num_layers`` give a trained
    curve beside the untrained one."""
    rows, swept, reference = [], set(), {}
    for run, (cfg, model) in runs.items():
        if not isinstance(model, UnfoldedDinkelbachWMMSE):
            continue
        evaluator = _evaluator(cfg, cfg.scenario.to_params(), 300, drops)
        channels = (repr(cfg.scenario), cfg.evaluation.seed)
        if channels not in reference:
            reference[channels] = evaluator(_dinkelbach(cfg))[METRIC]
        layer = model.inverse.layers[0]
        options = {"activation": layer.activation, "exclude_self": layer.exclude_self, "restart": model.restart}
        variant = "" if options == {"activation": "identity", "exclude_self": False, "restart": False} else " (paper layers)"
        sweep = (*channels, model.num_outer, model.num_inner, variant)
        if sweep not in swept:
            swept.add(sweep)
            for n in layers:
                untrained = UnfoldedDinkelbachWMMSE(num_outer=model.num_outer, num_inner=model.num_inner,
                                                    num_layers=n, **options)
                ee = evaluator(untrained)[METRIC]
                rows.append({"run": str(run), "layers": n, "variant": "untrained" + (variant or " (Newton-Schulz)"), "ee": ee,
                             "ratio": ee / reference[channels]})
        ee = evaluator(model)[METRIC]
        rows.append({"run": str(run), "layers": model.inverse.num_layers, "variant": "trained" + variant, "ee": ee,
                     "ratio": ee / reference[channels]})
    return rows


def _plot(rows, x, groups, path, title):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.8))
    for label, sel, key, style in groups:
        pts = sorted((r[x], r[key]) for r in rows if sel(r))
        if pts:
            ax.plot(*zip(*pts), style, label=label)
    ax.set(xlabel=x, ylabel="EE [Mbit/J]", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def main(argv=None) -> None:
    configure_entry_point()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--drops", type=int, default=100, help="channels per point (>= 1)")
    parser.add_argument("--sides", type=int, nargs="+", default=list(SIDES), help="UPA sides (N_t = side^2, >= 1)")
    parser.add_argument("--layers", type=int, nargs="+", default=list(LAYERS), help="inverse layers (>= 1)")
    parser.add_argument("--elevations", type=float, nargs="*", default=list(ELEVATIONS),
                        help="satellite elevations [deg] in (0, 90]; none: no EE-vs-elevation output")
    args = parser.parse_args(argv)
    for name in ("drops", "sides", "layers"):
        values = getattr(args, name)
        if min(values if isinstance(values, list) else [values]) < 1:
            parser.error(f"--{name} must be >= 1, got {values}")
    if not all(0 < e <= 90 for e in args.elevations):
        parser.error(f"--elevations must be in (0, 90] deg, got {args.elevations}")
    runs = {run: load_run(run) for run in args.runs}
    args.out.mkdir(parents=True, exist_ok=True)
    nt_rows = ee_vs_nt(runs, args.drops, args.sides)
    if nt_rows:
        write_csv(args.out / "ee_vs_nt.csv", list(nt_rows[0]), [list(r.values()) for r in nt_rows])
        names = sorted({r["model"] for r in nt_rows})
        groups = [(f"{n} (zero-shot)", lambda r, n=n: r["model"] == n, "ee", "o-") for n in names]
        groups.append(("Dinkelbach-WMMSE", lambda r, n=names[0]: r["model"] == n, "dinkelbach", "k--"))
        _plot(nt_rows, "N_t", groups, args.out / "ee_vs_nt.png", "EE vs N_t, trained at one N_t")
        for r in nt_rows:
            print(f"{r['model']:>26} N_t={r['N_t']:>4}: {r['ee']:.4f} vs Dinkelbach {r['dinkelbach']:.4f} "
                  f"({100 * r['ratio']:.1f} %)")
    layer_rows = ee_vs_layers(runs, args.drops, args.layers)
    if layer_rows:
        write_csv(args.out / "ee_vs_layers.csv", list(layer_rows[0]), [list(r.values()) for r in layer_rows])
        variants = sorted({r["variant"] for r in layer_rows})
        _plot(layer_rows, "layers", [(v, lambda r, v=v: r["variant"] == v, "ee",
                                      ("o-" if v.startswith("untrained") else "*-")) for v in variants],
              args.out / "ee_vs_layers.png", "Deep unfolding: EE vs learned inverse layers")
        for r in layer_rows:
            print(f"{r['variant']:>26} layers={r['layers']}: {r['ee']:.4f} ({100 * r['ratio']:.1f} % of Dinkelbach-WMMSE)")
    elevation_rows = ee_vs_elevation(runs, args.drops, args.elevations)
    if not elevation_rows:
        print(f"outputs in {args.out}")
        return
    write_csv(args.out / "ee_vs_elevation.csv", list(elevation_rows[0]), [list(r.values()) for r in elevation_rows])
    labels = sorted({(r["model"], r["run"]) for r in elevation_rows})
    groups = [(f"{m} ({Path(run).name})", lambda r, run=run: r["run"] == run, "ee", "o-") for m, run in labels]
    groups.append(("Dinkelbach-WMMSE", lambda r, run=labels[0][1]: r["run"] == run, "dinkelbach", "k--"))
    _plot(elevation_rows, "elevation_deg", groups, args.out / "ee_vs_elevation.png",
          "EE vs the satellite's elevation (zero-shot where not trained there)")
    for r in elevation_rows:
        print(f"{r['model']:>26} ({Path(r['run']).name}, trained {r['trained_elevation_deg']} deg) "
              f"elevation {r['elevation_deg']:g} deg: {r['ee']:.4f} vs Dinkelbach {r['dinkelbach']:.4f} "
              f"({100 * r['ratio']:.1f} %)")
    print(f"outputs in {args.out}")


if __name__ == "__main__":
    main()
