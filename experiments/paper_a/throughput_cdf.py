"""Paper A, Figs. 3-4: CDFs of per-user and sum throughput, analytical (Theorem 1) with Monte
Carlo markers, for space+ground, ground only and space only; all users at full power.

Run: ``python -m experiments.paper_a.throughput_cdf`` (Hydra overrides welcome, e.g.
``num_drops=1000 mc_samples=5000``). Writes CSV, JSON and PNG files into the Hydra run directory
and prints our numbers beside the paper's.
"""

from __future__ import annotations

import jax
import numpy as np
from omegaconf import DictConfig

from experiments import schema  # noqa: F401  (registers the config schemas)
from experiments.common import ecdf, hydra_app, output_dir, save_figure, start_app, write_csv, write_json
from experiments.paper_a.reported import FIGS_3_4 as PAPER
from satjax.uplink import (
    LINKS,
    SisoProblem,
    closed_form_terms_by_link,
    monte_carlo_sinr,
    sample_uplink_scenarios,
    siso_sinr,
    throughput_bps,
)
LABEL = {"space_ground": "Space-ground", "ground": "Ground", "space": "Space"}


def run(cfg) -> dict:
    """Compute the figures' data. ``cfg`` is a :class:`experiments.schema.ThroughputCdfConfig`."""
    params = cfg.scenario.to_params()
    key_drop, key_mc = jax.random.split(jax.random.key(cfg.seed))
    scen = sample_uplink_scenarios(key_drop, params, cfg.num_drops)
    rate = lambda s: throughput_bps(s, bandwidth_hz=params.bandwidth_hz, tau_p=params.tau_p, tau_c=params.tau_c) / 1e6
    out = {"per_user": {}, "sum": {}, "mc_per_user": {}, "mc_sum": {}}
    # the three links in one compiled program: space_ground terms = space terms + ground terms
    def sinr_by_link(stats, p_max):
        return {link: siso_sinr(SisoProblem.from_terms(t, stats.user_mask), p_max)
                for link, t in closed_form_terms_by_link(stats).items()}

    cf = jax.jit(jax.vmap(sinr_by_link))(scen.stats, scen.p_max_w)
    for link in LINKS:
        out["per_user"][link] = np.asarray(rate(cf[link]))                          # [drops, K]
        out["sum"][link] = out["per_user"][link].sum(1)
        if cfg.mc_drops:
            sub = jax.tree.map(lambda x: x[: cfg.mc_drops], scen)
            # lax.map, not vmap: one drop at a time keeps memory at O(chunk * K^2)
            mc = jax.jit(lambda xs: jax.lax.map(
                lambda a: monte_carlo_sinr(jax.random.fold_in(key_mc, a[0]), a[1], a[2], num_samples=cfg.mc_samples, link=link), xs
            ))((np.arange(cfg.mc_drops), sub.stats, sub.p_max_w))
            out["mc_per_user"][link] = np.asarray(rate(mc))
            out["mc_sum"][link] = out["mc_per_user"][link].sum(1)
    return out


def summarize(out) -> dict:
    s, pu = out["sum"], out["per_user"]
    med = {l: float(np.median(pu[l])) for l in LINKS}
    summary = {
        "sum_mean_mbps": {l: float(s[l].mean()) for l in LINKS},
        "sum_p5_mbps": {l: float(np.percentile(s[l], 5)) for l in LINKS},
        "per_user_median_mbps": med,
        "median_ratio": {"space/ground": med["space"] / med["ground"], "space_ground/ground": med["space_ground"] / med["ground"]},
        "paper": PAPER,
    }
    if out["mc_sum"]:
        summary["mc_vs_analytic_max_rel_gap_sum"] = {
            l: float(np.max(np.abs(out["mc_sum"][l] - s[l][: out["mc_sum"][l].size]) / s[l][: out["mc_sum"][l].size])) for l in LINKS
        }
    return summary


def write_outputs(out, summary, directory) -> list:
    files = []
    rows = [(d, k, l, out["per_user"][l][d, k]) for l in LINKS for d in range(out["per_user"][l].shape[0]) for k in range(out["per_user"][l].shape[1])]
    files.append(write_csv(directory / "fig3_per_user_throughput.csv", ["drop", "user", "link", "analytic_mbps"], rows))
    rows = [(d, l, out["sum"][l][d], out["mc_sum"][l][d] if out["mc_sum"] and d < out["mc_sum"][l].size else "") for l in LINKS for d in range(out["sum"][l].size)]
    files.append(write_csv(directory / "fig4_sum_throughput.csv", ["drop", "link", "analytic_mbps", "monte_carlo_mbps"], rows))
    files.append(write_json(directory / "summary.json", summary))
    import matplotlib.pyplot as plt

    for name, key, mc_key, xlabel in (
        ("fig3_per_user_cdf.png", "per_user", "mc_per_user", "Per-user throughput [Mbps]"),
        ("fig4_sum_cdf.png", "sum", "mc_sum", "Sum throughput [Mbps]"),
    ):
        fig, ax = plt.subplots(figsize=(5.5, 4))
        for l in LINKS:
            x, y = ecdf(out[key][l])
            line, = ax.plot(x, y, label=f"{LABEL[l]} (analytical)")
            if out[mc_key]:
                xm, ym = ecdf(out[mc_key][l])
                step = max(1, xm.size // 25)
                ax.plot(xm[::step], ym[::step], "o", mfc="none", color=line.get_color(), label=f"{LABEL[l]} (Monte Carlo)")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("CDF")
        if key == "per_user":
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        files.append(save_figure(fig, directory / name))
    return files


def report(summary) -> str:
    lines = ["link           ours mean  paper mean   ours 5%  paper 5%   ours median/user"]
    for l in LINKS:
        lines.append(
            f"{l:<14}{summary['sum_mean_mbps'][l]:>10.1f}{PAPER['sum_mean'].get(l, float('nan')):>12.1f}"
            f"{summary['sum_p5_mbps'][l]:>10.1f}{PAPER['sum_p5'].get(l, float('nan')):>10.1f}{summary['per_user_median_mbps'][l]:>15.3f}"
        )
    r = summary["median_ratio"]
    lines.append(f"median ratio space/ground {r['space/ground']:.2f} (paper 3.3), space_ground/ground {r['space_ground/ground']:.2f} (paper 5.9)")
    if "mc_vs_analytic_max_rel_gap_sum" in summary:
        lines.append("Monte Carlo vs analytical, max relative gap of sum throughput per drop: "
                     + ", ".join(f"{l} {v:.3%}" for l, v in summary["mc_vs_analytic_max_rel_gap_sum"].items()))
    return "\n".join(lines)


@hydra_app(config_path="../../conf", config_name="throughput_cdf")
def main(cfg: DictConfig) -> float:
    config = start_app(cfg)
    out = run(config)
    summary = summarize(out)
    directory = output_dir()
    write_outputs(out, summary, directory)
    print(report(summary))
    print(f"results in {directory}")
    return summary["sum_mean_mbps"]["space_ground"]


if __name__ == "__main__":
    main()
