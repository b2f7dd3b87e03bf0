"""Paper A, Figs. 7-10: Algorithm 1 against full and random power, and the users it schedules.

Run: ``python -m experiments.paper_a.power_control`` (overrides e.g. ``num_drops=500``). For every
K in ``k_values`` (tau_p = K/2, tau_c = 10 000) it solves ``num_drops`` drops with Algorithm 1
(solve mode), full power and random power; ``pg_drops`` of them also with multi-start projected
gradient, to count how often Algorithm 1 stops at a worse stationary point. Writes CSV, JSON and
PNG files into the Hydra run directory and prints our numbers beside the paper's.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from omegaconf import DictConfig

from experiments import schema  # noqa: F401  (registers the config schemas)
from experiments.common import ecdf, hydra_app, output_dir, save_figure, start_app, write_csv, write_json
from experiments.paper_a.reported import FIGS_7_10 as PAPER
from satjax.optim import Solve, projected_gradient, random_power
from satjax.uplink import algorithm1, sample_uplink_scenarios, siso_problem, sum_spectral_efficiency, throughput_scale_bps
METHODS = ("algorithm1", "full", "random")


def _kkt_unscheduled(problem, rho, p_max):
    """Users for which rho_k = 0 satisfies the KKT condition of (29): d(sum SE)/d rho_k <= 0 at
    rho_k = 0 with the other powers at the solution (exact test of eq. (44) at a KKT point)."""
    k = rho.shape[0]

    def slope_at_zero(i):
        r0 = rho.at[i].set(0.0)
        return jax.grad(lambda r: sum_spectral_efficiency(problem, r))(r0)[i]

    return (jax.vmap(slope_at_zero)(jnp.arange(k)) <= 0) & problem.user_mask & (p_max > 0)


def solve_drops(cfg, k: int):
    """All methods on ``num_drops`` drops with K = k users; per-drop arrays (sum SE in bit/s/Hz)."""
    params = cfg.scenario.to_params(num_users=k, tau_p=max(1, k // 2), tau_c=10_000)
    key = jax.random.fold_in(jax.random.key(cfg.seed), k)
    key_drop, key_rand, key_pg = jax.random.split(key, 3)
    scen = sample_uplink_scenarios(key_drop, params, cfg.num_drops)

    def one(i, s):
        problem = siso_problem(s.stats)                                   # closed-form terms, once
        res = algorithm1(problem, s.p_max_w, mode=Solve(tol=cfg.tol, max_iters=cfg.max_iters))
        rand = random_power(jax.random.fold_in(key_rand, i), s.p_max_w)
        rates = jnp.stack([res.trace.objective[-1], sum_spectral_efficiency(problem, s.p_max_w),
                           sum_spectral_efficiency(problem, rand)])
        return dict(rates=rates, trace=res.trace.objective[: cfg.fig7_iters + 1], num_iters=res.trace.num_iters,
                    converged=res.trace.converged, scheduled=res.scheduled, rho_frac=res.rho / s.p_max_w,
                    kkt_off=_kkt_unscheduled(problem, res.rho, s.p_max_w))

    t0 = time.perf_counter()
    out = jax.jit(jax.vmap(one))(jnp.arange(cfg.num_drops), scen)
    out = jax.tree.map(np.asarray, jax.block_until_ready(out))
    out["seconds"] = time.perf_counter() - t0
    if cfg.pg_drops:
        sub = jax.tree.map(lambda x: x[: cfg.pg_drops], scen)

        def pg(i, s):
            problem = siso_problem(s.stats)
            return projected_gradient(lambda r: sum_spectral_efficiency(problem, r), s.p_max_w, jax.random.fold_in(key_pg, i),
                                      num_starts=cfg.pg_starts, num_steps=cfg.pg_steps)[1]

        out["pg"] = np.asarray(jax.jit(jax.vmap(pg))(jnp.arange(cfg.pg_drops), sub))
    out["mbps_per_se"] = float(throughput_scale_bps(bandwidth_hz=params.bandwidth_hz, tau_p=params.tau_p,
                                                    tau_c=params.tau_c)) / 1e6
    return out


def summarize(cfg, results) -> dict:
    summary = {"per_k": {}, "paper": PAPER}
    for k, r in results.items():
        mbps = r["rates"] * r["mbps_per_se"]
        iters = r["num_iters"]
        near_final = r["trace"] >= 0.99 * r["rates"][:, :1]                # within 1 % of Algorithm 1's output
        to_1pct = np.argmax(near_final, axis=1).astype(float)
        to_1pct[~np.any(near_final, axis=1)] = np.nan                        # not within fig7_iters
        off_thr = ~r["scheduled"]
        entry = {
            "mean_sum_mbps": {m: float(mbps[:, j].mean()) for j, m in enumerate(METHODS)},
            "gain_over_random": float(mbps[:, 0].mean() / mbps[:, 2].mean() - 1),
            "gain_over_full": float(mbps[:, 0].mean() / mbps[:, 1].mean() - 1),
            "initial_mbps": float(r["trace"][:, 0].mean() * r["mbps_per_se"]),
            "iterations": {"mean": float(iters.mean()), "median": float(np.median(iters)), "p95": float(np.percentile(iters, 95)),
                           "max": int(iters.max()), "converged_fraction": float(r["converged"].mean()),
                           "to_within_1pct_of_final_mean": float(np.nanmean(to_1pct)),
                           "within_1pct_after_10_fraction": float(np.mean(near_final[:, min(10, cfg.fig7_iters)]))},
            "scheduled_fraction": float(r["scheduled"].mean()),
            "kkt_unscheduled_fraction": float(r["kkt_off"].mean()),
            "threshold_kkt_agreement": float(np.mean(off_thr == r["kkt_off"])),
            "seconds_all_drops": r["seconds"],
        }
        if "pg" in r:
            n = r["pg"].shape[0]
            gap = (r["pg"] - r["rates"][:n, 0]) / r["rates"][:n, 0]
            entry["vs_multistart_pg"] = {"drops": n, "pg_better_by_0.1pct_fraction": float(np.mean(gap > 1e-3)),
                                         "mean_relative_gap": float(gap.mean()), "max_relative_gap": float(gap.max())}
        summary["per_k"][str(k)] = entry
    return summary


def write_and_plot(cfg, results, directory):
    import matplotlib.pyplot as plt

    ks = sorted(results)
    # Fig. 7: mean sum throughput along the iterations
    rows = []
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for k in ks:
        curve = results[k]["trace"].mean(0) * results[k]["mbps_per_se"]
        rows += [(k, i, float(v)) for i, v in enumerate(curve)]
        ax.plot(np.arange(curve.size), curve, marker=".", label=f"K = {k}")
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Average sum throughput [Mbps]")
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, directory / "fig7_convergence.png")
    write_csv(directory / "fig7_convergence.csv", ["K", "iteration", "mean_sum_mbps"], rows)
    # Fig. 8: CDF at cdf_k
    r = results[cfg.cdf_k]
    mbps = r["rates"] * r["mbps_per_se"]
    write_csv(directory / "fig8_sum_throughput.csv", ["drop", *[f"{m}_mbps" for m in METHODS]],
              [(i, *map(float, row)) for i, row in enumerate(mbps)])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    paper_means = PAPER["fig8_k30_mean_mbps"] if cfg.cdf_k == 30 else {}     # the paper reports means at K = 30
    for j, m in enumerate(METHODS):
        (line,) = ax.plot(*ecdf(mbps[:, j]), label=f"{m} (mean {float(mbps[:, j].mean()):.1f})")
        if m in paper_means:
            ax.axvline(paper_means[m], color=line.get_color(), ls="--", lw=1,
                       label=f"{m}, paper's mean {paper_means[m]:.1f}")
    ax.set_xlabel(f"Sum throughput [Mbps], K = {cfg.cdf_k}")
    ax.set_ylabel("CDF")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, directory / "fig8_cdf.png")
    # Figs. 9-10: scheduled / unscheduled fractions vs K
    frac = [float(results[k]["scheduled"].mean()) for k in ks]
    write_csv(directory / "fig9_fig10_scheduling.csv", ["K", "scheduled_fraction", "unscheduled_fraction"],
              [(k, f, 1 - f) for k, f in zip(ks, frac)])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    axes[0].bar(ks, frac, width=4)
    axes[0].set_ylabel("Scheduled users (fraction)")
    axes[1].bar(ks, [1 - f for f in frac], width=4, color="tab:red")
    axes[1].set_ylabel("Unscheduled users (fraction)")
    for ax in axes:
        ax.set_xlabel("Number of users K")
        ax.set_xticks(ks)
        ax.grid(alpha=0.3, axis="y")
    save_figure(fig, directory / "fig9_fig10_scheduling.png")
    # distribution of rho / p_max (motivates the scheduling threshold)
    edges = [0, 1e-12, 1e-9, 1e-6, 1e-4, 1e-2, 1e-1, 1 - 1e-6, 1.1]
    hist = [(k, *np.histogram(results[k]["rho_frac"].ravel(), bins=edges)[0].tolist()) for k in ks]
    write_csv(directory / "rho_fraction_histogram.csv", ["K", *[f"[{a:g},{b:g})" for a, b in zip(edges[:-1], edges[1:])]], hist)


@hydra_app(config_path="../../conf", config_name="power_control")
def main(cfg: DictConfig) -> None:
    config = start_app(cfg)
    results = {}
    for k in config.k_values:                              # progress: one line per K (Algorithm 1 takes seconds per K)
        results[int(k)] = solve_drops(config, int(k))
        print(f"K = {int(k)}: {config.num_drops} drops solved in {results[int(k)]['seconds']:.1f} s", flush=True)
    directory = output_dir()
    summary = summarize(config, results)
    write_json(directory / "summary.json", summary)
    write_and_plot(config, results, directory)
    for k, e in summary["per_k"].items():
        it = e["iterations"]
        print(f"K={k}: mean sum throughput [Mbps] alg1 {e['mean_sum_mbps']['algorithm1']:.1f}, full {e['mean_sum_mbps']['full']:.1f}, "
              f"random {e['mean_sum_mbps']['random']:.1f} (initial {e['initial_mbps']:.1f}); gain over random {100 * e['gain_over_random']:.1f} %; "
              f"iterations median {it['median']:.0f} p95 {it['p95']:.0f}, to 1 % of final {it['to_within_1pct_of_final_mean']:.1f}; "
              f"scheduled {100 * e['scheduled_fraction']:.1f} % (KKT agreement {100 * e['threshold_kkt_agreement']:.2f} %)"
              + (f"; PG better (>0.1 %) on {100 * e['vs_multistart_pg']['pg_better_by_0.1pct_fraction']:.0f} % of drops" if "vs_multistart_pg" in e else ""))
    print("paper:", PAPER)
    print(f"results in {directory}")


if __name__ == "__main__":
    main()
