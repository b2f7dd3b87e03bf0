"""Paper B, Figs. 7, 8, 9, 11, 12, 13: energy efficiency of model-based precoders and their runtime.

Run: ``python -m experiments.paper_b.energy_efficiency`` (overrides e.g. ``num_drops=100``,
``scenario.snr_convention=link_budget``). For every point, ``num_drops`` drops (drop ``i`` from
``fold_in(key, i)``) are solved by Dinkelbach + WMMSE (EE), sum-rate WMMSE and statistical MRT;
Fig. 7 adds the Monte Carlo EE (ergodic rate (8)) at the Dinkelbach precoders beside the bound
(9); Fig. 13 designs RZF/MMSE on estimated channels and scores them on the true ones. Writes
CSV, JSON and PNG into the Hydra run directory.

Compilation: each EE figure is one compiled program. Figs. 7, 11, 12 and the defaults pad every
point's drops to the figure's largest array and user count (:meth:`PrecodingProblem.pad`: exact,
tested) and solve all points in one ``lax.map``; Fig. 7 sweeps the budget inside that program;
Fig. 13 ``vmap``s over the CSI-error values. Figs. 8-9 time each size on its own program (that is
what they measure), compile time reported apart.
"""

from __future__ import annotations

import time

import equinox as eqx
import hydra
import jax
import jax.numpy as jnp
import numpy as np
from omegaconf import DictConfig

from experiments import schema  # noqa: F401  (registers the config schemas)
from experiments.common import load_config, output_dir, save_figure, set_precision, time_call, write_csv, write_json
from experiments.paper_b.reported import DEFAULTS as PAPER
from experiments.xla_env import configure_entry_point
from satjax.downlink import (
    channel_response,
    dinkelbach_wmmse,
    energy_efficiency,
    ergodic_rate_monte_carlo,
    estimated_channel,
    mmse_precoder,
    rate,
    regularized_zero_forcing,
    sample_downlink_scenario,
    statistical_mrt,
    transmit_power,
    wmmse,
)
from satjax.optim import Solve

#: Scenarios per vmapped batch inside the one compiled lax.map of a figure (a batch of while loops
#: runs to its slowest member, so small batches waste less; 1 = one scenario at a time).
BATCH = 8


def _drops(cfg, params, salt: int):
    key = jax.random.fold_in(jax.random.key(cfg.seed), salt)
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(cfg.num_drops))
    return jax.vmap(lambda k: sample_downlink_scenario(k, params))(keys)


def _padded(scen, nt, k):
    """Drops padded to ``nt`` antennas and ``k`` users (zero channels: exact, see PrecodingProblem.pad)."""
    problem = jax.vmap(lambda p: p.pad(nt, k))(scen.problem)
    alpha = jnp.pad(scen.alpha, ((0, 0), (0, k - scen.alpha.shape[1]), (0, 0)))
    return problem, alpha


def _modes(cfg):
    return dict(mode=Solve(tol=cfg.tol, max_iters=cfg.max_iters), inner=Solve(tol=cfg.tol, max_iters=cfg.inner_max_iters))


def _model_based_one(cfg):
    """All model-based methods on one (padded) problem: EE [bit/J] of each, iterations, power."""
    def one(problem):
        b_ee, ee, trace = dinkelbach_wmmse(problem, **_modes(cfg))
        b_sr, _ = wmmse(problem, mode=Solve(tol=cfg.tol, max_iters=cfg.inner_max_iters))
        return dict(dinkelbach=ee, wmmse=energy_efficiency(problem, b_sr),
                    mrt=energy_efficiency(problem, statistical_mrt(problem.v, problem.p_max)),
                    iters=trace.num_iters, power=transmit_power(b_ee))
    return one


def model_based_points(cfg, point_params: list, salt: int) -> list[dict]:
    """Mean EE [Mbit/J] of Dinkelbach + WMMSE, sum-rate WMMSE and statistical MRT for every point
    (a list of DownlinkParams, any sizes), all points in one compiled program."""
    scens = [_drops(cfg, p, salt) for p in point_params]
    nt = max(p.num_antennas for p in point_params)
    k = max(p.num_users for p in point_params)
    problems = jax.tree.map(lambda *xs: jnp.concatenate(xs), *[_padded(s, nt, k)[0] for s in scens])
    out = jax.jit(lambda ps: jax.lax.map(_model_based_one(cfg), ps, batch_size=BATCH))(problems)
    out = jax.tree.map(lambda x: np.asarray(x).reshape(len(point_params), cfg.num_drops), out)
    return [{name: float(np.mean(v[i]) / (1e6 if name in ("dinkelbach", "wmmse", "mrt") else 1)) for name, v in out.items()}
            for i in range(len(point_params))]


def fig7(cfg) -> list[dict]:
    """EE vs P_max: bound (9) and Monte Carlo (8) at the Dinkelbach precoders. The budget is swept
    inside the program (it is an array field of the problem); configurations are padded."""
    configs = [cfg.scenario.to_params(nx=nx, ny=ny, num_users=k) for nx, ny, k in cfg.fig7_configs]
    nt = max(p.num_antennas for p in configs)
    kmax = max(p.num_users for p in configs)
    padded = [_padded(_drops(cfg, p, 7), nt, kmax) for p in configs]
    problems, alpha = jax.tree.map(lambda *xs: jnp.stack(xs), *padded)              # [C, D, ...]
    p_max = jnp.asarray(cfg.p_max_values, problems.p_max.dtype)
    key_mc = jax.random.key(cfg.seed + 1)

    def one(args):
        i, problem, a, pm = args
        problem = eqx.tree_at(lambda q: q.p_max, problem, pm)
        b, ee, _ = dinkelbach_wmmse(problem, **_modes(cfg))
        mc = ergodic_rate_monte_carlo(jax.random.fold_in(key_mc, i), b, problem.v, a, problem.noise,
                                      num_samples=cfg.mc_samples)
        return ee, energy_efficiency(problem, b, sum_rate=jnp.sum(mc))

    c, d, npm = len(configs), cfg.num_drops, p_max.shape[0]
    flat = (jnp.tile(jnp.repeat(jnp.arange(d), npm), c),                            # drop index of each entry
            jax.tree.map(lambda x: jnp.repeat(x, npm, axis=1).reshape(c * d * npm, *x.shape[2:]), problems),
            jnp.repeat(alpha, npm, axis=1).reshape(c * d * npm, *alpha.shape[2:]),
            jnp.tile(p_max, c * d))
    ee, ee_mc = jax.jit(lambda xs: jax.lax.map(one, xs, batch_size=BATCH))(flat)
    ee = np.asarray(ee).reshape(c, d, npm).mean(1) / 1e6
    ee_mc = np.asarray(ee_mc).reshape(c, d, npm).mean(1) / 1e6
    return [dict(nt=p.num_antennas, k=p.num_users, p_max_w=float(pm), ee_bound=float(ee[j, i]),
                 ee_monte_carlo=float(ee_mc[j, i])) for j, p in enumerate(configs) for i, pm in enumerate(cfg.p_max_values)]


def fig13(cfg) -> list[dict]:
    """EE vs channel-estimation error (N_t = 64, K = 9): RZF/MMSE on estimated channels, full power,
    instantaneous rates on the true channels averaged over ``csi_samples`` (t, f) draws. The error
    values are ``vmap``ped: one program for the figure."""
    params = cfg.scenario.to_params(nx=8, ny=8, num_users=9)
    scen = _drops(cfg, params, 13)

    def one(i, s, eps):
        p = s.problem
        key = jax.random.fold_in(jax.random.key(cfg.seed + 2), i)
        kt, kf, ke = jax.random.split(key, 3)
        ts = jax.random.uniform(kt, (cfg.csi_samples,), maxval=1.0)
        fs = jax.random.uniform(kf, (cfg.csi_samples,), minval=-0.5, maxval=0.5) * p.bandwidth_hz

        def sample(t, f, k):
            h = channel_response(s, t, f)
            h_hat = estimated_channel(k, h, p.gamma, eps)
            b_mmse = mmse_precoder(h_hat, p.p_max, p.noise)
            b_rzf = regularized_zero_forcing(h_hat, p.p_max, 0.1 * h.shape[1] * p.noise / p.p_max)
            return jnp.stack([energy_efficiency(p, b, sum_rate=jnp.sum(rate(h, b, p.noise))) for b in (b_mmse, b_rzf)])

        return jax.vmap(sample)(ts, fs, jax.random.split(ke, cfg.csi_samples)).mean(0)   # same power every sample

    eps = jnp.asarray(cfg.csi_errors, scen.problem.p_max.dtype)
    prog = jax.jit(jax.vmap(lambda e: jax.vmap(lambda i, s: one(i, s, e))(jnp.arange(cfg.num_drops), scen)))
    ee = np.asarray(prog(eps)).mean(1) / 1e6                                                   # [E, 2]
    rows = [dict(error_variance=float(e), mmse=float(ee[j, 0]), rzf=float(ee[j, 1])) for j, e in enumerate(cfg.csi_errors)]
    base = model_based_points(cfg, [params], 13)[0]
    for r in rows:
        r["dinkelbach_statistical"] = base["dinkelbach"]
    return rows


def runtime(cfg) -> list[dict]:
    """Figs. 8-9: time per scenario (jitted, one scenario at a time; compile time apart)."""
    rows = []
    points = [(8, 8, k) for k in cfg.runtime_k_values] + [(n, n, 9) for n in cfg.runtime_side_values]
    modes = _modes(cfg)
    fns = {"dinkelbach_wmmse": jax.jit(lambda q: dinkelbach_wmmse(q, **modes)[0]),
           "wmmse": jax.jit(lambda q: wmmse(q, mode=modes["inner"])[0]),
           "mmse": jax.jit(lambda q: mmse_precoder(q.v, q.p_max, q.noise))}
    for nx, ny, k in points:
        params = cfg.scenario.to_params(nx=nx, ny=ny, num_users=k)
        p = sample_downlink_scenario(jax.random.key(cfg.seed), params).problem
        row = dict(nt=nx * ny, k=k)
        for name, f in fns.items():
            t = time_call(f, p, repeats=cfg.timing_repeats)
            row[f"{name}_ms"] = t["per_scenario_ms"]
            row[f"{name}_first_call_s"] = t["first_call_s"]
        rows.append(row)
    return rows


def _plot(rows, x, ys, xlabel, title, path, logx=False, ylabel="EE [Mbit/J]"):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for y, label, style in ys:
        groups = {}
        for r in rows:
            groups.setdefault(r.get("group", ""), []).append(r)
        for g, rs in groups.items():
            ax.plot([r[x] for r in rs], [r[y] for r in rs], style, label=f"{label} {g}".strip())
    if logx:
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


@hydra.main(version_base="1.3", config_path="../../conf", config_name="energy_efficiency")
def main(cfg: DictConfig) -> None:
    configure_entry_point()
    config = load_config(cfg)
    set_precision(config.x64)
    out = output_dir()
    results = {"paper": PAPER}
    t_start = time.perf_counter()

    def progress(what):
        print(f"[{time.perf_counter() - t_start:6.1f} s] {what}", flush=True)

    rows7 = fig7(config)
    progress("Fig. 7 (EE vs budget, bound and Monte Carlo) done")
    for r in rows7:
        r["group"] = f"Nt={r['nt']}, K={r['k']}"
    write_csv(out / "fig7_ee_vs_pmax.csv", list(rows7[0]), [list(r.values()) for r in rows7])
    _plot(rows7, "p_max_w", [("ee_bound", "bound (9)", "o-"), ("ee_monte_carlo", "Monte Carlo (8)", "x--")],
          "P_max [W]", "Fig. 7: EE vs power budget", out / "fig7_ee_vs_pmax.png", logx=True)

    points11 = [config.scenario.to_params(nx=side, ny=side) for side in config.nt_side_values]
    rows11 = [dict(nt=p.num_antennas, **m) for p, m in zip(points11, model_based_points(config, points11, 11))]
    progress("Fig. 11 (EE vs antennas) done")
    write_csv(out / "fig11_ee_vs_nt.csv", list(rows11[0]), [list(r.values()) for r in rows11])
    methods = [("dinkelbach", "Dinkelbach + WMMSE", "o-"), ("wmmse", "sum-rate WMMSE", "s--"), ("mrt", "statistical MRT", "^:")]
    _plot(rows11, "nt", methods, "N_t", "Fig. 11: EE vs antennas", out / "fig11_ee_vs_nt.png")

    points12 = [config.scenario.to_params(num_users=k) for k in config.k_values]
    rows12 = [dict(k=p.num_users, **m) for p, m in zip(points12, model_based_points(config, points12, 12))]
    progress("Fig. 12 (EE vs users) done")
    write_csv(out / "fig12_ee_vs_k.csv", list(rows12[0]), [list(r.values()) for r in rows12])
    _plot(rows12, "k", methods, "K", "Fig. 12: EE vs users", out / "fig12_ee_vs_k.png")

    rows13 = fig13(config)
    progress("Fig. 13 (EE vs CSI error) done")
    write_csv(out / "fig13_ee_vs_csi_error.csv", list(rows13[0]), [list(r.values()) for r in rows13])
    _plot(rows13, "error_variance", [("mmse", "MMSE (estimated h)", "o-"), ("rzf", "RZF (estimated h)", "s--"),
                                     ("dinkelbach_statistical", "Dinkelbach + WMMSE (statistical)", "k:")],
          "estimation error variance ε", "Fig. 13: EE vs CSI error (N_t = 64, K = 9)", out / "fig13_ee_vs_csi_error.png")

    rows89 = runtime(config)
    progress("Figs. 8-9 (runtimes) done")
    write_csv(out / "fig8_fig9_runtime.csv", list(rows89[0]), [list(r.values()) for r in rows89])
    timing = [("dinkelbach_wmmse_ms", "Dinkelbach + WMMSE", "o-"), ("wmmse_ms", "WMMSE", "s--"), ("mmse_ms", "MMSE", "^:")]
    _plot([r for r in rows89 if r["nt"] == 64], "k", timing, "K (N_t = 64)", "Fig. 8: runtime vs users",
          out / "fig8_runtime_vs_k.png", ylabel="time per scenario [ms]")
    _plot([r for r in rows89 if r["k"] == 9], "nt", timing, "N_t (K = 9)", "Fig. 9: runtime vs antennas",
          out / "fig9_runtime_vs_nt.png", ylabel="time per scenario [ms]")
    results.update(fig7=rows7, fig11=rows11, fig12=rows12, fig13=rows13, fig8_fig9_runtime=rows89,
                   defaults=model_based_points(config, [config.scenario.to_params()], 10)[0],
                   wall_s=time.perf_counter() - t_start)
    write_json(out / "summary.json", results)
    print(f"EE at the Table I defaults: {results['defaults']}; paper ~1.1-1.4 Mbit/J; outputs in {out}")


if __name__ == "__main__":
    main()
