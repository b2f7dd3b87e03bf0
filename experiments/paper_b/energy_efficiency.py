"""Paper B, Figs. 7, 8, 9, 11, 12, 13: energy efficiency of model-based precoders and their runtime.

Run: ``python -m experiments.paper_b.energy_efficiency`` (overrides e.g. ``num_drops=100``,
``scenario.snr_convention=link_budget``). For every point, ``num_drops`` drops (drop ``i`` from
``fold_in(key, i)``) are solved by Dinkelbach + WMMSE (EE), sum-rate WMMSE and statistical MRT;
Fig. 7 adds the Monte Carlo EE (ergodic rate (8)) at the Dinkelbach precoders beside the bound
(9); Fig. 13 designs RZF/MMSE on estimated channels and scores them on the true ones. Writes
CSV, JSON and PNG into the Hydra run directory.
"""

from __future__ import annotations

import time

import hydra
import jax
import jax.numpy as jnp
import numpy as np
from omegaconf import DictConfig, OmegaConf

from experiments import schema  # noqa: F401  (registers the config schemas)
from experiments.common import output_dir, save_figure, set_precision, write_csv, write_json
from satjax.downlink import (
    channel_response,
    dinkelbach_wmmse_solve,
    ergodic_rate_monte_carlo,
    estimated_channel,
    mmse_precoder,
    regularized_zero_forcing,
    sample_downlink_scenario,
    sinr,
    statistical_mrt,
    total_power,
    wmmse_solve,
)

#: Paper B, Fig. 10: EE of the methods at the Table I defaults is about 1.1-1.4 Mbit/J.
PAPER = {"fig10_ee_range_mbit_per_j": [1.1, 1.4], "table1": {"nt": 64, "k": 10, "p_max_w": 10, "snr_db": 0}}


def _drops(cfg, params, salt: int):
    key = jax.random.fold_in(jax.random.key(cfg.seed), salt)
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(cfg.num_drops))
    return jax.vmap(lambda k: sample_downlink_scenario(k, params))(keys)


def _solve_kwargs(cfg):
    return dict(tol=cfg.tol, max_iters=cfg.max_iters, inner_tol=cfg.tol, inner_max_iters=cfg.inner_max_iters)


def model_based(cfg, params, salt: int) -> dict:
    """Mean EE [Mbit/J] of Dinkelbach + WMMSE, sum-rate WMMSE and statistical MRT over the drops."""
    scen = _drops(cfg, params, salt)
    kw = _solve_kwargs(cfg)

    def one(s):
        p = s.problem
        b_ee, ee, trace = dinkelbach_wmmse_solve(p, **kw)
        b_sr, _ = wmmse_solve(p, tol=cfg.tol, max_iters=cfg.inner_max_iters)
        return dict(dinkelbach=ee, wmmse=p.energy_efficiency(b_sr),
                    mrt=p.energy_efficiency(statistical_mrt(p.v, p.p_max)), iters=trace.num_iters,
                    power=jnp.sum(jnp.abs(b_ee) ** 2))

    out = jax.tree.map(np.asarray, jax.jit(jax.vmap(one))(scen))
    return {k: float(np.mean(v) / (1e6 if k in ("dinkelbach", "wmmse", "mrt") else 1)) for k, v in out.items()}


def fig7(cfg) -> list[dict]:
    """EE vs P_max: bound (9) and Monte Carlo (8) at the Dinkelbach precoders."""
    rows = []
    for nx, ny, k in cfg.fig7_configs:
        for pmax in cfg.p_max_values:
            params = cfg.scenario.to_params(nx=nx, ny=ny, num_users=k, p_max_w=float(pmax))
            scen = _drops(cfg, params, 7)
            kw = _solve_kwargs(cfg)

            def one(i, s):
                p = s.problem
                b, ee, _ = dinkelbach_wmmse_solve(p, **kw)
                mc = ergodic_rate_monte_carlo(jax.random.fold_in(jax.random.key(cfg.seed + 1), i), b, p.v, s.alpha,
                                              p.noise, num_samples=cfg.mc_samples)
                return ee, p.bandwidth_hz * jnp.sum(mc) / total_power(b, p.xi, p.p_static_w)

            ee, ee_mc = jax.jit(jax.vmap(one))(jnp.arange(cfg.num_drops), scen)
            rows.append(dict(nt=nx * ny, k=k, p_max_w=float(pmax), ee_bound=float(jnp.mean(ee)) / 1e6,
                             ee_monte_carlo=float(jnp.mean(ee_mc)) / 1e6))
    return rows


def fig13(cfg) -> list[dict]:
    """EE vs channel-estimation error (N_t = 64, K = 9): RZF/MMSE on estimated channels, full power,
    instantaneous rates on the true channels averaged over ``csi_samples`` (t, f) draws."""
    params = cfg.scenario.to_params(nx=8, ny=8, num_users=9)
    scen = _drops(cfg, params, 13)
    rows = []
    for eps in cfg.csi_errors:
        def one(i, s):
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
                rate = lambda b: jnp.sum(jnp.log2(1 + sinr(h, b, p.noise)))  # noqa: E731
                return jnp.stack([rate(b_mmse), rate(b_rzf)])

            r = jax.vmap(sample)(ts, fs, jax.random.split(ke, cfg.csi_samples)).mean(0)
            return p.bandwidth_hz * r / (p.xi * p.p_max + p.p_static_w)     # both use the full budget

        ee = np.asarray(jax.jit(jax.vmap(one))(jnp.arange(cfg.num_drops), scen)).mean(0) / 1e6
        rows.append(dict(error_variance=float(eps), mmse=float(ee[0]), rzf=float(ee[1])))
    base = model_based(cfg, params, 13)
    for r in rows:
        r["dinkelbach_statistical"] = base["dinkelbach"]
    return rows


def runtime(cfg) -> list[dict]:
    """Figs. 8-9: time per scenario (jitted, compile excluded, one scenario at a time)."""
    rows = []
    points = [(8, 8, k) for k in cfg.runtime_k_values] + [(n, n, 9) for n in cfg.runtime_side_values]
    for nx, ny, k in points:
        params = cfg.scenario.to_params(nx=nx, ny=ny, num_users=k)
        s = sample_downlink_scenario(jax.random.key(cfg.seed), params)
        p, kw = s.problem, _solve_kwargs(cfg)
        fns = {"dinkelbach_wmmse": jax.jit(lambda q: dinkelbach_wmmse_solve(q, **kw)[0]),
               "wmmse": jax.jit(lambda q: wmmse_solve(q, tol=cfg.tol, max_iters=cfg.inner_max_iters)[0]),
               "mmse": jax.jit(lambda q: mmse_precoder(q.v, q.p_max, q.noise))}
        row = dict(nt=nx * ny, k=k)
        for name, f in fns.items():
            jax.block_until_ready(f(p))
            times = []
            for _ in range(cfg.timing_repeats):
                t0 = time.perf_counter()
                jax.block_until_ready(f(p))
                times.append(time.perf_counter() - t0)
            row[f"{name}_ms"] = 1e3 * float(np.median(times))
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
    config = OmegaConf.to_object(cfg)
    set_precision(config.x64)
    out = output_dir()
    results = {"paper": PAPER}

    rows7 = fig7(config)
    for r in rows7:
        r["group"] = f"Nt={r['nt']}, K={r['k']}"
    write_csv(out / "fig7_ee_vs_pmax.csv", list(rows7[0]), [list(r.values()) for r in rows7])
    _plot(rows7, "p_max_w", [("ee_bound", "bound (9)", "o-"), ("ee_monte_carlo", "Monte Carlo (8)", "x--")],
          "P_max [W]", "Fig. 7: EE vs power budget", out / "fig7_ee_vs_pmax.png", logx=True)

    rows11 = []
    for side in config.nt_side_values:
        m = model_based(config, config.scenario.to_params(nx=side, ny=side), 11)
        rows11.append(dict(nt=side * side, **m))
    write_csv(out / "fig11_ee_vs_nt.csv", list(rows11[0]), [list(r.values()) for r in rows11])
    methods = [("dinkelbach", "Dinkelbach + WMMSE", "o-"), ("wmmse", "sum-rate WMMSE", "s--"), ("mrt", "statistical MRT", "^:")]
    _plot(rows11, "nt", methods, "N_t", "Fig. 11: EE vs antennas", out / "fig11_ee_vs_nt.png")

    rows12 = []
    for k in config.k_values:
        rows12.append(dict(k=k, **model_based(config, config.scenario.to_params(num_users=k), 12)))
    write_csv(out / "fig12_ee_vs_k.csv", list(rows12[0]), [list(r.values()) for r in rows12])
    _plot(rows12, "k", methods, "K", "Fig. 12: EE vs users", out / "fig12_ee_vs_k.png")

    rows13 = fig13(config)
    write_csv(out / "fig13_ee_vs_csi_error.csv", list(rows13[0]), [list(r.values()) for r in rows13])
    _plot(rows13, "error_variance", [("mmse", "MMSE (estimated h)", "o-"), ("rzf", "RZF (estimated h)", "s--"),
                                     ("dinkelbach_statistical", "Dinkelbach + WMMSE (statistical)", "k:")],
          "estimation error variance ε", "Fig. 13: EE vs CSI error (N_t = 64, K = 9)", out / "fig13_ee_vs_csi_error.png")

    rows89 = runtime(config)
    write_csv(out / "fig8_fig9_runtime.csv", list(rows89[0]), [list(r.values()) for r in rows89])
    timing = [("dinkelbach_wmmse_ms", "Dinkelbach + WMMSE", "o-"), ("wmmse_ms", "WMMSE", "s--"), ("mmse_ms", "MMSE", "^:")]
    _plot([r for r in rows89 if r["nt"] == 64], "k", timing, "K (N_t = 64)", "Fig. 8: runtime vs users",
          out / "fig8_runtime_vs_k.png", ylabel="time per scenario [ms]")
    _plot([r for r in rows89 if r["k"] == 9], "nt", timing, "N_t (K = 9)", "Fig. 9: runtime vs antennas",
          out / "fig9_runtime_vs_nt.png", ylabel="time per scenario [ms]")
    results.update(fig7=rows7, fig11=rows11, fig12=rows12, fig13=rows13, fig8_fig9_runtime=rows89,
                   defaults=model_based(config, config.scenario.to_params(), 10))
    write_json(out / "summary.json", results)
    print(f"EE at the Table I defaults: {results['defaults']}; paper ~1.1-1.4 Mbit/J; outputs in {out}")


if __name__ == "__main__":
    main()
